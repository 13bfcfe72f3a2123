"""2-D convolution on NCHW arrays: im2col through stride tricks and one GEMM, and its two adjoints.

All three ops share one geometry: stride ``(sh, sw)``, dilation ``(dh, dw)`` and ``padding = (pt, pl)``, the
zeros added above and to the left of the image. Output position ``i`` with kernel offset ``a`` reads image
row ``i * sh + a * dh - pt``; rows outside the image read zero. The padding at the bottom and right is
whatever the output size needs (it may be negative: trailing rows that no window reaches are ignored),
which covers symmetric padding, ``padding='same'`` (asymmetric when the total is odd) and
``conv_transpose2d``'s ``output_padding`` alike. Each op takes the one spatial size that its inputs do not
fix as ``size``:

* ``Conv2d(x, w[, b], size=(Ho, Wo))`` -> y, the convolution (cross-correlation, as torch) ``(N, O, Ho, Wo)``,
  plus the bias ``b`` when given (a ones column appended to im2col carries it through the GEMMs: the
  forward adds it and the weight-gradient GEMM returns its gradient as one more row);
* ``ConvInputGrad(g, w, size=(H, W))`` -> x-shaped, the adjoint of Conv2d in x (= conv_transpose2d);
* ``ConvWeightGrad(x, g, size=(kh, kw))`` -> w-shaped, the adjoint of Conv2d in w.

Each is linear in each argument, and the vjp of each is written with the other two (through ``ctx.xp``,
so that second and higher derivatives are recorded under ``create_graph``). No float64 upcast: the GEMMs
run in the inputs' dtype.

Memory layout: the arrays keep PyTorch's NCHW shape, but the results are channels-last in memory (an
(N, H, W, C) buffer seen through a transposed view, like torch's ``channels_last``). The im2col columns are
ordered (kernel row, kernel column, channel), so the GEMM's (N * Ho * Wo, O) result already is the next
layer's channels-last input: no transposes or copies between layers. Elementwise ops and pooling keep the
layout (numpy's ``order='K'``). Conv2d keeps its im2col matrix for the weight gradient instead of
rebuilding it, unless the matrix would exceed ``COLUMNS_BYTES``: then the batch is convolved in chunks of
at most ``CHUNK_BYTES`` and the weight gradient rebuilds the matrix chunk by chunk; the unit-stride input
gradient builds its temporaries the same way. The chunks of one call are of equal sizes and share one
buffer per temporary.

The budgets bound the memory of a training step: a kept matrix lives from the forward to the end of the
backward, under every later activation, and chunk temporaries add to whatever is alive when they are
built. At batch 256 the benchmark CNN's first matrix (14.6 MiB) is rebuilt in backward (~1 ms, and the
smaller GEMMs make up for it) instead of kept, and the resident peak of the step falls from 92.6 to 50 MiB
(``benchmarks/train_step.py --memory``); at batch 64 every matrix is still kept and nothing is chunked.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .base import Op, numpy_namespace


def _extent(out, k, s, d):
    """Number of (padded) image rows spanned by ``out`` windows of ``k`` taps."""
    return (out - 1) * s + d * (k - 1) + 1


def _padded(x, pt, pl, he, we):
    """x (N, C, H, W), in any memory layout, as the channels-last padded image (N, he, we, C).

    The image starts ``pt, pl`` rows/cols below/right of the padded one's corner; rows/cols beyond the
    extent are dropped. Without padding this is a view (no copy).
    """
    n, c, h, w = x.shape
    channels_last = x.transpose(0, 2, 3, 1)
    if pt == 0 and pl == 0 and he <= h and we <= w:
        return channels_last[:, :he, :we, :]
    out = np.zeros((n, he, we, c), dtype=x.dtype)
    qh, qw = max(min(h, he - pt), 0), max(min(w, we - pl), 0)
    out[:, pt : pt + qh, pl : pl + qw, :] = channels_last[:, :qh, :qw, :]
    return out


def _columns(x, kh, kw, ho, wo, stride, padding, dilation, ones=False, out=None):
    """im2col: the (N * Ho * Wo, kh * kw * C) matrix of every window of x (one copy of a strided view).

    ``ones`` appends a column of ones, so that one GEMM with the kernel matrix stacked on the bias adds the
    bias, and the weight-gradient GEMM yields the bias gradient as its last row. With one channel the
    matrix is built as its transpose, whose rows are shifted images (long contiguous runs instead of
    kw-element ones), and returned as a transposed view. ``out``, a 1-D array of x's dtype with at least
    as many elements as the matrix, holds it instead of a new array: the batch chunks of one convolution
    then share one buffer (one chunk alive at a time, and the allocator sees the same block again).
    """
    (sh, sw), (dh, dw), (pt, pl) = stride, dilation, padding
    n, c = x.shape[:2]
    xe = _padded(x, pt, pl, _extent(ho, kh, sh, dh), _extent(wo, kw, sw, dw))
    s_n, s_h, s_w, s_c = xe.strides
    k, m, width = kh * kw * c, n * ho * wo, kh * kw * c + bool(ones)
    if c == 1:
        windows = as_strided(
            xe, shape=(kh, kw, n, ho, wo), writeable=False, strides=(s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw)
        )
        buf = _matrix((width, m), x.dtype, out)
        buf[:k].reshape(kh, kw, n, ho, wo)[...] = windows
        buf[k:] = 1
        return buf.T
    windows = as_strided(
        xe, shape=(n, ho, wo, kh, kw, c), strides=(s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c), writeable=False
    )
    buf = _matrix((m, width), x.dtype, out)
    buf[:, :k].reshape(n, ho, wo, kh, kw, c)[...] = windows
    buf[:, k:] = 1
    return buf


def _matrix(shape, dtype, out=None):
    """An uninitialised C-contiguous array of ``shape``: a new one, or the front of the 1-D buffer ``out``."""
    if out is None:
        return np.empty(shape, dtype=dtype)
    return out[: int(np.prod(shape))].reshape(shape)


def _rows(g):
    """(N, O, Ho, Wo) -> the (N * Ho * Wo, O) matrix (free when g is channels-last)."""
    n, o, ho, wo = g.shape
    return g.transpose(0, 2, 3, 1).reshape(n * ho * wo, o)


def _kernel_matrix(w, b=None):
    """(O, C, kh, kw) -> the (kh * kw * C, O) matrix matching the im2col column order (with the bias ``b`` as
    one more row when given), as the transposed view of an (O, kh * kw * C) copy: that copy transposes
    within each output channel only (~9x faster than a full transpose), and matmul passes the transpose to
    BLAS as a flag."""
    o, c, kh, kw = w.shape
    k = kh * kw * c
    rows = np.empty((o, k + (b is not None)), dtype=w.dtype)
    rows[:, :k].reshape(o, kh, kw, c)[...] = w.transpose(0, 2, 3, 1)
    if b is not None:
        rows[:, k] = b
    return rows.T


def _channels_first(y, n, ho, wo):
    """The (N * Ho * Wo, O) GEMM result as an (N, O, Ho, Wo) view: channels-last memory, NCHW shape."""
    return y.reshape(n, ho, wo, y.shape[1]).transpose(0, 3, 1, 2)


COLUMNS_BYTES = 8 * 2**20  # a larger im2col matrix is built in batch chunks (and not kept for backward)


CHUNK_BYTES = 2 * 2**20  # the temporaries of one chunk, when a batch is chunked (smaller: no slower, less memory)


def _batch_chunks(x, kh, kw, ho, wo):
    """The whole batch if its im2col matrix fits COLUMNS_BYTES, else slices whose matrices fit CHUNK_BYTES."""
    n, c = x.shape[:2]
    return _chunks_of(n, ho * wo * kh * kw * c * x.itemsize)


def _chunks_of(n, per_sample):
    """Slices of a batch of ``n`` samples of ``per_sample`` bytes of temporaries: the whole batch if it fits
    COLUMNS_BYTES, else as few slices as fit CHUNK_BYTES each, of equal sizes (the last one smaller)."""
    if n * per_sample <= COLUMNS_BYTES:
        return [slice(0, n)] if n else []
    most = max(1, min(CHUNK_BYTES, COLUMNS_BYTES) // max(per_sample, 1))
    count = -(-n // most)
    step = -(-n // count) if count else 1
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _chunk_buffer(chunks, elements_per_sample, dtype):
    """One 1-D buffer big enough for the largest chunk's matrix of ``elements_per_sample`` elements a sample."""
    largest = max((part.stop - part.start for part in chunks), default=0)
    return np.empty(largest * elements_per_sample, dtype=dtype)


