"""The hand-written reference network (autograd_lite.reference): backprop against central differences, the
book's update rules on hand-computed steps, SGD's monitoring / early stopping / halving, save and load,
and the conversion to and from nn."""

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_lite as al
from autograd_lite import nn
from autograd_lite.reference import (
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

HIDDEN = [Sigmoid, Tanh, ReLU]
# every (cost, hidden activation, output activation) the Network accepts, the linear output included
COMBOS = (
    [(QuadraticCost, h, o) for h in HIDDEN for o in (Sigmoid, Tanh, ReLU, Linear)]
    + [(CrossEntropyCost, h, Sigmoid) for h in HIDDEN]
    + [(LogLikelihoodCost, h, Softmax) for h in HIDDEN]
)


def _combo_id(combo):
    cost, hidden, output = combo
    return f"{cost.__name__}-{hidden.name}-{output.name}"


def _targets(rng, cost, n_out, m):
    if cost is LogLikelihoodCost:
        return vectorized_result(rng.integers(0, n_out, m), n_out)
    if cost is CrossEntropyCost:
        return rng.uniform(0, 1, (n_out, m))
    return rng.standard_normal((n_out, m))


def _numeric_gradient(net, x, y):
    """Central differences of cost.fn(feedforward(x), y) for every weight and bias."""
    eps = 1e-6

    def cost():
        return net.cost.fn(net.feedforward(x), y)

    grads = []
    for params in (net.biases, net.weights):
        out = []
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + eps
                plus = cost()
                p[idx] = old - eps
                minus = cost()
                p[idx] = old
                g[idx] = (plus - minus) / (2 * eps)
            out.append(g)
        grads.append(out)
    return grads


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5), m=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_backprop_matches_central_differences(combo, sizes, m, seed):
    cost, hidden, output = combo
    rng = np.random.default_rng(seed)
    net = Network(sizes, cost=cost, activation=hidden, output_activation=output, seed=seed)
    x = rng.standard_normal((sizes[0], m))
    y = _targets(rng, cost, sizes[-1], m)
    nabla_b, nabla_w = net.backprop(x, y)
    num_b, num_w = _numeric_gradient(net, x, y)
    assert [g.shape for g in nabla_b] == [b.shape for b in net.biases]
    assert [g.shape for g in nabla_w] == [w.shape for w in net.weights]
    for analytic, numeric in zip(nabla_b + nabla_w, num_b + num_w):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_backprop_of_a_batch_is_the_sum_over_its_samples():
    rng = np.random.default_rng(0)
    net = Network([4, 6, 5, 3], seed=0)
    x = rng.standard_normal((4, 7))
    labels = rng.integers(0, 3, 7)
    nabla_b, nabla_w = net.backprop(x, labels)  # int labels are one-hot targets
    per_sample = [net.backprop(x[:, [i]], vectorized_result(int(labels[i]), 3)) for i in range(7)]
    for l in range(3):
        np.testing.assert_allclose(nabla_b[l], sum(s[0][l] for s in per_sample), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(nabla_w[l], sum(s[1][l] for s in per_sample), rtol=1e-12, atol=1e-14)


def test_labels_and_one_hot_columns_are_the_same_data():
    rng = np.random.default_rng(1)
    net = Network([3, 4, 2], seed=1)
    x = rng.standard_normal((3, 5))
    labels = np.array([0, 1, 1, 0, 1])
    one_hot = vectorized_result(labels, 2)
    assert one_hot.shape == (2, 5) and vectorized_result(1, 2).tolist() == [[0.0], [1.0]]
    assert net.accuracy(x, one_hot) == net.accuracy(x, labels) == net.evaluate(x, labels)
    assert net.total_cost(x, one_hot, 0.3) == pytest.approx(net.total_cost(x, labels, 0.3), rel=1e-12)
    nabla = net.backprop(x, one_hot), net.backprop(x, labels)
    for a, b in zip(nabla[0][0] + nabla[0][1], nabla[1][0] + nabla[1][1]):
        np.testing.assert_array_equal(a, b)


def test_total_cost_is_the_books():
    net = Network([3, 4, 2], cost=QuadraticCost, seed=2)
    x = np.random.default_rng(2).standard_normal((3, 6))
    y = np.random.default_rng(3).standard_normal((2, 6))
    a = net.feedforward(x)
    l2 = sum(float(np.sum(w**2)) for w in net.weights)
    l1 = sum(float(np.sum(np.abs(w))) for w in net.weights)
    base = 0.5 * np.sum((a - y) ** 2) / 6
    assert net.total_cost(x, y) == pytest.approx(base, rel=1e-12)
    assert net.total_cost(x, y, 0.7) == pytest.approx(base + 0.5 * (0.7 / 6) * l2, rel=1e-12)
    assert net.total_cost(x, y, 0.7, "L1") == pytest.approx(base + (0.7 / 6) * l1, rel=1e-12)


def test_regularization_gradient():
    net = Network([2, 3, 1], seed=0)
    net.weights[0][0, 0] = 0.0
    l2 = net.regularization_gradient(2.0, 8)
    l1 = net.regularization_gradient(2.0, 8, "L1")
    for w, g2, g1 in zip(net.weights, l2, l1):
        np.testing.assert_array_equal(g2, 0.25 * w)
        np.testing.assert_array_equal(g1, 0.25 * np.sign(w))
    assert l1[0][0, 0] == 0.0  # sgn(0) = 0
    assert len(l2) == len(net.weights)  # weights only: biases are not regularised


# ---- the book's update rules, one step computed by hand ----------------------------------------------------


def _tiny(w, b=0.1):
    """Network([2, 1]) with a linear output and the quadratic cost: a = w x + b, so ∂C/∂w = (a − y) xᵀ."""
    net = Network([2, 1], cost=QuadraticCost, activation=Linear, output_activation=Linear, seed=0)
    net.weights = [np.array([w], dtype=np.float64)]
    net.biases = [np.array([[b]])]
    return net


X = np.array([[1.0, 0.0], [2.0, 1.0]])  # two samples, (1, 2) and (0, 1)
Y = np.array([[1.0, 0.0]])
# with w = [0.5, -0.2], b = 0.1: a = [0.2, -0.1], δ = a − y = [-0.8, -0.1],
# Σ∂C/∂w = δ xᵀ = [-0.8, -1.7], Σ∂C/∂b = -0.9; m = 2


def test_l2_step_by_hand():
    net = _tiny([0.5, -0.2])
    net.update_mini_batch(X, Y, eta=0.5, lmbda=1.0, n=10)
    # w -> (1 − ηλ/n) w − (η/m) Σ∂C/∂w = 0.95 [0.5, -0.2] − 0.25 [-0.8, -1.7]
    np.testing.assert_allclose(net.weights[0], [[0.675, 0.235]], rtol=1e-14)
    # b -> b − (η/m) Σ∂C/∂b: not regularised
    np.testing.assert_allclose(net.biases[0], [[0.325]], rtol=1e-14)


def test_l1_step_by_hand_with_sgn_0_equal_0():
    net = _tiny([0.5, -0.2])
    net.update_mini_batch(X, Y, eta=0.5, lmbda=1.0, n=10, regularization="L1")
    # w -> w − (ηλ/n) sgn(w) − (η/m) Σ∂C/∂w = [0.5 − 0.05 + 0.2, -0.2 + 0.05 + 0.425]
    np.testing.assert_allclose(net.weights[0], [[0.65, 0.275]], rtol=1e-14)
    np.testing.assert_allclose(net.biases[0], [[0.325]], rtol=1e-14)
    # a zero weight whose input is always 0 has ∂C/∂w = 0: with sgn(0) = 0 it stays exactly 0
    net = _tiny([0.5, 0.0])
    net.update_mini_batch(np.array([[1.0, 0.0], [0.0, 0.0]]), Y, eta=0.5, lmbda=1.0, n=10, regularization="L1")
    assert net.weights[0][0, 1] == 0.0
    # w₁: a = [0.6, 0.1], δ = [-0.4, 0.1], Σ∂C/∂w₁ = -0.4: 0.5 − 0.05 + 0.1
    assert net.weights[0][0, 0] == pytest.approx(0.55, rel=1e-14)


def test_momentum_step_by_hand():
    net = _tiny([0.5, -0.2])
    net.weight_velocities = [np.array([[0.2, -0.4]])]
    net.bias_velocities = [np.array([[0.1]])]
    net.update_mini_batch(X, Y, eta=0.5, lmbda=0.0, n=10, momentum=0.5)
    # v -> μv − η∇C with ∇C = Σ∂C/∂w / m = [-0.4, -0.85]: [0.1 + 0.2, -0.2 + 0.425]; w -> w + v
    np.testing.assert_allclose(net.weight_velocities[0], [[0.3, 0.225]], rtol=1e-14)
    np.testing.assert_allclose(net.weights[0], [[0.8, 0.025]], rtol=1e-14)
    # bias: ∇C = -0.45: v = 0.05 + 0.225, b = 0.1 + 0.275
    np.testing.assert_allclose(net.bias_velocities[0], [[0.275]], rtol=1e-14)
    np.testing.assert_allclose(net.biases[0], [[0.375]], rtol=1e-14)


def test_momentum_with_l2_regularises_the_weights_only():
    net = _tiny([0.5, -0.2])
    net.update_mini_batch(X, Y, eta=0.5, lmbda=1.0, n=10, momentum=0.9)
    # from zero velocity: v = −η(∇C + (λ/n) w), the plain L2 step
    np.testing.assert_allclose(net.weights[0], [[0.675, 0.235]], rtol=1e-14)
    np.testing.assert_allclose(net.biases[0], [[0.325]], rtol=1e-14)
    np.testing.assert_allclose(net.weight_velocities[0], [[0.175, 0.435]], rtol=1e-13)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, math.nan, math.inf])
def test_momentum_outside_0_1_is_refused(momentum):
    net = _tiny([0.5, -0.2])
    with pytest.raises(ValueError, match="momentum"):
        net.update_mini_batch(X, Y, eta=0.5, momentum=momentum)
    with pytest.raises(ValueError, match="momentum"):
        net.SGD((X, Y), 1, 1, 0.5, momentum=momentum)
    np.testing.assert_array_equal(net.weights[0], [[0.5, -0.2]])


def test_other_bad_arguments_are_refused():
    net = _tiny([0.5, -0.2])
    with pytest.raises(ValueError, match="regularization"):
        net.update_mini_batch(X, Y, eta=0.5, regularization="L3")
    with pytest.raises(ValueError, match="eta"):
        net.SGD((X, Y), 1, 1, -0.5)
    with pytest.raises(ValueError, match="lmbda"):
        net.SGD((X, Y), 1, 1, 0.5, lmbda=-1)
    with pytest.raises(ValueError, match="mini_batch_size"):
        net.SGD((X, Y), 1, 0, 0.5)
    with pytest.raises(ValueError, match="evaluation_data"):
        net.SGD((X, Y), 1, 1, 0.5, early_stopping_n=2)
    with pytest.raises(ValueError, match="callback"):
        net.SGD((X, Y), 1, 1, 0.5, callback="print")
    with pytest.raises(ValueError, match="training_data must be a pair"):
        net.SGD([(X[:, 0], Y[:, 0])] * 3, 1, 1, 0.5)
    with pytest.raises(ValueError, match=r"x must .* shape \(2, m\)"):
        net.feedforward(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"x must .* shape \(2, m\)"):
        net.feedforward(np.zeros(2))
    with pytest.raises(ValueError, match=r"y must have shape \(1, 2\)"):
        net.backprop(X, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="labels must be in"):
        Network([2, 3]).accuracy(X, np.array([0, 3]))


