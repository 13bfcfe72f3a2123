"""Conventions at 0, +-inf, NaN and at kinks follow PyTorch (issue 8): each op of the table runs on inputs
holding those values, in float64 and float32, in autograd_lite and in torch; the forward, the first
gradient and (where meaningful) the second must agree, NaN positions included.

Deliberate differences are not in the table but tested below: where torch multiplies a mask into the
gradient (abs, amax/amin, leaky_relu(0), pow's second derivative in the exponent at base 0), an inf or NaN
gives NaN at elements that get no gradient; autograd_lite gives exactly 0 there.
"""

import math

import numpy as np
import pytest

import autograd_lite as al
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

INF, NAN = math.inf, math.nan
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, INF, -INF, NAN]
POSITIVE_EDGE = [0.0, 1e-30, 0.5, 4.0, INF, -1.0, NAN]
ROWS = [
    [1.0, 2.0, 3.0],
    [INF, 1.0, 2.0],
    [-INF, 1.0, 2.0],
    [-INF, -INF, -INF],
    [NAN, 1.0, 2.0],
    [2.0, 2.0, 1.0],
    [INF, INF, 1.0],
    [-1e4, 0.0, 1e4],
]


class Lib:
    """One framework's names, so that a case is written once for both."""

    def __init__(self, mod, functional, grad):
        self.mod, self.F, self.grad = mod, functional, grad

    def const(self, values, like):
        return self.mod.tensor(np.asarray(values, dtype=np.float64)).to(like.dtype)

    def __getattr__(self, name):
        return getattr(self.mod, name)


AL = Lib(al, F, al.grad)
TORCH = Lib(torch, TF, torch.autograd.grad)


def case(name, fn, inputs=SPECIAL, second=True, seed=1.0):
    """``seed``: the cotangent of the first gradient (an inf one tests how g enters the vjp's formula)."""
    return pytest.param(fn, inputs, second, seed, id=name)


PROBABILITIES = [0.0, 1.0, 0.5, 1e-7, 1.0 - 1e-7, 0.3]


