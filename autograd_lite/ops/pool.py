"""Pooling on NCHW arrays: max pooling (with torch's indices), average pooling, adaptive average pooling;
and the nearest-neighbour gather behind interpolate.

All loops run over kernel offsets (kh * kw strided views of the padded input), never over pixels or batch
items. Geometry follows torch: ``out = floor((size + 2 * pad - dilation * (kernel - 1) - 1 [+ stride - 1
with ceil_mode]) / stride) + 1``, and with ceil_mode the last window must start inside the input or the
left padding.

Max pooling is split in two: ``max_pool2d_indices`` finds, for each window, the index torch's max_pool2d
returns (the first maximum in row-major window order; a NaN wins, the last one if several; a window of
-inf or padding only gets its first in-bounds position), and the op ``MaxPool2d`` reads the input at
those indices. Its vjp is ``MaxPool2dBackward`` (scatter-add into zeros, so overlapping windows
accumulate) and the scatter's vjp is the gather again, so gradients of every order are exact.

Disjoint tiles (kernel == stride, no padding or dilation, as MaxPool2d(2)) take a fast path that keeps
the input's memory layout: ``MaxPool2dTiles`` (maxima and in-tile offsets by np.maximum over the kh * kw
strided views), whose vjp ``TileScatter`` and its vjp ``TileGather`` are adjoint.

Average pooling is linear: the vjp of ``AvgPool2d`` is ``AvgPool2dBackward`` (spread each output gradient
over its window, divided by the window's divisor) and the vjp of that is ``AvgPool2d`` again.
Adaptive average pooling sums each of torch's windows (``start = floor(i * H / out)``, ``end = ceil((i + 1)
* H / out)``) on its own, one axis at a time with np.add.reduceat, then divides by the window size; its
vjp ``AdaptiveAvgPool2dBackward`` is the transpose, the same range sums over the windows holding each
position. No value is ever multiplied by a zero weight (an averaging matrix would turn inf into NaN).

Nearest resampling gathers along one axis with a non-decreasing index (``NearestGather``); its vjp sums
the copies of each source (``NearestScatter``, one gather + add per copy rank), whose vjp is the gather.

Inside a vjp, ops are run through ``ctx.xp.apply``: the op's forward on arrays in an ordinary backward, a
recorded op under ``create_graph``.
"""

import numpy as np

from .base import Op, OpError, axis_order


