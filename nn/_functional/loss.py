"""nn.functional: loss family, with torch.nn.functional's signatures, defaults and numbers.

``reduction`` is ``'mean'`` (default), ``'sum'`` or ``'none'``; the deprecated ``size_average``/``reduce``
are honoured as in torch. Float32 in, float32 out.

* ``cross_entropy`` takes logits and either class indices (any integer dtype; ``ignore_index``, ``weight``,
  ``label_smoothing``) or class probabilities (a floating target of the input's shape). It is one fused op
  (log-softmax + NLL, stable for huge logits) whose gradient is ``softmax(x) - onehot(target)``, scaled.
  The weighted mean divides by the summed weights of the non-ignored targets, as torch; a mean over no
  target at all is NaN (gradient 0), as torch.
* ``nll_loss`` takes log-probabilities (e.g. ``log_softmax``) and class indices.
* ``binary_cross_entropy`` takes probabilities in [0, 1]; the logs are clamped at -100, as torch.
* ``binary_cross_entropy_with_logits`` takes logits; stable for any finite logit.

Shapes: the class dim is dim 1 (``(N, C)``, ``(N, C, d1, ...)``) or dim 0 for an unbatched ``(C,)`` input.

Deliberate differences from torch: ``mse_loss``/``l1_loss`` raise a ValueError when input and target
shapes differ (torch broadcasts them with a warning, which is almost always a bug); class-index targets may
be any integer dtype (torch: int64 or uint8); the weights are cast to the input's dtype. Like torch,
``weight``/``pos_weight`` of the cross-entropy family are constants: passing one that requires grad is an
error.
"""

import warnings

import numpy as np

import autograd_lite as al
from autograd_lite._internal import wrap
from autograd_lite.ops import loss as lo
from autograd_lite import Tensor
from autograd_lite._internal import apply

__all__ = [
    "mse_loss",
    "l1_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "one_hot",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
]

_REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average, reduce, emit_warning=True):
    """torch's mapping of the deprecated ``size_average``/``reduce`` flags to a reduction string."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    out = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    if emit_warning:
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{out}' instead.", stacklevel=3
        )
    return out


def check_reduction(name, reduction):
    """The reduction string, or a ValueError naming the loss and the valid choices."""
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction; expected 'mean', 'sum' or 'none'")
    return reduction


def _reduction(name, size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, emit_warning=True)
    return check_reduction(name, reduction)


def _tensor(name, what, value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic, list, tuple, int, float)):
        return wrap(np.asarray(value))
    raise TypeError(f"{name}: {what} must be a Tensor, got {type(value).__name__}")


def _floating_input(name, input, what="input"):
    input = _tensor(name, what, input)
    if input._array.dtype.kind != "f":
        raise TypeError(f"{name}: {what} must be a floating point tensor, got dtype {input._array.dtype}")
    return input


def _constant(name, what, value, dtype):
    """A weight as a constant array in ``dtype`` (torch refuses weights that require grad)."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise RuntimeError(
                f"{name}: {what} cannot require grad: the loss is not differentiable with "
                f"respect to it (as in torch); pass {what}.detach()"
            )
        value = value._array
    return np.asarray(value).astype(dtype, copy=False)


def _reduce(loss, reduction):
    if reduction == "mean":
        return al.mean(loss)
    if reduction == "sum":
        return al.sum(loss)
    return loss


# ---- regression losses -------------------------------------------------------------------------------


def _pointwise(name, input, target, weight, reduction, fn):
    input = _floating_input(name, input)
    target = _tensor(name, "target", target)
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; "
            "torch would broadcast them (with a warning), which is almost always a bug. "
            "Reshape one of them (e.g. target.view_as(input))"
        )
    loss = fn(al.sub(input, target))
    if weight is None:
        return _reduce(loss, reduction)
    weight = _tensor(name, "weight", weight)
    if weight.shape != input.shape:
        raise ValueError(f"{name}: weight shape {weight.shape} must equal the input shape {input.shape}")
    loss = al.mul(loss, weight)
    if reduction == "mean":
        return al.div(al.sum(loss), al.sum(weight))
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: mean((input - target) ** 2) (or its sum, or elementwise).

    ``weight`` (torch 2.x): per-element weights of the input's shape; the weighted mean divides by their sum.
    Input and target must have the same shape (torch would broadcast them with a warning).
    """
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    return _pointwise("mse_loss", input, target, weight, reduction, lambda d: al.mul(d, d))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: mean(|input - target|); gradient sign(input - target), 0 where equal."""
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    return _pointwise("l1_loss", input, target, weight, reduction, al.abs)


