"""Cross-check of the autograd engine against the hand-written backprop of ``autograd_lite.reference``.

``crosscheck`` compares ∂C/∂w and ∂C/∂b from the book's four equations (``Network.backprop`` plus
``Network.regularization_gradient``) with ``.backward()`` on the same summed cost of ``net.to_module()``, in
float64; ``crosscheck_training`` compares whole training epochs of the book's update rules with ``optim.SGD``.
The two sides share no gradient code, so agreement to round-off checks both.
"""

import copy
import importlib
import math
from dataclasses import dataclass, field

import numpy as np

import nn
import nn.functional as F
import optim
from autograd_lite.creation import tensor

__all__ = ["CrosscheckResult", "LayerDifference", "crosscheck", "crosscheck_training"]

_TINY = np.finfo(np.float64).tiny
_REGULARIZATIONS = ("L2", "L1")


@dataclass(frozen=True)
class LayerDifference:
    """The largest absolute and relative differences of ∂C/∂w and ∂C/∂b for one layer (book numbering: the
    first layer with weights is layer 2)."""

    layer: int
    shape: tuple
    weight_abs: float
    weight_rel: float
    bias_abs: float
    bias_rel: float

    @property
    def max_abs(self):
        return float(np.max([self.weight_abs, self.bias_abs]))

    @property
    def max_rel(self):
        return float(np.max([self.weight_rel, self.bias_rel]))


@dataclass
class CrosscheckResult:
    """Per-layer differences between hand-written and engine gradients; ``ok`` when every relative
    difference is within ``tolerance`` (a NaN anywhere is never ok). ``hand`` and ``engine`` hold the two
    (∂C/∂w list, ∂C/∂b list) compared, in the book's shapes."""

    layers: list
    tolerance: float
    description: str = ""
    hand: tuple = field(default=(), repr=False)
    engine: tuple = field(default=(), repr=False)

    @property
    def max_abs(self):
        return float(np.max([d.max_abs for d in self.layers]))

    @property
    def max_rel(self):
        return float(np.max([d.max_rel for d in self.layers]))

    @property
    def ok(self):
        return bool(self.max_rel <= self.tolerance)

    def summary(self):
        """The machine-readable verdict line: ``crosscheck: max relative difference ... : ok`` or ``FAILED``."""
        return summary_line(self.max_rel, self.tolerance)

    def __str__(self):
        header = (
            f"{'layer':>5}  {'shape':>10}  {'dC/dw max abs':>13}  {'dC/dw max rel':>13}  "
            f"{'dC/db max abs':>13}  {'dC/db max rel':>13}"
        )
        rows = [
            f"{d.layer:>5}  {str(d.shape):>10}  {d.weight_abs:>13.3e}  {d.weight_rel:>13.3e}  "
            f"{d.bias_abs:>13.3e}  {d.bias_rel:>13.3e}"
            for d in self.layers
        ]
        lines = ([self.description] if self.description else []) + [header, *rows, self.summary()]
        return "\n".join(lines)


def summary_line(max_rel, tolerance):
    """One line stating the worst relative difference against the tolerance, ending in ``ok`` or ``FAILED``."""
    verdict = "ok" if max_rel <= tolerance else "FAILED"
    return f"crosscheck: max relative difference {max_rel:.3g} (tolerance {tolerance:g}): {verdict}"


def crosscheck(
    network_or_model, x, y, cost=None, lmbda=0.0, regularization="L2", n=None, tolerance=1e-10, verbose=True
):
    """Compare the hand-written gradients of the (regularised) summed cost with the autograd engine's.

    ``network_or_model``: a reference ``Network`` (float64) or an ``nn.Sequential`` of ``nn.Linear`` layers
    and activations (converted with ``Network.from_module(model, cost=cost)``). ``x`` is (n_in, m) and ``y``
    (n_out, m) in columns, as the book; ``n`` (the training-set size in λ/n) defaults to m.
    """
    net = _network(network_or_model, cost)
    x, y = _data(net, x, y)
    lmbda, regularization, n = _regularization_args(lmbda, regularization, n, x.shape[1])
    hand = _hand_gradients(net, x, y, lmbda, n, regularization)
    engine = _engine_gradients(net, x, y, lmbda, n, regularization)
    layers = [
        _layer_difference(index + 2, hw, hb, ew, eb)
        for index, (hw, hb, ew, eb) in enumerate(zip(hand[0], hand[1], engine[0], engine[1]))
    ]
    result = CrosscheckResult(
        layers, float(tolerance), _describe(net, x.shape[1], lmbda, regularization, n), hand, engine
    )
    if verbose:
        print(result)
    return result


