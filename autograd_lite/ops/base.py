"""What an operation is: a forward on arrays and a vector-Jacobian product, side by side.

``forward(*arrays, **params) -> (out, saved)`` computes on numpy arrays (Python scalars allowed as
constants). ``vjp(ctx, g) -> grads`` returns one gradient (or None) per input, shaped like the output
or broadcast-compatible with the input: the engine sums it back to the input's shape and dtype.
``ctx`` offers ``x`` (inputs), ``y`` (output), ``saved``, ``p`` (params), ``needs`` (which inputs need a
gradient) and ``xp``, the array namespace to compute with: plain numpy normally, differentiable tensor
functions under ``create_graph`` -- so one vjp serves first and higher order gradients.

A gradient that does not flow to an element must be exactly 0 there whatever flows in (inf and NaN
included): vjps select with ``masked(xp, g, mask)``, never multiply a 0/1 mask into ``g``.
"""

import operator
from typing import Callable, Optional, Tuple

import numpy as np

from . import registry


class Op:
    """Base class of every differentiable operation; subclasses set ``name`` and the two functions.

    Defining a subclass registers it (``ops.registry``). Its public names are declared here: the registry
    derives the plain public functions, the vjp namespaces and the API consistency tests from them.
    """

    name: str = "op"
    saves_x: bool = True  # the vjp reads ctx.x
    saves_y: bool = False  # the vjp reads ctx.y
    view: bool = False  # the output may share memory (and so the version counter) with input 0
    # reads(needs) -> which inputs' values the vjp reads (None: all); the others may change
    reads: Optional[Callable[[Tuple[bool, ...]], Tuple[bool, ...]]] = None

    function: Optional[str] = None  # its public function: "exp" is al.exp, "nn.functional.gelu" is F.gelu
    aliases: Tuple[str, ...] = ()  # other public names of that function (al.multiply for al.mul)
    methods: Tuple[str, ...] = ()  # the Tensor methods and operators it backs, in-place variants included
    xp: Optional[str] = None  # its name in the vjp array namespaces (xp.exp(x)), numpy's or recorded

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        registry.register(cls)

    @staticmethod
    def forward(*arrays, **params):
        raise NotImplementedError

    @staticmethod
    def vjp(ctx, g):
        raise NotImplementedError


class OpError(RuntimeError, ValueError):
    """Bad input to an operation: the message names the operation, the shapes/dtypes and what was expected."""


class DimError(OpError, IndexError):
    """A dim out of range: an IndexError as in torch (and an OpError, like every bad argument of an op)."""


def data_of(a):
    """The numpy array behind a tensor (or the array itself): masks in vjps are constants."""
    # numpy scalars (e.g. the negation of a 0-d array) have a .data memoryview: keep them as they are
    return getattr(a, "_array", a) if not isinstance(a, (np.ndarray, np.generic)) else a


_SAME_SIZE_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def masked(xp, g, mask):
    """``g`` where ``mask`` is True and exactly 0 elsewhere: a select, never a product, so an inf or NaN in
    ``g`` at a masked-out element cannot leak into the gradient (inf * 0 = NaN). Shapes broadcast.

    On float arrays it is a bitwise AND of ``g``'s bits with all-ones or all-zeros (+0.0): as fast as the
    multiply it replaces (np.where is ~10x slower on a random mask). Under create_graph (``g`` a Tensor)
    it is the recorded ``xp.where``, so higher-order gradients see the same selection.
    """
    if type(g) is not np.ndarray or g.dtype.kind != "f" or g.dtype.itemsize not in _SAME_SIZE_INT:
        mask_data = data_of(mask)
        if type(g) is not np.ndarray and not np.any(mask_data):  # nothing passes: a constant 0, as torch's
            return xp.constant(np.zeros(np.broadcast_shapes(np.shape(g), np.shape(mask_data)), dtype=g.dtype))
        return xp.where(mask_data, g, 0.0)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        mask = mask.astype(bool)
    bits = np.negative(mask.view(np.int8))  # 0 or -1 (all ones), widened by the AND below
    same_size = _SAME_SIZE_INT[g.dtype.itemsize]
    return np.bitwise_and(g.view(same_size), bits, dtype=same_size).view(g.dtype)


def where_scaled(xp, keep, g, scale):
    """``g`` where ``keep`` is True, ``g * scale`` elsewhere (leaky_relu's gradient), bit for bit as
    ``xp.where(keep, g, g * scale)``. On float arrays it is g times a factor that is exactly 1 or ``scale``,
    assembled from their bits with integer arithmetic: ~10x faster than np.where on a random mask."""
    if (
        type(g) is not np.ndarray
        or g.dtype.kind != "f"
        or g.dtype.itemsize not in _SAME_SIZE_INT
        or np.shape(keep) != g.shape
    ):
        return xp.where(keep, g, g * scale)
    int_type = _SAME_SIZE_INT[g.dtype.itemsize]
    one, low = (int(np.array(v, dtype=g.dtype).view(int_type)) for v in (1.0, scale))
    half = 2 ** (8 * g.dtype.itemsize - 1)
    step = (one - low + half) % (2 * half) - half  # one - low, wrapped to the integer type (no overflow warning)
    factor = np.multiply(keep, int_type(step), out=np.empty_like(g, dtype=int_type))
    factor += int_type(low)
    factor = factor.view(g.dtype)
    return np.multiply(g, factor, out=factor)


