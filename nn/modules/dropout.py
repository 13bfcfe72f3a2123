"""nn layers: dropout family -- ``Dropout`` and ``Dropout2d`` (active in training mode only)."""

from .. import _checks
from .._functional.dropout import dropout, dropout2d
from .module import Module

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        _checks.real(type(self).__name__, "p", p)
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training mode, zero each element with probability p and scale the rest by 1/(1-p);
    the identity in eval mode. Masks come from autograd_lite's generator (see manual_seed)."""

    def forward(self, input):
        return dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training mode, zero whole channels of an (N, C, H, W) input with probability p (scaling the
    rest by 1/(1-p)); the identity in eval mode. A 3-D input is treated as (N, C, L) with a warning,
    as torch 2.x does (see nn.functional.dropout2d)."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace)
