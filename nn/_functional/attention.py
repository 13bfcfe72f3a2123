"""nn.functional: attention family -- ``scaled_dot_product_attention`` (torch's signature and semantics),
composed of differentiable ops (matmul, softmax, masking by ``where``), so higher derivatives work too.

``softmax(query @ key^T * scale + bias) @ value`` over the last two dims (any leading batch dims that
broadcast). ``attn_mask``: a bool mask (True: may attend) or a float mask added to the scores;
``is_causal``: the top-left aligned lower-triangular mask (L x S). As torch's kernels, a query row that may
attend to nothing gives an output row of zeros (and no gradient), not NaN.
"""

import math

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite._internal import wrap
from autograd_lite.ops.base import OpError

from .dropout import dropout

__all__ = ["scaled_dot_product_attention"]


def _check(name, what, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(t).__name__}")
    if t.dtype.kind != "f":
        raise OpError(f"{name}: expected {what} to be a floating point tensor, got dtype {t.dtype}")
    if t.ndim < 2:
        raise OpError(f"{name}: expected {what} of at least 2 dims (..., L, E), got shape {list(t.shape)}")


def masked_scores(scores, attn_mask, allowed_is_true=True):
    """Scores with a mask applied: a bool mask selects (``allowed_is_true``: True keeps the score, else True
    masks it out) with -inf elsewhere; a float mask is added. Returns the new scores."""
    if attn_mask is None:
        return scores
    if not isinstance(attn_mask, Tensor):
        attn_mask = wrap(np.asarray(attn_mask))
    if attn_mask.dtype == np.bool_:
        keep = attn_mask._array if allowed_is_true else ~attn_mask._array
        return al.where(wrap(np.broadcast_to(keep, scores.shape)), scores, float("-inf"))
    if attn_mask.dtype.kind != "f":
        raise OpError(f"attention: attn_mask must be a bool or floating point tensor, got dtype {attn_mask.dtype}")
    return al.add(scores, attn_mask)


def safe_softmax(scores):
    """softmax over the last dim, with rows that are -inf everywhere (nothing to attend to) giving zeros and
    no gradient instead of NaN (torch's _safe_softmax): such rows are softmaxed as zeros, then replaced."""
    data = scores._array
    dead = np.all(np.isneginf(data), axis=-1, keepdims=True)
    if not np.any(dead):
        return al.softmax(scores, -1)
    dead_t = wrap(np.broadcast_to(dead, data.shape))
    return al.where(dead_t, 0.0, al.softmax(al.where(dead_t, 0.0, scores), -1))


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """torch.nn.functional.scaled_dot_product_attention: query (..., L, E), key (..., S, E), value
    (..., S, Ev) -> (..., L, Ev). ``scale`` defaults to 1 / sqrt(E); ``dropout_p`` drops attention weights
    (always applied when > 0, as torch: pass 0.0 in evaluation); ``enable_gqa``: key/value may have fewer
    heads (dim -3) than query, each repeated to match."""
    name = "scaled_dot_product_attention"
    for what, t in (("query", query), ("key", key), ("value", value)):
        _check(name, what, t)
    if not query.dtype == key.dtype == value.dtype:
        raise OpError(
            f"{name}: expected query, key and value to have the same dtype, but got query.dtype: {query.dtype}, "
            f"key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise OpError(
            f"{name}: shapes do not match: query {list(query.shape)} and key {list(key.shape)} need the same "
            f"last dim, key and value {list(value.shape)} the same dim -2"
        )
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            f"{name}: _scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"
        )
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads:
            raise OpError(f"{name}: enable_gqa: {heads} query heads are not a multiple of {kv_heads} key/value heads")
        index = np.repeat(np.arange(kv_heads), heads // kv_heads)
        key = key[..., index, :, :]
        value = value[..., index, :, :]
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = al.mul(al.matmul(query, key.transpose(-2, -1)), scale)
    if is_causal:
        attn_mask = wrap(np.tril(np.ones((L, S), dtype=bool)))
    attn = safe_softmax(masked_scores(scores, attn_mask))
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    return al.matmul(attn, value)
