"""Pooling and upsampling without torch: gradients (gradcheck, gradgradcheck) over hypothesis-drawn
geometries, torch's tie rule, accumulation over overlapping windows, hand-computed values, output shapes,
errors, dtypes and the modules."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as hs

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.ops import pool
from autograd_lite.ops.base import OpError
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing import strategies as st

FEW = settings(max_examples=12)


# ---- strategies -------------------------------------------------------------------------------------------
@hs.composite
def geometries(draw, max_side=6, dilation=True, max_kernel=3):
    """(shape, kernel, stride, padding, dilation, ceil_mode) with an output of at least 1 x 1."""
    kernel = draw(hs.tuples(hs.integers(1, max_kernel), hs.integers(1, max_kernel)))
    stride = draw(hs.tuples(hs.integers(1, 3), hs.integers(1, 3)))
    dil = draw(hs.tuples(hs.integers(1, 2), hs.integers(1, 2))) if dilation else (1, 1)
    pad = draw(hs.tuples(hs.integers(0, kernel[0] // 2), hs.integers(0, kernel[1] // 2)))
    ceil = draw(hs.booleans())
    hw = tuple(
        draw(hs.integers(max(1, d * (k - 1) + 1 - 2 * p), max(max_side, d * (k - 1) + 1)))
        for k, d, p in zip(kernel, dil, pad)
    )
    lead = draw(hs.sampled_from([(1, 1), (1, 2), (2, 1), (2,)]))  # (2,): unbatched (C, H, W)
    # no window lying entirely in the padding (its -inf output has no finite difference)
    full = (1, 1) + hw
    out = pool.pool_output_shape("max_pool2d", full, kernel, stride, pad, dil, ceil)
    assume(pool.empty_windows(full, out, kernel, stride, pad, dil) is None)
    return lead + hw, kernel, stride, pad, dil, ceil


def unique_tensor(shape):
    """Distinct values 1/8 apart (no finite-difference step can reorder a window's maximum)."""
    return st.tensors(shape=shape, unique=True, separated=True)


def leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def assert_create_graph_matches(fn, x, seed=3):
    """The first-order gradient recorded under create_graph equals the plain (numpy) one."""
    out = fn(x)
    v = Tensor(np.random.default_rng(seed).standard_normal(out.shape))
    (plain,) = al.grad(out, x, grad_outputs=v, retain_graph=True)
    (recorded,) = al.grad(out, x, grad_outputs=v, create_graph=True)
    np.testing.assert_allclose(recorded._array, plain._array, rtol=1e-12, atol=1e-12)


# ---- gradients over drawn geometries ---------------------------------------------------------------------
@given(hs.data())
def test_max_pool2d_gradcheck(data):
    shape, k, s, p, d, ceil = data.draw(geometries(), label="geometry")
    x = data.draw(unique_tensor(shape), label="x")
    fn = lambda t: F.max_pool2d(t, k, s, p, d, ceil_mode=ceil)  # noqa: E731
    assert gradcheck(fn, x)
    assert_create_graph_matches(fn, x)


@FEW
@given(hs.data())
def test_max_pool2d_gradgradcheck(data):
    shape, k, s, p, d, ceil = data.draw(geometries(max_side=4), label="geometry")
    x = data.draw(unique_tensor(shape), label="x")
    assert gradgradcheck(lambda t: F.max_pool2d(t, k, s, p, d, ceil_mode=ceil), x)


@given(hs.data())
def test_avg_pool2d_gradcheck(data):
    shape, k, s, p, _, ceil = data.draw(geometries(dilation=False), label="geometry")
    cip = data.draw(hs.booleans(), label="count_include_pad")
    div = data.draw(hs.sampled_from([None, 2, 5]), label="divisor_override")
    x = data.draw(st.tensors(shape=shape), label="x")
    fn = lambda t: F.avg_pool2d(t, k, s, p, ceil, cip, div)  # noqa: E731
    assert gradcheck(fn, x)
    assert_create_graph_matches(fn, x)


@FEW
@given(hs.data())
def test_avg_pool2d_gradgradcheck(data):
    shape, k, s, p, _, ceil = data.draw(geometries(max_side=4, dilation=False), label="geometry")
    cip = data.draw(hs.booleans(), label="count_include_pad")
    x = data.draw(st.tensors(shape=shape), label="x")
    assert gradgradcheck(lambda t: F.avg_pool2d(t, k, s, p, ceil, cip), x)


adaptive_sizes = hs.one_of(
    hs.integers(1, 5), hs.tuples(hs.one_of(hs.none(), hs.integers(1, 5)), hs.one_of(hs.none(), hs.integers(1, 5)))
)


@given(st.tensors(shape=st.shapes(min_dims=4, max_dims=4, min_side=1, max_side=6)), adaptive_sizes)
def test_adaptive_avg_pool2d_gradcheck(x, size):
    fn = lambda t: F.adaptive_avg_pool2d(t, size)  # noqa: E731
    assert gradcheck(fn, x)
    assert_create_graph_matches(fn, x)


@FEW
@given(st.tensors(shape=st.shapes(min_dims=3, max_dims=4, min_side=1, max_side=4)), adaptive_sizes)
def test_adaptive_avg_pool2d_gradgradcheck(x, size):
    assert gradgradcheck(lambda t: F.adaptive_avg_pool2d(t, size), x)


@hs.composite
def interpolations(draw, max_side=5):
    ndim = draw(hs.integers(3, 5))
    shape = draw(st.shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=max_side - (ndim - 3)))
    n = len(shape) - 2
    if draw(hs.booleans()):
        return shape, dict(size=draw(hs.tuples(*[hs.integers(1, 2 * max_side)] * n)))
    factors = draw(hs.tuples(*[hs.sampled_from([0.5, 1.0, 1.5, 2.0, 2.7, 3.0])] * n))
    if any(int(np.floor(i * f)) < 1 for i, f in zip(shape[2:], factors)):
        factors = tuple(max(f, 1.0) for f in factors)
    return shape, dict(scale_factor=factors)


