"""The public functions over the ops, by family: ``plain`` (made from the op registry), ``math``,
``reduction`` and ``shaping`` (written by hand where torch's arguments need checking or converting), and
``inplace`` (the machinery behind in-place methods). Importing this package hands the vjp namespace to the
engine; ``autograd_lite`` then binds the Tensor's methods (``autograd_lite.tensor_ops``) to these functions."""

from . import inplace, math, namespace, plain, reduction, shaping  # noqa: F401  (F.math... for the mixin)
from .math import *  # noqa: F401,F403
from .math import __all__ as _math_all
from .plain import *  # noqa: F401,F403
from .plain import __all__ as _plain_all
from .reduction import *  # noqa: F401,F403
from .reduction import __all__ as _reduction_all
from .shaping import *  # noqa: F401,F403
from .shaping import __all__ as _shaping_all

__all__ = sorted({*_plain_all, *_math_all, *_reduction_all, *_shaping_all})

namespace.install()