def crosscheck_training(
    net, x, y, eta, lmbda=0.0, regularization="L2", momentum=0.0, mini_batch_size=10, epochs=1, seed=0
):
    """Train a copy of ``net`` (a reference Network, or an nn.Sequential as for ``crosscheck``) with the
    book's update rules and ``net.to_module()`` with ``optim.SGD`` on the
    same mini-batches; return the largest absolute difference between their final weights and biases.

    Each epoch's order is ``np.random.default_rng(seed)``'s next ``permutation(m)`` (one generator per call),
    and both sides walk it in mini-batches of ``mini_batch_size`` (the last one may be shorter), starting
    from rest (zero velocities). The engine minimises the summed cost / batch size with two parameter groups:
    weights with ``weight_decay=λ/n`` (L2) or ``l1_decay=λ/n`` (L1), biases with neither; n = m. ``net`` is
    unchanged. L1 caveat: ``optim.SGD`` stops a weight that the shrink carries across zero (by at most
    ηλ/n) at exactly 0, where the book's eq. 97 lets it cross, so L1 runs agree while that never happens.
    """
    net = _network(net, None)
    x, y = _data(net, x, y)
    lmbda, regularization, n = _regularization_args(lmbda, regularization, None, x.shape[1])
    mini_batch_size, epochs = _positive_int("mini_batch_size", mini_batch_size), _positive_int("epochs", epochs)
    batches = _mini_batches(x.shape[1], mini_batch_size, epochs, seed)
    hand = _train_hand(_at_rest(net), x, y, batches, eta, lmbda, n, regularization, momentum)
    engine = _train_engine(net, x, y, batches, eta, lmbda, n, regularization, momentum)
    return float(np.max([np.max(np.abs(a - b)) for a, b in zip(hand, engine)]))


def _reference():
    """The reference module, imported on first use so that ``autograd_lite.testing`` never depends on it."""
    return importlib.import_module("autograd_lite.reference.network")


def _network(network_or_model, cost):
    """The reference Network to check: the one given, or one built from an nn.Sequential; float64 only."""
    ref = _reference()
    if isinstance(network_or_model, ref.Network):
        if cost is not None and _cost_class(cost) is not _cost_class(network_or_model.cost):
            raise ValueError(
                f"crosscheck: cost={cost!r} differs from the network's own cost "
                f"{_cost_class(network_or_model.cost).__name__}; pass cost=None with a Network"
            )
        net = network_or_model
    elif isinstance(network_or_model, nn.Sequential):
        net = ref.Network.from_module(network_or_model, **({} if cost is None else {"cost": cost}))
    else:
        raise TypeError(
            f"crosscheck: expected a reference Network or an nn.Sequential, got {type(network_or_model).__name__}"
        )
    bad = [w.dtype for w in (*net.weights, *net.biases) if w.dtype != np.float64]
    if bad:
        raise ValueError(
            f"crosscheck: the network's parameters must be float64 (round-off of float32 hides "
            f"real differences), found {bad[0]}; convert the weights and biases with .astype(np.float64)"
        )
    return net


def _cost_class(cost):
    """The cost class of a cost given as a class or an instance."""
    return cost if isinstance(cost, type) else type(cost)


def _cost_kind(cost):
    """'quadratic', 'cross-entropy' or 'log-likelihood' for one of the reference costs (or a subclass)."""
    ref, cls = _reference(), _cost_class(cost)
    kinds = [
        (ref.QuadraticCost, "quadratic"),
        (ref.CrossEntropyCost, "cross-entropy"),
        (ref.LogLikelihoodCost, "log-likelihood"),
    ]
    for base, kind in kinds:
        if issubclass(cls, base):
            return kind
    raise ValueError(
        f"crosscheck: unsupported cost {cls.__name__}; expected QuadraticCost, CrossEntropyCost "
        "or LogLikelihoodCost (or a subclass)"
    )


