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
        _affine_parameters(self, self.normalized_shape, dtype, elementwise_affine, bias)
        self.reset_parameters()

    def reset_parameters(self):
        """weight to ones and bias to zeros (``nn.init.ones_``/``zeros_``), as torch."""
        _reset_affine(self)

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
        _affine_parameters(self, (num_channels,), dtype, affine, bias)
        self.reset_parameters()

    def reset_parameters(self):
        """weight to ones and bias to zeros, as torch."""
        _reset_affine(self)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        use_bias = self.bias is not None
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={use_bias}"


def _affine_parameters(module, shape, dtype, affine, bias):
    """Register ``weight`` and ``bias`` of ``shape`` (uninitialised), or None for those the layer goes without."""
    module.register_parameter("weight", Parameter(np.empty(shape, dtype=dtype)) if affine else None)
    module.register_parameter("bias", Parameter(np.empty(shape, dtype=dtype)) if affine and bias else None)


def _reset_affine(module):
    """weight to ones and bias to zeros (through nn.init), where the layer has them."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)
