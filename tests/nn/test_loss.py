"""Losses (nn.functional and the nn loss modules), without torch: first and second derivatives by finite
differences over hypothesis-drawn shapes and options, hand-computed values, numerical stability, errors,
dtypes, the modules, and Nielsen's quadratic and cross-entropy costs."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite.testing import gradcheck, gradgradcheck

REDUCTIONS = ["mean", "sum", "none"]


def t64(values, requires_grad=True):
    return al.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def const(values):
    return al.tensor(np.asarray(values))


def value(t):
    return np.asarray(t.detach().numpy())


def grads(loss, *inputs):
    """d(sum of loss)/d(inputs) as numpy arrays."""
    outs = al.grad(al.sum(loss), list(inputs))
    return [np.asarray(g._array) for g in outs]


def log_softmax_np(x, axis):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def reduce_np(loss, reduction, divisor=None):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (loss.size if divisor is None else divisor)


# ---- hypothesis: classification problems -----------------------------------------------------------


@hs.composite
def class_problems(draw, max_batch=3, max_classes=4, allow_unbatched=True):
    """An input shape with its class axis, integer targets (some ignored) and options."""
    n_classes = draw(hs.integers(1, max_classes))
    unbatched = allow_unbatched and draw(hs.booleans()) and draw(hs.booleans())
    if unbatched:
        shape, axis = (n_classes,), 0
    else:
        batch = draw(hs.integers(1, max_batch))
        spatial = tuple(draw(hs.lists(hs.integers(1, 2), max_size=2)))
        shape, axis = (batch, n_classes) + spatial, 1
    x = draw(hs.lists(hs.floats(-4, 4), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    target_shape = shape[:axis] + shape[axis + 1 :]
    size = int(np.prod(target_shape))
    ignore_index = draw(hs.sampled_from([-100, 0, n_classes - 1, 7]))
    target = draw(hs.lists(hs.integers(0, n_classes - 1), min_size=size, max_size=size))
    target = np.asarray(target, dtype=np.int64).reshape(target_shape)
    if size and draw(hs.booleans()):  # make sure an ignored target appears
        target.flat[0] = ignore_index if ignore_index >= 0 else target.flat[0]
    weight = None
    if draw(hs.booleans()):
        weight = np.asarray(draw(hs.lists(hs.floats(0.2, 2.0), min_size=n_classes, max_size=n_classes)))
    return {
        "x": np.asarray(x, dtype=np.float64).reshape(shape),
        "target": target,
        "weight": weight,
        "ignore_index": ignore_index,
        "reduction": draw(hs.sampled_from(REDUCTIONS)),
        "label_smoothing": draw(hs.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0])),
        "axis": axis,
    }


def _ce_kwargs(p, smoothing=True):
    kw = {
        "weight": None if p["weight"] is None else const(p["weight"]),
        "ignore_index": p["ignore_index"],
        "reduction": p["reduction"],
    }
    if smoothing:
        kw["label_smoothing"] = p["label_smoothing"]
    return kw


def _all_ignored(p):
    return not np.any(p["target"] != p["ignore_index"])


@given(class_problems())
def test_cross_entropy_class_indices_gradcheck(p):
    x = t64(p["x"])
    fn = lambda x: F.cross_entropy(x, const(p["target"]), **_ce_kwargs(p))  # noqa: E731
    if p["reduction"] == "mean" and _all_ignored(p):
        assert np.isnan(fn(x).item())  # a mean over no target: NaN, as torch (gradient 0)
        assert np.all(grads(fn(x), x)[0] == 0)
        return
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@given(class_problems())
def test_cross_entropy_class_indices_matches_numpy(p):
    x, target, axis, eps = p["x"], p["target"], p["axis"], p["label_smoothing"]
    n_classes = x.shape[axis]
    w = np.ones(n_classes) if p["weight"] is None else p["weight"]
    keep = target != p["ignore_index"]
    idx = np.where(keep, target, 0)
    lsm = log_softmax_np(x, axis)
    w_shape = (n_classes,) + (1,) * (x.ndim - axis - 1)
    nll = -np.squeeze(np.take_along_axis(lsm, np.expand_dims(idx, axis), axis), axis) * w[idx]
    smooth = -(lsm * w.reshape(w_shape)).sum(axis)
    per = np.where(keep, (1 - eps) * nll + eps / n_classes * smooth, 0.0)
    expected = reduce_np(per, p["reduction"], divisor=(w[idx] * keep).sum())
    with np.errstate(invalid="ignore"):
        got = value(F.cross_entropy(t64(x, False), const(target), **_ce_kwargs(p)))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(class_problems(), hs.booleans())
def test_cross_entropy_probability_targets_gradcheck(p, target_requires_grad):
    rng = np.random.default_rng(0)
    probs = rng.random(p["x"].shape)
    probs /= probs.sum(axis=p["axis"], keepdims=True)
    x, target = t64(p["x"]), t64(probs, target_requires_grad)
    weight = None if p["weight"] is None else const(p["weight"])

    def fn(x, target):
        return F.cross_entropy(x, target, weight=weight, reduction=p["reduction"], label_smoothing=p["label_smoothing"])

    assert gradcheck(fn, (x, target))
    assert gradgradcheck(fn, (x, target))


@given(class_problems(allow_unbatched=True))
def test_nll_loss_gradcheck(p):
    x = t64(log_softmax_np(p["x"], p["axis"]))
    fn = lambda x: F.nll_loss(x, const(p["target"]), **_ce_kwargs(p, smoothing=False))  # noqa: E731
    if p["reduction"] == "mean" and _all_ignored(p):
        assert np.isnan(fn(x).item())
        return
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@given(
    hs.lists(hs.integers(1, 3), min_size=0, max_size=3).map(tuple),
    hs.sampled_from(REDUCTIONS),
    hs.booleans(),
    hs.booleans(),
)
def test_binary_cross_entropy_gradcheck(shape, reduction, weighted, target_requires_grad):
    rng = np.random.default_rng(len(shape))
    x = t64(rng.uniform(0.05, 0.95, shape))
    target = t64(rng.random(shape), target_requires_grad)
    weight = const(rng.uniform(0.5, 2.0, shape[-1:])) if weighted else None
    fn = lambda x, t: F.binary_cross_entropy(x, t, weight=weight, reduction=reduction)  # noqa: E731
    assert gradcheck(fn, (x, target))
    assert gradgradcheck(fn, (x, target))


@given(
    hs.lists(hs.integers(1, 3), min_size=1, max_size=3).map(tuple),
    hs.sampled_from(REDUCTIONS),
    hs.booleans(),
    hs.booleans(),
    hs.booleans(),
)
def test_binary_cross_entropy_with_logits_gradcheck(shape, reduction, weighted, pos_weighted, target_requires_grad):
    rng = np.random.default_rng(len(shape))
    x = t64(rng.uniform(-6, 6, shape))
    target = t64(rng.random(shape), target_requires_grad)
    weight = const(rng.uniform(0.5, 2.0, shape)) if weighted else None
    pos_weight = const(rng.uniform(0.5, 3.0, shape[-1:])) if pos_weighted else None

    def fn(x, t):
        return F.binary_cross_entropy_with_logits(x, t, weight=weight, reduction=reduction, pos_weight=pos_weight)

    assert gradcheck(fn, (x, target))
    assert gradgradcheck(fn, (x, target))


@given(
    hs.lists(hs.integers(1, 3), min_size=0, max_size=3).map(tuple),
    hs.sampled_from(REDUCTIONS),
    hs.sampled_from([F.mse_loss, F.l1_loss]),
    hs.booleans(),
)
def test_regression_losses_gradcheck(shape, reduction, loss, weighted):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    target = x + rng.choice([-1, 1], shape) * rng.uniform(0.1, 1.0, shape)  # away from l1's kink
    weight = const(rng.uniform(0.5, 2.0, shape)) if weighted else None
    fn = lambda x, t: loss(x, t, reduction=reduction, weight=weight)  # noqa: E731
    assert gradcheck(fn, (t64(x), t64(target)))
    assert gradgradcheck(fn, (t64(x), t64(target)))


def _option_cases():
    """Every loss with its options on, as (id, fn(x, target), x, target, target differentiable)."""
    rng = np.random.default_rng(10)
    logits, probs, soft = rng.standard_normal((3, 4, 2)), rng.uniform(0.1, 0.9, (3, 4)), rng.random((3, 4))
    classes = np.array([[0, 3], [1, -100], [2, 2]])
    w4 = const(rng.random(4) + 0.5)
    return [
        ("mse_weighted", lambda x, t: F.mse_loss(x, t, weight=const(soft + 0.5)), probs, soft, True),
        ("l1", lambda x, t: F.l1_loss(x, t, reduction="sum"), probs, soft, True),
        (
            "ce_all_options",
            lambda x, t: F.cross_entropy(x, t, weight=w4, ignore_index=-100, label_smoothing=0.3),
            logits,
            classes,
            False,
        ),
        ("ce_none", lambda x, t: F.cross_entropy(x, t, reduction="none", label_smoothing=0.1), logits, classes, False),
        (
            "ce_probs",
            lambda x, t: F.cross_entropy(x, t, weight=w4, label_smoothing=0.2),
            logits,
            rng.dirichlet(np.ones(4), (3, 2)).transpose(0, 2, 1),
            True,
        ),
        ("nll", lambda x, t: F.nll_loss(x, t, weight=w4, reduction="sum"), logits, classes, False),
        ("bce", lambda x, t: F.binary_cross_entropy(x, t, weight=const(rng.random(4))), probs, soft, True),
        (
            "bce_logits",
            lambda x, t: F.binary_cross_entropy_with_logits(
                x, t, weight=const(rng.random(4)), pos_weight=w4, reduction="none"
            ),
            probs * 6 - 3,
            soft,
            True,
        ),
        ("bce_logits_plain", lambda x, t: F.binary_cross_entropy_with_logits(x, t), probs * 6 - 3, soft, True),
    ]


@pytest.mark.parametrize("case", _option_cases(), ids=[c[0] for c in _option_cases()])
def test_create_graph_gradient_equals_plain_gradient(case):
    """The vjps run on tensors under create_graph: the first derivative they give must be the plain one
    (gradgradcheck checks the derivative of that gradient, not its value)."""
    name, fn, x, target, target_grad = case
    inputs = [t64(x), t64(target, target_grad) if target.dtype.kind == "f" else const(target)]
    wrt = inputs if target_grad else inputs[:1]
    loss = fn(*inputs)
    seed = t64(np.random.default_rng(11).standard_normal(loss.shape), False)
    plain = al.grad(loss, wrt, grad_outputs=seed, retain_graph=True)
    graph = al.grad(loss, wrt, grad_outputs=seed, create_graph=True)
    if name not in ("l1", "nll"):  # those are linear in x: their gradient is a constant
        assert all(g.requires_grad for g in graph)
    for p, g in zip(plain, graph):
        np.testing.assert_allclose(value(g), value(p), rtol=1e-13, atol=1e-15)


# ---- hand-computed values ------------------------------------------------------------------------------


def test_cross_entropy_by_hand():
    x = t64([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    loss = F.cross_entropy(x, const([2, 0]))
    lse = math.log(math.e + math.e**2 + math.e**3)
    expected = ((lse - 3.0) + math.log(3.0)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-14)
    loss.backward()
    p = np.exp(np.array([1.0, 2.0, 3.0]) - lse)
    np.testing.assert_allclose(x.grad.numpy(), [(p - [0, 0, 1]) / 2, (np.full(3, 1 / 3) - [1, 0, 0]) / 2], rtol=1e-13)


def test_cross_entropy_weighted_mean_divides_by_target_weights():
    x = t64([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    loss = F.cross_entropy(x, const([0, 1, 1]), weight=const([1.0, 3.0]))
    # every sample has loss ln 2; weights 1, 3, 3; mean = (1 + 3 + 3) ln 2 / (1 + 3 + 3)
    assert loss.item() == pytest.approx(math.log(2), rel=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-1 / 14, 1 / 14], [3 / 14, -3 / 14], [3 / 14, -3 / 14]], rtol=1e-13)
    per = F.cross_entropy(t64([[0.0, 1.0], [0.0, 1.0]]), const([0, 1]), weight=const([2.0, 0.5]), reduction="none")
    np.testing.assert_allclose(
        per.detach().numpy(), [2 * math.log(1 + math.e), 0.5 * (math.log(1 + math.e) - 1)], rtol=1e-14
    )


def test_cross_entropy_ignore_index_and_label_smoothing_by_hand():
    x = t64([[2.0, 0.0, -1.0], [5.0, 5.0, 5.0]])
    loss = F.cross_entropy(x, const([0, 1]), ignore_index=1, label_smoothing=0.3)
    lsm = log_softmax_np(np.array([2.0, 0.0, -1.0]), 0)
    expected = 0.7 * -lsm[0] + 0.3 / 3 * -lsm.sum()  # the second sample is ignored (divisor 1)
    assert loss.item() == pytest.approx(expected, rel=1e-14)
    loss.backward()
    soft = np.array([0.7 + 0.1, 0.1, 0.1])
    np.testing.assert_allclose(x.grad.numpy(), [np.exp(lsm) - soft, [0, 0, 0]], atol=1e-15)


def test_cross_entropy_probability_target_by_hand():
    x = t64([[0.0, math.log(3.0)]])  # softmax (1/4, 3/4)
    target = t64([[0.5, 0.5]])
    loss = F.cross_entropy(x, target)
    assert loss.item() == pytest.approx(-(0.5 * math.log(0.25) + 0.5 * math.log(0.75)), rel=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.25 - 0.5, 0.75 - 0.5]], atol=1e-15)
    np.testing.assert_allclose(target.grad.numpy(), [[-math.log(0.25), -math.log(0.75)]], rtol=1e-14)


def test_cross_entropy_unbatched_and_spatial_shapes():
    logits = np.array([0.5, -1.0, 2.0])
    one = F.cross_entropy(t64(logits), const(2))
    assert one.shape == () and one.item() == pytest.approx(-log_softmax_np(logits, 0)[2], rel=1e-14)
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    target = np.random.default_rng(2).integers(0, 3, (2, 4, 5))
    per = F.cross_entropy(t64(x), const(target), reduction="none")
    assert per.shape == (2, 4, 5)
    # the same as moving the class dim last and flattening
    flat = F.cross_entropy(t64(np.moveaxis(x, 1, -1).reshape(-1, 3)), const(target.reshape(-1)), reduction="none")
    np.testing.assert_allclose(value(per).reshape(-1), value(flat), rtol=1e-14)
    # class probabilities over spatial dims: the mean is over the N * d1 * d2 positions
    probs = np.random.default_rng(3).dirichlet(np.ones(3), (2, 4, 5)).transpose(0, 3, 1, 2)
    per = F.cross_entropy(t64(x), t64(probs, False), reduction="none")
    assert per.shape == (2, 4, 5)
    np.testing.assert_allclose(value(per), -(log_softmax_np(x, 1) * probs).sum(1), rtol=1e-13)
    mean = F.cross_entropy(t64(x), t64(probs, False))
    assert mean.item() == pytest.approx(value(per).mean(), rel=1e-13)


def test_nll_loss_by_hand():
    logp = t64([[-0.5, -1.2, -2.0], [-0.1, -3.0, -4.0], [-1.0, -1.0, -1.0]])
    loss = F.nll_loss(logp, const([1, 0, 2]), weight=const([1.0, 2.0, 4.0]), ignore_index=2)
    assert loss.item() == pytest.approx((2 * 1.2 + 1 * 0.1) / 3, rel=1e-14)
    loss.backward()
    np.testing.assert_allclose(logp.grad.numpy(), [[0, -2 / 3, 0], [-1 / 3, 0, 0], [0, 0, 0]], atol=1e-16)
    none = F.nll_loss(t64([[-0.5, -1.5]]), const([1]), reduction="none")
    assert none.shape == (1,) and none.item() == 1.5


def test_nll_loss_after_log_softmax_equals_cross_entropy():
    x = np.random.default_rng(3).standard_normal((4, 5))
    target = const([0, 4, 2, 2])
    via_nll = F.nll_loss(F.log_softmax(t64(x), 1), target)
    fused = F.cross_entropy(t64(x), target)
    assert via_nll.item() == pytest.approx(fused.item(), rel=1e-14)


def test_binary_cross_entropy_by_hand():
    x = t64([0.5, 0.9, 0.0, 1.0])
    t = t64([1.0, 0.0, 1.0, 1.0], requires_grad=False)
    per = F.binary_cross_entropy(x, t, reduction="none")
    # ln 2, -ln 0.1, the log clamped at -100 (as torch), 0
    np.testing.assert_allclose(per.detach().numpy(), [math.log(2), -math.log(0.1), 100.0, 0.0], rtol=1e-14)
    al.sum(per).backward()
    # (x - t) / max(x (1 - x), eps), as torch, whose eps is the float constant 1e-12f even in float64
    eps = float(np.float32(1e-12))
    np.testing.assert_allclose(x.grad.numpy(), [-2.0, 0.9 / 0.09, -1 / eps, 0.0], rtol=1e-12)
    weighted = F.binary_cross_entropy(t64([0.5, 0.5]), const([1.0, 0.0]), weight=const([1.0, 3.0]))
    assert weighted.item() == pytest.approx((1 + 3) * math.log(2) / 2, rel=1e-14)


def test_binary_cross_entropy_with_logits_by_hand():
    x = t64([0.0, 2.0, -1.0])
    t = const([1.0, 0.0, 1.0])
    per = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=const([3.0, 3.0, 3.0]))
    sig = 1 / (1 + np.exp(-np.array([0.0, 2.0, -1.0])))
    expected = [-3 * math.log(0.5), -math.log(1 - sig[1]), -3 * math.log(sig[2])]
    np.testing.assert_allclose(per.detach().numpy(), expected, rtol=1e-14)
    al.sum(per).backward()
    # d/dx = (1 - t) - pos_weight * t * sigmoid(-x)
    np.testing.assert_allclose(x.grad.numpy(), [-1.5, sig[1], -3 * (1 - sig[2])], rtol=1e-13)
    plain = F.binary_cross_entropy_with_logits(t64([0.0, 2.0]), const([1.0, 0.25]))
    expected = (math.log(2) + (0.75 * 2.0 + math.log1p(math.exp(-2.0)))) / 2
    assert plain.item() == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_with_logits_equals_bce_of_sigmoid():
    rng = np.random.default_rng(4)
    z, y, w = rng.uniform(-5, 5, (3, 4)), rng.random((3, 4)), rng.random(4)
    for weight in (None, const(w)):
        a = F.binary_cross_entropy_with_logits(t64(z), const(y), weight=weight, reduction="sum")
        b = F.binary_cross_entropy(al.sigmoid(t64(z)), const(y), weight=weight, reduction="sum")
        assert a.item() == pytest.approx(b.item(), rel=1e-12)


def test_mse_and_l1_by_hand():
    x, y = t64([1.0, 2.0, 4.0]), const([1.5, 2.0, 1.0])
    assert F.mse_loss(x, y).item() == pytest.approx((0.25 + 0 + 9) / 3, rel=1e-15)
    assert F.mse_loss(x, y, reduction="sum").item() == pytest.approx(9.25, rel=1e-15)
    np.testing.assert_allclose(F.l1_loss(x, y, reduction="none").detach().numpy(), [0.5, 0.0, 3.0])
    F.l1_loss(x, y).backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1 / 3, 0.0, 1 / 3])  # sign, 0 where equal (as torch)
    weighted = F.mse_loss(t64([1.0, 3.0]), const([0.0, 0.0]), weight=const([1.0, 3.0]))
    assert weighted.item() == pytest.approx((1 + 27) / 4, rel=1e-15)


def test_one_hot():
    out = F.one_hot(const([0, 2, 1]))
    assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    out = F.one_hot(const([[1], [3]]), num_classes=5)
    assert out.shape == (2, 1, 5)
    np.testing.assert_array_equal(out.numpy()[:, 0], [[0, 1, 0, 0, 0], [0, 0, 0, 1, 0]])
    assert F.one_hot(al.tensor(np.zeros(0, dtype=np.int64)), 3).shape == (0, 3)


def test_one_hot_target_as_probabilities_equals_index_target():
    x = np.random.default_rng(5).standard_normal((4, 3))
    target = const([2, 0, 1, 2])
    soft = F.one_hot(target, 3).double()
    for eps in (0.0, 0.2):
        a = F.cross_entropy(t64(x), target, label_smoothing=eps)
        b = F.cross_entropy(t64(x), soft, label_smoothing=eps)
        assert a.item() == pytest.approx(b.item(), rel=1e-13)


# ---- stability ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_huge_logits(dtype):
    x = al.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype), requires_grad=True)
    loss = F.cross_entropy(x, const([1, 2]), reduction="sum")
    assert np.isfinite(loss.item())
    assert loss.item() == pytest.approx(2e4 + math.log(3), rel=1e-6)
    loss.backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [[1, -1, 0], [1 / 3, 1 / 3, -2 / 3]], atol=1e-6)
    smoothed = F.cross_entropy(al.tensor(np.array([[1e4, -1e4]], dtype=dtype)), const([0]), label_smoothing=0.1)
    assert smoothed.item() == pytest.approx(0.05 * 2e4, rel=1e-6)


def test_cross_entropy_with_a_minus_inf_logit_at_another_class():
    x = t64([[0.0, -np.inf, 1.0]])
    loss = F.cross_entropy(x, const([0]))
    assert loss.item() == pytest.approx(math.log(1 + math.e), rel=1e-14)
    loss.backward()
    assert np.all(np.isfinite(x.grad.numpy())) and x.grad.numpy()[0, 1] == 0
    assert F.nll_loss(t64([[-0.5, -np.inf]]), const([0])).item() == 0.5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_huge_logits(dtype):
    x = al.tensor(np.array([1e4, -1e4, 1e4, -1e4, 40.0], dtype=dtype), requires_grad=True)
    t = al.tensor(np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype))
    per = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(per.detach().numpy(), [1e4, 1e4, 0.0, 0.0, math.exp(-40)], rtol=1e-6, atol=0)
    al.sum(per).backward()
    # sigmoid(x) - t, as torch: at x = 40 it rounds to 0 (the exact value is -4e-18)
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, 0.0, 0.0, -math.exp(-40)], rtol=1e-6, atol=1e-12)
    pw = F.binary_cross_entropy_with_logits(x, t, pos_weight=al.tensor(np.full(5, 2.0, dtype)), reduction="sum")
    assert np.isfinite(pw.item()) and pw.item() == pytest.approx(1e4 + 2e4, rel=1e-6)


def test_bce_at_saturated_probabilities_is_finite():
    x = t64([0.0, 1.0, 1e-30])
    loss = F.binary_cross_entropy(x, const([0.0, 1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 0.0, 30 * math.log(10)], rtol=1e-12)
    al.sum(loss).backward()
    assert np.all(np.isfinite(x.grad.numpy()))


# ---- reductions, dtypes, empties -------------------------------------------------------------------


def _all_losses():
    rng = np.random.default_rng(6)
    logits, probs = rng.standard_normal((3, 4)), rng.uniform(0.1, 0.9, (3, 4))
    soft = rng.random((3, 4))
    return [
        ("mse_loss", F.mse_loss, logits, soft),
        ("l1_loss", F.l1_loss, logits, soft),
        ("cross_entropy", F.cross_entropy, logits, np.array([0, 3, 1])),
        ("cross_entropy_probs", F.cross_entropy, logits, soft / soft.sum(1, keepdims=True)),
        ("nll_loss", F.nll_loss, log_softmax_np(logits, 1), np.array([0, 3, 1])),
        ("binary_cross_entropy", F.binary_cross_entropy, probs, soft),
        ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, logits, soft),
    ]


@pytest.mark.parametrize("name,loss,x,target", _all_losses(), ids=[c[0] for c in _all_losses()])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_stays_float32(name, loss, x, target, reduction):
    x32 = al.tensor(x.astype(np.float32), requires_grad=True)
    target = al.tensor(target.astype(np.float32) if target.dtype.kind == "f" else target)
    out = loss(x32, target, reduction=reduction)
    assert out.dtype == np.float32
    al.sum(out).backward()
    assert x32.grad.dtype == np.float32
    ref = loss(
        al.tensor(x),
        al.tensor(target.numpy().astype(np.float64) if target.dtype.kind == "f" else target.numpy()),
        reduction=reduction,
    )
    np.testing.assert_allclose(value(out), value(ref), rtol=1e-5, atol=1e-6)
    per_sample = name.startswith(("cross_entropy", "nll_loss"))  # the class dim is reduced away
    assert out.shape == (() if reduction != "none" else x.shape[:1] if per_sample else x.shape)


@pytest.mark.parametrize("name,loss,x,target", _all_losses(), ids=[c[0] for c in _all_losses()])
def test_invalid_reduction(name, loss, x, target):
    with pytest.raises(
        ValueError,
        match=rf"{name.replace('_probs', '')}.*'avg' is not a valid value for "
        "reduction",
    ):
        loss(al.tensor(x), al.tensor(target), reduction="avg")


def test_legacy_size_average_and_reduce():
    x, y = t64([1.0, 3.0]), const([0.0, 0.0])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.mse_loss(x, y, size_average=False).item() == 10.0
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert F.mse_loss(x, y, reduce=False).shape == (2,)
    with pytest.warns(UserWarning):
        assert nn.CrossEntropyLoss(size_average=False).reduction == "sum"


def test_mean_over_nothing_is_nan_with_zero_gradient():
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    with np.errstate(invalid="ignore"):
        loss = F.cross_entropy(x, const([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 2)))
    assert F.cross_entropy(x, const([-100, -100]), reduction="sum").item() == 0.0
    empty = al.tensor(np.zeros((0, 3)), requires_grad=True)
    assert np.isnan(F.cross_entropy(empty, al.tensor(np.zeros(0, np.int64))).item())
    assert np.isnan(F.nll_loss(empty, al.tensor(np.zeros(0, np.int64))).item())
    assert np.isnan(F.cross_entropy(empty, al.tensor(np.zeros((0, 3)))).item())


# ---- errors -------------------------------------------------------------------------------------------


def test_cross_entropy_target_errors():
    x = t64(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"cross_entropy.*\(3,\).*\(3, 4\).*shape \(3, 5\).*\(3, 4\)"):
        F.cross_entropy(x, t64(np.full((3, 5), 0.2), False))  # probabilities of the wrong shape
    with pytest.raises(ValueError, match=r"cross_entropy.*shape \(2,\) and dtype int64.*\(3, 4\)"):
        F.cross_entropy(x, const([0, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy.*dtype float64"):
        F.cross_entropy(x, t64([0.0, 1.0, 2.0], False))  # float class indices
    with pytest.raises(IndexError, match=r"cross_entropy: target 4 is out of bounds for 4 classes"):
        F.cross_entropy(x, const([0, 4, 1]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds"):
        F.cross_entropy(x, const([0, -1, 1]))
    assert np.isfinite(F.cross_entropy(x, const([0, -1, 1]), ignore_index=-1).item())
    with pytest.raises(ValueError, match=r"cross_entropy: weight must have one entry per class.*\(4,\).*\(3,\)"):
        F.cross_entropy(x, const([0, 1, 1]), weight=const([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0, got 1.5"):
        F.cross_entropy(x, const([0, 1, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="weight cannot require grad"):
        F.cross_entropy(x, const([0, 1, 1]), weight=t64([1.0, 1, 1, 1]))
    with pytest.raises(TypeError, match="cross_entropy: input must be a floating point tensor"):
        F.cross_entropy(const([[1, 2]]), const([0]))
    with pytest.raises(ValueError, match="cross_entropy: input must have a class dimension"):
        F.cross_entropy(t64(1.0), const(0))


def test_nll_loss_errors():
    with pytest.raises(IndexError, match=r"nll_loss: target 3 is out of bounds for 3 classes"):
        F.nll_loss(t64(np.zeros((2, 3))), const([3, 0]))
    with pytest.raises(
        ValueError,
        match=r"nll_loss: expected a target of class indices .*\(2,\); got a target "
        r"of shape \(2, 3\)",
    ):
        F.nll_loss(t64(np.zeros((2, 3))), t64(np.zeros((2, 3)), False))


def test_binary_losses_errors():
    with pytest.raises(
        ValueError,
        match=r"binary_cross_entropy: all elements of input should be between 0 "
        r"and 1.*found 1.5",
    ):
        F.binary_cross_entropy(t64([0.5, 1.5]), const([1.0, 0.0]))
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(t64([0.5]), const([2.0]))
    with pytest.raises(
        ValueError,
        match=r"binary_cross_entropy: target shape \(2,\) must be the same as the "
        r"input shape \(1,\)",
    ):
        F.binary_cross_entropy(t64([0.5]), const([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target shape \(2, 1\).*\(2,\)"):
        F.binary_cross_entropy_with_logits(t64([0.5, 1.0]), const([[1.0], [0.0]]))
    with pytest.raises(
        ValueError,
        match=r"pos_weight of shape \(3,\) does not broadcast to the input shape "
        r"\(2, 2\)",
    ):
        F.binary_cross_entropy_with_logits(
            t64(np.zeros((2, 2))), const(np.zeros((2, 2))), pos_weight=const([1.0, 2.0, 3.0])
        )
    with pytest.raises(RuntimeError, match="pos_weight cannot require grad"):
        F.binary_cross_entropy_with_logits(t64([0.0]), const([1.0]), pos_weight=t64([2.0]))


def test_regression_shape_mismatch_is_an_error():
    # torch broadcasts (N, 1) against (N,) with a warning; autograd_lite refuses
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(3, 1\) and target shape \(3,\) differ"):
        F.mse_loss(t64(np.zeros((3, 1))), const(np.zeros(3)))
    with pytest.raises(ValueError, match=r"l1_loss: input shape \(2,\) and target shape \(3,\) differ"):
        F.l1_loss(t64(np.zeros(2)), const(np.zeros(3)))
    with pytest.raises(ValueError, match=r"mse_loss: weight shape \(1,\) must equal the input shape \(2,\)"):
        F.mse_loss(t64(np.zeros(2)), const(np.zeros(2)), weight=const([1.0]))


def test_one_hot_errors():
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(const([0, -1]))
    with pytest.raises(ValueError, match="smaller than num_classes=2"):
        F.one_hot(const([0, 3]), 2)
    with pytest.raises(TypeError, match="integer tensor of class indices, got dtype float64"):
        F.one_hot(t64([0.0, 1.0], False))
    with pytest.raises(ValueError, match="empty tensor"):
        F.one_hot(al.tensor(np.zeros(0, dtype=np.int64)))


# ---- modules -----------------------------------------------------------------------------------------


def test_modules_call_the_functions():
    rng = np.random.default_rng(7)
    x, probs, soft = rng.standard_normal((3, 4)), rng.uniform(0.1, 0.9, (3, 4)), rng.random((3, 4))
    target, w, pw = const([0, 3, 1]), const(rng.random(4) + 0.5), const(rng.random(4) + 0.5)
    pairs = [
        (nn.MSELoss(reduction="sum")(t64(x), const(soft)), F.mse_loss(t64(x), const(soft), reduction="sum")),
        (nn.L1Loss()(t64(x), const(soft)), F.l1_loss(t64(x), const(soft))),
        (
            nn.CrossEntropyLoss(w, ignore_index=3, label_smoothing=0.2)(t64(x), target),
            F.cross_entropy(t64(x), target, w, ignore_index=3, label_smoothing=0.2),
        ),
        (nn.NLLLoss(w, reduction="none")(t64(x), target), F.nll_loss(t64(x), target, w, reduction="none")),
        (nn.BCELoss(w)(t64(probs), const(soft)), F.binary_cross_entropy(t64(probs), const(soft), w)),
        (
            nn.BCEWithLogitsLoss(w, pos_weight=pw)(t64(x), const(soft)),
            F.binary_cross_entropy_with_logits(t64(x), const(soft), w, pos_weight=pw),
        ),
    ]
    for module_out, function_out in pairs:
        np.testing.assert_array_equal(module_out.detach().numpy(), function_out.detach().numpy())


def test_module_buffers_state_dict_and_repr():
    ce = nn.CrossEntropyLoss(weight=al.tensor([1.0, 2.0]), ignore_index=1, label_smoothing=0.1)
    assert [name for name, _ in ce.named_buffers()] == ["weight"]
    assert list(ce.state_dict()) == ["weight"] and list(ce.parameters()) == []
    assert (ce.ignore_index, ce.label_smoothing, ce.reduction) == (1, 0.1, "mean")
    assert repr(ce) == "CrossEntropyLoss()"  # torch's losses show no arguments
    bce = nn.BCEWithLogitsLoss(pos_weight=[1.0, 3.0])
    assert list(bce.state_dict()) == ["pos_weight"] and bce.weight is None
    assert bce.pos_weight.dtype == np.float32
    bce.double()
    assert bce.pos_weight.dtype == np.float64
    assert list(nn.MSELoss().state_dict()) == [] and repr(nn.MSELoss()) == "MSELoss()"
    assert nn.NLLLoss().weight is None and nn.NLLLoss().ignore_index == -100
    with pytest.raises(ValueError, match="MSELoss: 'elementwise' is not a valid value for reduction"):
        nn.MSELoss(reduction="elementwise")
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        loss = nn.L1Loss()
        loss.reduction = "avg"
        loss(t64([1.0]), const([0.0]))
    import nn.modules.loss as module_file
    import nn._functional.loss as function_file

    assert all(getattr(nn, name) is getattr(module_file, name) for name in module_file.__all__)
    assert set(module_file.__all__) == {
        "MSELoss",
        "L1Loss",
        "CrossEntropyLoss",
        "NLLLoss",
        "BCELoss",
        "BCEWithLogitsLoss",
        "SmoothL1Loss",
        "HuberLoss",
        "KLDivLoss",
    }
    assert all(hasattr(F, name) for name in function_file.__all__)
    assert al.nn.CrossEntropyLoss is nn.CrossEntropyLoss


def test_module_trains_a_softmax_classifier():
    """A few steps of gradient descent with CrossEntropyLoss lower the loss (the loss is usable as is)."""
    rng = np.random.default_rng(8)
    x = al.tensor(rng.standard_normal((32, 5)).astype(np.float32))
    labels = al.tensor(np.argmax(x.numpy()[:, :3], axis=1))
    w = al.tensor(np.zeros((5, 3), np.float32), requires_grad=True)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(30):
        loss = loss_fn(x @ w, labels)
        losses.append(loss.item())
        w.grad = None
        loss.backward()
        with al.no_grad():
            w -= 1.0 * w.grad
    assert losses[0] == pytest.approx(math.log(3), rel=1e-6)
    assert losses[-1] < 0.5 * losses[0]


# ---- Nielsen's costs ------------------------------------------------------------------------------------


def _nielsen_batch(seed=9, n=6, n_out=4):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, n_out)) * 3
    a = 1 / (1 + np.exp(-z))
    y = np.zeros((n, n_out))
    y[np.arange(n), rng.integers(0, n_out, n)] = 1.0  # one-hot desired outputs, as in the book's MNIST
    return z, a, y, n, n_out


def test_nielsen_quadratic_cost():
    z, a, y, n, n_out = _nielsen_batch()
    book = sum(np.linalg.norm(a[i] - y[i]) ** 2 for i in range(n)) / (2 * n)  # C = 1/2n sum ||a - y||^2
    at = t64(a)
    cost = 0.5 * nn.MSELoss(reduction="sum")(at, const(y)) / n
    assert cost.item() == pytest.approx(book, rel=1e-13)
    assert (0.5 * n_out * nn.MSELoss()(t64(a), const(y))).item() == pytest.approx(book, rel=1e-13)
    cost.backward()
    np.testing.assert_allclose(at.grad.numpy(), (a - y) / n, rtol=1e-13)  # dC/da = (a - y) / n


def test_nielsen_cross_entropy_cost():
    z, a, y, n, n_out = _nielsen_batch()
    book = -sum(np.sum(y[i] * np.log(a[i]) + (1 - y[i]) * np.log(1 - a[i])) for i in range(n)) / n
    assert (nn.BCELoss(reduction="sum")(t64(a), const(y)) / n).item() == pytest.approx(book, rel=1e-12)
    assert (n_out * nn.BCELoss()(t64(a), const(y))).item() == pytest.approx(book, rel=1e-12)
    zt = t64(z)
    cost = nn.BCEWithLogitsLoss(reduction="sum")(zt, const(y)) / n
    assert cost.item() == pytest.approx(book, rel=1e-12)
    cost.backward()
    # the book's point: dC/dz = (a - y) / n, no sigma'(z) factor (no learning slowdown)
    np.testing.assert_allclose(zt.grad.numpy(), (a - y) / n, rtol=1e-12, atol=1e-15)
    # and through an explicit sigmoid, BCELoss gives the same gradient
    zt2 = t64(z)
    (nn.BCELoss(reduction="sum")(al.sigmoid(zt2), const(y)) / n).backward()
    np.testing.assert_allclose(zt2.grad.numpy(), (a - y) / n, rtol=1e-9, atol=1e-15)


def test_nielsen_log_likelihood_cost_for_softmax():
    z, _, y, n, _ = _nielsen_batch()
    labels = np.argmax(y, axis=1)
    a = np.exp(log_softmax_np(z, 1))
    book = -np.mean(np.log(a[np.arange(n), labels]))  # C = -1/n sum ln a_y
    assert nn.CrossEntropyLoss()(t64(z), const(labels)).item() == pytest.approx(book, rel=1e-13)
    nll = nn.NLLLoss()(F.log_softmax(t64(z), 1), const(labels))
    assert nll.item() == pytest.approx(book, rel=1e-13)


def test_no_warnings_in_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cross_entropy(t64(np.zeros((2, 3))), const([0, 2])).backward()
        F.binary_cross_entropy(t64([0.0, 1.0]), const([0.0, 1.0])).backward()
        F.binary_cross_entropy_with_logits(t64([1e4, -1e4]), const([0.0, 1.0])).backward()


def test_losses_with_zero_classes_and_every_target_ignored_are_zero_or_nan_as_torch():
    x = al.zeros((1, 0), requires_grad=True)
    loss = F.nll_loss(x, al.tensor([1]), reduction="none", ignore_index=1)
    assert loss.tolist() == [0.0]
    loss.sum().backward()
    assert x.grad.shape == (1, 0)
    assert F.nll_loss(al.zeros(0), al.tensor(0), ignore_index=0, reduction="sum").item() == 0.0
    assert np.isnan(F.cross_entropy(al.zeros((2, 0)), al.tensor([1, 1]), ignore_index=1, label_smoothing=0.5).item())


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_a_mean_over_zero_total_weight_has_nan_gradients_at_kept_targets_and_zero_at_ignored_ones(loss):
    fn = getattr(F, loss)
    x = al.randn(2, 3, requires_grad=True)
    out = fn(x, al.tensor([0, 0]), weight=al.zeros(3))  # kept targets, total weight 0: torch's 0 / 0
    out.backward()
    assert np.isnan(out.item())
    grad = x.grad.numpy()
    assert np.isnan(grad[:, 0]).all() and (
        np.isnan(grad).all() if loss == "cross_entropy" else (grad[:, 1:] == 0).all()
    )
    x = al.randn(2, 3, requires_grad=True)
    out = fn(x, al.tensor([1, 1]), ignore_index=1)  # every target ignored: no gradient flows
    out.backward()
    assert np.isnan(out.item()) and (x.grad.numpy() == 0).all()
