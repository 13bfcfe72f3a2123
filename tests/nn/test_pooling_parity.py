"""Pooling and upsampling against PyTorch in float64: forward values, max-pool indices and input gradients
(for a random cotangent) within 1e-8, module reprs, and the same inputs refused by both."""

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

import autograd_lite as al  # noqa: E402
from autograd_lite.ops import pool  # noqa: E402
from autograd_lite.ops.base import OpError  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import torch.nn as tnn  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

TOL = dict(rtol=1e-8, atol=1e-8)


def _outputs(result):
    return result if isinstance(result, tuple) else (result,)


def compare(ours, theirs, x, seed=0, gradient=True):
    """Run ours(al tensor) and theirs(torch tensor) on x; compare every output and the input gradient."""
    a = al.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    got, want = _outputs(ours(a)), _outputs(theirs(t))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == tuple(w.shape)
        if w.dtype == torch.int64:
            assert g.dtype == np.int64
            np.testing.assert_array_equal(g._array, w.numpy())
        else:
            assert g.dtype == np.float64
            np.testing.assert_allclose(g._array, w.detach().numpy(), equal_nan=True, **TOL)
    if not gradient:
        return
    cot = np.random.default_rng(seed).standard_normal(want[0].shape)
    got[0].backward(al.tensor(cot))
    want[0].backward(torch.tensor(cot))
    assert a.grad is not None and a.grad.shape == x.shape
    np.testing.assert_allclose(a.grad._array, t.grad.numpy(), **TOL)


def ties(shape, seed=0, levels=3):
    """Values from a few levels only: most windows hold tied maxima."""
    return np.random.default_rng(seed).integers(0, levels, size=shape).astype(np.float64)


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- max pooling ------------------------------------------------------------------------------------------
MAX_CASES = [
    # shape, kernel_size, stride, padding, dilation, ceil_mode
    ((2, 3, 8, 8), 2, None, 0, 1, False),
    ((2, 3, 7, 9), 3, 2, 1, 1, False),
    ((1, 2, 7, 7), 3, 1, 1, 1, False),  # heavy overlap
    ((1, 2, 9, 8), (3, 2), (2, 1), (1, 0), 1, False),
    ((1, 2, 7, 8), 3, 2, 1, 2, False),  # dilation
    ((1, 1, 5, 5), 2, 2, 0, 1, True),  # ceil_mode: a partial last window
    ((2, 2, 6, 7), 3, 2, 1, 1, True),
    ((1, 2, 8, 7), (2, 3), (3, 2), (1, 1), (2, 1), True),
    ((3, 6, 6), 2, None, 0, 1, False),  # unbatched
]


@pytest.mark.parametrize("shape, k, s, p, d, ceil", MAX_CASES)
@pytest.mark.parametrize("make", [normal, ties], ids=["distinct", "ties"])
def test_max_pool2d(make, shape, k, s, p, d, ceil):
    x = make(shape)
    compare(
        lambda a: F.max_pool2d(a, k, s, p, d, ceil_mode=ceil, return_indices=True),
        lambda t: TF.max_pool2d(t, k, s, p, d, ceil_mode=ceil, return_indices=True),
        x,
    )


def test_max_pool2d_all_equal_and_infinite_values():
    x = np.zeros((1, 1, 4, 4))
    compare(
        lambda a: F.max_pool2d(a, 3, 1, 1, return_indices=True),
        lambda t: TF.max_pool2d(t, 3, 1, 1, return_indices=True),
        x,
    )
    x = np.full((1, 2, 3, 4), -np.inf)
    x[0, 1, 1, 2] = 1.0
    compare(
        lambda a: F.max_pool2d(a, 2, 1, 1, return_indices=True),
        lambda t: TF.max_pool2d(t, 2, 1, 1, return_indices=True),
        x,
    )


def test_max_pool2d_window_without_input():
    """A dilated window that only covers padding: -inf and torch's (out of range) index. torch's backward
    writes that window's gradient through the out-of-range index into the next channel; ours drops it."""
    x = normal((2, 1, 2, 2))
    got, gi = F.max_pool2d(al.tensor(x), 2, 1, 1, 3, return_indices=True)
    want, wi = TF.max_pool2d(torch.tensor(x), 2, 1, 1, 3, return_indices=True)
    np.testing.assert_array_equal(gi._array, wi.numpy())
    np.testing.assert_array_equal(got._array, want.numpy())
    assert np.isneginf(got._array).all()


def test_max_pool2d_nan():
    x = normal((1, 1, 4, 6))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 0, 3, 5] = np.nan
    a, t = al.tensor(x), torch.tensor(x)
    got, gi = F.max_pool2d(a, 2, return_indices=True)
    want, wi = TF.max_pool2d(t, 2, return_indices=True)
    np.testing.assert_array_equal(gi._array, wi.numpy())
    np.testing.assert_allclose(got._array, want.numpy(), equal_nan=True, **TOL)