def conv2d_forward(x, w, b, size, stride, padding, dilation):
    """The convolution (plus bias) and, when it is small enough to keep, its im2col matrix (for the weight
    gradient); large inputs are convolved in batch chunks and the matrix is rebuilt in backward."""
    n = x.shape[0]
    o, _, kh, kw = w.shape
    ho, wo = size
    bias = b is not None
    kernel = _kernel_matrix(w, b)
    chunks = _batch_chunks(x, kh, kw, ho, wo)
    if len(chunks) == 1:
        cols = _columns(x, kh, kw, ho, wo, stride, padding, dilation, ones=bias)
        y = cols @ kernel
    else:
        cols, y = None, np.empty((n * ho * wo, o), dtype=np.result_type(x, w))
        buffer = _chunk_buffer(chunks, ho * wo * (kh * kw * x.shape[1] + bias), x.dtype)
        for part in chunks:
            rows = slice(part.start * ho * wo, part.stop * ho * wo)
            part_cols = _columns(x[part], kh, kw, ho, wo, stride, padding, dilation, ones=bias, out=buffer)
            np.matmul(part_cols, kernel, out=y[rows])
    return _channels_first(y, n, ho, wo), cols


def conv2d_input_grad(g, w, size, stride, padding, dilation):
    (sh, sw), (dh, dw) = stride, dilation
    if (sh, sw, dh, dw) == (1, 1, 1, 1):
        dxe = _input_grad_unit_stride(g, w)
    elif (dh, dw) == (1, 1):
        dxe = _input_grad_strided(g, w, sh, sw)
    else:
        dxe = _input_grad_dilated(g, w, stride, dilation)
    return _cropped(dxe, size, padding)