CASES = [
    case("abs", lambda L, x: L.abs(x)),
    case("neg", lambda L, x: -x),
    case("relu", lambda L, x: L.relu(x)),
    case("leaky_relu", lambda L, x: L.F.leaky_relu(x, 0.1)),
    case("elu", lambda L, x: L.F.elu(x)),
    case("elu_alpha", lambda L, x: L.F.elu(x, 0.5)),
    case("hardtanh", lambda L, x: L.F.hardtanh(x)),
    case("relu6", lambda L, x: L.F.relu6(x * 4.0)),
    case("sigmoid", lambda L, x: L.sigmoid(x)),
    case("tanh", lambda L, x: L.tanh(x)),
    case("softplus", lambda L, x: L.F.softplus(x * 10.0)),
    case("silu", lambda L, x: L.F.silu(x)),
    case("exp", lambda L, x: L.exp(x)),
    case("sqrt", lambda L, x: L.sqrt(x), POSITIVE_EDGE),
    case("log", lambda L, x: L.log(x), POSITIVE_EDGE),
    case("pow_0", lambda L, x: x**0),
    case("pow_half", lambda L, x: x**0.5, POSITIVE_EDGE),
    case("pow_2", lambda L, x: x**2),
    case("pow_3", lambda L, x: x**3),
    case("pow_minus_1", lambda L, x: x**-1),
    case("pow_minus_half", lambda L, x: x**-0.5, POSITIVE_EDGE),
    case("pow_half_negative", lambda L, x: x**0.5),  # torch: sqrt and rsqrt (NaN at -inf, -inf at -0)
    case("pow_minus_half_negative", lambda L, x: x**-0.5),
    case("silu_inf_gradient", lambda L, x: L.F.silu(x), seed=INF),
    case("silu_minus_inf_gradient", lambda L, x: L.F.silu(x), seed=-INF),
    case("gelu", lambda L, x: L.F.gelu(x), [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, -INF, NAN, 0.3]),
    case("gelu_inf_gradient", lambda L, x: L.F.gelu(x), [0.0, 1.0, -1.0, 2.5, -2.5, -INF, NAN], seed=INF),
    case("gelu_tanh", lambda L, x: L.F.gelu(x, approximate="tanh")),
    case("gelu_tanh_inf_gradient", lambda L, x: L.F.gelu(x, approximate="tanh"), seed=-INF),
    # torch's double backward (x^2 - 2xt + t) / ((x + eps)^2 (1 - x + eps)^2) at the clamped ends
    case(
        "binary_cross_entropy_target_0",
        lambda L, x: L.F.binary_cross_entropy(x, L.const([0.0] * 6, x), reduction="none"),
        PROBABILITIES,
    ),
    case(
        "binary_cross_entropy_target_1",
        lambda L, x: L.F.binary_cross_entropy(x, L.const([1.0] * 6, x), reduction="none"),
        PROBABILITIES,
    ),
    case(
        "binary_cross_entropy_target_half",
        lambda L, x: L.F.binary_cross_entropy(x, L.const([0.5] * 6, x), weight=L.const([2.0] * 6, x), reduction="none"),
        PROBABILITIES,
    ),
    # second order: torch's where in the first derivative leaks 0 * log(0) = NaN at base 0 (we give 0)
    case(
        "pow_tensor_exponent",
        lambda L, x: L.pow(L.const([0.0, 0.0, 2.0, -1.0, 0.5, 0.0, 2.0, 0.5, 1.0], x), x),
        second=False,
    ),
    case("pow_tensor_base", lambda L, x: L.pow(x, L.const([0.0, 0.0, 2.0, -1.0, 0.5, 0.0, 2.0, 0.5, 1.0], x))),
    case("clamp", lambda L, x: L.clamp(x, -1.0, 1.0)),
    case("clamp_min", lambda L, x: x.clamp(min=0.0)),
    case("maximum", lambda L, x: L.maximum(x, L.const([0.0, 1.0, 1.0, NAN, 2.5, 0.0, 0.0, INF, 1.0], x))),
    case("minimum", lambda L, x: L.minimum(x, L.const([0.0, 1.0, 1.0, NAN, 2.5, 0.0, 0.0, -INF, 1.0], x))),
    case("where", lambda L, x: L.where(x > 0, x, x * 2.0)),
    case("sin", lambda L, x: L.sin(x)),
    case("div_by", lambda L, x: L.const([1.0] * 9, x) / x),
    case("mul_self", lambda L, x: x * x),
    case(
        "l1_loss",
        lambda L, x: L.F.l1_loss(x, L.const([0.0, 1.0, NAN, -1.0, 2.5, 0.0, 1.0, 1.0, 0.0], x), reduction="none"),
    ),
    case(
        "mse_loss",
        lambda L, x: L.F.mse_loss(x, L.const([0.0, 1.0, NAN, -1.0, 2.5, 0.0, 1.0, 1.0, 0.0], x), reduction="none"),
    ),
    case("softmax", lambda L, x: L.softmax(x, 1), ROWS),
    case("log_softmax", lambda L, x: L.log_softmax(x, 1), ROWS),
    case("logsumexp", lambda L, x: L.logsumexp(x, 1), ROWS),
    case("amax", lambda L, x: L.amax(x, 1), ROWS, second=False),
    case("amin", lambda L, x: L.amin(x, 1), ROWS, second=False),
    case("max_dim", lambda L, x: L.max(x, 1)[0], ROWS, second=False),
    case("min_dim", lambda L, x: x.min(dim=0)[0], ROWS, second=False),
    case("max_full", lambda L, x: L.max(x), [1.0, NAN, 3.0, NAN, INF], second=False),
    case("min_full", lambda L, x: L.min(x), [1.0, -INF, 3.0, -INF], second=False),
    case("max_full_ties", lambda L, x: L.max(x), [1.0, 3.0, 3.0], second=False),
    case("sum", lambda L, x: L.sum(x, 1), ROWS),
    case("mean", lambda L, x: L.mean(x, 1), ROWS),
    case("var", lambda L, x: L.var(x, 1), ROWS),
    # a correction above the count: torch's gradient divides by n - correction < 0 (the forward by 0)
    case("var_correction_above_count", lambda L, x: L.var(x[:, :1], 1, correction=2), ROWS),
    case("var_correction_at_count", lambda L, x: L.var(x[:, :2], 1, correction=2), ROWS),
    case("std", lambda L, x: L.std(x, 1), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0], [INF, 1.0, 2.0], [NAN, 0.0, 1.0]]),
    case(
        "max_pool2d",
        lambda L, x: L.F.max_pool2d(x.reshape(1, 1, 3, 3), 2, stride=1),
        [1.0, NAN, 0.0, -INF, 2.0, 2.0, INF, 0.0, -1.0],
        second=False,
    ),
    case(
        "adaptive_avg_pool2d",
        lambda L, x: L.F.adaptive_avg_pool2d(x.reshape(1, 1, 3, 3), (2, 2)),
        [1.0, INF, 0.0, 2.0, 3.0, -INF, 0.0, 1.0, 4.0],
    ),
    case(
        "cross_entropy", lambda L, x: L.F.cross_entropy(x, L.tensor([0, 1, 2, 0, 1, 2, 0, 1]), reduction="none"), ROWS
    ),
]


