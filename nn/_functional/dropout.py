"""nn.functional: dropout family -- ``dropout`` and ``dropout2d`` (inverted dropout, as torch).

In training, each element (``dropout``) or each whole channel (``dropout2d``) is kept with probability
``1 - p`` and the kept values are scaled by ``1 / (1 - p)``, so the expectation is unchanged; in
evaluation (``training=False``) or with ``p == 0`` the input is returned as it is. The masks are drawn
from ``autograd_lite.default_generator()``, so ``autograd_lite.manual_seed`` makes them reproducible
(the mask for a given seed and shape does not depend on the dtype). The output is ``input * mask``, so
the gradient is ``grad * mask`` (the same mask).
"""

import warnings

import numpy as np

from autograd_lite._internal import wrap
from autograd_lite.creation import default_generator
from autograd_lite import mul
from autograd_lite.ops.shape import Reshape
from autograd_lite._internal import apply

from .. import _checks

__all__ = ["dropout", "dropout2d"]


def _check_p(p):
    _checks.real("dropout", "p", p)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(input, p, shape):
    """A mask of ``shape`` (broadcastable to the input) with 1/(1-p) where kept and 0 elsewhere."""
    if input.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating point tensor, got dtype {input.dtype}")
    if p == 1.0:
        return np.zeros(shape, dtype=input.dtype)
    keep = default_generator().random(shape) >= p
    return keep.astype(input.dtype) * input.dtype.type(1.0 / (1.0 - p))


def _alias(input):
    """A new tensor viewing input (never input itself, so that changing the result's flags cannot
    change input's)."""
    return apply(Reshape, input, shape=input.shape)


def _apply(input, mask, inplace):
    mask = wrap(mask)
    if inplace:
        return input.mul_(mask)
    return mul(input, mask)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when training."""
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return _alias(input)
    return _apply(input, _mask(input, p, input.shape), inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability ``p`` (one draw per (sample, channel)) when training.

    As torch (2.x): a 4-D input is (N, C, H, W); a 3-D input is treated as (N, C, L) with a warning
    (torch's historical channel-wise 1-D behaviour, not as an unbatched (C, H, W)); other numbers of
    dims (at least 2) warn and drop along dims 0 and 1 the same way.
    """
    _check_p(p)
    ndim = input.ndim
    if ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            stacklevel=2,
        )
    if not training or p == 0.0 or input.numel() == 0:
        return _alias(input)
    if ndim < 2:
        raise ValueError(
            f"dropout2d: feature dropout needs an input of at least 2 dims (N, C, ...), got shape {input.shape}"
        )
    shape = input.shape[:2] + (1,) * (ndim - 2)
    return _apply(input, _mask(input, p, shape), inplace)
