"""Shape and indexing ops (reshape, permute, expand, indexing, setitem, cat, stack, pad): registry-driven
gradient properties, then exact tests of scatter-add, setitem in a graph, padding and errors."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite.ops.base import OpError
from autograd_lite.testing import strategies as st

from _op_registry import (
    FEW,
    Draw,
    OpCase,
    bool_arrays,
    cached_tensors,
    case_ids,
    check_float32,
    check_forward,
    check_gradcheck,
    check_gradgradcheck,
    check_method_matches_function,
    check_torch,
    custom,
    dims_over,
    leaf,
    torch_counterpart,
    unary,
)


# ---- parameter strategies ---------------------------------------------------------------------------


def _reshape_targets(shape):
    n = int(np.prod(shape))
    options = [(n,), tuple(reversed(shape)), (1,) + tuple(shape) + (1,)]
    if n > 0:
        options += [(-1,)] + [(d, -1) for d in range(1, n + 1) if n % d == 0]
        options += [(n // d, 1, d) for d in range(1, n + 1) if n % d == 0]
    else:
        options += [(0,), (3, 0), (0, 2, 1)]
    return hs.sampled_from(options)


def _flatten_params(shape):
    ndim = len(shape)
    if ndim == 0:
        return hs.just({})

    def valid(p):
        return p["start_dim"] % ndim <= p["end_dim"] % ndim

    dim = hs.integers(-ndim, ndim - 1)
    return hs.fixed_dictionaries({"start_dim": dim, "end_dim": dim}).filter(valid)


def _transpose_params(shape):
    ndim = len(shape)
    dim = hs.integers(-ndim, ndim - 1)
    return hs.fixed_dictionaries({"dim0": dim, "dim1": dim})


def _permutations(shape):
    ndim = len(shape)
    return (
        hs.permutations(range(ndim))
        .flatmap(lambda p: hs.tuples(*[hs.sampled_from([d, d - ndim]) for d in p]))
        .map(lambda p: {"dims": p})
    )


@hs.composite
def _expand_sizes(d, shape):
    """Sizes for x.expand: size-1 dims may grow (or stay), others stay; -1 keeps a dim; new dims in front."""
    sizes = [d(hs.sampled_from([-1, n] + ([0, 2, 3] if n == 1 else []))) for n in shape]
    lead = d(hs.lists(hs.integers(0, 3), max_size=2))
    return {"sizes": tuple(lead + sizes)}


def _resolved(shape, sizes):
    lead = len(sizes) - len(shape)
    return tuple(shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))


def _positive_steps(index):
    """The index with each negative slice step made positive (torch has no negative steps)."""

    def fix(part):
        if isinstance(part, slice) and part.step is not None and part.step < 0:
            return slice(None, None, -part.step)
        return part

    return tuple(fix(p) for p in index) if isinstance(index, tuple) else fix(index)


def _torch_index(torch, index):
    """An index for torch: index arrays, lists and tensors as torch tensors (torch reads a nested list
    index with legacy rules), anything else (ints, slices, tuples of them) as it is."""
    if isinstance(index, tuple):
        return tuple(_torch_index(torch, part) for part in index)
    if isinstance(index, (list, np.ndarray, Tensor)):
        return torch.tensor(np.asarray(index))
    return index


def _torch_pad(torch, x, **params):
    return torch.nn.functional.pad(x, **params)


def _torch_getitem(torch, x, index):
    return x[_torch_index(torch, index)]


def _index_params(kind):
    """Indices of one kind for a tensor of ``shape``: basic (slices with positive steps, ints, None,
    Ellipsis; torch refuses negative steps), integer arrays with repeated and negative entries, boolean masks."""

    def params(shape):
        ndim = len(shape)
        if kind == "basic":
            index = hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).map(_positive_steps)
        elif kind == "int_array":  # along dim 0, repeats allowed; an ndarray, a list or a Tensor
            n = shape[0]
            index = hnp.arrays(np.int64, st.shapes(max_dims=2, max_side=4), elements=hs.integers(-n, n - 1))
            index = hs.tuples(index, hs.sampled_from([np.asarray, np.ndarray.tolist, al.tensor])).map(
                lambda t: t[1](t[0])
            )
        elif kind == "int_arrays":  # one integer array per dim, broadcast together
            index = hnp.integer_array_indices(shape, result_shape=st.shapes(max_dims=2, max_side=3))
        elif kind == "mixed":  # a slice, then an integer array with repeats
            n = shape[1]
            index = hs.tuples(
                hs.sampled_from([slice(None), slice(None, None, 2), slice(1, None)]),
                hnp.arrays(np.int64, hs.integers(0, 4), elements=hs.integers(-n, n - 1)),
            )
        elif kind == "mask":  # a full mask or a mask of the leading dims, array or Tensor
            lead = hs.integers(1, ndim).map(lambda k: shape[:k])
            index = hs.tuples(lead.flatmap(bool_arrays), hs.booleans()).map(lambda t: Tensor(t[0]) if t[1] else t[0])
        return hs.fixed_dictionaries({"index": index})

    return params


def _getitem(kind, min_dims=0, min_side=0):
    return OpCase(
        f"getitem_{kind}",
        lambda x, index: x[index],
        lambda x, index: x[_np_index(index)],
        unary(_index_params(kind), min_dims=min_dims, min_side=min_side),
        torch_fn=_torch_getitem,
    )


def _np_index(index):
    if isinstance(index, Tensor):
        return index._array
    if isinstance(index, list):
        return np.asarray(index, dtype=np.int64)
    return index


@hs.composite
def _unique_int_index(d, shape):
    """Distinct positions along dim 0 (after wrapping negatives): setitem writes each once."""
    n = shape[0]
    picks = d(hs.lists(hs.integers(0, n - 1), unique=True, max_size=n))
    return np.array([p - n if d(hs.booleans()) else p for p in picks], dtype=np.int64)


def _setitem_inputs(kind, scalar_value=False):
    """A non-leaf x = a * 1 gets x[index] = v; v has the indexed shape or one that broadcasts to it."""

    def fn(d, max_dims, max_side):
        min_dims = 1 if kind in ("int_array", "mask") else 0
        shape = d(st.shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_dims, max_side=max_side))
        a = d(cached_tensors(shape))
        if kind == "basic":
            index = d(hnp.basic_indices(shape, allow_newaxis=True).map(_positive_steps))
        elif kind == "int_array":
            index = d(_unique_int_index(shape))
        else:
            index = d(bool_arrays(shape))
        if scalar_value:
            return Draw((a,), {"index": index, "value": d(st.elements(-5.0, 5.0))})
        target = np.empty(shape)[index].shape
        keep = d(hs.integers(0, len(target)))
        v_shape = tuple(n if d(hs.booleans()) else 1 for n in target[len(target) - keep :])
        return Draw((a, d(cached_tensors(v_shape))), {"index": index})

    return custom(fn)


def _setitem(a, v=None, *, index, value=None):
    x = a * 1
    x[index] = v if v is not None else value
    return x


def _torch_setitem(torch, a, v=None, *, index, value=None):
    return _setitem(a, v, index=_torch_index(torch, index), value=value)


def _np_setitem(a, v=None, *, index, value=None):
    out = a.copy()
    out[index] = v if v is not None else value
    return out


def _join_inputs(stack):
    def fn(d, max_dims, max_side):
        k = d(hs.integers(1, 3))
        if stack:
            shape = d(st.shapes(max_dims=max_dims, max_side=max_side))
            shapes = [shape] * k
            ndim = len(shape) + 1
        else:
            shape = list(d(st.shapes(min_dims=1, max_dims=max_dims, max_side=max_side)))
            ndim = len(shape)
        dim = d(hs.integers(-ndim, ndim - 1))
        if not stack:
            shapes = []
            for _ in range(k):
                shape[dim] = d(hs.integers(0, max_side))
                shapes.append(tuple(shape))
        return Draw(tuple(d(cached_tensors(s)) for s in shapes), {"dim": dim})

    return custom(fn)


def _pad_inputs(mode):
    """pad widths (last dim first, as torch) within each mode's limits; negative widths crop (constant)."""

    def fn(d, max_dims, max_side):
        if mode == "constant":
            shape = d(st.shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
            padded = d(hs.integers(1, len(shape)))
        else:  # torch pads k = 1..3 trailing dims of a (k + 1)-D or (k + 2)-D input in these modes
            shape = d(st.shapes(min_dims=2, max_dims=min(max(max_dims, 2), 5), max_side=max_side))
            if mode != "circular":  # torch: reflect and replicate need non-empty dims (but a batch dim)
                shape = tuple(max(n, 1) for n in shape)
            padded = d(hs.integers(max(1, len(shape) - 2), min(3, len(shape) - 1)))
        x = d(cached_tensors(shape))
        pad = []
        for size in reversed(shape[len(shape) - padded :]):
            if mode == "constant":
                lo = d(hs.integers(-size, 2))
                hi = d(hs.integers(-(size - max(-lo, 0)), 2))
            else:
                limit = {"reflect": size - 1, "circular": size, "replicate": 3 if size else 0}[mode]
                lo, hi = d(hs.integers(0, max(limit, 0))), d(hs.integers(0, max(limit, 0)))
            pad += [lo, hi]
        params = {"pad": tuple(pad), "mode": mode}
        if mode == "constant" and d(hs.booleans()):
            params["value"] = d(st.elements(-5.0, 5.0))
        return Draw((x,), params)

    return custom(fn)


def _np_pad(x, pad, mode="constant", value=0.0):
    """Reference padding written independently of the library: each output position reads its source."""
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode != "constant":
        return np.pad(x, widths, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])
    out_shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
    out = np.full(out_shape, value, dtype=x.dtype)
    sources = [np.arange(m) - lo for m, (lo, _) in zip(out_shape, widths)]
    valid = [(s >= 0) & (s < n) for s, n in zip(sources, x.shape)]
    dst = np.ix_(*[np.nonzero(v)[0] for v in valid])
    src = np.ix_(*[s[v] for s, v in zip(sources, valid)])
    out[dst] = x[src]
    return out


