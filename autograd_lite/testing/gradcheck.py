"""Check analytic gradients against central differences, in float64.

For outputs y = fn(*inputs) and a random cotangent v, the analytic vector-Jacobian product
d<v, y>/dx (from autograd_lite.grad) must match (s(x + eps e_i) - s(x - eps e_i)) / 2 eps for every
element i of every input that requires grad, where s = <v, fn(x)>.
"""

import numpy as np

from ..autograd import grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; the message names the input and the worst element."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _checked_inputs(where, inputs):
    checked = []
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad:
            if t.dtype != np.float64:
                raise ValueError(
                    f"{where}: input {i} has dtype {t.dtype}; gradients are checked in float64 "
                    "(finite differences in float32 are too coarse): use .double()"
                )
            checked.append(i)
    if not checked:
        raise ValueError(f"{where}: no input requires grad, so there is nothing to check")
    return checked


def _differentiable_outputs(where, outputs):
    outs = [o for o in outputs if isinstance(o, Tensor) and o.dtype.kind == "f"]
    if not outs:
        raise ValueError(f"{where}: fn returned no floating tensor output")
    return outs


def _projection(fn, inputs, cotangents):
    with no_grad():
        outs = _differentiable_outputs("gradcheck", _as_tuple(fn(*inputs)))
        return sum(float(np.sum(o._array * v)) for o, v in zip(outs, cotangents))


def _numerical(fn, inputs, index, cotangents, eps):
    x = inputs[index]._array
    if not x.flags.writeable:
        raise ValueError(f"gradcheck: input {index} is read-only, so it cannot be perturbed; pass a copy")
    result = np.zeros(x.shape, dtype=np.float64)
    for i in range(x.size):
        orig = x.flat[i]
        x.flat[i] = orig + eps
        plus = _projection(fn, inputs, cotangents)
        x.flat[i] = orig - eps
        minus = _projection(fn, inputs, cotangents)
        x.flat[i] = orig
        result.flat[i] = (plus - minus) / (2 * eps)
    return result


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Raise GradcheckError unless fn's analytic gradients match central differences; return True.

    ``inputs`` is a tensor or a tuple; those that require grad (float64) are checked, others are constants.
    ``fn`` returns a tensor or a tuple of tensors.
    """
    inputs = _as_tuple(inputs)
    checked = _checked_inputs("gradcheck", inputs)
    rng = np.random.default_rng(seed)
    outs = _differentiable_outputs("gradcheck", _as_tuple(fn(*inputs)))
    cotangents = [rng.standard_normal(o.shape) for o in outs]
    differentiable = [(o, v) for o, v in zip(outs, cotangents) if o.requires_grad]
    if differentiable:
        analytic = grad(
            [o for o, _ in differentiable],
            [inputs[i] for i in checked],
            grad_outputs=[Tensor._wrap(v.astype(o.dtype)) for o, v in differentiable],
            allow_unused=True,
        )
    else:
        analytic = [None] * len(checked)
    for i, g in zip(checked, analytic):
        a = np.zeros(inputs[i].shape) if g is None else np.asarray(g._array, dtype=np.float64)
        if a.shape != inputs[i].shape:
            raise GradcheckError(
                f"gradcheck: the gradient of input {i} has shape {a.shape}, but the input has shape {inputs[i].shape}"
            )
        n = _numerical(fn, inputs, i, cotangents, eps)
        _compare(i, inputs[i].shape, a, n, atol, rtol)
    return True


def _compare(i, shape, analytic, numeric, atol, rtol):
    diff = np.abs(analytic - numeric)
    bad = ~(diff <= atol + rtol * np.abs(numeric))
    if not bad.any():
        return
    worst = tuple(int(k) for k in np.unravel_index(np.argmax(np.where(bad, diff, -1.0)), shape))
    raise GradcheckError(
        f"gradcheck: input {i} (shape {shape}): analytic and numerical gradients disagree at "
        f"{int(bad.sum())} of {bad.size} elements; worst at index {worst}: analytic {float(analytic[worst])!r}, "
        f"numerical {float(numeric[worst])!r} (|difference| {diff[worst]:.3g} > atol {atol} + rtol {rtol} * "
        f"|numerical|)"
    )


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: gradcheck of (inputs, v) -> d<v, fn(inputs)>/d(inputs), built with
    create_graph=True, against central differences. Returns True or raises GradcheckError."""
    inputs = _as_tuple(inputs)
    checked = _checked_inputs("gradgradcheck", inputs)
    rng = np.random.default_rng(seed + 1)
    outs = _differentiable_outputs("gradgradcheck", _as_tuple(fn(*inputs)))
    cotangents = tuple(Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs if o.requires_grad)
    n = len(inputs)

    def first_order(*args):
        xs, vs = args[:n], args[n:]
        with enable_grad():  # also when gradcheck evaluates it under no_grad for finite differences
            ys = [o for o in _as_tuple(fn(*xs)) if isinstance(o, Tensor) and o.requires_grad]
            grads = grad(ys, [xs[i] for i in checked], grad_outputs=list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not cotangents:
        raise ValueError("gradgradcheck: fn has no output that requires grad")
    return gradcheck(first_order, inputs + cotangents, eps=eps, atol=atol, rtol=rtol, seed=seed)
