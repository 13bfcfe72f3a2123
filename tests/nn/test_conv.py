"""Conv2d / ConvTranspose2d and nn.functional.conv2d / conv_transpose2d, without torch.

Gradients (first and second order, through create_graph) are checked against central differences in
float64 over hypothesis-drawn geometries; forward values against a direct loop implementation of the
definitions (also hypothesis-drawn) and hand-computed small cases; then the adjoint identity between
conv2d and conv_transpose2d, output shapes, errors, dtypes and the modules (init, seeding, repr).
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as hs

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck

FEW = settings(max_examples=max(8, settings.default.max_examples // 3))


def t64(shape, seed, requires_grad=True):
    return Tensor(np.random.default_rng(seed).uniform(-2.0, 2.0, shape), requires_grad=requires_grad)


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# ---- reference implementations of the definitions, with Python loops (small inputs only) ------------


def ref_conv2d(x, w, b, stride, padding, dilation):
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    kh, kw = w.shape[2:]
    if padding == "valid":
        pads = ((0, 0), (0, 0))
    elif padding == "same":  # torch: the odd extra row/column goes at the bottom/right
        pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for d, k in ((dh, kh), (dw, kw)))
    else:
        pads = tuple((p, p) for p in pair(padding))
    xp = np.pad(x, ((0, 0), (0, 0)) + pads)
    ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw]
            y[:, :, i, j] = np.einsum("ncab,ocab->no", patch, w)
    return y if b is None else y + b[None, :, None, None]


def ref_conv_transpose2d(x, w, b, stride, padding, output_padding, dilation):
    (sh, sw), (ph, pw), (eh, ew), (dh, dw) = map(pair, (stride, padding, output_padding, dilation))
    n, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + eh + 1
    wo = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ew + 1
    full = np.zeros((n, w.shape[1], ph + ho + dh * kh + sh * h, pw + wo + dw * kw + sw * wd))
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for c in range(kw):
                    full[:, :, i * sh + a * dh, j * sw + c * dw] += x[:, :, i, j] @ w[:, :, a, c]
    y = full[:, :, ph : ph + ho, pw : pw + wo]
    return y if b is None else y + b[None, :, None, None]


# ---- hypothesis strategies of valid geometries -------------------------------------------------------


@hs.composite
def conv_configs(draw, max_side=3, max_channels=3):
    """(input shape, weight shape, kwargs of conv2d) with a non-empty output."""
    n = draw(hs.integers(1, 2))
    c, o = draw(hs.integers(1, max_channels)), draw(hs.integers(1, max_channels))
    kh, kw = draw(hs.integers(1, 3)), draw(hs.integers(1, 3))
    stride = draw(hs.sampled_from([1, 2, (1, 2), (3, 1)]))
    dilation = draw(hs.sampled_from([1, 2, (2, 1)]))
    padding = draw(hs.sampled_from([0, 1, (0, 2), (2, 1), "valid", "same"]))
    if padding == "same":
        stride = 1
    pads = (0, 0) if isinstance(padding, str) else pair(padding)
    spans = [d * (k - 1) + 1 for d, k in zip(pair(dilation), (kh, kw))]
    low = [1 if padding == "same" else max(1, sp - 2 * p) for sp, p in zip(spans, pads)]
    h = draw(hs.integers(low[0], low[0] + max_side))
    w = draw(hs.integers(low[1], low[1] + max_side))
    unbatched = draw(hs.booleans()) if n == 1 else False
    shape = (c, h, w) if unbatched else (n, c, h, w)
    return shape, (o, c, kh, kw), dict(stride=stride, padding=padding, dilation=dilation)


@hs.composite
def transpose_configs(draw, max_side=3, max_channels=3):
    """(input shape, weight shape, kwargs of conv_transpose2d) with a positive output size."""
    n = draw(hs.integers(1, 2))
    c, o = draw(hs.integers(1, max_channels)), draw(hs.integers(1, max_channels))
    kh, kw = draw(hs.integers(1, 3)), draw(hs.integers(1, 3))
    stride = pair(draw(hs.sampled_from([1, 2, (1, 2), (3, 1)])))
    dilation = pair(draw(hs.sampled_from([1, 2, (2, 1)])))
    padding = pair(draw(hs.sampled_from([0, 1, (0, 2), (1, 0)])))
    output_padding = tuple(draw(hs.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    h, w = draw(hs.integers(1, max_side)), draw(hs.integers(1, max_side))
    out = [
        (m - 1) * s - 2 * p + d * (k - 1) + e + 1
        for m, s, p, d, k, e in zip((h, w), stride, padding, dilation, (kh, kw), output_padding)
    ]
    assume(min(out) > 0)
    unbatched = draw(hs.booleans()) if n == 1 else False
    shape = (c, h, w) if unbatched else (n, c, h, w)
    return shape, (c, o, kh, kw), dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)


# ---- gradients ---------------------------------------------------------------------------------------


@given(conv_configs(), hs.booleans(), hs.integers(0, 2**16))
def test_conv2d_gradcheck(config, bias, seed):
    x_shape, w_shape, kw = config
    args = [t64(x_shape, seed), t64(w_shape, seed + 1)] + ([t64((w_shape[0],), seed + 2)] if bias else [])
    assert gradcheck(lambda *a: F.conv2d(*a, **kw), tuple(args))


@given(transpose_configs(), hs.booleans(), hs.integers(0, 2**16))
def test_conv_transpose2d_gradcheck(config, bias, seed):
    x_shape, w_shape, kw = config
    args = [t64(x_shape, seed), t64(w_shape, seed + 1)] + ([t64((w_shape[1],), seed + 2)] if bias else [])
    assert gradcheck(lambda *a: F.conv_transpose2d(*a, **kw), tuple(args))


@FEW
@given(conv_configs(max_side=2, max_channels=2), hs.integers(0, 2**16))
def test_conv2d_gradgradcheck(config, seed):
    x_shape, w_shape, kw = config
    args = (t64(x_shape, seed), t64(w_shape, seed + 1), t64((w_shape[0],), seed + 2))
    assert gradgradcheck(lambda *a: F.conv2d(*a, **kw), args)


@FEW
@given(transpose_configs(max_side=2, max_channels=2), hs.integers(0, 2**16))
def test_conv_transpose2d_gradgradcheck(config, seed):
    x_shape, w_shape, kw = config
    args = (t64(x_shape, seed), t64(w_shape, seed + 1), t64((w_shape[1],), seed + 2))
    assert gradgradcheck(lambda *a: F.conv_transpose2d(*a, **kw), args)


@pytest.mark.parametrize("which", ["input", "weight"])
def test_gradgradcheck_with_one_constant_operand(which):
    """Only one of input / weight requires grad: the vjps skip the other gradient, also under create_graph."""
    x, w = t64((2, 2, 5, 4), 0, which == "input"), t64((3, 2, 2, 3), 1, which == "weight")
    for fn in (
        lambda x, w: F.conv2d(x, w, stride=2, padding=1, dilation=(1, 2)),
        lambda x, w: F.conv_transpose2d(x, w.permute(1, 0, 2, 3), stride=2, padding=1, output_padding=1),
    ):
        assert gradcheck(fn, (x, w))
        assert gradgradcheck(fn, (x, w))


def test_third_derivative_through_three_ops():
    """d/dx of (d/dw of |d/dx conv|^2): every op's vjp is recorded again under create_graph."""

    def fn(x, w):
        with al.enable_grad():  # gradcheck's finite differences call fn under no_grad
            y = F.conv2d(x, w, stride=(2, 1), padding="valid")
            (gx,) = al.grad((y * y).sum(), [x], create_graph=True)
            (gw,) = al.grad((gx * gx).sum(), [w], create_graph=True)
        return gw

    x, w = t64((1, 2, 5, 4), 3), t64((2, 2, 3, 2), 4)
    assert gradcheck(fn, (x, w))


