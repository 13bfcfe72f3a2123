"""Tensor creation (``tensor``, ``zeros``, ``randn``...) and the framework's one random generator.

``manual_seed(seed)`` reseeds the generator that every random draw in autograd_lite uses (creation here,
initialisation, dropout, data shuffling), so a seeded run is reproducible.
"""

import operator

import numpy as np

from . import dtypes
from .tensor import Tensor, _check_grad_dtype, _to_array

_generator = [np.random.default_rng()]


def manual_seed(seed):
    """Reseed the framework's random generator; returns it (a numpy Generator)."""
    _generator[0] = np.random.default_rng(int(seed))
    return _generator[0]


def default_generator():
    """The numpy Generator behind every random draw in autograd_lite."""
    return _generator[0]


def _finish(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        _check_grad_dtype(array.dtype, "requires_grad")
        t._rg = True
    return t


def _shape(name, size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(operator.index(n) for n in size)  # not int(): a float size is an error, as in torch
    except (TypeError, ValueError):
        raise TypeError(f"{name}: sizes must be ints, got {size!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{name}: sizes must be non-negative, got {shape}")
    return shape


def _float_dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def tensor(data, requires_grad=False, dtype=None):
    """A new tensor copying ``data``: Python floats become the default dtype (float32), Python ints int64,
    numpy arrays keep their dtype."""
    array = _to_array(data, None if dtype is None else np.dtype(dtype), copy=True)
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None):
    """Like ``tensor`` but without copying a numpy array of the right dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return _finish(_to_array(data, None if dtype is None else np.dtype(dtype), copy=False), False)


def from_numpy(array):
    """A tensor sharing memory with a numpy array (changes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(_to_array(array, None, copy=False, where="from_numpy"))


def zeros(*size, dtype=None, requires_grad=False):
    return _finish(np.zeros(_shape("zeros", size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _finish(np.ones(_shape("ones", size), dtype=_float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _finish(np.empty(_shape("empty", size), dtype=_float_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value, as torch)."""
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, int) else dtypes.get_default_dtype())
    return _finish(np.full(_shape("full", (size,)), fill_value, dtype=dtype), requires_grad)


def _like(input, dtype):
    return input.dtype if dtype is None else np.dtype(dtype)


def zeros_like(input, dtype=None, requires_grad=False):
    return _finish(np.zeros(input.shape, dtype=_like(input, dtype)), requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    return _finish(np.ones(input.shape, dtype=_like(input, dtype)), requires_grad)


def empty_like(input, dtype=None, requires_grad=False):
    return _finish(np.empty(input.shape, dtype=_like(input, dtype)), requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    return _finish(np.full(input.shape, fill_value, dtype=_like(input, dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values from start (inclusive) to end (exclusive); int64 for int arguments, else the default float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else dtypes.get_default_dtype()
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    """``steps`` evenly spaced values from start to end, both included."""
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, int(steps)).astype(_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the framework's generator."""
    dtype = _float_dtype(dtype)
    return _finish(_generator[0].random(_shape("rand", size)).astype(dtype), requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal samples from the framework's generator."""
    dtype = _float_dtype(dtype)
    return _finish(_generator[0].standard_normal(_shape("randn", size)).astype(dtype), requires_grad)


def randint(low, high=None, size=(), dtype=None):
    """Integers uniformly in [low, high) (int64 unless a dtype is given); ``randint(high, size)`` too."""
    if isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    dtype = np.int64 if dtype is None else np.dtype(dtype)
    return Tensor._wrap(_generator[0].integers(low, high, size=_shape("randint", (size,))).astype(dtype))


def randperm(n, dtype=None):
    """A random permutation of 0..n-1 (int64)."""
    return Tensor._wrap(_generator[0].permutation(int(n)).astype(dtype or np.int64))