# ---- classification losses ---------------------------------------------------------------------------


def _class_axis(name, input):
    if input._array.ndim == 0:
        raise ValueError(
            f"{name}: input must have a class dimension: shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor"
        )
    return 0 if input._array.ndim == 1 else 1


def _index_targets(name, input, target, weight, ignore_index, prob_ok):
    """Check class-index targets; returns (class axis, C, the indices with ignored ones -> 0, keep mask)."""
    x = input._array
    axis = _class_axis(name, input)
    n_classes = x.shape[axis]
    t = target._array
    if n_classes == 0 and x.ndim > 2 and 0 not in x.shape[2:]:  # torch refuses this too (a size mismatch)
        raise ValueError(
            f"{name}: an input of shape {x.shape} has no classes but non-empty spatial dims "
            f"{x.shape[2:]}; nothing can be picked for targets of shape {t.shape}"
        )
    expected = x.shape[:axis] + x.shape[axis + 1 :]
    if t.dtype.kind not in "iu" or t.shape != expected:
        what = f"class indices (an integer tensor) of shape {expected}" + (
            f", or class probabilities (a floating tensor) of the input's shape {x.shape}" if prob_ok else ""
        )
        raise ValueError(
            f"{name}: expected a target of {what}; got a target of shape {t.shape} and dtype "
            f"{t.dtype} for an input of shape {x.shape}"
        )
    if weight is not None and weight.shape != (n_classes,):
        raise ValueError(
            f"{name}: weight must have one entry per class, shape ({n_classes},), but got shape "
            f"{weight.shape} (input of shape {x.shape})"
        )
    keep = t != ignore_index
    bad = None
    if t.size and (t.min() < 0 or t.max() >= n_classes):  # (the full check only when some index is off)
        bad = keep & ((t < 0) | (t >= n_classes))
    if bad is not None and bad.any():
        raise IndexError(
            f"{name}: target {int(t[bad].flat[0])} is out of bounds for {n_classes} classes "
            f"(input of shape {x.shape}); class indices must be in [0, {n_classes - 1}] or "
            f"equal ignore_index={ignore_index}"
        )
    index = np.where(keep, t, 0).astype(np.intp, copy=False)
    return axis, n_classes, index, keep


def _target_weights(index, keep, weight, dtype):
    """The weight of each position's target class, 0 where ignored."""
    if weight is None:
        return keep.astype(dtype)
    return np.where(keep, weight[index], 0).astype(dtype, copy=False)


