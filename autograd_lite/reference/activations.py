"""The activation functions of the reference network: ``fn(z)`` and its derivative ``prime(z)`` (σ′), by hand
in numpy (the book's sigmoid, plus tanh, ReLU, a linear output and softmax)."""

import numpy as np


def _float(z):
    """``z`` as a floating array, keeping a float dtype (float32 stays float32), float64 otherwise."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(-z)), elementwise, without overflow warnings for large |z|."""
    z = _float(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_prime(z):
    """σ′(z) = σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


class Sigmoid:
    """The book's sigmoid neuron."""

    name = "sigmoid"

    @staticmethod
    def fn(z):
        return sigmoid(z)

    @staticmethod
    def prime(z):
        return sigmoid_prime(z)


class Tanh:
    """tanh neurons (book ch. 3, "Other models of artificial neuron"): σ′(z) = 1 − tanh²(z)."""

    name = "tanh"

    @staticmethod
    def fn(z):
        return np.tanh(_float(z))

    @staticmethod
    def prime(z):
        return 1.0 - np.tanh(_float(z)) ** 2


class ReLU:
    """Rectified linear units (book ch. 3): max(0, z); σ′(z) = 1 for z > 0, else 0 (0 at z = 0, as torch)."""

    name = "relu"

    @staticmethod
    def fn(z):
        z = _float(z)
        return np.maximum(z, z.dtype.type(0))

    @staticmethod
    def prime(z):
        z = _float(z)
        return (z > 0).astype(z.dtype)


class Linear:
    """A linear layer, a = z, σ′ = 1 (a linear output layer, e.g. regression with the quadratic cost)."""

    name = "linear"

    @staticmethod
    def fn(z):
        return _float(z).copy()

    @staticmethod
    def prime(z):
        return np.ones_like(_float(z))


Identity = Linear  # another name for the same class


class Softmax:
    """The softmax output layer (book ch. 3): a_j = e^(z_j) / Σ_k e^(z_k), down each column (stable: the
    column's max is subtracted first). Output layer only, with ``LogLikelihoodCost``, whose δᴸ = a − y
    (eq. 84) needs no derivative of the softmax: so there is ``fn`` only."""

    name = "softmax"

    @staticmethod
    def fn(z):
        z = _float(z)
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)


ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "linear": Linear, "identity": Linear, "softmax": Softmax}


def _activation(value, what):
    if isinstance(value, str) and value.lower() in ACTIVATIONS:
        return ACTIVATIONS[value.lower()]
    if isinstance(value, type) and value in ACTIVATIONS.values():
        return value
    raise ValueError(
        f"Network: unknown {what} {value!r}; expected one of the classes Sigmoid, Tanh, ReLU, "
        f"Linear, Softmax or their names {sorted(set(ACTIVATIONS) - {'identity'})}"
    )
