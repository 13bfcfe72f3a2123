"""Batch normalisation as one op: the closed-form batch-norm gradient as its vjp (exact under create_graph,
where the batch statistics are rebuilt from the recorded input)."""

import numpy as np

from .base import Op, numpy_namespace


def channel_layout(shape):
    """(reduced axes, broadcast shape of a per-channel array, number of values per channel)."""
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, shape[1]) + (1,) * (len(shape) - 2)
    count = int(np.prod([shape[a] for a in axes]))
    return axes, bshape, count


class BatchNorm(Op):
    """Batch normalisation with precomputed per-channel ``mean`` and ``invstd`` (1/sqrt(var + eps)),
    both given in the broadcast shape (1, C, 1, ...). ``training`` says they are the batch's own
    statistics (so they depend on x); otherwise they are constants (the running statistics)."""

    name = "batch_norm"

    @staticmethod
    def forward(x, w, b, mean, invstd, eps, training):
        _, bshape, _ = channel_layout(x.shape)
        scale = invstd if w is None else invstd * w.reshape(bshape)
        out = (x - mean) * scale
        if b is not None:
            out += b.reshape(bshape)
        return out, None

    @staticmethod
    def vjp(ctx, g):
        x, w, _ = ctx.x
        xp, p = ctx.xp, ctx.p
        axes, bshape, count = channel_layout(x.shape)
        mean, invstd = p["mean"], p["invstd"]
        if p["training"] and ctx.needs[0] and xp is not numpy_namespace:
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
                gx = (gxhat - xp.sum(gxhat, axis=axes, keepdims=True) / count
                      - xhat * (xp.sum(gxhat * xhat, axis=axes, keepdims=True) / count)) * invstd
            else:
                gx = gxhat * invstd
        return gx, gw, gb