@given(hs.data())
def test_interpolate_gradcheck(data):
    shape, kwargs = data.draw(interpolations(), label="case")
    x = data.draw(st.tensors(shape=shape), label="x")
    fn = lambda t: F.interpolate(t, **kwargs)  # noqa: E731
    assert gradcheck(fn, x)
    assert_create_graph_matches(fn, x)


@FEW
@given(hs.data())
def test_interpolate_gradgradcheck(data):
    shape, kwargs = data.draw(interpolations(max_side=3), label="case")
    x = data.draw(st.tensors(shape=shape), label="x")
    assert gradgradcheck(lambda t: F.interpolate(t, **kwargs), x)


# ---- max pooling: torch's tie rule, accumulation, hand-computed values -------------------------------------
def test_max_pool2d_tie_sends_whole_gradient_to_first_maximum():
    x = leaf([[[[1.0, 3.0, 2.0, 2.0], [3.0, 3.0, 2.0, 2.0]]]])
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(out._array, [[[[3.0, 2.0]]]])
    np.testing.assert_array_equal(idx._array, [[[[1, 2]]]])  # first maximum in row-major window order
    out.backward(al.tensor([[[[10.0, 7.0]]]]))
    np.testing.assert_array_equal(x.grad._array, [[[[0.0, 10.0, 7.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])


def test_max_pool2d_overlapping_windows_accumulate():
    x = leaf([[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]])
    out, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(out._array, np.full((1, 1, 2, 2), 9.0))
    np.testing.assert_array_equal(idx._array, np.full((1, 1, 2, 2), 4))
    out.backward(al.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(x.grad._array, expected)


def test_max_pool2d_overlapping_ties_accumulate_on_the_first():
    x = leaf(np.ones((1, 1, 3, 3)))
    out = F.max_pool2d(x, 2, stride=1)
    out.backward(al.ones(out.shape, dtype=al.float64))
    # window starts (0,0), (0,1), (1,0), (1,1): each sends its gradient to its own top-left element
    np.testing.assert_array_equal(x.grad._array[0, 0], [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])


def test_max_pool2d_hand_computed():
    x = leaf(np.arange(32.0).reshape(2, 1, 4, 4) * np.array([1.0, -1.0]).reshape(2, 1, 1, 1))
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(out._array[0, 0], [[5.0, 7.0], [13.0, 15.0]])
    np.testing.assert_array_equal(out._array[1, 0], [[-16.0, -18.0], [-24.0, -26.0]])
    np.testing.assert_array_equal(idx._array[0, 0], [[5, 7], [13, 15]])  # flat in H * W per channel
    np.testing.assert_array_equal(idx._array[1, 0], [[0, 2], [8, 10]])
    out.sum().backward()
    assert x.grad._array.sum() == 8.0
    np.testing.assert_array_equal(x.grad._array[0, 0], [[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]])


def test_max_pool2d_padding_is_minus_infinity():
    x = leaf(-np.arange(1.0, 10.0).reshape(1, 1, 3, 3))  # all negative: zero padding would win
    out, idx = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(out._array[0, 0], [[-1.0, -2.0], [-4.0, -5.0]])
    np.testing.assert_array_equal(idx._array[0, 0], [[0, 1], [3, 4]])


def test_max_pool2d_window_of_minus_infinity_picks_its_first_input_element():
    x = leaf(np.full((1, 1, 2, 2), -np.inf))
    out, idx = F.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    assert np.isneginf(out._array).all()
    np.testing.assert_array_equal(idx._array[0, 0], [[0, 0, 1], [0, 0, 1], [2, 2, 3]])  # never a padding cell
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array[0, 0], [[4.0, 2.0], [2.0, 1.0]])


def test_max_pool2d_dilation_and_ceil_mode_by_hand():
    x = leaf(np.arange(25.0).reshape(1, 1, 5, 5))
    out = F.max_pool2d(x, 2, stride=1, dilation=2)  # window {0, 2} x {0, 2} shifted
    np.testing.assert_array_equal(out._array[0, 0], [[12, 13, 14], [17, 18, 19], [22, 23, 24]])
    out = F.max_pool2d(x, 2, stride=2, ceil_mode=True)  # the partial last row/col windows are kept
    np.testing.assert_array_equal(out._array[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    assert F.max_pool2d(x, 2, stride=2).shape == (1, 1, 2, 2)


def test_max_pool2d_unbatched_and_indices():
    x = leaf(np.random.default_rng(0).standard_normal((3, 4, 6)))
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert out.shape == idx.shape == (3, 2, 3)
    assert idx.dtype == np.int64
    batched, bidx = F.max_pool2d(Tensor(x._array[None]), 2, return_indices=True)
    np.testing.assert_array_equal(out._array, batched._array[0])
    np.testing.assert_array_equal(idx._array, bidx._array[0])
    np.testing.assert_array_equal(
        np.take_along_axis(x._array.reshape(3, -1), idx._array.reshape(3, -1), 1), out._array.reshape(3, -1)
    )


def test_max_pool2d_without_grad_gives_the_same_values():
    x = leaf(np.random.default_rng(1).standard_normal((2, 3, 7, 7)))
    with al.no_grad():
        plain = F.max_pool2d(x, 3, 2, 1)
    assert plain.grad_fn is None
    recorded = F.max_pool2d(x, 3, 2, 1)
    assert recorded.grad_fn is not None
    np.testing.assert_array_equal(plain._array, recorded._array)


def test_max_pool2d_nan_wins_the_last_one_as_torch():
    x = leaf([[[[1.0, np.nan, 5.0, np.nan], [np.nan, 2.0, 3.0, 4.0]]]])
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert np.isnan(out._array).all()
    np.testing.assert_array_equal(idx._array, [[[[4, 3]]]])  # (1, 0) after (0, 1); (0, 3)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[[[0, 0, 0, 1], [1, 0, 0, 0]]]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: F.max_pool2d(t, 3, 2, 1),
        lambda t: F.avg_pool2d(t, 3, 2, 1),
        lambda t: F.adaptive_avg_pool2d(t, (2, 3)),
        lambda t: F.interpolate(t, size=(7, 4)),
    ],
    ids=["max", "avg", "adaptive", "nearest"],
)
def test_non_contiguous_input(fn):
    values = np.random.default_rng(4).standard_normal((2, 5, 6, 3))
    x, y = leaf(values), leaf(values.transpose(0, 3, 1, 2).copy())
    a, b = fn(x.permute(0, 3, 1, 2)), fn(y)
    np.testing.assert_array_equal(a._array, b._array)
    v = al.tensor(np.random.default_rng(5).standard_normal(a.shape))
    a.backward(v)
    b.backward(v)
    np.testing.assert_array_equal(x.grad._array.transpose(0, 3, 1, 2), y.grad._array)


def test_max_pool2d_integer_input():
    x = al.tensor(np.arange(16).reshape(1, 1, 4, 4))
    out = F.max_pool2d(x, 2, padding=1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out._array[0, 0], [[0, 2, 3], [8, 10, 11], [12, 14, 15]])


# ---- average pooling, adaptive pooling and interpolation by hand -------------------------------------------
def test_avg_pool2d_hand_computed():
    x = leaf(np.arange(16.0).reshape(1, 1, 4, 4))
    out = F.avg_pool2d(x, 2)
    np.testing.assert_array_equal(out._array[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, np.full((1, 1, 4, 4), 0.25))


def test_avg_pool2d_padding_divisors():
    ones = leaf(np.ones((1, 1, 3, 3)))
    np.testing.assert_array_equal(F.avg_pool2d(ones, 2, padding=1)._array[0, 0], [[0.25, 0.5], [0.5, 1.0]])
    np.testing.assert_array_equal(
        F.avg_pool2d(ones, 2, padding=1, count_include_pad=False)._array[0, 0], np.ones((2, 2))
    )
    np.testing.assert_array_equal(
        F.avg_pool2d(ones, 2, padding=1, divisor_override=3)._array[0, 0], [[1 / 3, 2 / 3], [2 / 3, 4 / 3]]
    )
    out = F.avg_pool2d(ones, 2, padding=1)
    out.backward(al.ones(out.shape, dtype=al.float64))
    # corner elements are in one window (divisor 4), edge elements in two, the centre in four
    np.testing.assert_array_equal(ones.grad._array[0, 0], [[0.25, 0.25, 0.25], [0.25, 0.25, 0.25], [0.25, 0.25, 0.25]])


def test_avg_pool2d_ceil_mode_partial_windows_divide_by_what_they_cover():
    x = leaf(np.ones((1, 1, 5, 5)))
    out = F.avg_pool2d(x, 2, stride=2, ceil_mode=True)
    assert out.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(out._array, np.ones((1, 1, 3, 3)))  # not 0.5 in the last row/col
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array[0, 0, 4], [0.5, 0.5, 0.5, 0.5, 1.0])


def test_adaptive_avg_pool2d_hand_computed():
    x = leaf(np.arange(5.0).reshape(1, 1, 1, 5))
    out = F.adaptive_avg_pool2d(x, (1, 3))  # windows [0, 2), [1, 4), [3, 5)
    np.testing.assert_allclose(out._array[0, 0, 0], [0.5, 2.0, 3.5])
    out.sum().backward()
    np.testing.assert_allclose(x.grad._array[0, 0, 0], [0.5, 0.5 + 1 / 3, 1 / 3, 1 / 3 + 0.5, 0.5])


def test_adaptive_avg_pool2d_sizes():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 7, 9)))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, 1)._array, x._array.mean(axis=(2, 3), keepdims=True))
    assert F.adaptive_avg_pool2d(x, (None, 4)).shape == (2, 3, 7, 4)
    assert F.adaptive_avg_pool2d(x, (2, None)).shape == (2, 3, 2, 9)
    assert F.adaptive_avg_pool2d(x, 11).shape == (2, 3, 11, 11)
    assert F.adaptive_avg_pool2d(x, (0, 2)).shape == (2, 3, 0, 2)  # empty, as torch
    assert F.adaptive_avg_pool2d(Tensor(x._array[0]), (3, 4)).shape == (3, 3, 4)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (7, 3))._array, x._array.reshape(2, 3, 7, 3, 3).mean(axis=4))


