"""The learning slowdown (Nielsen, chapter 3): a sigmoid neuron that starts badly wrong learns slowly with the
quadratic cost, because its gradient carries sigma'(z), and fast with the cross-entropy cost, whose gradient
is just (a - y) x.

    python -m examples.lab slowdown              # 300 epochs for each cost and start, about a second
    python -m examples.lab slowdown --quick      # the same (it is quick already)

One neuron a = sigma(w x + b) learns to map the input x = 1 to the target y = 0 by gradient descent (the
engine: ``optim.SGD``, float64) with eta = 0.15, once with the quadratic cost C = (a - y)^2 / 2 and once with
the cross-entropy C = -[y ln a + (1 - y) ln(1 - a)] (``F.binary_cross_entropy``), from the book's two starts:
w = b = 2 (z = 4, a = 0.98: badly wrong, sigma'(4) = 0.018) and w = 0.6, b = 0.9 (a = 0.82). It prints the
initial gradients dC/dw of both costs (checked against the closed forms (a - y) sigma'(z) x and (a - y) x)
and the costs after some epochs. The book's own cross-entropy animations use eta = 0.005 (it says the rate
does not matter, the shape of the curves does); ``--eta-cross-entropy`` sets it. The last line reads
``lab slowdown: from w = b = 2 the cost halves after 212 epochs (quadratic) vs 8 (cross-entropy); initial
dC/dw 0.0173 vs 0.98; after 300 epochs 0.0206 vs 0.0121, 1.3 s``.
"""

import os
import time

import numpy as np

import autograd_lite as al
import nn.functional as F
import optim
from examples import _common as common

NAME = "slowdown"
TITLE = "Learning slowdown: one sigmoid neuron with the quadratic vs the cross-entropy cost"

X, Y = 1.0, 0.0
STARTS = {"w = b = 2": (2.0, 2.0), "w = 0.6, b = 0.9": (0.6, 0.9)}  # the book's two starting points
COSTS = ("quadratic", "cross-entropy")
REPORT_EPOCHS = (0, 10, 30, 50, 100, 150, 200, 300)


def add_arguments(parser):
    parser.add_argument("--epochs", type=int, default=300, help="gradient-descent steps")
    parser.add_argument("--eta", type=float, default=0.15, help="learning rate (both costs unless set below)")
    parser.add_argument(
        "--eta-cross-entropy", type=float, default=None, help="learning rate of the cross-entropy runs (default: --eta)"
    )


def check(args):
    """The validated (epochs, eta for the quadratic cost, eta for the cross-entropy)."""
    epochs = args.epochs  # 300 epochs take a fraction of a second: --quick runs them all too
    if epochs < 1:
        raise SystemExit(f"error: --epochs must be positive, got {epochs}")
    eta_ce = args.eta if args.eta_cross_entropy is None else args.eta_cross_entropy
    for flag, value in (("--eta", args.eta), ("--eta-cross-entropy", eta_ce)):
        if not (np.isfinite(value) and value > 0):
            raise SystemExit(f"error: {flag} must be a positive number, got {value}")
    return epochs, {"quadratic": args.eta, "cross-entropy": eta_ce}


def neuron_cost(kind, w, b):
    """The cost of the neuron a = sigma(w x + b) on the one example (x, y), on the engine, and its output a."""
    a = al.sigmoid(w * X + b)
    target = al.tensor([Y], dtype=al.float64)
    if kind == "quadratic":
        return 0.5 * ((a - target) ** 2).sum(), a
    return F.binary_cross_entropy(a, target, reduction="sum"), a


def train(kind, start, eta, epochs):
    """Gradient descent on one cost from one start: the cost and output before each epoch and after the last
    (epochs + 1 values each), and the initial gradient (dC/dw, dC/db)."""
    w = al.tensor([start[0]], dtype=al.float64, requires_grad=True)
    b = al.tensor([start[1]], dtype=al.float64, requires_grad=True)
    optimizer = optim.SGD([w, b], lr=eta)
    costs, outputs, first_grad = np.empty(epochs + 1), np.empty(epochs + 1), None
    for epoch in range(epochs + 1):
        optimizer.zero_grad()
        cost, a = neuron_cost(kind, w, b)
        costs[epoch], outputs[epoch] = cost.item(), a.item()
        if epoch == epochs:
            break
        cost.backward()
        if first_grad is None:
            first_grad = (w.grad.item(), b.grad.item())
        optimizer.step()
    return dict(cost=costs, output=outputs, grad=first_grad)


def closed_form_grad(kind, start):
    """dC/dw at the start by hand: (a - y) sigma'(z) x for the quadratic cost, (a - y) x for the cross-entropy."""
    z = start[0] * X + start[1]
    a = 1 / (1 + np.exp(-z))
    return (a - Y) * a * (1 - a) * X if kind == "quadratic" else (a - Y) * X


def halving_epoch(costs):
    """The first epoch at which the cost is at most half its initial value (None if it never is)."""
    below = np.flatnonzero(costs <= 0.5 * costs[0])
    return int(below[0]) if len(below) else None


def shown_epochs(epoch, epochs):
    """An epoch count for the printout: ``> epochs`` when it never happened."""
    return f"> {epochs}" if epoch is None else str(epoch)