def _mean_scale(total):
    """1 / total (of any sign: weights may be negative), or 0 with a NaN result when the total is 0 (torch:
    a mean over no target is NaN)."""
    total = float(total)
    return (1.0 / total, False) if total != 0 else (0.0, True)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood: -input[n, target[n]] (input holds log-probabilities, e.g. log_softmax).

    ``weight``: one weight per class; the mean divides by the summed weights of the non-ignored targets.
    Targets equal to ``ignore_index`` contribute 0 (to the loss, its divisor and the gradient).
    """
    reduction = _reduction("nll_loss", size_average, reduce, reduction)
    input = _floating_input("nll_loss", input)
    target = _tensor("nll_loss", "target", target)
    weight = _constant("nll_loss", "weight", weight, input._array.dtype)
    axis, _, index, keep = _index_targets("nll_loss", input, target, weight, ignore_index, prob_ok=False)
    scale = _target_weights(index, keep, weight, input._array.dtype)
    nan_out = False
    if reduction == "mean":
        factor, nan_out = _mean_scale(scale.sum(dtype=np.float64))
        scale = scale * scale.dtype.type(factor)
        if nan_out:  # kept targets of total weight 0: torch's 0 / 0 reaches their gradient (ignored ones stay 0)
            scale = np.where(keep, scale.dtype.type(np.nan), scale)
    return apply(
        lo.NLL,
        input,
        index=np.expand_dims(index, axis),
        scale=scale,
        keep=keep,
        axis=axis,
        reduction="none" if reduction == "none" else "sum",
        nan_out=nan_out,
    )


def _plain_class_indices(input, target):
    """True in the common case -- float (N, C) logits, N > 0, integer class indices all in [0, C) --; for
    anything else the general path checks and explains."""
    if not (isinstance(input, Tensor) and isinstance(target, Tensor)):
        return False
    x, t = input._array, target._array
    return (
        x.ndim == 2
        and x.dtype.kind == "f"
        and t.ndim == 1
        and t.dtype.kind in "iu"
        and len(t) == len(x)
        and len(t) > 0
        and bool((t.astype(np.uint64) < x.shape[1]).all())
    )  # negatives wrap to huge


def _check_smoothing(name, label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    return float(label_smoothing)


def cross_entropy(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
):
    """Cross-entropy between logits ``input`` and ``target``: class indices or class probabilities.

    One fused op, log_softmax + NLL, stable for huge logits, with gradient ``softmax(input) - onehot``
    (scaled). Class indices: shape (N,) for input (N, C), (N, d1, ...) for (N, C, d1, ...), 0-d for an
    unbatched (C,); ``weight`` per class, ``ignore_index`` and ``label_smoothing`` (the target becomes
    (1 - eps) onehot + eps / C) as in torch. Class probabilities: a floating target of the input's shape
    (it may require grad); the mean divides by the number of positions N * d1 * ....
    """
    name = "cross_entropy"
    if (
        weight is None
        and size_average is None
        and reduce is None
        and not label_smoothing
        and reduction in ("mean", "sum")
        and isinstance(ignore_index, int)
        and ignore_index < 0
    ):
        if _plain_class_indices(input, target):
            t = target._array.astype(np.intp, copy=False)
            return apply(lo.CrossEntropyIndices, input, target=t, scale=1.0 / len(t) if reduction == "mean" else 1.0)
    reduction = _reduction(name, size_average, reduce, reduction)
    eps = _check_smoothing(name, label_smoothing)
    input = _floating_input(name, input)
    target = _tensor(name, "target", target)
    dtype = input._array.dtype
    weight = _constant(name, "weight", weight, dtype)
    axis = _class_axis(name, input)
    n_classes = input._array.shape[axis]
    op_reduction = "none" if reduction == "none" else "sum"
    if target._array.dtype.kind == "f" and target.shape == input.shape:
        return _cross_entropy_probs(input, target, weight, axis, n_classes, reduction, eps)
    axis, n_classes, index, keep = _index_targets(name, input, target, weight, ignore_index, prob_ok=True)
    a = _target_weights(index, keep, weight, dtype)
    nan_out = False
    scale = 1.0
    if reduction == "mean":
        scale, nan_out = _mean_scale(a.sum(dtype=np.float64))
    index = np.expand_dims(index, axis)
    with np.errstate(invalid="ignore"):  # a NaN total weight: NaN at kept targets, ignored ones stay 0
        picked = np.where(keep, a * dtype.type(scale), 0).astype(dtype, copy=False)
    if n_classes == 0:  # no classes: every target was ignored (checked above), nothing to pick
        coef = np.zeros(input._array.shape, dtype)
        nan_out = nan_out or eps > 0  # torch's smoothing term divides by the number of classes: 0 / 0
    elif eps > 0:  # (eps / C) * w_c at every class of a kept position, on top of (1 - eps) * w_t at the target
        b = np.expand_dims(keep.astype(dtype) * dtype.type(scale * eps / max(n_classes, 1)), axis)
        coef = b * (np.ones(n_classes, dtype) if weight is None else weight).reshape(
            (n_classes,) + (1,) * (input._array.ndim - axis - 1)
        )
        coef = np.where(np.expand_dims(keep, axis), np.broadcast_to(coef, input._array.shape), 0).astype(dtype)
        np.put_along_axis(
            coef,
            index,
            np.take_along_axis(coef, index, axis) + np.expand_dims(picked, axis) * dtype.type(1.0 - eps),
            axis,
        )
    elif input._array.ndim == 2:  # the common (N, C) case, without the along-axis machinery
        coef = np.zeros(input._array.shape, dtype)
        coef[np.arange(len(a)), index[:, 0]] = picked
    else:
        coef = np.zeros(input._array.shape, dtype)
        np.put_along_axis(coef, index, np.expand_dims(picked, axis), axis)
    if nan_out:  # kept targets of total weight 0: torch's 0 / 0 reaches their rows' gradient (ignored ones: 0)
        coef = np.where(np.expand_dims(keep, axis), dtype.type(np.nan), coef)
    return apply(
        lo.CrossEntropy, input, coef, axis=axis, reduction=op_reduction, nan_out=nan_out, targets=(index, keep, eps > 0)
    )


def _cross_entropy_probs(input, target, weight, axis, n_classes, reduction, eps):
    """Cross-entropy against class probabilities: the op's soft targets are the (smoothed, weighted,
    mean-scaled) target itself, kept differentiable when it requires grad."""
    dtype = input._array.dtype
    coef = al.astype(target, dtype)
    if eps > 0:
        coef = al.add(al.mul(coef, 1.0 - eps), eps / n_classes)
    if weight is not None:
        if weight.shape != (n_classes,):
            raise ValueError(
                f"cross_entropy: weight must have one entry per class, shape ({n_classes},), but "
                f"got shape {weight.shape} (input of shape {input.shape})"
            )
        coef = al.mul(coef, weight.reshape((n_classes,) + (1,) * (input._array.ndim - axis - 1)))
    nan_out = False
    if reduction == "mean":
        positions = input._array.size // n_classes if n_classes else 0
        nan_out = positions == 0
        if positions:
            coef = al.div(coef, float(positions))
    return apply(
        lo.CrossEntropy, input, coef, axis=axis, reduction="none" if reduction == "none" else "sum", nan_out=nan_out
    )


def _binary_args(name, input, target, weight, reduction_args):
    """Checked arguments of the binary cross-entropies. Mixed float dtypes as torch: binary_cross_entropy
    refuses them; the logits version computes in the target's dtype (torch's result has the target's dtype,
    whichever is wider)."""
    reduction = _reduction(name, *reduction_args)
    input = _floating_input(name, input)
    target = _tensor(name, "target", target)
    if target.shape != input.shape:
        raise ValueError(f"{name}: target shape {target.shape} must be the same as the input shape {input.shape}")
    if target._array.dtype != input._array.dtype:
        if name == "binary_cross_entropy" and target._array.dtype.kind == "f":
            raise TypeError(
                f"{name}: the target's dtype {target._array.dtype} differs from the input's "
                f"{input._array.dtype}; convert one with .float() or .double()"
            )
        if name == "binary_cross_entropy_with_logits" and target._array.dtype.kind == "f":
            input = al.astype(input, target._array.dtype)
        else:
            target = al.astype(target, input._array.dtype)
    weight = _constant(name, "weight", weight, input._array.dtype)
    if weight is not None:
        _check_broadcast(name, "weight", weight.shape, input.shape)
    return reduction, input, target, weight


def _check_broadcast(name, what, shape, input_shape):
    try:
        ok = np.broadcast_shapes(shape, input_shape) == tuple(input_shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: {what} of shape {shape} does not broadcast to the input shape {input_shape}")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-weight * (target * log(input) + (1 - target) * log(1 - input)) for probabilities ``input``.

    The logs are clamped at -100 (as torch), so input 0 or 1 gives a finite loss. ``weight`` broadcasts to
    the input's shape and rescales each element (the mean still divides by the number of elements).
    """
    name = "binary_cross_entropy"
    reduction, input, target, weight = _binary_args(name, input, target, weight, (size_average, reduce, reduction))
    return _reduce(apply(lo.BinaryCrossEntropy, input, target, weight=weight), reduction)


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """Binary cross-entropy of sigmoid(input) computed from the logits in the stable log-sum-exp form.

    ``pos_weight`` (broadcast along the last dim, e.g. one per class) multiplies the positive term:
    ``-(pos_weight * t * log sigmoid(x) + (1 - t) * log(1 - sigmoid(x)))``.
    """
    name = "binary_cross_entropy_with_logits"
    reduction, input, target, weight = _binary_args(name, input, target, weight, (size_average, reduce, reduction))
    pos_weight = _constant(name, "pos_weight", pos_weight, input._array.dtype)
    if pos_weight is not None:
        _check_broadcast(name, "pos_weight", pos_weight.shape, input.shape)
    loss = apply(lo.BinaryCrossEntropyWithLogits, input, target, weight=weight, pos_weight=pos_weight)
    return _reduce(loss, reduction)


