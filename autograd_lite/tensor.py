"""The Tensor: a thin handle on a numpy array plus what autograd needs (grad, grad_fn, a version counter).

Every differentiable operation goes through ``apply(op, *inputs, **params)``; the operators and methods
are installed by ``autograd_lite.functional``. The version counter is a one-element list shared by a tensor
and its views, bumped by every in-place change, so that backward can detect a saved array that changed.
"""

import numpy as np

from . import dtypes
from .autograd.engine import Node
from .autograd.grad_mode import _state


def _to_array(data, dtype, copy, where="tensor"):
    """Convert user data to an ndarray following torch: Python floats -> default dtype, ints -> int64."""
    if isinstance(data, Tensor):
        data = data.data
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
            arr = arr.astype(dtype)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{where}(): unsupported dtype {arr.dtype}; expected a float, int or bool "
                        "number, list or array")
    return arr


def _check_grad_dtype(dtype, where="requires_grad"):
    if dtype.kind != "f":
        raise TypeError(f"{where}: only floating point tensors can require gradients, got dtype {dtype} "
                        "(convert with .float() first)")


class Tensor:
    """An n-dimensional array that records the operations on it for reverse-mode differentiation."""

    __slots__ = ("data", "grad", "_rg", "grad_fn", "_vc", "_base", "__weakref__")
    __array_ufunc__ = None  # make numpy defer to Tensor's reflected operators (ndarray + Tensor -> Tensor)
    __hash__ = object.__hash__

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _to_array(data, None if dtype is None else np.dtype(dtype), copy=True)
        self.grad = None
        self.grad_fn = None
        self._vc = [0]
        self._base = None
        self._rg = False
        if requires_grad:
            _check_grad_dtype(self.data.dtype, "tensor")
            self._rg = True

    @classmethod
    def _wrap(cls, array):
        """A constant tensor around an existing ndarray (no copy, no checks): internal fast path."""
        t = object.__new__(Tensor)
        t.data, t.grad, t._rg, t.grad_fn, t._vc, t._base = array, None, False, None, [0], None
        return t

    @classmethod
    def _from_graph(cls, array, edge, vc):
        """A handle on a graph value (the output of node ``edge``) for create_graph backward passes."""
        t = object.__new__(Tensor)
        t.data, t.grad, t._rg, t.grad_fn, t._vc, t._base = array, None, True, edge, vc or [0], None
        return t

    # ---- autograd attributes -------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None and not flag:
            raise RuntimeError("requires_grad: it can only be turned off on a leaf tensor; use .detach() "
                               "to get a tensor outside the graph")
        if flag:
            _check_grad_dtype(self.data.dtype)
        self._rg = flag

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place and return self (like torch)."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        """Keep .grad on this non-leaf tensor after backward (leaves always keep it)."""
        if not self._rg:
            raise RuntimeError("retain_grad: cannot retain the gradient of a tensor that does not require grad")
        if self.grad_fn is not None:
            import weakref
            self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def detach(self):
        """A tensor sharing this data (and version counter) but outside the graph."""
        t = Tensor._wrap(self.data)
        t._vc = self._vc
        return t

    def detach_(self):
        self.grad_fn = None
        self._rg = False
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's .grad (see autograd_lite.autograd.backward)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs)

    # ---- array attributes and conversion --------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return "cpu"

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def numpy(self):
        """The underlying array (shared, not copied); refused on tensors that require grad, as in torch."""
        if self._rg:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; use "
                               "tensor.detach().numpy() instead")
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a Python "
                             f"number, this one has shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"bool(): the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.data.item())

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._rg:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __deepcopy__(self, memo):
        """A copy with its own memory (and grad), like torch: only tensors outside a graph can be copied."""
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only leaf tensors (created by the user, not by an operation in a "
                               "graph) support deepcopy; use .detach().clone() for a copy of a result")
        import copy
        new = object.__new__(type(self))
        new.data, new.grad_fn, new._vc, new._base, new._rg = self.data.copy(), None, [0], None, self._rg
        new.grad = copy.deepcopy(self.grad, memo)
        memo[id(self)] = new
        return new

    def _bump_version(self):
        self._vc[0] += 1

    @property
    def _version(self):
        return self._vc[0]


def clear_grads(params, set_to_none=True):
    """Reset the ``.grad`` of each tensor: to None, or zeroed in place (detached) as torch's ``zero_grad``."""
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            param.grad.detach_()
            param.grad.data[...] = 0
            param.grad._bump_version()


def apply(op, *inputs, **params):
    """Run ``op`` on the inputs' arrays; record a graph node when grad mode is on and an input requires grad."""
    arrays = []
    record = False
    for t in inputs:
        if isinstance(t, Tensor):
            arrays.append(t.data)
            if t._rg:
                record = True
        else:
            arrays.append(t)
    out, saved = op.forward(*arrays, **params)
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    if record and _state.enabled:
        return _record(op, inputs, arrays, out, saved, params)
    result = Tensor._wrap(out)
    if op.view and isinstance(inputs[0], Tensor) and np.may_share_memory(out, arrays[0]):
        _link_view(result, inputs[0], op, params)  # (input 0 is a plain array for constants in create_graph vjps)
    return result


def _link_view(view, base, op, params):
    """A view shares its base's version counter and remembers how it was taken, so that a recorded
    in-place change of the view can be written back into the base."""
    view._vc = base._vc
    view._base = (base, op, params)


def _record(op, inputs, arrays, out, saved, params):
    """Build the graph node for one operation and the output tensor that points to it."""
    node = Node()
    node.op, node.p, node.saved, node.freed, node.retained = op, params, saved, False, None
    edges, shapes, dtypes_, vcs = [], [], [], []
    for t, a in zip(inputs, arrays):
        if isinstance(t, Tensor):
            edges.append((t.grad_fn or t) if t._rg else None)
            shapes.append(a.shape)
            dtypes_.append(a.dtype)
            vcs.append(t._vc)
        else:
            edges.append(None)
            shapes.append(())
            dtypes_.append(None)
            vcs.append(None)
    node.edges = tuple(edges)
    node.needs = tuple([e is not None for e in edges])
    node.shapes, node.dtypes = shapes, dtypes_
    result = Tensor._from_graph(out, node, None)
    checks = []
    if op.saves_x:
        node.x, node.x_vcs = arrays, vcs
        checks = [(vc, vc[0], i) for i, vc in enumerate(vcs) if vc is not None]
    else:
        node.x = node.x_vcs = None
    if op.view and isinstance(inputs[0], Tensor) and np.may_share_memory(out, arrays[0]):
        _link_view(result, inputs[0], op, params)
    if op.saves_y:
        node.y, node.y_vc = out, result._vc
        checks.append((result._vc, result._vc[0], -1))
    else:
        node.y = node.y_vc = None
    node.checks = checks
    return result
