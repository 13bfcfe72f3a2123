"""Reductions: sum, mean, var, std, amax/amin, max/min along a dim, logsumexp, softmax, log_softmax.

Tie rule (as PyTorch): ``amax``/``amin`` and the full ``max()``/``min()`` share the gradient evenly among
all elements equal to the extreme; ``max(dim)``/``min(dim)`` send it only to the returned index (the first
extreme along the dim). NaN is the extreme (as torch): ``max()``/``min()`` share the gradient among the
NaNs, ``amax``/``amin`` give the whole slice a NaN gradient (torch's two rules). The other elements get
exactly 0 (selected, not multiplied: an inf/NaN incoming gradient does not leak to them, where torch's
amax multiplies and gives NaN). softmax, log_softmax and logsumexp subtract the max
first, so inputs like 1e4 are fine; as torch, a +inf logit makes its softmax slice NaN, and logsumexp of a
slice holding +inf is +inf.
"""

import numpy as np

from ..dtypes import as_floating
from .base import DimError, Op, OpError, data_of, masked


def normalize_dims(name, dim, shape):
    """dim (None, int or tuple) as a sorted tuple of non-negative axes, or None for all; checked."""
    if dim is None:
        return None
    ndim = len(shape)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None  # torch: an empty dim tuple/list reduces over all dims
    bound = max(ndim, 1)
    out = []
    for d in dims:
        if not isinstance(d, (int, np.integer)):
            raise OpError(f"{name}: dim must be an int or a tuple of ints, got {dim!r}")
        if not -bound <= d < bound:
            raise DimError(
                f"{name}: dim {d} is out of range for a tensor of shape {tuple(shape)} "
                f"(expected a dim in [{-bound}, {bound - 1}])"
            )
        out.append(int(d) % bound)
    if ndim == 0:
        return ()
    if len(set(out)) != len(out):
        raise OpError(f"{name}: dim {dim!r} names a dimension more than once")
    return tuple(sorted(out))


def _count(shape, axes):
    if axes is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in axes]))


def expand_reduced(xp, g, axes, keepdims, shape):
    """Bring a reduced gradient back to the input's full shape."""
    if not keepdims and axes:
        g = xp.expand_dims(g, axes)
    return xp.broadcast_to(g, shape)


def _keep(xp, y, axes, keepdims):
    """The reduced result with the reduced dims kept as size 1 (for broadcasting against the input)."""
    if keepdims or axes is None or not axes:
        return y
    return xp.expand_dims(y, axes)


class Sum(Op):
    name = "sum"
    function = "sum"
    methods = ("sum",)
    saves_x = False

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        return np.sum(x, axis=axis, keepdims=keepdims), x.shape

    @staticmethod
    def vjp(ctx, g):
        return (expand_reduced(ctx.xp, g, ctx.p["axis"], ctx.p["keepdims"], ctx.saved),)


class Mean(Op):
    name = "mean"
    function = "mean"
    methods = ("mean",)
    saves_x = False

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        return np.mean(as_floating(x), axis=axis, keepdims=keepdims), x.shape

    @staticmethod
    def vjp(ctx, g):
        axis, shape = ctx.p["axis"], ctx.saved
        n = _count(shape, axis)
        return (expand_reduced(ctx.xp, g, axis, ctx.p["keepdims"], shape) / max(n, 1),)


def _centered(xp, x, axis, n):
    """x minus its mean; the mean as a sum of x / n, which cannot overflow where x itself does not."""
    return x - xp.sum(x * (1.0 / max(n, 1)), axis, True)


def _squared_deviations(x, axis):
    """(scale, sum of ((x - mean) / scale)^2) over ``axis`` (kept as size 1), in x's dtype.

    Plain first (one subtraction, one squaring pass). Where that can have overflowed (not finite) or lost
    its small terms to underflow (a sum below tiny / eps), everything is redone on x / max|x| -- values in
    [-1, 1] -- so float32 data around 1e19 or 1e-25 keeps its variance, as torch's does, without a float64
    copy on the common path. ``scale`` is 1 on the plain path."""
    one = x.dtype.type(1)
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.asarray(x - np.mean(x, axis=axis, keepdims=True))  # (an array even for 0-d x: squared in place)
        ss = np.sum(np.multiply(d, d, out=d), axis=axis, keepdims=True)
    info = np.finfo(x.dtype)
    if x.size == 0 or (np.isfinite(ss).all() and not (ss < info.tiny / info.eps * x.size).any()):
        return one, ss
    scale = np.max(np.abs(x), axis=axis, keepdims=True)
    scale = np.where((scale > 0) & np.isfinite(scale), scale, one)  # zeros, inf, NaN: left unscaled
    xs = x / scale
    with np.errstate(invalid="ignore"):
        d = np.asarray(xs - np.mean(xs, axis=axis, keepdims=True))
        return scale, np.sum(np.multiply(d, d, out=d), axis=axis, keepdims=True)


