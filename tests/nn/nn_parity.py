"""Helpers shared by the parity tests of the newer layers (embedding, normalization, attention, losses):
torch is imported lazily through the ``torch`` fixture, so that these files' other tests run without it."""

import numpy as np
import pytest

from autograd_lite import Tensor

TOL = dict(rtol=1e-8, atol=1e-8)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def close(ours, theirs, what="", **tol):
    ours = ours.detach().numpy() if isinstance(ours, Tensor) else np.asarray(ours)
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape, (what, ours.shape, theirs.shape)
    assert ours.dtype == theirs.dtype, (what, ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, err_msg=what, **(tol or TOL))


def copy_weights(ours, theirs):
    """torch -> ours through load_state_dict of numpy arrays."""
    result = ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []


def randomize(torch, module, seed):
    """Random values for a torch module's floating parameters (ones/zeros would hide gradient bugs)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=p.dtype) + 0.5)


def compare_grads(ours, theirs):
    """Every parameter's gradient, by name (the names must be the same in both)."""
    theirs_params = dict(theirs.named_parameters())
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == list(theirs_params)
    for name, p in ours_params.items():
        t = theirs_params[name].grad
        if t is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            close(p.grad, t, f"grad of {name}")
