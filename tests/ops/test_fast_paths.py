"""The performance paths give the same numbers as the general ones: channels-last memory, batch-chunked
convolution, the bias folded into the conv GEMMs, max pooling over disjoint tiles, GEMV bias gradients, the
fused cross-entropy, the Linear operand orders, the sigmoid formula and the allocator tuning."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite.ops import base, conv, pool
from autograd_lite.testing import gradcheck, gradgradcheck


def _channels_last(a):
    """The same values as ``a`` (N, C, H, W), stored channels-last in memory."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _grads(fn, *arrays):
    tensors = [al.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    weights = np.random.default_rng(7).standard_normal(out.shape)
    (out * al.tensor(weights)).sum().backward()
    return out._array, [t.grad._array for t in tensors]


conv_cases = st.tuples(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(4, 7),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 2),
)


@given(conv_cases)
def test_conv_on_channels_last_input_equals_nchw(case):
    n, c, o, h, k, stride, pad = case
    rng = np.random.default_rng(sum(case))
    x = rng.standard_normal((n, c, h, h))
    w, b = rng.standard_normal((o, c, k, k)), rng.standard_normal(o)

    def fn(x_, w_, b_):
        return F.conv2d(x_, w_, b_, stride=stride, padding=pad)

    out_a, grads_a = _grads(fn, x, w, b)
    out_b, grads_b = _grads(fn, _channels_last(x), w, b)
    np.testing.assert_allclose(out_a, out_b, rtol=1e-12, atol=1e-12)
    for ga, gb in zip(grads_a, grads_b):
        np.testing.assert_allclose(ga, gb, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_batch_chunked_convolution_equals_one_piece_and_passes_gradcheck(monkeypatch, channels, bias):
    rng = np.random.default_rng(channels)
    x = rng.standard_normal((5, channels, 6, 6))
    w = rng.standard_normal((2, channels, 3, 3))
    b = rng.standard_normal(2) if bias else None

    def fn(x_, w_, *b_):
        return F.conv2d(x_, w_, b_[0] if b_ else None, padding=1, stride=(1, 2))

    inputs = (x, w) + ((b,) if bias else ())
    whole, whole_grads = _grads(fn, *inputs)
    monkeypatch.setattr(conv, "COLUMNS_BYTES", 1)  # one sample per chunk
    assert len(conv._batch_chunks(x, 3, 3, 6, 3)) == 5
    chunked, chunked_grads = _grads(fn, *inputs)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-12)
    for a, b_ in zip(chunked_grads, whole_grads):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)
    tensors = [al.tensor(a, requires_grad=True) for a in inputs]
    assert gradcheck(fn, tensors)


def test_conv_bias_through_the_gemm_equals_a_separate_add():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    fused, fused_grads = _grads(lambda x_, w_, b_: F.conv2d(x_, w_, b_), x, w, b)
    split, split_grads = _grads(lambda x_, w_, b_: F.conv2d(x_, w_) + b_.reshape(1, 4, 1, 1), x, w, b)
    np.testing.assert_allclose(fused, split, rtol=1e-12, atol=1e-12)
    for a, b_ in zip(fused_grads, split_grads):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)
    tensors = [al.tensor(a, requires_grad=True) for a in (x, w, b)]
    assert gradgradcheck(lambda x_, w_, b_: F.conv2d(x_, w_, b_), tensors)


# ---- max pooling over disjoint tiles ------------------------------------------------------------------------


def _general_max_pool(x, k):
    """The general path (torch's index rule), forced through return_indices."""
    return F.max_pool2d(x, k, return_indices=True)[0]


pool_cases = st.tuples(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(2, 7),
    st.integers(2, 7),
    st.sampled_from([(2, 2), (3, 3), (2, 3), (1, 2)]),
    st.booleans(),
    st.booleans(),
)


@given(pool_cases)
def test_tile_max_pool_equals_the_general_path_with_ties_and_layouts(case):
    n, c, h, w, kernel, ties, channels_last = case
    if h < kernel[0] or w < kernel[1]:
        return
    rng = np.random.default_rng(h * 7 + w)
    x = rng.integers(-2, 3, (n, c, h, w)).astype(np.float64) if ties else rng.standard_normal((n, c, h, w))
    if channels_last:
        x = _channels_last(x)
    assert pool.tiles_disjoint(x.shape, kernel, kernel, (0, 0), (1, 1), False)
    fast, fast_grads = _grads(lambda t: F.max_pool2d(t, kernel), x)
    general, general_grads = _grads(lambda t: _general_max_pool(t, kernel), x)
    np.testing.assert_array_equal(fast, general)
    np.testing.assert_array_equal(fast_grads[0], general_grads[0])
    with al.no_grad():
        np.testing.assert_array_equal(F.max_pool2d(al.tensor(x), kernel)._array, general)


