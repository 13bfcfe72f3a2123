"""Shape and indexing functions with torch signatures: reshape/view, flatten, transpose, permute, squeeze,
unsqueeze, expand, broadcast_to, indexing, cat, stack, pad."""

import numpy as np

from ..ops import shape as sh
from ..ops.base import DimError, OpError
from ..ops.elementwise import Clone
from ..tensor import Tensor, apply, relayout, torch_layout


__all__ = [
    "view",
    "reshape",
    "contiguous",
    "is_contiguous",
    "flatten",
    "unflatten",
    "permute",
    "transpose",
    "swapaxes",
    "t",
    "squeeze",
    "unsqueeze",
    "expand",
    "broadcast_to",
    "expand_as",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "pad",
    "tril",
    "triu",
    "flip",
    "roll",
    "gather",
    "scatter",
    "scatter_add",
    "index_select",
    "tile",
    "repeat_interleave",
    "split",
    "chunk",
]


def _size_args(name, sizes):
    """Accept ``f(2, 3)`` and ``f((2, 3))`` as torch does."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    for s in sizes:
        if not isinstance(s, (int, np.integer)):
            raise TypeError(f"{name}: sizes must be ints, got {sizes!r}")
    return tuple(int(s) for s in sizes)


def _axis(name, dim, ndim):
    if not -ndim <= dim < ndim:
        raise DimError(
            f"{name}: dim {dim} is out of range for a tensor with {ndim} dims (expected a dim in [{-ndim}, {ndim - 1}])"
        )
    return dim % ndim


def _target_shape(name, shape):
    """The sizes of a view/reshape: ints >= 0, and at most one -1 (inferred), as torch checks them."""
    shape = _size_args(name, shape)
    for i, n in enumerate(shape):
        if n < -1:
            raise OpError(
                f"{name}: invalid shape dimension {n} at index {i} of shape {list(shape)} "
                "(sizes must be >= 0, or -1 for one inferred size)"
            )
    if shape.count(-1) > 1:
        raise OpError(f"{name}: only one dimension can be inferred (-1), got shape {list(shape)}")
    return shape


def _views_without_copy(array, shape):
    """True if ``array`` can be reshaped to ``shape`` as a view (a size mismatch counts as True: the reshape
    itself then raises its clear error)."""
    alias = array.view()
    try:
        alias.shape = shape
    except AttributeError:
        return False
    except ValueError:
        return True
    return True


def _as_view(input, shape):
    """The reshape as a view of input's memory, storing input's root in torch's layout first if needed."""
    if not _views_without_copy(input._array, shape):
        relayout(input)
    return apply(sh.Reshape, input, shape=shape)


