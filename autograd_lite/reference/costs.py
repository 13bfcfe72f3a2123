"""The book's costs as classes with the ``fn`` / ``delta`` pair: ``fn(a, y)`` the cost summed over a batch's
columns, ``delta(z, a, y, activation)`` the output error δᴸ of BP1."""

import numpy as np

from .activations import Sigmoid, Softmax


class QuadraticCost:
    """C = ½ Σₓ ‖y(x) − a(x)‖² over the columns given (book eq. 6 without the 1/n); ∇ₐC = a − y."""

    name = "quadratic"

    @staticmethod
    def fn(a, y):
        return 0.5 * float(np.sum((a - y) ** 2))

    @staticmethod
    def delta(z, a, y, activation=Sigmoid):
        # BP1 δᴸ = ∇ₐC ⊙ σ′(zᴸ), with ∇ₐC = a − y
        if activation is Softmax:
            raise ValueError("QuadraticCost does not go with a softmax output layer (use LogLikelihoodCost)")
        return (a - y) * activation.prime(z)


class CrossEntropyCost:
    """C = −Σₓ Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)] (book eq. 63 without the 1/n), for sigmoid outputs.
    As in ``network2.py``, ``nan_to_num`` turns the 0·ln 0 of a saturated output into 0."""

    name = "cross-entropy"

    @staticmethod
    def fn(a, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a))))

    @staticmethod
    def delta(z, a, y, activation=Sigmoid):
        # BP1 δᴸ = ∇ₐC ⊙ σ′(zᴸ) = [(a − y) / (a(1 − a))] ⊙ a(1 − a) = a − y  (eq. 66: no σ′ left)
        if activation is not Sigmoid:
            raise ValueError("CrossEntropyCost needs a sigmoid output layer")
        return a - y


class LogLikelihoodCost:
    """C = −Σₓ ln a_{y(x)} (book eq. 80 without the 1/n), for a softmax output layer; y one-hot."""

    name = "log-likelihood"

    @staticmethod
    def fn(a, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.sum(np.nan_to_num(-y * np.log(a))))

    @staticmethod
    def delta(z, a, y, activation=Softmax):
        # BP1 for softmax + log-likelihood: δᴸ = a − y  (eq. 84)
        if activation is not Softmax:
            raise ValueError("LogLikelihoodCost needs a softmax output layer")
        return a - y


COSTS = {"QuadraticCost": QuadraticCost, "CrossEntropyCost": CrossEntropyCost, "LogLikelihoodCost": LogLikelihoodCost}


def _cost(value):
    if isinstance(value, str):
        for cls in COSTS.values():
            if value in (cls.__name__, cls.name):
                return cls
    elif isinstance(value, type) and issubclass(value, tuple(COSTS.values())):
        return value
    raise ValueError(f"Network: unknown cost {value!r}; expected one of {', '.join(COSTS)}")


def vectorized_result(j, n_out=10, dtype=np.float64):
    """One-hot columns: an int label gives an ``(n_out, 1)`` column (the book's); an array of ``n`` labels an
    ``(n_out, n)`` matrix."""
    labels = np.asarray(j)
    if labels.ndim == 0:
        e = np.zeros((n_out, 1), dtype=dtype)
        e[int(labels)] = 1.0
        return e
    e = np.zeros((n_out, labels.shape[0]), dtype=dtype)
    e[labels, np.arange(labels.shape[0])] = 1.0
    return e
