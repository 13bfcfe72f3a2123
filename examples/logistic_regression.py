"""Logistic regression, the first classifier: one ``nn.Linear(2, 1)`` learns to tell two clouds of 2-D
points apart, trained with the cross-entropy loss and ``optim.SGD``.

    python examples/logistic_regression.py                 # 400 points, 50 epochs: about 1 s
    python -m examples.logistic_regression --spread 0.6    # clouds further apart: an easier problem
    python examples/logistic_regression.py --quick --no-plots

The data: two Gaussian clouds (``--samples`` points in all, seeded), class 0 around (-1, -0.5) and class 1
around (1, 0.5), each coordinate with standard deviation ``--spread``; a quarter of the points are held out
as the test set. The model gives each point a score z = w1 x1 + w2 x2 + b (the logit) and the probability
sigmoid(z) of class 1; ``F.binary_cross_entropy_with_logits`` is the loss, mini-batches of ``--batch-size``
points. The decision boundary, where the probability is 1/2, is the straight line w1 x1 + w2 x2 + b = 0.

Figure in ``--out``: ``logistic_regression.png`` (the probability as a filled contour with the boundary and
the points; the loss and accuracies per epoch beside). The last line printed is

    logistic regression: train accuracy 95.3%, test accuracy 94.0%, 0.9 s

(the accuracies of the trained model on the training and the test points, and the wall time).
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

CENTRES = np.array([[-1.0, -0.5], [1.0, 0.5]])  # the mean of class 0 and of class 1


def make_data(samples, spread, seed):
    """Two Gaussian clouds, shuffled and split 3:1 into train and test: (x_train, y_train, x_test, y_test),
    points as float32 rows (N, 2), labels as float32 (N, 1) of 0 and 1."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, samples)
    points = CENTRES[labels] + rng.normal(0.0, spread, (samples, 2))
    x, y = points.astype(np.float32), labels.astype(np.float32)[:, None]
    n_train = samples * 3 // 4
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def accuracy(model, x, y):
    """The fraction of points ``model`` puts in the right class (logit > 0 means class 1)."""
    with al.no_grad():  # no graph needed: we only look at the outputs
        predicted = model(al.tensor(x)).numpy() > 0
    return float((predicted == (y > 0.5)).mean())


