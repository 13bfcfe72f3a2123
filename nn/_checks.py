"""Argument checks shared by the nn layers: each error names the layer, the argument, the value and what
was expected, where numpy would otherwise fail later with a bare message."""

import math
import numbers
import operator

import numpy as np

from autograd_lite import dtypes
from autograd_lite.ops.base import OpError
from autograd_lite.tensor import Tensor


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


def pair(layer, arg, value, minimum):
    """An int or a pair of ints, each at least ``minimum``, as a pair (kernel_size, stride, padding...)."""
    values = value if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2:
        raise ValueError(f"{layer}: {arg} must be an int or a pair of ints, got {value!r}")
    try:
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{layer}: {arg} must be an int or a pair of ints, got {value!r}") from None
    if any(v < minimum for v in values):
        expected = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise OpError(f"{layer}: {arg} must be {expected}, got {value!r}")
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
    if isinstance(value, Tensor) and value.data.size == 1:
        value = value.data.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{layer}: {arg} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if finite and not math.isfinite(value):
        raise ValueError(f"{layer}: {arg} must be finite, got {value}")
    return value
