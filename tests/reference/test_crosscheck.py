"""The hand-written four-equation backprop (``autograd_lite.reference``) against the autograd engine.

``crosscheck`` must agree to round-off on random networks, and must catch a network with any one of the
four equations (or the regulariser) broken; ``crosscheck_training`` must find the book's update rules and
``optim.SGD`` on the same trajectory; the command line must say so in its exit status and last line.
"""

import copy
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_lite as al
import nn
import optim
from autograd_lite.reference import network as ref
from autograd_lite.reference.crosscheck import (
    COSTS,
    HIDDEN,
    activation_class,
    default_output,
    main,
    random_batch,
    random_network,
)
from autograd_lite.testing import crosscheck, crosscheck_training
from autograd_lite.testing.reference_check import CrosscheckResult, _at_rest, _mini_batches, _train_hand

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^crosscheck: max relative difference (\S+) \(tolerance (\S+)\): (ok|FAILED)$")


def build(sizes, cost="quadratic", activation="sigmoid", output=None, seed=0, network_class=ref.Network):
    """A random network and a random batch of 5 columns for it."""
    net = random_network(sizes, cost, activation, output or default_output(cost, activation), seed, network_class)
    x, y = random_batch(sizes, cost, 5, seed)
    return net, x, y


# ---- agreement on random networks ---------------------------------------------------------------------------


@st.composite
def configurations(draw):
    """A network (sizes, cost, hidden and output activation), a batch size and a regulariser."""
    sizes = draw(st.lists(st.integers(1, 8), min_size=2, max_size=7))
    cost = draw(st.sampled_from(sorted(COSTS)))
    activation = draw(st.sampled_from(HIDDEN))
    outputs = {
        "quadratic": ["sigmoid", "tanh", "relu", "linear"],
        "cross-entropy": ["sigmoid"],
        "log-likelihood": ["softmax"],
    }[cost]
    output = draw(st.sampled_from(outputs))
    batch = draw(st.integers(1, 12))
    regularization = draw(st.sampled_from(["L2", "L1"]))
    lmbda = draw(st.one_of(st.just(0.0), st.floats(1e-3, 10.0)))
    n = draw(st.one_of(st.none(), st.integers(1, 1000)))
    seed = draw(st.integers(0, 2**32 - 1))
    return sizes, cost, activation, output, batch, regularization, lmbda, n, seed


@settings(max_examples=500, deadline=None)
@given(configurations())
def test_gradients_agree_in_float64(config):
    sizes, cost, activation, output, batch, regularization, lmbda, n, seed = config
    net = random_network(sizes, cost, activation, output, seed)
    x, y = random_batch(sizes, cost, batch, seed)
    result = crosscheck(net, x, y, lmbda=lmbda, regularization=regularization, n=n, verbose=False)
    assert result.ok, str(result)
    assert [d.shape for d in result.layers] == [(b, a) for a, b in zip(sizes, sizes[1:])]


def test_an_nn_sequential_is_checked_through_from_module():
    net, x, y = build([3, 4, 2], "log-likelihood", "tanh")
    result = crosscheck(net.to_module(), x, y, cost=ref.LogLikelihoodCost, lmbda=0.5, verbose=False)
    assert result.ok
    assert result.max_rel == crosscheck(net, x, y, lmbda=0.5, verbose=False).max_rel


def test_result_table_is_printed_when_verbose(capsys):
    net, x, y = build([3, 4, 2])
    result = crosscheck(net, x, y, lmbda=1.0, regularization="L1")
    printed = capsys.readouterr().out
    assert printed.strip() == str(result)
    lines = printed.strip().splitlines()
    assert "dC/dw max rel" in lines[1] and lines[2].split()[0] == "2" and lines[3].split()[0] == "3"
    assert SUMMARY.match(lines[-1]).group(3) == "ok"
    assert isinstance(result, CrosscheckResult) and result.max_abs <= 1e-12


