"""In-place updates (``+=``, ``add_``, ``x[i] = v``, ``fill_``...): the machinery behind the Tensor's in-place
methods (written in ``autograd_lite.tensor_ops``).

In-place rules (as torch): on a leaf that requires grad, outside ``no_grad``, they raise. On a tensor in a
graph they are recorded: the tensor takes the result's value and history, and the old value stays intact for
the nodes that saved it. Anywhere else they change the array in place and bump the version counter, so a
node that saved the old array refuses to backward instead of returning a wrong gradient.
"""

import numpy as np

from ..autograd.engine import Node
from ..autograd.grad_mode import _state, no_grad
from ..ops import shape as sh
from ..ops.base import OpError
from ..tensor import Tensor, apply
from . import math as m
from . import shaping as s


def _records(self, other):
    return _state.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))


def _leaf_error(name, self):
    return RuntimeError(
        f"{name}: a leaf tensor that requires grad (shape {self.shape}) cannot be changed in place while "
        "grad mode is on; wrap the update in `with autograd_lite.no_grad():` (as optimizers do)"
    )


def _check_writeable(name, array):
    """Refuse a write into an expand/broadcast view (its elements share memory); writing nothing is fine."""
    if not np.asarray(array).flags.writeable and np.size(array):
        raise RuntimeError(
            f"{name}: this tensor's memory is read-only (an expand/broadcast view whose elements "
            "share memory); call .clone() first"
        )


def _check_recorded(name, self):
    """Refuse the recorded in-place updates that torch refuses (instead of silently not updating memory)."""
    if self.grad_fn is None and self._rg:
        raise _leaf_error(name, self)
    _check_writeable(name, self._array)
    info = self._view
    if info is not None and info.root is not None and info.root._fn is None and info.root._rg:
        raise RuntimeError(
            f"{name}: a view of a leaf tensor that requires grad (shape {info.root.shape}) cannot be changed in "
            "place while grad mode is on; wrap the update in `with autograd_lite.no_grad():`"
        )


def _check_no_grad_view(name, self, other):
    """Refuse, as torch does, a change with grad mode on of a view taken under no_grad() when its base or
    the new value requires grad: whether autograd should see the change would be ambiguous."""
    info = self._view
    if (
        info is None
        or info.root is None
        or info.tracks
        or not _state.enabled
        or not (info.root._rg or (isinstance(other, Tensor) and other.requires_grad))
    ):
        return
    raise RuntimeError(
        f"{name}: this tensor is a view taken under no_grad() and is being changed in place with grad mode on; "
        "this is ambiguous and refused (as in torch): take the view and make the change both inside no_grad() "
        "(not tracked) or both outside it (tracked)"
    )


def _private_saved(node, memory):
    """Give ``node`` a private copy of the in-place op's own input if it saved it (that memory is about to be
    overwritten); torch keeps the original self the same way. Other saved arrays that share the memory (the
    other operand being self or a view of it) keep their version check, so backward raises, as in torch."""
    if node.x is not None and node.x and node.x[0] is memory:
        node.x[0] = memory.copy()
        node.checks = [c for c in node.checks if c[2] != 0]
    if node.y is not None and np.may_share_memory(node.y, memory):
        node.y = node.y.copy()


def _new_nodes(result, *before):
    """The nodes recorded between the tensors ``before`` and ``result`` (the in-place op's own nodes)."""
    stop = {t._fn for t in before if isinstance(t, Tensor) and t._fn is not None}
    found, stack = [], [result._fn]
    while stack:
        node = stack.pop()
        if node.__class__ is not Node or node in stop or node in found:
            continue
        found.append(node)
        stack.extend(node.edges)
    return found


