"""Dropout on ten points: the same network trained with and without ``nn.Dropout(p)`` on its hidden layer.
Without it the training error falls far below the noise and the test error climbs; with it (training mode drops each
hidden unit with probability p, evaluation mode uses them all) the network cannot fit the noise of the ten
points, its training error stays closer to the noise and its test error ends much lower.

    python -m examples.lab dropout                 # p = 0.2, 5,000 full-batch Adam steps each: about 4 s
    python -m examples.lab dropout --p 0.3         # stronger dropout
    python -m examples.lab dropout --quick         # 2,000 steps

Both networks start from the same initial weights (``examples/lab/_toy.py``: 20 tanh units; dropout has no
parameters) and are trained identically; the train and test MSE after every step are measured in eval mode
(no units dropped). Its last line reads
``lab dropout: final test MSE 0.0590 with dropout p=0.2, 0.1771 without (best 0.0551 and 0.0531),
noise floor 0.0400, 3.8 s``.
"""

import argparse
import os
import time

import numpy as np

import autograd_lite as al
from examples import _common as common
from examples.lab import _toy as toy

NAME = "dropout"
TITLE = "Dropout: the same network with and without dropout on the hidden layer"


def probability(text):
    """``--p``: a dropout probability in (0, 1)."""
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < p < 1.0:
        raise argparse.ArgumentTypeError(f"the dropout probability must be in (0, 1), got {text}")
    return p


def add_arguments(parser):
    toy.add_steps_argument(parser)
    parser.add_argument("--p", type=probability, default=0.2, help="the probability of dropping a hidden unit")


def run(args):
    start = time.perf_counter()
    steps = toy.steps_of(args)
    data = toy.make_data(args.seed)
    al.manual_seed(args.seed)
    plain = toy.build()
    al.manual_seed(args.seed)
    dropped = toy.build(dropout=args.p)  # the same initial weights: dropout has no parameters
    histories = {}
    with common.progress(None, total=2 * steps, desc="training") as bar:
        for key, model in (("plain", plain), ("dropout", dropped)):
            histories[key] = toy.train(model, data, steps, bar=bar)

    print(f"noise floor {toy.FLOOR:.4f}; {steps} full-batch Adam steps each, MSE measured in eval mode")
    for key, label in (("plain", "without dropout"), ("dropout", f"with dropout p={args.p:g}")):
        h = histories[key]
        best = int(np.argmin(h["test"]))
        print(
            f"{label:>20}: final train MSE {h['train'][-1]:.6f}, test MSE {h['test'][-1]:.4f}; best test "
            f"{h['test'][best]:.4f} at step {best}"
        )
    figures = [] if args.no_plots else [plot(args, data, histories, plain, dropped)]
    for path in figures:
        print(f"figure: {path}")
    seconds = time.perf_counter() - start
    h, d = histories["plain"], histories["dropout"]
    line = (
        f"lab {NAME}: final test MSE {d['test'][-1]:.4f} with dropout p={args.p:g}, {h['test'][-1]:.4f} without "
        f"(best {d['test'].min():.4f} and {h['test'].min():.4f}), noise floor {toy.FLOOR:.4f}, {seconds:.1f} s"
    )
    print(line, flush=True)
    return {"line": line, "figures": figures, "histories": histories, "model": dropped, "plain_model": plain}


def plot(args, data, histories, plain, dropped):
    """Left: train and test MSE against the step for both networks (log-log). Right: their fits."""
    plt = common.pyplot()
    fig, (ax, ax_fit) = plt.subplots(1, 2, figsize=(12, 4.6))
    steps = np.arange(1, len(histories["plain"]["test"]))
    for key, color, label in (("plain", "C1", "no dropout"), ("dropout", "C0", f"dropout p={args.p:g}")):
        ax.plot(steps, histories[key]["test"][1:], color=color, lw=1.5, label=f"{label}: test")
        ax.plot(steps, histories[key]["train"][1:], color=color, lw=1, ls="--", alpha=0.8, label=f"{label}: train")
    ax.axhline(toy.FLOOR, color="k", ls=":", lw=1, label=f"noise floor {toy.FLOOR:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("optimisation step (full-batch Adam)")
    ax.set_ylabel("mean squared error (eval mode)")
    ax.set_title("Dropout keeps the training error up and the test error down")
    ax.legend(fontsize=8)
    toy.plot_data(ax_fit, data)
    for model, key, color, label in ((plain, "plain", "C1", "no dropout"), (dropped, "dropout", "C0", f"p={args.p:g}")):
        ax_fit.plot(
            toy.GRID[:, 0],
            toy.predict(model, toy.GRID)[:, 0],
            color=color,
            lw=2,
            label=f"{label} (test {histories[key]['test'][-1]:.4f})",
        )
    ax_fit.set_ylim(-0.75, 1.75)
    ax_fit.set_title(f"The fits after {len(steps)} steps")
    ax_fit.legend(fontsize=8)
    return common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}.png"))