def test_constructor_refusals_and_defaults():
    with pytest.raises(ValueError, match="CrossEntropyCost needs a sigmoid"):
        Network([2, 2], cost=CrossEntropyCost, output_activation=Linear)
    with pytest.raises(ValueError, match="CrossEntropyCost needs a sigmoid"):
        Network([2, 3, 2], activation=Tanh)  # the output takes the hidden activation
    with pytest.raises(ValueError, match="softmax"):
        Network([2, 2], cost=QuadraticCost, output_activation=Softmax)
    with pytest.raises(ValueError, match="softmax"):
        Network([2, 2], cost=LogLikelihoodCost, output_activation=Sigmoid)
    with pytest.raises(ValueError, match="output layer only"):
        Network([2, 3, 2], activation=Softmax)
    with pytest.raises(ValueError, match="unknown activation"):
        Network([2, 3, 2], activation="softsign")
    with pytest.raises(ValueError, match="unknown cost"):
        Network([2, 2], cost="HingeCost")
    with pytest.raises(ValueError, match="sizes"):
        Network([3])
    with pytest.raises(ValueError, match="size"):
        Network([3, 0, 2])
    with pytest.raises(ValueError, match="init"):
        Network([2, 2], init="xavier")
    with pytest.raises(ValueError, match="dtype"):
        Network([2, 2], dtype=np.int64)
    assert Network([2, 3, 2], cost=LogLikelihoodCost).output_activation is Softmax
    assert Network([2, 3, 2], cost="QuadraticCost", activation="tanh").output_activation is Tanh
    assert Identity is Linear
    net = Network([50, 30, 10], seed=0)
    assert (net.sizes, net.num_layers, net.cost, net.activation) == ([50, 30, 10], 3, CrossEntropyCost, Sigmoid)
    assert net.weights[0].shape == (30, 50) and net.biases[0].shape == (30, 1)
    assert net.weights[0].dtype == np.float64
    assert np.std(net.weights[0]) == pytest.approx(1 / math.sqrt(50), rel=0.1)
    assert np.std(np.concatenate([b.ravel() for b in net.biases])) == pytest.approx(1.0, rel=0.3)
    large = Network([50, 30, 10], init="large", seed=0)
    assert np.std(large.weights[0]) == pytest.approx(1.0, rel=0.1)
    np.testing.assert_array_equal(Network([4, 3], seed=5).weights[0], Network([4, 3], seed=5).weights[0])


def test_float32_network_computes_in_float32():
    net = Network([3, 4, 2], dtype=np.float32, seed=0)
    x = np.random.default_rng(0).standard_normal((3, 5))
    assert net.weights[0].dtype == net.biases[1].dtype == np.float32
    assert net.feedforward(x).dtype == np.float32
    nabla_b, nabla_w = net.backprop(x, np.array([0, 1, 1, 0, 1]))
    assert {g.dtype for g in nabla_b + nabla_w} == {np.dtype(np.float32)}
    net.update_mini_batch(x, np.array([0, 1, 1, 0, 1]), 0.5, 0.1, 10, momentum=0.5)
    assert {p.dtype for p in net.weights + net.biases} == {np.dtype(np.float32)}
    np.testing.assert_allclose(net.feedforward(x), Network([3, 4, 2], seed=0).feedforward(x), atol=0.2)


# ---- SGD --------------------------------------------------------------------------------------------------


def _blobs(seed, n=200):
    """Two Gaussian blobs in 2-D, well apart: x (2, n), labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    centres = np.array([[-1.5, -1.0], [1.5, 1.0]])
    x = (centres[labels] + 0.6 * rng.standard_normal((n, 2))).T
    return x, labels


def test_sgd_monitoring_lists_have_one_entry_per_epoch():
    x, labels = _blobs(0, 40)
    net = Network([2, 3, 2], seed=0)
    ec, ea, tc, ta = net.SGD(
        (x, vectorized_result(labels, 2)),
        3,
        8,
        0.5,
        lmbda=0.1,
        evaluation_data=(x, labels),
        monitor_evaluation_cost=True,
        monitor_evaluation_accuracy=True,
        monitor_training_cost=True,
        monitor_training_accuracy=True,
        seed=0,
    )
    assert len(ec) == len(ea) == len(tc) == len(ta) == 3
    assert all(isinstance(a, int) and 0 <= a <= 40 for a in ea + ta)
    assert ec == pytest.approx(tc) and ea == ta  # the same data both ways
    assert tc[-1] == pytest.approx(net.total_cost(x, labels, 0.1))  # the regularised cost after the last epoch
    assert ta[-1] == net.accuracy(x, labels)


def test_sgd_monitoring_off_gives_empty_lists():
    x, labels = _blobs(0, 20)
    net = Network([2, 2], seed=0)
    assert net.SGD((x, labels), 2, 5, 0.5) == ([], [], [], [])
    ec, ea, tc, ta = net.SGD((x, labels), 2, 5, 0.5, monitor_training_cost=True)
    assert (len(ec), len(ea), len(tc), len(ta)) == (0, 0, 2, 0)
    assert net.SGD((x, labels), 0, 5, 0.5, monitor_training_cost=True) == ([], [], [], [])


def test_sgd_shuffles_as_the_contract_says():
    """One generator default_rng(seed) per call, one permutation(n) per epoch, batches of mini_batch_size
    columns in turn (the last one shorter), update_mini_batch with n = the training set's size."""
    x, labels = _blobs(1, 23)
    y = vectorized_result(labels, 2)
    net = Network([2, 4, 2], seed=9)
    by_hand = Network([2, 4, 2], seed=9)
    net.SGD((x, y), 3, 5, 0.4, lmbda=0.2, regularization="L1", momentum=0.3, seed=77)
    rng = np.random.default_rng(77)
    for _ in range(3):
        order = rng.permutation(23)
        for k in range(0, 23, 5):
            by_hand.update_mini_batch(x[:, order[k : k + 5]], y[:, order[k : k + 5]], 0.4, 0.2, 23, "L1", 0.3)
    for a, b in zip(net.weights + net.biases, by_hand.weights + by_hand.biases):
        np.testing.assert_array_equal(a, b)


