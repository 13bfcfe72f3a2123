"""nn.init (bounds, statistics, reproducibility, fans, errors) and nn.utils (gradient clipping, parameter
vectors, per-layer gradient norms)."""

import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as al
import nn
from nn import init, utils

RANDOM_INITS = {
    "uniform_": lambda t: init.uniform_(t, -2.0, 3.0),
    "normal_": lambda t: init.normal_(t, 1.0, 2.0),
    "xavier_uniform_": init.xavier_uniform_,
    "xavier_normal_": init.xavier_normal_,
    "kaiming_uniform_": init.kaiming_uniform_,
    "kaiming_normal_": init.kaiming_normal_,
    "large_normal_": init.large_normal_,
    "scaled_normal_": init.scaled_normal_,
}


# ---- gains and fans ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nonlinearity, param, gain",
    [
        ("linear", None, 1),
        ("conv2d", None, 1),
        ("conv_transpose3d", None, 1),
        ("sigmoid", None, 1),
        ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
        ("leaky_relu", 1, 1.0),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain(nonlinearity, param, gain):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="'softplus'"):
        init.calculate_gain("softplus")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize(
    "shape, fans", [((3, 5), (5, 3)), ((16, 3, 5, 5), (75, 400)), ((4, 2, 7), (14, 28)), ((10, 20), (20, 10))]
)
def test_fan_in_and_fan_out(shape, fans):
    assert init._calculate_fan_in_and_fan_out(al.empty(*shape)) == fans


@pytest.mark.parametrize("shape", [(5,), ()])
def test_fans_need_two_dimensions(shape):
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(al.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.scaled_normal_(al.empty(*shape))


# ---- in place, reproducible ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RANDOM_INITS))
def test_random_inits_fill_in_place_without_a_graph_and_are_reproducible(name):
    fn = RANDOM_INITS[name]
    p = nn.Parameter(al.zeros(20, 30))
    array, version = p._array, p._version
    assert fn(p) is p
    assert p._array is array and p._version > version
    assert isinstance(p, nn.Parameter) and p.requires_grad and p.grad_fn is None and p.dtype == np.float32
    assert len(np.unique(p._array)) > 500
    al.manual_seed(123)
    first = fn(al.empty(20, 30)).numpy().copy()
    al.manual_seed(123)
    second = fn(al.empty(20, 30)).numpy().copy()
    third = fn(al.empty(20, 30)).numpy().copy()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, third)
    t64 = fn(al.empty(20, 30, dtype=al.float64))
    assert t64.dtype == np.float64 and len(np.unique(t64.numpy())) == 600


@pytest.mark.parametrize(
    "name",
    [
        "uniform_",
        "normal_",
        "xavier_uniform_",
        "xavier_normal_",
        "kaiming_uniform_",
        "kaiming_normal_",
        "large_normal_",
        "scaled_normal_",
    ],
)
def test_explicit_generator_is_used_and_default_one_untouched(name):
    fn = getattr(init, name)
    al.manual_seed(5)
    expected_next = al.rand(3).numpy().copy()
    al.manual_seed(5)
    a = fn(al.empty(4, 6), generator=np.random.default_rng(1)).numpy().copy()
    b = fn(al.empty(4, 6), generator=np.random.default_rng(1)).numpy().copy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(al.rand(3).numpy(), expected_next)


def test_random_inits_reject_integer_tensors_and_non_tensors():
    with pytest.raises(TypeError, match="floating"):
        init.normal_(al.zeros(2, 2, dtype=al.int64))
    with pytest.raises(TypeError, match="Tensor"):
        init.uniform_(np.zeros((2, 2)))


def test_constant_ones_zeros():
    t = al.empty(3, 4)
    assert init.constant_(t, 0.25) is t and np.all(t.numpy() == 0.25)
    assert np.all(init.ones_(t).numpy() == 1)
    assert np.all(init.zeros_(t).numpy() == 0)
    i = al.zeros(3, dtype=al.int64)
    assert init.constant_(i, 7).tolist() == [7, 7, 7] and i.dtype == np.int64
    p = nn.Parameter(al.zeros(2))
    version = p._version
    init.ones_(p)
    assert p.tolist() == [1.0, 1.0] and p._version > version and p.grad_fn is None


def test_init_of_a_parameter_inside_a_graph_does_not_record():
    p = nn.Parameter(al.ones(3, 3))
    init.normal_(p)
    y = (p * 2).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.full((3, 3), 2.0))


# ---- distributions ---------------------------------------------------------------------------------