def train(model, x, y, x_test, y_test, epochs, lr, batch_size, seed):
    """Mini-batch SGD on the cross-entropy; returns the loss and both accuracies after each epoch."""
    optimizer = optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history = {"loss": [], "train": [], "test": []}
    for epoch in common.progress(range(1, epochs + 1), desc="training", unit="epoch", leave=False):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start : start + batch_size]
            logits = model(al.tensor(x[rows]))  # (batch, 1) scores z = x @ w.T + b
            loss = F.binary_cross_entropy_with_logits(logits, al.tensor(y[rows]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with al.no_grad():
            history["loss"].append(F.binary_cross_entropy_with_logits(model(al.tensor(x)), al.tensor(y)).item())
        history["train"].append(accuracy(model, x, y))
        history["test"].append(accuracy(model, x_test, y_test))
        if epoch % max(1, epochs // 5) == 0 or epoch == 1:
            print(
                f"epoch {epoch:4d}: loss {history['loss'][-1]:.4f}  train accuracy {100 * history['train'][-1]:.1f}%"
                f"  test accuracy {100 * history['test'][-1]:.1f}%"
            )
    return history


def plot(model, data, history, path):
    """Left: the probability of class 1 over the plane, the boundary and the points; right: the curves."""
    plt = common.pyplot()
    x, y, x_test, y_test = data
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3), gridspec_kw={"width_ratios": [1.15, 1]})
    everything = np.concatenate([x, x_test])
    low, high = everything.min(axis=0) - 0.5, everything.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
    grid = np.stack([g1.ravel(), g2.ravel()], axis=1).astype(np.float32)
    with al.no_grad():
        probability = al.sigmoid(model(al.tensor(grid))).numpy().reshape(g1.shape)
    filled = left.contourf(g1, g2, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
    fig.colorbar(filled, ax=left, label="P(class 1)")
    left.contour(g1, g2, probability, levels=[0.5], colors="k", linewidths=1.5)
    for points, labels, marker, name in ((x, y, "o", "train"), (x_test, y_test, "^", "test")):
        for cls, colour in ((0, "tab:blue"), (1, "tab:red")):
            chosen = labels[:, 0] == cls
            left.scatter(
                *points[chosen].T,
                s=14,
                marker=marker,
                c=colour,
                edgecolors="k",
                linewidths=0.3,
                label=f"{name}, class {cls}",
            )
    left.set(xlabel="x1", ylabel="x2", title="Decision boundary (black): P(class 1) = 1/2")
    left.legend(fontsize=7, loc="lower right")
    epochs = np.arange(1, len(history["loss"]) + 1)
    right.plot(epochs, history["loss"], "k-", label="training loss (cross-entropy)")
    right.plot(epochs, history["train"], "C0-", label="train accuracy")
    right.plot(epochs, history["test"], "C1--", label="test accuracy")
    right.set(xlabel="epoch", ylim=(0, 1.02), title="Training")
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    return common.save_figure(fig, path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=common.DefaultsHelpFormatter)
    p.add_argument("--samples", type=int, help="points in all, a quarter for the test set (default 400; --quick: 200)")
    p.add_argument("--spread", type=float, default=0.75, help="standard deviation of each cloud")
    p.add_argument("--epochs", type=int, help="passes over the training points (default 50; --quick: 20)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate")
    p.add_argument("--batch-size", type=int, default=20, help="points per SGD step")
    p.add_argument("--seed", type=int, default=0, help="seeds the data, the initial weights and the order")
    p.add_argument("--out", default="runs/logistic_regression", help="directory for the figure")
    p.add_argument("--no-plots", action="store_true", help="skip the figure")
    p.add_argument("--quick", action="store_true", help="a tiny fast run (200 points, 20 epochs) for smoke tests")
    args = p.parse_args(argv)
    args.samples = args.samples if args.samples is not None else (200 if args.quick else 400)
    args.epochs = args.epochs if args.epochs is not None else (20 if args.quick else 50)
    if args.samples < 8:
        p.error("--samples must be at least 8 (a quarter of them are the test set)")
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if not args.lr > 0:
        p.error("--lr must be positive")
    if not args.spread > 0:
        p.error("--spread must be positive")
    if args.batch_size < 1:
        p.error("--batch-size must be at least 1")
    return args


def run(args):
    """Train and report; returns the accuracies, the learned weight and bias, the history and the figure."""
    watch = common.Stopwatch()
    data = make_data(args.samples, args.spread, args.seed)
    x, y, x_test, y_test = data
    print(
        f"data: two Gaussian clouds (standard deviation {args.spread:g}) around ({CENTRES[0, 0]:g}, {CENTRES[0, 1]:g}) "
        f"and ({CENTRES[1, 0]:g}, {CENTRES[1, 1]:g}); {len(x)} training and {len(x_test)} test points; seed {args.seed}"
    )
    al.manual_seed(args.seed)  # nn.Linear's initial weights come from the engine's generator
    model = nn.Linear(2, 1)  # z = w1 x1 + w2 x2 + b
    print(
        f"model: nn.Linear(2, 1), cross-entropy on sigmoid(z), SGD lr {args.lr:g}, mini-batches of "
        f"{args.batch_size}, {args.epochs} epochs"
    )
    history = train(model, x, y, x_test, y_test, args.epochs, args.lr, args.batch_size, args.seed)
    (w1, w2), b = model.weight.detach().numpy()[0], model.bias.item()
    print(f"learned: w = ({w1:.3f}, {w2:.3f}), b = {b:.3f}; boundary: {w1:.3f} x1 + {w2:.3f} x2 + {b:.3f} = 0")
    figure = None
    if not args.no_plots:
        figure = plot(model, data, history, os.path.join(args.out, "logistic_regression.png"))
        print(f"figure: {figure}")
    train_accuracy, test_accuracy = history["train"][-1], history["test"][-1]
    seconds = watch.elapsed()
    print(
        f"logistic regression: train accuracy {100 * train_accuracy:.1f}%, test accuracy {100 * test_accuracy:.1f}%, "
        f"{seconds:.1f} s",
        flush=True,
    )
    return {
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "weight": (float(w1), float(w2)),
        "bias": b,
        "history": history,
        "figure": figure,
        "seconds": seconds,
    }


def main(argv=None):
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