def test_tile_max_pool_sends_the_gradient_to_the_first_maximum_and_the_last_nan():
    x = al.tensor([[[[1.0, 1.0, np.nan, 0.0], [1.0, 0.5, 2.0, np.nan]]]], requires_grad=True)
    out = F.max_pool2d(x, 2)
    assert out._array[0, 0, 0, 0] == 1.0 and np.isnan(out._array[0, 0, 0, 1])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[[[1, 0, 0, 0], [0, 0, 0, 1]]]])


def test_tile_max_pool_gradient_is_exactly_zero_off_the_maxima_even_for_infinite_gradients():
    x = al.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    out = F.max_pool2d(x, 2)
    out.backward(al.tensor(np.full(out.shape, np.inf)))
    expected = np.zeros((4, 4))
    expected[1::2, 1::2] = np.inf
    np.testing.assert_array_equal(x.grad._array[0, 0], expected)


def test_tile_max_pool_second_order_and_gradcheck():
    rng = np.random.default_rng(0)
    x = al.tensor(rng.permutation(32).reshape(1, 2, 4, 4) / 8.0, requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, 2), [x])
    assert gradgradcheck(lambda t: F.max_pool2d(t, 2) ** 2, [x])


def test_floor_mode_tiles_leave_the_dropped_rows_with_zero_gradient():
    x = al.tensor(np.random.default_rng(1).standard_normal((1, 1, 5, 5)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert np.all(x.grad._array[0, 0, 4, :] == 0) and np.all(x.grad._array[0, 0, :, 4] == 0)
    assert x.grad._array.sum() == 4


# ---- bias gradients, sigmoid, cross-entropy, linear -----------------------------------------------------------


@given(st.integers(0, 5), st.sampled_from([(0,), (0, 2, 3), (2, 3), (1,), (0, 1, 2, 3), (-4, -1)]), st.booleans())
def test_gemv_sum_equals_numpy_sum_for_every_layout(seed, axes, keepdims):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((3, 4, 2, 5))
    for layout in (a, _channels_last(a), np.asfortranarray(a)):
        np.testing.assert_allclose(
            base.sum_leading(layout, axes, keepdims), np.sum(a, axis=axes, keepdims=keepdims), rtol=1e-12, atol=1e-12
        )
    m = rng.standard_normal((6, 3))
    np.testing.assert_allclose(base.sum_leading(m, (0,), keepdims), m.sum(0, keepdims=keepdims), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_exact_at_the_extremes_without_warnings(dtype):
    x = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = al.sigmoid(al.tensor(x))._array
    assert y.dtype == dtype
    with np.errstate(over="ignore"):  # torch's formula in the tensor's own dtype: e^100 overflows float32
        reference = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(y, reference, rtol=np.finfo(dtype).eps * 4, atol=0)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[3] == 0.5


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_cross_entropy_equals_the_general_path(reduction):
    rng = np.random.default_rng(4)
    logits, target = rng.standard_normal((6, 5)) * 3, al.tensor(rng.integers(0, 5, 6))
    fast, (fast_grad,) = _grads(lambda z: F.cross_entropy(z, target, reduction=reduction), logits)
    weight = al.tensor(np.ones(5))  # a weight forces the general path; all ones gives the same loss
    general, (general_grad,) = _grads(lambda z: F.cross_entropy(z, target, weight=weight, reduction=reduction), logits)
    np.testing.assert_allclose(fast, general, rtol=1e-12)
    np.testing.assert_allclose(fast_grad, general_grad, rtol=1e-12, atol=1e-15)
    z = al.tensor(logits, requires_grad=True)
    assert gradgradcheck(lambda t: F.cross_entropy(t, target, reduction=reduction), [z])


def test_fused_cross_entropy_leaves_bad_targets_and_ignore_index_to_the_general_path():
    logits = al.tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(logits, al.tensor([0, 3]))
    assert (
        F.cross_entropy(logits, al.tensor([1, 1]), ignore_index=1).item()
        != F.cross_entropy(logits, al.tensor([1, 1])).item()
    )


@pytest.mark.parametrize("rows", [5, 64, 97, 200])
def test_linear_operand_orders_agree_with_numpy(rows):
    rng = np.random.default_rng(rows)
    x, w, b = rng.standard_normal((rows, 7)), rng.standard_normal((3, 7)), rng.standard_normal(3)
    out, (gx, gw, gb) = _grads(F.linear, x, w, b)
    np.testing.assert_allclose(out, x @ w.T + b, rtol=1e-12)
    g = np.random.default_rng(7).standard_normal((rows, 3))
    np.testing.assert_allclose(gx, g @ w, rtol=1e-12)
    np.testing.assert_allclose(gw, g.T @ x, rtol=1e-12)
    np.testing.assert_allclose(gb, g.sum(0), rtol=1e-12)


def test_a_cnn_step_keeps_float32_and_channels_last_activations():
    al.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.ReLU())
    out = model(al.randn(2, 1, 12, 12))
    assert out.dtype == np.float32
    assert np.argsort(out._array.strides)[0] == 1  # channels are innermost in memory
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 and p.grad._array.flags.c_contiguous for p in model.parameters())


def test_allocator_tuning_applies_on_glibc_and_can_be_switched_off():
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc allocator tuning is Linux-only")
    code = "import autograd_lite as al; print(al.allocator.tuned)"
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    off = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"AUTOGRAD_LITE_MALLOC_TUNING": "0", "PATH": ""},
    ).stdout.strip()
    assert on == "True" and off == "False"