def test_sgd_calls_back_after_each_epoch():
    x, labels = _blobs(2, 20)
    net = Network([2, 2], seed=0)
    seen = []
    net.SGD((x, labels), 4, 5, 0.5, callback=lambda epoch, n: seen.append((epoch, n is net)))
    assert seen == [(0, True), (1, True), (2, True), (3, True)]


@pytest.mark.parametrize("cost", [CrossEntropyCost, LogLikelihoodCost, QuadraticCost])
def test_sgd_learns_a_separable_problem(cost):
    x, labels = _blobs(1)
    test_x, test_labels = _blobs(2)
    net = Network([2, 8, 2], cost=cost, seed=0)
    _, accuracy, _, _ = net.SGD(
        (x, vectorized_result(labels, 2)),
        20,
        10,
        2.0 if cost is QuadraticCost else 0.5,
        lmbda=0.1,
        evaluation_data=(test_x, test_labels),
        monitor_evaluation_accuracy=True,
        momentum=0.5,
        seed=0,
    )
    assert accuracy[-1] >= 190  # of 200
    assert net.accuracy(x, labels) >= 190


def test_sgd_learns_with_l1_and_relu():
    x, labels = _blobs(3, 100)
    net = Network([2, 5, 2], cost=QuadraticCost, activation=ReLU, output_activation=Sigmoid, seed=1)
    net.SGD((x, labels), 20, 10, 1.0, lmbda=0.5, regularization="L1", seed=0)
    assert net.accuracy(x, labels) >= 95