def test_a_nan_is_never_ok():
    net, x, y = build([3, 4, 2])
    x[0, 0] = np.nan
    assert not crosscheck(net, x, y, verbose=False).ok


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda net, x, y: crosscheck("net", x, y), TypeError, "expected a reference Network or an nn.Sequential"),
        (lambda net, x, y: crosscheck(net, x.T, y), ValueError, "x must have shape (3, m)"),
        (lambda net, x, y: crosscheck(net, x, y[:, :2]), ValueError, "y must have shape (2, 5)"),
        (lambda net, x, y: crosscheck(net, x, y, regularization="L3"), ValueError, "'L2' or 'L1'"),
        (lambda net, x, y: crosscheck(net, x, y, lmbda=-1.0), ValueError, "lmbda must be a finite number >= 0"),
        (lambda net, x, y: crosscheck(net, x, y, n=0), ValueError, "n must be an int >= 1"),
        (lambda net, x, y: crosscheck(net, x, y, cost=ref.CrossEntropyCost), ValueError, "differs from the net"),
        (lambda net, x, y: crosscheck_training(net, x, y, 0.1, mini_batch_size=0), ValueError, "mini_batch_size"),
    ],
)
def test_unsupported_inputs_are_refused_with_what_was_expected(call, error, words):
    net, x, y = build([3, 4, 2])
    with pytest.raises(error, match=re.escape(words)):
        call(net, x, y)


def test_log_likelihood_needs_one_hot_targets():
    net, x, y = build([3, 4, 2], "log-likelihood")
    with pytest.raises(ValueError, match="one-hot"):
        crosscheck(net, x, y * 0.5, verbose=False)


def test_float32_parameters_are_refused():
    net, x, y = build([3, 4, 2])
    net.weights = [w.astype(np.float32) for w in net.weights]
    with pytest.raises(ValueError, match="float64"):
        crosscheck(net, x, y, verbose=False)


# ---- mutation tests: one equation broken must be caught ----------------------------------------------------


class Mutant(ref.Network):
    """The reference network with backprop and the regulariser rewritten here from the public attributes;
    ``broken`` names the one equation to get wrong (None: all right, the control)."""

    broken = None
    bias_decay = 0.0

    def forward_all(self, x):
        """Every zˡ and aˡ of the batch ``x``."""
        zs, activations = [], [x]
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            zs.append(w @ activations[-1] + b)
            fn = self.output_activation if i == len(self.weights) - 1 else self.activation
            activations.append(fn.fn(zs[-1]))
        return zs, activations

    def backprop(self, x, y):
        zs, activations = self.forward_all(x)
        if self.broken == "bp1-no-prime":
            delta = activations[-1] - y
        else:
            delta = self.cost.delta(zs[-1], activations[-1], y, self.output_activation)
        nabla_b, nabla_w = [None] * len(self.weights), [None] * len(self.weights)
        for l in range(len(self.weights) - 1, -1, -1):
            if l < len(self.weights) - 1:
                delta = self.bp2(self.weights[l + 1], delta, zs[l])
            nabla_b[l] = self.bp3(delta) + self.bias_decay * self.biases[l]
            nabla_w[l] = delta @ (activations[l + 1] if self.broken == "bp4-wrong-activation" else activations[l]).T
        return nabla_b, nabla_w

    def bp2(self, w, delta, z):
        """δˡ from δˡ⁺¹."""
        if self.broken == "bp2-no-prime":
            return w.T @ delta
        if self.broken == "bp2-no-transpose":
            return (w @ delta) * self.activation.prime(z)
        return (w.T @ delta) * self.activation.prime(z)

    def bp3(self, delta):
        """∂C/∂b from δ."""
        if self.broken == "bp3-wrong-axis":
            return delta.sum(axis=0, keepdims=True)
        if self.broken == "bp3-no-sum":
            return delta
        if self.broken == "bp3-mean":
            return delta.mean(axis=1, keepdims=True)
        return delta.sum(axis=1, keepdims=True)

    def regularization_gradient(self, lmbda, n, regularization="L2"):
        if regularization == "L2":
            return [(lmbda / n) * w for w in self.weights]
        sgn = (lambda w: np.where(w >= 0, 1.0, -1.0)) if self.broken == "l1-sgn0-is-1" else np.sign
        return [(lmbda / n) * sgn(w) for w in self.weights]


