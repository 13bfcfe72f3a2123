"""Shape and indexing: reshape, permute, expand, indexing (basic, integer-array, boolean), index_put,
cat, stack, pad.

Integer-array indexing may repeat an index; its gradient is scatter-added (``np.add.at``) so repeated
indices accumulate. Reshape, permute, expand and basic indexing return numpy views, as torch returns views.
"""

from typing import Tuple

import numpy as np

from .base import Op, OpError, masked


class Reshape(Op):
    name = "reshape"
    function = "reshape"
    methods = ("reshape", "view", "flatten", "unflatten", "squeeze", "unsqueeze", "view_as", "reshape_as")
    view = True
    saves_x = False

    @staticmethod
    def forward(x, shape):
        try:
            return np.reshape(x, shape), x.shape
        except ValueError:
            raise OpError(
                f"reshape: cannot view a tensor of shape {x.shape} ({x.size} elements) as shape {tuple(shape)}"
            ) from None

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.reshape(g, ctx.saved),)


class Permute(Op):
    name = "permute"
    function = "permute"
    methods = ("permute", "transpose", "t", "T")
    view = True
    saves_x = False

    @staticmethod
    def forward(x, axes):
        return np.transpose(x, axes), None

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.transpose(g, tuple(np.argsort(ctx.p["axes"]))),)


class Expand(Op):
    """Broadcast to a larger shape without copying; the engine sums the gradient back."""

    name = "expand"
    function = "broadcast_to"
    methods = ("expand", "expand_as", "broadcast_to")
    view = True
    saves_x = False

    @staticmethod
    def forward(x, shape):
        if tuple(shape) == x.shape:  # nothing stretched: a plain (writeable) view, as torch's expand
            return x.view(), None
        try:
            return np.broadcast_to(x, shape), None
        except ValueError:
            raise OpError(
                f"expand: cannot broadcast a tensor of shape {x.shape} to shape "
                f"{tuple(shape)} (only size-1 dims can grow, new dims go in front)"
            ) from None

    @staticmethod
    def vjp(ctx, g):
        return (g,)


def _accumulates(index):
    """True if the index holds an integer array, so a position may be picked more than once."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, np.ndarray) and part.dtype != np.bool_:
            return True
        if isinstance(part, (list, range)):
            return True
    return False


def scatter_into_zeros(g, shape, index):
    """zeros(shape)[index] += g, accumulating over repeated integer indices."""
    out = np.zeros(shape, dtype=g.dtype)
    if _accumulates(index):
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


def _index_error(name, shape, index, err):
    return IndexError(f"{name}: {err} (tensor of shape {shape}, index {index!r})")


class GetItem(Op):
    name = "getitem"
    methods: Tuple[str, ...] = ("__getitem__",)
    view = True
    saves_x = False

    @staticmethod
    def forward(x, index):
        try:
            out = x[index]
            if out.__class__ is not np.ndarray:  # every dim picked by an int: a 0-d view, as torch
                out = x[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
            return out, x.shape
        except (IndexError, TypeError, ValueError) as err:
            raise _index_error("getitem", x.shape, index, err) from None

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.index_scatter(g, ctx.saved, ctx.p["index"]),)


class IndexScatter(Op):
    """The gradient of indexing as an op of its own, so that it is differentiable again."""

    name = "index_scatter"
    saves_x = False

    @staticmethod
    def forward(g, shape, index):
        return scatter_into_zeros(g, shape, index), None

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.getitem(g, ctx.p["index"]),)


def _without_extra_unit_dims(value, out, index):
    """value with the leading size-1 dims it has beyond the slot's dims dropped (torch accepts y[0, 1] = v
    for v of shape (1, 1); numpy refuses a sequence in a scalar slot)."""
    ndim = np.ndim(value)
    if ndim == 0 or np.shape(value)[0] != 1:
        return value
    slot_ndim = np.ndim(out[index])
    lead = 0
    while lead < ndim - slot_ndim and np.shape(value)[lead] == 1:
        lead += 1
    return np.reshape(value, np.shape(value)[lead:]) if lead else value


class IndexPut(Op):
    """x with x[index] = value (out of place): ``x[index] = v`` on a tensor in a graph."""

    name = "index_put"
    methods: Tuple[str, ...] = ("__setitem__",)
    saves_x = False

    @staticmethod
    def forward(x, value, index):
        out = x.copy()
        try:
            out[index] = _without_extra_unit_dims(value, out, index)
        except (IndexError, TypeError, ValueError) as err:
            raise _index_error("setitem", x.shape, index, err) from None
        kept = np.ones(x.shape, dtype=bool)
        kept[index] = False
        return out, (kept, np.shape(value))

    @staticmethod
    def vjp(ctx, g):
        """x's gradient is g selected off the overwritten slots (exactly 0 there); value's is g at the
        slots, with value's extra leading size-1 dims (torch accepts them) put back for the engine."""
        kept, value_shape = ctx.saved
        xp = ctx.xp
        gx = masked(xp, g, kept) if ctx.needs[0] else None
        gv = None
        if ctx.needs[1]:
            gv = xp.getitem(g, ctx.p["index"])
            extra = len(value_shape) - gv.ndim
            if extra > 0:
                gv = xp.reshape(gv, (1,) * extra + tuple(gv.shape))
        return gx, gv