def test_interpolate_nearest_hand_computed():
    x = leaf([[[0.0, 1.0, 2.0]]])
    out = F.interpolate(x, size=5)  # src = floor(dst * 3 / 5)
    np.testing.assert_array_equal(out._array, [[[0.0, 0.0, 1.0, 1.0, 2.0]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[[2.0, 2.0, 1.0]]])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=2)._array, [[[0, 0, 1, 1, 2, 2]]])
    np.testing.assert_array_equal(F.interpolate(x, size=2)._array, [[[0.0, 1.0]]])  # floor(1 * 1.5) = 1
    x2 = Tensor(np.arange(4.0).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(F.interpolate(x2, scale_factor=(1, 2))._array[0, 0], [[0, 0, 1, 1], [2, 2, 3, 3]])


def test_interpolate_same_size_is_a_copy():
    x = Tensor(np.ones((1, 1, 2, 2)))
    out = F.interpolate(x, size=(2, 2))
    assert out is not x and not np.shares_memory(out._array, x._array)
    np.testing.assert_array_equal(out._array, x._array)


# ---- output shapes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "hw, k, s, p, d, ceil, out",
    [
        ((8, 8), 2, None, 0, 1, False, (4, 4)),
        ((7, 7), 3, 2, 1, 1, False, (4, 4)),
        ((6, 6), 3, 2, 0, 1, False, (2, 2)),
        ((6, 6), 3, 2, 0, 1, True, (3, 3)),
        ((5, 5), 2, 2, 1, 1, False, (3, 3)),
        ((5, 5), 2, 2, 1, 1, True, (3, 3)),  # ceil gives 4, but the 4th window would start in the padding
        ((9, 7), (3, 2), (2, 3), (1, 0), 1, False, (5, 2)),
        ((9, 9), 3, 1, 0, 2, False, (5, 5)),
        ((1, 1), 1, 1, 0, 1, False, (1, 1)),
    ],
)
def test_output_shapes(hw, k, s, p, d, ceil, out):
    x = Tensor(np.zeros((2, 3) + hw))
    assert F.max_pool2d(x, k, s, p, d, ceil).shape == (2, 3) + out
    if d == 1:
        assert F.avg_pool2d(x, k, s, p, ceil).shape == (2, 3) + out
    assert F.max_pool2d(Tensor(np.zeros((0, 3) + hw)), k, s, p, d, ceil).shape == (0, 3) + out