def mutant(broken, sizes, cost="quadratic", activation="sigmoid", output=None):
    """A Mutant with ``broken`` and its batch (x, y) of 5 columns."""
    net, x, y = build(sizes, cost, activation, output, seed=3, network_class=Mutant)
    net.broken = broken
    return net, x, y


def caught(net, x, y, **kwargs):
    """Whether crosscheck rejects the network: a difference beyond the tolerance, or a gradient of the wrong
    shape (a ValueError naming the shapes)."""
    try:
        return not crosscheck(net, x, y, verbose=False, **kwargs).ok
    except ValueError as err:
        assert "shape" in str(err), err
        return True


MUTATIONS = [
    ("bp1-no-prime", [3, 4, 2], "quadratic", "sigmoid", {}),
    ("bp2-no-prime", [3, 4, 2], "cross-entropy", "sigmoid", {}),
    ("bp2-no-transpose", [3, 4, 4, 4], "log-likelihood", "tanh", {}),
    ("bp3-wrong-axis", [3, 4, 2], "cross-entropy", "relu", {}),
    ("bp3-no-sum", [3, 4, 2], "cross-entropy", "relu", {}),
    ("bp3-mean", [3, 4, 2], "log-likelihood", "sigmoid", {}),
    ("bp4-wrong-activation", [4, 4, 4], "quadratic", "tanh", {}),
    ("l1-sgn0-is-1", [3, 4, 2], "quadratic", "sigmoid", {"lmbda": 1.0, "regularization": "L1"}),
]


@pytest.mark.parametrize("broken, sizes, cost, activation, kwargs", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_broken_equation_is_caught(broken, sizes, cost, activation, kwargs):
    net, x, y = mutant(None, sizes, cost, activation)
    net.weights[0][0, 0] = 0.0
    assert not caught(net, x, y, **kwargs), "the unbroken copy must pass"
    net.broken = broken
    assert caught(net, x, y, **kwargs)


def test_regularised_biases_are_caught():
    lmbda, n = 2.0, 5
    net, x, y = mutant(None, [3, 4, 2])
    assert not caught(net, x, y, lmbda=lmbda, n=n)
    net.bias_decay = lmbda / n
    assert caught(net, x, y, lmbda=lmbda, n=n)


# ---- training: the book's update rules against optim.SGD ---------------------------------------------------


def training_data(cost="cross-entropy", m=60, sizes=(6, 5, 3), seed=0):
    """A random network and ``m`` random samples for it."""
    net = random_network(list(sizes), cost, "sigmoid", default_output(cost, "sigmoid"), seed)
    x, y = random_batch(list(sizes), cost, m, seed)
    return net, x, y


TRAINING = {
    "plain": {},
    "L2": {"lmbda": 5.0},
    "L1": {"lmbda": 5.0, "regularization": "L1"},
    "L2+momentum": {"lmbda": 5.0, "momentum": 0.9},
}


@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("name", list(TRAINING))
def test_an_epoch_of_the_book_equals_optim_sgd(name, cost):
    net, x, y = training_data(cost)
    before = [w.copy() for w in net.weights]
    assert crosscheck_training(net, x, y, eta=0.5, mini_batch_size=10, **TRAINING[name]) <= 1e-10
    assert all(np.array_equal(a, b) for a, b in zip(before, net.weights)), "net must be left unchanged"


def test_the_mini_batches_are_those_of_the_reference_sgd():
    net, x, y = training_data(m=57)
    twin = copy.deepcopy(net)
    twin.SGD((x, y), 2, 10, 0.5, lmbda=1.0, momentum=0.5, seed=4)
    hand = _train_hand(_at_rest(net), x, y, _mini_batches(57, 10, 2, 4), 0.5, 1.0, 57, "L2", 0.5)
    assert all(np.array_equal(a, b) for a, b in zip(hand, [*twin.weights, *(b[:, 0] for b in twin.biases)]))


def test_several_epochs_with_momentum_and_a_short_last_batch():
    net, x, y = training_data(m=57)
    assert (
        crosscheck_training(net, x, y, eta=0.3, lmbda=1.0, momentum=0.5, mini_batch_size=10, epochs=3, seed=7) <= 1e-10
    )


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_optim_sgd_l1_stopping_at_zero_is_the_only_difference_from_the_book(momentum):
    """optim.SGD's default L1 step stops at 0 a weight the shrink carries across zero; with
    l1_stop_at_zero=False (what crosscheck_training uses) it is the book's eq. 97 to round-off."""
    net, x, y = training_data()
    kwargs = dict(eta=0.5, lmbda=5.0, regularization="L1", momentum=momentum)
    assert crosscheck_training(net, x, y, **kwargs) <= 1e-10
    model = net.to_module()
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    stopping = optim.SGD(weights, lr=1.0, l1_decay=0.5)
    book = optim.SGD(
        [w.detach().clone().requires_grad_() for w in weights], lr=1.0, l1_decay=0.5, l1_stop_at_zero=False
    )
    for opt in (stopping, book):
        for p in opt.param_groups[0]["params"]:
            p._array[...] = 0.25
            p.grad = al.zeros_like(p)
        opt.step()
    assert all((p._array == 0).all() for p in stopping.param_groups[0]["params"])
    assert all((p._array == -0.25).all() for p in book.param_groups[0]["params"])


class BadUpdates(ref.Network):
    """The book's update rule without momentum, rewritten here with one mistake named by ``broken``."""

    broken = None

    def update_mini_batch(self, x, y, eta, lmbda=0.0, n=None, regularization="L2", momentum=0.0):
        m = x.shape[1]
        decay = lmbda / (m if self.broken == "lambda-over-m" else n)
        nabla_b, nabla_w = self.backprop(x, y)
        self.weights = [(1 - eta * decay) * w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w)]
        bias_decay = decay if self.broken == "l2-biases" else 0.0
        self.biases = [(1 - eta * bias_decay) * b - (eta / m) * nb for b, nb in zip(self.biases, nabla_b)]


