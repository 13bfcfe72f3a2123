"""Nielsen's network (``network2.py``, "Neural Networks and Deep Learning", chapters 1-3), by hand in numpy.

A reference implementation: no autograd, no code shared with autograd_lite's Tensor machinery (only
``to_module`` / ``from_module`` import ``nn``, lazily), everything matrix-based over a mini-batch: there is
no Python loop over the samples of a batch.

Conventions (the book's)
------------------------
* A mini-batch of ``m`` inputs is a matrix ``x`` of shape ``(n_in, m)``: **one column per sample**, the book's
  column vectors side by side. Outputs are ``(n_out, m)``. (An ``nn.Linear`` takes rows ``(m, n_in)``: feed
  it ``x.T`` and transpose back.)
* ``weights[l]`` has shape ``(sizes[l+1], sizes[l])`` (``w[j, k]`` joins neuron ``k`` of one layer to neuron
  ``j`` of the next, the layout of ``nn.Linear.weight``); ``biases[l]`` has shape ``(sizes[l+1], 1)``. Arrays
  are in the Network's ``dtype`` (float64 unless told).
* ``z = w a + b`` and ``a = σ(z)``, σ the hidden ``activation`` on every hidden layer and ``output_activation``
  on the last one.
* ``cost.fn(a, y)`` is the cost **summed** over the columns of a batch (the book's per-sample cost, summed);
  the cost of a data set of ``m`` samples is that sum divided by ``m``, plus the regularisation term.
  ``backprop(x, y)`` returns the gradient of ``cost.fn(feedforward(x), y)``: the per-sample gradients summed
  over the batch, unregularised.
* Desired outputs ``y`` are ``(n_out, m)`` columns (one-hot for classification); where a method says so they
  may also be ``m`` integer labels, which become one-hot columns (``vectorized_result``). ``accuracy`` compares
  the ``argmax`` of each output column with the label (or with the ``argmax`` of the target column).

Training follows the book's rules; with ``n`` the size of the training set, ``m`` the size of the mini-batch,
η the learning rate, λ ``lmbda`` and μ ``momentum``::

    L2:  w -> (1 - ηλ/n) w - (η/m) Σₓ ∂Cₓ/∂w                      (eq. 93)
    L1:  w -> w - (ηλ/n) sgn(w) - (η/m) Σₓ ∂Cₓ/∂w,   sgn(0) = 0    (eq. 97)
    b  -> b - (η/m) Σₓ ∂Cₓ/∂b                                      (biases are not regularised)

and with momentum (μ in [0, 1); μ = 0 gives the rules above), with g the regularised gradient
``(1/m) Σₓ ∂Cₓ/∂w + (λ/n) w`` (L2) or ``+ (λ/n) sgn(w)`` (L1), and ``(1/m) Σₓ ∂Cₓ/∂b`` for a bias::

    v -> μ v - η g,   w -> w + v                                   (ch. 3, momentum-based gradient descent)

Velocities are zero when the network is built, initialised or loaded, and persist across calls.
"""

import json
import numbers
import os
import uuid

import numpy as np

from .activations import (
    ACTIVATIONS,
    Identity,
    Linear,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    _activation,  # noqa: F401
    sigmoid,
    sigmoid_prime,
)
from .costs import COSTS, CrossEntropyCost, LogLikelihoodCost, QuadraticCost, _cost, vectorized_result  # noqa: F401

__all__ = [
    "sigmoid",
    "sigmoid_prime",
    "vectorized_result",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "Linear",
    "Identity",
    "Softmax",
    "ACTIVATIONS",
    "QuadraticCost",
    "CrossEntropyCost",
    "LogLikelihoodCost",
    "COSTS",
    "Network",
    "load",
    "to_module",
    "from_module",
]


# ---- argument checks ----------------------------------------------------------------------------------------


def _number(name, value, low=0.0, high=np.inf, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"Network: {name} must be a finite number, got {value!r}")
    value = float(value)
    if value < low or (low_open and value == low) or value > high or (high_open and value == high):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"Network: {name} must be in {interval}, got {value!r}")
    return value


def _count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"Network: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _regularization(value):
    if isinstance(value, str) and value.upper() in ("L1", "L2"):
        return value.upper()
    raise ValueError(f"Network: regularization must be 'L2' or 'L1', got {value!r}")


# ---- the network --------------------------------------------------------------------------------------------