# ---- forward values ----------------------------------------------------------------------------------


@given(conv_configs(max_side=4), hs.booleans(), hs.integers(0, 2**16))
def test_conv2d_matches_loop_reference(config, bias, seed):
    x_shape, w_shape, kw = config
    x, w = t64(x_shape, seed, False), t64(w_shape, seed + 1, False)
    b = t64((w_shape[0],), seed + 2, False) if bias else None
    y = F.conv2d(x, w, b, **kw)
    x4 = x._array if len(x_shape) == 4 else x._array[None]
    expected = ref_conv2d(x4, w._array, None if b is None else b._array, **kw)
    if len(x_shape) == 3:
        expected = expected[0]
    assert y.shape == expected.shape
    np.testing.assert_allclose(y._array, expected, rtol=1e-12, atol=1e-12)


@given(transpose_configs(max_side=4), hs.booleans(), hs.integers(0, 2**16))
def test_conv_transpose2d_matches_loop_reference(config, bias, seed):
    x_shape, w_shape, kw = config
    x, w = t64(x_shape, seed, False), t64(w_shape, seed + 1, False)
    b = t64((w_shape[1],), seed + 2, False) if bias else None
    y = F.conv_transpose2d(x, w, b, **kw)
    x4 = x._array if len(x_shape) == 4 else x._array[None]
    expected = ref_conv_transpose2d(x4, w._array, None if b is None else b._array, **kw)
    if len(x_shape) == 3:
        expected = expected[0]
    assert y.shape == expected.shape
    np.testing.assert_allclose(y._array, expected, rtol=1e-12, atol=1e-12)


