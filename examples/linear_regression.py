"""Linear regression, the first model: fit a line y = w x + b to noisy points, once with a formula (the
normal equations) and then by gradient descent with autograd_lite, for two losses.

    python examples/linear_regression.py                  # 100 points, 100 epochs: about 4 s
    python -m examples.linear_regression --outliers 0     # without outliers the two losses agree
    python examples/linear_regression.py --quick --no-plots

The data: ``--samples`` points y = 2 x + 1 + Gaussian noise, x uniform in [-2, 2], of which ``--outliers``
(at the right end) are pulled down by 6. The mean squared error (L2 loss) has a closed-form minimum, found
by solving the normal equations XᵀX θ = Xᵀy (in float64). Gradient descent reaches the same line step by
step: w and b are float32 tensors with ``requires_grad=True``, the loss is built from tensor operations,
``loss.backward()`` fills ``w.grad`` and ``b.grad``, and ``optim.SGD`` steps against them. It runs three
ways, all for ``--epochs`` passes over the data: batch (one step per epoch on all points, at the constant
rate ``--lr``), mini-batch (``--batch-size`` points a step) and stochastic (one point a step); the last two
follow noisy gradients, so their steps shrink as lr / sqrt(epoch). The mean absolute error (L1 loss) has
no formula; gradient descent minimises it just the same, and it is pulled much less by the outliers (scipy,
when installed, checks its minimum by linear programming).

Figures in ``--out``: ``linear_regression_convergence.png`` (each run's loss above the best possible, by
epoch, log axis) and ``linear_regression_fits.png`` (the lines over the data). The last line printed is

    linear regression: closed form w 1.234 b 0.567, L2 gradient descent w 1.234 b 0.567, L1 w 1.990 b 1.002, 2.9 s

the closed-form line, the L2 and L1 lines of batch gradient descent (three decimals each) and the wall time.
"""

import argparse
import os
import sys

import numpy as np

import autograd_lite as al
import optim

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import _common as common  # noqa: E402

TRUE_W, TRUE_B = 2.0, 1.0
OUTLIER_SHIFT = -6.0
VARIANTS = ("batch", "mini-batch", "stochastic")


# ---- data and the closed form -------------------------------------------------------------------------


