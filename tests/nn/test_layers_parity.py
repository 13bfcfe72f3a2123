"""Parity of the linear, activation, dropout, batch-norm and flatten layers with torch.nn (float64).

Each layer is built in both frameworks with identical weights -- torch's copied into ours through
load_state_dict of numpy arrays, which also exercises that path -- and the forward values and the
gradients of input, weight and bias must agree within 1e-8. BatchNorm is run in train mode for several
steps and then in eval mode, comparing the running statistics as well. Whole models move both ways
through state_dict.
"""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import autograd_lite as al  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd_lite import Tensor  # noqa: E402

TOL = dict(rtol=1e-8, atol=1e-8)


def close(ours, theirs, what=""):
    ours = ours.detach().numpy() if isinstance(ours, Tensor) else np.asarray(ours)
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape, what
    assert ours.dtype == theirs.dtype, what
    np.testing.assert_allclose(ours, theirs, err_msg=what, **TOL)


def copy_weights(ours, theirs):
    """torch -> ours through load_state_dict of numpy arrays."""
    result = ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []


def randomize(module, seed):
    """Give a torch module's floating parameters random values (ones/zeros would hide gradient bugs)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=p.dtype) + 0.5)


def run_both(ours, theirs, x, seed=0):
    """Forward both on the same input, backward the same random cotangent; compare output, input grad and
    every parameter's grad."""
    xo = Tensor(x.copy(), requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    close(yo, yt, "output")
    g = np.random.default_rng(seed).standard_normal(yt.shape)
    yo.backward(Tensor(g))
    yt.backward(torch.from_numpy(g))
    close(xo.grad, xt.grad, "input grad")
    theirs_params = dict(theirs.named_parameters())
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == list(theirs_params)
    for name, p in ours_params.items():
        close(p.grad, theirs_params[name].grad, f"grad of {name}")
    return yo, yt


def build(make_ours, make_theirs, seed=0):
    theirs = make_theirs().double()
    randomize(theirs, seed)
    ours = make_ours().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    return ours, theirs


# ---- linear ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,), (2, 1, 3, 4)])
def test_linear_parity(bias, shape):
    ours, theirs = build(lambda: nn.Linear(4, 3, bias=bias), lambda: torch.nn.Linear(4, 3, bias=bias))
    x = np.random.default_rng(1).standard_normal(shape)
    run_both(ours, theirs, x)
    assert repr(ours) == repr(theirs)


def test_linear_functional_parity():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 2, 5)), rng.standard_normal((4, 5)), rng.standard_normal(4)
    close(
        F.linear(Tensor(x), Tensor(w), Tensor(b)), torch.nn.functional.linear(*(torch.from_numpy(a) for a in (x, w, b)))
    )


def test_linear_default_init_distribution_like_torch():
    # same distribution (not the same draws): U(-1/sqrt(in), 1/sqrt(in)) for weight and bias
    torch.manual_seed(0)
    al.manual_seed(0)
    theirs, ours = torch.nn.Linear(64, 256), nn.Linear(64, 256)
    for name in ("weight", "bias"):
        t = getattr(theirs, name).detach().numpy()
        o = getattr(ours, name).detach().numpy()
        assert o.dtype == t.dtype == np.float32
        bound = 1 / 8
        assert np.abs(o).max() <= bound and np.abs(t).max() <= bound
        assert abs(o.std() - t.std()) < 0.1 * bound


