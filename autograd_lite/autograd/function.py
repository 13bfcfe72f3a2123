"""Custom differentiable functions, as torch.autograd.Function.

A subclass writes ``forward(ctx, *args)`` on Tensors (run under no_grad) and ``backward(ctx, *grads)``
returning one gradient (or None) per forward input; ``MyFn.apply(*args)`` runs it and records one graph
``Node`` whose op's vjp calls ``backward``. The newer style, ``forward(*args)`` without ctx plus
``setup_context(ctx, inputs, output)``, works too.

A function with several outputs records, besides its node, one small node per output that hands that
output's gradient on in a slot of a ``_Grads`` (a tuple-like sum): the engine adds them up like any
gradient and runs the function's node once all outputs are done, so ``backward`` gets them together.
"""

import weakref

import numpy as np

from ..ops.base import Op
from .engine import Node, SavedTensorModifiedError
from .grad_mode import _state, no_grad
from .tracing import TRACERS

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


def _tensor_cls():
    from ..tensor import Tensor

    return Tensor


class FunctionCtx:
    """The ``ctx`` handed to ``forward``/``setup_context`` and ``backward``: save tensors with
    ``save_for_backward`` and read them back as ``saved_tensors``; any other attribute may be set."""

    def __init__(self, fn_name, needs_input_grad):
        self._fn_name = fn_name
        self.needs_input_grad = needs_input_grad
        self._to_save = None
        self._saved = None
        self._non_differentiable = ()
        self._dirty = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        """Keep tensors (inputs, outputs or others; None allowed) for ``backward``'s ``saved_tensors``."""
        tensor = _tensor_cls()
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, tensor):
                raise TypeError(
                    f"{self._fn_name}: save_for_backward can only save Tensors (or None), got a "
                    f"{type(t).__name__} at position {i}; keep other values as ctx attributes"
                )
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that have no gradient: they do not require grad, and backward gets zeros
        (or None without materialized grads) for them."""
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors):
        """Declare inputs that forward changed in place (and returns): they become outputs of this function."""
        self._dirty = tensors

    def set_materialize_grads(self, value):
        """With False, backward gets None instead of zeros for the outputs that received no gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``; raises if one changed in place since."""
        if self._saved is None:
            if self._to_save is None:
                return ()
            raise RuntimeError(
                f"{self._fn_name}: saved_tensors can only be read in backward (after forward returned); "
                "or the graph was freed by a previous backward (pass retain_graph=True)"
            )
        return tuple(self._unpack(i, entry) for i, entry in enumerate(self._saved))

    def _pack(self, inputs, outputs, nodes):
        """Record what was saved once the outputs are known: outputs by array, version counter and node
        (no reference cycle through the node), other tensors as themselves, each with its version."""
        saved = []
        for t in self._to_save or ():
            if t is None:
                saved.append(None)
                continue
            index = next((i for i, o in enumerate(outputs) if o is t), None)
            if index is not None:
                node = nodes[index]
                saved.append(("output", t._array, t._vc, t._vc[0], weakref.ref(node) if node is not None else None))
            else:
                saved.append(("tensor", t, t._vc, t._vc[0], None))
        self._saved = saved
        self._to_save = None

    def _unpack(self, i, entry):
        if entry is None:
            return None
        kind, value, vc, version, node_ref = entry
        if vc[0] != version:
            shape = value.shape
            raise SavedTensorModifiedError(
                f"one of the tensors saved for the backward of {self._fn_name} (saved tensor {i}, of shape "
                f"{tuple(shape)}) has been modified by an in-place operation: it is at version {vc[0]}, "
                f"expected version {version}. Make the change out of place or after backward."
            )
        if kind == "tensor":
            return value
        tensor = _tensor_cls()
        node = node_ref() if node_ref is not None else None
        if node is None:
            return tensor._wrap(value)
        return tensor._from_graph(value, node, vc)


class _Grads:
    """The gradients of a multi-output function's outputs, one slot each (None: none yet); ``+`` adds
    slot by slot. ``shape``/``dtype`` are None, as the engine records for the function's node."""

    __slots__ = ("slots",)
    shape = None
    dtype = None

    def __init__(self, slots):
        self.slots = slots

    def __add__(self, other):
        return _Grads([a if b is None else (b if a is None else a + b) for a, b in zip(self.slots, other.slots)])


