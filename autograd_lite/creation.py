"""Tensor creation (``tensor``, ``zeros``, ``randn``...) and the framework's one random generator.

``manual_seed(seed)`` reseeds the generator that every random draw in autograd_lite uses (creation here,
initialisation, dropout, data shuffling), so a seeded run is reproducible.
"""

import operator

import numpy as np

from . import dtypes
from .ops.base import OpError
from .tensor import Tensor, _check_grad_dtype, _to_array

_generator = [np.random.default_rng()]


def manual_seed(seed):
    """Reseed the framework's random generator; returns it (a numpy Generator)."""
    _generator[0] = np.random.default_rng(int(seed))
    return _generator[0]


def default_generator():
    """The numpy Generator behind every random draw in autograd_lite."""
    return _generator[0]


def get_rng_state():
    """The state of the framework's random generator (a dict of ints, which ``al.save`` can store), for
    ``set_rng_state``: a checkpoint that keeps it resumes on exactly the same random draws."""
    return _generator[0].bit_generator.state


def set_rng_state(state):
    """Restore the framework's random generator to a state from ``get_rng_state``."""
    _set_state("set_rng_state", _generator[0], state)


def _set_state(name, generator, state):
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as err:
        raise ValueError(f"{name}: not a random generator state from get_rng_state/get_state ({err})") from None


class Generator:
    """``torch.Generator``'s interface over a numpy generator of its own: pass one as ``generator=`` to
    ``random_split``, ``DataLoader`` or a sampler to draw from it instead of the framework's generator."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise ValueError(f"Generator: autograd_lite runs on the CPU only; got device {device!r}")
        self._seed = int(np.random.SeedSequence().entropy % 2**63)
        self.numpy = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        """Reseed; returns the generator itself, as torch's does."""
        self._seed = operator.index(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.numpy.bit_generator.state

    def set_state(self, state):
        _set_state("Generator.set_state", self.numpy, state)
        return self

    @property
    def device(self):
        return "cpu"


def numpy_generator(generator, where):
    """The numpy Generator to draw from: the framework's for None, else the given ``al.Generator`` (or numpy
    Generator); ``where`` names the caller in the TypeError for anything else."""
    if generator is None:
        return _generator[0]
    if isinstance(generator, Generator):
        return generator.numpy
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"{where}: generator must be an autograd_lite.Generator (or a numpy Generator), got {type(generator).__name__}"
    )


