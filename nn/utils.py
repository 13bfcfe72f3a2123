"""nn.utils: gradient clipping, parameters <-> one flat vector, and per-layer gradient norms.

``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ``clip_grads_with_norm_``,
``parameters_to_vector`` and ``vector_to_parameters`` follow torch.nn.utils. ``parameters`` may be a
single tensor or any iterable of tensors (a generator such as ``model.parameters()`` is fine: it is read
once). Parameters whose ``.grad`` is None are skipped by the gradient functions.

``grad_norms(model)`` is a diagnostic for the vanishing (and exploding) gradient problem of Nielsen's
*Neural Networks and Deep Learning*, chapter 5: the norm of each layer's gradient after a backward pass.
"""

import math
import types
import warnings
from collections import OrderedDict

import numpy as np

from autograd_lite._internal import bump_version, wrap
from autograd_lite.autograd.grad_mode import no_grad
from autograd_lite import Tensor

from . import _checks

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "get_total_norm",
    "clip_grads_with_norm_",
    "parameters_to_vector",
    "vector_to_parameters",
    "grad_norms",
]


def _as_list(where, parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    try:
        parameters = list(parameters)
    except TypeError:
        raise TypeError(
            f"{where}: expected a Tensor or an iterable of Tensors, got {type(parameters).__name__}"
        ) from None
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: item {i} is a {type(p).__name__}, expected a Tensor")
    if is_generator and not parameters:
        warnings.warn(f"{where}: `parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    return parameters


def _vector_norm(array, p):
    """The p-norm of an array viewed as one vector, in float64 (``inf``/``-inf``: max/min of |x|; 0: count of
    nonzero entries)."""
    a = np.abs(np.asarray(array, dtype=np.float64)).ravel()
    if p == math.inf:
        return float(a.max()) if a.size else 0.0
    if p == -math.inf:
        return float(a.min()) if a.size else math.inf
    if p == 0:
        return float(np.count_nonzero(a))
    if p == 1:
        return float(a.sum())
    if p == 2:
        return float(np.sqrt(np.dot(a, a)))
    with np.errstate(over="ignore", divide="ignore"):
        return float(np.sum(a**p) ** (1.0 / p))


def _norm_type(norm_type):
    try:
        return float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"norm_type must be a number or 'inf', got {norm_type!r}") from None


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False):
    """The ``norm_type``-norm of all ``tensors`` viewed as one vector (the norm of their norms), as a 0-d
    tensor of their dtype; ``tensor(0.)`` when there are none."""
    tensors = _as_list("get_total_norm", tensors)
    norm_type = _norm_type(norm_type)
    if not tensors:
        return Tensor(0.0)
    total = _vector_norm([_vector_norm(t._array, norm_type) for t in tensors], norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    dtype = np.result_type(*[t.dtype for t in tensors])
    if dtype.kind != "f":
        dtype = np.dtype(np.float32)
    return wrap(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters, max_norm, total_norm):
    """Scale the gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)``."""
    parameters = _as_list("clip_grads_with_norm_", parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    if coef >= 1.0:  # torch multiplies by clamp(coef, max=1): a no-op here (a NaN coefficient does apply)
        return
    with no_grad(), np.errstate(invalid="ignore", over="ignore"):  # inf * 0 -> nan, silently as torch
        for g in grads:
            np.multiply(g._array, coef, out=g._array, casting="unsafe")
            bump_version(g)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Rescale the gradients in place so that their total ``norm_type``-norm (all gradients viewed as one
    vector; ``float('inf')`` for the max-abs norm) is at most ``max_norm``.

    Gradients are multiplied by ``max_norm / (total_norm + 1e-6)`` when that is below 1, else left alone.
    Returns the total norm before clipping, as a 0-d tensor. ``error_if_nonfinite=True`` raises a
    RuntimeError when the total norm is NaN or infinite (otherwise such gradients are scaled anyway).
    """
    parameters = _as_list("clip_grad_norm_", parameters)
    _checks.real("clip_grad_norm_", "max_norm", max_norm, finite=False)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry in place into ``[-clip_value, clip_value]``."""
    parameters = _as_list("clip_grad_value_", parameters)
    clip_value = _checks.real("clip_grad_value_", "clip_value", clip_value, finite=False)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                np.clip(p.grad._array, -clip_value, clip_value, out=p.grad._array, casting="unsafe")
                bump_version(p.grad)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (differentiable, like torch)."""
    from autograd_lite import cat

    parameters = _as_list("parameters_to_vector", parameters)
    if not parameters:
        raise ValueError("parameters_to_vector: got no parameters to concatenate")
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D tensor ``vec`` into the parameters, in order (the inverse of
    ``parameters_to_vector``). Values are copied in place (cast to each parameter's dtype), so the
    parameters stay the same objects and do not share memory with ``vec`` afterwards."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got {type(vec).__name__}")
    if vec.dim() != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    parameters = _as_list("vector_to_parameters", parameters)
    needed = sum(p.numel() for p in parameters)
    if needed != vec.numel():
        raise ValueError(
            f"vector_to_parameters: size mismatch: vec has {vec.numel()} elements but the "
            f"{len(parameters)} parameters have {needed} elements in total"
        )
    pointer = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            np.copyto(p._array, vec._array[pointer : pointer + n].reshape(p.shape), casting="unsafe")
            bump_version(p)
            pointer += n


def grad_norms(model, norm_type=2.0):
    """Per-layer gradient norms, to watch for vanishing or exploding gradients (Nielsen, ch. 5).

    Returns an OrderedDict ``{module name: norm}`` in the order of ``model.named_modules()``, with one
    entry per module that has parameters of its own (``recurse=False``) with a gradient. The norm (a
    Python float) is the ``norm_type``-norm of the concatenation of those gradients, e.g. weight and bias
    of one Linear layer; parameters whose ``.grad`` is None are left out. For ``Sequential(Linear, Sigmoid,
    Linear)`` after ``loss.backward()`` this gives something like ``{'0': 0.12, '2': 0.03}``; the root
    module's own parameters, if any, appear under the name ``''``. Nielsen's measure of "the speed at which
    a layer learns" is the length of the gradient of its biases: the gradients of the early layers of a
    deep sigmoid network are often orders of magnitude smaller than those of the last layers.
    """
    from .modules.module import Module

    if not isinstance(model, Module):
        raise TypeError(f"grad_norms: expected an nn.Module, got {type(model).__name__}")
    norm_type = _norm_type(norm_type)
    result = OrderedDict()
    for name, module in model.named_modules():
        grads = [p.grad._array for p in module.parameters(recurse=False) if p.grad is not None]
        if grads:
            result[name] = _vector_norm([_vector_norm(g, norm_type) for g in grads], norm_type)
    return result
