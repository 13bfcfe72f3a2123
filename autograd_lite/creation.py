"""Tensor creation (``tensor``, ``zeros``, ``randn``...) and the framework's one random generator.

``manual_seed(seed)`` reseeds the generator that every random draw in autograd_lite uses (creation here,
initialisation, dropout, data shuffling), so a seeded run is reproducible.
"""

import operator

import numpy as np

from . import dtypes
from .autograd.grad_mode import is_grad_enabled
from .devices import DeviceError, check_device
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
    if isinstance(value, Tensor) and value._array.size == 1:
        return value._array.item()
    if not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"{name}: {arg} must be a number, got {value!r} ({type(value).__name__})")
    return value


def _placement(name, device=None, layout=None, pin_memory=False):
    """torch's keyword-only placement arguments, checked: ``device`` must be the CPU (None, "cpu", "cpu:0" or
    ``al.device("cpu")``), ``layout`` the default strided one, ``pin_memory`` False (there is nothing to pin
    memory for without an accelerator)."""
    check_device(name, device)
    if layout is not None and str(layout) not in ("strided", "torch.strided"):
        raise ValueError(f"{name}: autograd_lite supports only the strided (dense) layout; got layout={layout!r}")
    if pin_memory is not False and pin_memory is not None and pin_memory != 0:
        raise DeviceError(
            f"{name}: pin_memory=True needs an accelerator to copy to; autograd_lite runs on the CPU only "
            "(leave pin_memory=False)"
        )