def _run(lib, fn, values, dtype, second, seed=1.0):
    """(forward, first gradient, second gradient or None) of fn at ``values`` with the cotangent ``seed``
    everywhere (and 1 for the second gradient)."""
    x = lib.tensor(np.asarray(values, dtype=dtype), requires_grad=True)
    y = fn(lib, x)
    ones = lib.tensor(np.full(tuple(y.shape), seed, dtype=dtype))
    (g,) = lib.grad(y, x, grad_outputs=ones, create_graph=second)
    gg = None
    if second:
        if g.requires_grad:
            (gg,) = lib.grad(g, x, grad_outputs=lib.tensor(np.ones(tuple(g.shape), dtype=dtype)), allow_unused=True)
        gg = np.zeros(x.shape, dtype=dtype) if gg is None else _numpy(gg)
    return _numpy(y), _numpy(g), gg


def _numpy(t):
    if isinstance(t, al.Tensor):
        return np.asarray(t._array)
    if t._is_zerotensor():  # torch may hand back a ZeroTensor, whose numpy(force=True) can segfault (0-d)
        return np.zeros(tuple(t.shape), dtype=str(t.dtype).replace("torch.", ""))
    return t.detach().numpy(force=True)


def assert_same(what, ours, theirs, dtype):
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch {theirs.shape}"
    nan_ours, nan_theirs = np.isnan(ours), np.isnan(theirs)
    assert np.array_equal(nan_ours, nan_theirs), f"{what}: NaN positions differ\n ours  {ours}\n torch {theirs}"
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (2e-5, 1e-6)
    np.testing.assert_allclose(ours[~nan_ours], theirs[~nan_theirs], rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("fn, values, second, seed", CASES)
def test_matches_torch_at_special_values(fn, values, second, seed, dtype):
    ours = _run(AL, fn, values, dtype, second, seed)
    theirs = _run(TORCH, fn, values, dtype, second, seed)
    for what, a, b in zip(("forward", "gradient", "second derivative"), ours, theirs):
        if a is not None or b is not None:
            assert_same(what, a, b, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_argmax_argmin_treat_nan_as_the_extreme(dtype):
    rows = np.array([[1.0, NAN, 3.0, NAN], [1.0, 3.0, 3.0, 0.0], [-INF, 2.0, INF, INF]], dtype=dtype)
    for name in ("argmax", "argmin"):
        for dim in (None, 1, 0):
            got = getattr(al, name)(al.tensor(rows), dim=dim)._array
            want = getattr(torch, name)(torch.tensor(rows), dim=dim).numpy()
            np.testing.assert_array_equal(got, want, err_msg=f"{name} dim={dim}")
    values, indices = al.max(al.tensor(rows), 1)
    tv, ti = torch.max(torch.tensor(rows), 1)
    assert_same("max values", values._array, tv.numpy(), dtype)
    np.testing.assert_array_equal(indices._array, ti.numpy())


# ---- the deliberate differences: exactly 0 where torch multiplies a mask into an inf/NaN gradient ----
@pytest.mark.parametrize("upstream", [INF, NAN])
def test_abs_at_zero_gets_zero_from_an_inf_gradient_where_torch_gets_nan(upstream):
    x = al.tensor([0.0, NAN, -2.0], requires_grad=True)
    al.abs(x).backward(al.tensor([upstream] * 3))
    np.testing.assert_array_equal(x.grad._array[:2], [0.0, 0.0])
    tx = torch.tensor([0.0, NAN, -2.0], requires_grad=True)
    torch.abs(tx).backward(torch.tensor([upstream] * 3))
    assert np.isnan(tx.grad.numpy()[0])  # torch: upstream * sgn(0) = inf * 0


def test_amax_non_extremes_get_zero_from_an_inf_gradient_where_torch_gets_nan():
    x = al.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    al.amax(x, 1).backward(al.tensor([INF, INF]))
    np.testing.assert_array_equal(x.grad._array, [[0.0, INF, INF], [INF, 0.0, 0.0]])
    tx = torch.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    torch.amax(tx, 1).backward(torch.tensor([INF, INF]))
    assert np.isnan(tx.grad.numpy()).any()  # torch: mask * (grad / count)


def test_max_shares_a_nan_maximum_among_the_nans_while_amax_gives_the_slice_nan():
    x = al.tensor([[1.0, NAN, 3.0, NAN]], requires_grad=True)
    al.max(x).backward()
    np.testing.assert_array_equal(x.grad._array, [[0.0, 0.5, 0.0, 0.5]])  # torch's max(): evenly shared
    x.grad = None
    al.amax(x, 1).backward(al.tensor([1.0]))
    assert np.isnan(x.grad._array).all()  # torch's amax: NaN everywhere in the slice


def test_pow_second_derivative_in_the_exponent_at_base_zero_is_zero():
    e = al.tensor([0.0, 1.0, 2.0], dtype=al.float64, requires_grad=True)
    (g,) = al.grad(al.pow(al.tensor([0.0, 0.0, 0.0], dtype=al.float64), e).sum(), e, create_graph=True)
    (gg,) = al.grad(g.sum(), e)
    np.testing.assert_array_equal(gg._array, [0.0, 0.0, 0.0])


def test_sign_forward_at_special_values():
    values = np.array(SPECIAL)
    np.testing.assert_array_equal(al.sign(al.tensor(values))._array, torch.sign(torch.tensor(values)).numpy())


@pytest.mark.parametrize("slope", [0.0, 0.2])
def test_leaky_relu_non_positive_side_with_an_inf_gradient(slope):
    x = al.tensor([-1.0, 0.0, NAN, 2.0], requires_grad=True)
    F.leaky_relu(x, slope).backward(al.tensor([INF] * 4))
    tx = torch.tensor([-1.0, 0.0, NAN, 2.0], requires_grad=True)
    TF.leaky_relu(tx, slope).backward(torch.tensor([INF] * 4))
    if slope:  # a real slope: inf * slope, as torch
        np.testing.assert_array_equal(x.grad._array, tx.grad.numpy())
    else:  # slope 0 blocks the gradient: exactly 0 (torch: inf * 0 = NaN)
        np.testing.assert_array_equal(x.grad._array, [0.0, 0.0, 0.0, INF])


# ops where an inf/NaN incoming gradient must give the same result as in torch (cross_entropy too: with a
# non-finite g its fused op takes torch's two steps, nll then log_softmax's g - softmax * sum(g), so inf - inf
# is NaN at the target as in torch; ignored targets get exactly 0 in both, tests/ops/test_masked_gradients.py).
SELECTING = {
    "cross_entropy",
    "relu",
    "hardtanh",
    "relu6",
    "clamp",
    "clamp_min",
    "maximum",
    "minimum",
    "where",
    "max_dim",
    "min_dim",
    "max_full",
    "min_full",
    "max_full_ties",
    "max_pool2d",
    "adaptive_avg_pool2d",
    "sum",
    "mean",
    "neg",
    "elu",
    "leaky_relu",
    "softmax",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "tanh",
    "exp",
    "sqrt",
    "log",
    "pow_0",
    "pow_2",
    "pow_half",
    "softplus",
    "sin",
}


def _first_gradient(lib, fn, values, dtype, pattern):
    x = lib.tensor(np.asarray(values, dtype=dtype), requires_grad=True)
    y = fn(lib, x)
    up = np.resize(np.asarray(pattern, dtype=dtype), int(np.prod(tuple(y.shape)))).reshape(tuple(y.shape))
    (g,) = lib.grad(y, x, grad_outputs=lib.tensor(up))
    return _numpy(g)


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@pytest.mark.parametrize("pattern", [[INF, 1.0, NAN], [1.0, -INF], [NAN]], ids=["inf1nan", "1-inf", "nan"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("fn, values, second, seed", [c for c in CASES if c.id in SELECTING])
def test_nonfinite_incoming_gradient_matches_torch(fn, values, second, seed, dtype, pattern):
    ours = _first_gradient(AL, fn, values, dtype, pattern)
    theirs = _first_gradient(TORCH, fn, values, dtype, pattern)
    assert_same("gradient", ours, theirs, dtype)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("up", [INF, -INF, NAN])
def test_cross_entropy_with_a_nonfinite_incoming_gradient_as_torch(smoothing, reduction, unbatched, up):
    logits = [[0.0, 0.0, 1.0], [1.0, 0.0, -1e9], [2.0, -1.0, 0.5]]
    targets = [2, 0, 1]
    if unbatched:
        logits, targets = logits[0], targets[0]
    grads = []
    for lib in (AL, TORCH):
        x = lib.tensor(np.asarray(logits), requires_grad=True)
        loss = lib.F.cross_entropy(
            x, lib.tensor(targets), reduction=reduction, label_smoothing=smoothing, ignore_index=1
        )
        (g,) = lib.grad(loss, x, grad_outputs=lib.tensor(np.full(tuple(loss.shape), up)))
        grads.append(_numpy(g))
    assert_same("gradient", grads[0], grads[1], np.float64)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("unbatched", [False, True])
def test_the_sign_of_a_zero_loss_as_torch(fn, reduction, unbatched):
    """torch accumulates reductions and unbatched losses from +0 (a sure prediction: +0) and negates per
    position in a batch (-0): 1 / loss tells them apart."""
    signs = []
    for lib in (AL, TORCH):
        x = lib.tensor([0.0, -800.0] if unbatched else [[0.0, -800.0]])
        t = lib.tensor(0) if unbatched else lib.tensor([0])
        loss = getattr(lib.F, fn)(x, t, reduction=reduction)
        signs.append(np.copysign(1.0, _numpy(loss)).tolist())
    assert signs[0] == signs[1]
