"""``nn.functional`` (``import nn.functional as F``): the stateless form of every layer and loss."""

from autograd_lite import relu, leaky_relu, sigmoid, tanh  # noqa: F401
from autograd_lite import softmax, log_softmax  # noqa: F401
from autograd_lite import pad  # noqa: F401

from ._functional import (
    activation as _activation,
    attention as _attention,
    conv as _conv,
    distance as _distance,
    dropout as _dropout,
    linear as _linear,
    loss as _loss,
    normalization as _normalization,
    pooling as _pooling,
    sparse as _sparse,
)
from ._functional.linear import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.activation import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.distance import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403

__all__ = [
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "pad",
    *(
        name
        for family in (
            _linear,
            _conv,
            _pooling,
            _activation,
            _dropout,
            _normalization,
            _loss,
            _sparse,
            _distance,
            _attention,
        )
        for name in family.__all__
    ),
]