def _variance(x, axis, keepdims, correction, root):
    """var (or std when ``root``) of x with ``correction``; dof = max(n - correction, 0) as torch (a zero
    dof gives NaN or inf, not an error)."""
    x = as_floating(x)
    dof = x.dtype.type(max(_count(x.shape, axis) - correction, 0))
    scale, ss = _squared_deviations(x, axis)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per = ss / dof
        out = scale * np.sqrt(per) if root else scale * (scale * per)
    if not keepdims:
        out = out.reshape(()) if axis is None else np.squeeze(out, axis=axis)
    return np.asarray(out, dtype=x.dtype)


def _dof_factor(n, correction):
    """2 / (n - correction) as torch's var_backward: inf at zero degrees of freedom, negative (not clamped,
    unlike the forward's divisor) when the correction exceeds n."""
    dof = n - correction
    return 2.0 / dof if dof != 0 else np.inf


class Var(Op):
    """Variance with Bessel's ``correction`` (1 by default, as torch.var), computed without overflow or
    underflow of the squares (see ``_squared_deviations``)."""

    name = "var"
    function = "var"
    methods = ("var",)

    @staticmethod
    def forward(x, axis=None, keepdims=False, correction=1):
        return _variance(x, axis, keepdims, correction, root=False), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        xp, axis, keepdims = ctx.xp, ctx.p["axis"], ctx.p["keepdims"]
        n = _count(x.shape, axis)
        g = expand_reduced(xp, g, axis, keepdims, x.shape)
        with np.errstate(invalid="ignore"):
            return (g * _centered(xp, x, axis, n) * _dof_factor(n, ctx.p["correction"]),)


class Std(Op):
    name = "std"
    function = "std"
    methods = ("std",)
    saves_y = True

    @staticmethod
    def forward(x, axis=None, keepdims=False, correction=1):
        return _variance(x, axis, keepdims, correction, root=True), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        xp, axis, keepdims = ctx.xp, ctx.p["axis"], ctx.p["keepdims"]
        n = _count(x.shape, axis)
        y = _keep(xp, ctx.y, axis, keepdims)
        g = expand_reduced(xp, g, axis, keepdims, x.shape)
        zero = data_of(y) == 0  # std 0 (constant slice): gradient 0 there, as torch, not 0/0
        if np.any(zero):
            y = xp.where(zero, 1.0, y)
        with np.errstate(invalid="ignore", divide="ignore"):
            gx = g * _centered(xp, x, axis, n) / y * (0.5 * _dof_factor(n, ctx.p["correction"]))
        return ((xp.where(zero, 0.0, gx) if np.any(zero) else gx),)


def _extreme_forward(name, fn, x, axis, keepdims):
    if x.size == 0 and (axis is None or any(x.shape[a] == 0 for a in axis)):
        raise OpError(f"{name}: cannot reduce a zero-size dimension (shape {x.shape}, dim {axis})")
    return fn(x, axis=axis, keepdims=keepdims), None


def _even_share_vjp(ctx, g, nan_shares=False):
    """g / count to each element equal to the extreme, exactly 0 to the others. A NaN extreme: the NaNs
    share it (``nan_shares``, torch's max()), or the whole slice gets NaN (torch's amax: 0 / 0 hits)."""
    (x,) = ctx.x
    xp, axis, keepdims = ctx.xp, ctx.p["axis"], ctx.p["keepdims"]
    y = _keep(np, data_of(ctx.y), axis, keepdims)
    x = data_of(x)
    hit = x == y
    nan = np.isnan(y) if x.dtype.kind == "f" else np.zeros((), dtype=bool)
    if nan.any():
        hit |= nan & (np.isnan(x) if nan_shares else True)
    count = np.sum(hit, axis=axis, keepdims=True).astype(x.dtype)
    share = expand_reduced(xp, g, axis, keepdims, x.shape) / count
    if nan.any() and not nan_shares:
        share = xp.where(nan, np.nan, share)
    return (masked(xp, share, hit),)


def _extreme_vjp(ctx, g):
    """amax/amin's vjp: a NaN extreme gives the whole slice NaN, as torch's amax."""
    return _even_share_vjp(ctx, g)


def _max_share_vjp(ctx, g):
    """max()/min()'s vjp: the NaNs share a NaN extreme's gradient, as torch's max()."""
    return _even_share_vjp(ctx, g, nan_shares=True)


