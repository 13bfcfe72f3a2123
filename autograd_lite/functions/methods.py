"""Install operators and methods on Tensor, including in-place updates (``+=``, ``add_``, ``x[i] = v``).

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
from ..tensor import Tensor
from . import math as m
from . import reduction as r
from . import shaping as s


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _records(self, other):
    return _state.enabled and (self._rg or (isinstance(other, Tensor) and other._rg))


def _leaf_error(name, self):
    return RuntimeError(
        f"{name}: a leaf tensor that requires grad (shape {self.shape}) cannot be changed in place while "
        "grad mode is on; wrap the update in `with autograd_lite.no_grad():` (as optimizers do)")


def _viewed_leaf(self):
    """The leaf that requires grad whose memory ``self`` views through view ops (reshape, slice...), or None."""
    node = self.grad_fn
    while node.__class__ is Node and node.op.view:
        parent = node.edges[0]
        if isinstance(parent, Tensor):
            return parent if np.may_share_memory(self.data, parent.data) else None
        node = parent
    return None


def _check_recorded(name, self):
    """Refuse the recorded in-place updates that torch refuses (instead of silently not updating memory)."""
    if self.grad_fn is None and self._rg:
        raise _leaf_error(name, self)
    if not self.data.flags.writeable:
        raise RuntimeError(f"{name}: this tensor's memory is read-only (an expand/broadcast view); "
                           "call .clone() first")
    leaf = _viewed_leaf(self)
    if leaf is not None:
        raise RuntimeError(
            f"{name}: a view of a leaf tensor that requires grad (shape {leaf.shape}) cannot be changed in "
            "place while grad mode is on; wrap the update in `with autograd_lite.no_grad():`")


def _adopt(self, result):
    """Make self the result of a recorded in-place op (new value and history; old array left untouched);
    a view passes the change on to its base."""
    if result.data.dtype != self.data.dtype:
        result = m.astype(result, self.data.dtype)
    self.data, self.grad_fn, self._vc, self._rg = result.data, result.grad_fn, result._vc, result._rg
    _write_back(self)


def _write_back(view):
    """After a recorded in-place change of a view, make its base hold the new values, as a torch view
    does; the base's update is itself recorded (and passed on if the base is a view too)."""
    if view._base is None:
        return
    base, op, params = view._base
    if op is sh.GetItem:
        _setitem(base, params["index"], view)
    elif op is sh.Reshape:
        _copy_(base, s.reshape(view, base.shape))
    elif op is sh.Permute:
        _copy_(base, s.permute(view, tuple(int(a) for a in np.argsort(params["axes"]))))


def _write(name, self, value):
    """Write ``value`` into self's array in place, with torch's shape and dtype rules."""
    if value.shape != self.data.shape:
        raise OpError(f"{name}: the result has shape {value.shape} but the tensor updated in place has "
                      f"shape {self.data.shape}; in-place ops cannot change a tensor's shape")
    if not self.data.flags.writeable:
        raise RuntimeError(f"{name}: this tensor's memory is read-only (an expand/broadcast view); "
                           "call .clone() first")
    try:
        np.copyto(self.data, value, casting="same_kind")
    except TypeError:
        raise TypeError(f"{name}: a result of dtype {value.dtype} cannot be stored in place in a tensor of "
                        f"dtype {self.data.dtype}") from None
    self._vc[0] += 1


def _inplace(name, fn):
    def method(self, other):
        if _records(self, other):
            _check_recorded(name, self)
            result = fn(self, other)
            if result.data.shape != self.data.shape:
                raise OpError(f"{name}: the result has shape {result.data.shape} but the tensor updated in "
                              f"place has shape {self.data.shape}; in-place ops cannot change a tensor's shape")
            _adopt(self, result)
            return self
        with no_grad():
            result = fn(self, other)
        _write(name, self, result.data)
        return self
    method.__name__ = name
    return method


def _setitem(self, index, value):
    if _records(self, value):
        _check_recorded("setitem", self)
        _adopt(self, s.index_put(self, index, value))
        return
    if not self.data.flags.writeable:
        raise RuntimeError("setitem: this tensor's memory is read-only (an expand/broadcast view); "
                           "call .clone() first")
    index = s.normalize_index(index)
    value = value.data if isinstance(value, Tensor) else value
    try:
        self.data[index] = value
    except (IndexError, ValueError, TypeError) as err:
        raise type(err)(f"setitem: {err} (tensor of shape {self.shape}, index {index!r})") from None
    self._vc[0] += 1


