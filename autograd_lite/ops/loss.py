"""Fused loss operations: cross-entropy from logits, negative log-likelihood, binary cross-entropy on
probabilities and on logits. Each computes its loss in one numerically stable forward and has one vjp,
written against ``ctx.xp`` so that it is differentiable again under ``create_graph``.

The functional front ends (``nn.functional``) check the arguments and fold everything that does not depend
on the input (class weights, ignore_index, label smoothing, the mean's divisor) into constant arrays:

* ``CrossEntropy(x, coef)``: ``-sum(coef * log_softmax(x, axis), axis)``, i.e. cross-entropy against the
  soft targets ``coef``. Class-index targets become a dense ``coef``: ``a_i`` at the target class plus
  ``b_i * w_c`` everywhere (label smoothing). The vjp is ``g * (softmax(x) * sum_c coef - coef)``, which is
  ``softmax(x) - onehot(target)`` scaled, for plain targets. ``coef`` may itself require grad (class
  probability targets): its gradient is ``-g * log_softmax(x)``.
* ``NLL(x)``: ``-a_i * x[i, target_i]`` (x holds log-probabilities); linear, so its vjp is a constant.
* ``BinaryCrossEntropy(x, t)``: torch's form with the logs clamped at -100 and the gradient
  ``(x - t) / max(x (1 - x), 1e-12)``.
* ``BinaryCrossEntropyWithLogits(x, t)``: ``(1 - t) x - l_w log_sigmoid(x)``, ``l_w = 1 + (pos_weight - 1) t``,
  with log_sigmoid in its log-sum-exp form (no overflow for any finite x).
"""

import numpy as np

from .base import Op, OpError, data_of, masked, numpy_namespace
from .reduce import _max_shift

BCE_EPSILON = float(np.float32(1e-12))  # torch's EPSILON in binary_cross_entropy_backward (a float constant)
BCE_DOUBLE_EPSILON = 1e-12  # torch's eps in binary_cross_entropy_double_backward (a double)


def _is_array(a):
    return isinstance(a, (np.ndarray, np.generic))


def _log_softmax(x, axis):
    shifted = _max_shift(x, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def _graph_log_softmax(xp, x, axis):
    """log_softmax from recorded xp operations (the max is a constant: it cancels in the derivative)."""
    shifted = x - xp.data(x).max(axis=axis, keepdims=True, initial=-np.inf)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis, True))


def _log1p(xp, a):
    return np.log1p(a) if _is_array(a) else xp.log(1.0 + a)


def _sigmoid(xp, x):
    """1 / (1 + e^-x) without overflow: e^-|x| is the only exponential."""
    pos = xp.data(x) >= 0
    e = xp.exp(xp.where(pos, -x, x))
    return xp.where(pos, 1.0, e) / (1.0 + e)


def _log_sigmoid(xp, x):
    """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), finite for every finite x."""
    pos = xp.data(x) >= 0
    return xp.where(pos, 0.0, x) - _log1p(xp, xp.exp(xp.where(pos, -x, x)))


def _expand_for_none(xp, g, reduction, axis):
    """The upstream gradient of a per-position loss, with the class axis put back (for broadcasting)."""
    return xp.expand_dims(g, axis) if reduction == "none" else g


def _counted(shape, axis, targets):
    """Where torch multiplies a weight into log_softmax even when the weight is 0 (so 0 * NaN = NaN): the
    target class of each kept position, or every class of a kept position with label smoothing.
    ``targets``: None (soft targets: nowhere), or (index along axis, keep mask, smoothing)."""
    out = np.zeros(shape, dtype=bool)
    if targets is None:
        return out
    index, keep, smoothing = targets
    if smoothing:
        return out | np.expand_dims(keep, axis)
    np.put_along_axis(out, index, np.expand_dims(keep, axis), axis=axis)
    return out