def joined_dtype(arrays):
    """torch's result dtype for cat/stack: the widest floating dtype if any input is floating (int64 with
    float32 gives float32; numpy would widen to float64), else numpy's (= torch's) integer/bool rule."""
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.result_type(*arrays)


def _slice_along(ndim, axis, start, stop):
    return (slice(None),) * axis + (slice(start, stop),) + (slice(None),) * (ndim - axis - 1)


class Cat(Op):
    name = "cat"
    function = "cat"
    aliases = ("concat", "concatenate")
    saves_x = False

    @staticmethod
    def forward(*arrays, axis=0):
        try:
            out = np.concatenate(arrays, axis=axis, dtype=joined_dtype(arrays))
        except ValueError:
            shapes = [a.shape for a in arrays]
            raise OpError(
                f"cat: tensors of shapes {shapes} cannot be joined along dim {axis}: all dims but that one must match"
            ) from None
        return out, [a.shape[axis] for a in arrays]

    @staticmethod
    def vjp(ctx, g):
        axis, start, grads = ctx.p["axis"], 0, []
        for size, need in zip(ctx.saved, ctx.needs):
            grads.append(g[_slice_along(g.ndim, axis, start, start + size)] if need else None)
            start += size
        return grads


class Stack(Op):
    name = "stack"
    function = "stack"
    saves_x = False

    @staticmethod
    def forward(*arrays, axis=0):
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise OpError(f"stack: all tensors must have the same shape, got {[a.shape for a in arrays]}")
        return np.stack(arrays, axis=axis, dtype=joined_dtype(arrays)), None

    @staticmethod
    def vjp(ctx, g):
        axis = ctx.p["axis"]
        prefix = (slice(None),) * axis
        return [g[prefix + (i,)] if need else None for i, need in enumerate(ctx.needs)]


class ConstantPad(Op):
    """torch.nn.functional.pad in 'constant' mode; ``widths`` are (before, after) per dim, negative crops."""

    name = "pad"
    function = "pad"
    saves_x = False

    @staticmethod
    def forward(x, widths, value=0.0):
        crop = tuple(slice(max(-lo, 0), x.shape[d] - max(-hi, 0)) for d, (lo, hi) in enumerate(widths))
        grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        return np.pad(x[crop], grow, mode="constant", constant_values=value), (x.shape, crop)

    @staticmethod
    def vjp(ctx, g):
        shape, crop = ctx.saved
        core = g[tuple(slice(max(lo, 0), g.shape[d] - max(hi, 0)) for d, (lo, hi) in enumerate(ctx.p["widths"]))]
        if any(lo < 0 or hi < 0 for lo, hi in ctx.p["widths"]):
            return (ctx.xp.index_scatter(core, shape, crop),)
        return (core,)


def pad_index(size, before, after, mode):
    """Source index of each padded position along one dim for 'reflect', 'replicate' or 'circular'."""
    numpy_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    limit = size - 1 if mode == "reflect" else size
    if mode == "replicate" and size > 0:
        limit = max(before, after)  # torch repeats the edge any number of times
    if before > limit or after > limit:
        raise OpError(
            f"pad: {mode} padding of ({before}, {after}) is too large for a dim of size {size} (at most {limit})"
        )
    return np.pad(np.arange(size), (before, after), mode=numpy_mode)


class ViewWrite(Op):
    """The base after a recorded in-place change of one of its views (torch's CopySlices).

    The memory already holds the new values, so the forward returns the base's array as it is; the
    gradient reaches the view's new history through the view's region and the base's old history
    everywhere else. ``chain`` is the list of (view op, params) that leads from the base to the view.
    """

    name = "view_write"
    saves_x = False

    @staticmethod
    def forward(base, view, chain):
        outside = np.ones(base.shape, dtype=bool)
        region = outside
        for op, params in chain:
            region = op.forward(region, **params)[0]
        if region.size:  # (an empty expand view is read-only, and covers nothing)
            region[...] = False
        return base, outside

    @staticmethod
    def vjp(ctx, g):
        xp = ctx.xp
        g_base = xp.where(ctx.saved, g, np.zeros((), dtype=g.dtype)) if ctx.needs[0] else None
        g_view = None
        if ctx.needs[1]:
            g_view = g
            for op, params in ctx.p["chain"]:
                g_view = xp.apply(op, g_view, **params)
        return g_base, g_view


# ---- more shape and indexing ops (issue 13) ------------------------------------------------------------------
# gather, index_select, repeat_interleave and split are indexing (GetItem's forward, and its vjp: a
# scatter-add, which accumulates repeated indices); scatter is an index_put and scatter_add its additive twin.


