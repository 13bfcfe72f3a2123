"""nn layers: linear family -- ``Identity`` and ``Linear`` (torch's signatures, init, repr)."""

import math

import numpy as np

from autograd_lite.devices import check_device

from .. import _checks, init
from .._functional.linear import linear
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """Returns its input unchanged; the constructor ignores any argument (as torch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features) and bias (out_features,).

    Initialised as torch: weight and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features)) (what torch's
    kaiming_uniform_(a=sqrt(5)) amounts to), drawn from autograd_lite's generator (so
    ``autograd_lite.manual_seed`` makes it reproducible; the values differ from torch's own draws).
    ``dtype`` defaults to the default dtype (float32).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        check_device("Linear", device)
        dtype = _checks.float_dtype("Linear", dtype)
        in_features = _checks.size("Linear", "in_features", in_features)
        out_features = _checks.size("Linear", "out_features", out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw weight and bias from U(-1/sqrt(in_features), 1/sqrt(in_features)) through ``nn.init``.

        This is torch's ``init.kaiming_uniform_(weight, a=math.sqrt(5))``, but with the bound computed
        directly as 1/sqrt(fan_in): kaiming_uniform_'s sqrt(3) * gain / sqrt(fan_in) differs from it in the
        last bits for most fan-ins, which would change the values drawn for a given
        ``autograd_lite.manual_seed``.
        """
        fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