def test_early_stopping_stops_after_n_epochs_without_improvement():
    x, labels = _blobs(5, 30)
    net = Network([2, 3, 2], seed=0)
    calls = []
    # eta = 0: nothing changes, so only epoch 0 improves on the best accuracy
    _, accuracy, _, _ = net.SGD(
        (x, labels),
        50,
        10,
        0.0,
        evaluation_data=(x, labels),
        monitor_evaluation_accuracy=True,
        early_stopping_n=4,
        callback=lambda epoch, n: calls.append(epoch),
    )
    assert len(accuracy) == 1 + 4 and calls == [0, 1, 2, 3, 4]
    _, accuracy, _, _ = net.SGD((x, labels), 12, 10, 0.0, evaluation_data=(x, labels), monitor_evaluation_accuracy=True)
    assert len(accuracy) == 12  # without it, every epoch runs


def test_early_stopping_does_not_stop_while_accuracy_improves():
    x, labels = _blobs(6)
    net = Network([2, 8, 2], seed=0)
    net.weights = [np.zeros_like(w) for w in net.weights]  # start at chance level
    net.biases = [np.zeros_like(b) for b in net.biases]
    net.weights[0] = np.random.default_rng(0).standard_normal(net.weights[0].shape) * 0.01
    _, accuracy, _, _ = net.SGD(
        (x, labels),
        6,
        10,
        0.5,
        evaluation_data=(x, labels),
        monitor_evaluation_accuracy=True,
        early_stopping_n=1,
        seed=0,
    )
    assert len(accuracy) >= 2
    assert all(b > a for a, b in zip(accuracy[:-2], accuracy[1:-1]))  # stopped only at the first non-improvement
    if len(accuracy) < 6:
        assert accuracy[-1] <= max(accuracy[:-1])


def test_halve_eta_on_plateau_stops_at_1_128_of_eta():
    x, labels = _blobs(7, 30)
    net = Network([2, 3, 2], seed=0)
    _, accuracy, _, _ = net.SGD(
        (x, labels),
        100,
        10,
        1e-12,
        evaluation_data=(x, labels),
        monitor_evaluation_accuracy=True,
        halve_eta_on_plateau=2,
    )
    # epoch 0 improves; then every 2 epochs without improvement halve eta; the 7th halving (1/128) stops
    assert len(accuracy) == 1 + 2 * 7
    assert net.eta == pytest.approx(1e-12 / 128)
    net.SGD((x, labels), 10, 10, 1e-12, evaluation_data=(x, labels), halve_eta_on_plateau=2)
    assert net.eta == pytest.approx(1e-12 / 16)  # after epochs 2, 4, 6, 8: four halvings in 10 epochs


# ---- save and load ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("combo", [COMBOS[3], COMBOS[-4], COMBOS[-1]], ids=_combo_id)
def test_save_load_round_trip(tmp_path, combo):
    cost, hidden, output = combo
    net = Network([3, 4, 2], cost=cost, activation=hidden, output_activation=output, seed=0)
    path = tmp_path / "net.json"
    net.save(path)
    assert os.listdir(tmp_path) == ["net.json"]  # atomic: no temporary left behind
    (tmp_path / "plain").write_text("")
    assert os.stat(path).st_mode == os.stat(tmp_path / "plain").st_mode  # the permissions of any new file
    back = load(path)
    assert back.sizes == net.sizes and back.cost is cost
    assert back.activation is hidden and back.output_activation is output
    for a, b in zip(back.weights + back.biases, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).standard_normal((3, 5))
    np.testing.assert_array_equal(back.feedforward(x), net.feedforward(x))
    assert set(json.loads(path.read_text())) == {
        "sizes",
        "weights",
        "biases",
        "cost",
        "activation",
        "output_activation",
    }


def test_load_reads_network2_files(tmp_path):
    net = Network([2, 3, 2], seed=0)
    path = tmp_path / "book.json"
    path.write_text(
        json.dumps(
            {
                "sizes": net.sizes,
                "weights": [w.tolist() for w in net.weights],
                "biases": [b.tolist() for b in net.biases],
                "cost": "QuadraticCost",
            }
        )
    )
    back = load(str(path))
    assert back.cost is QuadraticCost and back.activation is Sigmoid and back.output_activation is Sigmoid


