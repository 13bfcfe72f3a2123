"""nn layers: activations -- ``Sigmoid``, ``Tanh``, ``ReLU``, ``LeakyReLU``, ``Softmax``, ``LogSoftmax``,
``Hardtanh``, ``ReLU6``, ``ELU``, ``GELU``, ``SiLU``, ``Softplus`` (torch's constructor signatures, defaults
and reprs)."""

import warnings

from autograd_lite import leaky_relu, relu, sigmoid, tanh
from autograd_lite import log_softmax, softmax

from .._functional.activation import elu, gelu, hardtanh, leaky_relu_, relu_, silu, softplus
from .. import _checks
from .module import Module

__all__ = [
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "LogSoftmax",
    "Hardtanh",
    "ReLU6",
    "ELU",
    "GELU",
    "SiLU",
    "Softplus",
]


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise."""

    def forward(self, input):
        return sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent, elementwise."""

    def forward(self, input):
        return tanh(input)


class ReLU(Module):
    """max(x, 0), elementwise; ``inplace=True`` overwrites the input (torch's in-place rules)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return relu_(input) if self.inplace else relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, negative_slope * x elsewhere; ``inplace=True`` overwrites the input."""

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        _checks.real("LeakyReLU", "negative_slope", negative_slope)
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:
            return leaky_relu_(input, self.negative_slope)
        return leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace_str}"


def _implicit_dim(name, ndim):
    """torch's legacy dim choice for Softmax(dim=None): 0 for 0-, 1- and 3-D inputs, else 1 (with torch's
    deprecation warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=4,
    )
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """softmax along ``dim``. With ``dim=None`` (the default, as torch) the dim is chosen as torch's legacy
    rule does -- 0 for 0-, 1- and 3-D inputs, 1 otherwise -- with torch's deprecation warning;
    pass ``dim`` explicitly."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = None if dim is None else _checks.size(type(self).__name__, "dim", dim, minimum=-float("inf"))

    def forward(self, input):
        dim = _implicit_dim("softmax", input.ndim) if self.dim is None else self.dim
        return softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log_softmax along ``dim``; ``dim=None`` as in Softmax (torch's legacy rule, with a warning)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = None if dim is None else _checks.size(type(self).__name__, "dim", dim, minimum=-float("inf"))

    def forward(self, input):
        dim = _implicit_dim("log_softmax", input.ndim) if self.dim is None else self.dim
        return log_softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Hardtanh(Module):
    """input clamped to [min_val, max_val] (the gradient passes strictly inside)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        _checks.real(type(self).__name__, "min_val", min_val, finite=False)
        _checks.real(type(self).__name__, "max_val", max_val, finite=False)
        if not max_val > min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace_str}"


class ReLU6(Hardtanh):
    """min(max(input, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """input where input > 0, alpha * (exp(input) - 1) elsewhere."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        _checks.real("ELU", "alpha", alpha)
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"alpha={self.alpha}{inplace_str}"


class GELU(Module):
    """x * Phi(x) (``approximate='none'``) or torch's tanh approximation (``approximate='tanh'``)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """input * sigmoid(input)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return silu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        _checks.real("Softplus", "beta", beta)
        _checks.real("Softplus", "threshold", threshold, finite=False)
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"
