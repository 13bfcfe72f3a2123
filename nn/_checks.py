"""Argument checks shared by the nn layers: each error names the layer, the argument, the value and what
was expected, where numpy would otherwise fail later with a bare message."""

import math
import numbers
import operator

import numpy as np

from autograd_lite import dtypes
from autograd_lite.ops.base import OpError
from autograd_lite import Tensor


__all__ = ["size", "pair", "float_dtype", "real"]


def size(layer, arg, value, minimum=0):
    """``value`` as an int of at least ``minimum`` (a layer size such as in_features)."""
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{layer}: {arg} must be an int, got {value!r} ({type(value).__name__})") from None
    if n < minimum:
        expected = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise OpError(f"{layer}: {arg} must be {expected}, got {n}")
    return n


def _index(value):
    """``operator.index(value)``, refusing bools (a bool is not a size: torch refuses them too)."""
    if isinstance(value, bool):
        raise TypeError("bool")
    return operator.index(value)


def pair(layer, arg, value, minimum=None, one=False):
    """An int or a pair of ints as a tuple of two ints: the one parser of 2-D sizes (kernel_size, stride,
    padding, dilation, output_padding) for the conv and pooling layers and functions.

    ``value`` is an int (a numpy integer, anything with ``__index__``; not a bool), used for both dims, or
    a sequence of two such ints. With ``one=True`` (pooling, as torch) a one-element sequence also stands
    for both dims, and the messages use torch's pooling wording ("must either be a single int, or a tuple
    of two ints"); otherwise they say "must be an int or a pair of ints". Errors: not ints -> TypeError;
    a wrong number of ints -> OpError (a ValueError); an int below ``minimum`` (None: no bound) -> OpError
    saying "non-negative" (minimum 0), "positive" (1) or "at least <minimum>".
    """
    expected = "either be a single int, or a tuple of two ints" if one else "be an int or a pair of ints"
    try:
        try:
            n = _index(value)
        except TypeError:
            values = tuple(_index(v) for v in value)
        else:
            values = (n, n)
    except TypeError:
        raise TypeError(f"{layer}: {arg} must {expected}, got {value!r}") from None
    if one and len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise OpError(f"{layer}: {arg} must {expected}, got {value!r}")
    if minimum is not None and any(v < minimum for v in values):
        kind = {0: "non-negative", 1: "positive"}.get(minimum, f"at least {minimum}")
        raise OpError(f"{layer}: {arg} must be {kind}, got {value!r}")
    return values


def float_dtype(layer, dtype):
    """A layer's ``dtype`` argument as a floating numpy dtype (None: the default dtype)."""
    if dtype is None:
        return dtypes.get_default_dtype()
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{layer}: dtype must be a floating point dtype such as al.float32, got {dtype!r}") from None
    if dtype.kind != "f":
        raise TypeError(f"{layer}: dtype must be a floating point dtype (parameters require gradients), got {dtype}")
    return dtype


def real(layer, arg, value, finite=True):
    """``value`` as a float (a real number or a one-element tensor, not a bool or a string), finite unless
    told otherwise."""
    if isinstance(value, Tensor) and value._array.size == 1:
        value = value._array.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{layer}: {arg} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if finite and not math.isfinite(value):
        raise ValueError(f"{layer}: {arg} must be finite, got {value}")
    return value
