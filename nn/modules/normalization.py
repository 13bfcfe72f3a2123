"""nn layers: normalization family -- ``LayerNorm`` and ``GroupNorm`` (torch's constructors, parameters,
init -- weight ones, bias zeros -- and reprs)."""

import numpy as np

from autograd_lite.devices import check_device

from .. import _checks, init
from .._functional.normalization import group_norm, layer_norm, normalized_shape_tuple
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm"]


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` dims (an int or a tuple) of each sample, then (with
    ``elementwise_affine``) scale by ``weight`` and shift by ``bias`` (``bias=False``: no bias), both of shape
    normalized_shape."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        check_device("LayerNorm", device)
        dtype = _checks.float_dtype("LayerNorm", dtype)
        try:
            shape = normalized_shape_tuple(normalized_shape)
        except TypeError:
            raise TypeError(
                f"LayerNorm: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}"
            ) from None
        self.normalized_shape = tuple(_checks.size("LayerNorm", "normalized_shape", n) for n in shape)
        _checks.real("LayerNorm", "eps", eps)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.empty(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.empty(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight to ones and bias to zeros (``nn.init.ones_``/``zeros_``), as torch."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Split the ``num_channels`` channels of an (N, C, *) input into ``num_groups`` groups and normalise each
    sample's group; then (with ``affine``) a per-channel ``weight`` and ``bias`` (``bias=False``: no bias)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        check_device("GroupNorm", device)
        dtype = _checks.float_dtype("GroupNorm", dtype)
        num_groups = _checks.size("GroupNorm", "num_groups", num_groups, minimum=1)
        num_channels = _checks.size("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        _checks.real("GroupNorm", "eps", eps)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(np.empty(num_channels, dtype=dtype))
            if bias:
                self.bias = Parameter(np.empty(num_channels, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight to ones and bias to zeros, as torch."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        use_bias = self.bias is not None
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={use_bias}"
