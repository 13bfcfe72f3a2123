"""More data against overfitting: the same network trained the same way on growing samples of the same curve.
With ten points it fits the noise (training error far below the noise floor 0.04, test error far above it); as
the sample grows the training error rises to the noise and the test error falls to it: the gap closes.

    python -m examples.lab more-data               # sizes 10 ... 1000, 5,000 full-batch Adam steps each: about 7 s
    python -m examples.lab more-data --sizes 10,30,100,300
    python -m examples.lab more-data --quick       # sizes 10, 100, 1000; 2,000 steps

Every size trains a copy of the same initial network (``examples/lab/_toy.py``: 20 tanh units, no
regularisation) on the first n points of one sample of 1,000 (so the samples are nested) and is scored on the
same 100 test points. Its last line reads
``lab more-data: train/test MSE 0.0114/0.1771 at 10 points, 0.0384/0.0475 at 1000 (noise floor 0.0400),
6.6 s``.
"""

import argparse
import os
import time

import numpy as np

import autograd_lite as al
from examples import _common as common
from examples.lab import _toy as toy

NAME = "more-data"
TITLE = "More data: the train-test gap closes as the sample grows"
SIZES, QUICK_SIZES = (10, 20, 50, 100, 200, 1000), (10, 100, 1000)


def sizes(text):
    """``--sizes 10,100,1000``: training-set sizes, each at least 2, sorted and deduplicated."""
    try:
        values = sorted({int(s) for s in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or values[0] < 2:
        raise argparse.ArgumentTypeError(f"sizes must be at least 2, got {text!r}")
    return tuple(values)


def add_arguments(parser):
    toy.add_steps_argument(parser)
    parser.add_argument(
        "--sizes",
        type=sizes,
        help="comma-separated training-set sizes (default 10,20,50,100,200,1000; --quick 10,100,1000)",
    )


def run(args):
    start = time.perf_counter()
    steps = toy.steps_of(args)
    ns = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    data = toy.make_data(args.seed, n_train=max(ns))
    al.manual_seed(args.seed)
    initial = toy.build()
    train, test, models = [], [], {}
    with common.progress(None, total=steps * len(ns), desc="training") as bar:
        for n in ns:
            model = toy.clone(initial)
            history = toy.train(model, toy.subset(data, n), steps, bar=bar, record=False)
            train.append(history["train"][-1])
            test.append(history["test"][-1])
            models[n] = model
    train, test = np.array(train), np.array(test)

    print(
        f"noise floor {toy.FLOOR:.4f} (the true curve on the test points: {toy.truth_mse(data):.4f}); "
        f"{steps} full-batch Adam steps per size"
    )
    for n, tr, te in zip(ns, train, test):
        print(f"{n:5d} points: train MSE {tr:.4f}, test MSE {te:.4f}, gap {te - tr:.4f}")
    figures = [] if args.no_plots else [plot(args, data, ns, train, test, models)]
    for path in figures:
        print(f"figure: {path}")
    seconds = time.perf_counter() - start
    line = (
        f"lab {NAME}: train/test MSE {train[0]:.4f}/{test[0]:.4f} at {ns[0]} points, {train[-1]:.4f}/{test[-1]:.4f} "
        f"at {ns[-1]} (noise floor {toy.FLOOR:.4f}), {seconds:.1f} s"
    )
    print(line, flush=True)
    return {"line": line, "figures": figures, "sizes": ns, "train": train, "test": test}


def plot(args, data, ns, train, test, models):
    """Left: final train and test MSE against the training-set size (log x), the noise floor. Right: the fits
    of the smallest, a middle and the largest size."""
    plt = common.pyplot()
    fig, (ax, ax_fit) = plt.subplots(1, 2, figsize=(12, 4.6))
    ax.plot(ns, test, "o-", color="C1", label="test MSE")
    ax.plot(ns, train, "s-", color="C0", label="train MSE")
    ax.fill_between(ns, train, test, color="C1", alpha=0.12, label="gap (overfitting)")
    ax.axhline(toy.FLOOR, color="k", ls=":", lw=1, label=f"noise floor {toy.FLOOR:.2f}")
    ax.axhline(
        toy.truth_mse(data), color="k", ls="--", lw=0.8, label=f"the true curve's test MSE {toy.truth_mse(data):.4f}"
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training points n")
    ax.set_ylabel("MSE after training")
    ax.set_title("The train-test gap closes as n grows")
    ax.legend(fontsize=8)
    ax_fit.plot(toy.GRID[:, 0], toy.truth(toy.GRID[:, 0]), "k--", lw=1.2, label="true curve x²")
    ax_fit.scatter(
        data["x"][: ns[0], 0], data["y"][: ns[0], 0], s=30, c="k", zorder=5, label=f"the first {ns[0]} points"
    )
    shown = sorted({ns[0], ns[len(ns) // 2], ns[-1]})
    for i, n in enumerate(shown):
        ax_fit.plot(
            toy.GRID[:, 0],
            toy.predict(models[n], toy.GRID)[:, 0],
            color=f"C{i + 2}",
            lw=2,
            label=f"trained on {n} points",
        )
    ax_fit.set_ylim(-0.75, 1.75)
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("y")
    ax_fit.set_title("The fits")
    ax_fit.legend(fontsize=8)
    return common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}.png"))
