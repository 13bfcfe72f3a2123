"""Shape and indexing: reshape, permute, expand, indexing (basic, integer-array, boolean), index_put,
cat, stack, pad.

Integer-array indexing may repeat an index; its gradient is scatter-added (``np.add.at``) so repeated
indices accumulate. Reshape, permute, expand and basic indexing return numpy views, as torch returns views.
"""

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
    methods = ("__getitem__",)
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
    methods = ("__setitem__",)
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