class Amax(Op):
    name = "amax"
    function = "amax"
    methods = ("amax",)
    saves_y = True

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        return _extreme_forward("amax", np.max, x, axis, keepdims)

    vjp = staticmethod(_extreme_vjp)


class Amin(Op):
    name = "amin"
    function = "amin"
    methods = ("amin",)
    saves_y = True

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        return _extreme_forward("amin", np.min, x, axis, keepdims)

    vjp = staticmethod(_extreme_vjp)


class MaxAll(Amax):
    """max() of every element: amax over all dims, but a NaN maximum's gradient is shared by the NaNs."""

    name = "max"
    function = "max"
    methods = ("max",)
    vjp = staticmethod(_max_share_vjp)


class MinAll(Amin):
    """min() of every element (NaNs share a NaN minimum's gradient, as max())."""

    name = "min"
    function = "min"
    methods = ("min",)
    vjp = staticmethod(_max_share_vjp)


class SelectAlongDim(Op):
    """Values at given indices along one dim (max(dim)/min(dim)); the gradient goes to those indices only."""

    name = "select_along_dim"
    saves_x = False

    @staticmethod
    def forward(x, indices, axis, keepdims=False):
        idx = np.expand_dims(indices, axis)
        out = np.take_along_axis(x, idx, axis=axis)
        return (out if keepdims else np.squeeze(out, axis)), x.shape

    @staticmethod
    def vjp(ctx, g):
        axis, keepdims, shape = ctx.p["axis"], ctx.p["keepdims"], ctx.saved
        hit = np.zeros(shape, dtype=bool)
        np.put_along_axis(hit, np.expand_dims(ctx.p["indices"], axis), True, axis=axis)
        return (masked(ctx.xp, expand_reduced(ctx.xp, g, (axis,), keepdims, shape), hit),)


def _stable_max(x, axis):
    # initial=-inf: a zero-size dim has no max (softmax of it is empty, as torch, not an error)
    m = x.max(axis=axis, keepdims=True, initial=-np.inf)  # (the method: a microsecond less than np.max)
    if np.isfinite(m).all():
        return m
    return np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)


class LogSumExp(Op):
    name = "logsumexp"
    function = "logsumexp"
    methods = ("logsumexp",)
    saves_y = True

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        x = as_floating(x)
        if x.size == 0:
            with np.errstate(divide="ignore"):  # log(0) = -inf over an empty dim, as torch (no warning)
                return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)), None
        m = _stable_max(x, axis)
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        if not keepdims:
            out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
        return out, None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        xp, axis, keepdims = ctx.xp, ctx.p["axis"], ctx.p["keepdims"]
        y = _keep(xp, ctx.y, axis, keepdims)
        if axis is None and not keepdims:
            y = xp.reshape(y, (1,) * x.ndim)
        return (expand_reduced(xp, g, axis, keepdims, x.shape) * xp.exp(x - y),)


def _max_shift(x, axis):
    """x minus its max along ``axis``, as torch's softmax: a +inf max makes the slice NaN (inf - inf)."""
    with np.errstate(invalid="ignore"):
        return x - x.max(axis=axis, keepdims=True, initial=-np.inf)  # initial: an empty dim is fine


class Softmax(Op):
    name = "softmax"
    function = "softmax"
    methods = ("softmax",)
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(x, axis):
        x = as_floating(x)
        e = np.exp(_max_shift(x, axis))
        with np.errstate(invalid="ignore"):
            return e / np.sum(e, axis=axis, keepdims=True), None

    @staticmethod
    def vjp(ctx, g):
        y = ctx.y
        return (y * (g - ctx.xp.sum(g * y, ctx.p["axis"], True)),)


class LogSoftmax(Op):
    name = "log_softmax"
    function = "log_softmax"
    methods = ("log_softmax",)
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(x, axis):
        x = as_floating(x)
        shifted = _max_shift(x, axis)
        with np.errstate(divide="ignore", invalid="ignore"):  # an empty dim: log(0) = -inf, never used (empty result)
            return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)), None

    @staticmethod
    def vjp(ctx, g):
        xp = ctx.xp
        return (g - xp.exp(ctx.y) * xp.sum(g, ctx.p["axis"], True),)


# ---- products, scans and sorting (issue 13) ------------------------------------------------------------------


def _to_last(a, axes):
    """``a`` with ``axes`` moved to the end and merged into one: (rows..., n), and the permutation used."""
    axes = tuple(range(a.ndim)) if axes is None else tuple(axes)
    kept = tuple(d for d in range(a.ndim) if d not in axes)
    perm = kept + axes
    moved = np.transpose(a, perm)
    n = int(np.prod([a.shape[d] for d in axes]))
    return moved.reshape(moved.shape[: len(kept)] + (n,)), perm


