"""nn layers: attention -- ``MultiheadAttention`` (torch's constructor, parameter names, init, repr and
forward semantics, as torch.nn.functional.multi_head_attention_forward computes them).

Parameters as torch: ``in_proj_weight`` (3E, E) when key and value have the embedding size (else
``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``), ``in_proj_bias`` (3E), ``out_proj`` (a Linear, E -> E),
and with ``add_bias_kv`` ``bias_k``/``bias_v`` (1, 1, E). Init: xavier_uniform_ projections, zero biases,
xavier_normal_ bias_k/bias_v, out_proj.weight as a Linear's.

Masks: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N * num_heads, L, S); a bool mask is True where
attending is *not* allowed (the opposite of scaled_dot_product_attention's), a float mask is added to the
scores. With ``need_weights`` the weights (averaged over the heads unless ``average_attn_weights=False``)
are returned too, and a query that may attend to nothing gives NaN as in torch; without, the output comes from
scaled_dot_product_attention (zeros for such a query) and the weights are None.
"""

import math

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite._internal import wrap
from autograd_lite.devices import check_device
from autograd_lite.ops.base import OpError

from .. import _checks, init
from .._functional.attention import scaled_dot_product_attention
from .._functional.dropout import dropout
from .._functional.linear import linear
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under torch's name for MultiheadAttention's out_proj (so that the repr is torch's)."""


def _float_mask(mask, dtype, what):
    """A mask as an additive float tensor: a bool mask gives -inf where True (not allowed), 0 elsewhere."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        mask = wrap(np.asarray(mask))
    if mask.dtype == np.bool_:
        return wrap(np.where(mask._array, -np.inf, 0.0).astype(dtype))
    if mask.dtype.kind != "f":
        raise OpError(f"MultiheadAttention: only bool and floating types of {what} are supported, got {mask.dtype}")
    return mask


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size embed_dim // num_heads: queries, keys and values projected,
    scaled dot-product attention per head, the heads concatenated and projected by ``out_proj``.

    Inputs (L, N, E) / (S, N, kdim) / (S, N, vdim), or (N, L, E)... with ``batch_first``, or unbatched
    (L, E); returns ``(attn_output, attn_weights)``.
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
    ):
        check_device("MultiheadAttention", device)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        super().__init__()
        dtype = _checks.float_dtype("MultiheadAttention", dtype)
        self.embed_dim = _checks.size("MultiheadAttention", "embed_dim", embed_dim)
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        E = embed_dim
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(np.empty((E, E), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((E, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((E, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(np.empty((3 * E, E), dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * E, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(E, E, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, E), dtype=dtype))
            self.bias_v = Parameter(np.empty((1, 1, E), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        """torch's init: xavier_uniform_ projection weights, zero in_proj_bias and out_proj.bias,
        xavier_normal_ bias_k and bias_v (out_proj.weight keeps its Linear init)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _projections(self, query, key, value):
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E : 2 * E], w[2 * E :]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E : 2 * E], b[2 * E :])
        return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        for what, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {what} must be a Tensor, got {type(t).__name__}")
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise OpError(
                "MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D (unbatched), got "
                f"shapes {list(query.shape)}, {list(key.shape)}, {list(value.shape)}"
            )
        if self.batch_first and batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        if not batched:
            query, key, value = (x.unsqueeze(1) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        L, B, E = query.shape
        H, hd = self.num_heads, self.head_dim
        if E != self.embed_dim:
            raise OpError(f"MultiheadAttention: was expecting embedding dimension of {self.embed_dim}, but got {E}")
        if key.shape[:2] != value.shape[:2]:
            raise OpError(
                f"MultiheadAttention: key shape {list(key.shape)} does not match value shape {list(value.shape)}"
            )
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
                "`generate_square_subsequent_mask` to create this mask."
            )
        dtype = query.dtype
        use_causal_hint = is_causal and key_padding_mask is None and not need_weights
        attn_mask = None if use_causal_hint else _float_mask(attn_mask, dtype, "attn_mask")
        key_padding_mask = _float_mask(key_padding_mask, dtype, "key_padding_mask")
        if attn_mask is not None:
            if attn_mask.ndim == 2:
                if tuple(attn_mask.shape) != (L, key.shape[0]):
                    raise RuntimeError(
                        f"The shape of the 2D attn_mask is {list(attn_mask.shape)}, but should be {[L, key.shape[0]]}."
                    )
                attn_mask = attn_mask.unsqueeze(0)
            elif attn_mask.ndim == 3:
                if tuple(attn_mask.shape) != (B * H, L, key.shape[0]):
                    raise RuntimeError(
                        f"The shape of the 3D attn_mask is {list(attn_mask.shape)}, but should be "
                        f"{[B * H, L, key.shape[0]]}."
                    )
            else:
                raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

        q, k, v = self._projections(query, key, value)
        if self.bias_k is not None:
            k = al.cat([k, self.bias_k.expand(1, B, E)], 0)
            v = al.cat([v, self.bias_v.expand(1, B, E)], 0)
            if attn_mask is not None:
                attn_mask = al.pad(attn_mask, (0, 1))
            if key_padding_mask is not None:
                key_padding_mask = al.pad(key_padding_mask, (0, 1))
        q = q.reshape(L, B * H, hd).transpose(0, 1)
        k = k.reshape(k.shape[0], B * H, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], B * H, hd).transpose(0, 1)
        if self.add_zero_attn:
            zeros = wrap(np.zeros((B * H, 1, hd), dtype=dtype))
            k, v = al.cat([k, zeros], 1), al.cat([v, zeros], 1)
            if attn_mask is not None:
                attn_mask = al.pad(attn_mask, (0, 1))
            if key_padding_mask is not None:
                key_padding_mask = al.pad(key_padding_mask, (0, 1))
        S = k.shape[1]
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (B, S):
                raise RuntimeError(
                    f"expecting key_padding_mask shape of {(B, S)}, but got {tuple(key_padding_mask.shape)}"
                )
            kpm = key_padding_mask.reshape(B, 1, 1, S).expand(B, H, 1, S).reshape(B * H, 1, S)
            attn_mask = kpm if attn_mask is None else al.add(attn_mask, kpm)
        p = self.dropout if self.training else 0.0

        if need_weights:
            scores = al.matmul(al.mul(q, math.sqrt(1.0 / hd)), k.transpose(-2, -1))
            if attn_mask is not None:
                scores = al.add(scores, attn_mask)
            weights = al.softmax(scores, -1)
            if p > 0.0:
                weights = dropout(weights, p)
            out = al.matmul(weights, v).transpose(0, 1).reshape(L * B, E)
            out = self.out_proj(out).reshape(L, B, E)
            weights = weights.reshape(B, H, L, S)
            if average_attn_weights:
                weights = weights.mean(1)
            if not batched:
                out, weights = out.squeeze(1), weights.squeeze(0)
        else:
            if attn_mask is not None:
                if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
                    attn_mask = attn_mask.unsqueeze(0)
                else:
                    attn_mask = attn_mask.reshape(B, H, -1, S)
            q, k, v = (t.reshape(B, H, t.shape[1], hd) for t in (q, k, v))
            out = scaled_dot_product_attention(q, k, v, attn_mask, p, use_causal_hint)
            out = out.permute(2, 0, 1, 3).reshape(B * L, E)
            out = self.out_proj(out).reshape(L, B, E)
            weights = None
            if not batched:
                out = out.squeeze(1)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