def _log_softmax_route(xp, lsm, coef, g, axis):
    """The gradient as torch computes it, through log_softmax's backward (g_lsm - softmax * sum g_lsm) with
    g_lsm = -coef * g selected where coef is not 0: the same number as (softmax * sum coef - coef) * g
    for a finite g, and torch's inf or NaN for an inf or NaN one."""
    g_lsm = masked(xp, -(coef * g), data_of(coef) != 0)
    return g_lsm - xp.exp(lsm) * xp.sum(g_lsm, axis, True)


class CrossEntropy(Op):
    """-sum over ``axis`` of coef * log_softmax(x); per position (reduction 'none') or summed ('sum').

    ``nan_out``: the result is NaN (a mean over zero weight: no target, or all ignored), as torch; the
    gradient is then 0 (coef is 0). A position whose coef sums to 0 (an ignored target) gets exactly 0
    whatever its incoming gradient (inf or NaN too), as torch's nll_loss backward.
    """

    name = "cross_entropy"
    function = "nn.functional.cross_entropy"

    @staticmethod
    def forward(x, coef, axis, reduction, nan_out=False, targets=None):
        if x.dtype.kind != "f":
            raise OpError(f"cross_entropy: input must be floating point logits, got dtype {x.dtype}")
        lsm = _log_softmax(x, axis)
        if np.isfinite(lsm).all():
            prod = coef * lsm
        else:  # 0 * -inf or 0 * NaN is 0 where a class takes no part in the loss (see _counted)
            with np.errstate(invalid="ignore"):
                skip = (coef == 0) & ~_counted(x.shape, axis, targets)
                prod = np.where(skip, 0, coef * lsm).astype(lsm.dtype, copy=False)
        if reduction == "sum" or x.ndim == 1:  # torch accumulates these from +0: a sure prediction gives +0
            loss = 0.0 - prod.sum(axis=None if reduction == "sum" else axis)
        else:  # per position (batched), torch negates: -0
            loss = -prod.sum(axis=axis)
        if nan_out:
            loss = np.full(np.shape(loss), np.nan)
        return np.asarray(loss, dtype=x.dtype), lsm

    @staticmethod
    def vjp(ctx, g):
        x, coef = ctx.x
        xp, axis = ctx.xp, ctx.p["axis"]
        g = _expand_for_none(xp, g, ctx.p["reduction"], axis)
        fast = _is_array(x) and _is_array(coef) and _is_array(g)
        lsm = ctx.saved if _is_array(x) else _graph_log_softmax(xp, x, axis)
        gx = gc = None
        if ctx.needs[0]:
            total = xp.sum(coef, axis, True)
            finite = np.isfinite(data_of(g)).all()
            with np.errstate(invalid="ignore"):  # an inf g times a 0 of an ignored target: masked below
                if not finite:
                    gx = _log_softmax_route(xp, lsm, coef, g, axis)
                elif fast:  # the plain backward: one temporary, updated in place
                    gx = np.exp(lsm)
                    gx *= total
                    gx -= coef
                    gx *= g
                else:
                    gx = (xp.exp(lsm) * total - coef) * g
            if not finite:
                gx = masked(xp, gx, data_of(total) != 0)
        if ctx.needs[1]:
            gc = -lsm * g
        return gx, gc


