"""Module machinery and nn.init / nn.utils against PyTorch: state_dict interchange, names, repr, init formulas,
gradient clipping."""

import math

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402

import autograd_lite as al  # noqa: E402
import nn  # noqa: E402
from nn import init, utils  # noqa: E402


def _make_classes(lib, tensor_lib):
    """The same tiny module tree for both libraries, built from ``lib.Parameter`` (class names identical, so
    that reprs can be compared)."""

    class Affine(lib.Module):
        def __init__(self, n_in, n_out, bias=True):
            super().__init__()
            self.n_in, self.n_out = n_in, n_out
            self.weight = lib.Parameter(tensor_lib.randn(n_out, n_in))
            if bias:
                self.bias = lib.Parameter(tensor_lib.randn(n_out))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.T
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return f"in_features={self.n_in}, out_features={self.n_out}, bias={self.bias is not None}"

    class Act(lib.Module):
        def forward(self, x):
            return x.relu()

    class Norm(lib.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n
            self.weight = lib.Parameter(tensor_lib.ones(n))
            self.bias = lib.Parameter(tensor_lib.zeros(n))
            self.register_buffer("running_mean", tensor_lib.zeros(n))
            self.register_buffer("running_var", tensor_lib.ones(n))
            self.register_buffer("num_batches_tracked", tensor_lib.tensor(0))
            self.register_buffer("scratch", tensor_lib.zeros(n), persistent=False)

        def forward(self, x):
            return x * self.weight + self.bias

        def extra_repr(self):
            return f"{self.n}, eps=1e-05\nmomentum=0.1"

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            shared = Affine(8, 8)
            self.features = lib.Sequential(Affine(4, 8), Act(), Norm(8), shared, Act(), shared)
            self.blocks = lib.ModuleList([Act(), Act(), Act(), Affine(8, 8, bias=False), Act()])
            self.heads = lib.ModuleDict({"cls": Affine(8, 3, bias=False), "reg": Affine(8, 1)})
            self.empty = lib.Sequential()
            self.scale = lib.Parameter(tensor_lib.ones(1))

        def forward(self, x):
            h = self.features(x)
            for block in self.blocks:
                h = block(h)
            return self.heads["cls"](h) * self.scale, self.heads["reg"](h)

    return Net


AlNet = _make_classes(nn, al)
TorchNet = _make_classes(torch.nn, torch)


def _to_torch(model):
    # the documented conversion (nn/modules/module.py, Module.state_dict)
    return {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}


def test_state_dict_keys_and_order_match_torch():
    assert list(AlNet().state_dict()) == list(TorchNet().state_dict())


def test_names_of_parameters_buffers_and_modules_match_torch():
    ours, theirs = AlNet(), TorchNet()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [p.shape for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]


def test_repr_matches_torch():
    assert repr(AlNet()) == repr(TorchNet())


def test_our_state_dict_loads_into_torch_with_the_documented_line():
    ours, theirs = AlNet(), TorchNet()
    ours.features[2].num_batches_tracked._array[...] = 5
    result = theirs.load_state_dict(_to_torch(ours), strict=True)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ours.state_dict()[k].numpy(), err_msg=k)
    assert theirs.features[2].num_batches_tracked.dtype == torch.int64
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    for a, b in zip(ours(al.tensor(x)), theirs(torch.from_numpy(x))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_load_state_dict_accepts_torch_tensors_under_torch_names():
    ours, theirs = AlNet(), TorchNet()
    theirs.features[2].num_batches_tracked += 3
    result = ours.load_state_dict(theirs.state_dict())
    assert result == ([], [])
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    assert int(ours.features[2].num_batches_tracked) == 3
    # Parameters themselves (requires_grad=True) are accepted too
    ours.load_state_dict(dict(theirs.named_parameters()), strict=False)
    np.testing.assert_array_equal(ours.scale._array, theirs.scale.detach().numpy())


def test_non_strict_results_match_torch():
    ours, theirs = AlNet(), TorchNet()
    sd = _to_torch(ours)
    del sd["heads.reg.bias"], sd["features.0.weight"]
    sd["bogus.weight"] = torch.ones(1)
    a = ours.load_state_dict(sd, strict=False)
    b = theirs.load_state_dict(sd, strict=False)
    assert (a.missing_keys, a.unexpected_keys) == (list(b.missing_keys), list(b.unexpected_keys))
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(sd)
    with pytest.raises(RuntimeError) as torch_err:
        theirs.load_state_dict(sd)
    for text in (str(ours_err.value), str(torch_err.value)):
        assert text.startswith("Error(s) in loading state_dict for Net:")
        assert 'Missing key(s) in state_dict: "features.0.weight", "heads.reg.bias"' in text
        assert 'Unexpected key(s) in state_dict: "bogus.weight"' in text


def test_module_list_and_sequential_editing_match_torch():
    def build(lib):
        class Identity(lib.Module):
            def forward(self, x):
                return x

        seq = lib.Sequential(Identity(), lib.Sequential(), lib.ModuleList())
        seq.append(lib.Sequential())
        del seq[1]
        seq.append(Identity())
        seq.insert(1, lib.ModuleDict())
        seq.extend([Identity()])
        seq[0] = lib.ModuleList([Identity()])
        ml = lib.ModuleList([Identity()] * 3)
        ml.insert(1, lib.Sequential())
        del ml[0]
        ml.append(Identity())
        ml[0] = Identity()
        return seq, ml, seq[1:3], ml[1:]

    for ours, theirs in zip(build(nn), build(torch.nn)):
        assert repr(ours) == repr(theirs)
        assert list(ours._modules) == list(theirs._modules)


# ---- nn.init --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("conv1d", None),
        ("conv2d", None),
        ("conv3d", None),
        ("conv_transpose1d", None),
        ("conv_transpose2d", None),
        ("conv_transpose3d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 0),
        ("leaky_relu", math.sqrt(5)),
        ("selu", None),
    ],
)
def test_calculate_gain_equals_torch_exactly(nonlinearity, param):
    ours = init.calculate_gain(nonlinearity, param)
    theirs = torch.nn.init.calculate_gain(nonlinearity, param)
    assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize("args", [("softplus", None), ("leaky_relu", True), ("leaky_relu", "0.1")])