@settings(max_examples=60)
@given(hs.data())
def test_max_pool2d_random_geometry(data):
    """Random geometries (valid or not): the same output, indices and gradient as torch, or both refuse."""
    k = data.draw(hs.tuples(hs.integers(1, 4), hs.integers(1, 4)), label="kernel")
    s = data.draw(hs.tuples(hs.integers(1, 4), hs.integers(1, 4)), label="stride")
    d = data.draw(hs.tuples(hs.integers(1, 3), hs.integers(1, 3)), label="dilation")
    p = data.draw(hs.tuples(hs.integers(0, k[0] // 2), hs.integers(0, k[1] // 2)), label="padding")
    hw = data.draw(hs.tuples(hs.integers(1, 9), hs.integers(1, 9)), label="hw")
    ceil = data.draw(hs.booleans(), label="ceil_mode")
    x = ties((2, 2) + hw, seed=data.draw(hs.integers(0, 99), label="seed"), levels=4)
    try:
        TF.max_pool2d(torch.tensor(x), k, s, p, d, ceil_mode=ceil)
    except RuntimeError:
        with pytest.raises(OpError, match="max_pool2d"):
            F.max_pool2d(al.tensor(x), k, s, p, d, ceil_mode=ceil)
        return
    out = TF.max_pool2d(torch.tensor(x), k, s, p, d, ceil_mode=ceil).shape[2:]
    # a window without any input element: torch's gradient spills into the next channel (see above)
    spill = pool.empty_windows(x.shape, out, k, s, p, d) is not None
    compare(
        lambda a: F.max_pool2d(a, k, s, p, d, ceil_mode=ceil, return_indices=True),
        lambda t: TF.max_pool2d(t, k, s, p, d, ceil_mode=ceil, return_indices=True),
        x,
        gradient=not spill,
    )


def test_max_pool2d_module():
    ours, theirs = (
        nn.MaxPool2d((2, 3), 1, 1, 2, return_indices=True, ceil_mode=True),
        tnn.MaxPool2d((2, 3), 1, 1, 2, return_indices=True, ceil_mode=True),
    )
    assert repr(ours) == repr(theirs)
    assert repr(nn.MaxPool2d(2)) == repr(tnn.MaxPool2d(2))
    compare(ours, theirs, ties((2, 3, 7, 8)))


# ---- average pooling --------------------------------------------------------------------------------------
AVG_CASES = [
    # shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    ((2, 3, 8, 8), 2, None, 0, False, True, None),
    ((2, 3, 7, 9), 3, 2, 1, False, True, None),
    ((2, 3, 7, 9), 3, 2, 1, False, False, None),
    ((1, 2, 9, 8), (3, 2), (2, 1), (1, 1), False, False, None),
    ((1, 2, 7, 7), 3, 1, 1, False, True, 5),
    ((1, 1, 5, 5), 2, 2, 0, True, True, None),
    ((2, 2, 6, 7), 3, 2, 1, True, True, None),
    ((2, 2, 6, 7), 3, 2, 1, True, False, None),
    ((1, 2, 8, 7), (2, 3), (3, 2), (1, 1), True, False, None),
    ((3, 6, 6), 2, None, 0, False, True, None),
]


@pytest.mark.parametrize("shape, k, s, p, ceil, cip, div", AVG_CASES)
def test_avg_pool2d(shape, k, s, p, ceil, cip, div):
    compare(
        lambda a: F.avg_pool2d(a, k, s, p, ceil, cip, div),
        lambda t: TF.avg_pool2d(t, k, s, p, ceil, cip, div),
        normal(shape),
    )


@settings(max_examples=40)
@given(hs.data())
def test_avg_pool2d_random_geometry(data):
    k = data.draw(hs.tuples(hs.integers(1, 4), hs.integers(1, 4)), label="kernel")
    s = data.draw(hs.tuples(hs.integers(1, 4), hs.integers(1, 4)), label="stride")
    p = data.draw(hs.tuples(hs.integers(0, k[0] // 2), hs.integers(0, k[1] // 2)), label="padding")
    hw = data.draw(hs.tuples(hs.integers(1, 9), hs.integers(1, 9)), label="hw")
    ceil, cip = data.draw(hs.booleans(), label="ceil_mode"), data.draw(hs.booleans(), label="cip")
    x = normal((2, 2) + hw, seed=1)
    try:
        TF.avg_pool2d(torch.tensor(x), k, s, p, ceil, cip)
    except RuntimeError:
        with pytest.raises(OpError, match="avg_pool2d"):
            F.avg_pool2d(al.tensor(x), k, s, p, ceil, cip)
        return
    compare(lambda a: F.avg_pool2d(a, k, s, p, ceil, cip), lambda t: TF.avg_pool2d(t, k, s, p, ceil, cip), x)


def test_avg_pool2d_module():
    ours, theirs = nn.AvgPool2d(3, 2, 1, True, False, None), tnn.AvgPool2d(3, 2, 1, True, False, None)
    assert repr(ours) == repr(theirs)
    assert repr(nn.AvgPool2d((2, 3))) == repr(tnn.AvgPool2d((2, 3)))
    compare(ours, theirs, normal((2, 3, 7, 8)))


# ---- adaptive average pooling -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, size",
    [
        ((2, 3, 7, 9), 1),
        ((2, 3, 7, 9), (1, 1)),
        ((2, 3, 8, 6), (4, 3)),  # plain mean, equal windows
        ((2, 3, 7, 9), (3, 5)),
        ((2, 3, 5, 5), 3),
        ((1, 2, 10, 7), (4, 3)),  # sizes that don't divide
        ((2, 3, 7, 9), (None, 4)),
        ((2, 3, 7, 9), (2, None)),  # None keeps the size
        ((1, 2, 3, 4), (7, 9)),  # larger than the input
        ((3, 7, 9), (3, 5)),  # unbatched
    ],
)
def test_adaptive_avg_pool2d(shape, size):
    compare(lambda a: F.adaptive_avg_pool2d(a, size), lambda t: TF.adaptive_avg_pool2d(t, size), normal(shape))


def test_adaptive_avg_pool2d_module():
    for size in (1, (None, 3), (5, 2)):
        assert repr(nn.AdaptiveAvgPool2d(size)) == repr(tnn.AdaptiveAvgPool2d(size))
        compare(nn.AdaptiveAvgPool2d(size), tnn.AdaptiveAvgPool2d(size), normal((2, 3, 7, 8)))


# ---- nearest interpolation --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, kwargs",
    [
        ((2, 3, 4, 5), dict(size=(7, 8))),
        ((2, 3, 4, 5), dict(size=(8, 10))),  # exactly twice
        ((2, 3, 9, 7), dict(size=(4, 3))),  # downsampling
        ((2, 3, 3, 4), dict(size=5)),
        ((2, 3, 4, 5), dict(size=(4, 5))),  # same size
        ((2, 3, 4, 5), dict(scale_factor=2)),
        ((2, 3, 4, 5), dict(scale_factor=3)),
        ((2, 3, 5, 7), dict(scale_factor=1.5)),
        ((2, 3, 5, 7), dict(scale_factor=(1.7, 0.6))),
        ((2, 3, 9, 7), dict(scale_factor=0.5)),
        ((2, 3, 5, 7), dict(scale_factor=2.3, recompute_scale_factor=True)),
        ((2, 3, 5), dict(scale_factor=2.5)),  # (N, C, L)
        ((1, 2, 3, 4, 5), dict(size=(5, 4, 7))),  # (N, C, D, H, W)
    ],
)
def test_interpolate_nearest(shape, kwargs):
    compare(lambda a: F.interpolate(a, **kwargs), lambda t: TF.interpolate(t, **kwargs), normal(shape))


def test_upsample_module():
    for kwargs in (dict(scale_factor=2), dict(size=(3, 4)), dict(scale_factor=(2, 1.5)), dict(size=5)):
        ours, theirs = nn.Upsample(**kwargs), tnn.Upsample(**kwargs)
        assert repr(ours) == repr(theirs)
        compare(ours, theirs, normal((2, 3, 4, 5)))


# ---- refused by both --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.max_pool2d(x, 2, padding=2),
        lambda F, x: F.max_pool2d(x, 5),
        lambda F, x: F.max_pool2d(x[0, 0], 2),
        lambda F, x: F.avg_pool2d(x, 3, padding=2),
        lambda F, x: F.avg_pool2d(x, 2, divisor_override=0),
        lambda F, x: F.adaptive_avg_pool2d(x, (-1, 2)),
        lambda F, x: F.interpolate(x),
        lambda F, x: F.interpolate(x, size=2, scale_factor=2),
        lambda F, x: F.interpolate(x, size=(2, 3, 4)),
        lambda F, x: F.interpolate(x, scale_factor=0.1),
        lambda F, x: F.interpolate(x, size=3, align_corners=True),
    ],
    ids=[
        "max-pad",
        "max-kernel",
        "max-ndim",
        "avg-pad",
        "avg-divisor",
        "adaptive-negative",
        "no-size",
        "size-and-scale",
        "size-length",
        "zero-output",
        "align-corners",
    ],
)
def test_refused_by_both(call):
    x = normal((1, 1, 4, 4))
    with pytest.raises((RuntimeError, ValueError, IndexError)):
        call(TF, torch.tensor(x))
    with pytest.raises((RuntimeError, ValueError)):
        call(F, al.tensor(x))
