"""nn.functional: activation family -- hardtanh, relu6, elu, gelu, silu, softplus (torch's signatures
and gradient conventions), and the in-place forms ``relu_``/``leaky_relu_`` (torch's
``F.relu_``/``F.leaky_relu_``) behind the ``inplace=True`` options of the modules.

relu, leaky_relu, sigmoid, tanh, softmax and log_softmax are autograd_lite's own functions, re-exported by
nn/functional.py. The functions here are compositions of differentiable ops (plus an ``erf`` op for the
exact gelu), so higher derivatives work. In-place forms follow autograd_lite's in-place rules (as torch):
refused on a leaf that requires grad while grad mode is on, recorded on a tensor inside a graph, a plain
in-place write (with a version bump) elsewhere.
"""

import numpy as np

from autograd_lite._internal import wrap
from autograd_lite import leaky_relu, relu, where
from autograd_lite._internal import update_unary
from autograd_lite.ops.elementwise import Elu, Silu, SmoothActivation, Softplus
from autograd_lite._internal import apply

__all__ = ["relu_", "leaky_relu_", "hardtanh", "hardtanh_", "relu6", "elu", "elu_", "gelu", "silu", "softplus"]


def _in_place(name, fn, input):
    return update_unary(name, fn, input)


def relu_(input):
    """max(input, 0), in place; returns input."""
    return _in_place("relu_", relu, input)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place; returns input."""
    return _in_place("leaky_relu_", lambda a: leaky_relu(a, negative_slope), input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """input clamped to [min_val, max_val]; as torch, the gradient passes only strictly inside (and at NaN,
    which stays NaN); outside it is exactly 0."""
    if inplace:
        return hardtanh_(input, min_val, max_val)
    inside = ~((input._array <= min_val) | (input._array >= max_val))
    return where(inside, input, wrap(np.clip(input._array, min_val, max_val)))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _in_place("hardtanh_", lambda a: hardtanh(a, min_val, max_val), input)


def relu6(input, inplace=False):
    """min(max(input, 0), 6) (hardtanh(input, 0, 6))."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _elu(input, alpha):
    return apply(Elu, input, alpha=float(alpha))


def elu(input, alpha=1.0, inplace=False):
    """input where input > 0, alpha * (exp(input) - 1) elsewhere."""
    if inplace:
        return elu_(input, alpha)
    return _elu(input, alpha)


def elu_(input, alpha=1.0):
    return _in_place("elu_", lambda a: _elu(a, alpha), input)


def gelu(input, approximate="none"):
    """x * Phi(x) with Phi the standard normal CDF (``approximate='none'``, via erf), or torch's tanh
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (``approximate='tanh'``)."""
    if approximate in ("none", "tanh"):
        kind = "gelu" if approximate == "none" else "gelu_tanh"
        return apply(SmoothActivation, input, kind=kind)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input, inplace=False):
    """input * sigmoid(input) (also called swish)."""
    if inplace:
        return _in_place("silu_", lambda a: apply(Silu, a), input)
    return apply(Silu, input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * input)) / beta, and the input itself where beta * input > threshold (as torch)."""
    return apply(Softplus, input, beta=float(beta), threshold=float(threshold))
