"""Optimizers, learning-rate schedules and early stopping on autograd_lite (PyTorch's torch.optim API).

Also reachable as ``autograd_lite.optim`` (the same module object).
"""

from .optimizer import *  # noqa: F401,F403
from .sgd import *  # noqa: F401,F403
from .adam import *  # noqa: F401,F403
from .rmsprop import *  # noqa: F401,F403
from .adagrad import *  # noqa: F401,F403
from .early_stopping import *  # noqa: F401,F403
from . import lr_scheduler  # noqa: F401