def _np_squeeze(x, dim=None):
    if dim is None or x.ndim == 0:
        return np.squeeze(x)
    dims = (dim,) if isinstance(dim, int) else dim
    return np.squeeze(x, axis=tuple(d % x.ndim for d in dims if x.shape[d] == 1))


def _np_flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :])


# ---- strategies of the issue-13 shape ops -----------------------------------------------------------------


def _diagonal(shape):
    return hs.fixed_dictionaries({"diagonal": hs.integers(-3, 3)})


def _flip_dims(shape):
    ndim = len(shape)
    return (
        hs.lists(hs.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
        .flatmap(lambda ds: hs.tuples(*[hs.sampled_from([d, d - ndim]) for d in ds]))
        .map(lambda ds: {"dims": ds})
    )


def _roll_params(shape):
    ndim = len(shape)
    flat = hs.fixed_dictionaries({"shifts": hs.integers(-7, 7)})
    per_dim = hs.lists(hs.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
        lambda ds: hs.fixed_dictionaries(
            {"shifts": hs.tuples(*[hs.integers(-7, 7) for _ in ds]), "dims": hs.just(tuple(ds))}
        )
    )
    return hs.one_of(flat, per_dim) if ndim else flat


def _index_along(kind, larger_src=False):
    """x, dim and an int64 index for gather ("gather", "scatter_add": repeats allowed) or scatter
    ("scatter": distinct positions per line, where torch's result is defined), plus src for the scatters."""

    def fn(d, max_dims, max_side):
        shape = d(st.shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
        ndim = len(shape)
        dim = d(hs.integers(0, ndim - 1))
        size = shape[dim]
        index_shape = [d(hs.integers(0, n)) for n in shape]
        if kind == "scatter":
            index_shape[dim] = min(index_shape[dim], size)
        elif size == 0:
            index_shape[dim] = 0
        else:
            index_shape[dim] = d(hs.integers(0, max_side))
        index_shape = tuple(index_shape)
        if kind == "scatter":
            keys = d(hnp.arrays(np.float64, shape, elements=hs.floats(0, 1), unique=False))
            order = np.argsort(keys, axis=dim, kind="stable")
            index = order[tuple(slice(0, n) for n in index_shape)].astype(np.int64)
        else:
            index = d(hnp.arrays(np.int64, index_shape, elements=hs.integers(0, max(size - 1, 0))))
        x = d(cached_tensors(shape))
        signed_dim = d(hs.sampled_from([dim, dim - ndim]))
        if kind == "gather":
            return Draw((x,), {"dim": signed_dim, "index": index})
        # src may be larger than the index (torch reads its leading block; torch 2.13's backward then fails)
        src_shape = tuple(n + d(hs.integers(0, 1)) for n in index_shape) if larger_src else index_shape
        return Draw((x, d(cached_tensors(src_shape))), {"dim": signed_dim, "index": index})

    return custom(fn)


def _np_gather(x, dim, index):
    block = x[tuple(slice(0, n) if d != dim % x.ndim else slice(None) for d, n in enumerate(index.shape))]
    return np.take_along_axis(block, index, axis=dim)


def _np_scatter(x, src, dim, index, add=False):
    out = x.copy()
    grids = list(np.meshgrid(*[np.arange(n) for n in index.shape], indexing="ij", sparse=True))
    grids[dim % x.ndim] = index
    block = src[tuple(slice(0, n) for n in index.shape)]
    if add:
        np.add.at(out, tuple(grids), block)
    else:
        out[tuple(grids)] = block
    return out


def _index_select_inputs(d, max_dims, max_side):
    shape = d(st.shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
    dim = d(hs.integers(-len(shape), len(shape) - 1))
    size = shape[dim]
    index = d(hnp.arrays(np.int64, (d(hs.integers(0, 4)) if size else 0,), elements=hs.integers(0, max(size - 1, 0))))
    return Draw((d(cached_tensors(shape)),), {"dim": dim, "index": index})


def _repeat_sizes(shape):
    extra = hs.lists(hs.integers(0, 3), max_size=2)
    return hs.tuples(extra, hs.tuples(*[hs.integers(0, 3) for _ in shape])).map(lambda t: {"sizes": tuple(t[0]) + t[1]})


def _tile_dims(shape):
    return hs.lists(hs.integers(0, 3), max_size=len(shape) + 1).map(lambda ds: {"dims": tuple(ds)})


def _interleave_params(shape):
    if not shape:
        return hs.fixed_dictionaries({"repeats": hs.integers(0, 3)})
    return hs.fixed_dictionaries(
        {"repeats": hs.integers(0, 3)}, optional={"dim": hs.integers(-len(shape), len(shape) - 1)}
    )


def _np_repeat_interleave(x, repeats, dim=None):
    return np.repeat(x.reshape(-1) if dim is None else x, repeats, axis=0 if dim is None else dim)


def _split_params(shape):
    ndim = len(shape)

    def for_dim(dim):
        n = shape[dim]
        size = hs.integers(1 if n else 0, max(n, 1) + 1) if n else hs.just(0)
        sections = (
            hs.lists(hs.integers(0, n), min_size=1, max_size=3)
            .filter(lambda ls: sum(ls) <= n)
            .map(lambda ls: ls + [n - sum(ls)])
        )
        return hs.fixed_dictionaries({"split_size_or_sections": hs.one_of(size, sections), "dim": hs.just(dim)})

    return hs.integers(0, ndim - 1).flatmap(for_dim)


def _np_split(x, split_size_or_sections, dim):
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        sizes = ([size] * (n // size) + ([n % size] if n % size else [])) if size else [0]
    else:
        sizes = split_size_or_sections
    bounds = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, bounds, axis=dim))


def _chunk_params(shape):
    return hs.fixed_dictionaries({"chunks": hs.integers(1, 4), "dim": hs.integers(-len(shape), len(shape) - 1)})


def _np_chunk(x, chunks, dim):
    n = x.shape[dim]
    if n == 0:
        return tuple(np.split(x, chunks, axis=dim))
    size = -(-n // chunks)
    return tuple(np.split(x, range(size, n, size), axis=dim))


def _torch_index_param(fn):
    """torch's call with the numpy ``index`` parameter as a tensor."""
    return lambda torch, *xs, index, **p: fn(torch, *xs, index=torch.from_numpy(index), **p)


ISSUE13_ENTRIES = [
    OpCase("tril", al.tril, lambda x, diagonal: np.tril(x, diagonal), unary(_diagonal, min_dims=2)),
    OpCase("triu", al.triu, lambda x, diagonal: np.triu(x, diagonal), unary(_diagonal, min_dims=2)),
    OpCase(
        "tril_method",
        lambda x, diagonal: x.tril(diagonal),
        lambda x, diagonal: np.tril(x, diagonal),
        unary(_diagonal, min_dims=2),
    ),
    OpCase("flip", al.flip, lambda x, dims: np.flip(x, dims), unary(_flip_dims, min_dims=1)),
    OpCase(
        "flip_method", lambda x, dims: x.flip(*dims), lambda x, dims: np.flip(x, dims), unary(_flip_dims, min_dims=1)
    ),
    OpCase("roll", al.roll, lambda x, shifts, dims=None: np.roll(x, shifts, dims), unary(_roll_params)),
    OpCase(
        "gather",
        lambda x, dim, index: al.gather(x, dim, al.tensor(index)),
        _np_gather,
        _index_along("gather"),
        torch_fn=_torch_index_param(lambda torch, x, **p: torch.gather(x, **p)),
    ),
    OpCase(
        "scatter",
        lambda x, src, dim, index: al.scatter(x, dim, al.tensor(index), src),
        _np_scatter,
        _index_along("scatter"),
        torch_fn=_torch_index_param(lambda torch, x, src, **p: torch.scatter(x, src=src, **p)),
    ),
    OpCase(
        "scatter_value_method",
        lambda x, src, dim, index: x.scatter(dim, al.tensor(index), value=-2.5) * src.sum(),
        lambda x, src, dim, index: _np_scatter(x, np.full(src.shape, -2.5), dim, index) * src.sum(),
        _index_along("scatter"),
        torch_fn=_torch_index_param(lambda torch, x, src, **p: torch.scatter(x, value=-2.5, **p) * src.sum()),
    ),
    OpCase(
        "scatter_add",
        lambda x, src, dim, index: al.scatter_add(x, dim, al.tensor(index), src),
        lambda x, src, dim, index: _np_scatter(x, src, dim, index, add=True),
        _index_along("scatter_add"),
        torch_fn=_torch_index_param(lambda torch, x, src, **p: torch.scatter_add(x, src=src, **p)),
    ),
    OpCase(
        "scatter_add_larger_src_method",
        lambda x, src, dim, index: x.scatter_add(dim, al.tensor(index), src),
        lambda x, src, dim, index: _np_scatter(x, src, dim, index, add=True),
        _index_along("scatter_add", larger_src=True),
        torch_fn=False,  # torch's backward refuses a src larger than the index ("invalid gradient at index 1")
    ),
    OpCase(
        "scatter_larger_src",
        lambda x, src, dim, index: al.scatter(x, dim, al.tensor(index), src),
        _np_scatter,
        _index_along("scatter", larger_src=True),
        torch_fn=False,  # as above
    ),
    OpCase(
        "index_select",
        lambda x, dim, index: al.index_select(x, dim, al.tensor(index)),
        lambda x, dim, index: np.take(x, index, axis=dim),
        custom(_index_select_inputs),
        torch_fn=_torch_index_param(lambda torch, x, **p: torch.index_select(x, **p)),
    ),
    OpCase(
        "tile_repeat_method",
        lambda x, sizes: x.repeat(sizes),
        lambda x, sizes: np.tile(x.reshape((1,) * (len(sizes) - x.ndim) + x.shape), sizes),
        unary(_repeat_sizes),
    ),
    OpCase("tile", al.tile, lambda x, dims: np.tile(x, dims) if dims else x.copy(), unary(_tile_dims)),
    OpCase("repeat_interleave", al.repeat_interleave, _np_repeat_interleave, unary(_interleave_params)),
    OpCase(
        "split",
        al.split,
        _np_split,
        unary(_split_params, min_dims=1),
        torch_fn=lambda torch, x, **p: torch.split(x, **p),
    ),
    OpCase(
        "split_method",
        lambda x, split_size_or_sections, dim: x.split(split_size_or_sections, dim),
        _np_split,
        unary(_split_params, min_dims=1),
    ),
    OpCase("chunk", al.chunk, _np_chunk, unary(_chunk_params, min_dims=1)),
]


ENTRIES = [
    OpCase(
        "reshape",
        lambda x, shape: al.reshape(x, shape),
        np.reshape,
        unary(lambda s: hs.fixed_dictionaries({"shape": _reshape_targets(s)})),
    ),
    OpCase(
        "view_method",
        lambda x, shape: x.view(*shape),
        np.reshape,
        unary(lambda s: hs.fixed_dictionaries({"shape": _reshape_targets(s)})),
    ),
    OpCase("flatten", al.flatten, _np_flatten, unary(_flatten_params)),
    OpCase(
        "transpose",
        al.transpose,
        lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
        unary(_transpose_params, min_dims=1),
    ),
    OpCase(
        "permute",
        lambda x, dims: al.permute(x, *dims),
        lambda x, dims: np.transpose(x, dims),
        unary(_permutations),
        torch_fn=lambda torch, x, dims: torch.permute(x, tuple(dims)),
    ),
    OpCase("T_property", lambda x: x.T, np.transpose, unary()),
    OpCase(
        "squeeze",
        al.squeeze,
        _np_squeeze,
        unary(lambda s: hs.fixed_dictionaries({"dim": dims_over(s, nonempty=False)})),
        torch_fn=lambda torch, x, dim: x.squeeze() if dim is None else x.squeeze(dim),
    ),
    OpCase(
        "unsqueeze",
        al.unsqueeze,
        lambda x, dim: np.expand_dims(x, dim),
        unary(lambda s: hs.fixed_dictionaries({"dim": hs.integers(-len(s) - 1, len(s))})),
    ),
    OpCase(
        "expand_method",
        lambda x, sizes: x.expand(*sizes),
        lambda x, sizes: np.broadcast_to(x, _resolved(x.shape, sizes)),
        unary(_expand_sizes),
        torch_fn=lambda torch, x, sizes: x.expand(sizes),
    ),  # torch's x.expand() of a 0-d x needs ()
    OpCase(
        "broadcast_to",
        lambda x, sizes: al.broadcast_to(x, _resolved(x.shape, sizes)),
        lambda x, sizes: np.broadcast_to(x, _resolved(x.shape, sizes)),
        unary(_expand_sizes),
    ),
    _getitem("basic"),
    _getitem("int_array", min_dims=1, min_side=1),
    _getitem("int_arrays", min_dims=1, min_side=1),
    _getitem("mixed", min_dims=2, min_side=1),
    _getitem("mask", min_dims=1),
    OpCase("setitem_basic", _setitem, _np_setitem, torch_fn=_torch_setitem, inputs=_setitem_inputs("basic")),
    OpCase("setitem_int_array", _setitem, _np_setitem, torch_fn=_torch_setitem, inputs=_setitem_inputs("int_array")),
    OpCase("setitem_mask", _setitem, _np_setitem, torch_fn=_torch_setitem, inputs=_setitem_inputs("mask")),
    OpCase(
        "setitem_number",
        _setitem,
        _np_setitem,
        torch_fn=_torch_setitem,
        inputs=_setitem_inputs("basic", scalar_value=True),
    ),
    OpCase(
        "cat",
        lambda *xs, dim: al.cat(list(xs), dim),
        lambda *xs, dim: np.concatenate(xs, axis=dim),
        _join_inputs(stack=False),
    ),
    OpCase(
        "stack",
        lambda *xs, dim: al.stack(xs, dim=dim),
        lambda *xs, dim: np.stack(xs, axis=dim),
        _join_inputs(stack=True),
    ),
    OpCase("pad_constant", al.pad, _np_pad, _pad_inputs("constant"), torch_fn=_torch_pad),
    OpCase("pad_reflect", al.pad, _np_pad, _pad_inputs("reflect"), torch_fn=_torch_pad),
    OpCase("pad_replicate", al.pad, _np_pad, _pad_inputs("replicate"), torch_fn=_torch_pad),
    OpCase("pad_circular", al.pad, _np_pad, _pad_inputs("circular"), torch_fn=_torch_pad),
    *ISSUE13_ENTRIES,
]


@pytest.mark.parametrize("case", ENTRIES, ids=case_ids)
@given(data=hs.data())
def test_forward_matches_numpy(case, data):
    check_forward(case, data)


@pytest.mark.parametrize("case", ENTRIES, ids=case_ids)
@given(data=hs.data())
def test_gradcheck(case, data):
    check_gradcheck(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if c.gradgrad], ids=case_ids)
@FEW
@given(data=hs.data())
def test_gradgradcheck(case, data):
    check_gradgradcheck(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if c.keeps_float32], ids=case_ids)
@FEW
@given(data=hs.data())
def test_float32_stays_float32(case, data):
    check_float32(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if torch_counterpart(c)], ids=case_ids)
@FEW
@given(data=hs.data())
def test_matches_torch(case, data):
    pytest.importorskip("torch")
    check_torch(case, data)


# ---- methods against the al.* functions -------------------------------------------------------------

VALUES = np.arange(24.0).reshape(2, 3, 4) / 7.0


@pytest.mark.parametrize(
    "method, function",
    [
        (lambda x: x.reshape(4, 6), lambda x: al.reshape(x, (4, 6))),
        (lambda x: x.view(-1), lambda x: al.view(x, -1)),
        (lambda x: x.flatten(1), lambda x: al.flatten(x, start_dim=1)),
        (lambda x: x.permute(2, 0, 1), lambda x: al.permute(x, (2, 0, 1))),
        (lambda x: x.transpose(0, 2), lambda x: al.transpose(x, 0, 2)),
        (lambda x: x.T, lambda x: al.permute(x, 2, 1, 0)),
        (lambda x: x[0].t(), lambda x: al.t(al.functions.shaping.getitem(x, 0))),
        (lambda x: x[:, :1].squeeze(1), lambda x: al.squeeze(x[:, :1], 1)),
        (lambda x: x.unsqueeze(1), lambda x: al.unsqueeze(x, 1)),
        (lambda x: x[:1].expand(3, -1, -1), lambda x: al.expand(x[:1], 3, 3, 4)),
        (lambda x: x[0, 0].broadcast_to((2, 4)), lambda x: al.broadcast_to(x[0, 0], (2, 4))),
        (lambda x: x[0].expand_as(x), lambda x: al.expand(x[0], *x.shape)),
        (
            lambda x: x[1, ::2, [0, 0, 3]],
            lambda x: al.functions.shaping.getitem(x, (1, slice(None, None, 2), [0, 0, 3])),
        ),
    ],
)
def test_methods_match_functions(method, function):
    check_method_matches_function(method, function, VALUES)


# ---- exact semantics ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [[0, 0, 2], np.array([0, 0, 2]), al.tensor([0, 0, 2]), [0, -3, -1]])
def test_repeated_indices_accumulate_in_backward(index):
    x = leaf([1.0, 2.0, 3.0])
    out = x[index]
    np.testing.assert_array_equal(out._array, [1.0, 1.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [2.0, 0.0, 1.0])


def test_empty_integer_index_list():
    x = leaf([1.0, 2.0, 3.0])
    out = x[[]]  # torch: an empty int64 index, not a float array
    assert out.shape == (0,) and out.dtype == np.float64
    (out.sum() + x.sum()).backward()
    np.testing.assert_array_equal(x.grad._array, [1.0, 1.0, 1.0])


def test_repeated_indices_accumulate_weighted_and_in_2d():
    x = leaf([1.0, 2.0, 3.0])
    (x[[0, 0, 2]] * Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [3.0, 0.0, 3.0])
    m = leaf(np.arange(6.0).reshape(2, 3))
    out = m[[1, 1, 0], [2, 2, 2]]  # pairs (1, 2) twice and (0, 2)
    np.testing.assert_array_equal(out._array, [5.0, 5.0, 2.0])
    out.sum().backward()
    np.testing.assert_array_equal(m.grad._array, [[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]])
    m2 = leaf(np.arange(6.0).reshape(2, 3))
    m2[:, [0, 0]].sum().backward()  # a slice with a repeated integer array
    np.testing.assert_array_equal(m2.grad._array, [[2.0, 0.0, 0.0], [2.0, 0.0, 0.0]])


def test_repeated_index_second_order():
    x = leaf([1.0, 2.0, 3.0])
    (g,) = al.grad((x[[0, 0, 2]] ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g._array, [6.0, 0.0, 27.0])  # 2 * 3 x0^2, 0, 3 x2^2
    g.sum().backward()
    np.testing.assert_allclose(x.grad._array, [12.0, 0.0, 18.0])  # 2 * 6 x0, 0, 6 x2


def test_boolean_mask_and_basic_indexing_gradients():
    x = leaf([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    x[x > 0].sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    y = leaf(np.arange(12.0).reshape(3, 4))
    out = y[::2, None, 1:3][..., -1]  # step, None, slice, Ellipsis, negative int
    np.testing.assert_array_equal(out._array, np.arange(12.0).reshape(3, 4)[::2, None, 1:3][..., -1])
    out.backward(np.ones(out.shape))
    expected = np.zeros((3, 4))
    expected[::2, 2] = 1.0
    np.testing.assert_array_equal(y.grad._array, expected)


def test_setitem_on_a_non_leaf_sends_gradients_to_both_sides():
    a = leaf([1.0, 2.0, 3.0, 4.0])
    v = leaf([10.0, 20.0])
    x = a * 1
    x[[1, 3]] = v
    np.testing.assert_array_equal(x._array, [1.0, 10.0, 3.0, 20.0])
    (x * Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [1.0, 0.0, 3.0, 0.0])  # overwritten places get 0
    np.testing.assert_array_equal(v.grad._array, [2.0, 4.0])


def test_setitem_broadcast_value_gets_the_summed_gradient():
    a = leaf(np.ones((2, 3)))
    v = leaf(7.0)
    x = a * 2
    x[:, 1:] = v
    np.testing.assert_array_equal(x._array, [[2.0, 7.0, 7.0], [2.0, 7.0, 7.0]])
    x.sum().backward()
    np.testing.assert_array_equal(a.grad._array, [[2.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    assert v.grad.shape == () and float(v.grad._array) == 4.0


def test_setitem_of_a_tensor_saved_for_backward_makes_backward_raise():
    a = leaf([1.0, 2.0, 3.0])
    x = a * 1
    y = x * x  # saved x, whose memory setitem then overwrites (torch raises too)
    x[0] = 100.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        (y.sum() + x.sum()).backward()


def test_setitem_after_the_last_use_flows_the_gradient_to_the_value_and_the_rest():
    a, v = leaf([1.0, 2.0, 3.0]), leaf([5.0])
    x = a * 2
    y = x.exp()  # saves its output, not x
    x[0:1] = v * 3
    (y.sum() + (x * x).sum()).backward()
    np.testing.assert_allclose(a.grad._array, np.exp([2.0, 4.0, 6.0]) * 2 + [0.0, 16.0, 24.0])
    np.testing.assert_allclose(v.grad._array, [2 * 15.0 * 3])


def test_setitem_on_a_leaf_that_requires_grad_is_refused():
    a = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"setitem: a leaf tensor that requires grad \(shape \(2,\)\)"):
        a[0] = 5.0


@pytest.mark.parametrize(
    "mode, pad, expected, grad",
    [
        ("reflect", (2, 1), [3.0, 2.0, 1.0, 2.0, 3.0, 2.0], [1.0, 3.0, 2.0]),
        ("replicate", (2, 1), [1.0, 1.0, 1.0, 2.0, 3.0, 3.0], [3.0, 1.0, 2.0]),
        ("circular", (2, 1), [2.0, 3.0, 1.0, 2.0, 3.0, 1.0], [2.0, 2.0, 2.0]),
        ("replicate", (4, 5), [1.0] * 5 + [2.0] + [3.0] * 6, [5.0, 1.0, 6.0]),  # wider than the dim: torch ok
        ("constant", (-1, 2), [2.0, 3.0, 9.0, 9.0], [0.0, 1.0, 1.0]),
        ("constant", (2, -3), [9.0, 9.0], [0.0, 0.0, 0.0]),
        ("constant", (-3, 1), [9.0], [0.0, 0.0, 0.0]),
    ],
)
def test_pad_by_hand(mode, pad, expected, grad):
    x = leaf([[1.0, 2.0, 3.0]])  # (C=1, W=3): torch's non-constant modes need a channel dim
    out = al.pad(x, pad, mode=mode, value=9.0) if mode == "constant" else al.pad(x, pad, mode=mode)
    np.testing.assert_array_equal(out._array, [expected])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [grad])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_refuse_the_ranks_torch_refuses(mode):
    with pytest.raises(NotImplementedError, match=f"pad: {mode} padding of 2 sizes needs a 2-D or 3-D input"):
        al.pad(leaf([1.0, 2.0, 3.0]), (1, 1), mode=mode)


def test_pad_2d_pads_the_last_dims_first():
    x = leaf(np.arange(6.0).reshape(2, 3))
    out = al.pad(x, (1, 0, 0, 1), value=-1.0)  # last dim (1 before), then dim 0 (1 after)
    np.testing.assert_array_equal(out._array, [[-1.0, 0.0, 1.0, 2.0], [-1.0, 3.0, 4.0, 5.0], [-1.0, -1.0, -1.0, -1.0]])


def test_views_and_shape_functions_by_hand():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    assert al.flatten(x, 1).shape == (2, 12)
    assert al.flatten(x, 0, 1).shape == (6, 4)
    assert x.flatten().shape == (24,)
    assert al.flatten(leaf(3.0)).shape == (1,)
    assert x.T.shape == (4, 3, 2)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert al.transpose(x, 0, -1).shape == (4, 3, 2)
    assert al.squeeze(leaf(np.ones((1, 2, 1))), dim=(0, 1)).shape == (2, 1)  # size-2 dim left alone
    assert al.unsqueeze(x, -1).shape == (2, 3, 4, 1)
    assert leaf(np.ones((3, 1))).expand(2, -1, 4).shape == (2, 3, 4)
    assert x.view(-1, 4).shape == (6, 4)
    y = x.permute(2, 0, 1).reshape(4, 6)
    y.backward(np.arange(24.0).reshape(4, 6))
    np.testing.assert_array_equal(x.grad._array, np.arange(24.0).reshape(4, 2, 3).transpose(1, 2, 0))


def test_cat_stack_gradients_by_hand():
    a, b = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0], [5.0, 6.0]])
    out = al.cat([a, b], dim=0)
    assert out.shape == (3, 2)
    out.backward(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    np.testing.assert_array_equal(a.grad._array, [[1.0, 2.0]])
    np.testing.assert_array_equal(b.grad._array, [[3.0, 4.0], [5.0, 6.0]])
    c, d = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    s = al.stack([c, d], dim=1)
    np.testing.assert_array_equal(s._array, [[1.0, 3.0], [2.0, 4.0]])
    s.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(c.grad._array, [1.0, 3.0])
    np.testing.assert_array_equal(d.grad._array, [2.0, 4.0])


# ---- errors ---------------------------------------------------------------------------------------


def _x(*shape):
    return leaf(np.ones(shape))


ERRORS = [  # (call, error type, message; "..." stands for any text)
    (
        lambda: al.reshape(_x(2, 3), (4,)),
        OpError,
        "reshape: cannot view a tensor of shape (2, 3) (6 elements) as shape (4,)",
    ),
    (lambda: _x(2, 3).view(5, -1), OpError, "reshape: cannot view a tensor of shape (2, 3)"),
    (lambda: al.permute(_x(2, 3), 0, 0), OpError, "permute: (0, 0) is not a permutation of the dims of shape (2, 3)"),
    (lambda: al.permute(_x(2, 3), 1, 0, 2), OpError, "permute: got 3 dims (1, 0, 2) for a tensor of shape (2, 3)"),
    (lambda: al.permute(_x(2, 3), 0, 2), OpError, "permute: dim 2 is out of range for a tensor with 2 dims"),
    (lambda: al.transpose(_x(2, 3), 0, 2), OpError, "transpose: dim 2 is out of range for a tensor with 2 dims"),
    (lambda: al.unsqueeze(_x(2, 3), 3), OpError, "unsqueeze: dim 3 is out of range for a tensor with 3 dims"),
    (lambda: al.flatten(_x(2, 3, 4), 2, 1), OpError, "flatten: start_dim 2 comes after end_dim 1"),
    (
        lambda: al.cat([_x(2, 3), _x(2, 4)]),
        OpError,
        "cat: tensors of shapes [(2, 3), (2, 4)] cannot be joined along dim 0",
    ),
    (
        lambda: al.cat([_x(2, 3), _x(3)]),
        OpError,
        "cat: tensors must have the same number of dims, got shapes [(2, 3), (3,)]",
    ),
    (lambda: al.cat([_x(2, 3)], dim=2), OpError, "cat: dim 2 is out of range for a tensor with 2 dims"),
    (lambda: al.cat([leaf(1.0), leaf(2.0)]), OpError, "cat: zero-dimensional tensors cannot be concatenated"),
    (
        lambda: al.stack([_x(2, 3), _x(3, 2)]),
        OpError,
        "stack: all tensors must have the same shape, got [(2, 3), (3, 2)]",
    ),
    (lambda: al.stack([_x(2, 3), _x(2, 3)], dim=3), OpError, "stack: dim 3 is out of range for a tensor with 3 dims"),
    (
        lambda: _x(3)[5],
        IndexError,
        "getitem: index 5 is out of bounds for axis 0 with size 3 (tensor of shape (3,), index 5)",
    ),
    (
        lambda: _x(2, 3)[:, [0, 3]],
        IndexError,
        "getitem: index 3 is out of bounds for axis 1 with size 3 (tensor of shape (2, 3)",
    ),
    (lambda: _x(2, 3)[0, 0, 0], IndexError, "getitem: too many indices ... (tensor of shape (2, 3)"),
    (
        lambda: _x(2, 3)[np.ones(3, dtype=bool)],
        IndexError,
        "getitem: boolean index did not match ... (tensor of shape (2, 3)",
    ),
    (
        lambda: al.pad(_x(2, 3), (1,)),
        OpError,
        "pad: the padding (1,) must have an even length of at most 2 * ndim = 4 for shape (2, 3)",
    ),
    (
        lambda: al.pad(_x(3), (1, 1, 1, 1)),
        OpError,
        "pad: the padding (1, 1, 1, 1) must have an even length of at most 2 * ndim = 2 for shape (3,)",
    ),
    (
        lambda: al.pad(_x(2, 3), (3, 0), mode="reflect"),
        OpError,
        "pad: reflect padding of (3, 0) is too large for a dim of size 3 (at most 2)",
    ),
    (
        lambda: al.pad(_x(2, 3), (0, 4), mode="circular"),
        OpError,
        "pad: circular padding of (0, 4) wraps around more than once for dim 1 of shape (2, 3) (at most 3)",
    ),
    (
        lambda: al.pad(_x(2, 3), (-2, -1), mode="replicate"),
        OpError,
        "pad: the padding (-2, -1) is too large a crop for shape (2, 3): the padded dims would have sizes (0,)",
    ),
    (lambda: al.pad(_x(2, 3), (1, 1), mode="wrap"), OpError, "pad: unknown mode 'wrap'"),
    (lambda: al.pad(_x(2, 3), (-2, -2)), OpError, "pad: cropping (-2, -2) is larger than dim 1 of shape (2, 3)"),
    (lambda: al.pad(_x(3), (-4, 2)), OpError, "pad: cropping (-4, 2) is larger than dim 0 of shape (3,)"),
    (lambda: _x(2, 3).expand(4, 3), OpError, "expand: cannot broadcast a tensor of shape (2, 3) to shape (4, 3)"),
    (
        lambda: _x(2, 3).expand(3),
        OpError,
        "expand: the number of sizes (1) must be at least the number of dims of shape (2, 3)",
    ),
    (lambda: _x(3).expand(-1, 3), OpError, "expand: -1 is not allowed for the new leading dims, got (-1, 3)"),
    (
        lambda: al.broadcast_to(_x(2, 3), (3, 3)),
        OpError,
        "expand: cannot broadcast a tensor of shape (2, 3) to shape (3, 3)",
    ),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[m.split(":")[0] for _, _, m in ERRORS])
def test_bad_input_errors_name_the_op_and_shapes(call, error, message):
    pattern = ".*".join(re.escape(part) for part in message.split("..."))
    with pytest.raises(error, match=pattern):
        call()


def test_op_error_is_both_runtime_and_value_error():
    with pytest.raises(RuntimeError):
        al.reshape(_x(2, 3), (4,))
    with pytest.raises(ValueError):
        al.reshape(_x(2, 3), (4,))


# ---- issue 8, class 6: dtypes of cat/stack, index_put with extra leading dims --------------------------
@pytest.mark.parametrize("join", ["cat", "stack"])
@pytest.mark.parametrize(
    "dtypes, expected",
    [
        ((np.int64, np.float32), np.float32),
        ((np.int32, np.float16), np.float16),
        ((np.float32, np.float64), np.float64),
        ((np.uint8, np.int8), np.int16),
        ((np.bool_, np.int32), np.int32),
        ((np.bool_, np.float32), np.float32),
    ],
)
def test_cat_stack_promote_as_torch(join, dtypes, expected):
    tensors = [al.tensor(np.ones(2, dtype=d)) for d in dtypes]
    out = getattr(al, join)(tensors)
    assert out.dtype == expected
    np.testing.assert_array_equal(out._array, np.ones(out.shape))


def test_cat_mixed_dtypes_gradient_comes_back_in_the_float_input_dtype():
    a = al.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    out = al.cat([al.tensor(np.arange(3)), a])
    out.sum().backward()
    assert out.dtype == np.float32 and a.grad.dtype == np.float32


@pytest.mark.parametrize(
    "index, value_shape",
    [(0, (1, 1, 3)), (0, (1, 3)), (slice(0, 1), (1, 1, 1, 3)), ((0, 1), (1, 1)), (slice(None), (1, 1, 3))],
)
def test_index_put_value_with_extra_leading_unit_dims(index, value_shape):
    x = al.zeros((2, 3), dtype=al.float64, requires_grad=True)
    v = al.tensor(np.arange(1.0, 1.0 + np.prod(value_shape)).reshape(value_shape), requires_grad=True)
    y = x * 1.0
    y[index] = v
    w = np.arange(6.0).reshape(2, 3) + 1
    (y * al.tensor(w)).sum().backward()
    assert v.grad.shape == value_shape
    expected_x = np.ones((2, 3))
    expected_x[index] = 0
    np.testing.assert_array_equal(x.grad._array, w * expected_x)
    np.testing.assert_array_equal(v.grad._array, _summed_to(w[index], value_shape))


def _summed_to(slot, value_shape):
    """The gradient of a value broadcast into ``slot``: slot summed over the broadcast dims, in value's shape."""
    core = list(value_shape)
    while len(core) > slot.ndim:
        core.pop(0)
    lead = slot.ndim - len(core)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(core) if n == 1)
    return slot.sum(axis=axes, keepdims=True).reshape(value_shape)


@pytest.mark.parametrize(
    "shape, index, expected_shape",
    [
        ((1, 1, 4), lambda L: (0, slice(-1, 0), L.tensor([1])), (0, 1)),
        ((2, 3, 4), lambda L: ([0, 1], slice(None), 0), (2, 3)),
        ((2, 3, 4), lambda L: (1, slice(None), [0, 3]), (3, 2)),
        ((2, 3, 4), lambda L: (None, 1, Ellipsis, [0, 3]), (1, 3, 2)),
        ((2, 3, 4), lambda L: (L.tensor([1, 0]), 2, slice(1, 3)), (2, 2)),
    ],
)
def test_ints_mixed_with_index_arrays_apply_first_as_in_torch(shape, index, expected_shape):
    data = np.arange(float(np.prod(shape))).reshape(shape)
    x = leaf(data)
    out = x[index(al)]
    assert out.shape == expected_shape
    out.backward(np.ones(out.shape))
    try:
        import torch
    except ImportError:
        return
    tx = torch.tensor(data, requires_grad=True)
    t_out = tx[index(torch)]
    t_out.backward(torch.ones_like(t_out))
    np.testing.assert_array_equal(out._array, t_out.detach().numpy())
    np.testing.assert_array_equal(x.grad._array, tx.grad.numpy())


def test_setitem_with_ints_mixed_with_index_arrays_writes_where_torch_writes():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    v = leaf(np.full((3, 2), 7.0))
    y = x * 1
    y[1, :, al.tensor([0, 3])] = v * 2  # torch's result shape for this index is (3, 2)
    (y * y).sum().backward()
    assert y[1].tolist()[0] == [14.0, 13.0, 14.0, 14.0]
    np.testing.assert_array_equal(x.grad._array[1, 0], [0.0, 26.0, 28.0, 0.0])
    np.testing.assert_array_equal(v.grad._array, np.full((3, 2), 56.0))
    z = al.zeros(2, 3, 4)
    z[1, :, [0, 3]] = al.ones(3, 2)
    assert z.sum().item() == 6.0


def test_circular_padding_crops_first_then_wraps_what_is_left():
    x = leaf(np.arange(4.0).reshape(1, 1, 4))
    out = al.pad(x, (-1, 3), mode="circular")  # keeps [1, 2, 3], then wraps 3 more on the right
    assert out._array.tolist() == [[[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]]]
    out.backward(np.ones(out.shape))
    assert x.grad._array.tolist() == [[[0.0, 2.0, 2.0, 2.0]]]
    assert al.pad(x, (-2, -2), mode="circular").shape == (1, 1, 0)
    with pytest.raises(OpError, match=r"pad: circular padding \(-4, 1\) crops all of dim 2"):
        al.pad(x, (-4, 1), mode="circular")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(-1, 1), (2, -1), (-1, -1), (1, -2), (-2, 3), (0, -1), (-1, 2, -1, 0)])
def test_negative_widths_crop_in_reflect_and_replicate_modes_as_torch(mode, pad):
    if mode == "circular" and any(min(p) < 0 < max(p) for p in zip(pad[::2], pad[1::2])):
        pad = tuple(min(p, 0) for p in pad)  # torch reads freed memory for circular crop-and-wrap
    data = np.arange(10.0).reshape(1, 2, 5)
    x = leaf(data)
    out = al.pad(x, pad, mode=mode)
    out.backward(np.ones(out.shape))
    try:
        import torch
    except ImportError:
        return
    tx = torch.tensor(data, requires_grad=True)
    t_out = torch.nn.functional.pad(tx, pad, mode=mode)
    t_out.backward(torch.ones_like(t_out))
    np.testing.assert_array_equal(out._array, t_out.detach().numpy())
    np.testing.assert_array_equal(x.grad._array, tx.grad.numpy())


def test_float_index_tensors_are_refused_as_torch():
    with pytest.raises(IndexError, match="getitem: tensors used as indices must be integer or bool"):
        al.zeros(3)[al.tensor([])]


# ---- issue-13 shape ops: torch's exact semantics and errors -------------------------------------------------


def test_split_and_chunk_give_torch_s_pieces_as_views():
    torch = pytest.importorskip("torch")
    for n, chunks in [(5, 3), (6, 4), (0, 3), (1, 2), (7, 7)]:
        got = [p.shape for p in al.arange(n).chunk(chunks)]
        assert got == [tuple(p.shape) for p in torch.arange(n).chunk(chunks)], (n, chunks)
    for n, size in [(5, 2), (0, 2), (0, 0), (4, 4), (3, 5)]:
        got = [p.shape for p in al.split(al.arange(n), size)]
        assert got == [tuple(p.shape) for p in torch.split(torch.arange(n), size)], (n, size)
    x = al.zeros(4, 3)
    first, rest = x.split([1, 3])
    first[0, 0] = 5.0  # a view, as torch's
    assert x._array[0, 0] == 5.0
    with pytest.raises(OpError, match=r"split: split sizes must be non-negative and add up to 4 .* got \[1, 1\]"):
        x.split([1, 1])
    with pytest.raises(OpError, match="split: split_size must be positive, got 0 for a dim of size 4"):
        x.split(0)
    with pytest.raises(OpError, match="chunk: chunks must be greater than 0, got 0"):
        x.chunk(0)


def test_flip_copies_and_roll_and_triangles_refuse_what_torch_refuses():
    x = al.arange(6.0).reshape(2, 3)
    y = x.flip(0, 1)
    y[0, 0] = -1.0
    assert x._array[1, 2] == 5.0  # a copy, as torch's
    np.testing.assert_array_equal(al.flip(x, [1])._array, [[2, 1, 0], [5, 4, 3]])
    with pytest.raises(IndexError, match=r"flip: dim 0 specified, but the tensor has no dimensions"):
        al.tensor(1.0).flip(0)
    with pytest.raises(OpError, match="flip: dim .* appears multiple times"):
        x.flip(0, -2)
    with pytest.raises(OpError, match="roll: shifts and dims must have the same length"):
        x.roll((1,), (0, 1))
    np.testing.assert_array_equal(x.roll(1)._array, [[5, 0, 1], [2, 3, 4]])
    with pytest.raises(OpError, match=r"tril: the input must have at least 2 dimensions, got shape \(3,\)"):
        al.ones(3).tril()
    z = al.ones(3, 3)
    assert z.triu_(1) is z and z._array.sum() == 3


def test_gather_and_scatter_check_the_index_as_torch():
    x = al.arange(6.0).reshape(2, 3)
    with pytest.raises(OpError, match="gather: expected dtype int64 for index, got int32"):
        x.gather(1, al.tensor([[0]], dtype="int32"))
    with pytest.raises(IndexError, match="gather: index 3 is out of bounds for dim 1 with size 3"):
        x.gather(1, al.tensor([[3]]))
    with pytest.raises(IndexError, match="gather: index -1 is out of bounds"):
        x.gather(1, al.tensor([[-1]]))
    with pytest.raises(OpError, match="gather: the index must have as many dims as the input"):
        x.gather(1, al.tensor([0]))
    with pytest.raises(OpError, match=r"larger than the input of shape \(2, 3\) in dim 0"):
        x.gather(1, al.tensor([[0], [0], [0]]))
    with pytest.raises(IndexError, match="index_select: index 2 is out of range for dim 0 with size 2"):
        x.index_select(0, al.tensor([2]))
    with pytest.raises(TypeError, match="scatter: give exactly one of src"):
        x.scatter(0, al.tensor([[0]]))


def test_scatter_add_accumulates_repeated_positions_and_src_larger_than_the_index_gets_zero_gradient():
    x, src = leaf(np.zeros(3)), leaf(np.array([1.0, 2.0, 4.0, 8.0]))
    out = al.scatter_add(x, 0, al.tensor([2, 2, 0]), src)  # src[3] is not read
    np.testing.assert_array_equal(out._array, [4.0, 0.0, 3.0])
    out.backward(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(src.grad._array, [30.0, 30.0, 10.0, 0.0])
    np.testing.assert_array_equal(x.grad._array, [10.0, 20.0, 30.0])
    x = leaf(np.arange(3.0))
    out = x.scatter(0, al.tensor([1]), value=7.0)
    out.backward(np.array([np.inf, np.inf, 1.0]))
    np.testing.assert_array_equal(x.grad._array, [np.inf, 0.0, 1.0])  # 0 where overwritten, selected not multiplied


def test_repeat_tile_and_repeat_interleave_match_torch():
    torch = pytest.importorskip("torch")
    values = np.arange(6.0).reshape(2, 3)
    x, t = al.tensor(values), torch.tensor(values)
    for got, want in [
        (x.repeat(2, 1, 2), t.repeat(2, 1, 2)),
        (x.tile((2,)), t.tile((2,))),
        (al.tile(x, (3, 1, 1)), torch.tile(t, (3, 1, 1))),
        (x.repeat_interleave(2), t.repeat_interleave(2)),
        (x.repeat_interleave(al.tensor([1, 0, 2]), dim=1), t.repeat_interleave(torch.tensor([1, 0, 2]), dim=1)),
        (al.repeat_interleave(x, 3, dim=-2), torch.repeat_interleave(t, 3, dim=-2)),
    ]:
        assert got.shape == tuple(want.shape)
        np.testing.assert_array_equal(got._array, want.numpy())
    with pytest.raises(OpError, match=r"repeat: the number of repeat dims \(1\) can not be smaller"):
        x.repeat(2)
    with pytest.raises(OpError, match="repeat_interleave: repeats must be an int or have one count per entry"):
        x.repeat_interleave(al.tensor([1, 2]), dim=1)