def test_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    Network([2, 2], seed=0).save(path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        Network([2, 3, 2], seed=1).save(path)
    assert os.listdir(tmp_path) == ["net.json"]
    assert path.read_bytes() == before


def _good_document():
    net = Network([2, 3, 2], seed=0)
    return {
        "sizes": net.sizes,
        "weights": [w.tolist() for w in net.weights],
        "biases": [b.tolist() for b in net.biases],
        "cost": "CrossEntropyCost",
    }


def _edit(doc, **changes):
    doc = dict(doc)
    for k, v in changes.items():
        if v is None:
            del doc[k]
        else:
            doc[k] = v
    return json.dumps(doc)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x80\x81 not text", "not JSON"),
        (b"{sizes: [2, 2]", "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2, 3]", "JSON object"),
        (_edit(_good_document(), weights=None).encode(), "missing key.*weights"),
        (_edit(_good_document(), sizes=None).encode(), "missing key.*sizes"),
        (_edit(_good_document(), cost=None).encode(), "missing key.*cost"),
        (_edit(_good_document(), cost="HingeCost").encode(), "unknown cost 'HingeCost'"),
        (_edit(_good_document(), cost=["QuadraticCost"]).encode(), "unknown cost"),
        (_edit(_good_document(), sizes=[2, 4, 2]).encode(), r"weights\[0\] has shape \(3, 2\), expected \(4, 2\)"),
        (_edit(_good_document(), biases=[[[0.0]], [[0.0]]]).encode(), r"biases\[0\] has shape"),
        (_edit(_good_document(), weights=[[[1.0, 2.0]]]).encode(), "weights must be a list of 2"),
        (_edit(_good_document(), weights=[[["a", "b"]], []]).encode(), r"weights\[0\] is not an array"),
        (_edit(_good_document(), sizes=[2]).encode(), "sizes"),
        (_edit(_good_document(), activation="softsign").encode(), "unknown activation"),
    ],
)
def test_load_refusals_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad-network.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        load(path)
    assert "bad-network.json" in str(info.value)


def test_load_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.json"):
        load(tmp_path / "nowhere.json")


# ---- to and from nn -----------------------------------------------------------------------------------------


def _rows_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
def test_to_module_computes_feedforward(combo):
    cost, hidden, output = combo
    rng = np.random.default_rng(8)
    net = Network([4, 5, 3, 3], cost=cost, activation=hidden, output_activation=output, seed=8)
    x = rng.standard_normal((4, 6))
    module = net.to_module()
    assert [type(m).__name__ for m in module][::2] == ["Linear"] * 3
    assert isinstance(module[-1], nn.Linear) == (output in (Linear, Softmax))  # the loss applies log_softmax
    with al.no_grad():
        out = module(al.tensor(x.T)).numpy()
    if output is Softmax:
        out = _rows_softmax(out)
    np.testing.assert_allclose(out.T, net.feedforward(x), rtol=1e-12, atol=1e-14)
    assert module[0].weight.dtype == np.float64
    np.testing.assert_array_equal(module[0].weight.detach().numpy(), net.weights[0])
    np.testing.assert_array_equal(module[0].bias.detach().numpy(), net.biases[0][:, 0])
    module[0].weight._array[...] = 0  # a copy: the network's weights stay
    assert np.any(net.weights[0] != 0)


