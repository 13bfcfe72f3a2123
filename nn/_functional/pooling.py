"""nn.functional: pooling and upsampling -- ``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d`` and
``interpolate`` (modes 'nearest', 'linear', 'bilinear', 'bicubic', 'trilinear'), with torch's signatures,
defaults, output sizes and error checks.

Inputs are (N, C, H, W), or unbatched (C, H, W) as in torch (a batch dim of 1 is added, then dropped).
``max_pool2d``'s gradient goes to one element per window -- the one whose index it returns (torch's rule:
the first maximum in row-major window order) -- and overlapping windows accumulate. The pooling ops are
in ``autograd_lite.ops.pool``; ``interpolate`` is a gather along each resized dim (of 1 tap for 'nearest',
2 for the linear modes, 4 for 'bicubic') whose gradient sums the weighted copies of each input element.
"""

import math
import numbers
import operator

import numpy as np

from autograd_lite._internal import wrap
from autograd_lite.autograd import is_grad_enabled
from autograd_lite import where
from autograd_lite import mean
from autograd_lite import reshape
from autograd_lite.ops import pool
from autograd_lite.ops.base import OpError
from autograd_lite import Tensor
from autograd_lite._internal import apply, as_own_base

from .._checks import pair

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "interpolate"]


def _geometry(name, kernel_size, stride, padding, dilation=1):
    kernel = pair(name, "kernel_size", kernel_size, one=True)
    empty = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if empty else pair(name, "stride", stride, one=True)
    return kernel, stride, pair(name, "padding", padding, one=True), pair(name, "dilation", dilation, one=True)


def _batched(name, input, kinds="f"):
    """The input as (N, C, H, W) and whether it was batched; checks type, ndim and dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise OpError(
            f"{name}: non-empty 3D or 4D (batch mode) tensor expected for input, got shape {tuple(input.shape)}"
        )
    if input.dtype.kind not in kinds:
        kind = "a floating point" if kinds == "f" else "a floating point or integer"
        raise TypeError(f"{name}: expected {kind} input, got dtype {input.dtype}")
    if input.ndim == 3:
        return reshape(input, (1,) + input.shape), False
    return input, True


def _unbatched(t, batched):
    return t if batched else as_own_base(reshape(t, t.shape[1:]))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W); padding counts as -inf.

    With ``return_indices`` also returns the int64 indices of the maxima, flat in H * W per channel
    (torch's layout). The gradient goes to those elements only.
    """
    x, batched = _batched("max_pool2d", input, kinds="fiu")
    kernel, stride, padding, dilation = _geometry("max_pool2d", kernel_size, stride, padding, dilation)
    if not return_indices and pool.tiles_disjoint(x.shape, kernel, stride, padding, dilation, ceil_mode):
        if x.requires_grad and is_grad_enabled():
            out = apply(pool.MaxPool2dTiles, x, kernel=kernel, shape=x.shape)
        else:
            out = wrap(pool.max_pool2d_tile_values(x._array, kernel))
        return _unbatched(out, batched)
    values, index = pool.max_pool2d_indices(x._array, kernel, stride, padding, dilation, bool(ceil_mode))
    if x.requires_grad and is_grad_enabled():
        out_hw = values.shape[2:]
        empty = pool.empty_windows(x.shape, out_hw, kernel, stride, padding, dilation)
        out = apply(
            pool.MaxPool2d,
            x,
            positions=pool.flat_positions(index, x.shape, empty is not None),
            overlap=pool.windows_overlap(out_hw, kernel, stride, dilation),
        )
        if empty is not None:  # windows entirely in the padding: -inf (as torch), no gradient
            out = where(wrap(empty), wrap(np.full((), -np.inf, dtype=x.dtype)), out)
    else:
        out = wrap(values)
    out = _unbatched(out, batched)
    if return_indices:
        return out, wrap(index if batched else index[0])
    return out


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """2-D average pooling over (N, C, H, W) or (C, H, W), with torch's divisor rules: the window size
    including the zero padding (``count_include_pad=True``), or only the input elements, or
    ``divisor_override``."""
    x, batched = _batched("avg_pool2d", input)
    kernel, stride, padding, _ = _geometry("avg_pool2d", kernel_size, stride, padding)
    out = apply(
        pool.AvgPool2d,
        x,
        kernel=kernel,
        stride=stride,
        padding=padding,
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
        divisor_override=divisor_override,
    )
    return _unbatched(out, batched)