class CrossEntropyIndices(Op):
    """``scale * sum_n -log_softmax(x)[n, target[n]]`` for (N, C) logits and valid class indices: the
    common case of CrossEntropy (one-hot targets, no weights), with fewer passes. vjp: ``(softmax - onehot)
    * scale * g``."""

    name = "cross_entropy"

    @staticmethod
    def forward(x, target, scale):
        lsm = _log_softmax(x, 1)
        picked = lsm[np.arange(len(target)), target]
        return np.asarray(0.0 - scale * picked.sum(), dtype=x.dtype), lsm  # 0 - (-0) = +0, as torch's sum

    @staticmethod
    def vjp(ctx, g):
        x = ctx.x[0]
        target, scale = ctx.p["target"], ctx.p["scale"]
        rows = np.arange(len(target))
        if not np.isfinite(data_of(g)).all():  # torch's inf/NaN pattern, through log_softmax's backward
            coef = np.zeros(x.shape, dtype=x.dtype)
            coef[rows, target] = scale
            lsm = ctx.saved if _is_array(x) else _graph_log_softmax(ctx.xp, x, 1)
            with np.errstate(invalid="ignore"):
                return (_log_softmax_route(ctx.xp, lsm, coef, g, 1),)
        if _is_array(x) and _is_array(g):
            gx = np.exp(ctx.saved)
            gx[rows, target] -= 1
            gx *= scale * g
            return (gx,)
        onehot = np.zeros(x.shape, dtype=x.dtype)
        onehot[rows, target] = 1
        return ((ctx.xp.exp(_graph_log_softmax(ctx.xp, x, 1)) - onehot) * (g * scale),)


class NLL(Op):
    """-scale * x picked at ``index`` along ``axis`` (x: log-probabilities); 'none' or 'sum'.

    ``index`` has x's shape with ``axis`` of size 1 (ignored targets point at class 0 with scale 0);
    ``keep`` masks the ignored positions (their loss is 0 even where x is -inf).
    """

    name = "nll_loss"
    function = "nn.functional.nll_loss"
    saves_x = False

    @staticmethod
    def forward(x, index, scale, keep, axis, reduction, nan_out=False):
        if x.shape[axis] == 0:  # no classes: every target is ignored (checked by the caller), loss 0
            picked = np.zeros(np.squeeze(index, axis=axis).shape, dtype=x.dtype)
        else:
            picked = np.squeeze(np.take_along_axis(x, index, axis=axis), axis=axis)
        loss = np.where(keep, -scale * picked, 0)
        if reduction == "sum":
            loss = np.sum(loss) + 0.0  # torch accumulates from +0: a sure prediction gives +0
        elif x.ndim == 1:  # unbatched: torch's scalar kernel also accumulates from +0
            loss = loss + 0.0
        if nan_out:
            loss = np.full(np.shape(loss), np.nan)
        return np.asarray(loss, dtype=x.dtype), x.shape

    @staticmethod
    def vjp(ctx, g):
        p = ctx.p
        axis = p["axis"]
        if ctx.saved[axis] == 0:
            return (np.zeros(ctx.saved, dtype=p["scale"].dtype),)
        dense = np.zeros(ctx.saved, dtype=p["scale"].dtype)
        np.put_along_axis(dense, p["index"], -np.expand_dims(p["scale"], axis), axis=axis)
        picked = np.zeros(ctx.saved, dtype=bool)  # only the kept targets get a gradient (exactly 0 elsewhere)
        np.put_along_axis(picked, p["index"], np.expand_dims(p["keep"], axis), axis=axis)
        with np.errstate(invalid="ignore"):  # inf * 0 off the targets: masked out
            gx = _expand_for_none(ctx.xp, g, p["reduction"], axis) * dense
        return (masked(ctx.xp, gx, picked),)