# ---- activations, flatten, identity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Sigmoid(),
        lambda m: m.Tanh(),
        lambda m: m.ReLU(),
        lambda m: m.LeakyReLU(),
        lambda m: m.LeakyReLU(0.2),
        lambda m: m.Softmax(dim=1),
        lambda m: m.Softmax(dim=-1),
        lambda m: m.LogSoftmax(dim=1),
        lambda m: m.LogSoftmax(dim=0),
        lambda m: m.Identity(),
        lambda m: m.Flatten(),
        lambda m: m.Flatten(0, -2),
        lambda m: m.Unflatten(2, (2, 2)),
        lambda m: m.Dropout(0.3).eval(),
        lambda m: m.Dropout2d(0.3).eval(),
        lambda m: m.Dropout(0.0),
        lambda m: m.Hardtanh(),
        lambda m: m.Hardtanh(-0.5, 2.0),
        lambda m: m.ReLU6(),
        lambda m: m.ELU(),
        lambda m: m.ELU(0.3),
        lambda m: m.GELU(),
        lambda m: m.GELU("tanh"),
        lambda m: m.SiLU(),
        lambda m: m.Softplus(),
        lambda m: m.Softplus(2.0, 1.5),
    ],
    ids=[
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "leaky_relu_0.2",
        "softmax1",
        "softmax-1",
        "log_softmax1",
        "log_softmax0",
        "identity",
        "flatten",
        "flatten0-2",
        "unflatten",
        "dropout_eval",
        "dropout2d_eval",
        "dropout_p0",
        "hardtanh",
        "hardtanh_bounds",
        "relu6",
        "elu",
        "elu_0.3",
        "gelu",
        "gelu_tanh",
        "silu",
        "softplus",
        "softplus_beta",
    ],
)
@pytest.mark.filterwarnings("ignore:dropout2d")
def test_parameterless_layer_parity(make):
    ours, theirs = make(nn), make(torch.nn)
    rng = np.random.default_rng(3)
    x = rng.uniform(0.05, 7, (3, 2, 4)) * rng.choice([-1.0, 1.0], (3, 2, 4))  # away from relu's kink
    run_both(ours, theirs, x)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_implicit_dim_parity(shape, name):
    x = np.random.default_rng(4).standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_both(getattr(nn, name)(), getattr(torch.nn, name)(), x)


def test_relu_inplace_parity():
    x = np.random.default_rng(5).standard_normal((4, 3))
    results = []
    for lib, make in (
        (nn, lambda a: Tensor(a, requires_grad=True)),
        (torch.nn, lambda a: torch.tensor(a, requires_grad=True)),
    ):
        leaf = make(x.copy())
        h = leaf * 3.0
        assert lib.ReLU(inplace=True)(h) is h
        g = h * 2.0 - 1.0
        assert lib.LeakyReLU(0.1, inplace=True)(g) is g
        (g * g).sum().backward()
        results.append((h, g, leaf.grad))
    for ours, theirs in zip(*results):
        close(ours, theirs)


def test_dropout_scaling_parity():
    # the masks come from different generators; the kept values' scaling and the gradient rule agree
    x = np.ones(2000)
    ours = F.dropout(Tensor(x), 0.3).numpy()
    theirs = torch.nn.functional.dropout(torch.from_numpy(x), 0.3).numpy()
    np.testing.assert_array_equal(np.unique(ours), np.unique(theirs))
    for p in (0.0, 1.0):
        close(F.dropout(Tensor(x), p), torch.nn.functional.dropout(torch.from_numpy(x), p))
    for bad in (-0.5, 2.0):
        with pytest.raises(ValueError) as ours_err:
            F.dropout(Tensor(x), bad)
        with pytest.raises(ValueError) as theirs_err:
            torch.nn.functional.dropout(torch.from_numpy(x), bad)
        assert str(ours_err.value) == str(theirs_err.value)


# ---- batch norm ----------------------------------------------------------------------------------------------