def test_to_module_in_float32():
    net = Network([4, 5, 2], dtype=np.float32, seed=0)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    module = to_module(net)
    assert module[0].weight.dtype == np.float32
    with al.no_grad():
        np.testing.assert_allclose(module(al.tensor(x.T)).numpy().T, net.feedforward(x), rtol=1e-5, atol=1e-6)
    assert to_module(Network([4, 2], seed=0), dtype=al.float32)[0].weight.dtype == np.float32


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
def test_from_module_round_trip(combo):
    cost, hidden, output = combo
    net = Network([3, 4, 4, 2], cost=cost, activation=hidden, output_activation=output, seed=3)
    back = Network.from_module(net.to_module(), cost=cost)
    assert back.sizes == net.sizes and back.cost is cost and back.dtype == np.float64
    assert back.activation is hidden and back.output_activation is output
    for a, b in zip(back.weights + back.biases, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
    if cost is not LogLikelihoodCost:  # a bare last Linear means a linear output unless told otherwise
        again = from_module(net.to_module())
        assert again.output_activation is output


def test_from_module_of_a_hand_built_model():
    model = nn.Sequential(nn.Linear(3, 4, dtype=al.float64), nn.Tanh(), nn.Linear(4, 2, dtype=al.float64))
    net = from_module(model)
    assert net.sizes == [3, 4, 2] and net.activation is Tanh and net.output_activation is Linear
    assert net.cost is QuadraticCost and net.dtype == np.float64
    x = np.random.default_rng(0).standard_normal((3, 5))
    with al.no_grad():
        np.testing.assert_allclose(model(al.tensor(x.T)).numpy().T, net.feedforward(x), rtol=1e-12)
    assert from_module(nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())).cost is CrossEntropyCost
    f32 = from_module(nn.Sequential(nn.Linear(2, 3), nn.Sigmoid()))
    assert f32.dtype == np.float32 and f32.weights[0].dtype == np.float32
    assert from_module(nn.Sequential(nn.Linear(2, 3), nn.Sigmoid()), dtype=np.float64).dtype == np.float64
    softmax = from_module(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Softmax(dim=-1)))
    assert softmax.cost is LogLikelihoodCost and softmax.output_activation is Softmax
    single = from_module(nn.Linear(2, 3))
    assert single.sizes == [2, 3] and single.output_activation is Linear


@pytest.mark.parametrize(
    "model, cost, message",
    [
        (lambda: nn.Conv2d(1, 1, 3), None, "expected an nn.Sequential"),
        (lambda: "not a model", None, "expected an nn.Sequential"),
        (lambda: nn.Sequential(), None, "empty"),
        (lambda: nn.Sequential(nn.Linear(2, 3, bias=False), nn.Sigmoid()), None, "without bias"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Dropout(), nn.Linear(3, 2)), None, "Dropout is not supported"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(), nn.Linear(3, 2)), None, "LeakyReLU is not supported"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 2)), None, "two Linear layers in a row"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Sigmoid()), None, "must follow a Linear"),
        (lambda: nn.Sequential(nn.Sigmoid(), nn.Linear(2, 3)), None, "must follow a Linear"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(4, 2)), None, "4 inputs after one with 3 outputs"),
        (
            lambda: nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2)),
            None,
            "different activations",
        ),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1), nn.Linear(3, 2)), None, "only as the output"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), None, "dim=0"),
        (lambda: nn.Sequential(nn.Sequential(nn.Linear(2, 3)), nn.Sigmoid()), None, "Sequential is not supported"),
        (lambda: nn.Sequential(nn.Linear(2, 3), nn.Tanh()), CrossEntropyCost, "CrossEntropyCost needs a sigmoid"),
        (
            lambda: nn.Sequential(nn.Linear(2, 3), nn.Sigmoid()),
            LogLikelihoodCost,
            "softmax output layer goes with LogLikelihoodCost",
        ),
        (
            lambda: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1)),
            QuadraticCost,
            "softmax output layer goes with LogLikelihoodCost",
        ),
        (lambda: nn.Sequential(nn.Linear(2, 3)), "HingeCost", "unknown cost"),
    ],
)
def test_from_module_refuses_unsupported_models(model, cost, message):
    with pytest.raises(ValueError, match=message) as info:
        Network.from_module(model(), cost=cost)
    assert str(info.value).startswith("from_module: ")