def _from_last(b, perm, shape):
    """The inverse of ``_to_last``."""
    moved_shape = tuple(shape[d] for d in perm)
    return np.transpose(b.reshape(moved_shape), np.argsort(perm))


def _exclusive_products(flat):
    """For each i along the last axis, the product of every other entry (exact with zeros: no division)."""
    n = flat.shape[-1]
    left = np.ones_like(flat)
    right = np.ones_like(flat)
    if n > 1:
        left[..., 1:] = np.cumprod(flat[..., :-1], axis=-1)
        right[..., :-1] = np.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1]
    return left * right


class ProdOthers(Op):
    """For each element, the product of the other elements of its slice over ``axis`` (prod's gradient
    factor, torch's prod_safe_zeros_backward): exact where the slice holds zeros. Its own vjp (prod's
    second derivative) is sum over i != k of g_i * prod over j != i, k of x_j."""

    name = "prod_others"

    @staticmethod
    def forward(x, axis):
        flat, perm = _to_last(x, axis)
        return _from_last(_exclusive_products(flat), perm, x.shape), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        axis = ctx.p["axis"]
        flat, perm = _to_last(data_of(x), axis)
        n = flat.shape[-1]
        # pairs[..., i, k] = product over j != i, k: the others of x with x_i replaced by 1, off the diagonal
        with_one = np.repeat(flat[..., None, :], n, axis=-2)
        idx = np.arange(n)
        with_one[..., idx, idx] = 1
        pairs = _exclusive_products(with_one)
        pairs[..., idx, idx] = 0
        g_flat, _ = _to_last(data_of(g), axis)
        out = np.einsum("...i,...ik->...k", g_flat, pairs)
        return (ctx.xp.constant(_from_last(out, perm, x.shape)),)


class Prod(Op):
    """The product over ``axis`` (None: all). Its gradient is the product of the other elements of each
    slice, exact with zeros as torch's (one zero: only the zero gets the others' product; more: all 0)."""

    name = "prod"
    function = "prod"
    methods = ("prod",)

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        return np.asarray(np.prod(x, axis=axis, keepdims=keepdims)), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        xp, axis = ctx.xp, ctx.p["axis"]
        g = expand_reduced(xp, g, axis, ctx.p["keepdims"], x.shape)
        return (g * xp.apply(ProdOthers, x, axis=axis),)


class Cumsum(Op):
    """Running sums along ``axis`` (``reverse``: from the end, the gradient's form)."""

    name = "cumsum"
    function = "cumsum"
    methods = ("cumsum", "cumsum_")
    saves_x = False

    @staticmethod
    def forward(x, axis, reverse=False):
        if x.ndim == 0:
            return x.copy(), None
        if reverse:
            return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis).copy(), None
        return np.cumsum(x, axis=axis), None

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.apply(Cumsum, g, axis=ctx.p["axis"], reverse=not ctx.p.get("reverse", False)),)


def _cumprod_gradient_with_zeros(x, g, axis):
    """sum over j >= k of g_j * prod over m <= j, m != k of x_m, exactly (O(n^2) per slice): the gradient
    of cumprod where a slice holds a zero, as torch's (no division by the zero)."""
    flat_x, perm = _to_last(x, (axis,))
    flat_g, _ = _to_last(g, (axis,))
    n = flat_x.shape[-1]
    idx = np.arange(n)
    with_one = np.repeat(flat_x[..., None, :], n, axis=-2)  # [..., k, m]: x with x_k replaced by 1
    with_one[..., idx, idx] = 1
    running = np.cumprod(with_one, axis=-1)  # [..., k, j] = prod over m <= j, m != k
    later = idx[None, :] >= idx[:, None]  # j >= k
    out = np.sum(np.where(later, running * flat_g[..., None, :], 0), axis=-1)
    return _from_last(out, perm, x.shape)


class Cumprod(Op):
    """Running products along ``axis``. Gradient: (reverse cumsum of g * y) / x without zeros (torch's
    formula, differentiable again); exact products of the other factors in slices with zeros."""

    name = "cumprod"
    function = "cumprod"
    methods = ("cumprod", "cumprod_")
    saves_y = True

    @staticmethod
    def forward(x, axis):
        return (x.copy() if x.ndim == 0 else np.cumprod(x, axis=axis)), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        xp, axis = ctx.xp, ctx.p["axis"]
        x_data = data_of(x)
        if x_data.ndim == 0:
            return (g,)
        if not np.any(x_data == 0):
            return (xp.apply(Cumsum, g * ctx.y, axis=axis, reverse=True) / x,)
        return (xp.constant(_cumprod_gradient_with_zeros(x_data, data_of(g), axis)),)