BN_CASES = [
    ("BatchNorm1d", (8, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {}),
    ("BatchNorm1d", (6, 3), {"momentum": None}),
    ("BatchNorm1d", (5, 3, 2), {"momentum": 0.5, "eps": 1e-3}),
    ("BatchNorm1d", (6, 3), {"affine": False}),
    ("BatchNorm1d", (6, 3, 2), {"track_running_stats": False}),
    ("BatchNorm2d", (4, 3, 3, 5), {}),
    ("BatchNorm2d", (2, 3, 4, 4), {"momentum": None}),
    ("BatchNorm2d", (3, 3, 2, 2), {"affine": False, "track_running_stats": False}),
    ("BatchNorm2d", (3, 3, 2, 2), {"bias": False}),
]


@pytest.mark.parametrize("name, shape, kwargs", BN_CASES, ids=[f"{n}-{s}-{k}" for n, s, k in BN_CASES])
def test_batch_norm_train_then_eval_parity(name, shape, kwargs):
    ours, theirs = build(lambda: getattr(nn, name)(3, **kwargs), lambda: getattr(torch.nn, name)(3, **kwargs))
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(6)
    for step in range(3):
        x = rng.standard_normal(shape) * (step + 1) + step
        for module in (ours, theirs):
            module.zero_grad()
        run_both(ours, theirs, x, seed=step)
        compare_buffers(ours, theirs)
    ours.eval()
    theirs.eval()
    for step in range(2):
        for module in (ours, theirs):
            module.zero_grad()
        run_both(ours, theirs, rng.standard_normal(shape) + 1, seed=10 + step)
        compare_buffers(ours, theirs)
    ours.train()
    theirs.train()
    run_both(ours, theirs, rng.standard_normal(shape), seed=20)
    compare_buffers(ours, theirs)


def compare_buffers(ours, theirs):
    ob, tb = dict(ours.named_buffers()), dict(theirs.named_buffers())
    assert list(ob) == list(tb)
    for name in ("running_mean", "running_var"):
        if name in tb:
            close(ob[name], tb[name], name)
    if "num_batches_tracked" in tb:
        assert ob["num_batches_tracked"].dtype == np.int64
        assert ob["num_batches_tracked"].item() == tb["num_batches_tracked"].item()
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_batch_norm_functional_parity():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 4, 3))
    w, b = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    rm, rv = rng.standard_normal(4), rng.uniform(0.5, 2, 4)
    ours_rm, ours_rv = Tensor(rm.copy()), Tensor(rv.copy())
    theirs_rm, theirs_rv = torch.tensor(rm), torch.tensor(rv)
    for training in (True, False):
        xo, wo, bo = (Tensor(a.copy(), requires_grad=True) for a in (x, w, b))
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        yo = F.batch_norm(xo, ours_rm, ours_rv, wo, bo, training=training, momentum=0.3, eps=1e-4)
        yt = torch.nn.functional.batch_norm(xt, theirs_rm, theirs_rv, wt, bt, training=training, momentum=0.3, eps=1e-4)
        close(yo, yt)
        close(ours_rm, theirs_rm)
        close(ours_rv, theirs_rv)
        (yo**3).sum().backward()
        (yt**3).sum().backward()
        for a, c in ((xo, xt), (wo, wt), (bo, bt)):
            close(a.grad, c.grad)


def test_batch_norm_double_backward_parity():
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((4, 2, 3)), rng.uniform(0.5, 1.5, 2)
    xo, wo = Tensor(x.copy(), requires_grad=True), Tensor(w.copy(), requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yo = F.batch_norm(xo, None, None, wo, None, training=True)
    yt = torch.nn.functional.batch_norm(xt, None, None, wt, None, training=True)
    go = al.grad((yo**2).sum(), [xo, wo], create_graph=True)
    gt = torch.autograd.grad((yt**2).sum(), [xt, wt], create_graph=True)
    for a, c in zip(go, gt):
        close(a, c)
    (go[0] ** 2).sum().backward()
    (gt[0] ** 2).sum().backward()
    close(xo.grad, xt.grad)
    close(wo.grad, wt.grad)


# ---- whole models both ways through state_dict -------------------------------------------------------------


def _mlp(lib):
    return lib.Sequential(lib.Linear(6, 16), lib.ReLU(), lib.Linear(16, 4), lib.LogSoftmax(dim=1))


def test_model_ours_to_torch_via_state_dict():
    al.manual_seed(1)
    ours = _mlp(nn)
    theirs = _mlp(torch.nn)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(9).standard_normal((10, 6)).astype(np.float32)
    yo, yt = ours(Tensor(x)), theirs(torch.from_numpy(x))
    assert yo.dtype == np.float32
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(ours) == repr(theirs)


def test_model_torch_to_ours_via_state_dict_with_torch_tensors():
    torch.manual_seed(2)
    theirs = _mlp(torch.nn).double()
    ours = _mlp(nn).double()
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(10).standard_normal((7, 6))
    run_both(ours, theirs, x)


def test_model_with_batch_norm_and_dropout_both_ways():
    def make(lib):
        return lib.Sequential(
            lib.Linear(5, 8), lib.BatchNorm1d(8), lib.ReLU(), lib.Dropout(0.5), lib.Linear(8, 3), lib.LogSoftmax(dim=1)
        )

    torch.manual_seed(3)
    theirs = make(torch.nn).double()
    rng = np.random.default_rng(11)
    theirs.train()
    for _ in range(2):
        theirs(torch.from_numpy(rng.standard_normal((6, 5))))  # train steps move the running statistics
    ours = make(nn).double()
    ours.load_state_dict(theirs.state_dict())
    assert ours[1].num_batches_tracked.item() == 2
    theirs.eval()
    ours.eval()
    x = rng.standard_normal((4, 5))
    run_both(ours, theirs, x)
    back = make(torch.nn).double().eval()
    back.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    yt = back(torch.from_numpy(x))
    close(ours(Tensor(x)), yt)
    assert back[1].num_batches_tracked.item() == 2