def tensor(data, requires_grad=False, dtype=None, *, device=None, pin_memory=False):
    """A new tensor copying ``data``: Python floats become the default dtype (float32), Python ints int64,
    numpy arrays keep their dtype."""
    _placement("tensor", device, None, pin_memory)
    dtype = _dtype("tensor", dtype)
    array = _to_array(data, dtype, copy=True)
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but without copying a numpy array of the right dtype."""
    _placement("as_tensor", device)
    dtype = _dtype("as_tensor", dtype)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return _finish(_to_array(data, dtype, copy=False), False)


def from_numpy(array):
    """A tensor sharing memory with a numpy array (changes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(_to_array(array, None, copy=False, where="from_numpy"))


def zeros(*size, dtype=None, layout=None, device=None, requires_grad=False):
    _placement("zeros", device, layout)
    return _finish(np.zeros(_shape("zeros", size), dtype=_float_dtype(dtype, "zeros")), requires_grad)


def ones(*size, dtype=None, layout=None, device=None, requires_grad=False):
    _placement("ones", device, layout)
    return _finish(np.ones(_shape("ones", size), dtype=_float_dtype(dtype, "ones")), requires_grad)


def empty(*size, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    _placement("empty", device, layout, pin_memory)
    return _finish(np.empty(_shape("empty", size), dtype=_float_dtype(dtype, "empty")), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False, *, layout=None, device=None):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value, as torch)."""
    _placement("full", device, layout)
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
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    return input.dtype if dtype is None else _dtype(name, dtype)


def zeros_like(input, dtype=None, requires_grad=False, *, layout=None, device=None):
    _placement("zeros_like", device, layout)
    return _finish(np.zeros(input.shape, dtype=_like(input, dtype)), requires_grad)


def ones_like(input, dtype=None, requires_grad=False, *, layout=None, device=None):
    _placement("ones_like", device, layout)
    return _finish(np.ones(input.shape, dtype=_like(input, dtype, "ones_like")), requires_grad)


def empty_like(input, dtype=None, requires_grad=False, *, layout=None, device=None):
    _placement("empty_like", device, layout)
    return _finish(np.empty(input.shape, dtype=_like(input, dtype, "empty_like")), requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False, *, layout=None, device=None):
    _placement("full_like", device, layout)
    fill_value = _number("full_like", "fill_value", fill_value)
    dtype = _like(input, dtype, "full_like")
    dtypes.check_fits("full_like", fill_value, dtype)
    return _finish(np.full(input.shape, fill_value, dtype=dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, *, layout=None, device=None):
    """Values from start (inclusive) to end (exclusive); int64 for int arguments, else the default float."""
    _placement("arange", device, layout)
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


def linspace(start, end, steps, dtype=None, requires_grad=False, *, layout=None, device=None):
    """``steps`` evenly spaced values from start to end, both included."""
    _placement("linspace", device, layout)
    start, end = _number("linspace", "start", start), _number("linspace", "end", end)
    steps = _count("linspace", "steps", steps)
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype, "linspace")), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False, *, layout=None, device=None):
    """An n x m (default n x n) matrix with ones on the diagonal."""
    _placement("eye", device, layout)
    n = _count("eye", "n", n)
    m = n if m is None else _count("eye", "m", m)
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype, "eye")), requires_grad)


# ---- random draws ----------------------------------------------------------------------------------------


def rand(*size, generator=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """Uniform samples in [0, 1) from ``generator`` or the framework's generator."""
    _placement("rand", device, layout, pin_memory)
    dtype = _random_dtype("rand", dtype)
    rng = numpy_generator(generator, "rand")
    return _finish(rng.random(_shape("rand", size)).astype(dtype), requires_grad)


def randn(*size, generator=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """Standard normal samples from ``generator`` or the framework's generator."""
    _placement("randn", device, layout, pin_memory)
    dtype = _random_dtype("randn", dtype)
    rng = numpy_generator(generator, "randn")
    return _finish(rng.standard_normal(_shape("randn", size)).astype(dtype), requires_grad)


def _int_bounds(name, low, high):
    for arg, value in (("low", low), ("high", high)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name}: {arg} must be an int, got {value!r} ({type(value).__name__})")
    if high <= low:
        raise OpError(f"{name}: high ({high}) must be greater than low ({low})")
    return int(low), int(high)


def randint(low, high=None, size=(), *, generator=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Integers uniformly in [low, high) (int64 unless a dtype is given); ``randint(high, size)`` too."""
    _placement("randint", device, layout)
    if isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    low, high = _int_bounds("randint", low, high)
    dtype = np.int64 if dtype is None else _dtype("randint", dtype)
    rng = numpy_generator(generator, "randint")
    return _finish(rng.integers(low, high, size=_shape("randint", (size,))).astype(dtype), requires_grad)


def randperm(n, dtype=None, *, generator=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1 (int64)."""
    _placement("randperm", device, layout, pin_memory)
    n = _count("randperm", "n", n)
    dtype = np.int64 if dtype is None else _dtype("randperm", dtype)
    return _finish(numpy_generator(generator, "randperm").permutation(n).astype(dtype), requires_grad)


def _random_like(name, input, dtype):
    dtype = _like(input, dtype, name)
    if dtype.kind != "f":
        raise TypeError(f"{name}: dtype must be a floating point dtype, got {dtype} (use randint_like for integers)")
    return dtype


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1) with ``input``'s shape (and dtype unless one is given)."""
    _placement("rand_like", device, layout)
    dtype = _random_like("rand_like", input, dtype)
    return _finish(numpy_generator(generator, "rand_like").random(input.shape).astype(dtype), requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Standard normal samples with ``input``'s shape (and dtype unless one is given)."""
    _placement("randn_like", device, layout)
    dtype = _random_like("randn_like", input, dtype)
    rng = numpy_generator(generator, "randn_like")
    return _finish(rng.standard_normal(input.shape).astype(dtype), requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Integers uniformly in [low, high) with ``input``'s shape and dtype: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``, as torch."""
    _placement("randint_like", device, layout)
    if high is None:
        low, high = 0, low
    low, high = _int_bounds("randint_like", low, high)
    dtype = _like(input, dtype, "randint_like")
    rng = numpy_generator(generator, "randint_like")
    return _finish(rng.integers(low, high, size=input.shape).astype(dtype), requires_grad)


def _float_array(name, arg, value):
    """A Tensor's float array (or a number as a 0-d float64 array) for a probability or a moment."""
    if isinstance(value, Tensor):
        if value.dtype.kind != "f":
            raise TypeError(f"{name}: {arg} must be a floating point tensor, got dtype {value.dtype}")
        return value._array
    return np.asarray(float(_number(name, arg, value)))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from the categories of each row of ``input`` (1-D or 2-D non-negative weights, not
    necessarily summing to 1): ``num_samples`` per row, without replacement unless ``replacement=True``.
    Returns int64 indices of shape ``(num_samples,)`` or ``(rows, num_samples)``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"multinomial: input must be a floating point tensor of weights, got dtype {input.dtype}")
    if input.ndim not in (1, 2):
        raise OpError(f"multinomial: prob_dist must be 1 or 2 dim, got {input.ndim} dims (shape {input.shape})")
    num_samples = _count("multinomial", "num_samples", num_samples)
    if num_samples == 0:
        raise OpError("multinomial: cannot sample n_sample <= 0 samples")
    weights = np.asarray(input._array, dtype=np.float64).reshape(-1, input.shape[-1])
    categories = weights.shape[1]
    if categories == 0:
        raise OpError("multinomial: the input has no categories (its last dim is 0)")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise OpError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(axis=1)
    if (totals <= 0).any():
        raise OpError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    rng = numpy_generator(generator, "multinomial")
    if replacement:
        cdf = np.cumsum(weights / totals[:, None], axis=1)
        cdf[:, -1] = 1.0
        u = rng.random((weights.shape[0], num_samples))
        out = np.stack([np.searchsorted(row, draws, side="right") for row, draws in zip(cdf, u)])
        out = np.minimum(out, categories - 1)
    else:
        if num_samples > categories:
            raise OpError(
                f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                f"(num_samples={num_samples}, categories={categories})"
            )
        # the Gumbel-top-k trick: the k largest log(w) + Gumbel noise are a draw without replacement; as
        # torch, categories of weight 0 come last, in a random order, once the others are exhausted
        with np.errstate(divide="ignore"):
            keys = np.log(weights) - np.log(-np.log1p(-rng.random(weights.shape)))
        ties = rng.random(weights.shape)
        out = np.lexsort((ties, -keys), axis=-1)[:, :num_samples]
    out = out.astype(np.int64)
    return Tensor._wrap(out.reshape(num_samples) if input.ndim == 1 else out)


def bernoulli(input, p=None, *, generator=None):
    """Zeros and ones, each one with probability ``input`` (element-wise), or ``p`` (a number) for every element
    of ``input``'s shape; the result has ``input``'s dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: input must be a Tensor, got {type(input).__name__}")
    probs = input._array if p is None else _float_array("bernoulli", "p", p)
    if p is None and input.dtype.kind != "f":
        raise TypeError(f"bernoulli: input must be a floating point tensor of probabilities, got dtype {input.dtype}")
    _check_probabilities("bernoulli", probs)
    draws = numpy_generator(generator, "bernoulli").random(input.shape) < probs
    return Tensor._wrap(draws.astype(input.dtype))


def _check_probabilities(name, probs):
    probs = np.asarray(probs)
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        bad = probs[~((probs >= 0) & (probs <= 1))].reshape(-1)[0]
        raise OpError(f"{name}: expects p to be in [0, 1], but got p={bad}")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Normal samples, torch's forms: ``normal(mean_tensor, std_tensor)`` (broadcast), ``normal(mean_tensor,
    std=1.0)``, ``normal(mean, std_tensor)`` and ``normal(mean, std, size)`` for numbers (the default dtype).
    The result does not require grad (no gradient flows to mean or std, as torch)."""
    _placement("normal", device, layout)
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    m, s = _float_array("normal", "mean", mean), _float_array("normal", "std", std)
    if s.size and (s < 0).any():
        raise OpError(f"normal: expects std >= 0.0, but found std {s[s < 0].reshape(-1)[0]}")
    if tensors:
        if size is not None:
            raise TypeError("normal: size is only given when mean and std are both numbers")
        shape = np.broadcast_shapes(m.shape, s.shape)
        out_dtype = np.result_type(*(t.dtype for t in tensors)) if dtype is None else _dtype("normal", dtype)
    else:
        if size is None:
            raise TypeError(
                "normal: with a number for both mean and std, give a size (normal(mean, std, size)); or "
                "pass tensors for mean or std"
            )
        shape = _shape("normal", (size,))
        out_dtype = _random_dtype("normal", dtype)
    rng = numpy_generator(generator, "normal")
    return _finish((m + s * rng.standard_normal(shape)).astype(out_dtype), requires_grad)


# ---- in-place random fills (the Tensor methods normal_, uniform_... and nn.init build on these) -----------


def _fill(name, tensor, sample):
    """Write ``sample`` into ``tensor`` in place, as torch does: a leaf that requires grad is refused with grad
    mode on; a tensor in a graph records the write (no gradient flows to its old value); anything else is
    written directly and its version bumped."""
    from ._internal import bump_version

    if is_grad_enabled() and tensor.requires_grad:
        if tensor.is_leaf:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad (shape {tensor.shape}) cannot be changed in place "
                "while grad mode is on; wrap the update in `with autograd_lite.no_grad():` (as nn.init does)"
            )
        return tensor.copy_(Tensor._wrap(np.asarray(sample, dtype=tensor.dtype)))
    if tensor._array.size and not tensor._array.flags.writeable:
        raise RuntimeError(
            f"{name}: this tensor's memory is read-only (an expand/broadcast view whose elements share memory); "
            "call .clone() first"
        )
    tensor._array[...] = sample
    bump_version(tensor)
    return tensor


def _float_target(name, tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"{name}: expects a floating point tensor, got dtype {tensor.dtype}")


def normal_(tensor, mean=0.0, std=1.0, *, generator=None):
    """Fill ``tensor`` in place with samples of N(mean, std²) (``m.weight._array.normal_(0.0, 0.02)``)."""
    _float_target("normal_", tensor)
    mean, std = float(_number("normal_", "mean", mean)), float(_number("normal_", "std", std))
    if not std >= 0:
        raise OpError(f"normal_: expects std >= 0.0, but found std {std}")
    rng = numpy_generator(generator, "normal_")
    return _fill("normal_", tensor, mean + std * rng.standard_normal(tensor.shape))


def uniform_(tensor, a=0.0, b=1.0, *, generator=None):
    """Fill ``tensor`` in place with samples uniform in [a, b)."""
    _float_target("uniform_", tensor)
    a, b = float(_number("uniform_", "a", a)), float(_number("uniform_", "b", b))
    if not a <= b:
        raise OpError(f"uniform_: expects to return a [from, to) range, but found from={a} > to={b}")
    rng = numpy_generator(generator, "uniform_")
    return _fill("uniform_", tensor, rng.uniform(a, b, tensor.shape))


def bernoulli_(tensor, p=0.5, *, generator=None):
    """Fill ``tensor`` in place with ones (probability ``p``: a number, or a tensor broadcast to its shape)
    and zeros."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"bernoulli_: expected a Tensor, got {type(tensor).__name__}")
    probs = _float_array("bernoulli_", "p", p)
    _check_probabilities("bernoulli_", probs)
    draws = numpy_generator(generator, "bernoulli_").random(tensor.shape) < probs
    return _fill("bernoulli_", tensor, draws)


def exponential_(tensor, lambd=1.0, *, generator=None):
    """Fill ``tensor`` in place with samples of the exponential distribution of rate ``lambd``."""
    _float_target("exponential_", tensor)
    lambd = float(_number("exponential_", "lambd", lambd))
    if not lambd > 0:
        raise OpError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    rng = numpy_generator(generator, "exponential_")
    return _fill("exponential_", tensor, rng.exponential(1.0 / lambd, tensor.shape))


def _random_range(dtype):
    """``random_()``'s default range [0, top]: the largest int that the dtype represents exactly."""
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1)
    if dtype.kind == "b":
        return 1
    return int(np.iinfo(dtype).max)


def random_(tensor, *args, generator=None, **kwargs):
    """Fill ``tensor`` in place with random integers, torch's forms: ``random_()`` (0 to the largest integer
    the dtype holds exactly), ``random_(to)`` ([0, to)) and ``random_(from, to)`` ([from, to); ``to=None``
    for the largest)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"random_: expected a Tensor, got {type(tensor).__name__}")
    unknown = set(kwargs) - {"from", "to"}
    if unknown or len(args) > 2:
        raise TypeError(f"random_: takes random_(), random_(to) or random_(from, to); got {args!r}, {kwargs!r}")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        low, high = (args[0], kwargs["to"]) if "to" in kwargs else (kwargs.get("from", 0), args[0])
    else:
        low, high = kwargs.get("from", 0), kwargs.get("to")
    if high is None:
        low, high = _int_bounds("random_", low, _random_range(tensor.dtype) + 1)
    else:
        low, high = _int_bounds("random_", low, high)
    rng = numpy_generator(generator, "random_")
    return _fill("random_", tensor, rng.integers(low, high, size=tensor.shape, dtype=np.int64))
