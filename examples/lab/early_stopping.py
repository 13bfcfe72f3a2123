"""Early stopping is L2 regularisation in disguise: on a quadratic cost, n steps of gradient descent from w = 0
shrink each eigen-component of the minimiser w* by exactly 1 - (1 - eta mu_j)^n, which is close to ridge
regression's shrinkage mu_j / (mu_j + alpha) with alpha = 1 / (eta n) (Goodfellow et al., section 7.8).

    python -m examples.lab early-stopping              # 12 features, eigenvalues over 4 decades, about 3 s
    python -m examples.lab early-stopping --quick      # fewer steps, about a second

The cost is least squares J(w) = 1/2 |X w - y|^2 / m on a seeded X whose columns are scaled so that the
eigenvalues mu_j of the Hessian H = X^T X / m span ``--decades`` decades. H comes from the engine's
second-order gradients (``al.autograd.functional.hessian``) and is checked against the closed form X^T X / m;
its eigenvectors give the eigenbasis. Then plain gradient descent (``optim.SGD``, float64) runs from w = 0
with eta = ``--eta-scale`` / mu_max, and its iterate after each of the ``--steps`` counts n is compared, in
the eigenbasis, with the closed form (1 - (1 - eta mu_j)^n) w*_j and with the ridge solution's shrinkage
mu_j / (mu_j + alpha) at alpha = 1 / (eta n); for each n it also finds the alpha whose ridge shrinkage is
closest. The last line reads
``lab early-stopping: GD matches (1-(1-eta mu)^n) w* to 4.9e-13; with alpha = 1/(eta n) the ridge shrinkage
is within 0.22 of it, 2.5 s``.
"""

import os
import time

import numpy as np

import autograd_lite as al
import optim
from autograd_lite.autograd.functional import hessian
from examples import _common as common

NAME = "early-stopping"
TITLE = "Early stopping as L2: gradient descent's shrinkage of w* in the Hessian's eigenbasis vs ridge's"

QUICK = dict(steps=(3, 30, 300), samples=100)


def add_arguments(parser):
    parser.add_argument("--features", type=int, default=12, help="dimension of w")
    parser.add_argument("--samples", type=int, default=400, help="rows of X (--quick: 100)")
    parser.add_argument("--decades", type=float, default=4.0, help="decades spanned by the Hessian's eigenvalues")
    parser.add_argument(
        "--eta-scale", type=float, default=1.0, help="learning rate eta = eta_scale / mu_max (in (0, 2) to converge)"
    )
    parser.add_argument(
        "--steps",
        default="10,100,1000,10000",
        help="comma-separated step counts n at which GD is compared with the closed form (--quick: 3,30,300)",
    )


def parse_steps(text):
    """The sorted step counts of ``--steps`` (positive integers), or exit with a clear message."""
    try:
        steps = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise SystemExit(f"error: --steps must be comma-separated integers, got {text!r}") from None
    if not steps or steps[0] < 1:
        raise SystemExit(f"error: --steps must be positive integers, got {text!r}")
    return steps


def check(args):
    """The validated settings: (features, samples, steps)."""
    if args.features < 2:
        raise SystemExit(f"error: --features must be at least 2, got {args.features}")
    samples = QUICK["samples"] if args.quick else args.samples
    if samples < args.features:
        raise SystemExit(f"error: --samples ({samples}) must be at least --features ({args.features})")
    if not 0 < args.decades <= 8:
        raise SystemExit(f"error: --decades must be in (0, 8], got {args.decades}")
    if not 0 < args.eta_scale < 2:
        raise SystemExit(
            f"error: --eta-scale must be in (0, 2) (gradient descent diverges otherwise), got {args.eta_scale}"
        )
    steps = list(QUICK["steps"]) if args.quick else parse_steps(args.steps)
    return args.features, samples, steps