def _output_select_op():
    class FunctionOutput(Op):
        """One output of a multi-output custom Function: its gradient goes on in its slot of a _Grads."""

        name = "Function output"
        saves_x = False
        selects_output = True

        @staticmethod
        def vjp(ctx, g):
            slots = [None] * ctx.p["n"]
            slots[ctx.p["index"]] = g
            return (_Grads(slots),)

    return FunctionOutput


_SELECT = _output_select_op()


def _backward_op(fn_cls):
    """The Op recorded for ``fn_cls``'s nodes (made in a function: not part of the op registry)."""

    class FunctionBackward(Op):
        name = fn_cls.__name__
        saves_x = False
        custom_function = True

        @staticmethod
        def vjp(ctx, g):
            return _call_backward(fn_cls, ctx.saved, g)

    FunctionBackward.__name__ = fn_cls.__name__
    return FunctionBackward


def _call_backward(fn_cls, fctx, g):
    """Call the user's backward on the output gradients; return one gradient per tensor input."""
    tensor = _tensor_cls()
    info = fctx._info
    slots = g.slots if type(g) is _Grads else [g]
    grads = []
    for out, gi in zip(info.outputs, slots):
        if gi is None and fctx.materialize_grads and out is not None:
            gi = np.zeros(out[0], dtype=out[1])
        if type(gi) is np.ndarray:
            gi = tensor._wrap(gi)
        grads.append(gi)
    backward = fn_cls.backward if fn_cls.backward is not Function.backward else fn_cls.vjp
    result = backward(fctx, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    n_inputs = len(info.tensor_at)
    if len(result) < n_inputs or any(r is not None for r in result[n_inputs:]):
        raise RuntimeError(
            f"{fn_cls.__name__}.backward returned {len(result)} gradient(s) but forward took {n_inputs} "
            "input(s): return exactly one gradient (or None) per forward input"
        )
    graph = _state.enabled  # under create_graph: keep Tensors, so the computation is recorded
    out = []
    for position in info.tensor_positions:
        gi = result[position]
        if gi is not None and not isinstance(gi, tensor):
            raise TypeError(
                f"{fn_cls.__name__}.backward returned a {type(gi).__name__} as the gradient of input "
                f"{position}; expected a Tensor or None"
            )
        out.append(gi if gi is None or graph else gi._array)
    for position, is_tensor in enumerate(info.tensor_at):
        if not is_tensor and result[position] is not None:
            raise RuntimeError(
                f"{fn_cls.__name__}.backward returned a gradient for input {position}, which is not a "
                "Tensor; return None there"
            )
    return tuple(out)


class _Info:
    """What the backward needs besides the ctx: the tensor inputs' positions and the outputs' shapes."""

    __slots__ = ("tensor_at", "tensor_positions", "outputs")


class _FunctionMeta(type):
    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._backward_op = _backward_op(cls) if bases else None


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable functions (as torch.autograd.Function): subclass it with
    static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` and call ``MyFn.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define a static backward(ctx, *grad_outputs)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def vjp(ctx, *grad_outputs):
        """Another name for backward (as torch): define either."""
        raise NotImplementedError("a Function subclass must define a static backward(ctx, *grad_outputs)")

    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            f"{type(self).__name__}: custom Functions are not instantiated; call {type(self).__name__}.apply(...)"
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        return _apply(cls, args, kwargs)


def _new_style(cls):
    """True when the subclass defines setup_context (forward then takes no ctx)."""
    return any("setup_context" in vars(c) for c in cls.__mro__ if c is not Function and c is not object)


def _apply(cls, args, kwargs):
    if TRACERS:
        TRACERS[-1].refuse(f"custom autograd.Function {cls.__name__}: its Python forward and backward are not replayed")
    tensor = _tensor_cls()
    needs = tuple(isinstance(a, tensor) and a.requires_grad for a in args)
    ctx = FunctionCtx(cls.__name__, needs)
    with no_grad():
        if _new_style(cls):
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args if not kwargs else args + tuple(kwargs.values()), output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    single = not isinstance(output, tuple)
    outs = (output,) if single else tuple(output)
    dirty = ctx._dirty
    for d in dirty:
        if not any(d is a for a in args):
            raise RuntimeError(f"{cls.__name__}: mark_dirty got a tensor that is not an input of forward")
        if not any(d is o for o in outs):
            raise RuntimeError(f"{cls.__name__}: a tensor given to mark_dirty must be returned by forward")
    record = _state.enabled and any(needs)
    if not record:
        for d in dirty:
            d._bump_version()
        results = tuple(_alias_input(o, args, dirty) for o in outs)
        return results[0] if single else results
    return _record(cls, ctx, args, outs, single)


def _alias_input(o, args, dirty):
    """An output that is an input is returned as a new tensor sharing its memory (as torch)."""
    if isinstance(o, _tensor_cls()) and not any(o is d for d in dirty) and any(o is a for a in args):
        return o.detach()
    return o


def _record(cls, ctx, args, outs, single):
    """Build the function's node (and one per output when there are several) and the output tensors."""
    tensor = _tensor_cls()
    info = _Info()
    info.tensor_at = tuple(isinstance(a, tensor) for a in args)
    info.tensor_positions = tuple(i for i, is_t in enumerate(info.tensor_at) if is_t)
    inputs = [args[i] for i in info.tensor_positions]
    edges = tuple((t.grad_fn or t) if t.requires_grad else None for t in inputs)
    node = Node(cls._backward_op, {}, ctx, edges, [t.shape for t in inputs], [t.dtype for t in inputs])
    node.x, node.x_vcs = (), ()  # nothing to keep but the ctx; freeing the node drops it (so a 2nd backward is caught)
    ctx._info = info
    non_diff = ctx._non_differentiable
    differentiable = [
        isinstance(o, tensor) and o.dtype.kind == "f" and not any(o is nd for nd in non_diff) for o in outs
    ]
    info.outputs = [(o.shape, o.dtype) if isinstance(o, tensor) else None for o in outs]
    results, nodes = [], []
    for index, (o, diff) in enumerate(zip(outs, differentiable)):
        if not diff:
            results.append(_alias_input(o, args, ctx._dirty))
            nodes.append(None)
            continue
        out_node = node
        if len(outs) > 1:
            out_node = Node(_SELECT, {"index": index, "n": len(outs)}, None, (node,), [None], [None])
        if any(o is d for d in ctx._dirty):
            _rebase_dirty(cls, o, out_node)
            result = o
        else:
            result = tensor._from_graph(o._array, out_node, o._vc)
        results.append(result)
        nodes.append(out_node)
    ctx._pack(args, outs, nodes)
    return results[0] if single else tuple(results)


def _rebase_dirty(cls, t, node):
    """An input changed in place by forward becomes this function's output (its history continues here)."""
    if t.grad_fn is None and t.requires_grad:
        raise RuntimeError(
            f"{cls.__name__}: a leaf tensor that requires grad is used in an in-place operation (mark_dirty)"
        )
    if t._view is not None or t._views:
        raise NotImplementedError(
            f"{cls.__name__}: mark_dirty on a view (or a tensor with views) is not supported; "
            "return a new tensor instead"
        )
    t._bump_version()
    t._fn, t._rg = node, True


def once_differentiable(fn):
    """Accepted for compatibility (torch's decorator for a backward that is not itself differentiable):
    here the backward runs under no_grad, so create_graph through it records nothing."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper
