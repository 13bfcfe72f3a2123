"""Perceptrons and sigmoid neurons, as in chapter 1 of Nielsen's "Neural Networks and Deep Learning": logic
gates with hand-set weights, the same gates learned by a sigmoid neuron, and XOR, which one neuron cannot
learn and a network with one hidden layer can.

    python examples/perceptrons.py               # about 2 s
    python -m examples.perceptrons --hidden 3 --steps 3000
    python examples/perceptrons.py --quick --no-plots

1. Perceptrons: the output is 1 if w·x + b > 0, else 0. The weights and biases are set by hand: AND
   w = (2, 2), b = -3; OR w = (2, 2), b = -1; NAND w = (-2, -2), b = 3 (the book's example). Each truth
   table is printed.
2. Sigmoid neurons: the output is sigmoid(w·x + b), read as 1 when above 1/2. A neuron
   ``nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())`` learns each gate from its four rows by gradient descent
   (the cross-entropy loss, ``optim.SGD``, ``--steps`` steps of rate ``--lr`` on all four rows at once).
3. XOR: one neuron gets at most 3 of the 4 rows right, because no straight line separates XOR's 1s from
   its 0s (it is not linearly separable; the program prints the four inequalities that contradict each
   other, and checks the 3/4 by trying a grid of weights). Trained anyway, the neuron ends where every
   output is about 1/2. A hidden layer of ``--hidden`` tanh units in front of it learns XOR: 4/4.

Figure in ``--out``: ``perceptrons.png`` (each learned gate's output over the square [-0.5, 1.5]², with the
boundary where it crosses 1/2; XOR by the best single neuron, the trained one and the hidden layer). The
last line printed is

    perceptrons: AND 4/4, OR 4/4, NAND 4/4 (hand-set and learned), XOR one neuron 3/4 at best, hidden layer 4/4, 2.0 s

(for each gate the rows right by both its hand-set perceptron and its learned neuron, i.e. the fewer of the
two; XOR's best single neuron and the hidden-layer network; the wall time).
"""

import argparse
import os
import sys

import numpy as np

import autograd_lite as al
import nn
import nn.functional as F
import optim

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import _common as common  # noqa: E402

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)  # the four rows (x1, x2)
TRUTH = {  # each gate's output on the four rows
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}
HAND_SET = {"AND": ((2, 2), -3), "OR": ((2, 2), -1), "NAND": ((-2, -2), 3)}  # (w, b); NAND is the book's
GATES = tuple(HAND_SET)


# ---- perceptrons with hand-set weights ----------------------------------------------------------------


def perceptron(x, w, b):
    """The perceptron's outputs on the rows ``x``: 1 where w·x + b > 0, else 0."""
    return (x @ np.asarray(w, dtype=np.float32) + b > 0).astype(int)


def truth_table(outputs):
    """The lines of a truth table: a column of outputs per gate (``outputs``: gate name -> 4 outputs)."""
    names = list(outputs)
    lines = ["  x1 x2 | " + " ".join(f"{name:>4}" for name in names)]
    for row, (x1, x2) in enumerate(INPUTS.astype(int)):
        lines.append(f"   {x1}  {x2} | " + " ".join(f"{outputs[name][row]:>4}" for name in names))
    return lines


def right(outputs, gate):
    """How many of the four rows ``outputs`` (0s and 1s) gets right for ``gate``."""
    return int((np.asarray(outputs) == TRUTH[gate]).sum())


# ---- neurons learned with the engine ------------------------------------------------------------------


def sigmoid_neuron():
    """One sigmoid neuron with two inputs: sigmoid(w1 x1 + w2 x2 + b)."""
    return nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())


def hidden_layer_network(hidden):
    """``hidden`` tanh units, then one sigmoid neuron reading them."""
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid())


