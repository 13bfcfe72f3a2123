"""Losses: parity with torch.nn.functional and the torch.nn loss modules in float64, for every loss and
every option (reductions, weight, ignore_index, label_smoothing, pos_weight, class-probability targets,
unbatched and spatial shapes, the deprecated size_average/reduce), including huge logits and saturated
probabilities: the loss and the gradients (input, and target where torch differentiates it) agree within
1e-8, and so do second derivatives (Hessian-vector products) for the fused ops."""

import itertools
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import autograd_lite as al  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

TOL = {"rtol": 1e-8, "atol": 1e-10}
REDUCTIONS = ["mean", "sum", "none"]


def functional(lib):
    return torch.nn.functional if lib is torch else F


def modules(lib):
    return torch.nn if lib is torch else nn


def tensor(lib, array, requires_grad=False):
    return lib.tensor(np.array(array), requires_grad=requires_grad)


def numpy(t):
    return np.array(t.detach().numpy())


def run(lib, fn, diff, const=(), second=False):
    """fn(lib, *diff_tensors, *const_tensors) -> loss; returns the loss, the gradients of <loss, seed>
    with respect to the differentiable inputs and, with ``second``, the gradient of <those, w>."""
    xs = [tensor(lib, a, requires_grad=True) for a in diff]
    cs = [None if c is None else tensor(lib, c) for c in const]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # size_average/reduce deprecation, torch's broadcast warnings
        loss = fn(lib, *xs, *cs)
    seed = tensor(lib, np.random.default_rng(0).standard_normal(loss.shape))
    grads = lib.autograd.grad(loss, xs, grad_outputs=seed, create_graph=second)
    out = [numpy(loss)] + [numpy(g) for g in grads]
    if second:
        rng = np.random.default_rng(1)
        dot = sum((g * tensor(lib, rng.standard_normal(g.shape))).sum() for g in grads)
        # a loss linear in its inputs (nll_loss) has a constant gradient: its second derivative is 0
        hvp = lib.autograd.grad(dot, xs, allow_unused=True) if dot.requires_grad else [None] * len(xs)
        out += [np.zeros(x.shape) if h is None else numpy(h) for x, h in zip(xs, hvp)]
    return out


def assert_parity(fn, diff, const=(), second=False):
    ours = run(al, fn, diff, const, second)
    theirs = run(torch, fn, diff, const, second)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape, f"output {i}: shape {a.shape} vs torch {b.shape}"
        np.testing.assert_allclose(a, b, err_msg=f"output {i} (0: loss, then gradients)", **TOL)


def rng_for(*key):
    return np.random.default_rng(abs(hash(repr(key))) % 2**32)


# ---- cross_entropy and nll_loss -----------------------------------------------------------------------

SHAPES = [(5, 4), (4,), (3, 4, 2), (2, 3, 2, 2)]


def _class_data(shape, ignore_index, key):
    rng = rng_for(shape, ignore_index, key)
    axis = 0 if len(shape) == 1 else 1
    n_classes = shape[axis]
    target = rng.integers(0, n_classes, shape[:axis] + shape[axis + 1 :])
    if target.size > 1:
        target.flat[1] = ignore_index  # one ignored position
    return rng.standard_normal(shape) * 2, target, rng.uniform(0.2, 2.0, n_classes)


@pytest.mark.parametrize(
    "shape,reduction,weighted,ignore_index,label_smoothing",
    list(itertools.product(SHAPES, REDUCTIONS, [False, True], [-100, 1], [0.0, 0.25])),
)
def test_cross_entropy_class_indices(shape, reduction, weighted, ignore_index, label_smoothing):
    x, target, weight = _class_data(shape, ignore_index, "ce")

    def fn(lib, x, target, weight):
        return functional(lib).cross_entropy(
            x, target, weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
        )

    assert_parity(fn, [x], [target, weight if weighted else None], second=len(shape) == 2)


@pytest.mark.parametrize(
    "shape,reduction,weighted,label_smoothing",
    list(itertools.product(SHAPES[:3], REDUCTIONS, [False, True], [0.0, 0.3])),
)
def test_cross_entropy_probability_targets(shape, reduction, weighted, label_smoothing):
    rng = rng_for(shape, "probs")
    axis = 0 if len(shape) == 1 else 1
    x = rng.standard_normal(shape) * 2
    probs = rng.random(shape)
    probs /= probs.sum(axis=axis, keepdims=True)
    weight = rng.uniform(0.2, 2.0, shape[axis]) if weighted else None

    def fn(lib, x, target, weight):
        return functional(lib).cross_entropy(
            x, target, weight=weight, reduction=reduction, label_smoothing=label_smoothing
        )

    assert_parity(fn, [x, probs], [weight], second=len(shape) == 2)