@pytest.mark.parametrize("slope", [0.2, 1.0, 1.5, 0.01])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaky_relu_fast_paths_equal_np_where_bit_for_bit(slope, dtype):
    """Forward (max/min of x and slope * x) and vjp (g times an exact 1-or-slope factor) against the np.where
    forms, with signed zeros, infinities and NaN in x and in the incoming gradient."""
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 3.0, -3.0], dtype=dtype)
    rng = np.random.default_rng(1)
    x = np.concatenate([special, rng.standard_normal(40).astype(dtype)])
    g = np.concatenate([special[::-1], rng.standard_normal(40).astype(dtype)])
    t = al.tensor(x, requires_grad=True)
    y = F.leaky_relu(t, slope)
    y.backward(al.tensor(g))
    expected_y = np.where(x > 0, x, x * slope)
    expected_g = np.where(x > 0, g, g * slope)
    assert y.dtype == dtype and t.grad.dtype == dtype
    np.testing.assert_array_equal(y._array.view(f"i{x.itemsize}"), expected_y.view(f"i{x.itemsize}"))
    np.testing.assert_array_equal(t.grad._array.view(f"i{x.itemsize}"), expected_g.view(f"i{x.itemsize}"))


@pytest.mark.parametrize("kernel,stride", [(4, 2), (3, 2), (5, 3), (2, 2), (1, 2), (4, (2, 3))])
def test_strided_input_gradient_by_phase_equals_the_per_offset_one(kernel, stride):
    """col2im by stride phase (one GEMM, ceil(k / s)^2 adds) against the per-kernel-offset blocks."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    rng = np.random.default_rng(kernel)
    g = _channels_last(rng.standard_normal((2, 3, 4, 5)))
    w = rng.standard_normal((3, 2, kernel, kernel))
    fast = conv._input_grad_strided(g, w, sh, sw)
    general = conv._input_grad_dilated(g, w, (sh, sw), (1, 1))
    he, we = general.shape[1:3]
    np.testing.assert_allclose(fast[:, :he, :we], general, rtol=1e-12, atol=1e-12)
    assert not fast[:, he:].any() and not fast[:, :, we:].any()


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_numpy_vjp_equals_the_recorded_formula(training):
    """The few-pass array vjp against the same op's vjp under create_graph (the textbook formula)."""
    rng = np.random.default_rng(3)
    x = _channels_last(rng.standard_normal((4, 3, 5, 5)) * 3 + 2)
    w, b, g = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((4, 3, 5, 5))
    grads = []
    for create_graph in (False, True):
        xt, wt, bt = (al.tensor(a, requires_grad=True) for a in (x, w, b))
        running = (al.tensor(np.zeros(3)), al.tensor(np.ones(3)))
        out = F.batch_norm(xt, *running, wt, bt, training=training)
        grads.append([d._array for d in al.autograd.grad(out, (xt, wt, bt), al.tensor(g), create_graph=create_graph)])
    for fast, recorded in zip(*grads):
        np.testing.assert_allclose(fast, recorded, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "a_shape,b_shape", [((5, 1), (1, 7)), ((3, 4, 1), (1, 6)), ((4, 1), (2, 1, 3)), ((1, 1), (1, 1)), ((0, 1), (1, 3))]
)
def test_matmul_over_an_inner_dimension_of_one_is_the_broadcast_product_bit_for_bit(a_shape, b_shape, dtype):
    """matmul, its vjp and the Linear weight gradient at batch 1 use a * b when the inner dimension is 1: the
    same bits as np.matmul (one product per sum), the same shape and dtype."""
    rng = np.random.default_rng(11)
    a, b = rng.standard_normal(a_shape).astype(dtype), rng.standard_normal(b_shape).astype(dtype)
    out = (al.tensor(a) @ al.tensor(b))._array
    expected = np.matmul(a, b)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out.view(f"i{out.itemsize}"), expected.view(f"i{out.itemsize}"))
    row, matrix = a.reshape(1, -1), rng.standard_normal((a.size, 3)).astype(dtype)  # one row: a 1-term vjp
    g = rng.standard_normal((1, 3)).astype(dtype)
    mt = al.tensor(matrix, requires_grad=True)
    (al.tensor(row) @ mt).backward(al.tensor(g))
    np.testing.assert_array_equal(mt.grad._array, np.matmul(row.T, g))
    assert mt.grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_weight_gradient_at_batch_one_equals_the_gemm_bit_for_bit(dtype):
    """The batch-1 weight gradient g.T * x (an outer product) against g.T @ x, to the bit."""
    rng = np.random.default_rng(12)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((1, 9), (4, 9), (4,)))
    g = rng.standard_normal((1, 4)).astype(dtype)
    xt, wt, bt = (al.tensor(v, requires_grad=True) for v in (x, w, b))
    F.linear(xt, wt, bt).backward(al.tensor(g))
    expected = np.matmul(g.T, x)
    assert wt.grad.dtype == expected.dtype
    np.testing.assert_array_equal(wt.grad._array.view(f"i{x.itemsize}"), expected.view(f"i{x.itemsize}"))
    gradcheck(
        F.linear,
        (
            al.tensor(x.astype(np.float64), requires_grad=True),
            al.tensor(w.astype(np.float64), requires_grad=True),
            None,
        ),
    )


