"""nn.Embedding and F.embedding: torch's semantics (padding_idx, max_norm, scale_grad_by_freq,
from_pretrained, repr, errors), gradient checks in float64, and parity with torch.nn.Embedding."""

import numpy as np
import pytest

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck

from nn_parity import close, copy_weights, torch  # noqa: F401


def _idx(*rows):
    return al.tensor(np.array(rows, dtype=np.int64))


def test_output_shape_and_values():
    e = nn.Embedding(7, 4)
    idx = _idx([0, 3, 3], [6, 1, 0])
    y = e(idx)
    assert y.shape == (2, 3, 4) and y.dtype == al.float32
    np.testing.assert_array_equal(y.detach().numpy(), e.weight.detach().numpy()[idx.numpy()])
    assert e(al.tensor(np.array(5))).shape == (4,)
    assert e(al.tensor(np.zeros((0, 2), dtype=np.int64))).shape == (0, 2, 4)


def test_padding_row_is_zero_and_gets_no_gradient():
    e = nn.Embedding(6, 3, padding_idx=-1)
    assert e.padding_idx == 5
    np.testing.assert_array_equal(e.weight.detach().numpy()[5], 0)
    e.weight._array[5] = 1.5  # a non-zero padding row must still get no gradient
    y = e(_idx([5, 1, 5], [1, 2, 5]))
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], 1.5)
    y.backward(al.full(y.shape, float("inf")))  # exactly 0 whatever flows in
    g = e.weight.grad.numpy()
    np.testing.assert_array_equal(g[5], 0)
    assert np.isinf(g[1]).all() and np.isinf(g[2]).all()
    np.testing.assert_array_equal(g[[0, 3, 4]], 0)


def test_repeated_indices_accumulate_and_scale_grad_by_freq():
    for scale, expected in ((False, [0, 3, 1]), (True, [0, 1, 1])):
        e = nn.Embedding(3, 2, scale_grad_by_freq=scale)
        e(_idx([1, 1], [2, 1])).sum().backward()
        np.testing.assert_allclose(e.weight.grad.numpy()[:, 0], expected)


def test_max_norm_renormalises_looked_up_rows_in_place():
    e = nn.Embedding(4, 3, max_norm=1.0)
    with al.no_grad():
        e.weight.copy_(al.tensor(np.arange(12.0).reshape(4, 3)))
    e(_idx([1, 2]))
    norms = np.linalg.norm(e.weight.detach().numpy(), axis=1)
    np.testing.assert_allclose(norms[[1, 2]], 1.0, rtol=1e-6)
    assert norms[3] > 1  # not looked up: unchanged


def test_repr_and_defaults():
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"
    assert (
        repr(nn.Embedding(10, 3, padding_idx=-2, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, sparse=True))
        == "Embedding(10, 3, padding_idx=8, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, sparse=True)"
    )
    e = nn.Embedding(5, 2, dtype=al.float64, device=al.device("cpu"))
    assert e.weight.dtype == al.float64 and list(e.state_dict()) == ["weight"]


def test_from_pretrained():
    w = al.tensor(np.arange(6.0).reshape(3, 2))
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad and (e.num_embeddings, e.embedding_dim) == (3, 2)
    np.testing.assert_array_equal(e(_idx(2)).detach().numpy(), [[4.0, 5.0]])
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad


def test_errors():
    e = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index out of range"):
        e(_idx([4]))
    with pytest.raises(IndexError, match="index out of range"):
        e(_idx([-1]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        e(al.tensor([0.0, 1.0]))
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(4, 2, padding_idx=-5)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(4, 2, sparse=True)(_idx([0]))
    with pytest.raises(al.DeviceError, match="CPU"):
        nn.Embedding(4, 2, device="cuda")


def test_gradcheck():
    # padding_idx and scale_grad_by_freq change the gradient on purpose (not a derivative): torch parity below
    w = Tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    idx = _idx([1, 4, 1], [0, 1, 2])
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True, "padding_idx": 0}, {"max_norm": 1.5}],
)
def test_parity(torch, kwargs):  # noqa: F811
    theirs = torch.nn.Embedding(6, 4, **kwargs).double()
    ours = nn.Embedding(6, 4, **kwargs).double()
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.mul_(2.0)
    copy_weights(ours, theirs)
    idx = np.array([[0, 2, 5, 2], [1, 3, 3, 0]])
    yo, yt = ours(al.tensor(idx)), theirs(torch.from_numpy(idx))
    close(yo, yt, "output")
    g = np.random.default_rng(3).standard_normal(yt.shape)
    yo.backward(Tensor(g))
    yt.backward(torch.from_numpy(g))
    close(ours.weight.grad, theirs.weight.grad, "weight grad")
    close(ours.weight, theirs.weight, "weight after the forward (max_norm)")


def test_functional_parity(torch):  # noqa: F811
    w = np.random.default_rng(4).standard_normal((5, 3))
    idx = np.array([4, 0, 4])
    close(
        F.embedding(al.tensor(idx), Tensor(w), padding_idx=4),
        torch.nn.functional.embedding(torch.from_numpy(idx), torch.from_numpy(w), padding_idx=4),
    )


def test_init_distribution_like_torch(torch):  # noqa: F811
    al.manual_seed(0)
    w = nn.Embedding(1000, 16, padding_idx=3).weight.detach().numpy()
    assert abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02
    np.testing.assert_array_equal(w[3], 0)