def one_hot(tensor, num_classes=-1):
    """Class indices of shape ``(*)`` -> an int64 tensor of shape ``(*, num_classes)`` with a 1 at each
    index (``num_classes=-1``: one more than the largest index)."""
    t = _tensor("one_hot", "tensor", tensor)._array
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot: needs an integer tensor of class indices, got dtype {t.dtype}")
    if num_classes == -1:
        if t.size == 0:
            raise ValueError("one_hot: cannot infer the number of classes from an empty tensor; pass num_classes")
        num_classes = int(t.max()) + 1
    elif not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be a non-negative int or -1, got {num_classes!r}")
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(t.min())}")
    if t.size and t.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}, got {int(t.max())}")
    out = np.zeros(t.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, np.expand_dims(t.astype(np.intp), -1), 1, axis=-1)
    return wrap(out)


# ---- robust regression and divergence losses ----------------------------------------------------------


def _same_shape(name, input, target):
    input = _floating_input(name, input)
    target = _floating_input(name, target, "target")
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; "
            "torch would broadcast them (with a warning), which is almost always a bug. "
            "Reshape one of them (e.g. target.view_as(input))"
        )
    return input, target


def _number(name, what, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: {what} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def _quadratic_then_linear(d, threshold, quadratic_scale, linear_scale):
    """``quadratic_scale * 0.5 * d^2`` where |d| < threshold, ``linear_scale * (|d| - 0.5 * threshold)``
    elsewhere (a select: the branch not taken gets exactly no gradient)."""
    ad = al.abs(d)
    inside = wrap(ad._array < threshold)
    quad = al.mul(al.mul(d, d), 0.5 * quadratic_scale)
    lin = al.sub(ad, 0.5 * threshold)
    if linear_scale != 1.0:
        lin = al.mul(lin, linear_scale)
    return al.where(inside, quad, lin)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 * d^2 / beta where |d| < beta, |d| - 0.5 * beta elsewhere (d = input - target); beta = 0 is the
    L1 loss. Input and target must have the same shape."""
    name = "smooth_l1_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    beta = _number(name, "beta", beta)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _same_shape(name, input, target)
    d = al.sub(input, target)
    loss = al.abs(d) if beta == 0.0 else _quadratic_then_linear(d, beta, 1.0 / beta, 1.0)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 * d^2 where |d| < delta, delta * (|d| - 0.5 * delta) elsewhere (d = input - target).

    ``weight`` (torch 2.x): per-element weights of the input's shape multiplying the loss; the mean then
    divides by the number of elements (torch's huber_loss, unlike its weighted mse_loss)."""
    name = "huber_loss"
    reduction = check_reduction(name, reduction)
    delta = _number(name, "delta", delta)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _same_shape(name, input, target)
    loss = _quadratic_then_linear(al.sub(input, target), delta, 1.0, delta)
    if weight is not None:
        weight = _tensor(name, "weight", weight)
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        loss = al.mul(loss, weight)
    return _reduce(loss, reduction)


def _xlogx(t):
    """t * log(t), 0 where t == 0 (torch's xlogy(t, t)); the log only ever sees positive values."""
    positive = wrap(t._array > 0)
    safe = al.where(positive, t, 1.0)
    return al.where(positive, al.mul(t, al.log(safe)), 0.0)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence of ``target`` from log-probabilities ``input``:
    ``target * (log(target) - input)`` (0 where target == 0), or with ``log_target`` (target given as
    log-probabilities) ``exp(target) * (target - input)``.

    reduction: 'mean' (the mean over every element, with torch's warning that it is not the true KL
    divergence), 'batchmean' (the sum divided by input.size(0): the KL divergence per sample), 'sum', 'none'.

    Deliberate difference: where target == 0 the gradient with respect to the target is finite here
    (``-input``: the t * log(t) term contributes 0) where torch's is NaN (from log(0)); the values agree.
    """
    name = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, emit_warning=True)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if reduction != "batchmean":
        reduction = check_reduction(name, reduction)
    input, target = _same_shape(name, input, target)
    if log_target:
        loss = al.mul(al.exp(target), al.sub(target, input))
    else:
        loss = al.sub(_xlogx(target), al.mul(target, input))
    if reduction == "batchmean":
        total = al.sum(loss)
        return al.div(total, input.shape[0]) if input.ndim != 0 else total
    return _reduce(loss, reduction)
