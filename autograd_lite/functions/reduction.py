"""Reductions with torch signatures: sum, mean, var, std, max/min (three forms), amax/amin, argmax/argmin,
logsumexp, softmax, log_softmax."""

from collections import namedtuple

import numpy as np

from ..ops import linalg as la
from ..ops import reduce as red
from ..ops import shape as sh
from ..ops.base import DimError, OpError
from ..ops.elementwise import Clone
from ..tensor import Tensor, apply
from .math import maximum, minimum

__all__ = [
    "sum",
    "mean",
    "var",
    "std",
    "amax",
    "amin",
    "max",
    "min",
    "argmax",
    "argmin",
    "logsumexp",
    "softmax",
    "log_softmax",
    "norm",
    "prod",
    "cumsum",
    "cumprod",
    "any",
    "all",
    "sort",
    "argsort",
    "topk",
]


MaxMinResult = namedtuple("MaxMinResult", ["values", "indices"])
SortResult = namedtuple("SortResult", ["values", "indices"])
TopKResult = namedtuple("TopKResult", ["values", "indices"])


def _int_dim(name, dim):
    """One dim: an int (not a bool, not a float), as torch."""
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {dim!r} ({type(dim).__name__})")
    return int(dim)


def _dims(name, input, dim):
    """``dim`` (None, an int or a tuple/list of ints) checked against the input's shape."""
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{name}: dim must be an int or a tuple of ints, got {dim!r}")
        bound = input._array.ndim or 1  # (max is this module's max)
        if not -bound <= d < bound:
            raise DimError(
                f"{name}: dim {d} is out of range for a tensor of shape {tuple(input.shape)} "
                f"(expected a dim in [{-bound}, {bound - 1}])"
            )
    return red.normalize_dims(name, dim, input._array.shape)


def _floating(name, input, what="a floating point input"):
    """Refuse integer and bool inputs, whose result dtype torch cannot infer for this reduction."""
    if input._array.dtype.kind != "f":
        raise OpError(
            f"{name}: could not infer output dtype; expected {what}, got dtype {input._array.dtype} "
            "(convert with .float() first)"
        )


def _nonempty(name, input, axes):
    """Refuse reducing a size-0 dim (or, with dim=None, an empty tensor) where there is no identity."""
    if axes is None and input._array.size == 0:
        raise OpError(
            f"{name}: cannot reduce an empty input (shape {tuple(input.shape)}) to one value; "
            "specify the reduction dim with the 'dim' argument"
        )
    for axis in axes or ():
        if input._array.shape[axis] == 0:
            raise DimError(
                f"{name}: cannot reduce dim {axis} of size 0 (shape {tuple(input.shape)}); expected "
                "a reduction dim of non-zero size"
            )


def sum(input, dim=None, keepdim=False):
    """Sum over ``dim`` (None: all elements; an int or a tuple of ints)."""
    return apply(red.Sum, input, axis=_dims("sum", input, dim), keepdims=bool(keepdim))


def mean(input, dim=None, keepdim=False):
    """Mean over ``dim`` (None: all elements); floating inputs only, as torch."""
    _floating("mean", input)
    return apply(red.Mean, input, axis=_dims("mean", input, dim), keepdims=bool(keepdim))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim``; Bessel-corrected (divides by n - 1) unless ``unbiased=False``/``correction=0``."""
    _floating("var", input)
    return apply(
        red.Var,
        input,
        axis=_dims("var", input, dim),
        keepdims=bool(keepdim),
        correction=_correction(unbiased, correction),
    )


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim`` (Bessel-corrected by default, as torch.std)."""
    _floating("std", input)
    return apply(
        red.Std,
        input,
        axis=_dims("std", input, dim),
        keepdims=bool(keepdim),
        correction=_correction(unbiased, correction),
    )


def amax(input, dim=None, keepdim=False):
    """Largest value over ``dim``; tied maxima share the gradient evenly."""
    axes = _dims("amax", input, dim)
    _nonempty("amax", input, axes)
    return apply(red.Amax, input, axis=axes, keepdims=bool(keepdim))


def amin(input, dim=None, keepdim=False):
    """Smallest value over ``dim``; tied minima share the gradient evenly."""
    axes = _dims("amin", input, dim)
    _nonempty("amin", input, axes)
    return apply(red.Amin, input, axis=axes, keepdims=bool(keepdim))


def _max_all(input):
    """max() of all elements: ties share the gradient, and so do the NaNs of a NaN maximum (torch)."""
    return apply(red.MaxAll, input, axis=None, keepdims=False)


def _min_all(input):
    return apply(red.MinAll, input, axis=None, keepdims=False)


def _single_dim(name, input, dim):
    axes = _dims(name, input, _int_dim(name, dim))
    return axes[0] if axes else None


