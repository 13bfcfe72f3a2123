"""Every program of programs.py gives the same numbers with torch and with autograd_lite."""

import numpy as np
import pytest

import autograd_lite
import nn
import optim
from programs import PROGRAMS

torch = pytest.importorskip("torch")


def _ours():
    return autograd_lite, nn, nn.functional, optim, autograd_lite.utils.data


def _theirs():
    import torch.utils.data

    return torch, torch.nn, torch.nn.functional, torch.optim, torch.utils.data


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_same_numbers_as_torch(program):
    ours, theirs = program(*_ours()), program(*_theirs())
    assert len(ours) == len(theirs)
    rtol = getattr(program, "rtol", 1e-9)  # float64 programs agree to 1e-9; a float32 one declares its own
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=rtol, atol=1e-12)