class Network:
    """Nielsen's ``network2.Network``, matrix-based. ``sizes`` lists the neurons per layer, input first:
    ``Network([784, 30, 10])``.

    ``cost``: ``CrossEntropyCost`` (sigmoid output), ``QuadraticCost`` or ``LogLikelihoodCost`` (softmax
    output), as a class or its name. ``activation``: the hidden layers' ``Sigmoid``, ``Tanh``, ``ReLU`` or
    ``Linear``; ``output_activation`` the output layer's (those or ``Softmax``); None means ``Softmax`` for the
    log-likelihood cost, else the hidden activation. A pair that does not go together (cross-entropy without a
    sigmoid output, softmax without the log-likelihood cost or the other way round) is refused here.
    ``init``: "scaled" (weights N(0, 1/n_in), biases N(0, 1): ``default_weight_initializer``) or "large"
    (all N(0, 1): ``large_weight_initializer``), drawn from ``np.random.default_rng(seed)``. ``dtype``: the
    floating dtype of every array (float64 unless told).
    """

    def __init__(
        self,
        sizes,
        cost=CrossEntropyCost,
        activation=Sigmoid,
        output_activation=None,
        init="scaled",
        seed=None,
        dtype=np.float64,
    ):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError(f"Network: sizes must list at least 2 layer sizes, got {sizes!r}")
        self.sizes = [_count("every size", s, 1) for s in sizes]
        self.num_layers = len(self.sizes)
        self.cost = _cost(cost)
        self.activation = _activation(activation, "activation")
        if self.activation is Softmax:
            raise ValueError("Network: softmax is an output layer only (output_activation=Softmax)")
        if output_activation is None:
            output_activation = Softmax if issubclass(self.cost, LogLikelihoodCost) else self.activation
        self.output_activation = _activation(output_activation, "output_activation")
        _check_pair(self.cost, self.output_activation)
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = None
        if self.dtype is None or self.dtype.kind != "f":
            raise ValueError(f"Network: dtype must be a floating dtype such as np.float64, got {dtype!r}")
        if init not in ("scaled", "large"):
            raise ValueError(f"Network: init must be 'scaled' or 'large', got {init!r}")
        self.init = init
        self.rng = np.random.default_rng(seed)
        if init == "scaled":
            self.default_weight_initializer()
        else:
            self.large_weight_initializer()

    # -- initialisation (book ch. 3) --

    def default_weight_initializer(self):
        """Weights N(0, 1/n_in) (n_in the inputs of the neuron), biases N(0, 1); velocities zero."""
        self.biases = [self.rng.standard_normal((y, 1)).astype(self.dtype) for y in self.sizes[1:]]
        self.weights = [
            (self.rng.standard_normal((y, x)) / np.sqrt(x)).astype(self.dtype)
            for x, y in zip(self.sizes[:-1], self.sizes[1:])
        ]
        self._reset_velocities()

    def large_weight_initializer(self):
        """The "old approach": weights and biases N(0, 1); velocities zero."""
        self.biases = [self.rng.standard_normal((y, 1)).astype(self.dtype) for y in self.sizes[1:]]
        self.weights = [
            self.rng.standard_normal((y, x)).astype(self.dtype) for x, y in zip(self.sizes[:-1], self.sizes[1:])
        ]
        self._reset_velocities()

    def _reset_velocities(self):
        self.weight_velocities = [np.zeros_like(w) for w in self.weights]
        self.bias_velocities = [np.zeros_like(b) for b in self.biases]

    # -- forward --

    def _layer_activation(self, i):
        return self.output_activation if i == self.num_layers - 2 else self.activation

    def _inputs(self, x):
        x = np.asarray(x)
        if x.dtype.kind not in "fiub" or x.ndim != 2 or x.shape[0] != self.sizes[0]:
            raise ValueError(
                f"Network: x must be an array of numbers of shape ({self.sizes[0]}, m) (one column "
                f"per sample), got {x.dtype} of shape {x.shape}"
            )
        return x.astype(self.dtype, copy=False)

    def feedforward(self, a):
        """The output activations ``(n_out, m)`` for the inputs ``a`` ``(n_in, m)``."""
        a = self._inputs(a)
        for i, (b, w) in enumerate(zip(self.biases, self.weights)):
            a = self._layer_activation(i).fn(w @ a + b)
        return a

    def _forward(self, x):
        """Every layer's weighted inputs zˡ and activations aˡ (a¹ = x)."""
        activation = self._inputs(x)
        activations = [activation]
        zs = []
        for i, (b, w) in enumerate(zip(self.biases, self.weights)):
            z = w @ activation + b  # zˡ = wˡ aˡ⁻¹ + bˡ, all m columns at once
            zs.append(z)
            activation = self._layer_activation(i).fn(z)  # aˡ = σ(zˡ)
            activations.append(activation)
        return zs, activations

    # -- backward: the four fundamental equations (book ch. 2) --

    def backprop(self, x, y):
        """``(nabla_b, nabla_w)``, lists shaped like ``biases`` and ``weights``: the gradient of
        ``cost.fn(feedforward(x), y)`` (unregularised), i.e. ∂C/∂b and ∂C/∂w summed over the columns of the
        mini-batch ``x`` ``(n_in, m)``; ``y`` is ``(n_out, m)`` or ``m`` int labels."""
        x = self._inputs(x)
        y = self._targets(y, x.shape[1])
        zs, activations = self._forward(x)
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        # BP1 δᴸ = ∇ₐC ⊙ σ′(zᴸ)   (one column per sample; cost.delta, see the cost classes)
        delta = self.cost.delta(zs[-1], activations[-1], y, self.output_activation)
        # BP3 ∂C/∂bᴸⱼ = δᴸⱼ   (summed over the batch's columns)
        nabla_b[-1] = delta.sum(axis=1, keepdims=True)
        # BP4 ∂C/∂wᴸⱼₖ = aᴸ⁻¹ₖ δᴸⱼ   (δᴸ (aᴸ⁻¹)ᵀ sums the outer products over the batch)
        nabla_w[-1] = delta @ activations[-2].T
        for l in range(2, self.num_layers):
            # BP2 δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)
            delta = (self.weights[-l + 1].T @ delta) * self.activation.prime(zs[-l])
            # BP3 ∂C/∂bˡⱼ = δˡⱼ
            nabla_b[-l] = delta.sum(axis=1, keepdims=True)
            # BP4 ∂C/∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ
            nabla_w[-l] = delta @ activations[-l - 1].T
        return nabla_b, nabla_w

    def regularization_gradient(self, lmbda, n, regularization="L2"):
        """The regularisation term's gradient, a list like ``weights``: (λ/n) w for L2, the derivative of
        (λ/2n) Σ w²; (λ/n) sgn(w) with sgn(0) = 0 for L1, the derivative of (λ/n) Σ |w|. Biases: none."""
        lmbda = _number("lmbda", lmbda)
        n = _count("n", n, 1)
        regularization = _regularization(regularization)
        return [(lmbda / n) * (w if regularization == "L2" else np.sign(w)) for w in self.weights]

    # -- learning --

    def update_mini_batch(self, x, y, eta, lmbda=0.0, n=None, regularization="L2", momentum=0.0):
        """One step of gradient descent on the mini-batch ``x`` ``(n_in, m)``, ``y`` ``(n_out, m)`` (or int
        labels), with learning rate ``eta``, regularisation parameter ``lmbda`` over a training set of ``n``
        samples (default: m), ``regularization`` 'L2' or 'L1' and ``momentum`` μ in [0, 1) (see the module's
        docstring for the rules)."""
        eta = _number("eta", eta)
        lmbda = _number("lmbda", lmbda)
        regularization = _regularization(regularization)
        momentum = _momentum(momentum)
        x = self._inputs(x)
        if x.shape[1] == 0:
            raise ValueError("Network: update_mini_batch needs a non-empty mini-batch")
        y = self._targets(y, x.shape[1])
        n = x.shape[1] if n is None else _count("n", n, 1)
        self._step(x, y, eta, lmbda, n, regularization, momentum)

    def _step(self, x, y, eta, lmbda, n, regularization, momentum):
        m = x.shape[1]
        nabla_b, nabla_w = self.backprop(x, y)
        penalties = self.regularization_gradient(lmbda, n, regularization)
        for i, (w, nw, penalty) in enumerate(zip(self.weights, nabla_w, penalties)):
            g = nw / m + penalty  # (1/m) Σₓ ∂Cₓ/∂w + (λ/n) w  or  + (λ/n) sgn(w)
            if momentum == 0:
                self.weights[i] = w - eta * g  # eqs. 93 / 97
            else:
                self.weight_velocities[i] = momentum * self.weight_velocities[i] - eta * g  # v -> μv − η∇C
                self.weights[i] = w + self.weight_velocities[i]  # w -> w + v
        for i, (b, nb) in enumerate(zip(self.biases, nabla_b)):
            g = nb / m  # biases are not regularised
            if momentum == 0:
                self.biases[i] = b - eta * g
            else:
                self.bias_velocities[i] = momentum * self.bias_velocities[i] - eta * g
                self.biases[i] = b + self.bias_velocities[i]

    def SGD(
        self,
        training_data,
        epochs,
        mini_batch_size,
        eta,
        lmbda=0.0,
        evaluation_data=None,
        regularization="L2",
        momentum=0.0,
        monitor_evaluation_cost=False,
        monitor_evaluation_accuracy=False,
        monitor_training_cost=False,
        monitor_training_accuracy=False,
        early_stopping_n=0,
        halve_eta_on_plateau=0,
        seed=None,
        callback=None,
        verbose=False,
    ):
        """Mini-batch stochastic gradient descent; ``network2.py``'s result: the four lists
        ``(evaluation_cost, evaluation_accuracy, training_cost, training_accuracy)``, one entry per epoch run
        for each monitor switched on (accuracies are counts of correct samples; costs are ``total_cost`` with
        ``lmbda`` and ``regularization``, n being the size of the data monitored, as in the book's code).

        ``training_data`` is ``(x, y)``; ``evaluation_data`` ``(x, labels or one-hot columns)``. Each epoch
        shuffles the columns (one ``permutation(n)`` per epoch of a generator ``np.random.default_rng(seed)``
        made once per call) and calls ``update_mini_batch`` on each ``mini_batch_size`` columns in turn (the
        last batch may be shorter) with n the number of training samples. ``callback(epoch, net)`` is called
        after each epoch (after the monitoring). Extensions of chapter 3, both on the classification accuracy
        of ``evaluation_data`` (which either needs), an improvement being a strictly higher count than the best
        so far:

        * ``early_stopping_n > 0``: stop after ``early_stopping_n`` epochs in a row without improvement;
        * ``halve_eta_on_plateau = p > 0``: after p epochs in a row without improvement halve η (and count
          again from 0); stop as soon as η ≤ η₀/128. The final η is left in ``self.eta``.
        """
        epochs = _count("epochs", epochs, 0)
        mini_batch_size = _count("mini_batch_size", mini_batch_size, 1)
        eta = _number("eta", eta)
        lmbda = _number("lmbda", lmbda)
        regularization = _regularization(regularization)
        momentum = _momentum(momentum)
        early_stopping_n = _count("early_stopping_n", early_stopping_n, 0)
        halve_eta_on_plateau = _count("halve_eta_on_plateau", halve_eta_on_plateau, 0)
        if callback is not None and not callable(callback):
            raise ValueError(f"Network: callback must be callable, got {callback!r}")
        x, y = self._pair(training_data, "training_data")
        n = x.shape[1]
        if n == 0:
            raise ValueError("Network: training_data has no samples")
        y = self._targets(y, n)
        if evaluation_data is not None:
            evaluation_data = self._pair(evaluation_data, "evaluation_data")
        elif monitor_evaluation_cost or monitor_evaluation_accuracy or early_stopping_n or halve_eta_on_plateau:
            raise ValueError(
                "Network: monitoring the evaluation data, early_stopping_n and halve_eta_on_plateau "
                "need evaluation_data"
            )
        rng = np.random.default_rng(seed)
        eta0 = eta
        evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = [], [], [], []
        best_accuracy = -1
        no_improvement_stop = no_improvement_halve = 0
        for epoch in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, mini_batch_size):
                batch = order[start : start + mini_batch_size]
                self._step(x[:, batch], y[:, batch], eta, lmbda, n, regularization, momentum)
            if monitor_training_cost:
                training_cost.append(self.total_cost(x, y, lmbda, regularization))
            if monitor_training_accuracy:
                training_accuracy.append(self.accuracy(x, y))
            if monitor_evaluation_cost:
                evaluation_cost.append(self.total_cost(*evaluation_data, lmbda, regularization))
            accuracy = None
            if monitor_evaluation_accuracy or early_stopping_n or halve_eta_on_plateau:
                accuracy = self.accuracy(*evaluation_data)
                if monitor_evaluation_accuracy:
                    evaluation_accuracy.append(accuracy)
            if verbose:
                lines = [f"Epoch {epoch} training complete"]
                for label, values, flag in (
                    ("Cost on training data", training_cost, monitor_training_cost),
                    ("Accuracy on training data", training_accuracy, monitor_training_accuracy),
                    ("Cost on evaluation data", evaluation_cost, monitor_evaluation_cost),
                    ("Accuracy on evaluation data", evaluation_accuracy, monitor_evaluation_accuracy),
                ):
                    if flag:
                        lines.append(f"{label}: {values[-1]}")
                print("\n".join(lines), flush=True)
            if callback is not None:
                callback(epoch, self)
            if accuracy is not None:
                if accuracy > best_accuracy:
                    best_accuracy = accuracy
                    no_improvement_stop = no_improvement_halve = 0
                else:
                    no_improvement_stop += 1
                    no_improvement_halve += 1
                if early_stopping_n and no_improvement_stop >= early_stopping_n:
                    break
                if halve_eta_on_plateau and no_improvement_halve >= halve_eta_on_plateau:
                    eta /= 2
                    no_improvement_halve = 0
                    if eta <= eta0 / 128:
                        break
        self.eta = eta
        return evaluation_cost, evaluation_accuracy, training_cost, training_accuracy

    # -- evaluation --

    def accuracy(self, x, y):
        """The number of columns of ``x`` whose output's largest entry is at the right class: ``y`` is ``m``
        int labels or ``(n_out, m)`` target columns (their argmax)."""
        x = self._inputs(x)
        y = np.asarray(y)
        if _are_labels(y, x.shape[1]):
            self._targets(y, x.shape[1])  # checks the range
            truth = y
        else:
            truth = np.argmax(self._targets(y, x.shape[1]), axis=0)
        return int(np.sum(np.argmax(self.feedforward(x), axis=0) == truth))

    def evaluate(self, x, labels):
        """The book's name for ``accuracy``: how many columns of ``x`` are classified as ``labels`` say."""
        return self.accuracy(x, labels)

    def total_cost(self, x, y, lmbda=0.0, regularization="L2"):
        """The book's ``total_cost``: ``cost.fn(feedforward(x), y) / m`` plus ``(λ/2m) Σ‖w‖²`` (L2) or
        ``(λ/m) Σ|w|`` (L1), m the number of columns of ``x``; ``y`` as in ``backprop``."""
        lmbda = _number("lmbda", lmbda)
        regularization = _regularization(regularization)
        x = self._inputs(x)
        m = x.shape[1]
        if m == 0:
            raise ValueError("Network: total_cost of no samples")
        cost = self.cost.fn(self.feedforward(x), self._targets(y, m)) / m
        if regularization == "L2":
            cost += 0.5 * (lmbda / m) * sum(float(np.sum(w.astype(np.float64) ** 2)) for w in self.weights)
        else:
            cost += (lmbda / m) * sum(float(np.sum(np.abs(w.astype(np.float64)))) for w in self.weights)
        return float(cost)

    # -- data --

    def _targets(self, y, m):
        """Desired outputs ``(n_out, m)`` in the network's dtype, from target columns or ``m`` int labels."""
        n_out = self.sizes[-1]
        y = np.asarray(y)
        if _are_labels(y, m):
            if m and (y.min() < 0 or y.max() >= n_out):
                raise ValueError(f"Network: labels must be in [0, {n_out}), got values from {y.min()} to {y.max()}")
            return vectorized_result(y, n_out, self.dtype)
        if y.dtype.kind not in "fiub" or y.shape != (n_out, m):
            raise ValueError(
                f"Network: y must have shape ({n_out}, {m}) (one column per sample) or be {m} int "
                f"labels, got {y.dtype} of shape {y.shape}"
            )
        return y.astype(self.dtype, copy=False)

    def _pair(self, data, what):
        """``(x, y)`` from ``data``, a pair of arrays."""
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError(
                f"Network: {what} must be a pair (x, y) of arrays, x of shape ({self.sizes[0]}, n), "
                f"got {type(data).__name__}"
            )
        x = self._inputs(data[0])
        y = np.asarray(data[1])
        self._targets(y, x.shape[1])  # checks shape and labels
        return x, y

    # -- files --

    def save(self, filename):
        """Save as ``network2.py``'s JSON (sizes, weights, biases, cost's class name), plus the activations'
        names; written atomically (a temporary file in the same directory, fsync'ed, then ``os.replace``d)."""
        cost_name = self.cost.__name__
        if COSTS.get(cost_name) is not self.cost:
            raise ValueError(f"Network.save: the cost {cost_name} is not one load knows ({', '.join(COSTS)})")
        data = {
            "sizes": self.sizes,
            "weights": [w.tolist() for w in self.weights],
            "biases": [b.tolist() for b in self.biases],
            "cost": cost_name,
            "activation": self.activation.name,
            "output_activation": self.output_activation.name,
        }
        filename = os.fspath(filename)
        directory = os.path.dirname(os.path.abspath(filename))
        tmp = os.path.join(directory, f".{os.path.basename(filename)}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filename)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:  # make the rename itself durable (best effort: not every system can open a directory)
            dir_fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)

    # -- nn --

    def to_module(self, dtype=None):
        """``to_module(self, dtype)``: an ``nn.Sequential`` holding these weights."""
        return to_module(self, dtype)

    @classmethod
    def from_module(cls, model, cost=None, dtype=None):
        """``from_module(model, cost, dtype)``: a Network holding the model's weights."""
        return from_module(model, cost, dtype)