@pytest.mark.parametrize("broken", ["l2-biases", "lambda-over-m"])
def test_a_broken_update_rule_is_caught(broken):
    net, x, y = training_data()
    bad = random_network([6, 5, 3], "cross-entropy", "sigmoid", "sigmoid", 0, BadUpdates)
    assert crosscheck_training(bad, x, y, eta=0.5, lmbda=5.0) <= 1e-10, "the unbroken copy must pass"
    bad.broken = broken
    assert crosscheck_training(bad, x, y, eta=0.5, lmbda=5.0) > 1e-6


# ---- the command line --------------------------------------------------------------------------------------


def command(*args):
    """Run ``python -m autograd_lite.reference.crosscheck`` with ``args``; (exit status, stdout lines)."""
    proc = subprocess.run(
        [sys.executable, "-m", "autograd_lite.reference.crosscheck", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode, proc.stdout.strip().splitlines()


def test_command_all_agrees_and_ends_with_a_machine_readable_line():
    status, lines = command("--all")
    match = SUMMARY.match(lines[-1])
    assert status == 0 and match and match.group(3) == "ok", lines
    assert float(match.group(1)) <= 1e-10 and match.group(2) == "1e-10"
    rows = [line for line in lines[:-1] if line.endswith((" ok", " FAILED"))]
    assert len(rows) == 36 and all(row.endswith(" ok") for row in rows)


def test_command_fails_with_status_1_when_round_off_exceeds_the_tolerance():
    status, lines = command("--all", "--tolerance", "0")
    assert status == 1 and SUMMARY.match(lines[-1]).group(3) == "FAILED"


def test_command_single_configuration(capsys):
    assert (
        main(
            [
                "--sizes",
                "2,3,3,2",
                "--cost",
                "log-likelihood",
                "--activation",
                "relu",
                "--lmbda",
                "0.5",
                "--regularization",
                "L1",
                "--batch",
                "4",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert SUMMARY.match(lines[-1]).group(3) == "ok" and len(lines) == 6


@pytest.mark.parametrize(
    "argv", [["--sizes", "4"], ["--sizes", "4,x"], ["--batch", "0"], ["--cost", "cross-entropy", "--output", "linear"]]
)
def test_command_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and "error:" in capsys.readouterr().err


def test_activation_names_cover_the_choices():
    assert {activation_class(name) for name in ("sigmoid", "tanh", "relu")} == {ref.Sigmoid, ref.Tanh, ref.ReLU}
