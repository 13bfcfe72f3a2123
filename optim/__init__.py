"""Optimizers, learning-rate schedules and early stopping on autograd_lite (PyTorch's torch.optim API).

Also reachable as ``autograd_lite.optim`` (the same module object).
"""

from . import adadelta, adagrad, adam, early_stopping, lr_scheduler, nadam, optimizer, rmsprop, sgd
from .optimizer import *  # noqa: F401,F403
from .sgd import *  # noqa: F401,F403
from .adam import *  # noqa: F401,F403
from .rmsprop import *  # noqa: F401,F403
from .adagrad import *  # noqa: F401,F403
from .adadelta import *  # noqa: F401,F403
from .nadam import *  # noqa: F401,F403
from .early_stopping import *  # noqa: F401,F403

__all__ = [
    *(
        name
        for family in (optimizer, sgd, adam, rmsprop, adagrad, adadelta, nadam, early_stopping)
        for name in family.__all__
    ),
    "lr_scheduler",
]


def __dir__():
    """The optimizers, EarlyStopping and lr_scheduler, not the implementation modules."""
    return sorted(__all__)
