"""Batch normalisation as one op: the closed-form batch-norm gradient as its vjp (exact under create_graph,
where the batch statistics are rebuilt from the recorded input)."""

import numpy as np

from .base import Op, numpy_namespace, sum_leading


def channel_layout(shape):
    """(reduced axes, broadcast shape of a per-channel array, number of values per channel)."""
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, shape[1]) + (1,) * (len(shape) - 2)
    count = int(np.prod([shape[a] for a in axes]))
    return axes, bshape, count


def batch_stats(x, axes, count):
    """The batch mean and biased variance of each channel of the array ``x`` (in the broadcast shape), from
    the centred values (no E[x^2] - E[x]^2 cancellation); the sums are GEMVs on channels-last memory."""
    mean = sum_leading(x, axes, True) / x.dtype.type(count)
    squares = np.subtract(x, mean)
    np.multiply(squares, squares, out=squares)
    return mean, sum_leading(squares, axes, True) / x.dtype.type(count)


class BatchNorm(Op):
    """Batch normalisation with precomputed per-channel ``mean`` and ``invstd`` (1/sqrt(var + eps)),
    both given in the broadcast shape (1, C, 1, ...). ``training`` says they are the batch's own
    statistics (so they depend on x); otherwise they are constants (the running statistics)."""

    name = "batch_norm"
    function = "nn.functional.batch_norm"

    @staticmethod
    def forward(x, w, b, mean, invstd, eps, training):
        _, bshape, _ = channel_layout(x.shape)
        scale = invstd if w is None else invstd * w.reshape(bshape)
        out = np.subtract(x, mean)
        out *= scale
        if b is not None:
            out += b.reshape(bshape)
        return out, None

    @staticmethod
    def vjp(ctx, g):
        x, w, _ = ctx.x
        xp, p = ctx.xp, ctx.p
        if xp is numpy_namespace and type(g) is np.ndarray:
            return _vjp_numpy(x, w, g, p["mean"], p["invstd"], p["training"], ctx.needs)
        axes, bshape, count = channel_layout(x.shape)
        mean, invstd = p["mean"], p["invstd"]
        if p["training"] and ctx.needs[0]:
            # create_graph: the statistics as recorded functions of x, so that the gradient is too
            mean = xp.sum(x, axis=axes, keepdims=True) / count
            centered = x - mean
            var = xp.sum(centered * centered, axis=axes, keepdims=True) / count
            invstd = 1.0 / xp.sqrt(var + p["eps"])
            xhat = centered * invstd
        else:
            xhat = (x - mean) * invstd
        gw = xp.sum(g * xhat, axis=axes) if ctx.needs[1] else None
        gb = xp.sum(g, axis=axes) if ctx.needs[2] else None
        gx = None
        if ctx.needs[0]:
            gxhat = g if w is None else g * xp.reshape(w, bshape)
            if p["training"]:
                gx = (
                    gxhat
                    - xp.sum(gxhat, axis=axes, keepdims=True) / count
                    - xhat * (xp.sum(gxhat * xhat, axis=axes, keepdims=True) / count)
                ) * invstd
            else:
                gx = gxhat * invstd
        return gx, gw, gb


def _vjp_numpy(x, w, g, mean, invstd, training, needs):
    """The batch-norm vjp on arrays in few passes over memory: the per-channel sums of g and g * (x - mean)
    (GEMVs on channels-last memory), then dx = invstd * w * (g - mean(g) - (x - mean) * invstd^2 *
    mean(g * (x - mean))) in place in the (x - mean) buffer (in evaluation only dx = g * invstd * w)."""
    axes, bshape, count = channel_layout(x.shape)
    centered = np.subtract(x, mean)
    sum_g = sum_leading(g, axes, True)
    dot = sum_leading(np.multiply(g, centered), axes, True) if needs[1] or (needs[0] and training) else None
    gw = (dot * invstd).reshape(-1) if needs[1] else None
    gb = sum_g.reshape(-1) if needs[2] else None
    gx = None
    if needs[0]:
        scale = invstd if w is None else invstd * w.reshape(bshape)
        if training:
            centered *= -(invstd * invstd) * dot / count
            centered += g
            centered -= sum_g / count
            centered *= scale
            gx = centered
        else:
            gx = g * scale
    return gx, gw, gb