def _commit(name, self, other, result):
    """Finish a recorded in-place op: write ``result`` into self's memory (so that every view sees it),
    give self the result's history, and, for a view, record the write in its root's history."""
    if result._array.shape != self._array.shape:
        raise OpError(
            f"{name}: the result has shape {result._array.shape} but the tensor updated in "
            f"place has shape {self._array.shape}; in-place ops cannot change a tensor's shape"
        )
    if result._array.dtype != self._array.dtype:
        if not np.can_cast(result._array.dtype, self._array.dtype, casting="same_kind"):
            raise TypeError(
                f"{name}: a result of dtype {result._array.dtype} cannot be stored in place in a "
                f"tensor of dtype {self._array.dtype}"
            )
        result = m.astype(result, self._array.dtype)
    memory = self._array
    for node in _new_nodes(result, self, other):
        _private_saved(node, memory)
    if memory.size:
        np.copyto(memory, result._array)
    self._bump_version()
    node = result._fn
    if node.y is not None:  # the op saved its output: that output now lives in self's memory
        node.y, node.y_vc = memory, self._vc
        node.checks = [c for c in node.checks if c[2] != -1] + [(self._vc, self._vc[0], -1)]
    self._fn, self._rg = node, True
    info = self._view
    if info is not None and info.root is not None:
        _record_view_write(info.root, self, info.chain)


def _record_view_write(root, view, chain):
    """The root's new history after a recorded in-place change of its view (torch's CopySlices). The view's
    own history is then rebuilt from the root's on next use (its version is stale), as torch does."""
    old, new = Tensor._wrap(root._array), Tensor._wrap(view._array)
    old._fn, old._rg = root._fn, root._rg
    new._fn, new._rg = view._fn, True
    result = apply(sh.ViewWrite, old, new, chain=chain)
    root._fn, root._rg = result._fn, True


def _write(name, self, value):
    """Write ``value`` into self's array in place, with torch's shape and dtype rules."""
    if value.shape != self._array.shape:
        raise OpError(
            f"{name}: the result has shape {value.shape} but the tensor updated in place has "
            f"shape {self._array.shape}; in-place ops cannot change a tensor's shape"
        )
    _check_writeable(name, self._array)
    try:
        if self._array.size:
            np.copyto(self._array, value, casting="same_kind")
    except TypeError:
        raise TypeError(
            f"{name}: a result of dtype {value.dtype} cannot be stored in place in a tensor of dtype "
            f"{self._array.dtype}"
        ) from None
    self._bump_version()


def _bounds(array):
    """The first and one-past-last byte addresses an array spans."""
    array = np.asarray(array)
    start = end = array.__array_interface__["data"][0]
    for n, stride in zip(array.shape, array.strides):
        reach = (n - 1) * stride
        start, end = start + min(reach, 0), end + max(reach, 0)
    return start, end + array.itemsize


def _strides(array):
    """The strides that matter: a size-1 dim's stride never moves to another element."""
    return tuple(stride for n, stride in zip(array.shape, array.strides) if n != 1)


def _check_overlap(name, target, other, same_layout=True):
    """Refuse, as torch does, an in-place write into the array ``target`` from an operand that partly
    overlaps it (a view of it, say): the result would depend on the order in which elements are written.
    The very same elements are fine: the same array layout for an op (x *= x), the same span for setitem
    (t[None] = t)."""
    if not isinstance(other, Tensor):
        return
    b = other._array
    if target is b or not np.may_share_memory(target, b) or not np.shares_memory(target, b):
        return
    if same_layout:
        same = _bounds(target) == _bounds(b) and target.shape == b.shape and _strides(target) == _strides(b)
    else:
        same = _bounds(target) == _bounds(b)
    if not same:
        raise RuntimeError(
            f"{name}: unsupported operation: some elements of the other operand (shape {other.shape}) and of the "
            f"elements written in place (shape {np.shape(target)}) refer to the same memory; clone() the other "
            "operand first"
        )


def update(name, fn, self, other):
    """``self`` changed in place to ``fn(self, other)`` (``x += y``, ``add_``...), with torch's rules."""
    _check_no_grad_view(name, self, other)
    _check_overlap(name, self._array, other)
    if _records(self, other):
        _check_recorded(name, self)
        _commit(name, self, other, fn(self, other))
        return self
    with no_grad():
        result = fn(self, other)
    _write(name, self, result._array)
    return self


def update_unary(name, fn, self):
    """``self`` changed in place to ``fn(self)`` (``exp_``, ``relu_``...), recorded in a graph as torch does."""
    return update(name, lambda a, _: fn(a), self, None)


