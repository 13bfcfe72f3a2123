"""nn layers: Conv2d and ConvTranspose2d (torch's signatures, weight layouts, initialisation and repr)."""

import math

import numpy as np

from autograd_lite.devices import check_device

from .. import _checks, init
from .._functional import conv as F
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv2d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: hyper-parameters, parameters, initialisation and repr."""

    def __init__(
        self,
        name,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        transposed,
        output_padding,
        groups,
        bias,
        padding_mode,
        device,
        dtype,
    ):
        super().__init__()
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        check_device(name, device)
        in_channels = self.in_channels = _checks.size(name, "in_channels", in_channels)
        out_channels = self.out_channels = _checks.size(name, "out_channels", out_channels)
        groups = _checks.size(name, "groups", groups, minimum=1)
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.kernel_size = _checks.pair(name, "kernel_size", kernel_size, 1)
        self.stride = _checks.pair(name, "stride", stride, 1)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of ('valid', 'same')")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(
                    f"{name}: padding='same' is not supported for strided convolutions (stride={self.stride})"
                )
            self.padding = padding
        else:
            self.padding = _checks.pair(name, "padding", padding, 0)
        self.dilation = _checks.pair(name, "dilation", dilation, 1)
        self.transposed = transposed
        self.output_padding = _checks.pair(name, "output_padding", output_padding, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        dtype = _checks.float_dtype(name, dtype)
        channels = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        shape = channels + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's default: kaiming_uniform_(weight, a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
        and the bias from the same range; fan_in = weight.shape[1] * kH * kW. Drawn from the framework's
        generator (autograd_lite.manual_seed makes it reproducible), through ``nn.init``; the bound is
        computed directly as 1/sqrt(fan_in), as in ``Linear.reset_parameters``, to keep the drawn values."""
        fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * 2:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * 2:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * 2:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) or (C, H, W) input; weight (out_channels, in_channels / groups, kH, kW).

    ``padding``: int, pair, ``'valid'`` or ``'same'`` (stride 1 only). ``groups``: grouped or depthwise
    (groups = in_channels) convolution. Only ``padding_mode='zeros'`` is implemented.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if padding_mode in _PADDING_MODES and padding_mode != "zeros":
            raise NotImplementedError(
                f"Conv2d: padding_mode={padding_mode!r} is not implemented in "
                "autograd_lite (only 'zeros'; pad explicitly with "
                f"nn.functional.pad(x, ..., mode={padding_mode!r}) and padding=0)"
            )
        super().__init__(
            "Conv2d",
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of Conv2d in its input); weight
    (in_channels, out_channels / groups, kH, kW). ``forward(input, output_size=None)``: output_size picks the
    output_padding, as torch."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported, got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair of ints, got {padding!r}")
        super().__init__(
            "ConvTranspose2d",
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            True,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        output_size = tuple(int(n) for n in output_size)
        if len(output_size) == input.ndim:
            output_size = output_size[-2:]
        if len(output_size) != 2:
            raise ValueError(
                f"ConvTranspose2d: output_size must have 2 or {input.ndim} elements (got {len(output_size)})"
            )
        min_sizes = tuple(
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(input.shape[-2:], self.stride, self.padding, self.dilation, self.kernel_size)
        )
        max_sizes = tuple(m + s - 1 for m, s in zip(min_sizes, self.stride))
        if any(not lo <= n <= hi for n, lo, hi in zip(output_size, min_sizes, max_sizes)):
            raise ValueError(
                f"ConvTranspose2d: requested an output size of {output_size}, but valid sizes "
                f"range from {list(min_sizes)} to {list(max_sizes)} (for an input of "
                f"{tuple(input.shape[-2:])})"
            )
        return tuple(n - lo for n, lo in zip(output_size, min_sizes))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(
            input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )
