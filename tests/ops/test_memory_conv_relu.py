"""The memory savings of the CNN training step (issue 16) keep the numbers: batch-chunked convolution
temporaries in shared buffers (forward, input gradient, weight gradient), balanced chunks within the
budget, and relu's gradient through one byte-per-element mask. The vjps never write into the gradient they
are given or into the arrays saved for them."""

import numpy as np
import pytest

import autograd_lite as al
import nn.functional as F
from autograd_lite.ops import conv
from autograd_lite.ops.base import masked, numpy_namespace
from autograd_lite.ops.elementwise import relu_grad


def _channels_last(a):
    """The same values as ``a`` (N, C, H, W), stored channels-last in memory."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _conv_grads(x, w, b, weights):
    """conv2d(x, w, b) and the gradients of sum(out * weights) in x, w and b."""
    tensors = [al.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.conv2d(*tensors)
    (out * al.tensor(weights)).sum().backward()
    return [out._array] + [t.grad._array for t in tensors]


# ---- batch chunks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, per_sample, keep, chunk",
    [(256, 128000, 8 * 2**20, 2 * 2**20), (256, 57600, 8 * 2**20, 2 * 2**20), (7, 10, 25, 25), (7, 10, 60, 25)],
)
def test_chunks_are_balanced_cover_the_batch_and_stay_within_the_budget(monkeypatch, n, per_sample, keep, chunk):
    monkeypatch.setattr(conv, "COLUMNS_BYTES", keep)
    monkeypatch.setattr(conv, "CHUNK_BYTES", chunk)
    chunks = conv._chunks_of(n, per_sample)
    sizes = [part.stop - part.start for part in chunks]
    assert [i for part in chunks for i in range(part.start, part.stop)] == list(range(n))
    assert max(sizes) * per_sample <= chunk
    assert len(chunks) == -(-n // (chunk // per_sample))  # as few chunks as the budget allows
    assert all(size == sizes[0] for size in sizes[:-1]) and sizes[-1] <= sizes[0]  # equal, the last one smaller


@pytest.mark.parametrize("n, per_sample", [(64, 128000), (1, 10**9), (3, 1)])
def test_a_batch_within_the_columns_budget_or_of_one_sample_is_one_chunk(n, per_sample):
    assert conv._chunks_of(n, per_sample) == [slice(0, n)]


def test_no_chunks_for_an_empty_batch():
    assert conv._chunks_of(0, 100) == []


@pytest.mark.parametrize("channels", [1, 3])
def test_columns_in_a_shared_buffer_equal_fresh_ones_and_live_in_the_buffer(channels):
    rng = np.random.default_rng(channels)
    x = rng.standard_normal((4, channels, 7, 6)).astype(np.float32)
    geometry = (3, 2, 5, 5, (1, 1), (0, 0), (1, 1))
    fresh = conv._columns(x, *geometry, ones=True)
    buffer = np.full(fresh.size + 11, np.nan, dtype=np.float32)
    shared = conv._columns(x, *geometry, ones=True, out=buffer)
    np.testing.assert_array_equal(shared, fresh)
    assert np.shares_memory(shared, buffer)


# ---- convolution: chunked equals whole, nothing written in place -------------------------------------------


@pytest.mark.parametrize("channels", [1, 4])
def test_chunked_conv_step_equals_the_whole_batch_and_keeps_no_columns(monkeypatch, channels):
    rng = np.random.default_rng(10 + channels)
    x = _channels_last(rng.standard_normal((6, channels, 9, 9)))
    w, b = rng.standard_normal((5, channels, 3, 3)), rng.standard_normal(5)
    weights = rng.standard_normal((6, 5, 7, 7))
    whole = _conv_grads(x, w, b, weights)
    monkeypatch.setattr(conv, "COLUMNS_BYTES", 7 * 9 * 3 * 5 * 8 * 2)  # two samples per input-gradient chunk
    assert len(conv._chunks_of(6, 7 * 9 * 3 * 5 * 8)) == 3
    y, saved = conv.conv2d_forward(x, w, b, (7, 7), (1, 1), (0, 0), (1, 1))
    assert saved is None  # a chunked forward keeps no im2col matrix: backward rebuilds it chunk by chunk
    chunked = _conv_grads(x, w, b, weights)
    for got, expected in zip(chunked, whole):
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)


def test_unit_stride_input_grad_in_chunks_equals_one_chunk(monkeypatch):
    rng = np.random.default_rng(5)
    g = _channels_last(rng.standard_normal((5, 4, 6, 6)))
    w = rng.standard_normal((4, 3, 3, 2))
    whole = conv._input_grad_unit_stride(g, w)
    monkeypatch.setattr(conv, "COLUMNS_BYTES", 1)  # one sample per chunk
    np.testing.assert_allclose(conv._input_grad_unit_stride(g, w), whole, rtol=1e-13, atol=1e-13)
    assert whole.shape == (5, 8, 7, 3)


@pytest.mark.parametrize("budget", [None, 1])
def test_conv_vjp_leaves_its_gradient_and_saved_inputs_unchanged(monkeypatch, budget):
    if budget is not None:
        monkeypatch.setattr(conv, "COLUMNS_BYTES", budget)
    rng = np.random.default_rng(3)
    x = al.tensor(rng.standard_normal((3, 2, 6, 6)).astype(np.float32), requires_grad=True)
    w = al.tensor(rng.standard_normal((4, 2, 3, 3)).astype(np.float32), requires_grad=True)
    b = al.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    out = F.conv2d(x, w, b)
    g = rng.standard_normal(out.shape).astype(np.float32)
    inputs_before = [t._array.copy() for t in (x, w, b)]
    g_before = g.copy()
    out.backward(al.tensor(g))
    np.testing.assert_array_equal(g, g_before)
    for t, before in zip((x, w, b), inputs_before):
        np.testing.assert_array_equal(t._array, before)


# ---- relu --------------------------------------------------------------------------------------------------


def _relu_cases(dtype):
    rng = np.random.default_rng(0)
    y = np.maximum(rng.standard_normal((3, 4, 5)), 0).astype(dtype)
    y.reshape(-1)[:4] = [np.nan, np.inf, -0.0, 0.0]
    g = rng.standard_normal(y.shape).astype(dtype)
    g.reshape(-1)[4:8] = [np.nan, np.inf, -np.inf, -0.0]
    g.reshape(-1)[-3:] = [np.nan, -np.inf, -0.0]
    return y, g


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_grad_is_bit_for_bit_the_masked_select_and_writes_nothing(dtype):
    y, g = _relu_cases(dtype)
    y_before, g_before = y.copy(), g.copy()
    got = relu_grad(numpy_namespace, g, y)
    expected = masked(numpy_namespace, g, ~(y <= 0))
    assert got.dtype == g.dtype and got.shape == g.shape
    np.testing.assert_array_equal(got.view(np.uint8), expected.view(np.uint8))  # the bits, signed zeros included
    np.testing.assert_array_equal(y.view(np.uint8), y_before.view(np.uint8))
    np.testing.assert_array_equal(g.view(np.uint8), g_before.view(np.uint8))
    assert not np.shares_memory(got, g)


def test_relu_grad_on_a_strided_gradient_and_through_backward():
    y, g = _relu_cases(np.float32)
    strided = np.asfortranarray(g)
    np.testing.assert_array_equal(relu_grad(numpy_namespace, strided, y), masked(numpy_namespace, g, ~(y <= 0)))
    x = al.tensor(np.array([-1.0, 0.0, 2.0, np.nan], dtype=np.float32), requires_grad=True)
    seed = np.array([5.0, 6.0, np.inf, 7.0], dtype=np.float32)
    al.relu(x).backward(al.tensor(seed))
    np.testing.assert_array_equal(x.grad._array, [0.0, 0.0, np.inf, 7.0])
    np.testing.assert_array_equal(seed, [5.0, 6.0, np.inf, 7.0])
