"""nn.LayerNorm / F.layer_norm and nn.GroupNorm / F.group_norm: gradient checks (first and second order,
float64) of the fused ops, semantics (init, repr, errors, float32), and parity with torch.nn."""

import numpy as np
import pytest

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck

from nn_parity import close, compare_grads, copy_weights, randomize, torch  # noqa: F401


def _t(shape, seed=0, requires_grad=True):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


@pytest.mark.parametrize(
    "shape,normalized,affine",
    [((2, 3, 4), (4,), "both"), ((2, 3, 4), (3, 4), "weight"), ((5,), (5,), "none"), ((0, 3), (3,), "both")],
)
def test_layer_norm_gradcheck(shape, normalized, affine):
    x = _t(shape)
    w = _t(normalized, 1) if affine != "none" else None
    b = _t(normalized, 2) if affine == "both" else None
    inputs = tuple(t for t in (x, w, b) if t is not None)

    def fn(*args):
        it = iter(args)
        x = next(it)
        return F.layer_norm(x, normalized, next(it) if w is not None else None, next(it) if b is not None else None)

    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("shape,groups", [((2, 6, 3, 2), 3), ((3, 4), 2), ((2, 4, 5), 1), ((2, 4, 3), 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_gradcheck(shape, groups, affine):
    x = _t(shape)
    params = (_t(shape[1], 1), _t(shape[1], 2)) if affine else ()
    fn = lambda x, *wb: F.group_norm(x, groups, *wb, eps=1e-3)  # noqa: E731
    assert gradcheck(fn, (x, *params))
    assert gradgradcheck(fn, (x, *params))


def test_layer_norm_values():
    x = np.random.default_rng(0).standard_normal((3, 7)).astype(np.float32)
    y = nn.LayerNorm(7)(Tensor(x)).detach().numpy()
    assert y.dtype == np.float32
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_modules_init_repr_and_parameters():
    ln = nn.LayerNorm(4)
    assert ln.normalized_shape == (4,)
    assert repr(ln) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    np.testing.assert_array_equal(ln.weight.detach().numpy(), 1)
    np.testing.assert_array_equal(ln.bias.detach().numpy(), 0)
    ln = nn.LayerNorm([2, 3], eps=1e-3, bias=False, dtype=al.float64)
    assert ln.bias is None and ln.weight.shape == (2, 3) and ln.weight.dtype == al.float64
    assert list(ln.state_dict()) == ["weight"]
    assert list(nn.LayerNorm(3, elementwise_affine=False).parameters()) == []
    gn = nn.GroupNorm(2, 4)
    assert repr(gn) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert list(gn.state_dict()) == ["weight", "bias"]
    assert list(nn.GroupNorm(2, 4, affine=False).parameters()) == []


def test_errors():
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 4\]"):
        nn.LayerNorm(4)(_t((2, 3)))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(_t((2, 5, 3)), 2)
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.group_norm(_t((4,)), 2)
    with pytest.raises(RuntimeError, match="weight of shape"):
        F.layer_norm(_t((2, 3)), (3,), _t((2,)))
    with pytest.raises(al.DeviceError, match="LayerNorm"):
        nn.LayerNorm(3, device="cuda")
    with pytest.raises(al.DeviceError, match="GroupNorm"):
        nn.GroupNorm(1, 3, device="mps")
    nn.GroupNorm(1, 3, device=al.device("cpu"))


def test_no_grad_forward_and_only_weight_grad():
    ln = nn.LayerNorm(3).double()
    x = _t((2, 3), requires_grad=False)
    ln(x).sum().backward()
    assert ln.weight.grad is not None and ln.bias.grad is not None
    with al.no_grad():
        assert not ln(x).requires_grad


@pytest.mark.parametrize(
    "args,kwargs,shape",
    [
        ((4,), {}, (3, 4)),
        ((4,), {}, (2, 5, 4)),
        (((3, 4),), {"eps": 1e-3}, (2, 3, 4)),
        ((4,), {"bias": False}, (2, 4)),
        ((4,), {"elementwise_affine": False}, (2, 3, 4)),
    ],
)
def test_layer_norm_parity(torch, args, kwargs, shape):  # noqa: F811
    _parity(torch, lambda m: m.LayerNorm(*args, **kwargs), shape)


@pytest.mark.parametrize(
    "args,kwargs,shape",
    [
        ((2, 4), {}, (3, 4, 5)),
        ((3, 6), {}, (2, 6, 3, 2)),
        ((1, 3), {"eps": 1e-3}, (2, 3)),
        ((4, 4), {"affine": False}, (2, 4, 3)),
        ((2, 4), {"bias": False}, (2, 4, 3)),
    ],
)
def test_group_norm_parity(torch, args, kwargs, shape):  # noqa: F811
    _parity(torch, lambda m: m.GroupNorm(*args, **kwargs), shape)


def _parity(torch, make, shape):  # noqa: F811
    theirs, ours = make(torch.nn).double(), make(nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    randomize(torch, theirs, 0)
    copy_weights(ours, theirs)
    x = np.random.default_rng(1).standard_normal(shape) * 3 + 1
    xo, xt = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    close(yo, yt, "output")
    g = np.random.default_rng(2).standard_normal(yt.shape)
    yo.backward(Tensor(g))
    yt.backward(torch.from_numpy(g))
    close(xo.grad, xt.grad, "input grad")
    compare_grads(ours, theirs)


def test_float32_parity(torch):  # noqa: F811
    x = np.random.default_rng(5).standard_normal((4, 8, 6)).astype(np.float32)
    w = np.random.default_rng(6).standard_normal(6).astype(np.float32)
    close(
        F.layer_norm(Tensor(x), (6,), Tensor(w)),
        torch.nn.functional.layer_norm(torch.from_numpy(x), (6,), torch.from_numpy(w)),
        rtol=1e-5,
        atol=1e-5,
    )
    close(
        F.group_norm(Tensor(x), 4),
        torch.nn.functional.group_norm(torch.from_numpy(x), 4),
        rtol=1e-5,
        atol=1e-5,
    )
