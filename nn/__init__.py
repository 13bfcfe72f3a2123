"""Neural-network modules, layers, losses and initialisation on autograd_lite (PyTorch's torch.nn API).

Also reachable as ``autograd_lite.nn`` (the same module object).
"""

from .parameter import Parameter
from .modules import *  # noqa: F401,F403
from . import functional, init, modules, utils

__all__ = ["Parameter", *modules.__all__, "functional", "init", "utils"]


def __dir__():
    """The public API and the public subpackages (``modules`` too), not the implementation modules
    (parameter, _checks, _functional, the layer families)."""
    return sorted({*__all__, "modules"})