def train(model, gate, steps, lr):
    """Gradient descent on the cross-entropy of ``model``'s outputs on the four rows against the gate's;
    returns the final loss."""
    x, target = al.tensor(INPUTS), al.tensor(TRUTH[gate][:, None].astype(np.float32))
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for _ in common.progress(range(steps), desc=gate, unit="step", leave=False):
        loss = F.binary_cross_entropy(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def outputs_of(model, x=INPUTS):
    """The model's outputs on the rows ``x`` as a flat numpy array (no graph)."""
    with al.no_grad():
        return model(al.tensor(x)).numpy().ravel()


def neuron_weights(model):
    """(w1, w2), b of a single neuron."""
    linear = model[0]
    w1, w2 = linear.weight.detach().numpy()[0]
    return (float(w1), float(w2)), linear.bias.item()


def best_single_neuron(gate, grid=np.linspace(-3, 3, 25)):
    """Tries every neuron (w1, w2, b) with each value on ``grid`` and returns the most rows any of them
    gets right for ``gate`` (a sigmoid neuron and a perceptron answer alike: 1 where w·x + b > 0), with one
    neuron that does (the one with the widest margin)."""
    w1, w2, b = (a.ravel() for a in np.meshgrid(grid, grid, grid, indexing="ij"))
    z = INPUTS[:, :1] * w1 + INPUTS[:, 1:] * w2 + b  # (4 rows, every neuron)
    counts = ((z > 0).astype(int) == TRUTH[gate][:, None]).sum(axis=0)
    margin = np.abs(z).min(axis=0)  # of the best, show the one furthest from answering otherwise on any row
    best = int(np.argmax(np.where(counts == counts.max(), margin, -1.0)))
    return int(counts[best]), ((float(w1[best]), float(w2[best])), float(b[best])), len(counts)


# ---- figure -------------------------------------------------------------------------------------------


def plot(panels, path):
    """A grid of small panels: each model's output over [-0.5, 1.5]², its 1/2 boundary and the four rows
    (filled: the gate says 1, open: 0). ``panels``: (title, gate, function of rows -> outputs)."""
    plt = common.pyplot()
    g1, g2 = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-0.5, 1.5, 121))
    grid = np.stack([g1.ravel(), g2.ravel()], axis=1).astype(np.float32)
    columns = 3
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.0 * rows), squeeze=False)
    for ax, (title, gate, function) in zip(axes.ravel(), panels):
        values = function(grid).reshape(g1.shape)
        filled = ax.contourf(g1, g2, values, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75)
        if values.min() < 0.5 < values.max() and values.max() - values.min() > 0.01:  # a boundary worth drawing
            ax.contour(g1, g2, values, levels=[0.5], colors="k", linewidths=1.2)
        for (x1, x2), target in zip(INPUTS, TRUTH[gate]):
            ax.scatter(x1, x2, s=70, c="k" if target else "w", edgecolors="k", zorder=3)
        ax.set(title=title, xticks=[0, 1], yticks=[0, 1], aspect="equal")
        ax.title.set_fontsize(9)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    fig.colorbar(filled, ax=axes.ravel().tolist(), shrink=0.8, label="output")
    return common.save_figure(fig, path)


# ---- main ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=common.DefaultsHelpFormatter)
    p.add_argument("--steps", type=int, help="gradient-descent steps per model (default 1000; --quick: 300)")
    p.add_argument("--lr", type=float, default=1.0, help="learning rate")
    p.add_argument("--hidden", type=int, default=4, help="tanh units in the hidden layer of the XOR network")
    p.add_argument("--seed", type=int, default=0, help="seeds the initial weights")
    p.add_argument("--out", default="runs/perceptrons", help="directory for the figure")
    p.add_argument("--no-plots", action="store_true", help="skip the figure")
    p.add_argument("--quick", action="store_true", help="a tiny fast run (300 steps) for smoke tests")
    args = p.parse_args(argv)
    args.steps = args.steps if args.steps is not None else (300 if args.quick else 1000)
    if args.steps < 1:
        p.error("--steps must be at least 1")
    if not args.lr > 0:
        p.error("--lr must be positive")
    if args.hidden < 1:
        p.error("--hidden must be at least 1")
    return args


def hand_set_perceptrons():
    """Print each hand-set perceptron and the truth table they make; returns their outputs."""
    print("1. perceptrons with hand-set weights (output 1 when w·x + b > 0):")
    for gate, (w, b) in HAND_SET.items():
        print(f"  {gate:<4}  w = ({w[0]:2d}, {w[1]:2d}), b = {b:2d}")
    outputs = {gate: perceptron(INPUTS, w, b) for gate, (w, b) in HAND_SET.items()}
    print("\n".join(truth_table(outputs)))
    return outputs


def learned_gates(args):
    """Train a sigmoid neuron for each gate and print it; returns the trained neurons."""
    print(
        f"2. sigmoid neurons learning each gate (cross-entropy, SGD lr {args.lr:g}, {args.steps} steps on the four "
        "rows; output read as 1 above 1/2):"
    )
    neurons = {}
    for gate in GATES:
        al.manual_seed(args.seed)  # the same initial weights for every gate
        neurons[gate] = sigmoid_neuron()
        loss = train(neurons[gate], gate, args.steps, args.lr)
        (w1, w2), b = neuron_weights(neurons[gate])
        out = outputs_of(neurons[gate])
        print(
            f"  {gate:<4}  w = ({w1:6.2f}, {w2:6.2f}), b = {b:6.2f}, outputs {' '.join(f'{o:.3f}' for o in out)}, "
            f"loss {loss:.4f}: {right(out > 0.5, gate)}/4 right"
        )
    print("\n".join(truth_table({gate: (outputs_of(neurons[gate]) > 0.5).astype(int) for gate in GATES})))
    return neurons


