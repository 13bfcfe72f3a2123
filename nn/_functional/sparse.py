"""nn.functional: sparse family -- ``embedding`` (torch's signature and semantics).

``embedding(input, weight)`` gathers the rows ``weight[input]``: a composition of the differentiable
indexing op (its vjp scatter-adds the output gradient into the rows), so higher derivatives work.

* ``padding_idx``: the rows gathered at that index get no gradient (the lookup there reads a detached
  weight, selected by ``where``: exactly 0 whatever gradient flows in, as torch).
* ``max_norm``: as torch, the rows looked up whose ``norm_type``-norm exceeds ``max_norm`` are rescaled in
  place to norm ``max_norm`` (scale ``max_norm / (norm + 1e-7)``) before the lookup, without recording it.
* ``scale_grad_by_freq``: each row's gradient is divided by the number of times it occurs in ``input``;
  the lookup is then ``w.detach() + (w * s - (w * s).detach())`` with ``s = 1 / count``, whose value is the
  lookup exactly (``a - a`` is 0 for a finite ``a``) and whose gradient is ``s * g``.
* ``sparse=True`` asks torch for a sparse gradient; autograd_lite has no sparse tensors, so it is refused.
"""

import operator

import numpy as np

from autograd_lite import Tensor, no_grad, where
from autograd_lite._internal import bump_version, wrap
from autograd_lite.ops.base import OpError

__all__ = ["embedding"]


def _padding_idx(padding_idx, num_embeddings, where_="embedding"):
    """torch's normalisation of padding_idx: a negative index counts from the end; out of range is refused."""
    if padding_idx is None:
        return None
    try:
        padding_idx = operator.index(padding_idx)
    except TypeError:
        raise TypeError(f"{where_}: padding_idx must be an int or None, got {padding_idx!r}") from None
    if padding_idx > 0:
        if padding_idx >= num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = num_embeddings + padding_idx
    return padding_idx


def _renorm(weight, indices, max_norm, norm_type):
    """torch's embedding_renorm_: rows of ``weight`` referenced by ``indices`` with a norm above ``max_norm``
    are scaled in place to ``max_norm`` (no graph recorded; the version is bumped)."""
    rows = np.unique(indices)
    if rows.size == 0:
        return
    data = weight._array
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if np.any(over):
        scale = max_norm / (norms[over] + 1e-7)
        with no_grad():
            data[rows[over]] = (data[rows[over]] * scale[:, None]).astype(data.dtype)
            bump_version(weight)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """torch.nn.functional.embedding: the rows ``weight[input]`` of a (num_embeddings, embedding_dim) weight,
    for an integer ``input`` of any shape -> output of shape input.shape + (embedding_dim,)."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding: weight must be a Tensor, got {type(weight).__name__}")
    if not isinstance(input, Tensor):
        if isinstance(input, np.ndarray):
            input = wrap(input)
        else:
            raise TypeError(f"embedding: input must be an integer Tensor, got {type(input).__name__}")
    if input.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got a tensor of dtype {input.dtype} instead (while checking arguments for embedding)"
        )
    if weight.ndim != 2:
        raise OpError(f"embedding: 'weight' must be 2-D, got shape {tuple(weight.shape)}")
    if sparse:
        raise NotImplementedError(
            "embedding: sparse=True (a sparse gradient) is not supported: autograd_lite has no sparse tensors"
        )
    num = weight.shape[0]
    padding_idx = _padding_idx(padding_idx, num)
    indices = np.asarray(input._array)
    if indices.size and (indices.min() < 0 or indices.max() >= num):
        raise IndexError(
            f"index out of range in self (embedding: weight has {num} rows, indices range over "
            f"{indices.min()}..{indices.max()}; negative indices are refused, as torch)"
        )
    if max_norm is not None:
        _renorm(weight, indices, float(max_norm), float(norm_type))
    index = wrap(indices.astype(np.int64, copy=False))
    out = weight[index]
    if scale_grad_by_freq and weight.requires_grad:
        counts = np.bincount(indices.reshape(-1), minlength=num)
        scale = wrap((1.0 / np.maximum(counts[indices], 1)).astype(weight.dtype)[..., None])
        scaled = out * scale
        out = out.detach() + (scaled - scaled.detach())
    if padding_idx is not None and weight.requires_grad:
        pad = wrap((indices == padding_idx)[..., None])
        out = where(pad, weight.detach()[index], out)
    return out