def _adaptive_size(output_size, hw):
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(
            f"adaptive_avg_pool2d: output_size must be an int or a pair (ints or None), got "
            f"{output_size!r} ({type(output_size).__name__})"
        )
    sizes = tuple(output_size)
    if len(sizes) == 1:
        sizes = sizes * 2
    if len(sizes) != 2:
        raise OpError(f"adaptive_avg_pool2d: output_size must be an int or a pair (ints or None), got {output_size!r}")
    try:
        sizes = tuple(n if s is None else operator.index(s) for s, n in zip(sizes, hw))
    except TypeError:
        raise TypeError(
            f"adaptive_avg_pool2d: output_size must be an int or a pair (ints or None), got {output_size!r}"
        ) from None
    if any(s < 0 for s in sizes):
        raise OpError(
            f"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
            f"but received {output_size!r}"
        )
    return sizes


def adaptive_avg_pool2d(input, output_size):
    """Average pooling of (N, C, H, W) or (C, H, W) to a given (oh, ow) (an int, or a pair whose None
    entries keep the input's size), with torch's windows [floor(i*H/oh), ceil((i+1)*H/oh))."""
    x, batched = _batched("adaptive_avg_pool2d", input)
    H, W = x.shape[2:]
    oh, ow = _adaptive_size(output_size, (H, W))
    if (oh, ow) == (1, 1):  # a mean, as torch computes it (NaN for an empty H or W, not an error)
        return _unbatched(mean(x, dim=(2, 3), keepdim=True), batched)
    if H == 0 or W == 0:
        raise OpError(
            f"adaptive_avg_pool2d: expected input to have non-zero size for non-batch dimensions, "
            f"but input has shape {tuple(input.shape)}"
        )
    if x.numel() and oh and ow and H % oh == 0 and W % ow == 0:  # equal windows: plain average pooling
        k = (H // oh, W // ow)
        out = apply(
            pool.AvgPool2d,
            x,
            kernel=k,
            stride=k,
            padding=(0, 0),
            ceil_mode=False,
            count_include_pad=True,
            divisor_override=None,
        )
    else:
        out = apply(pool.AdaptiveAvgPool2d, x, output_size=(oh, ow))
    return _unbatched(out, batched)


# ---- interpolate ---------------------------------------------------------------------------------------
_OTHER_MODES = ("linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def _per_dim(name, value, n, what):
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(
                f"{name}: Input and output must have the same number of spatial dimensions, "
                f"but got input with {n} spatial dimensions and {what} {tuple(value)}. Please "
                "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, "
                "o2, ...,oK) format."
            )
        return tuple(value)
    return (value,) * n


def _scale(name, factor):
    """One scale factor as a finite float."""
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(f"{name}: scale_factor must be a number or a tuple of numbers, got {factor!r}")
    if not math.isfinite(factor):
        raise ValueError(f"{name}: scale_factor must be finite, got {factor}")
    return float(factor)


def nearest_source_index(in_size, out_size, scale_factor=None):
    """torch's nearest index rule: src = min(floor(dst * scale), in - 1) in float32, with scale =
    1 / scale_factor when one is given (and used), else in / out; out == in and out == 2 * in exactly."""
    dst = np.arange(out_size)
    if out_size == in_size:
        return dst
    if out_size == 2 * in_size:
        return dst >> 1
    if scale_factor is not None and scale_factor > 0:
        scale = np.float32(1.0 / scale_factor)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    src = np.floor(dst.astype(np.float32) * scale).astype(np.int64)
    return np.minimum(src, in_size - 1)


_INTERPOLATING = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
CUBIC_A = -0.75  # torch's bicubic convolution coefficient


def _source_coordinates(in_size, out_size, scale_factor, align_corners, cubic, dtype):
    """torch's area_pixel_compute_source_index for every output position, in the input's dtype."""
    dst = np.arange(out_size, dtype=dtype)
    if align_corners:
        scale = dtype.type((in_size - 1) / (out_size - 1)) if out_size > 1 else dtype.type(0)
        return dst * scale
    if scale_factor is not None and scale_factor > 0:
        scale = dtype.type(1.0 / scale_factor)
    else:
        scale = dtype.type(in_size / out_size)
    src = scale * (dst + dtype.type(0.5)) - dtype.type(0.5)
    return src if cubic else np.maximum(src, dtype.type(0))


def linear_taps(in_size, out_size, scale_factor, align_corners, dtype):
    """(index, weights), each (2, out): torch's linear interpolation taps along one dim."""
    src = _source_coordinates(in_size, out_size, scale_factor, align_corners, False, dtype)
    i0 = np.minimum(src.astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    lam1 = src - i0.astype(dtype)
    return np.stack([i0, i1]), np.stack([dtype.type(1) - lam1, lam1])


def cubic_taps(in_size, out_size, scale_factor, align_corners, dtype):
    """(index, weights), each (4, out): torch's bicubic taps (A = -0.75; the sources floor(src) - 1 ...
    floor(src) + 2, clamped to the input as torch's bounded access)."""
    src = _source_coordinates(in_size, out_size, scale_factor, align_corners, True, dtype)
    floor = np.floor(src)
    t = src - floor
    a = dtype.type(CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    one = dtype.type(1)
    weights = np.stack([far(t + one), near(t), near(one - t), far(2 * one - t)]).astype(dtype)
    base = floor.astype(np.int64) - 1
    index = np.clip(base[None, :] + np.arange(4)[:, None], 0, in_size - 1)
    return index, weights


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """Resize the spatial dims of an (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor`` (output size floor(in * scale_factor)).

    Modes: 'nearest' (torch's index rule src = floor(dst * in / out), or dst / scale_factor when a scale
    factor is given and ``recompute_scale_factor`` is not True); 'linear' (3-D), 'bilinear' (4-D), 'bicubic'
    (4-D; torch's cubic convolution with A = -0.75, borders clamped) and 'trilinear' (5-D), with
    ``align_corners`` (default False) as torch: True maps the corner pixels' centres onto each other,
    False maps the pixel areas (src = (dst + 0.5) * in / out - 0.5). The interpolating modes resample one
    dim after the other (a gather of 2 or 4 taps; the gradient is the transposed scatter-add).
    """
    name = "interpolate"
    if mode != "nearest" and mode not in _INTERPOLATING:
        known = "" if mode in _OTHER_MODES else " (not a torch mode either)"
        raise NotImplementedError(
            f"{name}: mode={mode!r}{known} is not implemented in autograd_lite; the modes are 'nearest', "
            "'linear', 'bilinear', 'bicubic' and 'trilinear'"
        )
    if mode == "nearest" and align_corners is not None:
        raise ValueError(
            f"{name}: align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if antialias:
        if mode not in ("bilinear", "bicubic"):
            raise ValueError(f"{name}: Anti-alias option is restricted to bilinear and bicubic modes")
        raise NotImplementedError(f"{name}: antialias=True is not implemented in autograd_lite")
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4, 5):
        raise OpError(
            f"{name}: Only 3D, 4D and 5D input tensors (N, C, spatial...) are supported, got shape {tuple(input.shape)}"
        )
    if mode in _INTERPOLATING:
        if input.ndim != _INTERPOLATING[mode]:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_INTERPOLATING[mode]}D input")
        if input.dtype.kind != "f":
            raise OpError(f"{name}: mode={mode!r} needs a floating point input, got dtype {input.dtype}")
    n = input.ndim - 2
    spatial = input.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError(
            f"{name}: "
            + (
                "either size or scale_factor should be defined"
                if size is None
                else "only one of size or scale_factor should be defined"
            )
        )
    if size is not None:
        try:
            out = tuple(operator.index(s) for s in _per_dim(name, size, n, "output size"))
        except TypeError:
            raise TypeError(f"{name}: size must be an int or a tuple of ints, got {size!r}") from None
        scales = (None,) * n
    else:
        scales = tuple(_scale(name, s) for s in _per_dim(name, scale_factor, n, "scale_factor"))
        out = tuple(math.floor(float(i) * s) for i, s in zip(spatial, scales))
        if recompute_scale_factor:
            scales = (None,) * n
    if any(o <= 0 for o in out) or any(i <= 0 for i in spatial):
        raise OpError(
            f"{name}: Input and output sizes should be greater than 0, but got input spatial size "
            f"{tuple(spatial)} (shape {tuple(input.shape)}) and output size {out}"
        )
    if mode != "nearest":
        taps = cubic_taps if mode == "bicubic" else linear_taps
        result = input
        for d in range(n):
            index, weights = taps(spatial[d], out[d], scales[d], bool(align_corners), input.dtype)
            result = apply(pool.Resample, result, index=index, weights=weights, axis=2 + d)
        return result
    result = input
    for d in range(n):
        index = nearest_source_index(spatial[d], out[d], scales[d])
        if (d == n - 1 and result is input) or not np.array_equal(index, np.arange(spatial[d])):
            result = apply(pool.NearestGather, result, index=index, axis=2 + d)  # (a copy, never the input)
    return result