def xor(args):
    """XOR by one neuron (the best on a grid, and one trained) and by a hidden layer; returns the models and
    the counts."""
    print("3. XOR")
    best, ((w1, w2), b), tried = best_single_neuron("XOR")
    print(
        f"  one neuron, the best of {tried:,} on a grid (w1, w2, b in [-3, 3]): {best}/4 right, "
        f"e.g. w = ({w1:g}, {w2:g}), b = {b:g}"
    )
    print("  why not 4/4: the neuron says 1 where w1 x1 + w2 x2 + b > 0, on one side of a straight line; XOR wants")
    print(
        "    (0, 0) -> 0: b <= 0    (0, 1) -> 1: w2 + b > 0    (1, 0) -> 1: w1 + b > 0    (1, 1) -> 0: w1 + w2 + b <= 0"
    )
    print("    and the middle two add up to w1 + w2 + b > -b >= 0, against the last: XOR is not linearly separable")
    al.manual_seed(args.seed)
    neuron = sigmoid_neuron()
    train(neuron, "XOR", args.steps, args.lr)
    (tw1, tw2), tb = neuron_weights(neuron)
    out = outputs_of(neuron)
    trained = right(out > 0.5, "XOR")
    print(
        f"  one neuron trained like the gates: w = ({tw1:.2f}, {tw2:.2f}), b = {tb:.2f}, outputs "
        f"{' '.join(f'{o:.3f}' for o in out)}: {trained}/4 right (it settles where every output is about 1/2)"
    )
    al.manual_seed(args.seed)
    network = hidden_layer_network(args.hidden)
    loss = train(network, "XOR", args.steps, args.lr)
    out = outputs_of(network)
    hidden = right(out > 0.5, "XOR")
    print(
        f"  a hidden layer of {args.hidden} tanh units, then a sigmoid neuron: outputs "
        f"{' '.join(f'{o:.3f}' for o in out)}, loss {loss:.4f}: {hidden}/4 right"
    )
    return {"best_one_neuron": best, "best_neuron": ((w1, w2), b), "trained_one_neuron": trained}, neuron, network


def run(args):
    """The three parts and the figure; returns each gate's counts, the XOR counts and the figure's path."""
    watch = common.Stopwatch()
    hand_set = hand_set_perceptrons()
    neurons = learned_gates(args)
    result, neuron, network = xor(args)
    learned = {gate: right(outputs_of(neurons[gate]) > 0.5, gate) for gate in GATES}
    result.update(
        hand_set={gate: hand_set[gate].tolist() for gate in GATES},
        hand_set_right={gate: right(hand_set[gate], gate) for gate in GATES},
        learned_right=learned,
        learned_outputs={gate: outputs_of(neurons[gate]).tolist() for gate in GATES},
        hidden_layer=right(outputs_of(network) > 0.5, "XOR"),
        figure=None,
    )
    if not args.no_plots:
        (w1, w2), b = result["best_neuron"]
        panels = [
            (f"{gate}, learned neuron: {learned[gate]}/4", gate, lambda x, m=neurons[gate]: outputs_of(m, x))
            for gate in GATES
        ]
        panels += [
            (
                f"XOR, best single neuron: {result['best_one_neuron']}/4",
                "XOR",
                lambda x: perceptron(x, (w1, w2), b).astype(float),
            ),
            (f"XOR, trained single neuron: {result['trained_one_neuron']}/4", "XOR", lambda x: outputs_of(neuron, x)),
            (
                f"XOR, {args.hidden} hidden tanh units: {result['hidden_layer']}/4",
                "XOR",
                lambda x: outputs_of(network, x),
            ),
        ]
        result["figure"] = plot(panels, os.path.join(args.out, "perceptrons.png"))
        print(f"figure: {result['figure']}")
    both = {gate: min(result["hand_set_right"][gate], learned[gate]) for gate in GATES}
    result["seconds"] = watch.elapsed()
    print(
        "perceptrons: "
        + ", ".join(f"{gate} {both[gate]}/4" for gate in GATES)
        + f" (hand-set and learned), XOR one neuron {result['best_one_neuron']}/4 at best, "
        f"hidden layer {result['hidden_layer']}/4, {result['seconds']:.1f} s",
        flush=True,
    )
    return result


def main(argv=None):
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
