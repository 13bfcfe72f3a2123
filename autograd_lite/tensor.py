"""The Tensor: a thin handle on a numpy array plus what autograd needs (grad, grad_fn, a version counter).

Every differentiable operation goes through ``apply(op, *inputs, **params)``; the operators and op methods
are written in ``autograd_lite.tensor_ops`` (``class Tensor(TensorOps)``). The version counter is a
one-element list shared by a tensor and its views, bumped by every in-place change (``_bump_version``), so
that backward can detect a saved array that changed.

Views (slices, reshape, permute, expand, detach) share their base's memory, as torch's do. Each remembers
its root tensor and the chain of view ops that leads from it (``_view``); when the memory changes in place
after the view's history was recorded, the view's ``grad_fn`` is rebuilt from the root's current history
on next use, so gradients follow the new values, as in torch.
"""

import builtins
import weakref
from typing import Any, Optional, Tuple, Union


import numpy as np

from . import devices
from . import dtypes
from .ops.base import DimError
from .autograd.engine import Node
from .autograd.grad_mode import _state
from .autograd.tracing import TRACERS
from .tensor_ops import TensorOps


def _to_array(data, dtype, copy, where="tensor"):
    """Convert user data to an ndarray following torch: Python floats -> default dtype, ints -> int64."""
    if isinstance(data, Tensor):
        data = data._array
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        arr = np.array(data, dtype=dtype, copy=True) if copy else np.asarray(data, dtype=dtype)
    else:
        try:
            arr = np.array(data)
        except ValueError as err:
            raise ValueError(f"{where}(): cannot make a tensor from this data ({err})") from None
        if arr.dtype.kind == "f" and dtype is None:
            arr = arr.astype(dtypes.get_default_dtype())
        elif dtype is not None:
            dtypes.check_fits(where, arr, dtype)  # Python data only: torch too wraps a numpy array's values
            arr = arr.astype(dtype)
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"{where}(): unsupported dtype {arr.dtype}; expected a float, int or bool number, list or array"
        )
    return arr


class Size(tuple):
    """A tensor's shape: a tuple of ints, as torch.Size (``numel()`` gives the number of elements)."""

    __slots__ = ()

    def numel(self):
        n = 1
        for side in self:
            n *= side
        return n

    def __repr__(self):
        return f"Size({list(self)})"


def _check_grad_dtype(dtype, where="requires_grad"):
    if dtype.kind != "f":
        raise TypeError(
            f"{where}: only floating point tensors can require gradients, got dtype {dtype} "
            "(convert with .float() first)"
        )


