"""An independent reference: Nielsen's network of "Neural Networks and Deep Learning" (chapters 1-3,
``network2.py``), written by hand in plain numpy, matrix-based over a mini-batch, with no autograd inside.

It exists to check the rest of autograd_lite against something that shares no code with it: the backward pass
is the book's four fundamental equations (BP1-BP4), the updates are the book's rules (L2, L1, momentum).
``Network.to_module`` / ``Network.from_module`` convert to and from an ``nn.Sequential`` of ``nn.Linear``
layers and activations. See ``network.py`` for the conventions (one column per sample).
"""

from .network import (
    CrossEntropyCost,
    Identity,
    Linear,
    LogLikelihoodCost,
    Network,
    QuadraticCost,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    from_module,
    load,
    to_module,
    vectorized_result,
)

__all__ = [
    "Network",
    "QuadraticCost",
    "CrossEntropyCost",
    "LogLikelihoodCost",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "Linear",
    "Softmax",
    "load",
    "Identity",
    "from_module",
    "to_module",
    "vectorized_result",
]