def plot(path, runs, etas):
    """The book's two panels (cost against epoch for each cost function) and the neuron's output, for both starts."""
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    colors = {"quadratic": "tab:red", "cross-entropy": "tab:blue"}
    styles = dict(zip(STARTS, ("-", "--")))
    for ax, kind in zip(axes[:2], COSTS):
        for start in STARTS:
            ax.plot(runs[kind, start]["cost"], color=colors[kind], ls=styles[start], label=f"start {start}")
        ax.set(xlabel="epoch", ylabel="cost", title=f"{kind.capitalize()} cost, $\\eta$ = {etas[kind]:g}")
        ax.set_ylim(0, 1.25 * max(runs[kind, start]["cost"].max() for start in STARTS))  # room for the legend
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    slow = runs["quadratic", "w = b = 2"]["cost"]
    plateau = halving_epoch(slow) or len(slow) - 1
    axes[0].annotate(
        f"plateau: cost halves\nonly at epoch {plateau}",
        xy=(plateau, slow[plateau]),
        xytext=(0.25 * len(slow), 0.55 * slow[0]),
        arrowprops=dict(arrowstyle="->"),
        fontsize=8,
    )
    for kind in COSTS:
        for start in STARTS:
            axes[2].plot(runs[kind, start]["output"], color=colors[kind], ls=styles[start], label=f"{kind}, {start}")
    axes[2].axhline(Y, color="k", lw=0.8)
    axes[2].set(xlabel="epoch", ylabel="output a", title="The neuron's output (target y = 0)", ylim=(-0.02, 1))
    axes[2].grid(alpha=0.3)
    axes[2].legend(fontsize=8)
    return common.save_figure(fig, path)


def run(args):
    start_time = time.perf_counter()
    epochs, etas = check(args)
    al.manual_seed(args.seed)  # nothing here is random; seeded for the protocol's sake
    runs = {}
    for kind in COSTS:
        for name, start in common.progress(STARTS.items(), total=len(STARTS), desc=kind, leave=False):
            runs[kind, name] = train(kind, start, etas[kind], epochs)

    grad_error = 0.0
    print(
        f"one sigmoid neuron, x = {X:g}, y = {Y:g}, {epochs} epochs; eta: quadratic {etas['quadratic']:g}, "
        f"cross-entropy {etas['cross-entropy']:g}"
    )
    for name, start in STARTS.items():
        z = start[0] * X + start[1]
        a = 1 / (1 + np.exp(-z))
        grads = {kind: runs[kind, name]["grad"][0] for kind in COSTS}
        for kind in COSTS:
            grad_error = max(grad_error, abs(grads[kind] - closed_form_grad(kind, start)))
        print(
            f"start {name}: z = {z:g}, a = {a:.4f}, sigma'(z) = {a * (1 - a):.4f}; initial dC/dw quadratic "
            f"{grads['quadratic']:.4f}, cross-entropy {grads['cross-entropy']:.4f} "
            f"(ratio {grads['cross-entropy'] / grads['quadratic']:.0f} = 1/sigma'(z))"
        )
    print(f"engine gradients vs the closed forms (a-y) sigma'(z) x and (a-y) x: max difference {grad_error:.1e}")
    shown = [e for e in REPORT_EPOCHS if e <= epochs]
    print(f"{'cost after epoch':<31s} " + " ".join(f"{e:>7d}" for e in shown))
    for name in STARTS:
        for kind in COSTS:
            values = runs[kind, name]["cost"]
            print(f"{kind:>13s}, {name:<16s} " + " ".join(f"{values[e]:7.4f}" for e in shown))
    halves = {(kind, name): halving_epoch(runs[kind, name]["cost"]) for kind in COSTS for name in STARTS}
    for name in STARTS:
        print(
            f"start {name}: the cost halves after "
            + " and ".join(f"{shown_epochs(halves[kind, name], epochs)} epochs ({kind})" for kind in COSTS)
        )

    figures = []
    if not args.no_plots:
        path = plot(os.path.join(args.out, f"lab_{NAME}.png"), runs, etas)
        figures.append(path)
        print(f"figure: {path}")
    bad = "w = b = 2"
    final = {kind: float(runs[kind, bad]["cost"][-1]) for kind in COSTS}
    initial_grad = {kind: float(runs[kind, bad]["grad"][0]) for kind in COSTS}
    slow, fast = (shown_epochs(halves[kind, bad], epochs) for kind in COSTS)
    line = (
        f"lab {NAME}: from {bad} the cost halves after {slow} epochs (quadratic) vs {fast} (cross-entropy); "
        f"initial dC/dw {initial_grad['quadratic']:.4f} vs {initial_grad['cross-entropy']:.2f}; "
        f"after {epochs} epochs {final['quadratic']:.4f} vs {final['cross-entropy']:.4f}, "
        f"{time.perf_counter() - start_time:.1f} s"
    )
    print(line, flush=True)
    return dict(
        line=line,
        figures=figures,
        runs=runs,
        final=final,
        initial_grad=initial_grad,
        grad_error=grad_error,
        halves=halves,
        etas=etas,
    )