@pytest.mark.parametrize("layouts", [("last", "last"), ("first", "first"), ("last", "first"), ("2d", "2d")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_dot_equals_the_summed_product(layouts, dtype):
    """base.channel_dot (an einsum over channels-last rows, else the product summed) against np.sum(a * b)
    over the batch-norm axes, with keepdims, for matching and mismatched memory layouts."""
    rng = np.random.default_rng(13)
    shape, axes = ((6, 5), (0,)) if layouts[0] == "2d" else ((3, 4, 5, 6), (0, 2, 3))
    a, b = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    if layouts[0] == "last":
        a = _channels_last(a)
    if layouts[1] == "last":
        b = _channels_last(b)
    got = base.channel_dot(a, b, axes, True)
    expected = np.sum(a.astype(np.float64) * b, axis=axes, keepdims=True)
    assert got.shape == expected.shape and got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


@pytest.mark.parametrize(
    "rows,k,o", [(64, 784, 100), (8, 784, 100), (16384, 17, 32), (4096, 501, 40), (3, 2, 5), (0, 4, 3)]
)
def test_transposed_product_equals_the_plain_product(rows, k, o):
    """conv._transposed_product (either operand order, by the measured rule) against g.T @ a in float64."""
    rng = np.random.default_rng(14)
    g, a = rng.standard_normal((rows, o)).astype(np.float32), rng.standard_normal((rows, k)).astype(np.float32)
    got = conv._transposed_product(g, a)
    assert got.shape == (o, k) and got.dtype == np.float32
    np.testing.assert_allclose(got, g.astype(np.float64).T @ a, rtol=1e-4, atol=1e-3)
