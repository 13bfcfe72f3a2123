"""``x.data`` as torch's: a tensor sharing x's memory, outside the graph, whose in-place changes autograd does
not see; ``x.data = y`` replaces x's values. The numpy array is ``x.numpy()``."""

import numpy as np
import pytest

import autograd_lite as al
import nn

try:
    import torch
except ImportError:  # pragma: no cover - the torch comparison below skips
    torch = None


def test_data_is_a_tensor_sharing_memory_outside_the_graph():
    w = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = w.data
    assert isinstance(d, al.Tensor) and not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), w.detach().numpy())
    d[0] = 10.0
    assert w.tolist() == [10.0, 2.0, 3.0]


def test_in_place_changes_through_data_are_not_seen_by_autograd():
    w = al.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()  # saves w for the gradient
    w.data.mul_(3.0)  # torch's escape hatch: no version bump, no error at backward
    y.backward()
    assert w.grad.tolist() == [6.0, 12.0]  # 2 * w, read after the change (as torch)
    assert w._version == 0


def test_the_dcgan_init_idiom_and_an_sgd_step_through_data():
    al.manual_seed(0)
    conv = nn.Conv2d(3, 8, 4)
    conv.weight.data.normal_(0.0, 0.02)
    conv.bias.data.fill_(0)
    assert abs(float(conv.weight.std())) < 0.03 and conv.bias.tolist() == [0.0] * 8
    lin = nn.Linear(2, 1)
    before = lin.weight.detach().numpy().copy()
    lin(al.ones(1, 2)).sum().backward()
    for param in lin.parameters():
        param.data.add_(-0.1 * param.grad)
    np.testing.assert_allclose(lin.weight.detach().numpy(), before - 0.1 * lin.weight.grad.numpy())


def test_assigning_data_replaces_the_values_and_shape():
    w = al.zeros(2, requires_grad=True)
    w.data = al.ones(3, dtype=al.float32)
    assert w.shape == (3,) and w.tolist() == [1.0, 1.0, 1.0] and w.requires_grad
    w.data = np.full((1, 2), 5.0, dtype=np.float32)
    assert w.shape == (1, 2)


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_as_torch():
    for lib in (al, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        w.data.mul_(3.0)
        y.backward()
        assert w.grad.tolist() == [6.0, 12.0]
        assert not w.data.requires_grad and w.data.grad_fn is None