def problem(features, samples, decades, rng):
    """A least-squares problem (X, y) whose Hessian X^T X / m has eigenvalues spread over ``decades`` decades:
    whitened Gaussian columns scaled by sqrt(10^(-k decades / (d-1))), mixed by a random rotation."""
    z = rng.normal(size=(samples, features))
    z -= z.mean(axis=0)
    q, _ = np.linalg.qr(z)  # orthonormal columns: q^T q = I
    scales = np.sqrt(samples * np.logspace(0.0, -decades, features))
    rotation, _ = np.linalg.qr(rng.normal(size=(features, features)))
    x = (q * scales) @ rotation.T
    w_true = rng.normal(size=features)
    y = x @ w_true + 0.1 * rng.normal(size=samples)
    return x, y


def cost(x, y):
    """J(w) = 1/2 |X w - y|^2 / m on the engine (float64)."""
    xt, yt = al.tensor(x), al.tensor(y)
    return lambda w: 0.5 * ((xt @ w - yt) ** 2).sum() / len(y)


def descend(loss, features, eta, steps):
    """Plain gradient descent from w = 0 with ``optim.SGD`` for ``steps`` steps: the iterates w^(1..steps)
    as rows of an array."""
    w = al.zeros(features, dtype=al.float64, requires_grad=True)
    optimizer = optim.SGD([w], lr=eta)
    trajectory = np.empty((steps, features))
    for step in common.progress(range(steps), total=steps, desc="gradient descent", leave=False):
        optimizer.zero_grad()
        loss(w).backward()
        optimizer.step()
        trajectory[step] = w.detach().numpy()
    return trajectory


def best_alpha(mu, factor):
    """The ridge alpha whose shrinkage mu / (mu + alpha) is closest (max-norm) to ``factor``, and that distance."""
    alphas = np.logspace(np.log10(mu.min()) - 3, np.log10(mu.max()) + 3, 4001)
    gaps = np.abs(mu[None, :] / (mu[None, :] + alphas[:, None]) - factor[None, :]).max(axis=1)
    k = int(gaps.argmin())
    return float(alphas[k]), float(gaps[k])


def plot(path, mu, eta, steps, factors, w_star_eig, trajectory):
    """Left: the shrinkage factor against mu_j for each n (GD measured, closed form, ridge at alpha = 1/(eta n)).
    Right: w_j^(t) / w*_j against the step t for a few eigen-directions, with the ridge factor at 1/(eta t)."""
    plt = common.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    grid = np.logspace(np.log10(mu.min()) - 0.5, np.log10(mu.max()), 300)
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, len(steps)))
    for n, color in zip(steps, colors):
        left.plot(grid, 1 - (1 - eta * grid) ** n, color=color, lw=1.5)
        left.plot(grid, grid / (grid + 1 / (eta * n)), color=color, lw=1.2, ls="--")
        left.plot(mu, factors[n], "o", color=color, ms=5, label=f"GD, n = {n}")
    left.plot([], [], "k-", lw=1.5, label="$1-(1-\\eta\\mu)^n$")
    left.plot([], [], "k--", lw=1.2, label="ridge $\\mu/(\\mu+\\alpha)$, $\\alpha = 1/(\\eta n)$")
    left.set(
        xscale="log",
        xlabel="Hessian eigenvalue $\\mu_j$",
        ylabel="$w_j^{(n)} / w_j^*$ (shrinkage)",
        title="Shrinkage after n steps of GD from 0, and ridge's",
    )
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    left.grid(alpha=0.3)
    t = np.arange(1, len(trajectory) + 1)
    picks = np.unique(np.linspace(0, len(mu) - 1, 4).round().astype(int))
    colors = plt.cm.plasma(np.linspace(0.0, 0.8, len(picks)))
    for j, color in zip(picks, colors):
        right.plot(
            t, trajectory[:, j] / w_star_eig[j], color=color, lw=2.5, alpha=0.5, label=f"GD, $\\mu$ = {mu[j]:.1e}"
        )
        right.plot(t, 1 - (1 - eta * mu[j]) ** t, color=color, lw=1, ls=":")
        right.plot(t, mu[j] / (mu[j] + 1 / (eta * t)), color=color, lw=1, ls="--")
    right.plot([], [], "k:", label="closed form")
    right.plot([], [], "k--", label="ridge at $\\alpha = 1/(\\eta t)$")
    right.set(
        xscale="log",
        xlabel="gradient-descent step t",
        ylabel="$w_j^{(t)} / w_j^*$",
        title="Direction j is learnt after about $1/(\\eta\\mu_j)$ steps",
    )
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    right.grid(alpha=0.3)
    return common.save_figure(fig, path)


