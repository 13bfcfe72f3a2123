"""2-D convolution on NCHW arrays: im2col through stride tricks and one GEMM, and its two adjoints.

All three ops share one geometry: stride ``(sh, sw)``, dilation ``(dh, dw)`` and ``padding = (pt, pl)``, the
zeros added above and to the left of the image. Output position ``i`` with kernel offset ``a`` reads image
row ``i * sh + a * dh - pt``; rows outside the image read zero. The padding at the bottom and right is
whatever the output size needs (it may be negative: trailing rows that no window reaches are ignored),
which covers symmetric padding, ``padding='same'`` (asymmetric when the total is odd) and
``conv_transpose2d``'s ``output_padding`` alike. Each op takes the one spatial size that its inputs do not
fix as ``size``:

* ``Conv2d(x, w, size=(Ho, Wo))`` -> y, the convolution (cross-correlation, as torch) ``(N, O, Ho, Wo)``;
* ``ConvInputGrad(g, w, size=(H, W))`` -> x-shaped, the adjoint of Conv2d in x (= conv_transpose2d);
* ``ConvWeightGrad(x, g, size=(kh, kw))`` -> w-shaped, the adjoint of Conv2d in w.

Each is linear in each argument, and the vjp of each is written with the other two (through ``ctx.xp``,
so that second and higher derivatives are recorded under ``create_graph``). No float64 upcast: the GEMMs
run in the inputs' dtype. Internally the images are laid out batch-last, (C, H, W, N), which makes the
im2col copy and the col2im scatter-adds (one vectorised add per kernel offset) move long contiguous runs.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .base import Op


def _extent(out, k, s, d):
    """Number of (padded) image rows spanned by ``out`` windows of ``k`` taps."""
    return (out - 1) * s + d * (k - 1) + 1


def _padded(x, pt, pl, he, we):
    """x (N, C, H, W) as the padded image of size (he, we), laid out batch-last: (C, he, we, N).

    The image starts ``pt, pl`` rows/cols below/right of the padded one's corner; rows/cols beyond the
    extent are dropped. Batch-last makes the windows' innermost runs (Wo * N elements at stride 1) long,
    so the im2col copy and the col2im adds below run at memory speed. One copy of x.
    """
    n, c, h, w = x.shape
    if pt == 0 and pl == 0 and he <= h and we <= w:
        return np.ascontiguousarray(x[:, :, :he, :we].transpose(1, 2, 3, 0))
    out = np.zeros((c, he, we, n), dtype=x.dtype)
    qh, qw = max(min(h, he - pt), 0), max(min(w, we - pl), 0)
    out[:, pt:pt + qh, pl:pl + qw, :] = x[:, :, :qh, :qw].transpose(1, 2, 3, 0)
    return out


def _columns(x, kh, kw, ho, wo, stride, padding, dilation):
    """im2col: the (C * kh * kw, Ho * Wo * N) matrix of every window of x (one copy of a strided view)."""
    (sh, sw), (dh, dw), (pt, pl) = stride, dilation, padding
    n, c = x.shape[:2]
    xe = _padded(x, pt, pl, _extent(ho, kh, sh, dh), _extent(wo, kw, sw, dw))
    s_c, s_h, s_w, s_n = xe.strides
    windows = as_strided(xe, shape=(c, kh, kw, ho, wo, n),
                         strides=(s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw, s_n), writeable=False)
    return windows.reshape(c * kh * kw, ho * wo * n)


def _batch_last(g):
    """(N, O, Ho, Wo) -> the (O, Ho * Wo * N) matrix."""
    n, o, ho, wo = g.shape
    return g.transpose(1, 2, 3, 0).reshape(o, ho * wo * n)


def conv2d_forward(x, w, size, stride, padding, dilation):
    n = x.shape[0]
    o, _, kh, kw = w.shape
    ho, wo = size
    cols = _columns(x, kh, kw, ho, wo, stride, padding, dilation)
    y = np.matmul(w.reshape(o, -1), cols)                      # (O, Ho * Wo * N): one GEMM
    return np.ascontiguousarray(y.reshape(o, ho, wo, n).transpose(3, 0, 1, 2))


def conv2d_input_grad(g, w, size, stride, padding, dilation):
    (sh, sw), (dh, dw), (pt, pl) = stride, dilation, padding
    n, o, ho, wo = g.shape
    _, c, kh, kw = w.shape
    h, wd = size
    # rows ordered (kh, kw, C) so that each kernel offset's block below is contiguous
    w2 = w.transpose(2, 3, 1, 0).reshape(kh * kw * c, o)
    dcols = np.matmul(w2, _batch_last(g))                      # (kh * kw * C, Ho * Wo * N): one GEMM
    dcols = dcols.reshape(kh, kw, c, ho, wo, n)
    he, we = _extent(ho, kh, sh, dh), _extent(wo, kw, sw, dw)
    # col2im: scatter-add each kernel offset's (C, Ho, Wo, N) block into the padded image (batch last)
    dxe = np.zeros((c, he, we, n), dtype=dcols.dtype)
    hspan, wspan = (ho - 1) * sh + 1, (wo - 1) * sw + 1
    for a in range(kh):
        for b in range(kw):
            dxe[:, a * dh:a * dh + hspan:sh, b * dw:b * dw + wspan:sw, :] += dcols[a, b]
    qh, qw = max(min(h, he - pt), 0), max(min(wd, we - pl), 0)
    if qh == h and qw == wd:
        return np.ascontiguousarray(dxe[:, pt:pt + h, pl:pl + wd, :].transpose(3, 0, 1, 2))
    dx = np.zeros((n, c, h, wd), dtype=dcols.dtype)
    dx[:, :, :qh, :qw] = dxe[:, pt:pt + qh, pl:pl + qw, :].transpose(3, 0, 1, 2)
    return dx


def conv2d_weight_grad(x, g, size, stride, padding, dilation):
    _, o, ho, wo = g.shape
    c = x.shape[1]
    kh, kw = size
    cols = _columns(x, kh, kw, ho, wo, stride, padding, dilation)
    dw = np.matmul(_batch_last(g), cols.T)                     # (O, C * kh * kw): one GEMM
    return dw.reshape(o, c, kh, kw)


def _geometry(p):
    return p["stride"], p["padding"], p["dilation"]


def _hw(a):
    shape = a.shape
    return (shape[-2], shape[-1])


class Conv2d(Op):
    """y = conv(x, w): x (N, C, H, W), w (O, C, kh, kw) -> (N, O, Ho, Wo) with ``size = (Ho, Wo)``."""

    name = "conv2d"

    @staticmethod
    def forward(x, w, size, stride, padding, dilation):
        return conv2d_forward(x, w, size, stride, padding, dilation), None

    @staticmethod
    def vjp(ctx, g):
        x, w = ctx.x
        xp, (stride, padding, dilation) = ctx.xp, _geometry(ctx.p)
        dx = xp.conv2d_input_grad(g, w, _hw(x), stride, padding, dilation) if ctx.needs[0] else None
        dw = xp.conv2d_weight_grad(x, g, _hw(w), stride, padding, dilation) if ctx.needs[1] else None
        return dx, dw


class ConvInputGrad(Op):
    """z = conv's adjoint in x (conv_transpose2d): g (N, O, Ho, Wo), w (O, C, kh, kw) -> (N, C, H, W)."""

    name = "conv_transpose2d"

    @staticmethod
    def forward(g, w, size, stride, padding, dilation):
        return conv2d_input_grad(g, w, size, stride, padding, dilation), None

    @staticmethod
    def vjp(ctx, u):
        g, w = ctx.x
        xp, (stride, padding, dilation) = ctx.xp, _geometry(ctx.p)
        dg = xp.conv2d(u, w, _hw(g), stride, padding, dilation) if ctx.needs[0] else None
        dw = xp.conv2d_weight_grad(u, g, _hw(w), stride, padding, dilation) if ctx.needs[1] else None
        return dg, dw


class ConvWeightGrad(Op):
    """z = conv's adjoint in w: x (N, C, H, W), g (N, O, Ho, Wo) -> (O, C, kh, kw), ``size = (kh, kw)``."""

    name = "conv2d_weight_grad"

    @staticmethod
    def forward(x, g, size, stride, padding, dilation):
        return conv2d_weight_grad(x, g, size, stride, padding, dilation), None

    @staticmethod
    def vjp(ctx, u):
        x, g = ctx.x
        xp, (stride, padding, dilation) = ctx.xp, _geometry(ctx.p)
        dx = xp.conv2d_input_grad(g, u, _hw(x), stride, padding, dilation) if ctx.needs[0] else None
        dg = xp.conv2d(x, u, _hw(g), stride, padding, dilation) if ctx.needs[1] else None
        return dx, dg