def make_data(samples, outliers, noise, seed):
    """``samples`` points (x, y) as float32 arrays: y = 2 x + 1 + noise, the last ``outliers`` moved down."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, samples)
    x[samples - outliers :] = rng.uniform(1.0, 2.0, outliers)  # the outliers sit at the right end
    y = TRUE_W * x + TRUE_B + rng.normal(0.0, noise, samples)
    y[samples - outliers :] += OUTLIER_SHIFT
    return x.astype(np.float32), y.astype(np.float32)


def closed_form(x, y):
    """The least-squares line (w, b) from the normal equations XᵀX θ = Xᵀy, in float64."""
    X = np.stack([x, np.ones_like(x)], axis=1).astype(np.float64)  # one row (x_i, 1) per point
    w, b = np.linalg.solve(X.T @ X, X.T @ y.astype(np.float64))
    return float(w), float(b)


def least_absolute_deviations(x, y):
    """The L1 line (w, b) by linear programming (scipy), or None without scipy: minimise the sum of t_i
    subject to -t_i <= y_i - w x_i - b <= t_i."""
    try:
        from scipy.optimize import linprog
    except ImportError:
        return None
    n = len(x)
    x, y = x.astype(np.float64), y.astype(np.float64)
    cost = np.concatenate([[0.0, 0.0], np.ones(n)])  # variables: w, b, t_1 ... t_n
    line = np.stack([x, np.ones(n)], axis=1)
    eye = np.eye(n)
    constraints = np.block([[-line, -eye], [line, -eye]])  # y - line <= t and line - y <= t
    bounds = [(None, None), (None, None)] + [(0, None)] * n
    result = linprog(cost, A_ub=constraints, b_ub=np.concatenate([-y, y]), bounds=bounds, method="highs")
    return float(result.x[0]), float(result.x[1])


# ---- the two losses, for tensors and numpy arrays alike -------------------------------------------------


def l2_loss(residual):
    """Mean squared error: the mean of (prediction - target)²."""
    return (residual**2).mean()


def l1_loss(residual):
    """Mean absolute error: the mean of |prediction - target|."""
    return abs(residual).mean()


LOSSES = {"L2": l2_loss, "L1": l1_loss}


def full_loss(loss, w, b, x, y):
    """The loss of the line (w, b) on all the data, as a float64 number."""
    return float(loss(w * x.astype(np.float64) + b - y.astype(np.float64)))


# ---- gradient descent with the engine -----------------------------------------------------------------


def batch_size_of(variant, mini_batch, n):
    """How many points one step of ``variant`` uses."""
    return {"batch": n, "mini-batch": mini_batch, "stochastic": 1}[variant]


def learning_rate(lr, epoch, batch_size, n):
    """The step size of an epoch: constant for batch gradient descent, whose gradient vanishes at the
    minimum; lr / sqrt(epoch) for mini-batches and single points, whose gradients stay noisy there (a
    constant step would keep the line jumping around the minimum)."""
    return lr if batch_size == n else lr / np.sqrt(epoch + 1)


def gradient_descent(x, y, loss_name, batch_size, epochs, lr, seed, desc):
    """Fit (w, b) from (0, 0) by gradient descent on ``loss_name`` with ``batch_size`` points a step.
    Returns w, b and the loss on all the data after every step, against the epochs done."""
    loss_fn, n = LOSSES[loss_name], len(x)
    w = al.zeros(1, requires_grad=True)  # float32, like the data
    b = al.zeros(1, requires_grad=True)
    optimizer = optim.SGD([w, b], lr=lr)
    rng = np.random.default_rng(seed)  # the order the points are visited in, each epoch
    epochs_seen, losses = [0.0], [full_loss(loss_fn, 0.0, 0.0, x, y)]
    for epoch in common.progress(range(epochs), desc=desc, unit="epoch", leave=False):
        optimizer.param_groups[0]["lr"] = learning_rate(lr, epoch, batch_size, n)
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            prediction = w * al.tensor(x[rows]) + b
            loss = loss_fn(prediction - al.tensor(y[rows]))
            optimizer.zero_grad()
            loss.backward()  # fills w.grad and b.grad with d loss / d w and d loss / d b
            optimizer.step()  # w -= lr * w.grad, b -= lr * b.grad
            epochs_seen.append(epoch + min(start + batch_size, n) / n)
            losses.append(full_loss(loss_fn, w.item(), b.item(), x, y))
    return {"w": w.item(), "b": b.item(), "epochs": np.array(epochs_seen), "losses": np.array(losses)}


# ---- figures ------------------------------------------------------------------------------------------


def plot_convergence(runs, best, path):
    """Each run's loss above the lowest possible at the end of each epoch, one panel per loss, log axis."""
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, loss_name in zip(axes, LOSSES):
        for variant, colour in zip(VARIANTS, ("C0", "C1", "C2")):
            run = runs[loss_name, variant]
            ends = run["epochs"] == np.round(run["epochs"])  # the loss at the end of each epoch
            gap = np.maximum(run["losses"][ends] - best[loss_name], 1e-9)  # float32 rounding: a floor at 1e-9
            ax.semilogy(run["epochs"][ends], gap, color=colour, lw=1.2, label=f"{variant} (batch {run['batch_size']})")
        reference = "closed form" if loss_name == "L2" else best["L1 source"]
        ax.set(xlabel="epoch", ylabel=f"{loss_name} loss - minimum", title=f"{loss_name} loss above the {reference}")
        ax.grid(alpha=0.3)
        ax.legend()
    return common.save_figure(fig, path)


def plot_fits(x, y, outliers, lines, path):
    """The data (outliers marked) and the fitted lines."""
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.2))
    n = len(x)
    ax.scatter(x[: n - outliers], y[: n - outliers], s=12, color="gray", label="data")
    if outliers:
        ax.scatter(x[n - outliers :], y[n - outliers :], s=22, marker="x", color="k", label="outliers")
    grid = np.array([-2.0, 2.0])
    styles = {"true line": ":", "closed form (L2)": "-", "gradient descent, L2": "--", "gradient descent, L1": "-"}
    widths = {"closed form (L2)": 4}
    for label, (w, b) in lines.items():
        ax.plot(
            grid,
            w * grid + b,
            styles[label],
            lw=widths.get(label, 1.6),
            alpha=0.8,
            label=f"{label}: w {w:.2f}, b {b:.2f}",
        )
    ax.set(xlabel="x", ylabel="y", title="Lines fitted to the data")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return common.save_figure(fig, path)