def view(input, *shape):
    """The same memory seen in a new shape (one dim may be -1); refused, as in torch, when the tensor's
    strides do not allow it (e.g. after a transpose): use reshape() or contiguous() there."""
    shape = _target_shape("view", shape)
    if not _views_without_copy(torch_layout(input), shape):
        raise OpError(
            f"view: a tensor of shape {input.shape} cannot be viewed as shape {shape}: the view size "
            "is not compatible with the tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        )
    return _as_view(input, shape)


def reshape(input, *shape):
    """The same elements in a new shape (one dim may be -1): a view where torch gives one, else a copy."""
    shape = _target_shape("reshape", shape)
    if _views_without_copy(torch_layout(input), shape):
        return _as_view(input, shape)
    return apply(sh.Reshape, apply(Clone, input), shape=shape)


def contiguous(input):
    """input itself when its elements are in row-major order (as torch sees it), else a row-major copy."""
    return input if is_contiguous(input) else apply(Clone, input)


def is_contiguous(input):
    """True when the tensor's elements are in row-major order in memory, as torch sees it."""
    return bool(torch_layout(input).flags.c_contiguous)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a 0-d tensor becomes 1-d)."""
    shape = input._array.shape
    if not shape:
        return reshape(input, (1,))
    start, end = _axis("flatten", start_dim, len(shape)), _axis("flatten", end_dim, len(shape))
    if start > end:
        raise OpError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


def unflatten(input, dim, sizes):
    """Split dim into ``sizes`` (inverse of flatten)."""
    shape = input._array.shape
    axis = _axis("unflatten", dim, len(shape))
    sizes = _target_shape("unflatten", tuple(sizes))
    known = int(np.prod([n for n in sizes if n != -1]))
    if (-1 not in sizes and known != shape[axis]) or (-1 in sizes and (known == 0 or shape[axis] % known)):
        raise OpError(
            f"unflatten: sizes {list(sizes)} do not multiply to the size {shape[axis]} of dim {dim} of shape {shape}"
        )
    return reshape(input, shape[:axis] + sizes + shape[axis + 1 :])


def permute(input, *dims):
    """Reorder the dims (a permutation of 0..ndim-1, negatives allowed)."""
    dims = _size_args("permute", dims)
    ndim = input._array.ndim
    if len(dims) != ndim:
        raise OpError(f"permute: got {len(dims)} dims {dims} for a tensor of shape {input.shape}")
    axes = tuple(_axis("permute", d, ndim) for d in dims)
    if sorted(axes) != list(range(ndim)):
        raise OpError(f"permute: {dims} is not a permutation of the dims of shape {input.shape}")
    return apply(sh.Permute, input, axes=axes)


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    ndim = input._array.ndim
    axes = list(range(ndim))
    a, b = _axis("transpose", dim0, max(ndim, 1)), _axis("transpose", dim1, max(ndim, 1))
    if ndim == 0:
        return apply(sh.Permute, input, axes=())
    axes[a], axes[b] = axes[b], axes[a]
    return apply(sh.Permute, input, axes=tuple(axes))


swapaxes = transpose


def t(input):
    """The transpose of a matrix; a 0-d or 1-d tensor comes back as a new view of itself (as torch)."""
    ndim = input._array.ndim
    if ndim > 2:
        raise OpError(
            f"t: expects a tensor with <= 2 dimensions, but the tensor of shape {input.shape} is "
            f"{ndim}-D; use transpose(dim0, dim1) or permute(...) there"
        )
    return apply(sh.Permute, input, axes=tuple(reversed(range(ndim))))


def T(input):
    """``tensor.T``: all dims reversed (torch deprecates it beyond 2-D but still reverses them)."""
    return apply(sh.Permute, input, axes=tuple(reversed(range(input._array.ndim))))


def squeeze(input, dim=None):
    """Drop size-1 dims (all, or only those in ``dim``; a dim that is not size 1 is left alone, as torch)."""
    shape = input._array.shape
    if dim is None:
        axes = [i for i, n in enumerate(shape) if n == 1]
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
        axes = [_axis("squeeze", d, max(len(shape), 1)) for d in dims]
        axes = [a for a in axes if a < len(shape) and shape[a] == 1]
    return _as_view(input, tuple(n for i, n in enumerate(shape) if i not in axes))


def unsqueeze(input, dim):
    """Insert a size-1 dim at position ``dim`` (in [-ndim-1, ndim])."""
    shape = input._array.shape
    axis = _axis("unsqueeze", dim, len(shape) + 1)
    return _as_view(input, shape[:axis] + (1,) + shape[axis:])


def expand(input, *sizes):
    """Broadcast to ``sizes`` without copying; -1 keeps a dim, new dims may be added in front."""
    sizes = _size_args("expand", sizes)
    shape = input._array.shape
    if len(sizes) < len(shape):
        raise OpError(
            f"expand: the number of sizes ({len(sizes)}) must be at least the number of dims of shape {shape}"
        )
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
    if any(s < 0 for s in target):
        raise OpError(f"expand: -1 is not allowed for the new leading dims, got {sizes}")
    return apply(sh.Expand, input, shape=target)


def broadcast_to(input, shape):
    """Broadcast to ``shape`` (numpy/torch rules) without copying."""
    return expand(input, tuple(shape))


def expand_as(input, other):
    return expand(input, other.shape)


def _index_part(part):
    """An index piece as numpy understands it; arrays are copied so that a later in-place change of the
    index tensor cannot redirect the gradient."""
    if isinstance(part, Tensor):
        if part._array.dtype.kind not in "iub":
            raise IndexError(
                f"getitem: tensors used as indices must be integer or bool tensors, got dtype "
                f"{part._array.dtype} (shape {part.shape})"
            )
        return part._array.copy()
    if isinstance(part, np.ndarray):
        return part.copy()
    if isinstance(part, slice) and part.step is not None and part.step <= 0:
        raise ValueError(
            f"getitem: slice step must be greater than zero, got {part.step} (torch has no "
            "negative steps; use flip() or an index tensor)"
        )
    if isinstance(part, list):
        arr = np.asarray(part)
        return arr.astype(np.int64) if arr.size == 0 else arr  # x[[]]: an empty integer index, as torch
    return part


def normalize_index(index):
    """Tensors and lists inside an index become arrays (as numpy indexes with them)."""
    if isinstance(index, tuple):
        return tuple(_index_part(p) for p in index)
    return _index_part(index)


def getitem(input, index):
    """input[index]: ints, slices, None, Ellipsis, integer arrays (repeats accumulate in backward), masks."""
    index = normalize_index(index)
    split = _ints_first(index)
    if split is not None:
        return apply(sh.GetItem, apply(sh.GetItem, input, index=split[0]), index=split[1])
    return apply(sh.GetItem, input, index=index)


def _is_int(part):
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def _ints_first(index):
    """An index mixing ints and index arrays as two steps, the ints first, as torch applies them (numpy
    counts an int as an index array there and may move the result's dims elsewhere); None if not mixed."""
    if not isinstance(index, tuple) or not any(_is_int(p) for p in index):
        return None
    arrays = [p for p in index if isinstance(p, np.ndarray)]
    if not arrays or any(a.dtype == np.bool_ and a.ndim != 1 for a in arrays):
        return None
    first = tuple(p if (_is_int(p) or p is None or p is Ellipsis) else slice(None) for p in index)
    second = tuple(slice(None) if p is None else p for p in index if not _is_int(p))
    return first, second


def index_put(input, index, value):
    """A copy of input with input[index] = value (differentiable in both)."""
    return apply(sh.IndexPut, input, value, index=normalize_index(index))


def _sequence(name, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"{name}: expected a non-empty list or tuple of tensors")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def cat(tensors, dim=0):
    """Join tensors along an existing dim."""
    tensors = _sequence("cat", tensors)
    ndims = {t._array.ndim for t in tensors}
    if 0 in ndims:
        raise OpError("cat: zero-dimensional tensors cannot be concatenated (use stack)")
    if len(ndims) > 1:
        raise OpError(f"cat: tensors must have the same number of dims, got shapes {[t.shape for t in tensors]}")
    axis = _axis("cat", dim, tensors[0]._array.ndim)
    return apply(sh.Cat, *tensors, axis=axis)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dim."""
    tensors = _sequence("stack", tensors)
    axis = _axis("stack", dim, tensors[0]._array.ndim + 1)
    return apply(sh.Stack, *tensors, axis=axis)


def pad(input, pad, mode="constant", value=0.0):
    """torch.nn.functional.pad: ``pad`` lists (left, right) widths starting from the last dim;
    negative widths crop; modes 'constant', 'reflect', 'replicate', 'circular'."""
    pad = tuple(int(p) for p in pad)
    ndim = input._array.ndim
    if len(pad) % 2 or len(pad) // 2 > ndim:
        raise OpError(
            f"pad: the padding {pad} must have an even length of at most 2 * ndim = {2 * ndim} for shape {input.shape}"
        )
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        for d, (lo, hi) in enumerate(widths):
            if max(-lo, 0) + max(-hi, 0) > input._array.shape[d]:  # torch: narrow() past the end fails
                raise OpError(f"pad: cropping {(lo, hi)} is larger than dim {d} of shape {input.shape}")
        return apply(sh.ConstantPad, input, widths=tuple(widths), value=value)
    if mode not in ("reflect", "replicate", "circular"):
        raise OpError(f"pad: unknown mode {mode!r}; expected 'constant', 'reflect', 'replicate' or 'circular'")
    sides = len(pad) // 2
    if ndim not in (sides + 1, sides + 2):
        raise NotImplementedError(
            f"pad: {mode} padding of {len(pad)} sizes needs a {sides + 1}-D or {sides + 2}-D input (a batch "
            f"or a single sample of {sides}-D data, as torch), got shape {input.shape}"
        )
    _check_pad_sizes(mode, input.shape, widths, sides, pad)
    out = input
    for d, (lo, hi) in enumerate(widths):
        if lo or hi:
            index = _pad_source(mode, input._array.shape[d], lo, hi, d, pad, input.shape)
            out = apply(sh.GetItem, out, index=(slice(None),) * d + (index,))
    return apply(Clone, out) if out is input else out


def _check_pad_sizes(mode, shape, widths, sides, pad):
    """torch's size rules: reflect and replicate need every dim but the batch dim non-empty; no padded dim
    may end up negative, and for reflect and replicate not all of them empty."""
    batched = len(shape) == sides + 2
    if mode != "circular" and 0 in shape[1 if batched else 0 :]:
        raise OpError(f"pad: {mode} padding needs non-empty dims (except a batch dim), got shape {shape}")
    out = [n + lo + hi for n, (lo, hi) in zip(shape[-sides:], widths[-sides:])]
    if min(out) < 0 or (mode != "circular" and max(out) == 0):
        raise OpError(
            f"pad: the padding {pad} is too large a crop for shape {shape}: the padded dims would "
            f"have sizes {tuple(out)}"
        )


def _pad_source(mode, size, lo, hi, d, pad, shape):
    """Source index of each output position along dim d for a non-constant mode, as torch: reflect and
    replicate crop their padded index where a width is negative; circular crops first and then wraps
    around what is left."""
    if mode != "circular":
        index = sh.pad_index(size, max(lo, 0), max(hi, 0), mode)
        return index[max(-lo, 0) : len(index) - max(-hi, 0)]
    if lo > size or hi > size:
        raise OpError(
            f"pad: circular padding of ({lo}, {hi}) wraps around more than once for dim {d} of "
            f"shape {shape} (at most {size})"
        )
    start, kept = max(-lo, 0), size - max(-lo, 0) - max(-hi, 0)
    if kept <= 0 and size + lo + hi > 0:
        raise OpError(f"pad: circular padding {pad} crops all of dim {d} of shape {shape}")
    return start + (np.arange(size + lo + hi) - max(lo, 0)) % kept


# ---- triangles, flip, roll, gather/scatter, repeats, split/chunk (issue 13) -------------------------------


def _triangle(name, op, input, diagonal):
    if input._array.ndim < 2:
        raise OpError(f"{name}: the input must have at least 2 dimensions, got shape {tuple(input.shape)}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{name}: diagonal must be an int, got {diagonal!r}")
    return apply(op, input, diagonal=int(diagonal))


def tril(input, diagonal=0):
    """The lower triangle of the last two dims (entries on and below the ``diagonal``-th diagonal)."""
    return _triangle("tril", sh.Tril, input, diagonal)


def triu(input, diagonal=0):
    """The upper triangle of the last two dims (entries on and above the ``diagonal``-th diagonal)."""
    return _triangle("triu", sh.Triu, input, diagonal)


def _dim_list(name, dims, ndim):
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if ndim == 0 and dims:
        raise DimError(f"{name}: dim {dims[0]} specified, but the tensor has no dimensions (shape ())")
    axes = tuple(_axis(name, _int_arg(name, "dims", d), ndim) for d in dims)
    if len(set(axes)) != len(axes):
        raise OpError(f"{name}: dim {dims} appears multiple times in the list of dims")
    return axes


def _int_arg(name, what, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: {what} must be ints, got {value!r} ({type(value).__name__})")
    return int(value)


def flip(input, dims):
    """Reverse the order of the entries along ``dims`` (an int or a sequence); a copy, as torch's."""
    axes = _dim_list("flip", dims, input._array.ndim)
    if input._array.ndim == 0:
        return apply(Clone, input)
    index = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(input._array.ndim))
    return apply(sh.Flip, input, index=index)