@pytest.mark.parametrize(
    "shape,reduction,weighted,ignore_index", list(itertools.product(SHAPES, REDUCTIONS, [False, True], [-100, 1]))
)
def test_nll_loss(shape, reduction, weighted, ignore_index):
    x, target, weight = _class_data(shape, ignore_index, "nll")
    axis = 0 if len(shape) == 1 else 1
    logp = x - np.log(np.exp(x).sum(axis=axis, keepdims=True))

    def fn(lib, logp, target, weight):
        return functional(lib).nll_loss(logp, target, weight=weight, ignore_index=ignore_index, reduction=reduction)

    assert_parity(fn, [logp], [target, weight if weighted else None], second=len(shape) == 2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_huge_logits(reduction, label_smoothing):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [3e4, 3e4, -3e4]])

    def fn(lib, x, target):
        return functional(lib).cross_entropy(x, target, reduction=reduction, label_smoothing=label_smoothing)

    assert_parity(fn, [x], [np.array([1, 2, 0])])


def test_all_targets_ignored():
    """The mean over no target is NaN in both, and the gradient is 0 in both."""
    x = np.random.default_rng(2).standard_normal((3, 4))
    target = np.full(3, -100)
    for name in ("cross_entropy", "nll_loss"):
        for kwargs in ({}, {"weight": np.ones(4)}):
            fn = lambda lib, x, t, w=None: getattr(functional(lib), name)(  # noqa: E731
                x, t, **({"weight": w} if w is not None else {})
            )
            consts = [target, kwargs.get("weight")]
            ours, theirs = run(al, fn, [x], consts), run(torch, fn, [x], consts)
            assert np.isnan(ours[0]) and np.isnan(theirs[0])
            np.testing.assert_array_equal(ours[1], theirs[1])


def test_cross_entropy_minus_inf_logit():
    x = np.array([[0.0, -np.inf, 1.0], [2.0, 0.0, -np.inf]])
    fn = lambda lib, x, t: functional(lib).cross_entropy(x, t, reduction="none")  # noqa: E731
    assert_parity(fn, [x], [np.array([0, 1])])


# ---- binary cross-entropy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,reduction,weight_shape",
    [(s, r, w) for s in [(), (5,), (3, 4)] for r in REDUCTIONS for w in [None, "last", "full"]],
)
def test_binary_cross_entropy(shape, reduction, weight_shape):
    rng = rng_for(shape, "bce")
    x = rng.uniform(0.02, 0.98, shape)
    target = rng.random(shape)
    weight = None if weight_shape is None else rng.uniform(0.5, 2.0, shape[-1:] if weight_shape == "last" else shape)

    def fn(lib, x, target, weight):
        return functional(lib).binary_cross_entropy(x, target, weight=weight, reduction=reduction)

    assert_parity(fn, [x, target], [weight], second=True)