def _apply_numpy(op, *inputs, **params):
    """Run another op inside a vjp: its forward on arrays here, a recorded op under create_graph."""
    return op.forward(*inputs, **params)[0]


def _index_scatter_numpy(g, shape, index):
    from .shape import scatter_into_zeros

    return scatter_into_zeros(g, shape, index)


def _conv_numpy(name):
    """numpy_namespace.<name>(a, b, size, stride, padding, dilation): the forward of the conv op ``name``."""

    def call(a, b, size, stride, padding, dilation):
        from . import conv

        return getattr(conv, name).forward(a, b, size=size, stride=stride, padding=padding, dilation=dilation)[0]

    return staticmethod(call)


def axis_order(a):
    """The axes of ``a`` from the outermost to the innermost in memory."""
    return sorted(range(a.ndim), key=lambda i: -a.strides[i])


def sum_leading(a, axis, keepdims):
    """np.sum, but as one GEMV (``ones @ rows``, ~4x faster) when the summed axes are the outermost ones in
    memory, as for bias gradients: (N, O) over N, or channels-last (N, C, H, W) over N, H, W."""
    if not isinstance(axis, tuple) or a.dtype.kind != "f" or a.size == 0 or len(axis) >= a.ndim:
        return np.sum(a, axis=axis, keepdims=keepdims)
    if a.ndim == 2 and axis in ((0,), (-2,)):  # the Linear bias: the common case first, cheaply
        ones = np.ones(a.shape[0], dtype=a.dtype)
        if a.flags.c_contiguous:
            total = ones @ a
        elif a.flags.f_contiguous:
            total = a.T @ ones
        else:
            return np.sum(a, axis=axis, keepdims=keepdims)
        return total[None] if keepdims else total
    rows = _summed_rows(a, axis)
    if rows is None:
        return np.sum(a, axis=axis, keepdims=keepdims)
    return _unrows(np.ones(rows[0].shape[0], dtype=a.dtype) @ rows[0], rows[1], axis, keepdims)


def channel_dot(a, b, axis, keepdims):
    """np.sum(a * b, axis) without the product array: one einsum over the (rows, kept) matrices when a and b
    share a memory layout whose outermost axes are the summed ones (batch-norm statistics on channels-last
    activations, ~2x faster than the product and a GEMV); otherwise the product summed by sum_leading."""
    rows_a = _summed_rows(a, axis) if a.dtype == b.dtype and a.strides == b.strides else None
    rows_b = _summed_rows(b, axis) if rows_a is not None and a.shape == b.shape else None
    if rows_b is None or a.dtype.kind != "f":
        return sum_leading(np.multiply(a, b), axis, keepdims)
    return _unrows(np.einsum("ij,ij->j", rows_a[0], rows_b[0]), rows_a[1], axis, keepdims)


def _summed_rows(a, axis):
    """``a`` as a C-contiguous (rows, kept) matrix whose rows run over the summed ``axis`` (a view), with its
    layout (a's axes in memory order, the kept shape); None when the summed axes are not outermost in memory."""
    if not isinstance(axis, tuple) or a.size == 0 or len(axis) >= a.ndim:
        return None
    order = axis_order(a)
    if set(order[: len(axis)]) != set(axis % a.ndim for axis in axis):
        return None
    in_memory_order = a.transpose(order)
    if not in_memory_order.flags.c_contiguous:
        return None
    kept = in_memory_order.shape[len(axis) :]
    return in_memory_order.reshape(-1, int(np.prod(kept))), (order, kept)


def _unrows(total, layout, axis, keepdims):
    """The per-column sums ``total`` of _summed_rows' matrix, back in the reduced array's axis order."""
    order, kept = layout
    out = total.reshape(kept).transpose(np.argsort(order[len(axis) :]))
    if keepdims:
        out = np.expand_dims(out, tuple(sorted(axis % len(order) for axis in axis)))
    return out


class numpy_namespace:
    """Array functions for vjps on plain numpy arrays (the fast, non-recorded backward). The ops that declare
    an ``xp`` name are added from the registry (``autograd_lite.functions.namespace.install``)."""

    constant = staticmethod(np.asarray)  # an array that carries no gradient (a Tensor in tensor_namespace)
    swapaxes = staticmethod(np.swapaxes)
    expand_dims = staticmethod(np.expand_dims)
    squeeze = staticmethod(np.squeeze)
    reshape = staticmethod(np.reshape)
    broadcast_to = staticmethod(np.broadcast_to)
    transpose = staticmethod(np.transpose)
    where = staticmethod(np.where)
    getitem = staticmethod(operator.getitem)
    data = staticmethod(data_of)
    index_scatter = staticmethod(_index_scatter_numpy)
    apply = staticmethod(_apply_numpy)
    conv2d = _conv_numpy("Conv2d")
    conv2d_input_grad = _conv_numpy("ConvInputGrad")
    conv2d_weight_grad = _conv_numpy("ConvWeightGrad")

    @staticmethod
    def sum(a, axis=None, keepdims=False):
        return sum_leading(a, axis, keepdims)

    @staticmethod
    def astype(a, dtype):
        return a.astype(dtype)

    @staticmethod
    def concatenate(arrays, axis):
        return np.concatenate(arrays, axis=axis)
