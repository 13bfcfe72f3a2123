"""Derivatives of whole functions, like ``torch.autograd.functional``: vjp, jvp, jacobian, hessian, hvp, vhp.

Each takes ``func`` and ``inputs`` (a tensor or a tuple of tensors) and returns results shaped like
torch's: a tuple per input when ``inputs`` is a tuple, a single tensor otherwise. Results are detached
unless ``create_graph=True``, in which case they can be differentiated again.
"""

import numpy as np

from . import grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    """Fresh differentiable handles on the inputs (kept in the caller's graph only with create_graph)."""
    from ..tensor import Tensor

    out = []
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"autograd.functional: input {i} is a {type(x).__name__}, expected a Tensor")
        if x.dtype.kind != "f":
            raise TypeError(
                f"autograd.functional: input {i} has dtype {x.dtype}; differentiation needs floating tensors"
            )
        if create_graph and x.requires_grad:
            out.append(x.reshape(x.shape))
        else:
            out.append(x.detach().requires_grad_(True))
    return tuple(out)


def _zeros_if_none(grads, like):
    from ..creation import zeros_like

    return tuple(zeros_like(x) if g is None else g for g, x in zip(grads, like))


def _finish(values, create_graph, is_tuple):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if is_tuple else values[0]


def _differentiable(outputs):
    return [o for o in outputs if o.requires_grad]


def _grad_or_zeros(outputs, inputs, grad_outputs, create_graph, retain_graph=None):
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return _zeros_if_none([None] * len(inputs), inputs)
    grads = grad(
        [o for o, _ in pairs],
        inputs,
        grad_outputs=[g for _, g in pairs],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )
    return _zeros_if_none(grads, inputs)


def vjp(func, inputs, v=None, create_graph=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product; ``v`` may be omitted for a one-element output."""
    inputs, is_tuple = _tuple(inputs)
    xs = _prepare(inputs, create_graph)
    with enable_grad():
        outputs, out_tuple = _tuple(func(*xs))
        vs = _tuple(v)[0] if v is not None else (None,) * len(outputs)
        result = _grad_or_zeros(outputs, xs, vs, create_graph)
    return _finish(outputs, False, out_tuple), _finish(result, create_graph, is_tuple)


def jvp(func, inputs, v=None, create_graph=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp with respect to its vector."""
    from ..creation import zeros_like

    inputs, is_tuple = _tuple(inputs)
    xs = _prepare(inputs, create_graph)
    vs = _tuple(v)[0] if v is not None else tuple(_ones_for_scalar(x) for x in xs)
    with enable_grad():
        outputs, out_tuple = _tuple(func(*xs))
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        grads = _grad_or_zeros(outputs, xs, dummies, create_graph=True)
        pairs = [(g, w) for g, w in zip(grads, vs) if g.requires_grad]
        if pairs:
            result = grad(
                [g for g, _ in pairs],
                dummies,
                grad_outputs=[w for _, w in pairs],
                create_graph=create_graph,
                allow_unused=True,
            )
            result = _zeros_if_none(result, outputs)
        else:
            result = tuple(zeros_like(o) for o in outputs)
    return _finish(outputs, False, out_tuple), _finish(result, create_graph, out_tuple)


def _ones_for_scalar(x):
    from ..creation import ones_like

    if x.numel() != 1:
        raise RuntimeError(
            f"jvp: v must be given for an input of shape {x.shape} (only one-element inputs have an implicit v)"
        )
    return ones_like(x)


def jacobian(func, inputs, create_graph=False):
    """The Jacobian: for output o and input x, a tensor of shape o.shape + x.shape (nested tuples for
    tuple outputs/inputs, as torch.autograd.functional.jacobian)."""
    from ..creation import zeros
    from ..functions.shaping import stack, reshape
    from ..tensor import Tensor

    inputs, is_tuple = _tuple(inputs)
    xs = _prepare(inputs, create_graph)
    with enable_grad():
        outputs, out_tuple = _tuple(func(*xs))
        per_output = []
        for o in outputs:
            rows = []
            for j in range(o.numel()):
                seed = np.zeros(o.shape, dtype=o.dtype)
                seed.flat[j] = 1
                rows.append(_grad_or_zeros([o], xs, [Tensor._wrap(seed)], create_graph, retain_graph=True))
            blocks = []
            for i, x in enumerate(xs):
                if rows:
                    block = reshape(stack([r[i] for r in rows]), o.shape + x.shape)
                else:
                    block = zeros(o.shape + x.shape, dtype=x.dtype)
                blocks.append(block if create_graph else block.detach())
            per_output.append(tuple(blocks) if is_tuple else blocks[0])
    return tuple(per_output) if out_tuple else per_output[0]


def hessian(func, inputs, create_graph=False):
    """The Hessian of a function with a one-element output: shape x.shape + x.shape (a tuple of tuples
    over pairs of inputs when ``inputs`` is a tuple)."""
    inputs, is_tuple = _tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError(f"hessian: func must return a one-element tensor, got shape {out.shape}")
        grads = _grad_or_zeros([out], xs, [None], create_graph=True)
        return grads if is_tuple else grads[0]

    return jacobian(gradient, inputs if is_tuple else inputs[0], create_graph=create_graph)


def vhp(func, inputs, v, create_graph=False):
    """(func(inputs), vᵀ H) for a function with a one-element output."""
    inputs, is_tuple = _tuple(inputs)
    xs = _prepare(inputs, create_graph)
    vs = _tuple(v)[0]
    with enable_grad():
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError(f"vhp: func must return a one-element tensor, got shape {out.shape}")
        grads = _grad_or_zeros([out], xs, [None], create_graph=True)
        result = _grad_or_zeros(list(grads), xs, list(vs), create_graph)
    return out.detach(), _finish(result, create_graph, is_tuple)


def hvp(func, inputs, v, create_graph=False):
    """(func(inputs), H v) for a function with a one-element output (H is symmetric, so H v = vᵀ H)."""
    return vhp(func, inputs, v, create_graph)
