"""smooth_l1_loss, huber_loss, kl_div, cosine_similarity and their modules (SmoothL1Loss, HuberLoss,
KLDivLoss, CosineSimilarity): gradient checks in float64, semantics, and parity with torch."""

import warnings

import numpy as np
import pytest

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck

from nn_parity import close, torch  # noqa: F401


def _t(shape, seed=0, scale=1.0, requires_grad=True):
    return Tensor(np.random.default_rng(seed).standard_normal(shape) * scale, requires_grad=requires_grad)


def _log_probs(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_smooth_l1_and_huber_gradcheck(reduction):
    x, y = _t((3, 4), 0, 2.0), _t((3, 4), 1, 2.0)
    for beta in (0.5, 1.0, 0.0):
        assert gradcheck(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta), (x, y))
    for delta in (0.5, 2.0):
        fn = lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=delta)  # noqa: E731
        assert gradcheck(fn, (x, y))
        assert gradgradcheck(fn, (x, y))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(reduction, log_target):
    x = Tensor(_log_probs((3, 5), 0), requires_grad=True)
    t = _log_probs((3, 5), 1)
    t = Tensor(t if log_target else np.exp(t), requires_grad=True)
    fn = lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(fn, (x, t))
        assert gradgradcheck(fn, (x, t))


def test_kl_div_zero_target_and_mean_warning():
    x = Tensor(_log_probs((2, 3), 0), requires_grad=True)
    t = al.tensor([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], dtype=al.float64)
    loss = F.kl_div(x, t, reduction="sum")
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, t)
    with pytest.raises(ValueError, match="reduction"):
        F.kl_div(x, t, reduction="avg")


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity_gradcheck(dim):
    x1, x2 = _t((3, 4), 0), _t((3, 4), 1)
    fn = lambda a, b: F.cosine_similarity(a, b, dim=dim)  # noqa: E731
    assert gradcheck(fn, (x1, x2))
    assert gradgradcheck(fn, (x1, x2))
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b, dim=-1), (_t((2, 1, 4), 2), _t((3, 4), 3)))


def test_cosine_similarity_zero_vector_is_finite():
    x1 = Tensor(np.zeros((2, 3)), requires_grad=True)
    x2 = _t((2, 3), 1)
    y = F.cosine_similarity(x1, x2)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), 0)
    assert np.all(np.isfinite(x1.grad.numpy()))


def test_reprs_and_errors():
    assert [repr(m) for m in (nn.SmoothL1Loss(), nn.HuberLoss(), nn.KLDivLoss(), nn.CosineSimilarity())] == [
        "SmoothL1Loss()",
        "HuberLoss()",
        "KLDivLoss()",
        "CosineSimilarity()",
    ]
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
    assert nn.SmoothL1Loss(beta=0.5).beta == 0.5 and nn.HuberLoss(delta=2.0).delta == 2.0
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(_t(3), _t(3, 1), beta=-1.0)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        F.huber_loss(_t(3), _t(3, 1), delta=0.0)
    with pytest.raises(ValueError, match="differ"):
        F.huber_loss(_t(3), _t(4, 1))
    with pytest.raises(IndexError, match="out of range"):
        F.cosine_similarity(_t((2, 3)), _t((2, 3)), dim=2)


# ---- parity with torch -------------------------------------------------------------------------------


def _both(torch, ours_fn, theirs_fn, *arrays, torch_nan_ok=False):  # noqa: F811
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    yo, yt = ours_fn(*ours), theirs_fn(*theirs)
    close(yo, yt, "value")
    g = np.random.default_rng(9).standard_normal(yt.shape)
    yo.backward(Tensor(g))
    yt.backward(torch.from_numpy(g))
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if torch_nan_ok:  # where torch's gradient is NaN ours is finite (see test_kl_div_zero_target...)
            finite = np.isfinite(t.grad.numpy())
            assert np.all(np.isfinite(o.grad.numpy()))
            np.testing.assert_allclose(o.grad.numpy()[finite], t.grad.numpy()[finite], rtol=1e-8, atol=1e-8)
        else:
            close(o.grad, t.grad, f"grad of input {i}")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.3, 0.0])
def test_smooth_l1_parity(torch, reduction, beta):  # noqa: F811
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5)) * 2
    _both(
        torch,
        nn.SmoothL1Loss(reduction=reduction, beta=beta),
        torch.nn.SmoothL1Loss(reduction=reduction, beta=beta),
        x,
        y,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [1.0, 0.3, 2.5])
def test_huber_parity(torch, reduction, delta):  # noqa: F811
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5)) * 2
    _both(
        torch,
        nn.HuberLoss(reduction=reduction, delta=delta),
        torch.nn.HuberLoss(reduction=reduction, delta=delta),
        x,
        y,
    )
    w = rng.random((4, 5))
    close(
        F.huber_loss(Tensor(x), Tensor(y), reduction=reduction, delta=delta, weight=Tensor(w)),
        torch.nn.functional.huber_loss(
            *(torch.from_numpy(a) for a in (x, y)), reduction=reduction, delta=delta, weight=torch.from_numpy(w)
        ),
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_parity(torch, reduction, log_target):  # noqa: F811
    x = _log_probs((4, 6), 2)
    t = _log_probs((4, 6), 3)
    if not log_target:
        t = np.exp(t)
        t[0, :2] = 0.0  # zero targets contribute 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _both(
            torch,
            nn.KLDivLoss(reduction=reduction, log_target=log_target),
            torch.nn.KLDivLoss(reduction=reduction, log_target=log_target),
            x,
            t,
            torch_nan_ok=not log_target,
        )


@pytest.mark.parametrize("shapes,dim", [(((5, 4), (5, 4)), 1), (((3, 4, 2), (3, 4, 2)), 0), (((2, 1, 4), (3, 4)), -1)])
def test_cosine_similarity_parity(torch, shapes, dim):  # noqa: F811
    rng = np.random.default_rng(4)
    a, b = (rng.standard_normal(s) for s in shapes)
    _both(torch, nn.CosineSimilarity(dim=dim), torch.nn.CosineSimilarity(dim=dim), a, b)
    _both(
        torch,
        lambda x, y: F.cosine_similarity(x, y, dim, eps=0.5),
        lambda x, y: torch.nn.functional.cosine_similarity(x, y, dim, eps=0.5),
        a * 0.1,
        b,
    )
