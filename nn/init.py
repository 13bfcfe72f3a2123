"""nn.init: weight initialisation schemes, with torch.nn.init's names, formulas and semantics.

Every function fills its tensor **in place** (under ``no_grad``, so it works on Parameters), bumps its
version counter and returns it. Random draws come from ``autograd_lite.creation.default_generator()``
(or the numpy ``generator`` you pass), so ``al.manual_seed(s)`` makes an initialisation reproducible.
Draws are made in float64 and rounded to the tensor's dtype.

Fan-in and fan-out follow torch: for a weight of shape ``(out, in, *kernel)``,
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``; a ``Linear`` weight has shape
``(out_features, in_features)``, so its fan-in is ``in_features``.

Besides torch's schemes (``uniform_``, ``normal_``, ``constant_``, ``xavier_*``, ``kaiming_*``...) there
are the two schemes that Nielsen's book *Neural Networks and Deep Learning* compares in chapter 3,
"Weight initialization":

* ``large_normal_``: "the old approach", weights drawn from a Gaussian with mean 0 and standard
  deviation 1 (``network2.py``'s ``large_weight_initializer``). With ``n_in`` inputs the weighted sum
  ``z`` then has a standard deviation of about ``sqrt(n_in)``, so sigmoid neurons saturate and learn slowly.
* ``scaled_normal_``: the improved approach, weights drawn from a Gaussian with mean 0 and standard
  deviation ``1/sqrt(n_in)`` (``network2.py``'s ``default_weight_initializer``), where ``n_in`` is the
  number of inputs of the neuron (the fan-in). In the book the biases stay N(0, 1) in both schemes: use
  ``large_normal_`` (or ``normal_``) for them.
"""

import math
import warnings

import numpy as np

from autograd_lite._internal import bump_version
from autograd_lite.autograd.grad_mode import no_grad
from autograd_lite.creation import default_generator
from autograd_lite import Tensor

from . import _checks

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "constant_",
    "ones_",
    "zeros_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "large_normal_",
    "scaled_normal_",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
_NONLINEARITIES = _LINEAR_FNS + ("sigmoid", "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch's values): 1 for linear/conv/sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + negative_slope**2)) for leaky_relu (``param`` is the negative slope,
    default 0.01) and 3/4 for selu."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            negative_slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of {', '.join(_NONLINEARITIES)}"
    )


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) = (size(1) * receptive field, size(0) * receptive field), as torch."""
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)}); initialise biases with normal_, uniform_ "
            "or zeros_"
        )
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    if not isinstance(mode, str) or mode.lower() not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode.lower() == "fan_in" else fan_out


def _check_tensor(where, tensor, random=True):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{where}: expected an autograd_lite Tensor or Parameter, got {type(tensor).__name__}")
    if random and tensor.dtype.kind != "f":
        raise TypeError(
            f"nn.init.{where}: random initialisation needs a floating point tensor, got dtype {tensor.dtype}"
        )


def _fill(tensor, values):
    """Write ``values`` into the tensor's array in place (no graph is recorded) and bump its version."""
    with no_grad():
        np.copyto(tensor._array, values, casting="unsafe")
        bump_version(tensor)
    return tensor


def _rng(generator):
    return default_generator() if generator is None else generator


def _uniform(where, tensor, a, b, generator):
    _check_tensor(where, tensor)
    a, b = float(a), float(b)
    if not a <= b:
        raise ValueError(f"nn.init.{where}: the lower bound {a} must not exceed the upper bound {b}")
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape))


def _normal(where, tensor, mean, std, generator):
    _check_tensor(where, tensor)
    mean, std = float(mean), float(std)
    if not std >= 0:
        raise ValueError(f"nn.init.{where}: the standard deviation must be >= 0, got {std}")
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape))


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples from the uniform distribution U(a, b)."""
    return _uniform("uniform_", tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples from the normal distribution N(mean, std**2)."""
    return _normal("normal_", tensor, mean, std, generator)


def constant_(tensor, val):
    """Fill with the value ``val``."""
    _check_tensor("constant_", tensor, random=False)
    _checks.real("nn.init.constant_", "val", val, finite=False)
    return _fill(tensor, val)


def ones_(tensor):
    """Fill with ones."""
    _check_tensor("ones_", tensor, random=False)
    return _fill(tensor, 1)


def zeros_(tensor):
    """Fill with zeros."""
    _check_tensor("zeros_", tensor, random=False)
    return _fill(tensor, 0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    _check_tensor("xavier_uniform_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _uniform("xavier_uniform_", tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot/Xavier normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check_tensor("xavier_normal_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _normal("xavier_normal_", tensor, 0.0, std, generator)


def _kaiming_std(where, tensor, a, mode, nonlinearity):
    _check_tensor(where, tensor)
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return gain / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He/Kaiming uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), where fan is the fan-in
    (``mode='fan_in'``, default) or the fan-out and gain = calculate_gain(nonlinearity, a)."""
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return _uniform("kaiming_uniform_", tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He/Kaiming normal: N(0, std**2) with std = gain / sqrt(fan)."""
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return _normal("kaiming_normal_", tensor, 0.0, std, generator)


def large_normal_(tensor, generator=None):
    """Nielsen's "old approach" to initialisation (book ch. 3): every entry drawn from a Gaussian with
    mean 0 and standard deviation 1, whatever the number of inputs. Works for weights and biases.

    With n_in inputs of value 1, z = sum_j w_j x_j + b has standard deviation sqrt(n_in + 1): z has "a very
    broad Gaussian distribution", sigmoid neurons saturate and learning slows down. Compare
    ``scaled_normal_``.
    """
    return _normal("large_normal_", tensor, 0.0, 1.0, generator)


def scaled_normal_(tensor, generator=None):
    """Nielsen's improved initialisation (book ch. 3): weights drawn from a Gaussian with mean 0 and
    standard deviation 1/sqrt(n_in), for "a neuron with n_in input weights", i.e. n_in is the
    fan-in (``in_features`` for a Linear weight of shape (out, in); in_channels * kernel size for a
    convolution). This "squashes the Gaussian down", making saturation much less likely.

    Needs a weight with at least 2 dimensions; the book keeps biases at N(0, 1) (``large_normal_``).
    """
    _check_tensor("scaled_normal_", tensor)
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    return _normal("scaled_normal_", tensor, 0.0, 1.0 / math.sqrt(fan_in), generator)
