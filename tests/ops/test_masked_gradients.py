"""Masked gradients are selected, never multiplied: where no gradient flows it is exactly 0, even when the
incoming gradient is inf or NaN there (issue 8, class 1). Regression cases with exact expectations, a
NaN that must not poison a layer's weight gradient, and hypothesis properties over random shapes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite.ops.base import masked, numpy_namespace
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing import strategies as st

NAN, INF = np.nan, np.inf


def t(values, dtype=np.float64):
    return al.tensor(np.array(values, dtype=dtype), requires_grad=True)


def grad_with(fn, x, upstream):
    """x.grad of fn(x) for an incoming gradient filled with ``upstream``."""
    y = fn(x)
    y.backward(al.tensor(np.full(y.shape, upstream, dtype=y.dtype)))
    return x.grad._array


def set_first(x):
    y = x * 1.0
    y[0] = 5.0
    return y


# (id, fn, input, blocked): blocked marks the elements that get no gradient (exactly 0 whatever flows in)
CASES = [
    ("relu", al.relu, [-1.0, 0.0, 2.0, NAN], [1, 1, 0, 0]),
    ("leaky_relu_0", lambda x: F.leaky_relu(x, 0.0), [-1.0, 0.0, 2.0], [1, 1, 0]),
    ("clamp", lambda x: al.clamp(x, -1.0, 1.0), [-2.0, 0.5, 2.0, NAN], [1, 0, 1, 1]),
    ("clamp_min", lambda x: x.clamp(min=0.0), [-2.0, 0.5], [1, 0]),
    ("clip_max", lambda x: al.clip(x, max=0.0), [-2.0, 0.5], [0, 1]),
    (
        "where_a",
        lambda x: al.where(al.tensor([True, False, True]), x, al.zeros(3, dtype=al.float64)),
        [1.0, 2.0, 3.0],
        [0, 1, 0],
    ),
    ("where_b", lambda x: al.where(al.tensor([True, False]), al.zeros(2, dtype=al.float64), x), [1.0, 2.0], [1, 0]),
    ("maximum", lambda x: al.maximum(x, al.tensor([2.0, 2.0, 2.0], dtype=al.float64)), [1.0, 3.0, NAN], [1, 0, 0]),
    ("minimum", lambda x: al.minimum(x, al.tensor([2.0, 2.0], dtype=al.float64)), [1.0, 3.0], [0, 1]),
    ("hardtanh", F.hardtanh, [-2.0, -1.0, 0.0, 1.0, 2.0, NAN], [1, 1, 0, 1, 1, 0]),
    ("relu6", F.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0], [1, 1, 0, 1, 1]),
    ("max_dim", lambda x: al.max(x, 1).values, [[1.0, 3.0], [4.0, 2.0]], [[1, 0], [0, 1]]),
    ("min_dim", lambda x: x.min(dim=0).values, [[1.0, 3.0], [4.0, 2.0]], [[0, 1], [1, 0]]),
    ("amax", lambda x: al.amax(x, 1), [[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], [[1, 0, 0], [0, 1, 1]]),
    ("amin", al.amin, [1.0, 0.0, 0.0], [1, 0, 0]),
    ("max_full", al.max, [1.0, NAN, 3.0, NAN], [1, 0, 1, 0]),
    ("min_full", lambda x: x.min(), [1.0, -2.0], [1, 0]),
    ("index_put", set_first, [1.0, 2.0, 3.0], [1, 0, 0]),
    ("abs", al.abs, [0.0, NAN, -1.0, 2.0], [1, 1, 0, 0]),
    ("pow_0", lambda x: x**0, [0.0, 2.0], [1, 1]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), [[[[1.0, 4.0], [3.0, 2.0]]]], [[[[1, 0], [1, 1]]]]),
    (
        "max_pool2d_overlap",
        lambda x: F.max_pool2d(x, 2, stride=1),
        [[[[1.0, 2.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]]],
        [[[[1, 1, 1], [1, 0, 1], [1, 1, 1]]]],
    ),
    (
        "max_pool2d_padded",
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
        [[[[1.0, 2.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]]],
        [[[[1, 1, 1], [1, 0, 1], [1, 1, 1]]]],
    ),
    (
        "nll_none",
        lambda x: F.nll_loss(x, al.tensor([-100, 1]), reduction="none"),
        [[1.0, 2.0], [3.0, 4.0]],
        [[1, 1], [1, 0]],
    ),
    (
        "cross_entropy_none",
        lambda x: F.cross_entropy(x, al.tensor([-100, 1]), reduction="none"),
        [[1.0, 2.0], [3.0, 4.0]],
        [[1, 1], [0, 0]],
    ),
    (
        "cross_entropy_all_ignored",
        lambda x: F.cross_entropy(x, al.tensor([-100, -100])),
        [[1.0, 2.0], [3.0, 4.0]],
        [[1, 1], [1, 1]],
    ),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("upstream", [NAN, INF, -INF])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_blocked_elements_get_exactly_zero(case, upstream, dtype):
    _, fn, values, blocked = case
    blocked = np.array(blocked, dtype=bool)
    g = grad_with(fn, t(values, dtype), upstream)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g[blocked], 0.0)
    assert not np.isfinite(g[~blocked]).any()  # where it flows, inf/NaN passes (as torch)


def test_relu_then_sqrt_is_zero_where_relu_blocks():
    x = t([-1.0, 2.0])
    al.relu(x).sqrt().sum().backward()
    np.testing.assert_allclose(x.grad._array, [0.0, 0.5 / np.sqrt(2.0)])


def test_adaptive_avg_pool2d_sums_each_window_on_its_own():
    x = t([[[[INF, 1.0, 1.0]]]], np.float32)
    y = F.adaptive_avg_pool2d(x, (1, 2))
    np.testing.assert_array_equal(y._array, [[[[INF, 1.0]]]])
    y.backward(al.tensor(np.array([[[[NAN, 1.0]]]], dtype=np.float32)))
    g = x.grad._array
    assert np.isnan(g[..., :2]).all() and g[0, 0, 0, 2] == 0.5  # position 2 is outside window 0


def test_adaptive_avg_pool2d_second_order_is_the_pooling_again():
    x = t(np.arange(15.0).reshape(1, 1, 3, 5))
    assert gradgradcheck(lambda a: F.adaptive_avg_pool2d(a, (2, 3)), x)


def test_masked_helper_selects_in_every_float_dtype():
    mask = np.array([False, True, True])
    for dtype in (np.float16, np.float32, np.float64):
        g = np.array([INF, NAN, -0.0], dtype=dtype)
        out = masked(numpy_namespace, g, mask)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, [0.0, NAN, -0.0])
        assert np.signbit(out[2]) and not np.signbit(out[0])
    np.testing.assert_array_equal(masked(numpy_namespace, np.float64(INF), mask), [0.0, INF, INF])


# ---- a NaN in a masked-out position must not poison a layer's weight gradient (torch trains on) ------
def test_linear_weight_gradient_stays_finite_behind_relu_sqrt():
    al.manual_seed(0)
    layer = nn.Linear(4, 3)
    x = al.tensor(np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32))
    h = layer(x)
    assert (h._array <= 0).any() and (h._array > 0).any()
    F.relu(h).sqrt().sum().backward()  # d sqrt at 0 is inf: relu must block it, not multiply it by 0
    assert np.isfinite(layer.weight.grad._array).all() and np.isfinite(layer.bias.grad._array).all()


def test_conv_weight_gradient_stays_finite_behind_clamp_and_pool():
    al.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = al.tensor(np.random.default_rng(1).standard_normal((2, 2, 6, 6)).astype(np.float32))
    h = F.max_pool2d(conv(x).clamp(min=0.0), 2)
    (h.sqrt() + F.adaptive_avg_pool2d(h, (2, 1)).sqrt().sum()).sum().backward()
    assert np.isfinite(conv.weight.grad._array).all() and np.isfinite(conv.bias.grad._array).all()


def test_ignored_targets_do_not_poison_the_weight_gradient():
    layer = nn.Linear(3, 4)
    x = al.tensor(np.ones((2, 3), dtype=np.float32))
    loss = F.cross_entropy(layer(x), al.tensor([-100, 2]), reduction="none")
    (loss.sqrt()).sum().backward()  # sqrt(0) at the ignored row sends inf into the loss's backward
    assert np.isfinite(layer.weight.grad._array).all()


def test_linear_weight_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(2).standard_normal((3, 4))
    x = np.random.default_rng(3).standard_normal((8, 4))
    wa = al.tensor(w, requires_grad=True)
    F.relu(F.linear(al.tensor(x), wa)).sqrt().sum().backward()
    wt = torch.tensor(w, requires_grad=True)
    torch.relu(torch.nn.functional.linear(torch.tensor(x), wt)).sqrt().sum().backward()
    np.testing.assert_allclose(wa.grad._array, wt.grad.numpy(), rtol=1e-12)


# ---- properties over random shapes -----------------------------------------------------------------
def _blocked_max_dim(x, dim):
    hit = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(hit, np.expand_dims(np.argmax(x, axis=dim), dim), True, axis=dim)
    return ~hit


# (fn, blocked(x) as a numpy mask, element options for values away from kinks and ties)
PROPERTY_OPS = {
    "relu": (al.relu, lambda x: x <= 0, {"min_magnitude": 0.1}),
    "leaky_relu_0": (lambda a: F.leaky_relu(a, 0.0), lambda x: x <= 0, {"min_magnitude": 0.1}),
    "clamp": (
        lambda a: al.clamp(a, -1.0625, 1.0625),
        lambda x: (x < -1.0625) | (x > 1.0625),
        {"separated": True, "min_value": -4.0, "max_value": 4.0},
    ),
    "hardtanh": (
        lambda a: F.hardtanh(a, -1.0625, 1.0625),
        lambda x: (x <= -1.0625) | (x >= 1.0625),
        {"separated": True, "min_value": -3.0, "max_value": 3.0},
    ),
    "relu6": (
        lambda a: F.relu6(a + 0.0625),
        lambda x: (x + 0.0625 <= 0) | (x + 0.0625 >= 6),
        {"separated": True, "min_value": -3.0, "max_value": 9.0},
    ),  # (multiples of 1/8: off the kinks)
    "where": (
        lambda a: al.where(a._array > 0, a, al.ones(a.shape, dtype=al.float64)),
        lambda x: ~(x > 0),
        {"min_magnitude": 0.1},
    ),
    "maximum": (
        lambda a: al.maximum(a, 0.5 * al.ones(a.shape, dtype=al.float64)),
        lambda x: x < 0.5,
        {"separated": True, "min_value": -3.0, "max_value": 3.0},
    ),
    "minimum": (
        lambda a: al.minimum(a, 0.5 * al.ones(a.shape, dtype=al.float64)),
        lambda x: x > 0.5,
        {"separated": True, "min_value": -3.0, "max_value": 3.0},
    ),
    "abs": (al.abs, lambda x: x == 0, {"min_magnitude": 0.1}),
    "max_dim": (lambda a: al.max(a, -1).values, lambda x: _blocked_max_dim(x, -1), {"separated": True}),
    "amax": (lambda a: al.amax(a, -1), lambda x: x != x.max(-1, keepdims=True), {"separated": True}),
    "index_put": (set_first, lambda x: np.indices(x.shape)[0] == 0, {}),
}


@pytest.mark.parametrize("name", sorted(PROPERTY_OPS))
@given(data=hs.data())
def test_property_masked_positions_get_zero_under_nonfinite_upstream(name, data):
    fn, blocked_of, options = PROPERTY_OPS[name]
    x = _draw_input(data, options)
    blocked = np.broadcast_to(blocked_of(x._array), x.shape)
    upstream = data.draw(hs.sampled_from([NAN, INF, -INF]))
    g = grad_with(fn, x, upstream)
    np.testing.assert_array_equal(g[blocked], 0.0)
    assert not np.isfinite(g[~blocked]).any()


@pytest.mark.parametrize("name", sorted(PROPERTY_OPS))
@given(data=hs.data())
def test_property_gradcheck_still_passes(name, data):
    fn, _, options = PROPERTY_OPS[name]
    assert gradcheck(fn, _draw_input(data, options))


def _draw_input(data, options):
    """A tensor of 1 to 3 dims for a PROPERTY_OPS entry (distinct values where its options ask)."""
    shape = data.draw(st.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    return data.draw(st.tensors(shape, unique=options.get("separated", False), **options))


@given(data=hs.data())
def test_property_pooling_blocks_nonfinite_upstream(data):
    n, c = data.draw(hs.integers(1, 2)), data.draw(hs.integers(1, 2))
    h, w = data.draw(hs.integers(2, 6)), data.draw(hs.integers(2, 6))
    x = data.draw(st.tensors((n, c, h, w), unique=True, separated=True))
    out = (data.draw(hs.integers(1, h)), data.draw(hs.integers(1, w)))
    y = F.adaptive_avg_pool2d(x, out)
    up = np.ones(y.shape)
    up.flat[0] = NAN
    y.backward(al.tensor(up))
    # exactly the first window's positions are NaN; every other gradient is finite
    h_end, w_end = -(-h // out[0]), -(-w // out[1])
    poisoned = np.zeros(x.shape, dtype=bool)
    poisoned[0, 0, :h_end, :w_end] = True
    np.testing.assert_array_equal(np.isnan(x.grad._array), poisoned)
    assert gradcheck(lambda a: F.adaptive_avg_pool2d(a, out), x)


@pytest.mark.parametrize("fn", [lambda a: F.elu(a, 0.7), lambda a: F.softplus(a, 2.0, 3.3)], ids=["elu", "softplus"])
@given(data=hs.data())
def test_property_elu_softplus_gradients_of_two_orders(fn, data):
    shape = data.draw(st.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(st.tensors(shape, min_value=-4.0, max_value=4.0, min_magnitude=0.1))
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@given(data=hs.data())
def test_property_ignored_targets_get_zero_under_nonfinite_upstream(loss, data):
    n, c = data.draw(hs.integers(1, 5)), data.draw(hs.integers(1, 4))
    x = data.draw(st.tensors((n, c), min_value=-5.0, max_value=5.0))
    ignored = np.array(data.draw(hs.lists(hs.booleans(), min_size=n, max_size=n)))
    target = np.where(ignored, -100, np.array(data.draw(hs.lists(hs.integers(0, c - 1), min_size=n, max_size=n))))
    fn = getattr(F, loss)
    y = fn(x, al.tensor(target), reduction="none")
    y.backward(al.tensor(np.full(n, data.draw(hs.sampled_from([NAN, INF, -INF])))))
    np.testing.assert_array_equal(x.grad._array[ignored], 0.0)
    assert gradcheck(lambda a: fn(a, al.tensor(target), reduction="sum"), x)


@pytest.mark.parametrize("reduce", ["max", "min"])
@given(data=hs.data())
def test_property_full_max_min_blocks_all_but_the_extremes(reduce, data):
    shape = data.draw(st.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(st.tensors(shape, unique=True, separated=True))
    fn = getattr(al, reduce)
    g = grad_with(fn, x, data.draw(hs.sampled_from([NAN, INF])))
    extreme = x._array == getattr(np, reduce)(x._array)
    np.testing.assert_array_equal(g[~extreme], 0.0)
    assert not np.isfinite(g[extreme]).any()
    assert gradcheck(fn, x)


def test_sign_records_with_gradient_exactly_zero_as_torch():
    x = al.tensor([1.0, float("nan"), 0.0, -3.0], requires_grad=True)
    y = al.sign(x)
    assert y.requires_grad and y.tolist()[0] == 1.0 and y.tolist()[1:] == [0.0, 0.0, -1.0]
    y.backward(al.tensor([np.inf, np.nan, 1.0, 1.0]))
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