@given(transpose_configs(max_side=4), hs.integers(0, 2**16))
def test_conv_transpose2d_is_the_adjoint_of_conv2d(config, seed):
    """<conv2d(z, w), x> == <z, conv_transpose2d(x, w)> for z of conv_transpose2d's output shape."""
    x_shape, w_shape, kw = config
    assume(all(e < s for e, s in zip(kw["output_padding"], kw["stride"])))
    x, w = t64(x_shape, seed, False), t64(w_shape, seed + 1, False)
    zt = F.conv_transpose2d(x, w, **kw)
    z = t64(zt.shape, seed + 2, False)
    conv = F.conv2d(z, w, stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"])
    assert conv.shape == x.shape
    assert np.isclose(np.sum(conv._array * x._array), np.sum(z._array * zt._array), rtol=1e-10, atol=1e-10)


X3 = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
K2 = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)


def test_conv2d_hand_computed_values_and_gradients():
    x, w = Tensor(X3, requires_grad=True), Tensor(K2, requires_grad=True)
    b = Tensor(np.array([0.5]), requires_grad=True)
    y = F.conv2d(x, w, b)
    # y[i, j] = x[i, j] + 2 x[i, j+1] + 3 x[i+1, j] + 4 x[i+1, j+1] + 0.5
    np.testing.assert_array_equal(y._array, [[[[37.5, 47.5], [67.5, 77.5]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[[[1, 3, 2], [4, 10, 6], [3, 7, 4]]]])
    np.testing.assert_array_equal(w.grad._array, [[[[12, 16], [24, 28]]]])
    np.testing.assert_array_equal(b.grad._array, [4.0])


def test_conv2d_hand_computed_stride_padding_dilation():
    x, w = Tensor(X3), Tensor(K2)
    # padded 5x5 image, windows at rows/cols 0 and 2
    np.testing.assert_array_equal(F.conv2d(x, w, stride=2, padding=1)._array, [[[[4, 18], [36, 77]]]])
    # dilation 2: taps at the four corners, 1*1 + 2*3 + 3*7 + 4*9
    np.testing.assert_array_equal(F.conv2d(x, w, dilation=2)._array, [[[[64]]]])
    # 'same' with a 2x2 kernel: one padding row/column, at the bottom/right (as torch)
    ones = Tensor(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(
        F.conv2d(x, ones, padding="same")._array, [[[[12, 16, 9], [24, 28, 15], [15, 17, 9]]]]
    )
    np.testing.assert_array_equal(F.conv2d(x, ones, padding="valid")._array, [[[[12, 16], [24, 28]]]])
    # asymmetric pair padding: (1, 0) pads rows only
    np.testing.assert_array_equal(F.conv2d(x, ones, padding=(1, 0))._array, [[[[3, 5], [12, 16], [24, 28], [15, 17]]]])


def test_conv2d_hand_computed_channels():
    # 2 input channels (x and 10 x), 2 output channels: sum of channels and difference
    x = Tensor(np.concatenate([X3, 10 * X3], axis=1))
    w = Tensor(np.array([[1.0, 1.0], [1.0, -1.0]]).reshape(2, 2, 1, 1))
    y = F.conv2d(x, w)._array
    np.testing.assert_array_equal(y[0, 0], 11 * X3[0, 0])
    np.testing.assert_array_equal(y[0, 1], -9 * X3[0, 0])


def test_conv_transpose2d_hand_computed():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2), requires_grad=True)
    ones = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    np.testing.assert_array_equal(
        F.conv_transpose2d(x, ones, stride=2)._array, [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]
    )
    y = F.conv_transpose2d(x, ones)
    np.testing.assert_array_equal(y._array, [[[[1, 3, 2], [4, 10, 6], [3, 7, 4]]]])
    np.testing.assert_array_equal(F.conv_transpose2d(x, ones, padding=1)._array, [[[[10]]]])
    np.testing.assert_array_equal(
        F.conv_transpose2d(x, ones, stride=2, output_padding=1)._array,
        [[[[1, 1, 2, 2, 0], [1, 1, 2, 2, 0], [3, 3, 4, 4, 0], [3, 3, 4, 4, 0], [0, 0, 0, 0, 0]]]],
    )
    # output_padding may reach the stride when the dilation is larger (as torch): one more zero row
    out = F.conv_transpose2d(x, ones, stride=1, output_padding=1, dilation=2)
    np.testing.assert_array_equal(
        out._array, [[[[1, 2, 1, 2, 0], [3, 4, 3, 4, 0], [1, 2, 1, 2, 0], [3, 4, 3, 4, 0], [0, 0, 0, 0, 0]]]]
    )
    y.sum().backward()  # each input value reaches 4 outputs; each weight tap sees every input once
    np.testing.assert_array_equal(x.grad._array, np.full((1, 1, 2, 2), 4.0))
    np.testing.assert_array_equal(ones.grad._array, np.full((1, 1, 2, 2), 10.0))


# ---- shapes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x_shape, w_shape, kw, out_shape",
    [
        ((2, 3, 28, 28), (8, 3, 5, 5), {}, (2, 8, 24, 24)),
        ((1, 1, 28, 28), (4, 1, 3, 3), dict(padding=1), (1, 4, 28, 28)),
        ((1, 1, 28, 28), (4, 1, 3, 3), dict(stride=2, padding=1), (1, 4, 14, 14)),
        ((2, 2, 7, 9), (3, 2, 3, 1), dict(stride=(2, 3), padding=(1, 0), dilation=(2, 1)), (2, 3, 3, 3)),
        ((2, 2, 7, 8), (3, 2, 4, 3), dict(padding="same", dilation=(1, 3)), (2, 3, 7, 8)),
        ((2, 2, 7, 8), (3, 2, 4, 3), dict(padding="valid"), (2, 3, 4, 6)),
        ((3, 5, 5), (4, 3, 2, 2), {}, (4, 4, 4)),  # unbatched
        ((0, 3, 5, 5), (4, 3, 3, 3), {}, (0, 4, 3, 3)),  # empty batch
        ((2, 3, 1, 1), (4, 3, 1, 1), {}, (2, 4, 1, 1)),
    ],
)
def test_conv2d_output_shape(x_shape, w_shape, kw, out_shape):
    y = F.conv2d(al.zeros(*x_shape), al.zeros(*w_shape), **kw)
    assert y.shape == out_shape