def _extreme(name, input, dim, keepdim, arg_fn, whole_fn, pairwise_fn):
    if isinstance(dim, Tensor):
        return pairwise_fn(input, dim)
    if dim is None:
        _nonempty(name, input, None)
        return whole_fn(input)
    if input._array.ndim == 0:
        _single_dim(name, input, dim)
        return MaxMinResult(apply(Clone, input), Tensor._wrap(np.zeros((), dtype=np.int64)))
    axis = _single_dim(name, input, dim)
    _nonempty(name, input, (axis,))
    indices = arg_fn(input._array, axis=axis)
    values = apply(red.SelectAlongDim, input, indices=indices, axis=axis, keepdims=bool(keepdim))
    if keepdim:
        indices = np.expand_dims(indices, axis)
    return MaxMinResult(values, Tensor._wrap(np.asarray(indices, dtype=np.int64)))


def max(input, dim=None, keepdim=False):
    """``max(x)``: the largest element (ties share the gradient); ``max(x, dim)``: (values, indices),
    the gradient going to the returned index; ``max(x, other_tensor)``: elementwise maximum."""
    return _extreme("max", input, dim, keepdim, np.argmax, _max_all, maximum)


def min(input, dim=None, keepdim=False):
    """Like ``max`` for the smallest element."""
    return _extreme("min", input, dim, keepdim, np.argmin, _min_all, minimum)


