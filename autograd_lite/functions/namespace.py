"""The differentiable array namespace that vjps use under ``create_graph`` (numpy-style signatures over
recorded tensor operations), and its registration with the engine.

Both vjp namespaces get one entry per op that declares an ``xp`` name (``xp.exp``, ``xp.cos``...) from the
op registry: its forward on arrays in ``numpy_namespace``, the recorded op here. The entries written below
are the array-API adapters (``reshape``, ``swapaxes``, ``where``...) over the shape ops, with the same names
and signatures as ``numpy_namespace``'s (a test checks that the two agree).
"""

from ..autograd import engine
from ..ops import conv as cv
from ..ops import elementwise as ew
from ..ops import reduce as red
from ..ops import shape as sh
from ..ops import registry
from ..ops.base import data_of, numpy_namespace
from ..tensor import Tensor, apply
from . import math as m


def _axes(axis, ndim):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _ndim(a):
    return a._array.ndim if isinstance(a, Tensor) else a.ndim


def _shape(a):
    return a._array.shape if isinstance(a, Tensor) else a.shape


class tensor_namespace:
    """Same names and signatures as ``numpy_namespace``, but every call is a recorded operation."""

    data = staticmethod(data_of)
    constant = staticmethod(Tensor._wrap)  # an array as a tensor outside any graph

    @staticmethod
    def sum(a, axis=None, keepdims=False):
        return apply(red.Sum, a, axis=_axes(axis, _ndim(a)), keepdims=keepdims)

    @staticmethod
    def reshape(a, shape):
        return apply(sh.Reshape, a, shape=tuple(shape))

    @staticmethod
    def expand_dims(a, axis):
        shape = list(_shape(a))
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        ndim = len(shape) + len(axes)
        for ax in sorted(x % ndim for x in axes):
            shape.insert(ax, 1)
        return apply(sh.Reshape, a, shape=tuple(shape))

    @staticmethod
    def squeeze(a, axis):
        shape = list(_shape(a))
        del shape[axis % len(shape)]
        return apply(sh.Reshape, a, shape=tuple(shape))

    @staticmethod
    def swapaxes(a, axis1, axis2):
        axes = list(range(_ndim(a)))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return apply(sh.Permute, a, axes=tuple(axes))

    @staticmethod
    def transpose(a, axes):
        return apply(sh.Permute, a, axes=tuple(axes))

    @staticmethod
    def broadcast_to(a, shape):
        return apply(sh.Expand, a, shape=tuple(shape))

    @staticmethod
    def where(cond, a, b):
        return apply(ew.Where, data_of(cond), a, b)

    @staticmethod
    def getitem(a, index):
        return apply(sh.GetItem, a, index=index)

    @staticmethod
    def index_scatter(g, shape, index):
        return apply(sh.IndexScatter, g, shape=shape, index=index)

    @staticmethod
    def apply(op, *inputs, **params):
        return apply(op, *inputs, **params)

    @staticmethod
    def astype(a, dtype):
        return m.astype(a, dtype)

    @staticmethod
    def concatenate(arrays, axis):
        return apply(sh.Cat, *arrays, axis=axis)

    @staticmethod
    def conv2d(x, w, size, stride, padding, dilation):
        return apply(cv.Conv2d, x, w, size=size, stride=stride, padding=padding, dilation=dilation)

    @staticmethod
    def conv2d_input_grad(g, w, size, stride, padding, dilation):
        return apply(cv.ConvInputGrad, g, w, size=size, stride=stride, padding=padding, dilation=dilation)

    @staticmethod
    def conv2d_weight_grad(x, g, size, stride, padding, dilation):
        return apply(cv.ConvWeightGrad, x, g, size=size, stride=stride, padding=padding, dilation=dilation)


def _array_call(op):
    def call(*arrays, **params):
        return op.forward(*arrays, **params)[0]

    call.__name__ = op.xp
    return staticmethod(call)


def _recorded_call(op):
    def call(*inputs, **params):
        return apply(op, *inputs, **params)

    call.__name__ = op.xp
    return staticmethod(call)


def install():
    """Add the registry's ``xp`` ops to both namespaces and hand the namespaces to the engine."""
    for name, op in registry.xp_ops().items():
        setattr(numpy_namespace, name, _array_call(op))
        setattr(tensor_namespace, name, _recorded_call(op))
    engine.Node.xp = numpy_namespace
    engine._graph_ns["xp"] = tensor_namespace
    engine._graph_ns["Tensor"] = Tensor