@pytest.mark.parametrize(
    "x_shape, w_shape, kw, out_shape",
    [
        ((2, 8, 24, 24), (8, 3, 5, 5), {}, (2, 3, 28, 28)),
        ((1, 4, 14, 14), (4, 1, 3, 3), dict(stride=2, padding=1, output_padding=1), (1, 1, 28, 28)),
        ((1, 4, 14, 14), (4, 1, 3, 3), dict(stride=2, padding=1), (1, 1, 27, 27)),
        (
            (2, 2, 3, 4),
            (2, 5, 3, 2),
            dict(stride=(3, 1), padding=(0, 1), dilation=(1, 2), output_padding=(2, 1)),
            (2, 5, 11, 5),
        ),
        ((4, 3, 3), (4, 2, 2, 2), {}, (2, 4, 4)),  # unbatched
    ],
)
def test_conv_transpose2d_output_shape(x_shape, w_shape, kw, out_shape):
    y = F.conv_transpose2d(al.zeros(*x_shape), al.zeros(*w_shape), **kw)
    assert y.shape == out_shape


def test_empty_batch_backward():
    x, w = al.zeros(0, 2, 5, 5, requires_grad=True), al.ones(3, 2, 3, 3, requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad.shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(w.grad._array, np.zeros((3, 2, 3, 3)))


def test_non_contiguous_input():
    base = t64((2, 5, 6, 3), 7, False)
    x = base.permute(0, 3, 1, 2)  # (2, 3, 5, 6), not contiguous
    w = t64((4, 3, 2, 3), 8, False)
    np.testing.assert_allclose(
        F.conv2d(x, w, stride=2, padding=1)._array,
        ref_conv2d(np.ascontiguousarray(x._array), w._array, None, 2, 1, 1),
        rtol=1e-12,
    )


# ---- dtypes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("transposed", [False, True])
def test_float32_stays_float32(transposed):
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype(np.float32), requires_grad=True)
    w = Tensor(np.random.default_rng(1).standard_normal((3, 4, 3, 2)).astype(np.float32), requires_grad=True)
    b = al.zeros(4, requires_grad=True)
    fn = F.conv_transpose2d if transposed else F.conv2d
    kw = dict(stride=2, padding=1, output_padding=1) if transposed else dict(stride=2, padding=1)
    wt = w if transposed else w.permute(1, 0, 2, 3)
    y = fn(x, wt, b, **kw)
    assert y.dtype == np.float32
    gx, gw, gb = al.grad((y * y).sum(), [x, w, b], create_graph=True)
    assert (gx.dtype, gw.dtype, gb.dtype) == (np.float32,) * 3
    ggx, ggw = al.grad((gx * gx).sum() + (gw * gw).sum(), [x, w])
    assert (ggx.dtype, ggw.dtype) == (np.float32,) * 2


