"""Reverse-mode differentiation: ``backward``, ``grad`` (like torch.autograd.grad), grad mode, functional helpers."""

import numpy as np

from .engine import run_backward, SavedTensorModifiedError, VJPError
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled

__all__ = [
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "SavedTensorModifiedError",
    "VJPError",
    "functional",
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "gradcheck",
    "gradgradcheck",
]


def _as_tuple(x):
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _check_output(where, t, i):
    from ..tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"{where}: output {i} is a {type(t).__name__}, expected a Tensor")
    if not t.requires_grad:
        detail = (
            f" (its dtype is {t.dtype}: integer and bool tensors never require grad)" if t.dtype.kind != "f" else ""
        )
        raise RuntimeError(
            f"{where}: output {i} (shape {t.shape}) does not require grad and has no "
            f"grad_fn{detail}; nothing to differentiate"
        )


def _seed(where, t, g, i, create_graph):
    """The starting gradient for output t: ones for a one-element output, else the given gradient."""
    from ..tensor import Tensor

    if g is None:
        if t._array.size != 1:
            raise RuntimeError(
                f"{where}: grad can be implicitly created only for scalar outputs; output "
                f"{i} has shape {t.shape}: pass a gradient of that shape"
            )
        g = np.ones_like(t._array)
    elif isinstance(g, Tensor):
        if g.shape != t.shape:
            raise RuntimeError(f"{where}: gradient {i} has shape {g.shape} but output {i} has shape {t.shape}")
        return g if create_graph else g._array
    else:
        g = np.asarray(g, dtype=t.dtype)
        if g.shape != t.shape:
            raise RuntimeError(f"{where}: gradient {i} has shape {g.shape} but output {i} has shape {t.shape}")
    return Tensor._wrap(g) if create_graph else g


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (or only of ``inputs``)."""
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(tensors):
        _check_output("backward", t, i)
    seeds = [_seed("backward", t, g, i, create_graph) for i, (t, g) in enumerate(zip(tensors, grads))]
    if inputs is None:
        run_backward(tensors, seeds, retain_graph, create_graph)
        return
    results = grad(tensors, inputs, seeds, retain_graph, create_graph, allow_unused=True)
    from .engine import _accumulate_leaf

    for t, g in zip(_as_tuple(inputs), results):
        if g is not None:
            _accumulate_leaf(t, g if create_graph else g._array, set(), create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs`` (a tuple), without touching any ``.grad``.

    Like torch.autograd.grad: ``grad_outputs`` weights each output (needed for non-scalar outputs);
    ``create_graph=True`` records the computation so the result can be differentiated again.
    """
    from ..tensor import Tensor

    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(outputs):
        _check_output("grad", t, i)
    capture = {}
    keys = []
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad, so it has no gradient")
        key = t.grad_fn if t.grad_fn is not None else t
        capture[key] = None
        keys.append(key)
    seeds = [_seed("grad", t, g, i, create_graph) for i, (t, g) in enumerate(zip(outputs, grad_outputs))]
    run_backward(outputs, seeds, retain_graph, create_graph, capture)
    results = []
    for i, key in enumerate(keys):
        g = capture[key]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the "
                    "outputs; pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif isinstance(g, Tensor):
            results.append(g)
        else:
            results.append(Tensor._wrap(np.array(g, dtype=inputs[i].dtype)))
    return tuple(results)


def __getattr__(name):
    if name == "functional":  # import_module: `from . import functional` would re-enter this __getattr__
        import importlib

        return importlib.import_module(f"{__name__}.functional")
    if name in ("Function", "FunctionCtx", "once_differentiable"):  # lazily: it builds on the ops package
        import importlib

        return getattr(importlib.import_module(f"{__name__}.function"), name)
    if name in ("gradcheck", "gradgradcheck"):  # torch.autograd.gradcheck's place; the tool is in testing
        import importlib

        return getattr(importlib.import_module("autograd_lite.testing.gradcheck"), name)
    raise AttributeError(f"module 'autograd_lite.autograd' has no attribute {name!r}")