def test_calculate_gain_errors_like_torch(args):
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(*args)
    with pytest.raises(ValueError):
        init.calculate_gain(*args)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (16, 3, 5, 5), (4, 2, 7), (2, 3, 2, 2, 2), (1, 1)])
def test_fans_equal_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(al.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def _torch_kaiming_bound(t, a, mode, nonlinearity):
    fan = torch.nn.init._calculate_correct_fan(t, mode)
    return math.sqrt(3.0) * torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)


@pytest.mark.parametrize(
    "shape, a, mode, nonlinearity",
    [
        ((300, 200), 0, "fan_in", "leaky_relu"),
        ((300, 200), math.sqrt(5), "fan_in", "leaky_relu"),
        ((300, 200), 0, "fan_out", "relu"),
        ((64, 16, 3, 3), 0.1, "fan_in", "leaky_relu"),
        ((64, 16, 3, 3), 0, "fan_out", "tanh"),
    ],
)
def test_kaiming_uniform_bounds_and_normal_std_agree_with_torch(shape, a, mode, nonlinearity):
    al.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = al.empty(*shape), torch.empty(*shape)
    bound = _torch_kaiming_bound(theirs, a, mode, nonlinearity)
    init.kaiming_uniform_(ours, a=a, mode=mode, nonlinearity=nonlinearity)
    torch.nn.init.kaiming_uniform_(theirs, a=a, mode=mode, nonlinearity=nonlinearity)
    for sample in (ours.numpy(), theirs.numpy()):
        assert np.abs(sample).max() <= bound * (1 + 1e-6)
        assert np.abs(sample).max() > 0.99 * bound
    init.kaiming_normal_(ours, a=a, mode=mode, nonlinearity=nonlinearity)
    torch.nn.init.kaiming_normal_(theirs, a=a, mode=mode, nonlinearity=nonlinearity)
    std = bound / math.sqrt(3.0)
    assert ours.numpy().std() == pytest.approx(std, rel=0.03)
    assert theirs.numpy().std() == pytest.approx(ours.numpy().std(), rel=0.05)


@pytest.mark.parametrize("shape, gain", [((300, 200), 1.0), ((32, 16, 5, 5), init.calculate_gain("relu"))])
def test_xavier_bounds_and_std_agree_with_torch(shape, gain):
    al.manual_seed(1)
    torch.manual_seed(1)
    ours, theirs = al.empty(*shape), torch.empty(*shape)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(theirs)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    init.xavier_uniform_(ours, gain=gain)
    torch.nn.init.xavier_uniform_(theirs, gain=gain)
    for sample in (ours.numpy(), theirs.numpy()):
        assert bound * 0.99 < np.abs(sample).max() <= bound * (1 + 1e-6)
    init.xavier_normal_(ours, gain=gain)
    torch.nn.init.xavier_normal_(theirs, gain=gain)
    assert ours.numpy().std() == pytest.approx(theirs.numpy().std(), rel=0.05)
    assert ours.numpy().std() == pytest.approx(bound / math.sqrt(3.0), rel=0.03)


def test_init_errors_like_torch():
    for fn in (init.kaiming_uniform_, init.xavier_uniform_):
        with pytest.raises(ValueError):
            fn(al.empty(5))
    with pytest.raises(ValueError):
        torch.nn.init.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="fan_avg"):
        init.kaiming_uniform_(al.empty(3, 3), mode="fan_avg")


# ---- nn.utils -------------------------------------------------------------------------------------


def _grads(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(s) * scale).astype(np.float32) for s in [(3, 4), (4,), (2, 2, 2)]]


def _pair(grads):
    ours = [nn.Parameter(al.zeros(*g.shape)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(*g.shape)) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = al.tensor(g.copy())
        q.grad = torch.from_numpy(g.copy())
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _pair(_grads(2))
    total = utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.dtype == np.float32 and total.shape == ()
    assert float(total) == pytest.approx(float(expected), rel=1e-5)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_nonfinite_matches_torch():
    grads = _grads(3)
    grads[1][0] = np.nan
    ours, theirs = _pair(grads)
    for fn, params in ((utils.clip_grad_norm_, ours), (torch.nn.utils.clip_grad_norm_, theirs)):
        with pytest.raises(RuntimeError, match="non-finite"):
            fn(params, 1.0, error_if_nonfinite=True)
    total = utils.clip_grad_norm_(ours, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert math.isnan(float(total)) and math.isnan(float(expected))
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(np.isnan(p.grad.numpy()), np.isnan(q.grad.numpy()))


def test_clip_grad_value_matches_torch():
    ours, theirs = _pair(_grads(4, scale=3.0))
    utils.clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_parameters_to_vector_and_back_match_torch():
    ours, theirs = _pair(_grads(5))
    for p, q, g in zip(ours, theirs, _grads(6)):
        p._array[...] = g
        q.data.copy_(torch.from_numpy(g))
    vec = utils.parameters_to_vector(ours)
    np.testing.assert_array_equal(vec.detach().numpy(), torch.nn.utils.parameters_to_vector(theirs).detach().numpy())
    new = np.arange(vec.numel(), dtype=np.float32)
    utils.vector_to_parameters(al.tensor(new), ours)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new), theirs)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p._array, q.detach().numpy())