def roll(input, shifts, dims=None):
    """Shift the entries cyclically by ``shifts`` along ``dims`` (None: over the flattened tensor, shape kept)."""
    if dims is None:
        if not isinstance(shifts, (int, np.integer)) and len(tuple(shifts)) != 1:
            raise OpError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        shift = _int_arg("roll", "shifts", shifts if isinstance(shifts, (int, np.integer)) else tuple(shifts)[0])
        return apply(sh.Roll, input, shifts=shift, dims=None)
    shift_list = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dim_list = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shift_list) != len(dim_list):
        raise OpError(f"roll: shifts and dims must have the same length, got shifts={shifts!r} and dims={dims!r}")
    axes = _dim_list("roll", dim_list, input._array.ndim) if len(set(dim_list)) == len(dim_list) else ()
    if len(axes) != len(dim_list):
        raise OpError(f"roll: dims must be distinct, got {dims!r}")
    shift_ints = tuple(_int_arg("roll", "shifts", s) for s in shift_list)
    if input._array.ndim == 0:
        return apply(Clone, input)
    return apply(sh.Roll, input, shifts=shift_ints, dims=axes)


def _index_array(name, index, what="index"):
    data = index._array if isinstance(index, Tensor) else np.asarray(index)
    if data.dtype != np.int64:
        raise OpError(f"{name}: expected dtype int64 for {what}, got {data.dtype}")
    return data


