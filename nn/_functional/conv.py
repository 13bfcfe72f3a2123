"""nn.functional: conv2d and conv_transpose2d (NCHW, torch's signatures, defaults and output sizes).

Both are thin wrappers over the differentiable ops in ``autograd_lite.ops.conv`` (im2col + one GEMM);
the bias is a broadcast add after the op. ``groups`` splits the channels into independent groups (depthwise
when groups == in_channels): the ops then run one batched GEMM over the groups.
"""

import operator

from autograd_lite.ops import conv as cv
from autograd_lite.ops.base import OpError
from autograd_lite import Tensor
from autograd_lite._internal import apply

from .._checks import pair

__all__ = ["conv2d", "conv_transpose2d"]


def _check_groups(name, groups):
    if isinstance(groups, bool) or not isinstance(groups, int):
        try:
            groups = operator.index(groups)
        except TypeError:
            raise TypeError(f"{name}: groups must be an int, got {groups!r}") from None
    if groups <= 0:
        raise OpError(f"{name}: non-positive groups is not supported (groups={groups})")
    return int(groups)


def _check_tensors(name, input, weight, bias):
    for what, t in (("input", input), ("weight", weight)) + ((("bias", bias),) if bias is not None else ()):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {what} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise OpError(f"{name}: {what} must be a floating point tensor, got dtype {t.dtype}")
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != input.dtype):
        bias_part = f" and bias dtype {bias.dtype}" if bias is not None else ""
        raise OpError(
            f"{name}: input dtype {input.dtype}, weight dtype {weight.dtype}{bias_part} must "
            "be the same (convert with .float() or .double())"
        )


def _batched(name, input):
    """(input as 4-D, whether it was unbatched 3-D)."""
    if input.ndim == 4:
        return input, False
    if input.ndim == 3:
        return input.reshape(1, *input.shape), True
    raise OpError(
        f"{name}: expected a 3-D (unbatched, C x H x W) or 4-D (batched, N x C x H x W) input, "
        f"got shape {tuple(input.shape)}"
    )


def _layout(first, second, groups):
    return f"{first}, {second}{' / groups' if groups != 1 else ''}, kH, kW"


def _check_weight(name, weight, bias, channel_dim, input_shape, layout, groups=1):
    if weight.ndim != 4:
        raise OpError(f"{name}: expected a 4-D weight ({layout}), got shape {tuple(weight.shape)}")
    if weight.shape[2] <= 0 or weight.shape[3] <= 0:
        raise OpError(
            f"{name}: kernel size should be greater than zero, but the weight has shape "
            f"{tuple(weight.shape)} ({layout})"
        )
    if weight.shape[0] % groups:
        raise OpError(
            f"{name}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(weight.shape)} instead"
        )
    in_channels = weight.shape[1] * groups if channel_dim == 1 else weight.shape[0]
    if input_shape[-3] != in_channels:
        group_part = f" with groups={groups}" if groups != 1 else ""
        raise OpError(
            f"{name}: input of shape {tuple(input_shape)} has {input_shape[-3]} channels, but "
            f"weight of shape {tuple(weight.shape)} ({layout}){group_part} expects {in_channels} "
            "input channels"
        )
    out_channels = weight.shape[0] if channel_dim == 1 else weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise OpError(
            f"{name}: bias of shape {tuple(bias.shape)} does not match the {out_channels} output "
            f"channels of weight of shape {tuple(weight.shape)} (expected shape ({out_channels},))"
        )


def _finish(out, bias, unbatched):
    if bias is not None:
        out = out + bias.reshape(1, bias.shape[0], 1, 1)
    return out.reshape(*out.shape[1:]) if unbatched else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as torch) of input (N, C, H, W) or (C, H, W) with weight
    (out_channels, C, kH, kW), plus bias (out_channels,) if given.

    ``padding``: an int, a pair, ``'valid'`` (none) or ``'same'`` (output size = input size; stride 1 only;
    an odd total padding puts the extra row/column at the bottom/right, as torch).
    """
    name = "conv2d"
    groups = _check_groups(name, groups)
    _check_tensors(name, input, weight, bias)
    stride = pair(name, "stride", stride, 1)
    dilation = pair(name, "dilation", dilation, 1)
    x, unbatched = _batched(name, input)
    _check_weight(name, weight, bias, 1, input.shape, _layout("out_channels", "in_channels", groups), groups)
    kernel = weight.shape[2:]
    h, w = x.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise OpError(f"{name}: padding='same' is not supported for strided convolutions (stride={stride})")
            pads = tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel))  # the rest goes bottom/right
        else:
            raise OpError(
                f"{name}: invalid padding string {padding!r}, should be one of 'valid', 'same' "
                "(or an int or a pair of ints)"
            )
    else:
        pads = pair(name, "padding", padding, 0)
    if isinstance(padding, str) and padding == "same":
        out_size = (h, w)
    else:
        spans = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
        padded = [n + 2 * p for n, p in zip((h, w), pads)]
        if padded[0] < spans[0] or padded[1] < spans[1]:
            raise OpError(
                f"{name}: the kernel is larger than the padded input: input of shape "
                f"{tuple(input.shape)} padded to {padded[0]} x {padded[1]}, weight of shape "
                f"{tuple(weight.shape)} with dilation {dilation} spans {spans[0]} x {spans[1]}"
            )
        out_size = tuple((n - sp) // s + 1 for n, sp, s in zip(padded, spans, stride))
    geometry = dict(size=out_size, stride=stride, padding=pads, dilation=dilation)
    if groups != 1:
        geometry["groups"] = groups
    out = apply(cv.Conv2d, x, weight, bias, **geometry)
    return _finish(out, None, unbatched)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d in its input) of input (N, C, H, W) or
    (C, H, W) with weight (C, out_channels, kH, kW), plus bias (out_channels,) if given.

    Output size per dim: (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1;
    output_padding must be smaller than the stride or the dilation, as torch.
    """
    name = "conv_transpose2d"
    groups = _check_groups(name, groups)
    _check_tensors(name, input, weight, bias)
    stride = pair(name, "stride", stride, 1)
    dilation = pair(name, "dilation", dilation, 1)
    if isinstance(padding, str):
        raise OpError(
            f"{name}: padding must be an int or a pair of ints, got the string {padding!r} "
            "(string padding is only supported by conv2d, as in torch)"
        )
    pads = pair(name, "padding", padding, 0)
    extra = pair(name, "output_padding", output_padding, 0)
    for op_, s, d in zip(extra, stride, dilation):
        if not (op_ < s or op_ < d):
            raise OpError(
                f"{name}: output_padding must be smaller than either stride or dilation, got "
                f"output_padding={extra}, stride={stride}, dilation={dilation}"
            )
    x, unbatched = _batched(name, input)
    _check_weight(name, weight, bias, 0, input.shape, _layout("in_channels", "out_channels", groups), groups)
    kernel = weight.shape[2:]
    out_size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        for n, s, p, d, k, e in zip(x.shape[2:], stride, pads, dilation, kernel, extra)
    )
    if out_size[0] <= 0 or out_size[1] <= 0:
        raise OpError(
            f"{name}: the output size {out_size[0]} x {out_size[1]} is not positive for input of "
            f"shape {tuple(input.shape)}, weight of shape {tuple(weight.shape)}, stride {stride}, "
            f"padding {pads}, dilation {dilation}, output_padding {extra}"
        )
    geometry = dict(size=out_size, stride=stride, padding=pads, dilation=dilation)
    if groups != 1:
        geometry["groups"] = groups
    out = apply(cv.ConvInputGrad, x, weight, **geometry)
    return _finish(out, bias, unbatched)