def test_uniform_bounds_and_mean():
    t = init.uniform_(al.empty(200_000), -2.0, 3.0).numpy()
    assert t.min() >= -2.0 and t.max() < 3.0
    assert t.min() < -1.99 and t.max() > 2.99
    assert t.mean() == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="lower bound"):
        init.uniform_(al.empty(2), 1.0, 0.0)


def test_normal_mean_and_std():
    t = init.normal_(al.empty(200_000), 1.0, 2.0).numpy()
    assert t.mean() == pytest.approx(1.0, abs=0.03)
    assert t.std() == pytest.approx(2.0, rel=0.01)
    with pytest.raises(ValueError, match="standard deviation"):
        init.normal_(al.empty(2), 0.0, -1.0)


def test_xavier_uniform_and_normal():
    t = al.empty(400, 600)
    bound = 2.0 * math.sqrt(6.0 / 1000)
    init.xavier_uniform_(t, gain=2.0)
    assert np.abs(t.numpy()).max() <= bound and np.abs(t.numpy()).max() > 0.999 * bound
    assert t.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    init.xavier_normal_(t)
    assert t.numpy().std() == pytest.approx(math.sqrt(2.0 / 1000), rel=0.01)
    assert t.numpy().mean() == pytest.approx(0.0, abs=0.001)


@pytest.mark.parametrize(
    "shape, a, mode, nonlinearity, fan",
    [
        ((400, 500), 0, "fan_in", "leaky_relu", 500),
        ((400, 500), 0, "fan_out", "relu", 400),
        ((400, 500), math.sqrt(5), "fan_in", "leaky_relu", 500),
        ((64, 32, 3, 3), 0, "fan_in", "relu", 288),
        ((64, 32, 3, 3), 0, "FAN_OUT", "relu", 576),
    ],
)
def test_kaiming(shape, a, mode, nonlinearity, fan):
    gain = math.sqrt(2.0 / (1 + a**2)) if nonlinearity == "leaky_relu" else math.sqrt(2.0)
    t = al.empty(*shape)
    init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    bound = gain * math.sqrt(3.0 / fan)
    assert np.abs(t.numpy()).max() <= bound and np.abs(t.numpy()).max() > 0.999 * bound
    init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    assert t.numpy().std() == pytest.approx(gain / math.sqrt(fan), rel=0.01)


def test_kaiming_sqrt5_is_the_linear_default_bound():
    # torch's Linear init, kaiming_uniform_(a=sqrt(5)), is U(-1/sqrt(in), 1/sqrt(in))
    t = init.kaiming_uniform_(al.empty(100, 400), a=math.sqrt(5))
    assert np.abs(t.numpy()).max() == pytest.approx(1 / 20, rel=1e-3)


def test_kaiming_errors_and_zero_element_tensors():
    with pytest.raises(ValueError, match="fan_avg"):
        init.kaiming_normal_(al.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="'gelu'"):
        init.kaiming_uniform_(al.empty(3, 3), nonlinearity="gelu")
    with pytest.raises(ValueError, match="fewer than 2"):
        init.kaiming_uniform_(al.empty(3))
    empty = al.empty(0, 3)
    with pytest.warns(UserWarning, match="no-op"):
        assert init.kaiming_uniform_(empty) is empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert init.xavier_uniform_(empty) is empty and init.scaled_normal_(empty) is empty


def test_nielsen_large_versus_scaled_normal():
    """Nielsen ch. 3: with n_in = 1000 inputs of which half are 1, z = sum_j w_j x_j + b has standard
    deviation sqrt(501) ~ 22.4 with N(0, 1) weights ("a very broad Gaussian"), but sqrt(3/2) ~ 1.22 with
    N(0, 1/n_in) weights (biases N(0, 1) in both)."""
    al.manual_seed(0)
    n_neurons, n_in = 4000, 1000
    x = np.zeros(n_in, dtype=np.float32)
    x[:500] = 1.0
    b = init.large_normal_(al.empty(n_neurons)).numpy()
    w_large = init.large_normal_(al.empty(n_neurons, n_in)).numpy()
    assert w_large.std() == pytest.approx(1.0, rel=0.01)
    assert (w_large @ x + b).std() == pytest.approx(math.sqrt(501), rel=0.05)
    w = al.empty(n_neurons, n_in)  # a Linear weight: (out, in), so n_in = in = size(1)
    init.scaled_normal_(w)
    assert w.numpy().std() == pytest.approx(1 / math.sqrt(n_in), rel=0.01)
    assert (w.numpy() @ x + b).std() == pytest.approx(math.sqrt(1.5), rel=0.05)


def test_scaled_normal_uses_the_fan_in_of_conv_weights():
    w = init.scaled_normal_(al.empty(64, 8, 5, 5))
    assert w.numpy().std() == pytest.approx(1 / math.sqrt(200), rel=0.02)


# ---- clipping --------------------------------------------------------------------------------------


def _params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(al.zeros(*np.shape(g)))
        p.grad = al.tensor(np.asarray(g, dtype=np.float32))
        params.append(p)
    return params


def test_clip_grad_norm_by_hand():
    a, b = _params_with_grads([3.0, 4.0], [[12.0]])
    total = utils.clip_grad_norm_([a, b], max_norm=6.5)
    assert isinstance(total, al.Tensor) and total.shape == () and float(total) == pytest.approx(13.0)
    scale = 6.5 / (13.0 + 1e-6)
    np.testing.assert_allclose(a.grad.numpy(), [3 * scale, 4 * scale], rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [[12 * scale]], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_unchanged():
    a, b = _params_with_grads([3.0, 4.0], [[12.0]])
    version = a.grad._version
    assert float(utils.clip_grad_norm_(iter([a, b]), max_norm=20.0)) == pytest.approx(13.0)
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [[12.0]]
    assert a.grad._version == version
    # at max_norm == total norm the coefficient 13 / (13 + 1e-6) is just below 1: scaled, as in torch
    utils.clip_grad_norm_([a, b], max_norm=13.0)
    assert 0 < 4.0 - a.grad.tolist()[1] < 1e-5


def test_clip_grad_norm_other_norms():
    a, b = _params_with_grads([3.0, -4.0], [[-12.0]])
    assert float(utils.clip_grad_norm_([a, b], 100.0, norm_type=1)) == pytest.approx(19.0)
    assert float(utils.clip_grad_norm_([a, b], 100.0, norm_type="inf")) == pytest.approx(12.0)
    total = utils.clip_grad_norm_([a, b], 6.0, norm_type=math.inf)
    assert float(total) == pytest.approx(12.0)
    np.testing.assert_allclose(b.grad.numpy(), [[-6.0]], rtol=1e-6)
    np.testing.assert_allclose(a.grad.numpy(), [1.5, -2.0], rtol=1e-6)
    (c,) = _params_with_grads([1.0, 2.0, 2.0])
    assert float(utils.clip_grad_norm_(c, 100.0, norm_type=3)) == pytest.approx(17 ** (1 / 3))


def test_clip_grad_norm_single_tensor_generators_and_missing_grads():
    model = nn.Module()
    model.a, model.b = _params_with_grads([3.0, 4.0], [0.0])
    model.c = nn.Parameter(al.ones(2))  # no grad: skipped
    total = utils.clip_grad_norm_(model.parameters(), 1.0)  # a generator
    assert float(total) == pytest.approx(5.0)
    np.testing.assert_allclose(model.a.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    assert model.c.grad is None
    assert float(utils.clip_grad_norm_(model.a, 100.0)) == pytest.approx(1.0, rel=1e-5)
    assert float(utils.clip_grad_norm_([model.c], 1.0)) == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        assert float(utils.clip_grad_norm_((p for p in []), 1.0)) == 0.0
    with pytest.raises(TypeError, match="iterable"):
        utils.clip_grad_norm_(3.0, 1.0)


def test_clip_grad_norm_nonfinite():
    (a,) = _params_with_grads([1.0, np.inf])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    assert a.grad.tolist() == [1.0, np.inf]
    assert math.isinf(float(utils.clip_grad_norm_([a], 1.0)))  # scaled by 1/inf = 0, as torch
    assert a.grad.tolist()[0] == 0.0


def test_clip_grad_value():
    a, b = _params_with_grads([-3.0, 0.5, 2.0], [[10.0]])
    assert utils.clip_grad_value_((p for p in [a, b]), 1.0) is None
    assert a.grad.tolist() == [-1.0, 0.5, 1.0] and b.grad.tolist() == [[1.0]]
    utils.clip_grad_value_(a, 0.25)
    assert a.grad.tolist() == [-0.25, 0.25, 0.25]
    with pytest.raises(ValueError, match="non-negative"):
        utils.clip_grad_value_(a, -1.0)


# ---- parameter vectors -----------------------------------------------------------------------------


def test_parameters_to_vector_and_back():
    a, b = nn.Parameter(al.tensor([[1.0, 2.0], [3.0, 4.0]])), nn.Parameter(al.tensor([5.0]))
    vec = utils.parameters_to_vector(iter([a, b]))
    assert vec.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    (vec * al.arange(5).float()).sum().backward()  # differentiable, as torch's
    assert a.grad.tolist() == [[0.0, 1.0], [2.0, 3.0]] and b.grad.tolist() == [4.0]
    arrays = a._array, b._array
    utils.vector_to_parameters(al.tensor([9.0, 8.0, 7.0, 6.0, 5.5], dtype=al.float64), [a, b])
    assert a.tolist() == [[9.0, 8.0], [7.0, 6.0]] and b.tolist() == [5.5]
    assert (a._array, b._array) == arrays and a.dtype == np.float32  # copied in place, dtype kept
    utils.vector_to_parameters(utils.parameters_to_vector([a, b]).detach() * 2, [a, b])
    assert b.tolist() == [11.0]


def test_vector_to_parameters_errors():
    a, b = nn.Parameter(al.ones(2, 2)), nn.Parameter(al.ones(3))
    with pytest.raises(ValueError, match=r"size mismatch: vec has 6 elements but the 2 parameters have 7"):
        utils.vector_to_parameters(al.zeros(6), [a, b])
    with pytest.raises(ValueError, match="size mismatch"):
        utils.vector_to_parameters(al.zeros(8), [a, b])
    assert a.tolist() == [[1.0, 1.0], [1.0, 1.0]]  # nothing written
    with pytest.raises(TypeError, match="Tensor"):
        utils.vector_to_parameters(np.zeros(7), [a, b])
    with pytest.raises(ValueError, match="1-D"):
        utils.vector_to_parameters(al.zeros(7, 1), [a, b])
    with pytest.raises(ValueError, match="no parameters"):
        utils.parameters_to_vector([])


# ---- grad_norms ------------------------------------------------------------------------------------


class _Affine(nn.Module):
    def __init__(self, weight, bias):
        super().__init__()
        self.weight = nn.Parameter(al.tensor(weight))
        self.bias = nn.Parameter(al.tensor(bias))

    def forward(self, x):
        return x @ self.weight.T + self.bias


class _Identity(nn.Module):
    def forward(self, x):
        return x


def test_grad_norms_on_a_small_model_with_known_gradients():
    W0, b0 = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0]]), np.array([0.5, -0.5])
    W2, b2 = np.array([[2.0, -3.0]]), np.array([1.0])
    model = nn.Sequential(_Affine(W0, b0), _Identity(), _Affine(W2, b2))
    x = np.array([1.0, 2.0, 3.0])
    model(al.tensor(x[None, :])).sum().backward()
    # loss = W2 (W0 x + b0) + b2:  dW2 = h^T, db2 = 1, dW0 = W2^T x^T, db0 = W2^T
    h = W0 @ x + b0
    norm2 = math.sqrt(np.sum(h**2) + 1.0)
    norm0 = math.sqrt(np.sum(np.outer(W2[0], x) ** 2) + np.sum(W2**2))
    norms = utils.grad_norms(model)
    assert isinstance(norms, OrderedDict) and list(norms) == ["0", "2"]
    assert norms["0"] == pytest.approx(norm0, rel=1e-6) and norms["2"] == pytest.approx(norm2, rel=1e-6)
    assert all(type(v) is float for v in norms.values())
    inf = utils.grad_norms(model, norm_type=math.inf)
    assert inf == {"0": pytest.approx(9.0), "2": pytest.approx(h.max())}
    # parameters without gradients are left out; a frozen layer disappears
    model[2].bias.grad = None
    assert utils.grad_norms(model)["2"] == pytest.approx(np.linalg.norm(h), rel=1e-6)
    model[0].weight.grad = model[0].bias.grad = None
    assert list(utils.grad_norms(model)) == ["2"]


def test_grad_norms_names_nested_modules_and_the_root():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(al.ones(1))
            self.body = nn.Sequential(_Affine(np.ones((2, 2)), np.zeros(2)))

        def forward(self, x):
            return self.body(x) * self.scale

    net = Net()
    assert utils.grad_norms(net) == {}  # before backward: no gradients
    net(al.ones(1, 2, dtype="float64")).sum().backward()
    norms = utils.grad_norms(net)
    assert list(norms) == ["", "body.0"]
    assert norms[""] == pytest.approx(4.0)  # d/dscale of sum(2 * 2 outputs of value 2) = 4
    with pytest.raises(TypeError, match="Module"):
        utils.grad_norms([net.scale])