# ---- errors ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: F.max_pool2d(x, 5), r"max_pool2d: .*\(3x4x4\).*Output size is too small"),
        (lambda x: F.avg_pool2d(x, (2, 5)), r"avg_pool2d: .*\(3x4x4\).*Output size is too small"),
        (
            lambda x: F.max_pool2d(x, 2, padding=2),
            r"max_pool2d: pad should be at most half of effective kernel "
            r"size, but got pad=2, kernel_size=2",
        ),
        (lambda x: F.avg_pool2d(x, 3, padding=(0, 2)), r"avg_pool2d: pad should be at most half"),
        (lambda x: F.max_pool2d(x, 0), r"max_pool2d: kernel_size should be greater than zero"),
        (lambda x: F.max_pool2d(x, 2, stride=0), r"max_pool2d: stride should be greater than zero"),
        (lambda x: F.max_pool2d(x, 2, dilation=0), r"max_pool2d: dilation should be greater than zero"),
        (lambda x: F.max_pool2d(x, 2, padding=-1), r"max_pool2d: padding should be non-negative"),
        (lambda x: F.max_pool2d(x[0, 0], 2), r"max_pool2d: .*3D or 4D.*shape \(4, 4\)"),
        (lambda x: F.avg_pool2d(x[None], 2), r"avg_pool2d: .*3D or 4D.*shape \(1, 2, 3, 4, 4\)"),
        (lambda x: F.max_pool2d(x[:, :0], 2), r"max_pool2d: non-empty.*shape \(2, 0, 4, 4\)"),
        (lambda x: F.max_pool2d(x, (2, 2, 2)), r"max_pool2d: kernel_size must either be a single int"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), r"avg_pool2d: divisor must be not zero"),
        (lambda x: F.adaptive_avg_pool2d(x, (-1, 2)), r"adaptive_avg_pool2d: .*greater than or equal to 0"),
        (lambda x: F.adaptive_avg_pool2d(x[0, 0], 2), r"adaptive_avg_pool2d: .*shape \(4, 4\)"),
        (lambda x: F.adaptive_avg_pool2d(x[:, :, :0], 2), r"adaptive_avg_pool2d: .*shape \(2, 3, 0, 4\)"),
        (lambda x: F.interpolate(x, scale_factor=0.2), r"interpolate: .*greater than 0.*\(4, 4\)"),
        (lambda x: F.interpolate(x[0, 0], size=3), r"interpolate: .*shape \(4, 4\)"),
    ],
)
def test_errors_name_the_op_and_the_shapes(call, match):
    with pytest.raises(OpError, match=match):
        call(Tensor(np.zeros((2, 3, 4, 4))))