def _fill_(self, value):
    if _records(self, None):  # in a graph: recorded, so that no gradient flows through the old value
        full = np.full(self.data.shape, value, dtype=self.data.dtype)
        return _inplace("fill_", lambda a, b: m.where(np.ones(a.shape, dtype=bool), b, a))(self, full)
    with no_grad():
        _write("fill_", self, np.full(self.data.shape, value, dtype=self.data.dtype))
    return self


def _copy_(self, src):
    """Overwrite self with src (broadcast); in a graph the gradient flows to src only."""
    return _inplace("copy_", lambda a, b: m.where(np.ones(a.shape, dtype=bool), b, a))(self, src)


def _install():
    T = Tensor
    binary = {"add": m.add, "sub": m.sub, "mul": m.mul, "truediv": m.div, "pow": m.pow,
              "matmul": m.matmul}
    for name, fn in binary.items():
        setattr(T, f"__{name}__", fn)
        setattr(T, f"__r{name}__", _reflected(fn))
    for name, fn in {"add": m.add, "sub": m.sub, "mul": m.mul, "truediv": m.div, "pow": m.pow}.items():
        setattr(T, f"__i{name}__", _inplace(f"{name}_", fn))
    for name, fn in {"add_": m.add, "sub_": m.sub, "mul_": m.mul, "div_": m.div, "pow_": m.pow,
                     "clamp_": None}.items():
        if fn is not None:
            setattr(T, name, _inplace(name, fn))
    T.clamp_ = lambda self, min=None, max=None: _inplace(
        "clamp_", lambda a, _: m.clamp(a, min, max))(self, None)
    T.zero_ = lambda self: _fill_(self, 0)
    T.fill_ = _fill_
    T.copy_ = _copy_
    T.__neg__ = m.neg
    T.__pos__ = lambda self: self
    T.__abs__ = m.abs
    T.__getitem__ = s.getitem
    T.__setitem__ = _setitem
    for name, fn in {"eq": m.eq, "ne": m.ne, "lt": m.lt, "le": m.le, "gt": m.gt, "ge": m.ge}.items():
        setattr(T, f"__{name}__", fn)
        setattr(T, name, fn)
    for name, fn in {"and": m.logical_and, "or": m.logical_or, "xor": m.logical_xor}.items():
        setattr(T, f"__{name}__", fn)
        setattr(T, f"__r{name}__", _reflected(fn))
    T.__invert__ = m.logical_not
    methods = {
        "add": m.add, "sub": m.sub, "mul": m.mul, "div": m.div, "pow": m.pow, "neg": m.neg,
        "exp": m.exp, "log": m.log, "sqrt": m.sqrt, "abs": m.abs, "sin": m.sin, "cos": m.cos,
        "sigmoid": m.sigmoid, "tanh": m.tanh, "relu": m.relu, "leaky_relu": m.leaky_relu,
        "clamp": m.clamp, "clip": m.clamp, "maximum": m.maximum, "minimum": m.minimum,
        "matmul": m.matmul, "clone": m.clone, "astype": m.astype, "sign": m.sign,
        "sum": r.sum, "mean": r.mean, "var": r.var, "std": r.std, "max": r.max, "min": r.min,
        "amax": r.amax, "amin": r.amin, "argmax": r.argmax, "argmin": r.argmin,
        "logsumexp": r.logsumexp, "softmax": r.softmax, "log_softmax": r.log_softmax,
        "reshape": s.reshape, "view": s.view, "flatten": s.flatten, "unflatten": s.unflatten,
        "permute": s.permute, "transpose": s.transpose, "t": s.t, "squeeze": s.squeeze,
        "unsqueeze": s.unsqueeze, "expand": s.expand, "expand_as": s.expand_as,
        "broadcast_to": s.broadcast_to,
    }
    for name, fn in methods.items():
        setattr(T, name, fn)
    T.T = property(s.t)
    T.float = lambda self: m.astype(self, np.float32)
    T.double = lambda self: m.astype(self, np.float64)
    T.half = lambda self: m.astype(self, np.float16)
    T.long = lambda self: m.astype(self, np.int64)
    T.int = lambda self: m.astype(self, np.int32)
    T.bool = lambda self: m.astype(self, np.bool_)
    T.to = _to
    T.type = lambda self, dtype=None: str(self.dtype) if dtype is None else m.astype(self, dtype)
    T.cpu = T.contiguous = lambda self: self
    T.view_as = lambda self, other: s.reshape(self, other.shape)
    T.reshape_as = T.view_as


def _to(self, *args, dtype=None, **kwargs):
    """``.to(dtype)`` converts; ``.to('cpu')`` (the only device) returns self."""
    for a in args:
        if isinstance(a, str):
            if a != "cpu":
                raise ValueError(f"to: autograd_lite runs on the CPU only, got device {a!r}")
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            dtype = a
    return self if dtype is None else m.astype(self, dtype)


_install()
