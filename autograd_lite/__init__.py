"""autograd_lite: reverse-mode automatic differentiation on numpy, with PyTorch's API and semantics.

``import autograd_lite as al``; ``al.nn`` and ``al.optim`` are the top-level ``nn`` and ``optim`` packages,
imported on first use. ``__all__`` (and ``dir(al)``) is the API; the implementation modules stay reachable
by import but are not part of it.

Importing has one side effect beyond defining names: ``allocator.tune()`` raises glibc's malloc thresholds
so that a training step's large temporaries are reused instead of page-faulted in again every step (see
``autograd_lite/allocator.py``); set ``AUTOGRAD_LITE_MALLOC_TUNING=0`` to leave the allocator alone.
"""

import importlib

from . import allocator
from .dtypes import (
    float16,
    half,
    float,
    float32,
    float64,
    double,
    int8,
    int16,
    short,
    int,
    int32,
    int64,
    long,
    uint8,
    bool,
    get_default_dtype,
    set_default_dtype,
    is_floating,
)
from .devices import device, cuda, accelerator, DeviceError
from .tensor import Tensor, Size
from .functions import *  # noqa: F401,F403
from .functions import __all__ as _functions_all
from .creation import (
    tensor,
    as_tensor,
    from_numpy,
    zeros,
    ones,
    empty,
    full,
    zeros_like,
    ones_like,
    empty_like,
    full_like,
    arange,
    linspace,
    eye,
    rand,
    randn,
    randint,
    randperm,
    rand_like,
    randn_like,
    randint_like,
    multinomial,
    bernoulli,
    normal,
    normal_,
    uniform_,
    bernoulli_,
    exponential_,
    random_,
    manual_seed,
    default_generator,
    Generator,
    get_rng_state,
    set_rng_state,
)
from .autograd import grad, no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from . import autograd, creation, functions, tensor_ops
from .ops.base import OpError, DimError
from .serialization import save, load
from .compiled import compile

__version__ = "0.1.0"

allocator.tune()
tensor_ops.bind(functions, functions.inplace, creation)  # once: the functions and creation import Tensor

_LAZY = {
    "testing": "autograd_lite.testing",
    "viz": "autograd_lite.viz",
    "utils": "autograd_lite.utils",
    "datasets": "autograd_lite.datasets",
    "transforms": "autograd_lite.transforms",
    "linalg": "autograd_lite.linalg",
}


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


__all__ = [
    "Tensor",
    "Size",
    "device",
    "cuda",
    "accelerator",
    "DeviceError",
    "float",
    "int",
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "randperm",
    "rand_like",
    "randn_like",
    "randint_like",
    "multinomial",
    "bernoulli",
    "normal",
    "normal_",
    "uniform_",
    "bernoulli_",
    "exponential_",
    "random_",
    "manual_seed",
    "default_generator",
    "Generator",
    "get_rng_state",
    "set_rng_state",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "autograd",
    "float16",
    "half",
    "float32",
    "float64",
    "double",
    "int8",
    "int16",
    "short",
    "int32",
    "int64",
    "long",
    "uint8",
    "bool",
    "get_default_dtype",
    "set_default_dtype",
    "is_floating",
    "save",
    "compile",
    "load",
    "is_tensor",
    "numel",
    "OpError",
    "DimError",
    "__version__",
]
__all__ += _functions_all

_SUBPACKAGES = ("nn", "optim", *_LAZY)


def __dir__():
    """The public API and the public subpackages, not the implementation modules (ops, functions...)."""
    return sorted({*__all__, *_SUBPACKAGES})


def __getattr__(name):
    if name in ("nn", "optim"):
        return importlib.import_module(f"autograd_lite.{name}")
    if name in _LAZY:
        return importlib.import_module(_LAZY[name])
    raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