def _data(net, x, y):
    """``x`` and ``y`` as float64 columns of the network's input and output sizes, with the same count."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n_in, n_out = net.sizes[0], net.sizes[-1]
    if x.ndim != 2 or x.shape[0] != n_in:
        raise ValueError(f"crosscheck: x must have shape ({n_in}, m) (one column per sample), got {x.shape}")
    if y.ndim != 2 or y.shape != (n_out, x.shape[1]):
        raise ValueError(
            f"crosscheck: y must have shape ({n_out}, {x.shape[1]}) (one column per sample of x), got {y.shape}"
        )
    if x.shape[1] == 0:
        raise ValueError("crosscheck: x has no samples (0 columns); expected at least one")
    if _cost_kind(net.cost) == "log-likelihood":
        _check_one_hot(y)
    return x, y


def _check_one_hot(y):
    """The log-likelihood cost needs one-hot columns: exactly one 1 per column, zeros elsewhere."""
    if not (np.isin(y, (0.0, 1.0)).all() and (y.sum(axis=0) == 1).all()):
        raise ValueError(
            "crosscheck: the log-likelihood cost needs y as one-hot columns (a single 1 in each "
            "column, zeros elsewhere)"
        )


def _regularization_args(lmbda, regularization, n, m):
    """Validated (λ, 'L2' or 'L1', n); n defaults to the batch size m."""
    if (
        isinstance(lmbda, bool)
        or not isinstance(lmbda, (int, float, np.number))
        or not lmbda >= 0
        or not math.isfinite(lmbda)
    ):
        raise ValueError(f"crosscheck: lmbda must be a finite number >= 0, got {lmbda!r}")
    if regularization not in _REGULARIZATIONS:
        raise ValueError(f"crosscheck: regularization must be 'L2' or 'L1', got {regularization!r}")
    n = m if n is None else _positive_int("n", n)
    return float(lmbda), regularization, n


def _positive_int(name, value):
    """``value`` as an int >= 1, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"crosscheck: {name} must be an int >= 1, got {value!r}")
    return int(value)


def _hand_gradients(net, x, y, lmbda, n, regularization):
    """(∂C/∂w list, ∂C/∂b list) from the book's four equations, plus the regulariser's gradient if λ > 0."""
    nabla_b, nabla_w = net.backprop(x, y)
    nabla_w = [np.asarray(w) for w in nabla_w]
    if lmbda > 0:
        reg = net.regularization_gradient(lmbda, n, regularization)
        nabla_w = [w + r for w, r in zip(nabla_w, reg)]
    return nabla_w, [np.asarray(b) for b in nabla_b]


def _engine_model(net):
    """``net.to_module()`` without a final ``nn.Softmax`` if there is one: the log-likelihood is computed from
    the last Linear's z with ``log_softmax``, as torch's recipe."""
    model = net.to_module()
    if len(model) and isinstance(model[-1], nn.Softmax):
        model = model[:-1]
    return model


def _linears(model):
    """The model's ``nn.Linear`` layers in order."""
    return [m for m in model if isinstance(m, nn.Linear)]


def _engine_gradients(net, x, y, lmbda, n, regularization):
    """(∂C/∂w list, ∂C/∂b list) by ``.backward()`` on ``net.to_module()``, in the book's shapes."""
    model = _engine_model(net)
    linears = _linears(model)
    loss = _engine_cost(net.cost, model(tensor(x.T)), y)
    if lmbda > 0:
        loss = loss + _engine_regularizer([lin.weight for lin in linears], lmbda, n, regularization)
    loss.backward()
    return (
        [np.array(lin.weight.grad.detach().numpy()) for lin in linears],
        [np.array(lin.bias.grad.detach().numpy()).reshape(-1, 1) for lin in linears],
    )


def _engine_cost(cost, output, y):
    """The summed cost of the engine's output (rows) against the book's columns ``y``; for the log-likelihood
    ``output`` is the last Linear's z (``to_module`` leaves the softmax to the loss)."""
    kind = _cost_kind(cost)
    if kind == "quadratic":
        return 0.5 * ((output - tensor(y.T)) ** 2).sum()
    if kind == "cross-entropy":
        return F.binary_cross_entropy(output, tensor(y.T), reduction="sum")
    return F.nll_loss(F.log_softmax(output, dim=1), tensor(np.argmax(y, axis=0)), reduction="sum")


