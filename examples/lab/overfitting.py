"""Overfitting on ten points: the training error of a 20-unit tanh network falls towards zero while its test
error, after a minimum near the noise floor 0.04, climbs again; stopping at that minimum (a retrain from the
same initialisation, halted there) keeps the good fit.

    python -m examples.lab overfitting             # 5,000 full-batch Adam steps, about 2 s
    python -m examples.lab overfitting --quick     # 2,000 steps

The data is y = x² + N(0, 0.2²), ten training and a hundred test points on [-1, 1] (``examples/lab/_toy.py``).
The train and test MSE are recorded after every step; the step with the lowest test MSE is found, and a copy
of the initial network is trained again for exactly that many steps, which must reproduce that test MSE.
Its last line reads
``lab overfitting: best test MSE 0.0531 at step 100 (noise floor 0.0400), early-stopped retrain 0.0531,
final 0.1771, 1.9 s``.
"""

import os
import time

import numpy as np

import autograd_lite as al
from examples import _common as common
from examples.lab import _toy as toy

NAME = "overfitting"
TITLE = "Overfitting: train error falls, test error turns; stopping at the best step"


def add_arguments(parser):
    toy.add_steps_argument(parser)


def run(args):
    start = time.perf_counter()
    steps = toy.steps_of(args)
    al.manual_seed(args.seed)
    data = toy.make_data(args.seed)
    model = toy.build()
    initial = toy.clone(model)
    with common.progress(None, total=steps, desc="training") as bar:
        history = toy.train(model, data, steps, bar=bar)
    best = int(np.argmin(history["test"]))
    retrained = toy.clone(initial)
    toy.train(retrained, data, best)
    retrain_train, retrain_test = toy.mses(retrained, data)

    print(f"data: {len(data['x'])} training and {len(data['x_test'])} test points, y = x² + N(0, {toy.NOISE}²)")
    print(
        f"best achievable test MSE (noise variance): {toy.FLOOR:.4f}; the true curve on these test points: "
        f"{toy.truth_mse(data):.4f}"
    )
    print(f"best test MSE: {history['test'][best]:.4f} at step {best} (train MSE {history['train'][best]:.4f})")
    print(f"final after {steps} steps: train MSE {history['train'][-1]:.6f}, test MSE {history['test'][-1]:.4f}")
    print(
        f"retrained from the same initialisation for {best} steps: test MSE {retrain_test:.4f} "
        f"(difference {abs(retrain_test - history['test'][best]):.1e})"
    )
    figures = [] if args.no_plots else [plot(args, data, history, best, model, retrained)]
    for path in figures:
        print(f"figure: {path}")
    seconds = time.perf_counter() - start
    line = (
        f"lab {NAME}: best test MSE {history['test'][best]:.4f} at step {best} (noise floor {toy.FLOOR:.4f}), "
        f"early-stopped retrain {retrain_test:.4f}, final {history['test'][-1]:.4f}, {seconds:.1f} s"
    )
    print(line, flush=True)
    return {
        "line": line,
        "figures": figures,
        "history": history,
        "best_step": best,
        "best_test": float(history["test"][best]),
        "final_test": float(history["test"][-1]),
        "final_train": float(history["train"][-1]),
        "retrain_test": retrain_test,
        "retrain_train": retrain_train,
    }


def plot(args, data, history, best, model, retrained):
    """Left: train and test MSE against the step (log-log), the best step and the noise floor marked.
    Right: the overfitted and the early-stopped fits over the data."""
    plt = common.pyplot()
    fig, (ax, ax_fit) = plt.subplots(1, 2, figsize=(12, 4.6))
    steps = np.arange(1, len(history["test"]))
    ax.plot(steps, history["train"][1:], label="train MSE")
    ax.plot(steps, history["test"][1:], label="test MSE")
    ax.axhline(toy.FLOOR, color="k", ls=":", lw=1, label=f"noise floor {toy.FLOOR:.2f}")
    ax.axvline(max(best, 1), color="C3", ls="--", lw=1)
    ax.plot(
        [max(best, 1)],
        [history["test"][best]],
        "o",
        color="C3",
        ms=8,
        label=f"lowest test MSE {history['test'][best]:.4f} (step {best})",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("optimisation step (full-batch Adam)")
    ax.set_ylabel("mean squared error")
    ax.set_title("Train error keeps falling; test error turns")
    ax.legend(fontsize=8)
    toy.plot_data(ax_fit, data)
    ax_fit.plot(
        toy.GRID[:, 0],
        toy.predict(model, toy.GRID)[:, 0],
        color="C1",
        lw=2,
        label=f"after {len(steps)} steps (test {history['test'][-1]:.4f})",
    )
    ax_fit.plot(
        toy.GRID[:, 0],
        toy.predict(retrained, toy.GRID)[:, 0],
        color="C3",
        lw=2,
        label=f"stopped at step {best} (test {history['test'][best]:.4f})",
    )
    ax_fit.set_ylim(-0.75, 1.75)
    ax_fit.set_title("The fits")
    ax_fit.legend(fontsize=8)
    return common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}.png"))