def _scatter_positions(name, input, dim, index, src_shape=None):
    """The integer-array index of the positions ``index`` names along ``dim`` (torch's gather/scatter
    rule: out[i][j][k] <-> input[i][index[i][j][k]][k] for dim 1), every check torch makes done first."""
    data = _index_array(name, index)
    ndim = input._array.ndim
    axis = _axis(name, _int_arg(name, "dim", dim), max(ndim, 1))
    if data.ndim != ndim and not (data.ndim <= 1 and ndim <= 1):
        raise OpError(
            f"{name}: the index must have as many dims as the input, got index shape {data.shape} and "
            f"input shape {tuple(input.shape)}"
        )
    if ndim == 0:
        data = data.reshape(())
    for d in range(ndim):
        if d != axis and data.shape[d] > input._array.shape[d]:
            raise OpError(
                f"{name}: the index of shape {data.shape} is larger than the input of shape {tuple(input.shape)} "
                f"in dim {d} (expected index.size(d) <= input.size(d) for every d != dim {axis})"
            )
        if src_shape is not None and data.shape[d] > src_shape[d]:
            raise OpError(
                f"{name}: the index of shape {data.shape} is larger than src of shape {src_shape} in dim {d} "
                "(expected index.size(d) <= src.size(d))"
            )
    size = input._array.shape[axis] if ndim else 1
    if data.size and (data.min() < 0 or data.max() >= size):
        bad = data.min() if data.min() < 0 else data.max()
        raise IndexError(f"{name}: index {bad} is out of bounds for dim {axis} with size {size}")
    if ndim == 0:
        return ()
    grids = list(np.meshgrid(*[np.arange(n) for n in data.shape], indexing="ij", sparse=True))
    grids[axis] = data
    return tuple(grids)