def _written(self, index):
    """The elements ``self[index] = ...`` writes (``index`` normalised): a view for basic indexing, a copy
    (overlapping nothing) for index arrays."""
    try:
        return self._array[index]
    except (IndexError, TypeError, ValueError):
        return self._array


def _region_shape(self, index):
    """The shape of ``self[index]``, found on a zero-stride stand-in (no copy of self's data)."""
    try:
        return np.broadcast_to(np.empty((), dtype=np.int8), self.shape)[index].shape
    except (IndexError, TypeError, ValueError):
        return None


def _drop_leading_ones(self, index, value):
    """torch's copy rule: a value may carry extra leading dims of size 1 (``t[0] = x[None]``), no other
    extra dims (numpy would accept a (2, 1, 0) value for an empty (0, 0) region; torch refuses)."""
    if not isinstance(value, Tensor) or value.ndim == 0:
        return value
    region = _region_shape(self, index)
    if region is None or value.ndim <= len(region):
        return value
    extra = value.ndim - len(region)
    if any(n != 1 for n in value.shape[:extra]):
        raise ValueError(
            f"setitem: shape mismatch: a value of shape {value.shape} cannot be broadcast to the "
            f"indexed region of shape {region} (tensor of shape {self.shape})"
        )
    return s.reshape(value, value.shape[extra:])


def _check_same_tensor(self, index, value):
    """Refuse, as torch's index_put_, a value that is the written tensor itself (``t[mask] = t``)."""
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [i for i in parts if isinstance(i, np.ndarray)]
    if not arrays or not isinstance(value, Tensor):
        return
    if any(a.size == 0 or (a.dtype == bool and not a.any()) for a in arrays):  # selects nothing: fine in torch
        return
    if value._array.size == 1 and all(a.dtype == bool for a in arrays):  # torch: masked_fill with its item
        return
    same = value is self or (
        value._array.shape == self._array.shape
        and _bounds(value._array) == _bounds(self._array)
        and np.shares_memory(value._array, self._array)
    )
    if same:
        raise RuntimeError(
            "setitem: unsupported operation: the value is the very tensor written to (shape "
            f"{self.shape}), whose elements an index array may write in any order; clone() the value first"
        )


def setitem(self, index, value):
    index = s.normalize_index(index)
    split = s._ints_first(index)
    if split is not None:  # ints mixed with index arrays: through the view the ints select, as torch
        setitem(s.getitem(self, split[0]), split[1], value)
        return
    _check_same_tensor(self, index, value)
    value = _drop_leading_ones(self, index, value)
    _check_no_grad_view("setitem", self, value)
    if isinstance(value, Tensor) and np.may_share_memory(self._array, value._array):
        _check_overlap("setitem", _written(self, index), value, same_layout=False)
    if _records(self, value):
        _check_recorded("setitem", self)
        _commit("setitem", self, value, s.index_put(self, index, value))
        return
    if not self._array.flags.writeable:  # an expand view: refused unless the index selects nothing
        _check_writeable("setitem", _written(self, index))
        return
    value = value._array if isinstance(value, Tensor) else value
    try:
        self._array[index] = value
    except (IndexError, ValueError, TypeError) as err:
        raise type(err)(f"setitem: {err} (tensor of shape {self.shape}, index {index!r})") from None
    self._bump_version()


def fill_(self, value):
    """Fill self with ``value``; in a graph it is recorded, so that no gradient flows through the old value."""
    if _records(self, None):
        full = np.full(self._array.shape, value, dtype=self._array.dtype)
        return update("fill_", _take_other, self, full)
    with no_grad():
        _write("fill_", self, np.full(self._array.shape, value, dtype=self._array.dtype))
    return self


def copy_(self, src):
    """Overwrite self with src (broadcast); in a graph the gradient flows to src only."""
    return update("copy_", _take_other, self, src)


def _take_other(a, b):
    """``b`` broadcast to ``a``'s shape, recorded so that the gradient flows to ``b`` only."""
    return m.where(np.ones(a.shape, dtype=bool), b, a)