# ---- main ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=common.DefaultsHelpFormatter)
    p.add_argument("--samples", type=int, help="number of points (default 100; --quick: 40)")
    p.add_argument("--outliers", type=int, default=8, help="how many of them are outliers")
    p.add_argument("--noise", type=float, default=0.5, help="standard deviation of the Gaussian noise")
    p.add_argument(
        "--epochs", type=int, help="passes over the data of each gradient descent (default 100; --quick: 60)"
    )
    p.add_argument(
        "--lr", type=float, default=0.1, help="learning rate (mini-batch and stochastic runs divide it by sqrt(epoch))"
    )
    p.add_argument("--batch-size", type=int, default=10, help="points per step of mini-batch gradient descent")
    p.add_argument("--seed", type=int, default=0, help="seeds the data and the order of the points")
    p.add_argument("--out", default="runs/linear_regression", help="directory for the figures")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    p.add_argument("--quick", action="store_true", help="a tiny fast run (40 points, 60 epochs) for smoke tests")
    args = p.parse_args(argv)
    args.samples = args.samples if args.samples is not None else (40 if args.quick else 100)
    args.epochs = args.epochs if args.epochs is not None else (60 if args.quick else 100)
    if args.samples < 2:
        p.error("--samples must be at least 2")
    if not 0 <= args.outliers < args.samples - 1:
        p.error("--outliers must be at least 0 and leave at least two other points")
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if not args.lr > 0:
        p.error("--lr must be positive")
    if not args.noise >= 0:
        p.error("--noise must be at least 0")
    if not 1 <= args.batch_size <= args.samples:
        p.error("--batch-size must be between 1 and --samples")
    return args


def run(args):
    """Fit the lines and report; returns the closed-form line, the L1 optimum (None without scipy), every
    gradient-descent run, the figures' paths and the wall time."""
    watch = common.Stopwatch()
    x, y = make_data(args.samples, args.outliers, args.noise, args.seed)
    print(
        f"data: {args.samples} points y = {TRUE_W:g} x + {TRUE_B:g} + N(0, {args.noise:g}²), "
        f"{args.outliers} of them pulled down by {-OUTLIER_SHIFT:g}; seed {args.seed}"
    )
    cf_w, cf_b = closed_form(x, y)
    cf_loss = full_loss(l2_loss, cf_w, cf_b, x, y)
    print(f"closed form (normal equations, float64): w {cf_w:.4f}  b {cf_b:.4f}  L2 loss {cf_loss:.6f}")
    lad = least_absolute_deviations(x, y)
    if lad is not None:
        lad_loss = full_loss(l1_loss, *lad, x, y)
        print(f"L1 minimum (scipy linprog):               w {lad[0]:.4f}  b {lad[1]:.4f}  L1 loss {lad_loss:.6f}")

    print(
        f"gradient descent from w = b = 0 in float32, {args.epochs} epochs, lr {args.lr:g} "
        "(mini-batch and stochastic: lr / sqrt(epoch)):"
    )
    runs = {}
    for loss_name in LOSSES:
        for variant in VARIANTS:
            size = batch_size_of(variant, args.batch_size, args.samples)
            result = gradient_descent(x, y, loss_name, size, args.epochs, args.lr, args.seed, f"{loss_name} {variant}")
            result["batch_size"] = size
            runs[loss_name, variant] = result
            steps = args.epochs * -(-args.samples // size)
            print(
                f"  {loss_name} {variant:<10} (batch {size:3d}, {steps:5d} steps): "
                f"w {result['w']:.4f}  b {result['b']:.4f}  {loss_name} loss {result['losses'][-1]:.6f}"
            )
    l2, l1 = runs["L2", "batch"], runs["L1", "batch"]
    print(f"L2 batch gradient descent - closed form: w {l2['w'] - cf_w:+.1e}  b {l2['b'] - cf_b:+.1e}")
    if lad is not None:
        print(f"L1 batch gradient descent - linprog:     w {l1['w'] - lad[0]:+.1e}  b {l1['b'] - lad[1]:+.1e}")

    best = {"L2": full_loss(l2_loss, cf_w, cf_b, x, y)}
    if lad is not None:
        best["L1"], best["L1 source"] = full_loss(l1_loss, *lad, x, y), "linprog minimum"
    else:
        best["L1"], best["L1 source"] = (
            min(r["losses"].min() for (name, _), r in runs.items() if name == "L1"),
            "lowest seen",
        )
    figures = []
    if not args.no_plots:
        lines = {
            "true line": (TRUE_W, TRUE_B),
            "closed form (L2)": (cf_w, cf_b),
            "gradient descent, L2": (l2["w"], l2["b"]),
            "gradient descent, L1": (l1["w"], l1["b"]),
        }
        figures = [
            plot_convergence(runs, best, os.path.join(args.out, "linear_regression_convergence.png")),
            plot_fits(x, y, args.outliers, lines, os.path.join(args.out, "linear_regression_fits.png")),
        ]
        for figure in figures:
            print(f"figure: {figure}")
    seconds = watch.elapsed()
    print(
        f"linear regression: closed form w {cf_w:.3f} b {cf_b:.3f}, L2 gradient descent w {l2['w']:.3f} "
        f"b {l2['b']:.3f}, L1 w {l1['w']:.3f} b {l1['b']:.3f}, {seconds:.1f} s",
        flush=True,
    )
    return {"closed_form": (cf_w, cf_b), "l1_minimum": lad, "runs": runs, "figures": figures, "seconds": seconds}


def main(argv=None):
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