def test_binary_cross_entropy_saturated():
    """Input exactly 0 or 1: the logs clamped at -100 and the gradient (x - t) / max(x (1 - x), 1e-12)."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 0.5])
    target = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.5])
    for reduction in REDUCTIONS:
        fn = lambda lib, x, t: functional(lib).binary_cross_entropy(x, t, reduction=reduction)  # noqa: E731
        assert_parity(fn, [x], [target])


@pytest.mark.parametrize(
    "shape,reduction,weighted,pos_weighted",
    list(itertools.product([(5,), (3, 4), (2, 3, 4)], REDUCTIONS, [False, True], [False, True])),
)
def test_binary_cross_entropy_with_logits(shape, reduction, weighted, pos_weighted):
    rng = rng_for(shape, "bcel")
    x = rng.standard_normal(shape) * 4
    target = rng.random(shape)
    weight = rng.uniform(0.5, 2.0, shape) if weighted else None
    pos_weight = rng.uniform(0.5, 3.0, shape[-1:]) if pos_weighted else None

    def fn(lib, x, target, weight, pos_weight):
        return functional(lib).binary_cross_entropy_with_logits(
            x, target, weight=weight, reduction=reduction, pos_weight=pos_weight
        )

    assert_parity(fn, [x, target], [weight, pos_weight], second=True)


@pytest.mark.parametrize("pos_weighted", [False, True])
def test_binary_cross_entropy_with_logits_huge_logits(pos_weighted):
    x = np.array([1e4, -1e4, 1e4, -1e4, 40.0, -40.0, 0.0])
    target = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.3, 0.7])
    pos_weight = np.full(7, 2.5) if pos_weighted else None
    fn = lambda lib, x, t, pw: functional(lib).binary_cross_entropy_with_logits(  # noqa: E731
        x, t, reduction="none", pos_weight=pw
    )
    assert_parity(fn, [x, target], [pos_weight])


# ---- regression losses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,shape,reduction,weighted",
    list(itertools.product(["mse_loss", "l1_loss"], [(), (5,), (3, 4)], REDUCTIONS, [False, True])),
)
def test_regression_losses(name, shape, reduction, weighted):
    rng = rng_for(name, shape)
    x, target = rng.standard_normal(shape), rng.standard_normal(shape)
    weight = rng.uniform(0.5, 2.0, shape) if weighted else None

    def fn(lib, x, target, weight):
        return getattr(functional(lib), name)(x, target, reduction=reduction, weight=weight)

    assert_parity(fn, [x, target], [weight], second=name == "mse_loss")


def test_l1_loss_at_equal_values():
    x = np.array([1.0, 2.0, 3.0])
    fn = lambda lib, x, t: functional(lib).l1_loss(x, t)  # noqa: E731
    assert_parity(fn, [x], [np.array([1.0, 0.0, 3.0])])


@pytest.mark.parametrize(
    "size_average,reduce", [(False, None), (None, False), (True, True), (False, True), (True, None)]
)
def test_legacy_size_average_and_reduce(size_average, reduce):
    rng = np.random.default_rng(3)
    x, probs, soft = rng.standard_normal((3, 4)), rng.uniform(0.1, 0.9, (3, 4)), rng.random((3, 4))
    target = np.array([0, 3, 1])
    cases = [
        (lambda lib, x, t: functional(lib).mse_loss(x, t, size_average, reduce), x, soft),
        (lambda lib, x, t: functional(lib).l1_loss(x, t, size_average, reduce), x, soft),
        (lambda lib, x, t: functional(lib).cross_entropy(x, t, None, size_average, -100, reduce), x, target),
        (lambda lib, x, t: functional(lib).nll_loss(x, t, None, size_average, -100, reduce), x, target),
        (lambda lib, x, t: functional(lib).binary_cross_entropy(x, t, None, size_average, reduce), probs, soft),
        (lambda lib, x, t: functional(lib).binary_cross_entropy_with_logits(x, t, None, size_average, reduce), x, soft),
    ]
    for fn, inp, tgt in cases:
        assert_parity(fn, [inp], [tgt])


def test_one_hot():
    for values, n in [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 4)]:
        ours = F.one_hot(al.tensor(np.array(values, dtype=np.int64)), n)
        theirs = torch.nn.functional.one_hot(torch.tensor(np.array(values, dtype=np.int64)), n)
        assert ours.dtype == np.int64 and theirs.dtype == torch.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---- modules --------------------------------------------------------------------------------------------


def _module_cases():
    rng = np.random.default_rng(4)
    x, probs, soft = rng.standard_normal((4, 3, 2)), rng.uniform(0.1, 0.9, (4, 3)), rng.random((4, 3))
    target = np.array([[0, 2], [1, -100], [2, 2], [1, 0]])
    w, pw = rng.uniform(0.5, 2, 3), rng.uniform(0.5, 2, 3)
    logits2 = rng.standard_normal((4, 3))
    return [
        ("MSELoss", {"reduction": "sum"}, {}, probs, soft),
        ("L1Loss", {}, {}, probs, soft),
        (
            "CrossEntropyLoss",
            {"ignore_index": 1, "label_smoothing": 0.2},
            {"weight": w},
            x,
            np.where(target < 0, 1, target),
        ),
        ("CrossEntropyLoss", {"reduction": "none"}, {}, x, target),
        ("NLLLoss", {"reduction": "mean"}, {"weight": w}, x, target),
        ("BCELoss", {"reduction": "none"}, {"weight": w}, probs, soft),
        ("BCEWithLogitsLoss", {}, {"weight": w, "pos_weight": pw}, logits2, soft),
        ("BCEWithLogitsLoss", {"reduction": "sum"}, {"pos_weight": pw}, logits2, soft),
    ]


@pytest.mark.parametrize(
    "name,kwargs,buffers,x,target", _module_cases(), ids=[f"{c[0]}-{i}" for i, c in enumerate(_module_cases())]
)
def test_modules(name, kwargs, buffers, x, target):
    def build(lib):
        return getattr(modules(lib), name)(**kwargs, **{k: tensor(lib, v) for k, v in buffers.items()})

    ours, theirs = build(al), build(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert ours.reduction == theirs.reduction
    for attr in ("ignore_index", "label_smoothing"):
        assert getattr(ours, attr, None) == getattr(theirs, attr, None)
    fn = lambda lib, x, t: (ours if lib is al else theirs)(x, t)  # noqa: E731
    assert_parity(fn, [x], [target])


def test_module_state_dict_round_trip_through_torch():
    """weight/pos_weight buffers load from a torch module's state_dict under the same keys."""
    src = torch.nn.BCEWithLogitsLoss(
        weight=torch.rand(3, dtype=torch.float64), pos_weight=torch.rand(3, dtype=torch.float64)
    )
    dst = nn.BCEWithLogitsLoss(weight=al.zeros(3, dtype=al.float64), pos_weight=al.zeros(3, dtype=al.float64))
    dst.load_state_dict(src.state_dict())
    np.testing.assert_array_equal(dst.pos_weight.numpy(), src.pos_weight.numpy())
    np.testing.assert_array_equal(dst.weight.numpy(), src.weight.numpy())