def _engine_regularizer(weights, lmbda, n, regularization):
    """(λ/2n)Σw² (L2) or (λ/n)Σ|w| (L1) over the weights (biases are not regularised)."""
    if regularization == "L2":
        return (lmbda / (2 * n)) * sum((w**2).sum() for w in weights)
    return (lmbda / n) * sum(w.abs().sum() for w in weights)


def _layer_difference(layer, hand_w, hand_b, engine_w, engine_b):
    """The layer's largest absolute and relative differences; a shape mismatch is a ValueError."""
    for what, hand, engine in (("weights", hand_w, engine_w), ("biases", hand_b, engine_b)):
        if hand.shape != engine.shape:
            raise ValueError(
                f"crosscheck: layer {layer} {what}: the hand-written gradient has shape "
                f"{hand.shape}, expected {engine.shape} (the engine's)"
            )
    w_abs, w_rel = _differences(hand_w, engine_w)
    b_abs, b_rel = _differences(hand_b, engine_b)
    return LayerDifference(layer, tuple(hand_w.shape), w_abs, w_rel, b_abs, b_rel)


def _differences(a, b):
    """max |a − b|, and that relative to the layer's largest entry (max |a|, |b|): an entry that is a sum of
    cancelling terms carries their round-off, which the layer's scale bounds; NaN propagates."""
    diff = np.abs(a - b)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), _TINY)
    return float(np.max(diff, initial=0.0)), float(np.max(diff, initial=0.0)) / scale


def _describe(net, m, lmbda, regularization, n):
    """A one-line description of what was checked, for the table's title."""
    names = [_name(f) for f in (net.cost, net.activation, net.output_activation)]
    reg = f", {regularization} λ={lmbda:g} n={n}" if lmbda > 0 else ""
    return f"sizes {list(net.sizes)}, {names[0]}, {names[1]} hidden, {names[2]} output, batch {m}{reg}"


def _name(obj):
    """The class name of a class or an instance."""
    return obj.__name__ if isinstance(obj, type) else type(obj).__name__


def _mini_batches(m, size, epochs, seed):
    """Column-index arrays of every mini-batch of every epoch, in order: one ``permutation(m)`` per epoch from
    one generator, as the reference SGD draws them from its own."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(m)
        batches.extend(order[k : k + size] for k in range(0, m, size))
    return batches


def _at_rest(net):
    """A deep copy of ``net`` (same class) with zero velocities, as the engine's fresh momentum buffers."""
    twin = copy.deepcopy(net)
    reset = getattr(twin, "_reset_velocities", None)
    if reset is not None:
        reset()
    return twin


def _train_hand(net, x, y, batches, eta, lmbda, n, regularization, momentum):
    """The book's updates (``update_mini_batch``) over ``batches``; the final weights then biases."""
    for idx in batches:
        net.update_mini_batch(x[:, idx], y[:, idx], eta, lmbda, n, regularization=regularization, momentum=momentum)
    return [*net.weights, *(b[:, 0] for b in net.biases)]


def _train_engine(net, x, y, batches, eta, lmbda, n, regularization, momentum):
    """``optim.SGD`` on ``net.to_module()`` over ``batches``; the final weights then biases."""
    model = _engine_model(net)
    linears = _linears(model)
    decay = (
        {"weight_decay": lmbda / n} if regularization == "L2" else {"l1_decay": lmbda / n, "l1_stop_at_zero": False}
    )  # the book's eq. 97: a weight may cross zero
    groups = [{"params": [lin.weight for lin in linears], **decay}, {"params": [lin.bias for lin in linears]}]
    opt = optim.SGD(groups, lr=eta, momentum=momentum)
    for idx in batches:
        opt.zero_grad()
        loss = _engine_cost(net.cost, model(tensor(x[:, idx].T)), y[:, idx]) / len(idx)
        loss.backward()
        opt.step()
    return [np.array(p.detach().numpy()) for p in (*(lin.weight for lin in linears), *(lin.bias for lin in linears))]