# ---- geometry -----------------------------------------------------------------------------------------
def _out_size(size, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape (floor division as div_rtn)."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input (or the left padding)
    return out


def pool_output_shape(name, shape, kernel, stride, padding, dilation, ceil_mode):
    """Check a pooling's parameters against an (N, C, H, W) shape and return (Ho, Wo), as torch does."""
    if len(shape) != 4 or any(n == 0 for n in shape[1:]):
        raise OpError(f"{name}: non-empty 3D or 4D (batch mode) tensor expected for input, got shape {tuple(shape)}")
    for what, values, low in (
        ("kernel_size", kernel, 1),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
        ("padding", padding, 0),
    ):
        if len(values) != 2 or any(v < low for v in values):
            kind = "non-negative" if low == 0 else "greater than zero"
            raise OpError(f"{name}: {what} should be {kind}, but got {what}={tuple(values)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > k // 2:
            raise OpError(
                f"{name}: pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d} (padding {tuple(padding)}, kernel_size "
                f"{tuple(kernel)})"
            )
    out = tuple(
        _out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation)
    )
    if out[0] < 1 or out[1] < 1:
        _, c, h, w = shape
        span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise OpError(
            f"{name}: Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{out[0]}x"
            f"{out[1]}). Output size is too small: the window (kernel_size {tuple(kernel)}, "
            f"dilation {tuple(dilation)}, spanning {span}) is bigger than the padded input "
            f"({h + 2 * padding[0]}, {w + 2 * padding[1]}) (input shape {tuple(shape)}, "
            f"padding {tuple(padding)})"
        )
    return out


def _padded(x, padding, need, fill):
    """x with ``padding`` (ph, pw) of ``fill`` in front and enough after to hold ``need`` (rows, cols)."""
    (ph, pw), (H, W) = padding, x.shape[2:]
    bottom, right = max(need[0] - ph - H, 0), max(need[1] - pw - W, 0)
    if not (ph or pw or bottom or right):
        return x
    buf = np.full(x.shape[:2] + (ph + H + bottom, pw + W + right), fill, dtype=x.dtype)
    buf[:, :, ph : ph + H, pw : pw + W] = x
    return buf


def _offset_views(a, out, kernel, stride, dilation):
    """(i, j, view) for every kernel offset: the (..., Ho, Wo) strided view of ``a`` at that offset."""
    (Ho, Wo), (kh, kw), (sh, sw), (dh, dw) = out, kernel, stride, dilation
    for i in range(kh):
        for j in range(kw):
            yield i, j, a[:, :, i * dh : i * dh + (Ho - 1) * sh + 1 : sh, j * dw : j * dw + (Wo - 1) * sw + 1 : sw]


def _span(out, kernel, stride, dilation):
    return tuple((o - 1) * s + d * (k - 1) + 1 for o, k, s, d in zip(out, kernel, stride, dilation))


# ---- max pooling -----------------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else (np.iinfo(dtype).min if dtype.kind in "iu" else False)


def _first_inside(start, dilation):
    """The first position start + m * dilation (m >= 0) that is not before 0 (torch's clipped start)."""
    return start + dilation * (-(start // dilation) * (start < 0))


def max_pool2d_indices(x, kernel, stride, padding, dilation, ceil_mode):
    """(values, indices) of max pooling over an (N, C, H, W) array, with torch's index rule; the indices
    are flat positions in H * W (int64, shape (N, C, Ho, Wo)).

    Branch-free passes over the kernel offsets: the maxima (np.maximum, which propagates NaN), then the
    first offset holding the maximum (offsets visited last to first, each match overwriting), then the two
    rare cases: NaN windows (the last NaN, as torch) and windows of -inf/padding only (their first
    in-bounds position, as torch, which starts there and never updates).
    """
    out = pool_output_shape("max_pool2d", x.shape, kernel, stride, padding, dilation, ceil_mode)
    W = x.shape[3]
    fill = _lowest(x.dtype)
    xpad = _padded(x, padding, _span(out, kernel, stride, dilation), fill)
    hs = np.arange(out[0]) * stride[0] - padding[0]  # window starts (may be negative: padding)
    ws = np.arange(out[1]) * stride[1] - padding[1]
    small = x.shape[2] * W + xpad.shape[2] * xpad.shape[3] < 2**31
    itype = np.int32 if small else np.int64
    views = list(_offset_views(xpad, out, kernel, stride, dilation))
    offsets = [
        ((hs[:, None] + i * dilation[0]) * W + (ws[None, :] + j * dilation[1])).astype(itype) for i, j, _ in views
    ]
    best = views[0][2].copy()
    for _, _, v in views[1:]:
        np.maximum(best, v, out=best)
    index = np.empty(best.shape, dtype=itype)
    index[...] = offsets[-1]
    for (_, _, v), off in zip(views[-2::-1], offsets[-2::-1]):
        hit = v == best
        index -= hit * (index - off)  # index = off where hit (arithmetic: no branchy masked copy)
    if x.dtype.kind == "f" and np.isnan(best).any():
        for (_, _, v), off in zip(views, offsets):
            nan = np.isnan(v)
            index -= nan * (index - off)  # visited first to last: the last NaN wins
    lowest = best == fill
    if lowest.any():
        first = _first_inside(hs, dilation[0])[:, None] * W + _first_inside(ws, dilation[1])[None, :]
        index = np.where(lowest, first.astype(itype), index)
    return best, index.astype(np.int64, copy=False)


def empty_windows(shape, out, kernel, stride, padding, dilation):
    """A (Ho, Wo) mask of the windows with no position inside the input (possible with dilation and
    padding; torch gives -inf there), or None if there is none."""
    masks = []
    for n, o, k, s, p, d in zip(shape[2:], out, kernel, stride, padding, dilation):
        first = _first_inside(np.arange(o) * s - p, d)
        masks.append((first >= n) | (first > np.arange(o) * s - p + d * (k - 1)))
    if not (masks[0].any() or masks[1].any()):
        return None
    return masks[0][:, None] | masks[1][None, :]


def flat_positions(index, shape, clip=False):
    """Positions in the flattened (N, C, H, W) input of per-channel H * W indices; ``clip`` brings the
    out-of-range indices of empty windows into range (their value and gradient are masked by the caller)."""
    N, C, H, W = shape
    plane = H * W
    if clip:
        index = np.clip(index, 0, max(plane - 1, 0))
    base = np.arange(N * C, dtype=np.int64).reshape((N, C) + (1,) * (index.ndim - 2)) * plane
    return index + base


def windows_overlap(out, kernel, stride, dilation):
    """True if a position can belong to two windows (then the gradient scatter must accumulate)."""
    return any(o > 1 and s < d * (k - 1) + 1 for o, k, s, d in zip(out, kernel, stride, dilation))


class MaxPool2d(Op):
    """The input at given flat positions (max pooling's output); the gradient goes back to them."""

    name = "max_pool2d"
    function = "nn.functional.max_pool2d"
    saves_x = False

    @staticmethod
    def forward(x, positions, overlap):
        return np.take(x.reshape(-1), positions), x.shape

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        return (ctx.xp.apply(MaxPool2dBackward, g, positions=p["positions"], shape=ctx.saved, overlap=p["overlap"]),)


class MaxPool2dBackward(Op):
    """zeros(shape) with g added at flat positions (repeated positions accumulate); its vjp is the gather."""

    name = "max_pool2d_backward"
    saves_x = False

    @staticmethod
    def forward(g, positions, shape, overlap):
        if overlap:
            out = np.empty(shape, dtype=g.dtype)
            np.copyto(
                out.reshape(-1),
                np.bincount(positions.reshape(-1), weights=g.reshape(-1), minlength=out.size),
                casting="unsafe",
            )
        else:
            out = np.zeros(shape, dtype=g.dtype)
            out.reshape(-1)[positions.reshape(-1)] = g.reshape(-1)  # distinct positions: an assignment
        return out, None

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        return (ctx.xp.apply(MaxPool2d, g, positions=p["positions"], overlap=p["overlap"]),)


# ---- max pooling over disjoint tiles (kernel == stride, no padding or dilation: the common case) --------
def tiles_disjoint(shape, kernel, stride, padding, dilation, ceil_mode):
    """True when the windows tile the input without overlap, padding or dilation (e.g. MaxPool2d(2))."""
    if 0 in shape or min(kernel) <= 0 or tuple(stride) != tuple(kernel) or any(padding) or tuple(dilation) != (1, 1):
        return False
    exact = all(n % k == 0 for n, k in zip(shape[2:], kernel))
    return (exact or not ceil_mode) and all(n >= k for n, k in zip(shape[2:], kernel))


def _tile_views(a, kernel, out):
    """The kh * kw strided views (N, C, Ho, Wo) of ``a``, one per offset in a tile, in row-major order."""
    (kh, kw), (ho, wo) = kernel, out
    return [a[:, :, i : i + kh * ho : kh, j : j + kw * wo : kw] for i in range(kh) for j in range(kw)]


def max_pool2d_tile_values(x, kernel):
    """The maxima of disjoint tiles only (inference: no offsets to remember); NaN propagates as in torch."""
    views = _tile_views(x, kernel, (x.shape[2] // kernel[0], x.shape[3] // kernel[1]))
    if len(views) == 1:
        return views[0].copy(order="K")
    best = np.maximum(views[0], views[1])
    for v in views[2:]:
        np.maximum(best, v, out=best)
    return best


def max_pool2d_tiles(x, kernel):
    """(maxima, offsets) of disjoint tiles: ``offsets`` (uint8; int32 past 256 per tile) is each maximum's
    row-major position in its tile, by torch's rule (the first maximum; a NaN wins, the last one if
    several). Elementwise passes over kh * kw strided views keep x's memory layout (e.g. channels-last)."""
    best = max_pool2d_tile_values(x, kernel)
    views = _tile_views(x, kernel, best.shape[2:])
    itype = np.uint8 if len(views) <= 256 else np.int32
    if len(views) == 1:
        offsets = np.zeros_like(best, dtype=itype)
    else:  # first o with views[o] == best, as (v0 != best) * (1 + (v1 != best) * (1 + ...)): no masked copies
        offsets = (views[-2] != best).astype(itype)
        for v in views[-3::-1]:
            offsets += 1
            offsets *= v != best
    if x.dtype.kind == "f" and np.isnan(best).any():
        for o, v in enumerate(views):
            offsets -= np.isnan(v) * (offsets - itype(o))
    return best, offsets


def _scatter_tiles(g, offsets, kernel, shape):
    """zeros(shape) with g[n, c, i, j] at offset offsets[n, c, i, j] of tile (i, j), in the memory layout of
    ``offsets`` (that of the pooled input, e.g. channels-last), whatever g's layout."""
    exact = shape[2] == g.shape[2] * kernel[0] and shape[3] == g.shape[3] * kernel[1]
    dx = (np.empty_like if exact else np.zeros_like)(offsets, dtype=g.dtype, shape=shape)
    if axis_order(g) != axis_order(offsets):  # one cheap copy beats kh * kw mixed-layout passes
        g = _same_layout(g, offsets)
    finite = g.dtype.kind != "f" or np.isfinite(g).all()
    for o, view in enumerate(_tile_views(dx, kernel, g.shape[2:])):
        if finite:
            np.multiply(g, offsets == o, out=view)
        else:  # inf * 0 would put NaN where the gradient must be 0
            view[...] = np.where(offsets == o, g, 0)
    return dx


def _same_layout(a, like):
    """A copy of ``a`` laid out in memory like ``like`` (same shape)."""
    out = np.empty_like(like, dtype=a.dtype)
    out[...] = a
    return out


def _gather_tiles(u, offsets, kernel):
    """The element of each tile of u at its offset: the adjoint of ``_scatter_tiles``."""
    views = _tile_views(u, kernel, offsets.shape[2:])
    finite = u.dtype.kind != "f" or np.isfinite(u).all()
    out = np.zeros_like(views[0])
    for o, view in enumerate(views):
        out += view * (offsets == o) if finite else np.where(offsets == o, view, 0)
    return out


class MaxPool2dTiles(Op):
    """Max pooling over disjoint tiles; saves the in-tile offsets of the maxima for the vjp."""

    name = "max_pool2d"
    saves_x = False

    @staticmethod
    def forward(x, kernel, shape):
        return max_pool2d_tiles(x, kernel)

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        return (ctx.xp.apply(TileScatter, g, offsets=ctx.saved, kernel=p["kernel"], shape=p["shape"]),)


class TileScatter(Op):
    """g placed at the saved offsets of zero tiles (max pooling's vjp); its vjp is the gather."""

    name = "max_pool2d_backward"
    saves_x = False

    @staticmethod
    def forward(g, offsets, kernel, shape):
        return _scatter_tiles(g, offsets, kernel, shape), None

    @staticmethod
    def vjp(ctx, u):
        p = ctx.p
        return (ctx.xp.apply(TileGather, u, offsets=p["offsets"], kernel=p["kernel"], shape=p["shape"]),)


class TileGather(Op):
    """The element at the given offset of each tile; its vjp is the scatter."""

    name = "max_pool2d"
    saves_x = False

    @staticmethod
    def forward(u, offsets, kernel, shape):
        return _gather_tiles(u, offsets, kernel), None

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        return (ctx.xp.apply(TileScatter, g, offsets=p["offsets"], kernel=p["kernel"], shape=p["shape"]),)


# ---- average pooling -------------------------------------------------------------------------------------
def _avg_divisor(shape, out, kernel, stride, padding, count_include_pad, divisor_override, dtype):
    """The (Ho, Wo) divisor of each window, as torch's CPU kernel (1 where a window holds no input: its
    sum is 0 and so is its output)."""
    if divisor_override:
        return np.asarray(divisor_override, dtype=dtype)
    counts, valid = [], []
    for n, o, k, s, p in zip(shape[2:], out, kernel, stride, padding):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        counts.append(end - start)
        valid.append(np.maximum(np.minimum(end, n) - np.maximum(start, 0), 0))
    inside = valid[0][:, None] * valid[1][None, :]
    div = counts[0][:, None] * counts[1][None, :] if count_include_pad else inside
    return np.where(inside > 0, div, 1).astype(dtype)


def _avg_check(shape, kernel, stride, padding, ceil_mode, divisor_override, dtype):
    if dtype.kind != "f":
        raise OpError(f"avg_pool2d: expected a floating point input, got dtype {dtype}")
    if divisor_override is not None and divisor_override == 0:
        raise OpError("avg_pool2d: divisor must be not zero (divisor_override=0)")
    return pool_output_shape("avg_pool2d", shape, kernel, stride, padding, (1, 1), ceil_mode)


class AvgPool2d(Op):
    name = "avg_pool2d"
    function = "nn.functional.avg_pool2d"
    saves_x = False

    @staticmethod
    def forward(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        out = _avg_check(x.shape, kernel, stride, padding, ceil_mode, divisor_override, x.dtype)
        xpad = _padded(x, padding, _span(out, kernel, stride, (1, 1)), 0)
        acc = np.zeros(x.shape[:2] + out, dtype=x.dtype)
        for _, _, v in _offset_views(xpad, out, kernel, stride, (1, 1)):
            acc += v
        acc /= _avg_divisor(x.shape, out, kernel, stride, padding, count_include_pad, divisor_override, x.dtype)
        return acc, x.shape

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.apply(AvgPool2dBackward, g, shape=ctx.saved, **ctx.p),)


class AvgPool2dBackward(Op):
    """The transpose of AvgPool2d: each output gradient spread over its window (divided by the divisor)."""

    name = "avg_pool2d_backward"
    saves_x = False

    @staticmethod
    def forward(g, shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        out = g.shape[2:]
        g = g / _avg_divisor(shape, out, kernel, stride, padding, count_include_pad, divisor_override, g.dtype)
        (ph, pw), (H, W) = padding, shape[2:]
        span = _span(out, kernel, stride, (1, 1))
        buf = np.zeros(shape[:2] + (max(span[0], ph + H), max(span[1], pw + W)), dtype=g.dtype)
        for _, _, v in _offset_views(buf, out, kernel, stride, (1, 1)):
            v += g
        if buf.shape == tuple(shape):
            return buf, None
        return buf[:, :, ph : ph + H, pw : pw + W], None

    @staticmethod
    def vjp(ctx, g):
        p = dict(ctx.p)
        del p["shape"]
        return (ctx.xp.apply(AvgPool2d, g, **p),)


# ---- adaptive average pooling ----------------------------------------------------------------------------
def adaptive_windows(size, out):
    """torch's adaptive windows along one axis: starts floor(i * size / out), ends ceil((i + 1) * size / out)."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _covering_windows(size, starts, ends):
    """For each of ``size`` positions, the range [first, last) of the windows holding it (windows are
    sorted and cover every position, so the range is never empty)."""
    pos = np.arange(size)
    return np.searchsorted(ends, pos, side="right"), np.searchsorted(starts, pos, side="right")


def _range_sums(a, lo, hi, axis):
    """out[..., k, ...] = a[..., lo[k]:hi[k], ...].sum(axis) for non-empty ranges, by one np.add.reduceat over
    the interleaved bounds: every sum adds the values of its own range only (no zero weights times inf)."""
    if len(lo) == 0:
        shape = list(a.shape)
        shape[axis] = 0
        return np.zeros(shape, dtype=a.dtype)
    bounds = np.stack([lo, hi], axis=1).reshape(-1)
    if bounds[-1] == a.shape[axis]:
        bounds = bounds[:-1]  # the last range runs to the end: reduceat's last index does that
    if bounds.max() >= a.shape[axis]:  # a middle range ends at the end: pad one zero slice to point at
        pad = [(0, 0)] * a.ndim
        pad[axis] = (0, 1)
        a = np.pad(a, pad)
    sums = np.add.reduceat(a, bounds, axis=axis)
    return np.take(sums, np.arange(0, sums.shape[axis], 2), axis=axis)


def _adaptive_geometry(in_hw, out_hw, dtype):
    """Per axis: window starts and ends, and the (oh, ow) window sizes as divisors in ``dtype``."""
    (sh, eh), (sw, ew) = adaptive_windows(in_hw[0], out_hw[0]), adaptive_windows(in_hw[1], out_hw[1])
    counts = ((eh - sh)[:, None] * (ew - sw)[None, :]).astype(dtype)
    return (sh, eh), (sw, ew), counts


class AdaptiveAvgPool2d(Op):
    """Adaptive average pooling of (N, C, H, W) to (N, C, oh, ow): each window summed on its own, as torch
    (an inf stays in its windows; an averaging-matrix product would put inf * 0 = NaN in the others)."""

    name = "adaptive_avg_pool2d"
    function = "nn.functional.adaptive_avg_pool2d"
    saves_x = False

    @staticmethod
    def forward(x, output_size):
        if x.ndim != 4 or 0 in x.shape[2:]:
            raise OpError(
                f"adaptive_avg_pool2d: expected a 3D or 4D (batch mode) tensor with non-empty H and W, got "
                f"shape {x.shape}"
            )
        if x.dtype.kind != "f":
            raise OpError(f"adaptive_avg_pool2d: expected a floating point input, got dtype {x.dtype}")
        (sh, eh), (sw, ew), counts = _adaptive_geometry(x.shape[2:], output_size, x.dtype)
        out = _range_sums(_range_sums(x, sh, eh, 2), sw, ew, 3)
        out /= counts
        return out, x.shape

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.apply(AdaptiveAvgPool2dBackward, g, shape=ctx.saved),)


class AdaptiveAvgPool2dBackward(Op):
    """The transpose of AdaptiveAvgPool2d: each input position gets the sum of g / count over the windows
    holding it (a contiguous range of windows per axis); its vjp is the pooling again."""

    name = "adaptive_avg_pool2d_backward"
    saves_x = False

    @staticmethod
    def forward(g, shape):
        (sh, eh), (sw, ew), counts = _adaptive_geometry(shape[2:], g.shape[2:], g.dtype)
        lo_h, hi_h = _covering_windows(shape[2], sh, eh)
        lo_w, hi_w = _covering_windows(shape[3], sw, ew)
        return _range_sums(_range_sums(g / counts, lo_h, hi_h, 2), lo_w, hi_w, 3), g.shape[2:]

    @staticmethod
    def vjp(ctx, u):
        return (ctx.xp.apply(AdaptiveAvgPool2d, u, output_size=ctx.saved),)


# ---- nearest-neighbour resampling --------------------------------------------------------------------------
def _segment_sums(g, index, size, axis):
    """out[s] = sum of g[d] over the d with index[d] == s, along ``axis`` (index non-decreasing, so each
    source's copies are one run [start_s, start_s + count_s)): one gather + add per copy rank, not per
    element."""
    counts = np.bincount(index, minlength=size)
    starts = np.cumsum(counts) - counts
    shape = list(g.shape)
    shape[axis] = size
    out = np.zeros(shape, dtype=g.dtype)
    lead = (slice(None),) * axis
    for m in range(int(counts.max(initial=0))):
        have = np.flatnonzero(counts > m)  # the sources with more than m copies
        part = np.take(g, starts[have] + m, axis=axis)
        if len(have) == size:
            out += part
        else:
            out[lead + (have,)] += part  # distinct sources: no accumulation needed inside one rank
    return out


class NearestGather(Op):
    """x indexed along ``axis`` by a non-decreasing integer ``index`` (nearest-neighbour resampling)."""

    name = "upsample_nearest"
    function = "nn.functional.interpolate"
    saves_x = False

    @staticmethod
    def forward(x, index, axis):
        return np.take(x, index, axis=axis), x.shape[axis]

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        return (ctx.xp.apply(NearestScatter, g, index=p["index"], axis=p["axis"], size=ctx.saved),)


class NearestScatter(Op):
    """The transpose of NearestGather: sums of the copies of each source; its vjp is the gather."""

    name = "upsample_nearest_backward"
    saves_x = False

    @staticmethod
    def forward(g, index, axis, size):
        return _segment_sums(g, index, size, axis), None

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        return (ctx.xp.apply(NearestGather, g, index=p["index"], axis=p["axis"]),)


# ---- linear and cubic resampling (interpolate's linear/bilinear/bicubic/trilinear modes) -------------------
def _tap_sum(x, index, weights, axis):
    """sum over taps t of weights[t] * x indexed by index[t] along ``axis`` (index, weights: (T, out))."""
    wshape = [1] * x.ndim
    wshape[axis] = weights.shape[1]
    out = np.take(x, index[0], axis=axis) * weights[0].reshape(wshape)
    for t in range(1, len(index)):
        out += np.take(x, index[t], axis=axis) * weights[t].reshape(wshape)
    return out


def _tap_scatter(g, index, weights, axis, size):
    """The transpose of _tap_sum: each tap's weighted gradient summed back into its sources (the indices of a
    tap are non-decreasing: _segment_sums, one vectorised pass per copy rank)."""
    wshape = [1] * g.ndim
    wshape[axis] = weights.shape[1]
    out = _segment_sums(g * weights[0].reshape(wshape), index[0], size, axis)
    for t in range(1, len(index)):
        out += _segment_sums(g * weights[t].reshape(wshape), index[t], size, axis)
    return out


class Resample(Op):
    """Resampling along ``axis``: out[d] = sum_t weights[t, d] * x[index[t, d]] (linear interpolation: 2 taps,
    cubic: 4). ``index`` and ``weights`` are (T, out) constants; each row of ``index`` is non-decreasing."""

    name = "upsample_linear"
    saves_x = False

    @staticmethod
    def forward(x, index, weights, axis):
        return _tap_sum(x, index, weights.astype(x.dtype, copy=False), axis), x.shape[axis]

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        return (
            ctx.xp.apply(ResampleTranspose, g, index=p["index"], weights=p["weights"], axis=p["axis"], size=ctx.saved),
        )


class ResampleTranspose(Op):
    """The transpose of Resample (its gradient): scatter-add of the weighted gradient; its vjp is Resample."""

    name = "upsample_linear_backward"
    saves_x = False

    @staticmethod
    def forward(g, index, weights, axis, size):
        return _tap_scatter(g, index, weights.astype(g.dtype, copy=False), axis, size), None

    @staticmethod
    def vjp(ctx, u):
        p = ctx.p
        return (ctx.xp.apply(Resample, u, index=p["index"], weights=p["weights"], axis=p["axis"]),)