class BinaryCrossEntropy(Op):
    """Elementwise -weight * (t log(x) + (1 - t) log(1 - x)), each log clamped at -100 (as torch)."""

    name = "binary_cross_entropy"
    function = "nn.functional.binary_cross_entropy"

    @staticmethod
    def forward(x, t, weight=None):
        x_ok = (x >= 0) & (x <= 1)
        if not x_ok.all():
            bad = x[~x_ok].flat[0]
            raise OpError(
                f"binary_cross_entropy: all elements of input should be between 0 and 1 "
                f"(probabilities; use binary_cross_entropy_with_logits for logits), found {bad}"
            )
        t_ok = (t >= 0) & (t <= 1)
        if not np.all(t_ok):
            bad = np.asarray(t)[~t_ok].flat[0]
            raise OpError(f"binary_cross_entropy: all elements of target should be between 0 and 1, found {bad}")
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = (t - 1) * log_1mx - t * log_x
        if weight is not None:
            loss = loss * weight
        return np.asarray(loss, dtype=x.dtype), None

    @staticmethod
    def vjp(ctx, g):
        x, t = ctx.x
        xp, w = ctx.xp, ctx.p.get("weight")
        if w is not None:
            g = g * w
        gx = gt = None
        if ctx.needs[0]:
            gx = xp.apply(BinaryCrossEntropyBackward, g, x, t)
        if ctx.needs[1]:  # -logit(x), as torch's binary_cross_entropy_target_backward
            with np.errstate(divide="ignore"):
                gt = g * (_log1p(xp, -x) - xp.log(x))
        return gx, gt


def _clamped_variance(xp, x, eps=BCE_EPSILON):
    """max(x (1 - x), eps): torch's divisor in the gradient of binary_cross_entropy."""
    denom = x * (1.0 - x)
    small = data_of(denom) < eps
    return xp.where(small, eps, denom) if np.any(small) else denom


class BinaryCrossEntropyBackward(Op):
    """g (x - t) / max(x (1 - x), eps), the input gradient of binary_cross_entropy; its own vjp is torch's
    binary_cross_entropy_double_backward, whose x-derivative (x^2 - 2xt + t) / ((x + eps)^2 (1 - x + eps)^2)
    stays finite and exact at x = 0 and 1 (the derivative of the clamped quotient would be g / eps there)."""

    name = "binary_cross_entropy_backward"

    @staticmethod
    def forward(g, x, t):
        with np.errstate(invalid="ignore"):
            return g * (x - t) / _clamped_variance(numpy_namespace, x), None

    @staticmethod
    def vjp(ctx, u):
        g, x, t = ctx.x
        xp = ctx.xp
        gg = gx = gt = None
        if ctx.needs[0]:
            gg = xp.apply(BinaryCrossEntropyBackward, u, x, t)
        if ctx.needs[1]:
            num = x * x - x * t * 2.0 + t
            eps = BCE_DOUBLE_EPSILON
            gx = u * g * num / ((x + eps) ** 2 * (1.0 - x + eps) ** 2)
        if ctx.needs[2]:
            gt = -(u * g) / _clamped_variance(xp, x, BCE_DOUBLE_EPSILON)
        return gg, gx, gt


class BinaryCrossEntropyWithLogits(Op):
    """Elementwise weight * ((1 - t) x - (1 + (pos_weight - 1) t) log_sigmoid(x)), stable for large |x|."""

    name = "binary_cross_entropy_with_logits"
    function = "nn.functional.binary_cross_entropy_with_logits"

    @staticmethod
    def forward(x, t, weight=None, pos_weight=None):
        log_sig = _log_sigmoid(numpy_namespace, x)
        if pos_weight is not None:
            loss = (1 - t) * x - ((pos_weight - 1) * t + 1) * log_sig
        else:
            loss = (1 - t) * x - log_sig
        if weight is not None:
            loss = loss * weight
        return np.asarray(loss, dtype=x.dtype), None

    @staticmethod
    def vjp(ctx, g):
        x, t = ctx.x
        xp, w, pw = ctx.xp, ctx.p.get("weight"), ctx.p.get("pos_weight")
        if w is not None:
            g = g * w
        gx = gt = None
        if ctx.needs[0]:
            if pw is None:
                gx = g * (_sigmoid(xp, x) - t)
            else:  # d/dx = (1 - t) - l_w * sigmoid(-x)
                gx = g * ((1.0 - t) - ((pw - 1) * t + 1) * _sigmoid(xp, -x))
        if ctx.needs[1]:
            gt = -g * x if pw is None else g * (-x - (pw - 1) * _log_sigmoid(xp, x))
        return gx, gt
