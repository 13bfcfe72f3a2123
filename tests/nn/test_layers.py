"""Linear, activation, dropout, batch-norm and flatten layers (and their nn.functional forms), without torch.

Gradients are checked against central differences in float64 (gradcheck/gradgradcheck, hypothesis over
shapes); the rest are exact checks: values computed by hand with numpy, dropout statistics and masks,
batch-norm running statistics, state_dict keys, init bounds and seeding, reprs (hard-coded copies of
torch 2.x's strings), errors, and dtypes.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing import strategies as st

FEW = settings(max_examples=max(6, settings.default.max_examples // 4))


def t64(shape, seed, requires_grad=True, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    return Tensor(rng.uniform(low, high, shape), requires_grad=requires_grad)


# ---- linear: gradients --------------------------------------------------------------------------


@hs.composite
def linear_inputs(draw, max_lead=2, max_side=3):
    lead = draw(st.shapes(min_dims=0, max_dims=max_lead, min_side=1, max_side=max_side))
    in_f = draw(hs.integers(1, 4))
    out_f = draw(hs.integers(1, 4))
    with_bias = draw(hs.booleans())
    x = draw(st.tensors(lead + (in_f,), min_value=-3, max_value=3))
    w = draw(st.tensors((out_f, in_f), min_value=-3, max_value=3))
    b = draw(st.tensors((out_f,), min_value=-3, max_value=3)) if with_bias else None
    return x, w, b


@given(linear_inputs())
def test_linear_gradcheck(args):
    x, w, b = args
    if b is None:
        assert gradcheck(lambda x, w: F.linear(x, w), (x, w))
    else:
        assert gradcheck(F.linear, (x, w, b))


@FEW
@given(linear_inputs(max_lead=2, max_side=2))
def test_linear_gradgradcheck(args):
    x, w, b = args
    # linear is bilinear in (x, w): the second derivatives are the cross terms
    if b is None:
        assert gradgradcheck(lambda x, w: F.linear(x, w), (x, w))
    else:
        assert gradgradcheck(F.linear, (x, w, b))


def test_linear_gradcheck_constant_input_and_weight():
    x, w, b = t64((2, 3, 4), 0), t64((5, 4), 1), t64((5,), 2)
    assert gradcheck(lambda x: F.linear(x, w.detach(), b.detach()), (x,))
    assert gradcheck(lambda w: F.linear(x.detach(), w), (w,))
    assert gradgradcheck(lambda w, b: F.linear(x.detach(), w, b) ** 2, (w, b))


# ---- linear: values, shapes, errors ---------------------------------------------------------------


def test_linear_matches_numpy_with_leading_dims_and_1d_input():
    x, w, b = t64((2, 3, 4), 0, False), t64((5, 4), 1, False), t64((5,), 2, False)
    out = F.linear(x, w, b)
    assert out.shape == (2, 3, 5)
    np.testing.assert_allclose(out.numpy(), x.numpy() @ w.numpy().T + b.numpy(), rtol=1e-12)
    v = F.linear(x[0, 0], w)
    assert v.shape == (5,)
    np.testing.assert_allclose(v.numpy(), w.numpy() @ x.numpy()[0, 0], rtol=1e-12)


def test_linear_gradients_by_hand():
    x, w, b = t64((3, 4), 0), t64((2, 4), 1), t64((2,), 2)
    g = np.random.default_rng(5).standard_normal((3, 2))
    F.linear(x, w, b).backward(Tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), g @ w.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), g.T @ x.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), g.sum(0), rtol=1e-12)


def test_linear_errors():
    w = al.zeros(5, 4)
    with pytest.raises(RuntimeError, match=r"cannot be multiplied.*\(2, 3\)"):
        F.linear(al.zeros(2, 3), w)
    with pytest.raises(ValueError, match="same dtype"):
        F.linear(al.zeros(2, 4, dtype=al.float64), w)
    with pytest.raises(ValueError, match="does not match out_features"):
        F.linear(al.zeros(2, 4), w, al.zeros(4))
    with pytest.raises(ValueError, match="2-D"):
        F.linear(al.zeros(2, 4), al.zeros(4))
    with pytest.raises(ValueError, match="features"):
        nn.Linear(4, 5)(al.zeros(3, 6))


def test_linear_module_forward_and_float32():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = al.randn(2, 4, requires_grad=True)
    y = layer(x)
    np.testing.assert_allclose(
        y.detach().numpy(),
        x.detach().numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy(),
        rtol=1e-6,
    )
    assert y.dtype == np.float32
    y.sum().backward()
    for p in (x, layer.weight, layer.bias):
        assert p.grad.dtype == np.float32
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert list(layer.state_dict()) == ["weight", "bias"]


def test_linear_without_bias_and_dtype():
    layer = nn.Linear(3, 2, bias=False, dtype=al.float64)
    assert layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer.weight.dtype == np.float64
    x = t64((4, 3), 0, False)
    np.testing.assert_allclose(layer(x).detach().numpy(), x.numpy() @ layer.weight.detach().numpy().T, rtol=1e-12)


def test_linear_init_bounds_and_spread():
    al.manual_seed(0)
    layer = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    for values in (w, b):
        assert np.all(np.abs(values) <= bound)
        assert values.max() > 0.95 * bound and values.min() < -0.95 * bound  # uniform over the whole range
    assert abs(w.mean()) < 0.03 * bound  # its standard deviation is 0.004 * bound
    # a uniform on [-bound, bound] has variance bound^2 / 3
    assert abs(w.var() - bound**2 / 3) < 0.05 * bound**2 / 3
    empty = nn.Linear(0, 3)
    assert empty.weight.shape == (3, 0)
    np.testing.assert_array_equal(empty.bias.detach().numpy(), np.zeros(3, np.float32))


def test_linear_init_reproducible_with_manual_seed():
    al.manual_seed(123)
    a = nn.Linear(6, 4)
    al.manual_seed(123)
    b = nn.Linear(6, 4)
    c = nn.Linear(6, 4)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())
    assert not np.array_equal(b.weight.detach().numpy(), c.weight.detach().numpy())
    al.manual_seed(123)
    d = nn.Linear(6, 4)
    d.reset_parameters()  # draws again: different from the first draw
    assert not np.array_equal(a.weight.detach().numpy(), d.weight.detach().numpy())


def test_identity_returns_its_input():
    x = al.randn(3)
    assert nn.Identity(54, unused="argument")(x) is x


# ---- reprs (torch 2.x strings, hard-coded) ------------------------------------------------------------


@pytest.mark.parametrize(
    "module, expected",
    [
        (lambda: nn.Linear(3, 4), "Linear(in_features=3, out_features=4, bias=True)"),
        (lambda: nn.Linear(3, 4, bias=False), "Linear(in_features=3, out_features=4, bias=False)"),
        (lambda: nn.Identity(), "Identity()"),
        (lambda: nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
        (lambda: nn.Flatten(0, 2), "Flatten(start_dim=0, end_dim=2)"),
        (lambda: nn.Unflatten(1, (2, 5)), "Unflatten(dim=1, unflattened_size=(2, 5))"),
        (lambda: nn.Unflatten(-1, [2, 5]), "Unflatten(dim=-1, unflattened_size=[2, 5])"),
        (lambda: nn.Sigmoid(), "Sigmoid()"),
        (lambda: nn.Tanh(), "Tanh()"),
        (lambda: nn.ReLU(), "ReLU()"),
        (lambda: nn.ReLU(inplace=True), "ReLU(inplace=True)"),
        (lambda: nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
        (lambda: nn.LeakyReLU(0.2, inplace=True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
        (lambda: nn.Softmax(), "Softmax(dim=None)"),
        (lambda: nn.Softmax(dim=1), "Softmax(dim=1)"),
        (lambda: nn.LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"),
        (lambda: nn.Dropout(), "Dropout(p=0.5, inplace=False)"),
        (lambda: nn.Dropout(p=0), "Dropout(p=0, inplace=False)"),
        (lambda: nn.Dropout2d(0.25, True), "Dropout2d(p=0.25, inplace=True)"),
        (
            lambda: nn.BatchNorm1d(3),
            "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)",
        ),
        (
            lambda: nn.BatchNorm2d(4, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
            "BatchNorm2d(4, eps=0.001, momentum=None, affine=False, bias=False, track_running_stats=False)",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_repr_matches_torch(module, expected):
    assert repr(module()) == expected


def test_sequential_repr_matches_torch():
    model = nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 3), nn.LogSoftmax(dim=1)
    )
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (1): BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        "  (2): ReLU()\n"
        "  (3): Dropout(p=0.1, inplace=False)\n"
        "  (4): Linear(in_features=8, out_features=3, bias=True)\n"
        "  (5): LogSoftmax(dim=1)\n"
        ")"
    )


# ---- activations, flatten --------------------------------------------------------------------------


def test_activation_modules_match_functions():
    x = t64((3, 4), 0, False)
    a = x.numpy()
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-a)), rtol=1e-12)
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(a), rtol=1e-12)
    np.testing.assert_array_equal(nn.ReLU()(x).numpy(), np.maximum(a, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).numpy(), np.where(a > 0, a, 0.2 * a), rtol=1e-12)
    e = np.exp(a - a.max(1, keepdims=True))
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).numpy(), e / e.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(x).numpy(), np.log(e / e.sum(1, keepdims=True)), rtol=1e-12)


@pytest.mark.parametrize("shape, dim", [((5,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 2), 1)])
@pytest.mark.parametrize("cls, fn", [(nn.Softmax, F.softmax), (nn.LogSoftmax, F.log_softmax)])
def test_softmax_implicit_dim_is_torch_legacy_choice(shape, dim, cls, fn):
    x = t64(shape, 0, False)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        out = cls()(x)
    np.testing.assert_array_equal(out.numpy(), fn(x, dim).numpy())


def test_activation_gradients():
    for module in (nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.3), nn.Softmax(dim=0), nn.LogSoftmax(dim=1)):
        rng = np.random.default_rng(1)
        x = Tensor(rng.uniform(0.1, 2.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4)), requires_grad=True)
        assert gradcheck(module, (x,)), module


EXTRA_ACTIVATIONS = [
    ("hardtanh", lambda x: F.hardtanh(x, -1.3, 2.45)),
    ("relu6", F.relu6),
    ("elu", lambda x: F.elu(x, 0.7)),
    ("gelu", F.gelu),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
    ("silu", F.silu),
    ("softplus", F.softplus),
    ("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=3.1)),
]


@pytest.mark.parametrize("name, fn", EXTRA_ACTIVATIONS, ids=[n for n, _ in EXTRA_ACTIVATIONS])
@given(x=st.tensors(st.shapes(max_dims=2, max_side=4), min_value=-5, max_value=5, separated=True, min_magnitude=0.125))
def test_extra_activation_gradcheck(name, fn, x):
    # multiples of 1/8 away from 0: never on a kink (0, the clamp bounds, softplus's threshold)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_extra_activations_values_by_hand():
    a = np.array([-3.0, -1.0, -0.25, 0.5, 2.0, 7.0])
    x = Tensor(a)
    np.testing.assert_array_equal(F.hardtanh(x).numpy(), np.clip(a, -1, 1))
    np.testing.assert_array_equal(F.relu6(x).numpy(), np.clip(a, 0, 6))
    np.testing.assert_allclose(F.elu(x, 0.5).numpy(), np.where(a > 0, a, 0.5 * np.expm1(a)), rtol=1e-12)
    erf = np.array([math.erf(v / math.sqrt(2)) for v in a])
    np.testing.assert_allclose(F.gelu(x).numpy(), a * 0.5 * (1 + erf), rtol=1e-12)
    tanh_approx = 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))
    np.testing.assert_allclose(F.gelu(x, approximate="tanh").numpy(), tanh_approx, rtol=1e-12)
    np.testing.assert_allclose(F.silu(x).numpy(), a / (1 + np.exp(-a)), rtol=1e-12)
    np.testing.assert_allclose(F.softplus(x).numpy(), np.log1p(np.exp(a)), rtol=1e-12)
    np.testing.assert_allclose(
        F.softplus(x, beta=2, threshold=4).numpy(), np.where(2 * a > 4, a, np.log1p(np.exp(2 * a)) / 2), rtol=1e-12
    )
    # torch's gradient rule for hardtanh: zero on the bounds themselves
    edge = Tensor(np.array([-1.0, 0.0, 1.0]), requires_grad=True)
    F.hardtanh(edge).sum().backward()
    np.testing.assert_array_equal(edge.grad.numpy(), [0.0, 1.0, 0.0])
    # no overflow in the unused branch of elu and softplus for large inputs
    big = Tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    (F.elu(big) + F.softplus(big)).sum().backward()
    assert np.all(np.isfinite(big.grad.numpy()))
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(x, approximate="fast")


@pytest.mark.parametrize(
    "module, fn",
    [
        (nn.Hardtanh(-2.0, 3.0), lambda x: F.hardtanh(x, -2.0, 3.0)),
        (nn.ReLU6(), F.relu6),
        (nn.ELU(0.5), lambda x: F.elu(x, 0.5)),
        (nn.GELU(), F.gelu),
        (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh")),
        (nn.SiLU(), F.silu),
        (nn.Softplus(2, 10), lambda x: F.softplus(x, 2, 10)),
    ],
    ids=lambda v: repr(v) if isinstance(v, nn.Module) else "",
)
def test_extra_activation_modules_float32_and_inplace(module, fn):
    x = al.randn(4, 5) * 4
    y = module(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), fn(x).numpy())
    if hasattr(module, "inplace"):
        module.inplace = True
        z = x.clone()
        assert module(z) is z
        np.testing.assert_array_equal(z.numpy(), y.numpy())


@pytest.mark.parametrize(
    "module, expected",
    [
        (lambda: nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
        (lambda: nn.Hardtanh(-2.0, 3.0, True), "Hardtanh(min_val=-2.0, max_val=3.0, inplace=True)"),
        (lambda: nn.ReLU6(), "ReLU6()"),
        (lambda: nn.ReLU6(True), "ReLU6(inplace=True)"),
        (lambda: nn.ELU(), "ELU(alpha=1.0)"),
        (lambda: nn.ELU(0.5, True), "ELU(alpha=0.5, inplace=True)"),
        (lambda: nn.GELU(), "GELU(approximate='none')"),
        (lambda: nn.GELU("tanh"), "GELU(approximate='tanh')"),
        (lambda: nn.SiLU(), "SiLU()"),
        (lambda: nn.SiLU(True), "SiLU(inplace=True)"),
        (lambda: nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
        (lambda: nn.Softplus(2, 10), "Softplus(beta=2, threshold=10)"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_extra_activation_repr_matches_torch(module, expected):
    assert repr(module()) == expected


def test_relu_inplace_follows_inplace_rules():
    leaf = t64((3, 4), 0)
    with pytest.raises(RuntimeError, match="in place"):
        nn.ReLU(inplace=True)(leaf)
    y = leaf * 2.0
    out = nn.ReLU(inplace=True)(y)
    assert out is y
    np.testing.assert_array_equal(y.detach().numpy(), np.maximum(leaf.detach().numpy() * 2, 0))
    out.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), np.where(leaf.detach().numpy() > 0, 2.0, 0.0))
    plain = Tensor(np.array([-1.0, 2.0]))
    assert F.relu_(plain) is plain
    np.testing.assert_array_equal(plain.numpy(), [0.0, 2.0])
    lk = Tensor(np.array([-1.0, 2.0]))
    nn.LeakyReLU(0.5, inplace=True)(lk)
    np.testing.assert_array_equal(lk.numpy(), [-0.5, 2.0])


def test_flatten_and_unflatten():
    x = t64((2, 3, 4, 5), 0)
    y = nn.Flatten()(x)
    assert y.shape == (2, 60)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy().reshape(2, 60))
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(-2, -1)(x).shape == (2, 3, 20)
    z = nn.Unflatten(1, (3, -1))(y)
    assert z.shape == (2, 3, 20)
    assert nn.Unflatten(-1, [4, 5])(z).shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4, 5))(y).detach().numpy(), x.detach().numpy())
    assert gradcheck(nn.Sequential(nn.Flatten(), nn.Unflatten(1, (6, 10))), (x,))
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, 6)
    with pytest.raises(TypeError, match="pos 1"):
        nn.Unflatten(1, (2, 3.0))


# ---- dropout ---------------------------------------------------------------------------------------------


def _seeded(fn, seed=7):
    def call(*args):
        al.manual_seed(seed)
        return fn(*args)

    return call


@given(st.tensors(st.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)), hs.sampled_from([0.2, 0.5, 0.9]))
def test_dropout_gradcheck_with_fixed_mask(x, p):
    assert gradcheck(_seeded(lambda x: F.dropout(x, p)), (x,))


@FEW
@given(st.tensors(st.shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)))
def test_dropout_gradgradcheck_with_fixed_mask(x):
    assert gradgradcheck(_seeded(lambda x: F.dropout(x, 0.4) ** 2), (x,))


def test_dropout2d_gradcheck_with_fixed_mask():
    x = t64((3, 4, 2, 2), 0)
    assert gradcheck(_seeded(lambda x: F.dropout2d(x, 0.5)), (x,))
    assert gradgradcheck(_seeded(lambda x: F.dropout2d(x, 0.5) * x), (x,))


def test_dropout_gradient_is_the_mask():
    x = Tensor(np.random.default_rng(0).standard_normal(1000), requires_grad=True)
    al.manual_seed(1)
    out = F.dropout(x, 0.3)
    g = np.random.default_rng(1).standard_normal(1000)
    out.backward(Tensor(g))
    mask = out.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), g * mask, rtol=1e-12)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    al.manual_seed(0)
    x = al.ones(400_000)
    out = F.dropout(x, p).numpy()
    assert out.dtype == np.float32
    kept = out != 0
    # fraction kept ~ 1 - p; the standard deviation of the fraction is sqrt(p (1 - p) / n) < 0.0008
    assert abs(kept.mean() - (1 - p)) < 0.004
    np.testing.assert_array_equal(out[kept], np.float32(1 / (1 - p)))
    assert abs(out.mean() - 1.0) < 0.01  # the expectation is preserved


def test_dropout_module_train_and_eval():
    x = al.randn(50, 20)
    layer = nn.Dropout(0.5)
    assert layer.training
    al.manual_seed(3)
    y = layer(x)
    assert (y.numpy() == 0).any()
    al.manual_seed(3)
    np.testing.assert_array_equal(y.numpy(), F.dropout(x, 0.5).numpy())
    layer.eval()
    for out in (layer(x), F.dropout(x, 0.5, training=False)):  # a new tensor sharing x's memory
        assert out is not x and np.shares_memory(out._array, x._array) and out.tolist() == x.tolist()
    assert nn.Sequential(nn.Dropout2d(0.5)).eval()(al.randn(2, 3, 4, 4)).numpy().all()


def test_dropout_same_seed_same_mask_other_seed_other_mask():
    x = al.ones(200)
    al.manual_seed(11)
    a = F.dropout(x, 0.5).numpy().copy()
    b = F.dropout(x, 0.5).numpy().copy()  # the generator moved on
    al.manual_seed(11)
    c = F.dropout(x, 0.5).numpy().copy()
    al.manual_seed(11)
    d = F.dropout(x.double(), 0.5).numpy()  # the mask does not depend on the dtype
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(a != 0, d != 0)
    assert not np.array_equal(a, b)


def test_dropout_p_zero_one_and_invalid():
    x = al.randn(4, 5, requires_grad=True)
    same = F.dropout(x, 0.0)
    assert same is not x and same.tolist() == x.tolist() and not same.is_leaf
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(y.detach().numpy(), np.zeros((4, 5), np.float32))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((4, 5), np.float32))
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, bad)
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout2d(x, bad)
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(bad)
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout2d(bad)


def test_dropout_inplace():
    x = al.ones(1000)
    al.manual_seed(2)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(x.numpy())) == {0.0, 2.0}
    assert x._version == 1
    leaf = al.ones(10, requires_grad=True)
    with pytest.raises(RuntimeError, match="in place"):
        nn.Dropout(0.5, inplace=True)(leaf)


def test_dropout2d_zeros_whole_channels():
    x = al.ones(16, 32, 5, 5)
    al.manual_seed(0)
    out = nn.Dropout2d(0.5)(x).numpy()
    per_channel = out.reshape(16, 32, 25)
    assert np.all(per_channel == per_channel[:, :, :1])  # each channel is constant ...
    values = set(np.unique(per_channel[:, :, 0]))
    assert values == {0.0, 2.0}  # ... all dropped or all kept and scaled
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.5) < 0.1


def test_dropout2d_3d_input_is_channelwise_over_the_last_dim_like_torch():
    x = al.ones(8, 6, 10)
    al.manual_seed(0)
    with pytest.warns(UserWarning, match=r"interpreted as shape \(N, C, L\)"):
        out = F.dropout2d(x, 0.5).numpy()
    assert np.all(out == out[:, :, :1])
    assert len(np.unique(out[:, :, 0])) == 2


# ---- batch norm: gradients ---------------------------------------------------------------------------


@hs.composite
def bn_inputs(draw, max_spatial=2, max_side=3):
    n = draw(hs.integers(2, 4))
    c = draw(hs.integers(1, 3))
    spatial = draw(st.shapes(min_dims=0, max_dims=max_spatial, min_side=1, max_side=max_side))
    affine = draw(hs.booleans())
    # well-spread values (separated multiples of 1/8): a channel of nearly equal values has a tiny
    # variance, where the normalisation is legitimately ill-conditioned for finite differences
    x = draw(st.tensors((n, c) + spatial, unique=True, min_value=-8, max_value=8, separated=True))
    w = draw(st.tensors((c,), min_value=0.5, max_value=2)) if affine else None
    b = draw(st.tensors((c,))) if affine else None
    return x, w, b


def _bn_train(x, w=None, b=None):
    return F.batch_norm(x, None, None, w, b, training=True)


@given(bn_inputs())
def test_batch_norm_training_gradcheck(args):
    x, w, b = args
    if w is None:
        assert gradcheck(_bn_train, (x,))
    else:
        assert gradcheck(_bn_train, (x, w, b))


@FEW
@given(bn_inputs(max_spatial=1, max_side=2))
def test_batch_norm_training_gradgradcheck(args):
    x, w, b = args
    if w is None:
        assert gradgradcheck(_bn_train, (x,))
    else:
        assert gradgradcheck(_bn_train, (x, w, b))


def test_batch_norm_training_gradcheck_updates_running_stats_without_changing_gradients():
    x, w, b = t64((4, 3, 2), 0), t64((3,), 1), t64((3,), 2)
    rm, rv = al.zeros(3, dtype=al.float64), al.ones(3, dtype=al.float64)
    fn = lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert not np.array_equal(rm.numpy(), np.zeros(3))


@given(bn_inputs(), hs.booleans())
def test_batch_norm_eval_gradcheck(args, second_order):
    x, w, b = args
    c = x.shape[1]
    rng = np.random.default_rng(c)
    rm, rv = Tensor(rng.standard_normal(c)), Tensor(rng.uniform(0.5, 2.0, c))
    check = gradgradcheck if second_order else gradcheck
    if w is None:
        assert check(lambda x: F.batch_norm(x, rm, rv, training=False) ** 2, (x,))
    else:
        assert check(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False) ** 2, (x, w, b))


def test_batch_norm_gradgradcheck_weight_only():
    # second derivatives through weight alone (x constant) and x alone (weight constant)
    x, w, b = t64((3, 2, 2), 0), t64((2,), 1), t64((2,), 2)
    assert gradgradcheck(lambda w: _bn_train(x.detach(), w, b.detach()) ** 2, (w,))
    assert gradgradcheck(lambda x: _bn_train(x, w.detach(), None), (x,))


# ---- batch norm: values and running statistics -------------------------------------------------------


def _bn_numpy(x, mean, var, w, b, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + b.reshape(shape)


@pytest.mark.parametrize(
    "cls, shape", [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5)), (nn.BatchNorm2d, (4, 3, 2, 5))]
)
def test_batch_norm_train_running_stats_by_hand(cls, shape):
    layer = cls(3, momentum=0.2).double()
    rng = np.random.default_rng(0)
    layer.weight._array[...] = rng.uniform(0.5, 2, 3)
    layer.bias._array[...] = rng.standard_normal(3)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    axes = (0,) + tuple(range(2, len(shape)))
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(3):
        x = rng.standard_normal(shape) * 3 + 1
        out = layer(Tensor(x))
        mean, var = x.mean(axes), x.var(axes)
        n = x.size // 3
        np.testing.assert_allclose(out.detach().numpy(), _bn_numpy(x, mean, var, w, b), rtol=1e-10, atol=1e-12)
        rm = 0.8 * rm + 0.2 * mean
        rv = 0.8 * rv + 0.2 * var * n / (n - 1)  # the unbiased variance
        np.testing.assert_allclose(layer.running_mean.numpy(), rm, rtol=1e-12)
        np.testing.assert_allclose(layer.running_var.numpy(), rv, rtol=1e-12)
        assert layer.num_batches_tracked.item() == step + 1
    assert layer.num_batches_tracked.dtype == np.int64 and layer.num_batches_tracked.shape == ()
    # eval: the running statistics, which then stay as they are
    layer.eval()
    x = rng.standard_normal(shape)
    out = layer(Tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), _bn_numpy(x, rm, rv, w, b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean.numpy(), rm, rtol=1e-12)
    assert layer.num_batches_tracked.item() == 3


def test_batch_norm_momentum_none_is_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None).double()
    rng = np.random.default_rng(1)
    means, variances = [], []
    for _ in range(4):
        x = rng.standard_normal((5, 2)) * 2 - 1
        layer(Tensor(x))
        means.append(x.mean(0))
        variances.append(x.var(0, ddof=1))
    # factor 1/k at step k: the first step replaces the initial (0, 1), then a plain average
    np.testing.assert_allclose(layer.running_mean.numpy(), np.mean(means, 0), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.numpy(), np.mean(variances, 0), rtol=1e-12)
    assert layer.num_batches_tracked.item() == 4


@pytest.mark.parametrize(
    "cls, shape",
    [
        (nn.BatchNorm1d, (0, 3)),
        (nn.BatchNorm1d, (4, 3, 0)),
        (nn.BatchNorm2d, (0, 3, 2, 2)),
        (nn.BatchNorm2d, (2, 3, 0, 5)),
    ],
)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_empty_training_batch_keeps_running_stats(cls, shape, momentum):
    """Regression: an empty training batch wrote NaN into running_mean/var, so every later eval output was NaN.
    As torch: the output is empty, the statistics are untouched, num_batches_tracked still counts, grads are 0."""
    layer = cls(3, momentum=momentum)
    layer.running_mean._array[...] = [1.0, 2.0, 3.0]
    x = al.zeros(*shape, requires_grad=True)
    out = layer(x)
    assert out.shape == shape and out.dtype == np.float32
    out.sum().backward()
    np.testing.assert_array_equal(layer.running_mean.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(layer.running_var.numpy(), [1.0, 1.0, 1.0])
    assert layer.num_batches_tracked.item() == 1
    np.testing.assert_array_equal(layer.weight.grad.numpy(), np.zeros(3))
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.zeros(3))
    assert x.grad.shape == shape
    layer.eval()
    assert np.isfinite(layer(al.ones(2, *shape[1:])).detach().numpy()).all()


def test_batch_norm_eval_uses_running_stats_set_by_hand():
    layer = nn.BatchNorm2d(2, eps=1e-3).eval()
    layer.running_mean._array[...] = [1.0, -2.0]
    layer.running_var._array[...] = [4.0, 0.25]
    x = al.randn(3, 2, 4, 4)
    out = layer(x)
    expected = _bn_numpy(x.numpy(), np.array([1.0, -2.0]), np.array([4.0, 0.25]), np.ones(2), np.zeros(2), 1e-3)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32
    assert layer.num_batches_tracked.item() == 0


def test_batch_norm_functional_momentum_and_no_running_stats():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 4))
    rm, rv = Tensor(np.full(4, 0.5)), Tensor(np.full(4, 2.0))
    version = rm._version
    F.batch_norm(Tensor(x), rm, rv, training=True, momentum=0.5)
    np.testing.assert_allclose(rm.numpy(), 0.25 + 0.5 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 1.0 + 0.5 * x.var(0, ddof=1), rtol=1e-12)
    assert rm._version == version + 1
    out = F.batch_norm(Tensor(x), None, None, training=True)
    np.testing.assert_allclose(out.numpy(), (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-10)
    with pytest.raises(ValueError, match="evaluation mode"):
        F.batch_norm(Tensor(x), None, None, training=False)


def test_batch_norm_track_running_stats_false_and_affine_false():
    layer = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert layer.weight is None and layer.bias is None
    assert layer.running_mean is None and layer.num_batches_tracked is None
    assert list(layer.parameters()) == [] and list(layer.state_dict()) == []
    x = al.randn(6, 3)
    train_out = layer(x).numpy()
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), train_out)  # batch statistics in eval too
    a = x.numpy().astype(np.float64)
    np.testing.assert_allclose(train_out, (a - a.mean(0)) / np.sqrt(a.var(0) + 1e-5), rtol=1e-5, atol=1e-6)
    affine_only = nn.BatchNorm2d(3, track_running_stats=False)
    assert list(affine_only.state_dict()) == ["weight", "bias"]


def test_batch_norm_state_dict_and_load():
    layer = nn.BatchNorm2d(3)
    sd = layer.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in layer.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(sd["weight"].numpy(), np.ones(3, np.float32))
    np.testing.assert_array_equal(sd["bias"].numpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(sd["running_mean"].numpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(sd["running_var"].numpy(), np.ones(3, np.float32))
    assert sd["num_batches_tracked"].dtype == np.int64
    other = nn.BatchNorm2d(3)
    other.train()
    other(al.randn(4, 3, 2, 2))
    other(al.randn(4, 3, 2, 2))
    layer.load_state_dict({k: v.numpy().copy() for k, v in other.state_dict().items()})
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(layer.state_dict()[k].numpy(), v.numpy())
    assert layer.num_batches_tracked.item() == 2
    layer.reset_running_stats()
    assert layer.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(layer.running_var.numpy(), np.ones(3, np.float32))


def test_batch_norm_float32_stays_float32_and_double_converts():
    layer = nn.BatchNorm1d(4)
    x = al.randn(5, 4, 3, requires_grad=True)
    y = layer(x)
    assert y.dtype == np.float32 and layer.running_mean.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    layer.double()
    assert layer.running_var.dtype == np.float64 and layer.num_batches_tracked.dtype == np.int64
    assert layer(x.detach().double()).dtype == np.float64


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(al.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(al.zeros(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"\(2, 4, 5\).*4 channels.*num_features=3"):
        nn.BatchNorm1d(3)(al.zeros(2, 4, 5))
    with pytest.raises(RuntimeError, match=r"running_mean should contain 3 elements.*\(2, 3\).*not 4"):
        F.batch_norm(al.zeros(2, 3), al.zeros(4), al.ones(4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(al.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(al.zeros(1, 3))  # fine in eval mode
    with pytest.raises(ValueError, match="eps must be positive"):
        F.batch_norm(al.randn(4, 3), None, None, training=True, eps=0.0)


def test_batch_norm_saved_statistics_survive_a_later_update():
    # an eval-mode graph keeps its own copy of the running statistics
    layer = nn.BatchNorm1d(2).double().eval()
    x = t64((4, 2), 0)
    out = layer(x)
    layer.train()
    layer(Tensor(np.random.default_rng(0).standard_normal((4, 2)) * 5 + 3))  # updates the buffers in place
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((4, 2), 1 / np.sqrt(1 + 1e-5)), rtol=1e-12)


@pytest.mark.parametrize("case", ["linear", "bn_train", "bn_train_no_affine", "bn_eval", "dropout"])
def test_create_graph_gradients_equal_plain_gradients(case):
    # gradgradcheck checks the create_graph backward against its own finite differences; this checks
    # that its first-order values are those of the plain (numpy) backward
    x, w, b = t64((4, 3, 2), 0), t64((3,), 1), t64((3,), 2)
    rm, rv = Tensor(np.array([0.5, -1.0, 2.0])), Tensor(np.array([0.5, 2.0, 1.5]))
    fn, inputs = {
        "linear": (F.linear, (x, t64((5, 2), 3), t64((5,), 4))),
        "bn_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b)),
        "bn_train_no_affine": (lambda x: F.batch_norm(x, None, None, training=True), (x,)),
        "bn_eval": (lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b)),
        "dropout": (_seeded(lambda x: F.dropout(x, 0.5)), (x,)),
    }[case]
    out = fn(*inputs)
    g = Tensor(np.random.default_rng(9).standard_normal(out.shape))
    plain = al.grad(out, inputs, grad_outputs=g, retain_graph=True)
    graphed = al.grad(fn(*inputs), inputs, grad_outputs=g, create_graph=True)
    # recorded, except where the gradient is a constant (dropout's grad * mask, batch norm's bias grad)
    assert graphed[0].requires_grad == (case != "dropout")
    for p_, q in zip(plain, graphed):
        np.testing.assert_allclose(q.detach().numpy(), p_.numpy(), rtol=1e-10, atol=1e-12)