class Gather(GetItem):
    """torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] (dim 1), as an integer-array index."""

    name = "gather"
    function = "gather"
    methods = ("gather",)
    view = False


class IndexSelect(GetItem):
    """torch.index_select: the entries ``index`` (1-D, repeats allowed) along one dim."""

    name = "index_select"
    function = "index_select"
    methods = ("index_select",)
    view = False


class RepeatInterleave(GetItem):
    """torch.repeat_interleave: each entry along a dim repeated, as an integer-array index."""

    name = "repeat_interleave"
    function = "repeat_interleave"
    methods = ("repeat_interleave",)
    view = False


class Split(GetItem):
    """One piece of torch.split / torch.chunk: a slice along a dim (a view, as torch's)."""

    name = "split"
    function = "split"
    aliases = ("chunk",)
    methods = ("split", "chunk")


class Flip(GetItem):
    """torch.flip: reversed along ``dims``; a copy, as torch's (not a view)."""

    name = "flip"
    function = "flip"
    methods = ("flip",)
    view = False

    @staticmethod
    def forward(x, index):
        return x[index].copy(), x.shape


class Scatter(IndexPut):
    """torch.scatter: x with x[index positions] = src (or a number); x's gradient is 0 at the written
    positions, src's is the gradient gathered from them."""

    name = "scatter"
    function = "scatter"
    methods = ("scatter", "scatter_")


class ScatterAdd(Op):
    """torch.scatter_add: x with src added at the index positions (repeats accumulate); x's gradient
    passes unchanged, src's is gathered from the positions."""

    name = "scatter_add"
    function = "scatter_add"
    methods = ("scatter_add", "scatter_add_")
    saves_x = False

    @staticmethod
    def forward(x, src, index):
        out = np.array(x, dtype=np.result_type(x, src), copy=True)
        np.add.at(out, index, src)
        return out, None

    @staticmethod
    def vjp(ctx, g):
        return (g if ctx.needs[0] else None), (ctx.xp.getitem(g, ctx.p["index"]) if ctx.needs[1] else None)


class Roll(Op):
    """torch.roll: entries shifted cyclically by ``shifts`` along ``dims`` (None: the flattened tensor)."""

    name = "roll"
    function = "roll"
    methods = ("roll",)
    saves_x = False

    @staticmethod
    def forward(x, shifts, dims):
        return np.roll(x, shifts, axis=dims), None

    @staticmethod
    def vjp(ctx, g):
        shifts = ctx.p["shifts"]
        back = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return (ctx.xp.apply(Roll, g, shifts=back, dims=ctx.p["dims"]),)


class Tril(Op):
    """torch.tril: the lower triangle (on and below the ``diagonal``-th diagonal) of the last two dims,
    zeros elsewhere; the gradient is selected the same way."""

    name = "tril"
    function = "tril"
    methods = ("tril", "tril_")
    saves_x = False
    upper = False

    @classmethod
    def forward(cls, x, diagonal=0):
        keep = _triangle(x.shape, diagonal, cls.upper)
        return np.where(keep, x, x.dtype.type(0)), keep

    @staticmethod
    def vjp(ctx, g):
        return (masked(ctx.xp, g, ctx.saved),)


class Triu(Tril):
    """torch.triu: the upper triangle (on and above the ``diagonal``-th diagonal) of the last two dims."""

    name = "triu"
    function = "triu"
    methods = ("triu", "triu_")
    upper = True


def _triangle(shape, diagonal, upper):
    rows, cols = shape[-2:]
    ones = np.ones((rows, cols), dtype=bool)
    return np.triu(ones, diagonal) if upper else np.tril(ones, diagonal)


class Repeat(Op):
    """Tensor.repeat / torch.tile: x (with leading size-1 dims added to match) tiled ``reps`` times per dim;
    the gradient sums the tiles back."""

    name = "repeat"
    function = "tile"
    methods = ("repeat", "tile")
    saves_x = False

    @staticmethod
    def forward(x, reps):
        x = np.reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
        return np.tile(x, reps), x.shape

    @staticmethod
    def vjp(ctx, g):
        xp, reps, shape = ctx.xp, ctx.p["reps"], ctx.saved
        split = tuple(n for pair in zip(reps, shape) for n in pair)  # (r0, s0, r1, s1, ...)
        gx = xp.sum(xp.reshape(g, split), tuple(range(0, 2 * len(reps), 2)))
        return (gx,)


class Sort(GetItem):
    """The values of torch.sort along a dim, as an integer-array index (the indices come from a stable
    argsort): the gradient goes back to each value's position."""

    name = "sort"
    function = "sort"
    methods = ("sort",)
    view = False


class TopK(GetItem):
    """The values of torch.topk along a dim, as an integer-array index; the gradient goes back to them."""

    name = "topk"
    function = "topk"
    methods = ("topk",)
    view = False
