"""Layers, one file per family; each is a thin Module over nn.functional."""

from . import (
    activation,
    attention,
    batchnorm,
    container,
    conv,
    distance,
    dropout,
    flatten,
    linear,
    loss,
    module,
    normalization,
    pooling,
    sparse,
    upsampling,
)
from .module import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403

__all__ = [
    name
    for family in (
        module,
        container,
        linear,
        conv,
        pooling,
        activation,
        attention,
        dropout,
        batchnorm,
        normalization,
        upsampling,
        flatten,
        loss,
        distance,
        sparse,
    )
    for name in family.__all__
]