def _finish(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        _check_grad_dtype(array.dtype, "requires_grad")
        t._rg = True
    return t


def _count(name, arg, value):
    """A non-negative int argument (a size, ``n``, ``steps``): not a float, not a bool, as torch."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: {arg} must be an int, got {value!r} (bool)")
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{name}: {arg} must be an int, got {value!r} ({type(value).__name__})") from None
    if n < 0:
        raise OpError(f"{name}: {arg} must be non-negative, got {n}")
    return n


def _shape(name, size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        if any(isinstance(n, (bool, np.bool_)) for n in size):
            raise TypeError
        shape = tuple(operator.index(n) for n in size)  # not int(): a float size is an error, as in torch
    except (TypeError, ValueError):
        raise TypeError(f"{name}: sizes must be ints, got {size!r}") from None
    if any(n < 0 for n in shape):
        raise OpError(f"{name}: sizes must be non-negative, got {shape}")
    return shape


def _dtype(name, dtype):
    """``dtype`` checked (see dtypes.check_dtype)."""
    return dtypes.check_dtype(name, dtype)


def _float_dtype(dtype, name="tensor"):
    return dtypes.get_default_dtype() if dtype is None else _dtype(name, dtype)


def _random_dtype(name, dtype):
    dtype = _float_dtype(dtype, name)
    if dtype.kind != "f":
        raise TypeError(
            f"{name}: dtype must be a floating point dtype, got {dtype} (random floats cannot be "
            "drawn in an integer dtype; use randint)"
        )
    return dtype


def _number(name, arg, value):
    """A Python or numpy number (bool, int, float) or a one-element tensor's value, as torch's Number arguments."""
    if isinstance(value, Tensor) and value.data.size == 1:
        return value.data.item()
    if not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"{name}: {arg} must be a number, got {value!r} ({type(value).__name__})")
    return value


def tensor(data, requires_grad=False, dtype=None):
    """A new tensor copying ``data``: Python floats become the default dtype (float32), Python ints int64,
    numpy arrays keep their dtype."""
    dtype = _dtype("tensor", dtype)
    array = _to_array(data, dtype, copy=True)
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None):
    """Like ``tensor`` but without copying a numpy array of the right dtype."""
    dtype = _dtype("as_tensor", dtype)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return _finish(_to_array(data, dtype, copy=False), False)


def from_numpy(array):
    """A tensor sharing memory with a numpy array (changes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(_to_array(array, None, copy=False, where="from_numpy"))


def zeros(*size, dtype=None, requires_grad=False):
    return _finish(np.zeros(_shape("zeros", size), dtype=_float_dtype(dtype, "zeros")), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _finish(np.ones(_shape("ones", size), dtype=_float_dtype(dtype, "ones")), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _finish(np.empty(_shape("empty", size), dtype=_float_dtype(dtype, "empty")), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value, as torch)."""
    fill_value = _number("full", "fill_value", fill_value)
    if dtype is None:
        dtype = (
            np.bool_
            if isinstance(fill_value, bool)
            else np.int64
            if isinstance(fill_value, int)
            else dtypes.get_default_dtype()
        )
    dtype = _dtype("full", dtype)
    dtypes.check_fits("full", fill_value, dtype)
    return _finish(np.full(_shape("full", (size,)), fill_value, dtype=dtype), requires_grad)


def _like(input, dtype, name="zeros_like"):
    return input.dtype if dtype is None else _dtype(name, dtype)


def zeros_like(input, dtype=None, requires_grad=False):
    return _finish(np.zeros(input.shape, dtype=_like(input, dtype)), requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    return _finish(np.ones(input.shape, dtype=_like(input, dtype, "ones_like")), requires_grad)


def empty_like(input, dtype=None, requires_grad=False):
    return _finish(np.empty(input.shape, dtype=_like(input, dtype, "empty_like")), requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    fill_value = _number("full_like", "fill_value", fill_value)
    dtype = _like(input, dtype, "full_like")
    dtypes.check_fits("full_like", fill_value, dtype)
    return _finish(np.full(input.shape, fill_value, dtype=dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values from start (inclusive) to end (exclusive); int64 for int arguments, else the default float."""
    if end is None:
        start, end = 0, start
    args = {"start": start, "end": end, "step": step}
    start, end, step = (_number("arange", arg, value) for arg, value in args.items())
    for arg, value in (("start", start), ("end", end), ("step", step)):
        if not np.isfinite(value):
            raise OpError(f"arange: unsupported range: {start} -> {end} (step {step}); {arg} must be finite")
    if step == 0:
        raise OpError("arange: step must be nonzero")
    if (end > start and step < 0) or (end < start and step > 0):
        raise OpError(
            f"arange: upper bound and lower bound inconsistent with step sign: start={start}, end={end}, step={step}"
        )
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else dtypes.get_default_dtype()
    dtype = _dtype("arange", dtype)
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    """``steps`` evenly spaced values from start to end, both included."""
    start, end = _number("linspace", "start", start), _number("linspace", "end", end)
    steps = _count("linspace", "steps", steps)
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype, "linspace")), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    """An n x m (default n x n) matrix with ones on the diagonal."""
    n = _count("eye", "n", n)
    m = n if m is None else _count("eye", "m", m)
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype, "eye")), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the framework's generator."""
    dtype = _random_dtype("rand", dtype)
    return _finish(_generator[0].random(_shape("rand", size)).astype(dtype), requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal samples from the framework's generator."""
    dtype = _random_dtype("randn", dtype)
    return _finish(_generator[0].standard_normal(_shape("randn", size)).astype(dtype), requires_grad)


def randint(low, high=None, size=(), dtype=None):
    """Integers uniformly in [low, high) (int64 unless a dtype is given); ``randint(high, size)`` too."""
    if isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    for arg, value in (("low", low), ("high", high)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"randint: {arg} must be an int, got {value!r} ({type(value).__name__})")
    if high <= low:
        raise OpError(f"randint: high ({high}) must be greater than low ({low})")
    dtype = np.int64 if dtype is None else _dtype("randint", dtype)
    return Tensor._wrap(_generator[0].integers(low, high, size=_shape("randint", (size,))).astype(dtype))


def randperm(n, dtype=None):
    """A random permutation of 0..n-1 (int64)."""
    n = _count("randperm", "n", n)
    dtype = np.int64 if dtype is None else _dtype("randperm", dtype)
    return Tensor._wrap(_generator[0].permutation(n).astype(dtype))