def test_interpolate_argument_errors():
    x = Tensor(np.zeros((1, 1, 4, 4)))
    with pytest.raises(NotImplementedError, match="interpolate: mode='area' is not implemented"):
        F.interpolate(x, scale_factor=2, mode="area")
    with pytest.raises(NotImplementedError, match="Got 4D input, but trilinear mode needs 5D input"):
        nn.Upsample(scale_factor=2, mode="trilinear")(x)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 3, 4))
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, size=2, align_corners=False)


def test_type_errors():
    with pytest.raises(TypeError, match="max_pool2d: input must be a Tensor"):
        F.max_pool2d(np.zeros((1, 1, 2, 2)), 2)
    with pytest.raises(TypeError, match="avg_pool2d: expected a floating point input, got dtype int64"):
        F.avg_pool2d(al.tensor(np.zeros((1, 1, 2, 2), dtype=np.int64)), 2)


# ---- dtypes, inputs left alone ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda t: F.max_pool2d(t, 3, 2, 1),
        lambda t: F.max_pool2d(t, 2, 1),
        lambda t: F.avg_pool2d(t, 3, 2, 1, count_include_pad=False),
        lambda t: F.adaptive_avg_pool2d(t, 1),
        lambda t: F.adaptive_avg_pool2d(t, (2, 3)),
        lambda t: F.adaptive_avg_pool2d(t, (3, 4)),
        lambda t: F.interpolate(t, scale_factor=2),
        lambda t: F.interpolate(t, size=(5, 9)),
    ],
    ids=["max", "max-overlap", "avg", "adaptive-1", "adaptive-divides", "adaptive", "nearest-x2", "nearest"],
)
def test_float32_stays_float32_and_input_is_untouched(fn):
    values = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    x = Tensor(values, requires_grad=True)
    out = fn(x)
    assert out.dtype == np.float32
    out.backward(al.ones(out.shape))
    assert x.grad.dtype == np.float32 and x.grad.shape == x.shape
    np.testing.assert_array_equal(x._array, values)
    x64 = Tensor(values.astype(np.float64), requires_grad=True)
    out64 = fn(x64)
    out64.backward(al.ones(out64.shape, dtype=al.float64))
    np.testing.assert_allclose(out._array, out64._array, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad._array, x64.grad._array, rtol=1e-5, atol=1e-6)


