"""nn.functional: normalization family -- ``batch_norm``, ``layer_norm`` and ``group_norm`` with torch's
semantics.

layer_norm normalises over the trailing ``normalized_shape`` dims of each sample, group_norm over each group
of channels (and the spatial dims) of each sample; both with the biased variance, then an elementwise affine
(per element of normalized_shape, or per channel). Each is one op (ops/normalization.py) whose vjp is the
closed form, exact under create_graph too.

Per channel (dim 1 of an (N, C), (N, C, L) or (N, C, H, W) input) the input is normalised,
``(x - mean) / sqrt(var + eps) * weight + bias``. In training the batch mean and the biased batch variance
are used, and the running statistics (if given) are updated in place with
``running = (1 - momentum) * running + momentum * batch`` (the variance being the unbiased one there);
in evaluation the running statistics are used.

The computation is one fused op whose vjp is the closed form of the batch-norm gradient. Under
``create_graph`` the vjp rebuilds the batch statistics from the (recorded) input, so higher derivatives
are exact too.
"""

import numpy as np

from autograd_lite._internal import bump_version
from autograd_lite.ops.base import OpError
from autograd_lite.ops.normalization import BatchNorm, GroupNorm, LayerNorm, batch_stats, channel_layout
from autograd_lite import Tensor
from autograd_lite._internal import apply

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _array(name, t, channels, shape):
    if t is None:
        return None
    if not isinstance(t, Tensor):
        raise TypeError(f"batch_norm: {name} must be a Tensor or None, got {type(t).__name__}")
    if t.numel() != channels:
        raise OpError(
            f"batch_norm: {name} should contain {channels} elements (one per channel of the input "
            f"of shape {shape}), not {t.numel()} (shape {t.shape})"
        )
    return t


def _update(running, value, momentum):
    """running <- (1 - momentum) * running + momentum * value, in place (and bump its version)."""
    if running is None:
        return
    data = running._array
    np.copyto(
        data, (momentum * value + (1.0 - momentum) * data.reshape(value.shape)).reshape(data.shape), casting="unsafe"
    )
    bump_version(running)


def _empty_batch_stats(dtype, bshape):
    """Mean 0 and variance 1 for an empty batch, whose NaN statistics must not reach the running ones."""
    return np.zeros(bshape, dtype=dtype), np.ones(bshape, dtype=dtype)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm: normalise each channel (dim 1) of an (N, C, *) input.

    training: batch statistics (biased variance), and ``running_mean``/``running_var`` (when given) are
    updated in place with ``momentum`` (running_var with the unbiased variance). Otherwise the running
    statistics are used (they must be given).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: input must be a Tensor, got {type(input).__name__}")
    shape = input.shape
    if input.ndim < 2:
        raise OpError(f"batch_norm: expected an input of at least 2 dims (N, C, *), got shape {shape}")
    if input.dtype.kind != "f":
        raise OpError(f"batch_norm: expected a floating point input, got dtype {input.dtype}")
    for name, value in (("momentum", momentum), ("eps", eps)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"batch_norm: {name} must be a number, got {value!r} ({type(value).__name__})")
    channels = shape[1]
    running_mean = _array("running_mean", running_mean, channels, shape)
    running_var = _array("running_var", running_var, channels, shape)
    weight = _array("weight", weight, channels, shape)
    bias = _array("bias", bias, channels, shape)
    axes, bshape, count = channel_layout(shape)
    if training:
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {shape}")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
        if count == 0:  # an empty batch: nothing to normalise and no statistics to learn (as torch)
            mean, var = _empty_batch_stats(input.dtype, bshape)
            # as constants (training=False in the op): the gradients are the empty sums, 0, without 0 / 0
            return apply(
                BatchNorm,
                input,
                weight,
                bias,
                mean=mean,
                invstd=1.0 / np.sqrt(var + eps),
                eps=float(eps),
                training=False,
            )
        mean, var = batch_stats(input._array, axes, count)
        if running_mean is not None or running_var is not None:
            momentum = float(momentum)
            _update(running_mean, mean, momentum)
            _update(running_var, var * (count / max(count - 1, 1)), momentum)
    else:
        if eps < 0.0:
            raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
        if running_mean is None or running_var is None:
            raise OpError("batch_norm: running_mean and running_var must be given in evaluation mode (training=False)")
        mean = running_mean._array.reshape(bshape).astype(input.dtype)  # a copy: later updates cannot leak in
        var = running_var._array.reshape(bshape).astype(input.dtype)
    invstd = (1.0 / np.sqrt(var + eps)).astype(input.dtype, copy=False)
    return apply(BatchNorm, input, weight, bias, mean=mean, invstd=invstd, eps=float(eps), training=bool(training))


def _affine(where, name, t, shape, dtype):
    if t is None:
        return None
    if not isinstance(t, Tensor):
        raise TypeError(f"{where}: {name} must be a Tensor or None, got {type(t).__name__}")
    if tuple(t.shape) != tuple(shape):
        raise RuntimeError(f"{where}: expected {name} of shape {list(shape)}, but got {name} of shape {list(t.shape)}")
    if t.dtype != dtype:
        raise RuntimeError(f"{where}: expected {name} of dtype {dtype} (the input's), got {t.dtype}")
    return t


def _input(where, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{where}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise OpError(f"{where}: expected a floating point input, got dtype {input.dtype}")


def _eps(where, eps):
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: eps must be a number, got {eps!r} ({type(eps).__name__})")
    return float(eps)


def normalized_shape_tuple(normalized_shape):
    """An int or a sequence of ints as a tuple (torch's LayerNorm and layer_norm accept both)."""
    if isinstance(normalized_shape, (int, np.integer)) and not isinstance(normalized_shape, bool):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm: normalise over the last len(normalized_shape) dims (whose sizes must be
    normalized_shape), with the biased variance; then ``* weight + bias`` (both of shape normalized_shape)."""
    _input("layer_norm", input)
    shape = normalized_shape_tuple(normalized_shape)
    n = len(shape)
    if n == 0 or input.ndim < n or tuple(input.shape[input.ndim - n :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    weight = _affine("layer_norm", "weight", weight, shape, input.dtype)
    bias = _affine("layer_norm", "bias", bias, shape, input.dtype)
    return apply(LayerNorm, input, weight, bias, ndim=n, eps=_eps("layer_norm", eps))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.group_norm: split the C channels of an (N, C, *) input into num_groups groups and
    normalise each sample's group (its channels and positions, biased variance); then a per-channel
    ``* weight + bias`` (both of shape (C,))."""
    _input("group_norm", input)
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim} (group_norm, input of "
            f"shape {list(input.shape)})"
        )
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or num_groups <= 0:
        raise ValueError(f"group_norm: num_groups must be a positive int, got {num_groups!r}")
    channels = input.shape[1]
    if channels % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    weight = _affine("group_norm", "weight", weight, (channels,), input.dtype)
    bias = _affine("group_norm", "bias", bias, (channels,), input.dtype)
    return apply(GroupNorm, input, weight, bias, groups=int(num_groups), eps=_eps("group_norm", eps))
