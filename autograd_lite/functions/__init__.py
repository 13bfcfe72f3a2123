"""The public functions over the ops, by family; importing this package installs the Tensor methods."""

from .math import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .shaping import *  # noqa: F401,F403
from . import namespace, methods  # noqa: F401