# ---- modules ---------------------------------------------------------------------------------------------
def test_module_reprs_and_attributes():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert (
        repr(nn.MaxPool2d((2, 3), 1, 1, 2, ceil_mode=True))
        == "MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)"
    )
    assert repr(nn.AvgPool2d(3, 2, 1)) == "AvgPool2d(kernel_size=3, stride=2, padding=1)"
    assert repr(nn.AdaptiveAvgPool2d((None, 3))) == "AdaptiveAvgPool2d(output_size=(None, 3))"
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    pool = nn.MaxPool2d(3, return_indices=True)
    assert (pool.kernel_size, pool.stride, pool.return_indices) == (3, 3, True)
    avg = nn.AvgPool2d(2, count_include_pad=False, divisor_override=3)
    assert (avg.stride, avg.count_include_pad, avg.divisor_override) == (2, False, 3)
    assert nn.Upsample(scale_factor=(2, 3)).scale_factor == (2.0, 3.0)
    assert list(nn.MaxPool2d(2).parameters()) == [] and nn.AvgPool2d(2).state_dict() == {}
    assert al.nn.MaxPool2d is nn.MaxPool2d and al.nn.functional.max_pool2d is F.max_pool2d


def test_modules_match_the_functions():
    x = Tensor(np.random.default_rng(2).standard_normal((2, 3, 7, 8)))
    out, idx = nn.MaxPool2d(3, 2, 1, return_indices=True)(x)
    want, widx = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(out._array, want._array)
    np.testing.assert_array_equal(idx._array, widx._array)
    np.testing.assert_array_equal(nn.MaxPool2d(2, ceil_mode=True)(x)._array, F.max_pool2d(x, 2, ceil_mode=True)._array)
    np.testing.assert_array_equal(
        nn.AvgPool2d(3, 1, 1, False, False)(x)._array, F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)._array
    )
    np.testing.assert_array_equal(nn.AdaptiveAvgPool2d((3, 5))(x)._array, F.adaptive_avg_pool2d(x, (3, 5))._array)
    np.testing.assert_array_equal(nn.Upsample(size=(9, 11))(x)._array, F.interpolate(x, size=(9, 11))._array)
    model = nn.Sequential(nn.MaxPool2d(2), nn.Upsample(scale_factor=2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1))
    x = leaf(np.random.default_rng(3).standard_normal((2, 3, 8, 8)))
    assert gradcheck(model, x)
    assert model(x).shape == (2, 3, 1, 1)
