"""nn.functional: linear family -- ``linear(input, weight, bias=None)``.

``input (..., in_features) @ weight.T + bias`` as one fused op: the leading dims are folded into one
so that the forward and each gradient is a single GEMM (no batched matmul, no broadcast-then-sum).
"""

import numpy as np

from autograd_lite._internal import wrap
from autograd_lite.ops.base import OpError
from autograd_lite.ops.linalg import Linear
from autograd_lite import is_contiguous, reshape
from autograd_lite import Tensor
from autograd_lite._internal import apply, as_own_base

__all__ = ["linear"]


def _tensor(value, what):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return wrap(value)
    raise TypeError(f"linear: {what} must be a Tensor, got {type(value).__name__}")


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` (torch.nn.functional.linear): input (*, in_features),
    weight (out_features, in_features), bias (out_features,) or None -> output (*, out_features)."""
    input = _tensor(input, "input")
    weight = _tensor(weight, "weight")
    if weight.ndim != 2:
        raise OpError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if input.ndim == 0:
        raise OpError("linear: input must have at least 1 dimension, got a 0-d tensor")
    if input.shape[-1] != weight.shape[1]:
        rows = int(np.prod(input.shape[:-1]))
        raise OpError(
            f"linear: mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]}): input of shape {input.shape} has "
            f"{input.shape[-1]} features, weight of shape {weight.shape} expects {weight.shape[1]}"
        )
    dtypes_ = {input.dtype, weight.dtype}
    if bias is not None:
        bias = _tensor(bias, "bias")
        if bias.shape not in ((weight.shape[0],), ()):
            raise OpError(
                f"linear: bias of shape {bias.shape} does not match out_features = "
                f"{weight.shape[0]} (weight of shape {weight.shape})"
            )
        dtypes_.add(bias.dtype)
    if len(dtypes_) > 1:
        raise OpError(
            f"linear: input ({input.dtype}), weight ({weight.dtype})"
            + (f" and bias ({bias.dtype})" if bias is not None else "")
            + " must have the same dtype; convert with .float() or .double()"
        )
    if input.dtype.kind != "f":
        raise OpError(f"linear: expected floating point tensors, got dtype {input.dtype}")
    out = apply(Linear, input, weight, bias)
    if bias is not None and input.ndim != 2 and is_contiguous(input):
        return _as_torch_view(out)
    return out


def _as_torch_view(out):
    """torch computes a contiguous 1-D or N-D input with a bias as one addmm on a 2-D result and returns a
    view of it; so does this (it decides what an in-place change through another view rebases)."""
    hidden = as_own_base(reshape(out, (int(np.prod(out.shape[:-1])), out.shape[-1])))
    return reshape(hidden, out.shape)