def _arg(name, fn, input, dim, keepdim):
    if dim is None:
        if input._array.size == 0:
            raise DimError(
                f"{name}: cannot reduce an empty input (shape {tuple(input.shape)}) to one index; "
                "specify the reduction dim with the 'dim' argument"
            )
        out = np.asarray(fn(input._array), dtype=np.int64)
        return Tensor._wrap(out.reshape((1,) * input._array.ndim) if keepdim else out)
    if input._array.ndim == 0:
        _single_dim(name, input, dim)
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    axis = _single_dim(name, input, dim)
    _nonempty(name, input, (axis,))
    out = fn(input._array, axis=axis)
    if keepdim:
        out = np.expand_dims(out, axis)
    return Tensor._wrap(np.asarray(out, dtype=np.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flat index when dim is None); the first one on ties. No gradient."""
    return _arg("argmax", np.argmax, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flat index when dim is None); the first one on ties. No gradient."""
    return _arg("argmin", np.argmin, input, dim, keepdim)


def logsumexp(input, dim=None, keepdim=False):
    """log(sum(exp(input))) over ``dim``, computed stably (the max is subtracted first)."""
    return apply(red.LogSumExp, input, axis=_dims("logsumexp", input, dim), keepdims=bool(keepdim))


def softmax(input, dim):
    """exp(x) / sum(exp(x)) along ``dim``, stable for large inputs."""
    if dim is None:
        raise OpError("softmax: dim must be given (as in torch), e.g. softmax(x, dim=-1)")
    _floating("softmax", input)
    return apply(red.Softmax, input, axis=_single_dim("softmax", input, dim))


def log_softmax(input, dim):
    """x - logsumexp(x) along ``dim``, stable for large inputs."""
    if dim is None:
        raise OpError("log_softmax: dim must be given (as in torch), e.g. log_softmax(x, dim=-1)")
    _floating("log_softmax", input)
    return apply(red.LogSoftmax, input, axis=_single_dim("log_softmax", input, dim))


def _ord(name, ord):
    if isinstance(ord, (bool, np.bool_)) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: the order must be a number (or inf), got {ord!r} ({type(ord).__name__})")
    return float(ord)


def vector_norm(name, input, ord=2, dim=None, keepdim=False, dtype=None):
    """torch.linalg.vector_norm's computation, its errors naming ``name``: (sum |x|^ord)^(1/ord) over
    ``dim`` (None: every element, as one flattened vector)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    ord = _ord(name, ord)
    if dtype is not None:
        from .math import astype

        input = astype(input, dtype)
    if input._array.dtype.kind != "f":
        raise OpError(
            f"{name}: expected a floating point tensor as input, got dtype {input._array.dtype} "
            "(convert with .float() first)"
        )
    axes = _dims(name, input, dim)
    if input._array.size == 0 and (ord < 0 or ord == np.inf):
        reduced = range(input._array.ndim) if axes is None else axes
        if axes is None or 0 in [input._array.shape[a] for a in reduced]:
            raise OpError(
                f"{name}: cannot compute the {ord:g} norm of an empty tensor (shape {tuple(input.shape)}, "
                f"dim {dim}): the operation has no identity"
            )
    return apply(la.VectorNorm, input, ord=ord, axis=axes, keepdims=bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: the vector norm of order ``p`` (a number, inf or -inf) over ``dim`` (None: all elements),
    or ``p='fro'``, the Frobenius norm (the 2-norm over ``dim``, at most 2 dims). 'nuc' is not supported."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2):
            return vector_norm("norm", input, 2, dim, keepdim, dtype)
        raise OpError(
            f"norm: p={p!r} with dim={dim!r} is not supported (expected p='fro' over at most 2 dims, or a number)"
        )
    return vector_norm("norm", input, 2 if p is None else p, dim, keepdim, dtype)


def _integer_result(input):
    """torch's accumulation dtype of sum-like ops: bool and integer inputs give int64."""
    if input._array.dtype.kind in "biu" and input._array.dtype != np.int64:
        from .math import astype

        return astype(input, np.int64)
    return input


def _with_dtype(input, dtype):
    if dtype is None:
        return _integer_result(input)
    from .math import astype

    return astype(input, dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product over ``dim`` (None: all elements; one int otherwise, as torch). Integer and bool inputs
    give int64. The gradient is exact with zeros (the product of the other elements), as torch's."""
    if dim is not None:
        dim = _int_dim("prod", dim)
    input = _with_dtype(input, dtype)
    return apply(red.Prod, input, axis=_dims("prod", input, dim), keepdims=bool(keepdim))


def _scan(name, op, input, dim, dtype):
    if dim is None:
        raise TypeError(f"{name}: missing the required argument 'dim' (as in torch)")
    input = _with_dtype(input, dtype)
    if input._array.ndim == 0:
        _single_dim(name, input, dim)
        return apply(op, input, axis=0)
    return apply(op, input, axis=_single_dim(name, input, dim))


def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``; integer and bool inputs give int64."""
    return _scan("cumsum", red.Cumsum, input, dim, dtype)


def cumprod(input, dim, *, dtype=None):
    """Running products along ``dim``; the gradient is exact where a slice holds zeros, as torch's."""
    return _scan("cumprod", red.Cumprod, input, dim, dtype)


def _logical_reduction(name, fn, input, dim, keepdim):
    axes = _dims(name, input, dim)
    out = fn(input._array.astype(bool), axis=axes, keepdims=bool(keepdim))
    return Tensor._wrap(np.asarray(out))


def any(input, dim=None, keepdim=False):
    """True if any element (over ``dim``: an int or a tuple) is non-zero: a bool tensor without gradient."""
    return _logical_reduction("any", np.any, input, dim, keepdim)


def all(input, dim=None, keepdim=False):
    """True if every element (over ``dim``) is non-zero: a bool tensor without gradient."""
    return _logical_reduction("all", np.all, input, dim, keepdim)


def _stable_order(data, axis, descending):
    """A stable argsort along ``axis``, NaN counted as the largest value (torch's order): ties keep their
    original order ascending and descending alike."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    flipped = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - flipped, axis)


def _select_along(op, input, order, axis):
    grids = list(np.meshgrid(*[np.arange(n) for n in order.shape], indexing="ij", sparse=True))
    grids[axis] = order
    return apply(op, input, index=tuple(grids))


def _sorted(name, input, dim, descending):
    if input._array.ndim == 0:
        _single_dim(name, input, dim)
        return None, None
    axis = _single_dim(name, input, dim)
    return axis, _stable_order(input._array, axis, bool(descending))


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; always stable (equal values keep their order, which torch
    guarantees with stable=True); NaN sorts as the largest value. The gradient follows the values."""
    axis, order = _sorted("sort", input, dim, descending)
    if order is None:
        return SortResult(apply(Clone, input), Tensor._wrap(np.zeros((), dtype=np.int64)))
    return SortResult(_select_along(sh.Sort, input, order, axis), Tensor._wrap(order.astype(np.int64)))


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable); no gradient."""
    axis, order = _sorted("argsort", input, dim, descending)
    if order is None:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    return Tensor._wrap(order.astype(np.int64))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the ``k`` largest (``largest=False``: smallest) entries along ``dim``, in order
    (also with sorted=False); among equal values the first ones are taken. A 0-d input gives itself and index
    0 for k = 0 as for k = 1 (torch's)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk: k must be an int, got {k!r} ({type(k).__name__})")
    size = input._array.shape[_single_dim("topk", input, dim)] if input._array.ndim else 1
    if not 0 <= k <= size:
        raise OpError(f"topk: k={k} is out of range for a dim of size {size} (shape {tuple(input.shape)})")
    axis, order = _sorted("topk", input, dim, largest)
    if order is None:
        return TopKResult(apply(Clone, input), Tensor._wrap(np.zeros((), dtype=np.int64)))
    order = np.take(order, np.arange(k), axis=axis)
    return TopKResult(_select_along(sh.TopK, input, order, axis), Tensor._wrap(order.astype(np.int64)))
