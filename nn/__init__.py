"""Neural-network modules, layers, losses and initialisation on autograd_lite (PyTorch's torch.nn API).

Also reachable as ``autograd_lite.nn`` (the same module object).
"""

from .parameter import Parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module, Sequential, ModuleList, ModuleDict  # noqa: F401
from . import functional, init, utils  # noqa: F401
