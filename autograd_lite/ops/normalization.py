"""Batch normalisation as one op: the closed-form batch-norm gradient as its vjp (exact under create_graph,
where the batch statistics are rebuilt from the recorded input)."""

import numpy as np

from .base import Op, channel_dot, numpy_namespace, sum_leading


def channel_layout(shape):
    """(reduced axes, broadcast shape of a per-channel array, number of values per channel)."""
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, shape[1]) + (1,) * (len(shape) - 2)
    count = int(np.prod([shape[a] for a in axes]))
    return axes, bshape, count


def batch_stats(x, axes, count):
    """The batch mean and biased variance of each channel of the array ``x`` (in the broadcast shape), from
    the centred values (no E[x^2] - E[x]^2 cancellation); on channels-last memory the sums are a GEMV and an
    einsum (no squares array)."""
    mean = sum_leading(x, axes, True) / x.dtype.type(count)
    centered = np.subtract(x, mean)
    return mean, channel_dot(centered, centered, axes, True) / x.dtype.type(count)


class BatchNorm(Op):
    """Batch normalisation with precomputed per-channel ``mean`` and ``invstd`` (1/sqrt(var + eps)),
    both given in the broadcast shape (1, C, 1, ...). ``training`` says they are the batch's own
    statistics (so they depend on x); otherwise they are constants (the running statistics). The forward is
    torch's CPU form, x * alpha + beta with alpha = invstd * w and beta = b - mean * alpha: two passes."""

    name = "batch_norm"
    function = "nn.functional.batch_norm"

    @staticmethod
    def forward(x, w, b, mean, invstd, eps, training):
        _, bshape, _ = channel_layout(x.shape)
        alpha = invstd if w is None else invstd * w.reshape(bshape)
        beta = -mean * alpha if b is None else b.reshape(bshape) - mean * alpha
        out = np.multiply(x, alpha)
        out += beta
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
    (a GEMV and an einsum on channels-last memory), then dx = invstd * w * (g - mean(g) - (x - mean) * invstd^2 *
    mean(g * (x - mean))) in place in the (x - mean) buffer (in evaluation only dx = g * invstd * w)."""
    axes, bshape, count = channel_layout(x.shape)
    centered = np.subtract(x, mean)
    sum_g = sum_leading(g, axes, True)
    dot = channel_dot(g, centered, axes, True) if needs[1] or (needs[0] and training) else None
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


def _group_stats(xr, eps):
    """Mean and 1/sqrt(biased var + eps) over the last axis of the grouped array ``xr`` (keepdims), two-pass."""
    count = xr.shape[-1]
    mean = np.sum(xr, axis=-1, keepdims=True) / xr.dtype.type(max(count, 1))
    centered = np.subtract(xr, mean)
    var = np.einsum("...k,...k->...", centered, centered)[..., None] / xr.dtype.type(max(count, 1))
    invstd = (1.0 / np.sqrt(var + eps)).astype(xr.dtype, copy=False)
    return mean, invstd, centered


def _graph_stats(xp, xr, eps):
    """The same statistics as recorded functions of ``xr`` (create_graph), with the normalised ``xhat``."""
    count = max(int(xp.data(xr).shape[-1]), 1)
    mean = xp.sum(xr, axis=-1, keepdims=True) / count
    centered = xr - mean
    var = xp.sum(centered * centered, axis=-1, keepdims=True) / count
    invstd = 1.0 / xp.sqrt(var + eps)
    return centered * invstd, invstd


def _normalized_input_grad(xp, gxhat, xhat, invstd):
    """d/dx of xhat = (x - mean) * invstd over the last axis: invstd * (gxhat - mean(gxhat) -
    xhat * mean(gxhat * xhat)); one formula for arrays and recorded tensors."""
    count = max(int(xp.data(gxhat).shape[-1]), 1)
    return (
        gxhat
        - xp.sum(gxhat, axis=-1, keepdims=True) / count
        - xhat * (xp.sum(gxhat * xhat, axis=-1, keepdims=True) / count)
    ) * invstd


class _GroupedNorm(Op):
    """Shared forward and vjp of layer and group normalisation: the input is viewed as ``grouped(shape)``
    (rows normalised over their last axis), then scaled and shifted elementwise by the weight and bias
    reshaped by ``affine_shape(shape, params)`` (they broadcast against the input)."""

    @staticmethod
    def grouped(shape, p):
        raise NotImplementedError

    @staticmethod
    def affine_shape(shape, p):
        raise NotImplementedError

    @staticmethod
    def affine_axes(shape, p):
        """The axes of the input that the weight's and bias's gradients are summed over."""
        raise NotImplementedError

    @classmethod
    def forward(cls, x, w, b, **p):
        mean, invstd, centered = _group_stats(x.reshape(cls.grouped(x.shape, p)), p["eps"])
        out = np.multiply(centered, invstd, out=centered).reshape(x.shape)
        ashape = cls.affine_shape(x.shape, p)
        if w is not None:
            out *= w.reshape(ashape)
        if b is not None:
            out += b.reshape(ashape)
        return out, (mean, invstd)

    @classmethod
    def vjp(cls, ctx, g):
        x, w, _ = ctx.x
        xp, p = ctx.xp, ctx.p
        shape = xp.data(x).shape
        gshape, ashape, axes = cls.grouped(shape, p), cls.affine_shape(shape, p), cls.affine_axes(shape, p)
        if xp is numpy_namespace and type(g) is np.ndarray:
            mean, invstd = ctx.saved
            xhat = np.subtract(x.reshape(gshape), mean)
            xhat *= invstd
        else:  # create_graph: the statistics as recorded functions of x, so that the gradient is too
            xhat, invstd = _graph_stats(xp, xp.reshape(x, gshape), p["eps"])
        xhat_full = xp.reshape(xhat, shape)
        gw = xp.reshape(xp.sum(g * xhat_full, axis=axes), xp.data(w).shape) if ctx.needs[1] else None
        gb = xp.reshape(xp.sum(g, axis=axes), xp.data(ctx.x[2]).shape) if ctx.needs[2] else None
        gx = None
        if ctx.needs[0]:
            gxhat = g if w is None else g * xp.reshape(w, ashape)
            gx = xp.reshape(_normalized_input_grad(xp, xp.reshape(gxhat, gshape), xhat, invstd), shape)
        return gx, gw, gb


class LayerNorm(_GroupedNorm):
    """Layer normalisation over the last ``ndim`` dims (``normalized_shape``): ``(x - mean) / sqrt(var + eps)``
    with the biased variance, times ``weight`` plus ``bias`` (both of shape normalized_shape, or None)."""

    name = "layer_norm"
    function = "nn.functional.layer_norm"

    @staticmethod
    def grouped(shape, p):
        lead = shape[: len(shape) - p["ndim"]]
        return (*lead, int(np.prod(shape[len(lead) :], dtype=np.int64)))

    @staticmethod
    def affine_shape(shape, p):
        return shape[len(shape) - p["ndim"] :]

    @staticmethod
    def affine_axes(shape, p):
        return tuple(range(len(shape) - p["ndim"]))


class GroupNorm(_GroupedNorm):
    """Group normalisation of an (N, C, *) input: the C channels split into ``groups`` groups, each sample's
    group normalised over its channels and spatial positions, then a per-channel ``weight`` and ``bias``."""

    name = "group_norm"
    function = "nn.functional.group_norm"

    @staticmethod
    def grouped(shape, p):
        return (shape[0], p["groups"], int(np.prod(shape[1:], dtype=np.int64)) // p["groups"] if p["groups"] else 0)

    @staticmethod
    def affine_shape(shape, p):
        return (1, shape[1]) + (1,) * (len(shape) - 2)

    @staticmethod
    def affine_axes(shape, p):
        return (0,) + tuple(range(2, len(shape)))