def test_module_dtypes():
    assert nn.Conv2d(2, 3, 3).weight.dtype == np.float32
    assert nn.ConvTranspose2d(2, 3, 3).bias.dtype == np.float32
    m = nn.Conv2d(2, 3, 3, dtype=al.float64)
    assert m.weight.dtype == np.float64 and m.bias.dtype == np.float64
    assert m(t64((1, 2, 4, 4), 0)).dtype == np.float64


# ---- errors ------------------------------------------------------------------------------------------


def _err(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


def test_conv2d_errors():
    x, w = al.zeros(1, 2, 5, 5), al.zeros(3, 2, 3, 3)
    _err(
        RuntimeError,
        r"conv2d: expected a 3-D .* or 4-D .* got shape \(2, 5, 5, 1, 1\)",
        F.conv2d,
        al.zeros(2, 5, 5, 1, 1),
        w,
    )
    _err(RuntimeError, r"conv2d: expected a 3-D .* got shape \(5, 5\)", F.conv2d, al.zeros(5, 5), w)
    _err(RuntimeError, r"conv2d: expected a 4-D weight .* got shape \(3, 2, 3\)", F.conv2d, x, al.zeros(3, 2, 3))
    _err(
        RuntimeError,
        r"conv2d: input of shape \(1, 4, 5, 5\) has 4 channels, but weight of shape "
        r"\(3, 2, 3, 3\) .* expects 2",
        F.conv2d,
        al.zeros(1, 4, 5, 5),
        w,
    )
    _err(RuntimeError, r"conv2d: input of shape \(4, 5, 5\) has 4 channels", F.conv2d, al.zeros(4, 5, 5), w)
    _err(
        RuntimeError,
        r"conv2d: the kernel is larger than the padded input: input of shape \(1, 2, 2, 5\) "
        r"padded to 2 x 5, weight of shape \(3, 2, 3, 3\)",
        F.conv2d,
        al.zeros(1, 2, 2, 5),
        w,
    )
    _err(RuntimeError, r"kernel is larger .* dilation \(3, 1\) spans 7 x 3", F.conv2d, x, w, dilation=(3, 1))
    F.conv2d(al.zeros(1, 2, 1, 1), w, padding=1)  # the padded input fits exactly: no error
    _err(ValueError, r"conv2d: invalid padding string 'full'", F.conv2d, x, w, padding="full")
    _err(RuntimeError, r"conv2d: padding='same' is not supported for strided", F.conv2d, x, w, padding="same", stride=2)
    _err(RuntimeError, r"conv2d: non-positive groups", F.conv2d, x, al.zeros(4, 1, 3, 3), groups=0)
    _err(
        RuntimeError, r"conv2d: .* with groups=2 expects 6 input channels", F.conv2d, x, al.zeros(4, 3, 3, 3), groups=2
    )
    _err(RuntimeError, r"conv2d: padding must be non-negative, got -1", F.conv2d, x, w, padding=-1)
    _err(RuntimeError, r"conv2d: stride must be positive, got \(1, 0\)", F.conv2d, x, w, stride=(1, 0))
    _err(
        RuntimeError,
        r"conv2d: dilation must be an int or a pair of ints, got \(1, 1, 1\)",
        F.conv2d,
        x,
        w,
        dilation=(1, 1, 1),
    )
    _err(TypeError, r"conv2d: stride must be an int or a pair of ints, got 1.5", F.conv2d, x, w, stride=1.5)
    _err(
        RuntimeError, r"conv2d: bias of shape \(2,\) does not match the 3 output channels", F.conv2d, x, w, al.zeros(2)
    )
    _err(RuntimeError, r"conv2d: input dtype float64, weight dtype float32", F.conv2d, x.double(), w)
    _err(RuntimeError, r"bias dtype float64", F.conv2d, x, w, al.zeros(3).double())
    _err(
        RuntimeError,
        r"conv2d: input must be a floating point tensor, got dtype int64",
        F.conv2d,
        al.zeros(1, 2, 5, 5, dtype=al.int64),
        w,
    )
    _err(TypeError, r"conv2d: input must be a Tensor, got ndarray", F.conv2d, np.zeros((1, 2, 5, 5)), w)


def test_conv_transpose2d_errors():
    x, w = al.zeros(1, 3, 4, 4), al.zeros(3, 2, 3, 3)
    _err(RuntimeError, r"conv_transpose2d: expected a 3-D .* got shape \(3, 4\)", F.conv_transpose2d, al.zeros(3, 4), w)
    _err(
        RuntimeError,
        r"conv_transpose2d: input of shape \(1, 2, 4, 4\) has 2 channels, but weight of shape "
        r"\(3, 2, 3, 3\) \(in_channels, out_channels, kH, kW\) expects 3",
        F.conv_transpose2d,
        al.zeros(1, 2, 4, 4),
        w,
    )
    _err(
        RuntimeError,
        r"conv_transpose2d: output_padding must be smaller than either stride or dilation",
        F.conv_transpose2d,
        x,
        w,
        stride=2,
        output_padding=2,
    )
    _err(RuntimeError, r"output_padding must be smaller", F.conv_transpose2d, x, w, output_padding=(0, 1))
    _err(
        RuntimeError,
        r"conv_transpose2d: the output size -1 x -1 is not positive",
        F.conv_transpose2d,
        al.zeros(1, 3, 1, 1),
        al.zeros(3, 2, 1, 1),
        padding=1,
    )
    _err(
        ValueError,
        r"conv_transpose2d: padding must be an int or a pair of ints, got the string 'same'",
        F.conv_transpose2d,
        x,
        w,
        padding="same",
    )
    _err(
        RuntimeError,
        r"conv_transpose2d: Given groups=2, expected weight to be divisible by 2",
        F.conv_transpose2d,
        x,
        w,
        groups=2,
    )
    _err(
        RuntimeError,
        r"conv_transpose2d: bias of shape \(3,\) does not match the 2 output channels",
        F.conv_transpose2d,
        x,
        w,
        al.zeros(3),
    )


def test_module_errors():
    _err(ValueError, r"in_channels must be divisible by groups", nn.Conv2d, 3, 4, 3, groups=2)
    _err(ValueError, r"out_channels must be divisible by groups", nn.ConvTranspose2d, 4, 3, 3, groups=2)
    for mode in ("reflect", "replicate", "circular"):
        _err(
            NotImplementedError,
            rf"Conv2d: padding_mode='{mode}' is not implemented",
            nn.Conv2d,
            2,
            3,
            3,
            padding=1,
            padding_mode=mode,
        )
    _err(ValueError, r"Conv2d: padding_mode must be one of", nn.Conv2d, 2, 3, 3, padding_mode="wrap")
    _err(ValueError, r"ConvTranspose2d: only padding_mode='zeros'", nn.ConvTranspose2d, 2, 3, 3, padding_mode="reflect")
    _err(ValueError, r"Conv2d: invalid padding string 'full'", nn.Conv2d, 2, 3, 3, padding="full")
    _err(
        ValueError, r"Conv2d: padding='same' is not supported for strided", nn.Conv2d, 2, 3, 3, padding="same", stride=2
    )
    _err(ValueError, r"ConvTranspose2d: padding must be an int or a pair", nn.ConvTranspose2d, 2, 3, 3, padding="same")
    _err(ValueError, r"Conv2d: .*CPU only", nn.Conv2d, 2, 3, 3, device="cuda")
    _err(TypeError, r"Conv2d: dtype must be a floating point dtype", nn.Conv2d, 2, 3, 3, dtype=al.int64)
    m = nn.ConvTranspose2d(2, 3, 3, stride=2)
    _err(
        ValueError,
        r"requested an output size of \(13, 9\), but valid sizes range from \[9, 9\] to "
        r"\[10, 10\]",
        m,
        al.zeros(1, 2, 4, 4),
        output_size=(13, 9),
    )
    _err(
        RuntimeError, r"conv2d: input of shape \(1, 3, 5, 5\) has 3 channels", nn.Conv2d(2, 3, 3), al.zeros(1, 3, 5, 5)
    )


# ---- modules -----------------------------------------------------------------------------------------


def test_conv2d_module_parameters_and_forward():
    m = nn.Conv2d(3, 5, (3, 2), stride=2, padding=1, dilation=(1, 2))
    assert m.weight.shape == (5, 3, 3, 2) and m.bias.shape == (5,)
    assert [name for name, _ in m.named_parameters()] == ["weight", "bias"]
    assert list(m.state_dict()) == ["weight", "bias"]
    assert (
        m.in_channels,
        m.out_channels,
        m.kernel_size,
        m.stride,
        m.padding,
        m.dilation,
        m.groups,
        m.padding_mode,
        m.transposed,
        m.output_padding,
    ) == (3, 5, (3, 2), (2, 2), (1, 1), (1, 2), 1, "zeros", False, (0, 0))
    x = al.randn(2, 3, 7, 6, requires_grad=True)
    y = m(x)
    np.testing.assert_array_equal(y._array, F.conv2d(x, m.weight, m.bias, 2, 1, (1, 2))._array)
    y.sum().backward()
    assert m.weight.grad.shape == (5, 3, 3, 2) and m.bias.grad.shape == (5,) and x.grad.shape == x.shape
    np.testing.assert_allclose(m.bias.grad._array, np.full(5, y.shape[0] * y.shape[2] * y.shape[3]))
    no_bias = nn.Conv2d(3, 5, 3, bias=False)
    assert no_bias.bias is None and list(no_bias.state_dict()) == ["weight"]
    assert nn.Conv2d(3, 5, 3, padding="same")(al.zeros(1, 3, 6, 4)).shape == (1, 5, 6, 4)


def test_conv_transpose2d_module_parameters_and_forward():
    m = nn.ConvTranspose2d(3, 5, (3, 2), stride=2, padding=1, output_padding=(1, 0))
    assert m.weight.shape == (3, 5, 3, 2) and m.bias.shape == (5,)
    assert m.transposed and m.output_padding == (1, 0)
    x = al.randn(2, 3, 4, 4)
    y = m(x)
    assert y.shape == (2, 5, 8, 6)
    np.testing.assert_array_equal(y._array, F.conv_transpose2d(x, m.weight, m.bias, 2, 1, (1, 0))._array)
    # output_size picks the output_padding (as torch), with or without the batch/channel dims
    m0 = nn.ConvTranspose2d(3, 5, 3, stride=2, padding=1)
    assert m0(x).shape == (2, 5, 7, 7)
    assert m0(x, output_size=(8, 7)).shape == (2, 5, 8, 7)
    assert m0(x, output_size=[2, 5, 8, 8]).shape == (2, 5, 8, 8)


@pytest.mark.parametrize(
    "cls, args, fan_in",
    [
        (nn.Conv2d, (4, 6, (3, 2)), 4 * 3 * 2),
        (nn.ConvTranspose2d, (4, 6, (3, 2)), 6 * 3 * 2),  # fan_in from weight.shape[1], as torch
        (nn.Conv2d, (40, 8, 5), 40 * 25),
    ],
)
def test_default_init_bounds(cls, args, fan_in):
    al.manual_seed(0)
    m = cls(*args)
    bound = 1 / math.sqrt(fan_in)
    w, b = m.weight._array, m.bias._array
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # uniform over the whole range, not a smaller one (the weight has >= 72 draws)
    assert w.max() > 0.8 * bound and w.min() < -0.8 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.25 * bound


def test_init_is_seeded_by_manual_seed():
    al.manual_seed(123)
    a = nn.Conv2d(2, 3, 3)
    b_ = nn.ConvTranspose2d(3, 2, 2)
    al.manual_seed(123)
    c = nn.Conv2d(2, 3, 3)
    d = nn.ConvTranspose2d(3, 2, 2)
    np.testing.assert_array_equal(a.weight._array, c.weight._array)
    np.testing.assert_array_equal(a.bias._array, c.bias._array)
    np.testing.assert_array_equal(b_.weight._array, d.weight._array)
    assert not np.array_equal(a.weight._array, nn.Conv2d(2, 3, 3).weight._array)
    m = nn.Conv2d(2, 3, 3)
    before = m.weight._array.copy()
    m.reset_parameters()
    assert not np.array_equal(before, m.weight._array)


@pytest.mark.parametrize(
    "module, text",
    [
        (lambda: nn.Conv2d(1, 20, 5), "Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))"),
        (
            lambda: nn.Conv2d(2, 3, (3, 2), stride=2, padding=1, dilation=2, bias=False),
            "Conv2d(2, 3, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), dilation=(2, 2), bias=False)",
        ),
        (lambda: nn.Conv2d(2, 3, 3, padding="same"), "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=same)"),
        (
            lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1),
            "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))",
        ),
        (
            lambda: nn.ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2)),
            "ConvTranspose2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2))",
        ),
    ],
)
def test_repr_like_torch(module, text):
    # strings copied from torch 2.x
    assert repr(module()) == text
    assert repr(nn.Sequential(module())) == f"Sequential(\n  (0): {text}\n)"
