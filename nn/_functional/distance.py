"""nn.functional: distance family -- ``cosine_similarity`` (torch's signature and formula)."""

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite._internal import wrap
from autograd_lite.ops.base import DimError, OpError

__all__ = ["cosine_similarity"]


def _norm(x, dim):
    """The 2-norm along ``dim`` (keepdim), with gradient 0 at a zero vector (as torch's vector_norm): the
    square root only sees positive values."""
    sq = al.sum(al.mul(x, x), dim, keepdim=True)
    positive = wrap(sq._array > 0)
    return al.where(positive, al.sqrt(al.where(positive, sq, 1.0)), 0.0)


def _clamp_min_without_grad(norm, eps):
    """max(norm, eps) in value, the identity in gradient: torch clamps the norms in place under no_grad."""
    data = norm._array
    shift = np.maximum(data, np.asarray(eps, dtype=data.dtype)) - data
    return al.add(norm, wrap(shift)) if np.any(shift) else norm


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along ``dim`` of the broadcast shape of x1 and x2
    (torch's formula: each input divided by its own norm first, so the result stays in [-1, 1])."""
    for what, x in (("x1", x1), ("x2", x2)):
        if not isinstance(x, Tensor):
            raise TypeError(f"cosine_similarity: {what} must be a Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise OpError(f"cosine_similarity: expected floating point tensors, got {what} of dtype {x.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity: the shapes of x1 {list(x1.shape)} and x2 {list(x2.shape)} do not broadcast"
        ) from None
    ndim = max(len(shape), 1)
    if not -ndim <= dim < ndim:
        raise DimError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    if tuple(x1.shape) != shape:
        x1 = x1.expand(*shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(*shape)
    n1 = _clamp_min_without_grad(_norm(x1, dim), eps)
    n2 = _clamp_min_without_grad(_norm(x2, dim), eps)
    return al.sum(al.mul(al.div(x1, n1), al.div(x2, n2)), dim)