def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim = 1 (likewise for other dims); the index has the
    input's number of dims and is no larger except along ``dim``. The gradient is scatter-added."""
    positions = _scatter_positions("gather", input, dim, index)
    if positions == ():
        return apply(Clone, input)
    return apply(sh.Gather, input, index=positions)


def _src_block(src, index_shape):
    """src cut to the index's extent (torch reads only that part of a larger src; the rest gets 0 gradient)."""
    if tuple(src.shape) == tuple(index_shape):
        return src
    return getitem(src, tuple(slice(0, n) for n in index_shape))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with input[i][index[i][j][k]][k] = src[i][j][k] for dim 1 (or ``value``, a number); repeated
    positions keep one of the values, as torch's (unspecified which). ``reduce`` is not supported."""
    if reduce is not None:
        raise OpError(f"scatter: reduce={reduce!r} is not supported (use scatter_add for 'add')")
    if isinstance(src, (bool, int, float, np.integer, np.floating)) and value is None:
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    data = _index_array("scatter", index)
    if src is not None:
        positions = _scatter_positions("scatter", input, dim, index, tuple(src.shape))
        src = _src_block(src, data.shape)
    else:
        positions = _scatter_positions("scatter", input, dim, index)
        src = Tensor._wrap(np.full(data.shape, value, dtype=input._array.dtype))
    if positions == ():
        return apply(sh.Scatter, input, src.reshape(()), index=())
    return apply(sh.Scatter, input, src, index=positions)


def scatter_add(input, dim, index, src):
    """input with src[i][j][k] added at input[i][index[i][j][k]][k] for dim 1; repeated positions add up."""
    positions = _scatter_positions("scatter_add", input, dim, index, tuple(src.shape))
    src = _src_block(src, _index_array("scatter_add", index).shape)
    if positions == ():
        return apply(sh.ScatterAdd, input, src.reshape(()), index=())
    return apply(sh.ScatterAdd, input, src, index=positions)


def index_select(input, dim, index):
    """The entries ``index`` (a 1-D or 0-d int64 tensor; repeats allowed) along ``dim``."""
    data = _index_array("index_select", index)
    if data.ndim > 1:
        raise OpError(f"index_select: the index must be 1-D or 0-d, got shape {data.shape}")
    ndim = input._array.ndim
    axis = _axis("index_select", _int_arg("index_select", "dim", dim), max(ndim, 1))
    size = input._array.shape[axis] if ndim else 1
    if data.size and (data.min() < 0 or data.max() >= size):
        bad = data.min() if data.min() < 0 else data.max()
        raise IndexError(f"index_select: index {bad} is out of range for dim {axis} with size {size}")
    if ndim == 0:
        if data.size != 1:
            raise OpError(f"index_select: the index of a 0-d tensor can have only 1 value, got {data.size}")
        return apply(sh.IndexSelect, input, index=(Ellipsis,))
    return apply(sh.IndexSelect, input, index=(slice(None),) * axis + (data.reshape(-1),))