def _cropped(dxe, size, padding):
    """The (N, C, H, W) input gradient (channels-last memory) cut out of the padded one ``dxe`` (N, he, we, C)."""
    (pt, pl), (h, wd) = padding, size
    n, he, we, c = dxe.shape
    qh, qw = max(min(h, he - pt), 0), max(min(wd, we - pl), 0)
    if (pt, pl, he, we) == (0, 0, h, wd):
        return dxe.transpose(0, 3, 1, 2)
    # the crop is copied compact: later per-channel sums (batch norm, bias gradients) are then single GEMVs
    dx = (np.empty if (qh, qw) == (h, wd) else np.zeros)((n, h, wd, c), dtype=dxe.dtype)
    dx[:, :qh, :qw, :] = dxe[:, pt : pt + qh, pl : pl + qw, :]
    return dx.transpose(0, 3, 1, 2)


def _input_grad_strided(g, w, sh, sw):
    """The padded channels-last input gradient of a strided, dilation-1 convolution: one GEMM giving every
    kernel tap's contribution, then col2im by stride phase. Tap a = sh * qa + ra lands on row
    sh * (i + qa) + ra, so the taps of one (qa, qb) fill all sh * sw phases at once: ceil(kh / sh) *
    ceil(kw / sw) shifted adds (4 instead of 16 for pix2pix's 4x4 stride-2 kernels)."""
    n, o, ho, wo = g.shape
    _, c, kh, kw = w.shape
    qh, qw = -(-kh // sh), -(-kw // sw)
    taps = (_rows(g) @ _kernel_matrix(w).T).reshape(n, ho, wo, kh, kw, c)
    dxe = np.zeros((n, (ho - 1 + qh) * sh, (wo - 1 + qw) * sw, c), dtype=taps.dtype)
    phases = dxe.reshape(n, ho - 1 + qh, sh, wo - 1 + qw, sw, c)
    for a in range(qh):
        for b in range(qw):
            block = taps[:, :, :, a * sh : (a + 1) * sh, b * sw : (b + 1) * sw, :]
            ra, rb = block.shape[3:5]
            phases[:, a : a + ho, :ra, b : b + wo, :rb, :] += block.transpose(0, 1, 3, 2, 4, 5)
    return dxe


def _input_grad_dilated(g, w, stride, dilation):
    """The padded channels-last input gradient of a dilated convolution: per kernel offset, the (N * Ho * Wo,
    C) block rows(g) @ w[:, :, a, b] (one batched GEMM), added into its shifted, strided window (col2im)."""
    (sh, sw), (dh, dw) = stride, dilation
    n, o, ho, wo = g.shape
    _, c, kh, kw = w.shape
    blocks = np.matmul(_rows(g), w.transpose(2, 3, 0, 1).reshape(kh * kw, o, c)).reshape(kh, kw, n, ho, wo, c)
    dxe = np.zeros((n, _extent(ho, kh, sh, dh), _extent(wo, kw, sw, dw), c), dtype=blocks.dtype)
    hspan, wspan = (ho - 1) * sh + 1, (wo - 1) * sw + 1
    for a in range(kh):
        for b in range(kw):
            dxe[:, a * dh : a * dh + hspan : sh, b * dw : b * dw + wspan : sw, :] += blocks[a, b]
    return dxe


def _input_grad_unit_stride(g, w):
    """The padded channels-last input gradient (N, Ho + kh - 1, Wo + kw - 1, C) of a stride-1, dilation-1
    convolution: a width-direction im2col of the zero-padded g, one GEMM giving every kernel row's
    contribution at once, and kh shifted adds (~10% faster than per-offset blocks and 25 adds).

    The im2col matrix (kw times the size of g) and the GEMM result are built for a batch chunk at a time
    (see _chunks_of), in buffers shared by the chunks: a large batch's backward then holds one
    chunk's temporaries instead of the whole batch's."""
    n, o, ho, wo = g.shape
    _, c, kh, kw = w.shape
    he, we = ho + kh - 1, wo + kw - 1
    dtype = np.result_type(g, w)
    flipped = w[:, :, :, ::-1].transpose(3, 0, 2, 1).reshape(kw * o, kh * c)
    dxe = np.zeros((n, he, we, c), dtype=dtype)
    chunks = _chunks_of(n, ho * we * kw * o * dtype.itemsize)
    largest = max((part.stop - part.start for part in chunks), default=0)
    padded = np.zeros((largest, ho, we + kw - 1, o), dtype=dtype)  # the zero borders stay zero across chunks
    columns = _chunk_buffer(chunks, ho * we * kw * o, dtype)
    products = _chunk_buffer(chunks, ho * we * kh * c, dtype)
    for part in chunks:
        gp = padded[: part.stop - part.start]
        gp[:, :, kw - 1 : kw - 1 + wo, :] = g[part].transpose(0, 2, 3, 1)
        _add_kernel_rows(dxe[part], gp, flipped, (kh, kw), columns, products)
    return dxe


def _add_kernel_rows(dxe, gp, flipped, kernel, columns, products):
    """dxe += every kernel row's contribution for one batch chunk: ``gp`` (n, Ho, We + kw - 1, O) is the
    chunk's zero-padded channels-last g, ``flipped`` the (kw * O, kh * C) kernel; ``columns`` and
    ``products`` are 1-D scratch buffers for the width-direction im2col matrix and the GEMM result."""
    (kh, kw), (n, ho, _, o), (_, we, c) = kernel, gp.shape, dxe.shape[1:]
    s_n, s_h, s_w, s_o = gp.strides
    # row (n, i, j) holds g[n, i, j - b, :] for b = kw - 1 ... 0 (window offset kw - 1 - b)
    windows = as_strided(gp, shape=(n, ho, we, kw, o), strides=(s_n, s_h, s_w, s_w, s_o), writeable=False)
    matrix = _matrix((n, ho, we, kw, o), gp.dtype, columns)
    matrix[...] = windows
    rows = _matrix((n * ho * we, kh * c), gp.dtype, products)
    np.matmul(matrix.reshape(n * ho * we, kw * o), flipped, out=rows)
    rows = rows.reshape(n, ho, we, kh, c)
    for a in range(kh):
        dxe[:, a : a + ho] += rows[:, :, :, a]


def _transposed_product(g, a):
    """g.T @ a for the (rows, o) and (rows, k) matrices of a convolution's weight gradient, computed as
    (a.T @ g).T where that order ran faster with numpy's OpenBLAS here (k > o and rows * o >= 1536: 1.1-1.6x
    for the benchmark CNN's, the ResNet's and the U-Net's; smaller or wider products ran slower that way).
    The result is an (o, k) array, C-contiguous or its transposed view (so not for the Linear layer, whose
    gradient must come out in w's layout: the copy would cost what the GEMM saves)."""
    rows, o = g.shape
    if a.shape[1] > o and rows * o >= 1536:
        return (a.T @ g).T
    return g.T @ a


def weight_grad_from_columns(cols, g, shape):
    """dL/dw (O, C, kh, kw) from rows(g)^T @ cols, one GEMM whose (O, kh * kw * C) result needs only a
    transpose within each output channel to become w's layout; with the ones column of a biased conv, also
    dL/db (its last column), else None."""
    o, c, kh, kw = shape
    k = kh * kw * c
    grads = _transposed_product(_rows(g), cols)
    dw = np.ascontiguousarray(grads[:, :k].reshape(o, kh, kw, c).transpose(0, 3, 1, 2))
    return dw, (grads[:, k].copy() if cols.shape[1] > k else None)


def conv2d_weight_grad(x, g, size, stride, padding, dilation):
    _, o, ho, wo = g.shape
    kh, kw = size
    shape = (o, x.shape[1], kh, kw)
    chunks = _batch_chunks(x, kh, kw, ho, wo)
    buffer = _chunk_buffer(chunks, ho * wo * kh * kw * x.shape[1], x.dtype)
    grads = [
        weight_grad_from_columns(
            _columns(x[part], kh, kw, ho, wo, stride, padding, dilation, out=buffer), g[part], shape
        )[0]
        for part in chunks
    ]
    if not grads:  # an empty batch: no chunks, and a zero gradient
        return np.zeros(shape, dtype=np.result_type(x, g))
    return grads[0] if len(grads) == 1 else np.sum(grads, axis=0)


# ---- grouped convolution (groups > 1, depthwise included): one batched GEMM over the groups ----------------
#
# The channels split into G groups of Cg = C / G inputs and Og = O / G outputs; the weight is (O, Cg, kh, kw)
# and group j maps input channels j * Cg ... to output channels j * Og .... Each of the three ops is one
# np.matmul over a leading group axis (im2col matrices (G, N * Ho * Wo, kh * kw * Cg)); the col2im of the
# input gradient loops over the kernel taps only.


def _grouped_columns(x, groups, kh, kw, ho, wo, stride, padding, dilation):
    """im2col per group: (G, N * Ho * Wo, kh * kw * Cg), columns ordered (kernel row, kernel column, channel)."""
    (sh, sw), (dh, dw), (pt, pl) = stride, dilation, padding
    n, c = x.shape[:2]
    cg = c // groups
    xe = _padded(x, pt, pl, _extent(ho, kh, sh, dh), _extent(wo, kw, sw, dw))
    s_n, s_h, s_w, s_c = xe.strides
    windows = as_strided(
        xe,
        shape=(groups, n, ho, wo, kh, kw, cg),
        strides=(s_c * cg, s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c),
        writeable=False,
    )
    buf = np.empty((groups, n * ho * wo, kh * kw * cg), dtype=x.dtype)
    buf.reshape(groups, n, ho, wo, kh, kw, cg)[...] = windows
    return buf


def _grouped_kernel(w, groups):
    """(O, Cg, kh, kw) -> (G, kh * kw * Cg, Og), matching _grouped_columns' column order."""
    o, cg, kh, kw = w.shape
    return (
        w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 3, 4, 2, 1).reshape(groups, kh * kw * cg, o // groups)
    )


def _grouped_rows(g, groups):
    """(N, O, Ho, Wo) -> (G, N * Ho * Wo, Og)."""
    rows = _rows(g)
    return rows.reshape(rows.shape[0], groups, rows.shape[1] // groups).transpose(1, 0, 2)


def grouped_conv2d_forward(x, w, b, size, stride, padding, dilation, groups):
    n = x.shape[0]
    o, _, kh, kw = w.shape
    ho, wo = size
    cols = _grouped_columns(x, groups, kh, kw, ho, wo, stride, padding, dilation)
    y = np.empty((n * ho * wo, o), dtype=np.result_type(x, w))
    np.matmul(cols, _grouped_kernel(w, groups), out=y.reshape(n * ho * wo, groups, o // groups).transpose(1, 0, 2))
    if b is not None:
        y += b
    return _channels_first(y, n, ho, wo), (cols if cols.nbytes <= COLUMNS_BYTES else None)


def grouped_weight_grad_from_columns(cols, g, shape, groups):
    o, cg, kh, kw = shape
    grads = np.matmul(_grouped_rows(g, groups).transpose(0, 2, 1), cols)  # (G, Og, kh * kw * Cg)
    return np.ascontiguousarray(grads.reshape(o, kh, kw, cg).transpose(0, 3, 1, 2))


def grouped_conv2d_weight_grad(x, g, size, stride, padding, dilation, groups):
    _, o, ho, wo = g.shape
    kh, kw = size
    shape = (o, x.shape[1] // groups, kh, kw)
    if g.shape[0] == 0:
        return np.zeros(shape, dtype=np.result_type(x, g))
    cols = _grouped_columns(x, groups, kh, kw, ho, wo, stride, padding, dilation)
    return grouped_weight_grad_from_columns(cols, g, shape, groups)


def grouped_conv2d_input_grad(g, w, size, stride, padding, dilation, groups):
    (sh, sw), (dh, dw) = stride, dilation
    n, o, ho, wo = g.shape
    _, cg, kh, kw = w.shape
    c = cg * groups
    taps = np.matmul(_grouped_rows(g, groups), _grouped_kernel(w, groups).transpose(0, 2, 1))  # (G, M, K)
    blocks = taps.reshape(groups, n, ho, wo, kh, kw, cg).transpose(4, 5, 1, 2, 3, 0, 6)  # (kh, kw, n, ho, wo, G, Cg)
    dxe = np.zeros((n, _extent(ho, kh, sh, dh), _extent(wo, kw, sw, dw), c), dtype=taps.dtype)
    view = dxe.reshape(n, dxe.shape[1], dxe.shape[2], groups, cg)
    hspan, wspan = (ho - 1) * sh + 1, (wo - 1) * sw + 1
    for a in range(kh):
        for b in range(kw):
            view[:, a * dh : a * dh + hspan : sh, b * dw : b * dw + wspan : sw] += blocks[a, b]
    return _cropped(dxe, size, padding)


def _geometry(p):
    return p["stride"], p["padding"], p["dilation"]


def _hw(a):
    shape = a.shape
    return (shape[-2], shape[-1])


class Conv2d(Op):
    """y = conv(x, w) + b: x (N, C, H, W), w (O, C, kh, kw), b (O,) or None -> (N, O, Ho, Wo), ``size = (Ho, Wo)``."""

    name = "conv2d"
    function = "nn.functional.conv2d"

    @staticmethod
    def forward(x, w, b=None, *, size, stride, padding, dilation, groups=1):
        if groups != 1:
            return grouped_conv2d_forward(x, w, b, size, stride, padding, dilation, groups)
        return conv2d_forward(x, w, b, size, stride, padding, dilation)

    @staticmethod
    def vjp(ctx, g):
        x, w = ctx.x[:2]
        xp, (stride, padding, dilation) = ctx.xp, _geometry(ctx.p)
        needs = ctx.needs
        groups = ctx.p.get("groups", 1)
        if groups != 1:
            return _grouped_conv_vjp(ctx, g, x, w, groups)
        dx = xp.conv2d_input_grad(g, w, _hw(x), stride, padding, dilation) if needs[0] else None
        dw = db = None
        if xp is numpy_namespace and ctx.saved is not None and (needs[1] or len(needs) > 2 and needs[2]):
            dw, db = weight_grad_from_columns(ctx.saved, g, w.shape)
        elif needs[1]:
            dw = xp.conv2d_weight_grad(x, g, _hw(w), stride, padding, dilation)
        if db is None and len(needs) > 2 and needs[2]:
            db = xp.sum(g, (0, 2, 3))
        grads = (dx, dw if needs[1] else None, db)
        return grads[: len(ctx.x)]  # one entry per input: no bias, no third entry


def _grouped_conv_vjp(ctx, g, x, w, groups):
    """Conv2d's vjp with groups: each gradient is the grouped adjoint op (recorded under create_graph)."""
    xp, (stride, padding, dilation) = ctx.xp, _geometry(ctx.p)
    geometry = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    needs = ctx.needs
    dx = xp.apply(ConvInputGrad, g, w, size=_hw(x), **geometry) if needs[0] else None
    dw = None
    if needs[1]:
        if xp is numpy_namespace and type(g) is np.ndarray and ctx.saved is not None:
            dw = grouped_weight_grad_from_columns(ctx.saved, g, w.shape, groups)
        else:
            dw = xp.apply(ConvWeightGrad, x, g, size=_hw(w), **geometry)
    db = xp.sum(g, (0, 2, 3)) if len(needs) > 2 and needs[2] else None
    return (dx, dw, db)[: len(ctx.x)]


class ConvInputGrad(Op):
    """z = conv's adjoint in x (conv_transpose2d): g (N, O, Ho, Wo), w (O, C / groups, kh, kw) -> (N, C, H, W)."""

    name = "conv_transpose2d"
    function = "nn.functional.conv_transpose2d"

    @staticmethod
    def forward(g, w, size, stride, padding, dilation, groups=1):
        if groups != 1:
            return grouped_conv2d_input_grad(g, w, size, stride, padding, dilation, groups), None
        return conv2d_input_grad(g, w, size, stride, padding, dilation), None

    @staticmethod
    def vjp(ctx, u):
        g, w = ctx.x
        xp, (stride, padding, dilation) = ctx.xp, _geometry(ctx.p)
        groups = ctx.p.get("groups", 1)
        if groups != 1:
            geometry = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
            dg = xp.apply(Conv2d, u, w, size=_hw(g), **geometry) if ctx.needs[0] else None
            dw = xp.apply(ConvWeightGrad, u, g, size=_hw(w), **geometry) if ctx.needs[1] else None
            return dg, dw
        if xp is numpy_namespace and all(ctx.needs):
            # both gradients read u's im2col matrix: build it once (when it is small enough to keep)
            dg, cols = conv2d_forward(u, w, None, _hw(g), stride, padding, dilation)
            if cols is not None:
                return dg, weight_grad_from_columns(cols, g, w.shape)[0]
            return dg, conv2d_weight_grad(u, g, _hw(w), stride, padding, dilation)
        dg = xp.conv2d(u, w, _hw(g), stride, padding, dilation) if ctx.needs[0] else None
        dw = xp.conv2d_weight_grad(u, g, _hw(w), stride, padding, dilation) if ctx.needs[1] else None
        return dg, dw


class ConvWeightGrad(Op):
    """z = conv's adjoint in w: x (N, C, H, W), g (N, O, Ho, Wo) -> (O, C, kh, kw), ``size = (kh, kw)``."""

    name = "conv2d_weight_grad"

    @staticmethod
    def forward(x, g, size, stride, padding, dilation, groups=1):
        if groups != 1:
            return grouped_conv2d_weight_grad(x, g, size, stride, padding, dilation, groups), None
        return conv2d_weight_grad(x, g, size, stride, padding, dilation), None

    @staticmethod
    def vjp(ctx, u):
        x, g = ctx.x
        xp, (stride, padding, dilation) = ctx.xp, _geometry(ctx.p)
        groups = ctx.p.get("groups", 1)
        if groups != 1:
            geometry = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
            dx = xp.apply(ConvInputGrad, g, u, size=_hw(x), **geometry) if ctx.needs[0] else None
            dg = xp.apply(Conv2d, x, u, size=_hw(g), **geometry) if ctx.needs[1] else None
            return dx, dg
        dx = xp.conv2d_input_grad(g, u, _hw(x), stride, padding, dilation) if ctx.needs[0] else None
        dg = xp.conv2d(x, u, _hw(g), stride, padding, dilation) if ctx.needs[1] else None
        return dx, dg