class Tensor(TensorOps):
    """An n-dimensional array that records the operations on it for reverse-mode differentiation."""

    __slots__ = ("_array", "_grad", "_rg", "_fn", "_vc", "_view", "_views", "__weakref__")
    __array_ufunc__ = None  # make numpy defer to Tensor's reflected operators (ndarray + Tensor -> Tensor)
    __hash__ = object.__hash__

    def __init__(self, data, requires_grad=False, dtype=None):
        self._array = _to_array(data, None if dtype is None else np.dtype(dtype), copy=True)
        self._grad = None
        self._fn = None
        self._vc = [0]
        self._view = self._views = None
        self._rg = False
        if requires_grad:
            _check_grad_dtype(self._array.dtype, "tensor")
            self._rg = True

    @classmethod
    def _wrap(cls, array):
        """A constant tensor around an existing ndarray (no copy, no checks): internal fast path."""
        t = object.__new__(Tensor)
        t._array, t._grad, t._rg, t._fn, t._vc, t._view, t._views = array, None, False, None, [0], None, None
        return t

    @classmethod
    def _from_graph(cls, array, edge, vc):
        """A handle on a graph value (the output of node ``edge``) for create_graph backward passes."""
        t = object.__new__(Tensor)
        t._array, t._grad, t._rg, t._fn, t._vc, t._view, t._views = array, None, True, edge, vc or [0], None, None
        return t

    @property
    def data(self) -> "Tensor":
        """A tensor sharing this tensor's memory, outside the graph and not requiring grad, as torch's ``x.data``:
        in-place changes through it (``w.data.normal_(0.0, 0.02)``) change this tensor and are not seen by
        autograd (its version counter is its own). The numpy array is ``x.numpy()`` (``x.detach().numpy()``)."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value):
        """``x.data = y``: this tensor takes ``y``'s values (and shape) without autograd seeing it, as torch's."""
        self._array = value._array if isinstance(value, Tensor) else np.asarray(value)

    # ---- autograd attributes -------------------------------------------------------------------
    @property
    def grad(self) -> "Optional[Tensor]":
        """The gradient accumulated by backward (None until then), a tensor of this tensor's shape and dtype."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: the assigned gradient must be a Tensor or None, got {type(value).__name__}")
            if value._array.shape != self._array.shape:
                raise RuntimeError(
                    f"grad: cannot assign a gradient of shape {value.shape} to a tensor of "
                    f"shape {self.shape}; they must have the same shape"
                )
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(
                    f"grad: cannot assign a gradient of dtype {value.dtype} to a tensor of "
                    f"dtype {self.dtype}; they must have the same dtype"
                )
        self._grad = value

    @property
    def grad_fn(self) -> Optional[Node]:
        """The node that produced this tensor (None for leaves); a view's is rebuilt after an in-place change."""
        if self._view is not None:
            _refresh(self)
        return self._fn

    @property
    def requires_grad(self) -> builtins.bool:
        if self._view is not None:
            _refresh(self)
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "requires_grad: it can only be turned off on a leaf tensor; use .detach() "
                "to get a tensor outside the graph"
            )
        if flag:
            _check_grad_dtype(self._array.dtype)
        self._rg = flag

    def requires_grad_(self, requires_grad: builtins.bool = True) -> "Tensor":
        """Set requires_grad in place and return self (like torch)."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> builtins.bool:
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep .grad on this non-leaf tensor after backward (leaves always keep it)."""
        if not self._rg:
            raise RuntimeError("retain_grad: cannot retain the gradient of a tensor that does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` with this tensor's gradient during every backward (and autograd_lite.grad);
        a Tensor it returns replaces the gradient: before it is accumulated into a leaf's ``.grad``, before
        it flows on from a non-leaf. Returns a handle whose ``remove()`` takes the hook out, as torch."""
        from .autograd.hooks import HookDict, add_hook, add_leaf_hook

        if not self._rg:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that does not require grad "
                "(call .requires_grad_() on the leaf first)"
            )
        node = self.grad_fn
        if node is None:
            return add_leaf_hook(self, hook)
        if node.hooks is None:
            node.hooks = HookDict()
        return add_hook(node.hooks, hook)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def detach(self) -> "Tensor":
        """A tensor sharing this memory (and version counter) but outside the graph."""
        t = Tensor._wrap(self._array)
        _link_view(t, self, None, None, tracks=False)
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place (it becomes a leaf that does not require grad)."""
        if self._view is not None:
            self._view.root, self._view.chain = None, ()
        self._fn = None
        self._rg = False
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph: builtins.bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad (see autograd_lite.autograd.backward)."""
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs)

    # ---- array attributes and conversion --------------------------------------------------------
    @property
    def shape(self) -> Tuple[builtins.int, ...]:
        """The shape, a tuple (``size()`` gives it as torch's ``Size``, a tuple with ``numel()``)."""
        return self._array.shape

    @property
    def ndim(self) -> builtins.int:
        return self._array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def device(self) -> "devices.device":
        """Always the CPU: ``device(type='cpu')``."""
        return devices.CPU

    @property
    def is_cuda(self) -> builtins.bool:
        return False

    def size(self, dim=None):
        """The shape, as torch's ``Size`` (a tuple), or the size of one dim."""
        if dim is None:
            return Size(self._array.shape)
        try:
            return self._array.shape[dim]
        except (IndexError, TypeError):
            raise DimError(
                f"size: dim {dim!r} is out of range for a tensor of shape {self._array.shape} "
                f"(expected an int in [{-self._array.ndim}, {self._array.ndim - 1}])"
            ) from None

    def nelement(self) -> builtins.int:
        """The number of elements (torch's alias of numel)."""
        return self._array.size

    def dim(self) -> builtins.int:
        return self._array.ndim

    def numel(self) -> builtins.int:
        return self._array.size

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied, in row-major layout); refused on tensors that require
        grad, as in torch."""
        if self._rg:
            raise RuntimeError(
                "numpy(): can't call numpy() on a tensor that requires grad; use tensor.detach().numpy() instead"
            )
        if TRACERS:
            TRACERS[-1].escape(self, "numpy()")
        relayout(self)  # torch's layout now, so that the array stays this tensor's memory from here on
        return self._array

    def item(self) -> Union[builtins.float, builtins.int, builtins.bool]:
        if self._array.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can be converted to a Python "
                f"number, this one has shape {self.shape}"
            )
        if TRACERS:
            TRACERS[-1].escape(self, "item()")
        return self._array.item()

    def tolist(self) -> Any:
        if TRACERS:
            TRACERS[-1].escape(self, "tolist()")
        return self._array.tolist()

    def __array__(self, dtype=None, copy=None):
        if TRACERS:
            TRACERS[-1].escape(self, "np.asarray()")
        return self._array if dtype is None else self._array.astype(dtype)

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    def __bool__(self):
        if self._array.size != 1:
            raise RuntimeError(f"bool(): the truth value of a tensor of shape {self.shape} is ambiguous")
        if TRACERS:
            TRACERS[-1].escape(self, "bool()")
        return bool(self._array)

    def __format__(self, spec):
        """``f"{loss:.3f}"`` formats a one-element tensor as its number (as torch); other tensors as repr."""
        if spec and self._array.size == 1:
            return format(self._array.item(), spec)
        return format(repr(self), spec)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        if TRACERS:
            TRACERS[-1].escape(self, "an index")
        return int(self._array.item())

    def __repr__(self):
        body = np.array2string(self._array, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self._array.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
            extras.append(f"dtype={self._array.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._rg:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __deepcopy__(self, memo):
        """A copy with its own memory (and grad), like torch: only tensors outside a graph can be copied."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "deepcopy: only leaf tensors (created by the user, not by an operation in a "
                "graph) support deepcopy; use .detach().clone() for a copy of a result"
            )
        import copy

        new = object.__new__(type(self))
        new._array, new._fn, new._vc, new._rg = self._array.copy(), None, [0], self._rg
        new._view = new._views = None
        new.grad = copy.deepcopy(self.grad, memo)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        """Pickle as data and requires_grad (as torch: no graph, no grad), in torch's row-major layout."""
        return _rebuild, (type(self), np.ascontiguousarray(self._array), self._rg)

    def _bump_version(self):
        self._vc[0] += 1

    @property
    def _version(self):
        return self._vc[0]


def _rebuild(cls, data, requires_grad):
    """Unpickle a tensor (or Parameter) from its data and requires_grad flag."""
    t = object.__new__(cls)
    t._array, t._grad, t._fn, t._vc, t._view, t._views, t._rg = data, None, None, [0], None, None, requires_grad
    return t


def clear_grads(params, set_to_none=True):
    """Reset the ``.grad`` of each tensor: to None, or zeroed in place (detached) as torch's ``zero_grad``."""
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            param.grad.detach_()
            param.grad._array[...] = 0
            param.grad._bump_version()


def apply(op, *inputs, **params):
    """Run ``op`` on the inputs' arrays; record a graph node when grad mode is on and an input requires grad."""
    arrays = []
    record = False
    for t in inputs:
        if isinstance(t, Tensor):
            if t._view is not None and t._view.version != t._vc[0]:
                _refresh(t)
            arrays.append(t._array)
            if t._rg:
                record = True
        else:
            arrays.append(t)
    out, saved = op.forward(*arrays, **params)
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    enabled = _state.enabled
    result = _record(op, inputs, arrays, out, saved, params) if record and enabled else Tensor._wrap(out)
    if op.view and isinstance(inputs[0], Tensor) and _views_memory(out, arrays[0]):
        _link_view(result, inputs[0], op, params, enabled)  # (input 0 is an array for constants in vjps)
    if TRACERS:
        TRACERS[-1].record(op, inputs, params, result)
    return result


def _views_memory(out, array):
    """True if the view op's result is a view of ``array``'s memory (an empty one too; index arrays copy)."""
    if np.may_share_memory(out, array):
        return True
    base = out.base
    return out.size == 0 and base is not None and (base is array or base is array.base)


class _ViewInfo:
    """How a view was taken. For autograd: its ``root`` and the ``chain`` of view ops leading from it, the
    version its history matches, and whether it follows the root's history (``tracks``: False for views
    taken under no_grad). For memory: ``mem_root`` and ``mem_chain``, which also cover detach() (an alias of
    the memory that autograd sees as a tensor of its own, ``root`` None)."""

    __slots__ = ("root", "chain", "version", "tracks", "mem_root", "mem_chain")

    def __init__(self, root, chain, version, tracks, mem_root, mem_chain):
        self.root, self.chain, self.version, self.tracks = root, chain, version, tracks
        self.mem_root, self.mem_chain = mem_root, mem_chain


def _link_view(view, base, op, params, tracks):
    """Make ``view`` (whose array views ``base``'s memory) share base's version counter and remember the
    view ops from its roots, so that its history can be rebuilt and its array re-pointed; ``op`` None makes
    a detach() alias."""
    info = base._view
    mem_root, mem_chain = (base, ()) if info is None else (info.mem_root, info.mem_chain)
    if info is None or info.root is None:
        root, chain = base, ()
    else:
        root, chain, tracks = info.root, info.chain, tracks and info.tracks
    if op is None:
        root, chain = None, ()
    else:
        chain, mem_chain = chain + ((op, params),), mem_chain + ((op, params),)
    view._vc = base._vc
    view._view = _ViewInfo(root, chain, base._vc[0], tracks, mem_root, mem_chain)
    if mem_root._views is None:
        mem_root._views = weakref.WeakSet()
    mem_root._views.add(view)


def as_own_base(t):
    """``t``, the result of a view op on an intermediate nobody else holds, made a tensor of its own (torch
    returns a new tensor there, e.g. an unbatched conv's output, not a view): an in-place change of it then
    rebases no hidden root, and its own history stays its own."""
    if t._view is not None:  # (the unreachable root keeps t in its registry of views: harmless)
        t._view, t._vc = None, [t._vc[0]]
    return t


def _refresh(view):
    """Rebuild a view's history from its root's current one after its memory changed in place (torch
    regenerates a view's grad_fn the same way), so that gradients flow through the new values."""
    info = view._view
    if info.version == view._vc[0]:
        return
    info.version = view._vc[0]
    root = info.root
    if root is None or not info.tracks or not root._rg:
        return
    current, array = root, root._array
    for op, params in info.chain:
        out, saved = op.forward(array, **params)
        current, array = _record(op, (current,), (array,), out, saved, params), out
    view._fn, view._rg = current._fn, True


# tensors made by from_numpy: their memory (and its layout) is the user's
_pinned_roots: "weakref.WeakSet[Tensor]" = weakref.WeakSet()


def _chain_array(array, chain):
    """``array`` seen through a chain of view ops."""
    for op, params in chain:
        array = op.forward(array, **params)[0]
    return array


def torch_layout(t):
    """A memoryless stand-in for ``t._array`` with the strides torch would give ``t``: the root C-contiguous
    (op outputs may be stored channels-last or transposed internally), then the view ops applied."""
    info = t._view
    root, chain = (t, ()) if info is None else (info.mem_root, info.mem_chain)
    data = root._array
    if not data.flags.c_contiguous and root not in _pinned_roots:
        strides = tuple(int(np.prod(data.shape[i + 1 :])) * data.itemsize for i in range(data.ndim))
        data = np.lib.stride_tricks.as_strided(np.zeros(1, data.dtype), data.shape, strides, writeable=False)
    elif not chain:
        return t._array
    return _chain_array(data, chain)


def relayout(t):
    """Store ``t``'s root C-contiguously (torch's layout) and re-point every live view of it, so that a
    view() that torch allows shares memory here too; a no-op when the root already is C-contiguous."""
    root = t if t._view is None else t._view.mem_root
    if root._array.flags.c_contiguous or root in _pinned_roots:
        return
    root._array = np.ascontiguousarray(root._array)
    for view in list(root._views or ()):
        view._array = _chain_array(root._array, view._view.mem_chain)


def _record(op, inputs, arrays, out, saved, params):
    """Build the graph node for one operation and the output tensor that points to it."""
    edges, shapes, dtypes_, vcs = [], [], [], []
    for t, a in zip(inputs, arrays):
        if isinstance(t, Tensor):
            edges.append((t._fn or t) if t._rg else None)
            shapes.append(a.shape)
            dtypes_.append(a.dtype)
            vcs.append(t._vc)
        else:
            edges.append(None)
            shapes.append(())
            dtypes_.append(None)
            vcs.append(None)
    node = Node(op, params, saved, tuple(edges), shapes, dtypes_)
    result = Tensor._from_graph(out, node, None)
    if op.saves_x:
        node.save_inputs(arrays, vcs)
    if op.saves_y:
        node.save_output(out, result._vc)
    return result