def run(args):
    start = time.perf_counter()
    features, samples, steps = check(args)
    al.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x, y = problem(features, samples, args.decades, rng)
    loss = cost(x, y)

    h = hessian(loss, al.zeros(features, dtype=al.float64)).numpy()
    h_closed = x.T @ x / samples
    hessian_error = float(np.abs(h - h_closed).max())
    mu, q = np.linalg.eigh(h)
    w_star = np.linalg.solve(h_closed, x.T @ y / samples)
    w_star_eig = q.T @ w_star
    eta = args.eta_scale / mu.max()
    print(
        f"Hessian by the engine's second-order gradients vs X^T X / m: max difference {hessian_error:.1e} "
        f"({features}x{features}, eigenvalues {mu.min():.2e} .. {mu.max():.2e})"
    )
    print(f"gradient descent from w = 0 with eta = {eta:.4g} (= {args.eta_scale:g} / mu_max), float64")

    trajectory = descend(loss, features, eta, steps[-1]) @ q  # rows: w^(t) in the eigenbasis
    factors, rows = {}, []
    deviation = 0.0
    for n in steps:
        w_eig = trajectory[n - 1]
        closed = 1 - (1 - eta * mu) ** n
        factors[n] = w_eig / w_star_eig
        deviation = max(deviation, float(np.abs(w_eig - closed * w_star_eig).max()))
        ridge_gap = float(np.abs(mu / (mu + 1 / (eta * n)) - closed).max())
        alpha, gap = best_alpha(mu, closed)
        rows.append(dict(n=n, alpha=1 / (eta * n), ridge_gap=ridge_gap, best_alpha=alpha, best_gap=gap))
        print(
            f"n = {n:6d}: |w^(n) - (1-(1-eta mu)^n) w*| <= {np.abs(w_eig - closed * w_star_eig).max():.1e}; "
            f"ridge at alpha = 1/(eta n) = {1 / (eta * n):.3g}: shrinkage within {ridge_gap:.3f}; "
            f"best alpha {alpha:.3g} ({alpha * eta * n:.2f}/(eta n)): within {gap:.3f}"
        )
    scale = float(np.abs(w_star_eig).max())
    print(
        f"largest deviation from the closed form over all n: {deviation:.1e} (round-off: n_max * eps * |w*|_max = "
        f"{steps[-1] * np.finfo(np.float64).eps * scale:.1e})"
    )
    worst_ridge = max(row["ridge_gap"] for row in rows)

    figures = []
    if not args.no_plots:
        path = plot(os.path.join(args.out, f"lab_{NAME}.png"), mu, eta, steps, factors, w_star_eig, trajectory)
        figures.append(path)
        print(f"figure: {path}")
    line = (
        f"lab {NAME}: GD matches (1-(1-eta mu)^n) w* to {deviation:.1e}; with alpha = 1/(eta n) the ridge "
        f"shrinkage is within {worst_ridge:.2f} of it, {time.perf_counter() - start:.1f} s"
    )
    print(line, flush=True)
    return dict(
        line=line,
        figures=figures,
        hessian_error=hessian_error,
        deviation=deviation,
        w_star_scale=scale,
        mu=mu,
        eta=eta,
        factors=factors,
        rows=rows,
        ridge_gap=worst_ridge,
    )