def _are_labels(y, m):
    return y.ndim == 1 and y.shape[0] == m and y.dtype.kind in "iu"


def _momentum(value):
    return _number("momentum", value, 0.0, 1.0, high_open=True)


def _check_pair(cost, output_activation):
    if issubclass(cost, CrossEntropyCost) and output_activation is not Sigmoid:
        raise ValueError(
            f"Network: CrossEntropyCost needs a sigmoid output layer, got {output_activation.name}; "
            "pass output_activation=Sigmoid"
        )
    if issubclass(cost, LogLikelihoodCost) != (output_activation is Softmax):
        raise ValueError(
            "Network: a softmax output layer goes with LogLikelihoodCost and only with it, got "
            f"{cost.__name__} with a {output_activation.name} output layer"
        )


def load(filename):
    """A Network from a file written by ``Network.save`` (or by ``network2.py``'s ``save``: without the
    activation keys, the book's sigmoid network). Anything else is a ValueError naming the file and the problem
    (not JSON, not an object, a missing key, an unknown cost or activation, shapes that do not match the
    sizes); a missing file is the usual FileNotFoundError."""
    filename = os.fspath(filename)

    def refuse(problem):
        return ValueError(f"cannot load a network from {filename!r}: {problem}")

    with open(filename, "rb") as f:
        raw = f.read()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise refuse(f"not JSON ({err})") from None
    if not isinstance(data, dict):
        raise refuse(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in ("sizes", "weights", "biases", "cost") if k not in data]
    if missing:
        raise refuse(f"missing key(s) {', '.join(missing)}")
    if not isinstance(data["cost"], str) or data["cost"] not in COSTS:
        raise refuse(f"unknown cost {data['cost']!r}; expected one of {', '.join(COSTS)}")
    if "activation" in data:
        activation, output_activation = data["activation"], data.get("output_activation")
    else:  # a file of the book's network2.py: sigmoid neurons throughout
        activation, output_activation = "sigmoid", None if data["cost"] == "LogLikelihoodCost" else "sigmoid"
    try:
        net = Network(
            data["sizes"], cost=COSTS[data["cost"]], activation=activation, output_activation=output_activation
        )
    except (ValueError, TypeError) as err:
        raise refuse(str(err)) from None
    for key, params in (("weights", net.weights), ("biases", net.biases)):
        values = data[key]
        if not isinstance(values, list) or len(values) != len(params):
            raise refuse(f"{key} must be a list of {len(params)} arrays for sizes {net.sizes}")
        for i, (value, param) in enumerate(zip(values, params)):
            try:
                array = np.array(value, dtype=np.float64)
            except (ValueError, TypeError):
                raise refuse(f"{key}[{i}] is not an array of numbers") from None
            if array.shape != param.shape:
                raise refuse(f"{key}[{i}] has shape {array.shape}, expected {param.shape} for sizes {net.sizes}")
            params[i] = array
    return net


def to_module(network, dtype=None):
    """An ``nn.Sequential`` holding the network's weights (see ``convert.to_module``)."""
    from .convert import to_module as convert

    return convert(network, dtype)


def from_module(model, cost=None, dtype=None):
    """A Network holding the weights of an ``nn.Sequential`` (see ``convert.from_module``)."""
    from .convert import from_module as convert

    return convert(model, cost, dtype)