def _repeats(name, sizes):
    sizes = _size_args(name, sizes)
    if any(n < 0 for n in sizes):
        raise OpError(f"{name}: repeats must be non-negative, got {list(sizes)}")
    return sizes


def repeat(input, *sizes):
    """Tensor.repeat: tile the tensor ``sizes`` times per dim; ``sizes`` may have more dims than the
    tensor (new leading dims), not fewer."""
    sizes = _repeats("repeat", sizes)
    if len(sizes) < input._array.ndim:
        raise OpError(
            f"repeat: the number of repeat dims ({len(sizes)}) can not be smaller than the number of tensor "
            f"dims ({input._array.ndim}, shape {tuple(input.shape)})"
        )
    return apply(sh.Repeat, input, reps=sizes)


def tile(input, dims):
    """torch.tile: like Tensor.repeat, but fewer ``dims`` than the tensor's are padded with leading 1s."""
    sizes = _repeats("tile", (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims))
    sizes = (1,) * (input._array.ndim - len(sizes)) + sizes
    return apply(sh.Repeat, input, reps=sizes)


def repeat_interleave(input, repeats, dim=None, *, output_size=None):
    """Each entry repeated ``repeats`` times (an int, or one count per entry as a tensor/list) along ``dim``
    (None: over the flattened tensor)."""
    if dim is None:
        input = reshape(input, -1)
        axis = 0
    else:
        axis = _axis("repeat_interleave", _int_arg("repeat_interleave", "dim", dim), max(input._array.ndim, 1))
        if input._array.ndim == 0:
            input = reshape(input, 1)
    n = input._array.shape[axis]
    counts = repeats._array if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.dtype.kind not in "iu":
        raise OpError(f"repeat_interleave: repeats must be integers, got dtype {counts.dtype}")
    if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, n)):
        raise OpError(
            f"repeat_interleave: repeats must be an int or have one count per entry ({n} along dim {axis}), "
            f"got shape {counts.shape}"
        )
    if np.any(counts < 0):
        raise OpError("repeat_interleave: repeats can not be negative")
    source = np.repeat(np.arange(n), counts.reshape(-1) if counts.ndim else int(counts))
    if output_size is not None and output_size != source.size:
        raise OpError(f"repeat_interleave: output_size={output_size}, but the repeats give {source.size} entries")
    return apply(sh.RepeatInterleave, input, index=(slice(None),) * axis + (source,))


def _pieces(input, axis, sizes):
    out, start = [], 0
    for n in sizes:
        index = (slice(None),) * axis + (slice(start, start + n),)
        out.append(apply(sh.Split, input, index=index))
        start += n
    return tuple(out)


def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces along ``dim``: of ``split_size`` entries each (the last may be smaller),
    or of the listed sizes (which must add up to the dim's size)."""
    if tensor._array.ndim == 0:
        raise OpError("split: cannot split a 0-dimensional tensor (expected at least 1 dimension)")
    axis = _axis("split", _int_arg("split", "dim", dim), tensor._array.ndim)
    n = tensor._array.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n != 0):
            raise OpError(f"split: split_size must be positive, got {size} for a dim of size {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
        return _pieces(tensor, axis, sizes or [0])
    sizes = [_int_arg("split", "split sizes", s) for s in split_size_or_sections]
    if any(s < 0 for s in sizes) or sum(sizes) != n:
        raise OpError(
            f"split: split sizes must be non-negative and add up to {n} (the size of dim {axis}, shape "
            f"{tuple(tensor.shape)}), got {sizes}"
        )
    return _pieces(tensor, axis, sizes)


def chunk(input, chunks, dim=0):
    """At most ``chunks`` views along ``dim``, of ceil(size / chunks) entries each (the last may be smaller,
    and there may be fewer pieces, as torch's)."""
    chunks = _int_arg("chunk", "chunks", chunks)
    if chunks <= 0:
        raise OpError(f"chunk: chunks must be greater than 0, got {chunks}")
    if input._array.ndim == 0:
        raise OpError("chunk: cannot chunk a 0-dimensional tensor (expected at least 1 dimension)")
    axis = _axis("chunk", _int_arg("chunk", "dim", dim), input._array.ndim)
    n = input._array.shape[axis]
    size = -(-n // chunks)
    return split(input, size if size else 0, axis) if n else _pieces(input, axis, [0] * chunks)
