"""Momentum on an ill-conditioned quadratic: in a long narrow valley plain gradient descent crawls along the
floor, momentum (mu = 0.5, 0.9) builds up speed along it and gets there in a fraction of the steps; mu > 1
makes the velocity grow without bound and mu < 0 damps the progress and makes the steep direction oscillate,
which is why the optimizer accepts only mu in [0, 1).

    python -m examples.lab momentum              # condition number 100, about 2 s
    python -m examples.lab momentum --quick      # fewer steps

The cost is J(w) = 1/2 w^T H w with H's eigenvalues 1 and 1/``--condition`` along axes rotated by 30
degrees (minimum 0 at w = 0). ``optim.SGD(lr=eta, momentum=mu)`` (float64) runs from the same start for
mu = 0, 0.5, 0.9, eta = ``--lr`` (times 1 / largest eigenvalue), and its trajectory with mu = 0.9 is checked
against the book's rule v <- mu v - eta grad J, w <- w + v run by hand in numpy. Then the optimizer is asked
for momentum 1.5, -0.5 and 1.0: it refuses them (ValueError, interval [0, 1)), as the book's reference network
(``autograd_lite.reference.Network``) does; PyTorch's SGD refuses negative momentum but accepts mu >= 1. The
rule itself, run by hand with mu = 1.5 and mu = -0.5, shows why: the iteration's spectral radius (the largest
root modulus of r^2 - (1 + mu - eta lambda) r + mu over H's eigenvalues lambda, printed for every mu) exceeds
1 for mu = 1.5, and for mu = -0.5 it is closer to 1 than plain descent's. The last line reads
``lab momentum: steps to 1e-6 loss: plain 542, mu 0.5 266, mu 0.9 94; mu 1.5 diverges, mu -0.5 815, 1.5 s``.
"""

import os
import time

import numpy as np

import autograd_lite as al
import optim
from autograd_lite.reference import Network
from examples import _common as common

NAME = "momentum"
TITLE = "Momentum on an elongated quadratic valley: plain SGD vs mu = 0.5, 0.9, and why mu > 1 or mu < 0 fail"

ENGINE_MUS = (0.0, 0.5, 0.9)
HAND_MUS = (1.5, -0.5)
REFUSED = (1.5, -0.5, 1.0)
TARGET = 1e-6  # the loss whose first crossing is counted
FLOOR = 1e-20  # a run stops below this loss (float64 would underflow long before the step budget)
ANGLE = np.deg2rad(30.0)
START = np.array([-2.2, 1.6])
SHOWN = 200  # steps drawn on the contour plots


def add_arguments(parser):
    parser.add_argument("--condition", type=float, default=100.0, help="condition number of the Hessian")
    parser.add_argument("--lr", type=float, default=0.95, help="learning rate, in units of 1 / largest eigenvalue")
    parser.add_argument("--steps", type=int, default=3000, help="step budget of every run (--quick: 1500)")


def check(args):
    """The validated (condition, eta, steps)."""
    if not (np.isfinite(args.condition) and args.condition >= 1):
        raise SystemExit(f"error: --condition must be a number >= 1, got {args.condition}")
    if not 0 < args.lr < 2:
        raise SystemExit(f"error: --lr must be in (0, 2) (plain gradient descent diverges otherwise), got {args.lr}")
    steps = 1500 if args.quick else args.steps
    if steps < 10:
        raise SystemExit(f"error: --steps must be at least 10, got {steps}")
    return args.condition, args.lr, steps


def valley(condition):
    """The Hessian H = R diag(1, 1/condition) R^T of the elongated valley, and its eigenvalues."""
    rotation = np.array([[np.cos(ANGLE), -np.sin(ANGLE)], [np.sin(ANGLE), np.cos(ANGLE)]])
    eigenvalues = np.array([1.0, 1.0 / condition])
    return rotation @ np.diag(eigenvalues) @ rotation.T, eigenvalues


def loss_of(h, w):
    """J(w) = 1/2 w^T H w for rows of ``w`` (numpy)."""
    return 0.5 * np.einsum("...i,ij,...j->...", w, h, w)


def engine_run(h, eta, mu, steps):
    """``optim.SGD(lr=eta, momentum=mu)`` on J from ``START``: the trajectory (including the start) and the losses,
    stopping once the loss is below ``FLOOR``."""
    w = al.tensor(START.copy(), dtype=al.float64, requires_grad=True)
    ht = al.tensor(h)
    optimizer = optim.SGD([w], lr=eta, momentum=mu)
    path, losses = [START.copy()], [float(loss_of(h, START))]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = 0.5 * (w @ (ht @ w))
        loss.backward()
        optimizer.step()
        path.append(w.detach().numpy().copy())
        losses.append(float(loss_of(h, path[-1])))
        if losses[-1] < FLOOR:
            break
    return np.array(path), np.array(losses)


def hand_run(h, eta, mu, steps, blow_up=1e12):
    """The rule v <- mu v - eta grad J, w <- w + v in numpy from ``START`` (v = 0): trajectory, losses and the
    velocities' norms, stopping below ``FLOOR`` or once the loss exceeds ``blow_up``."""
    w, v = START.copy(), np.zeros(2)
    path, losses, speeds = [w.copy()], [float(loss_of(h, w))], [0.0]
    for _ in range(steps):
        v = mu * v - eta * (h @ w)
        w = w + v
        path.append(w.copy())
        losses.append(float(loss_of(h, w)))
        speeds.append(float(np.linalg.norm(v)))
        if losses[-1] < FLOOR or losses[-1] > blow_up:
            break
    return np.array(path), np.array(losses), np.array(speeds)


def spectral_radius(eigenvalues, eta, mu):
    """The heavy-ball iteration's rate: the largest |r| over the roots of r^2 - (1 + mu - eta lambda) r + mu."""
    return max(float(np.abs(np.roots([1.0, -(1 + mu - eta * lam), mu])).max()) for lam in eigenvalues)


def steps_to(losses, target=TARGET):
    """The first step at which the loss is below ``target`` (None if never)."""
    below = np.flatnonzero(losses < target)
    return int(below[0]) if len(below) else None


def refusals():
    """What ``optim.SGD`` and the reference network say to each momentum in ``REFUSED``: {mu: (sgd, network)},
    each the error message or None if accepted."""
    w = al.zeros(2, requires_grad=True)
    x, y = np.ones((2, 1)), np.zeros((1, 1))
    said = {}
    for mu in REFUSED:
        answers = []
        for attempt in (
            lambda mu=mu: optim.SGD([w], lr=0.1, momentum=mu),
            lambda mu=mu: Network([2, 1], seed=0).update_mini_batch(x, y, 0.1, momentum=mu),
        ):
            try:
                attempt()
                answers.append(None)
            except ValueError as err:
                answers.append(str(err))
        said[mu] = tuple(answers)
    return said


def label(mu):
    return "plain GD" if mu == 0 else f"$\\mu$ = {mu:g}"


def plot(path, h, engine, hand, counts):
    """Trajectories on the contours (engine runs; the bad momenta by hand) and the loss against the step."""
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.3))
    grid = np.linspace(-3, 3, 200)
    gx, gy = np.meshgrid(grid, grid)
    surface = loss_of(h, np.stack([gx, gy], axis=-1))
    levels = np.logspace(-3, np.log10(surface.max()), 8)
    colors = {0.0: "tab:gray", 0.5: "tab:blue", 0.9: "tab:green", 1.5: "tab:red", -0.5: "tab:purple"}
    for ax, runs, title in (
        (axes[0], {mu: engine[mu][0] for mu in ENGINE_MUS}, "optim.SGD, plain vs momentum"),
        (
            axes[1],
            {mu: hand[mu][0] for mu in HAND_MUS},
            "$v \\leftarrow \\mu v - \\eta\\nabla J$ by hand, bad $\\mu$",
        ),
    ):
        ax.contour(gx, gy, surface, levels=levels, colors="0.75", linewidths=0.7)
        for mu, trajectory in runs.items():
            shown = trajectory[:SHOWN]
            style = dict(marker="o", mfc="none", ms=5, lw=4, alpha=0.45) if mu == 0 else dict(marker=".", ms=2, lw=0.7)
            ax.plot(shown[:, 0], shown[:, 1], color=colors[mu], label=label(mu), **style)
        ax.plot(*START, "k^", ms=7, label="start")
        ax.plot(0, 0, "k*", ms=10, label="minimum")
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xlabel="$w_1$", ylabel="$w_2$")
        ax.set_title(title + f" (first {SHOWN} steps)", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
    ax = axes[2]
    for mu in ENGINE_MUS:
        ax.plot(engine[mu][1], color=colors[mu], lw=1, label=f"{label(mu)}: {counts[mu]} steps")
    for mu in HAND_MUS:
        text = "diverges" if counts[mu] is None else f"{counts[mu]} steps"
        ax.plot(hand[mu][1], color=colors[mu], ls="--", label=f"{label(mu)} (by hand): {text}")
    ax.axhline(TARGET, color="k", lw=0.8, ls=":")
    for mu, count in counts.items():
        if count is not None:
            ax.plot(count, TARGET, "o", color=colors[mu], ms=5)
    ax.set(yscale="log", ylim=(FLOOR, 1e8), xlabel="step", ylabel="loss J(w)")
    ax.set_title(f"Loss against step (dots: first below {TARGET:g})", fontsize=11)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    fig.subplots_adjust(wspace=0.3)
    return common.save_figure(fig, path)


def run(args):
    start = time.perf_counter()
    condition, lr, steps = check(args)
    al.manual_seed(args.seed)  # nothing here is random; seeded for the protocol's sake
    h, eigenvalues = valley(condition)
    eta = lr / eigenvalues.max()
    print(
        f"J(w) = 1/2 w^T H w, H's eigenvalues {eigenvalues[0]:g} and {eigenvalues[1]:g} (condition {condition:g}), "
        f"eta = {eta:g}, start {START.tolist()} (loss {loss_of(h, START):.3f}), budget {steps} steps"
    )
    engine, counts = {}, {}
    for mu in common.progress(ENGINE_MUS, desc="optim.SGD runs", leave=False):
        engine[mu] = engine_run(h, eta, mu, steps)
        counts[mu] = steps_to(engine[mu][1])
    hand = {mu: hand_run(h, eta, mu, steps) for mu in (*HAND_MUS, 0.9)}
    for mu in HAND_MUS:
        counts[mu] = steps_to(hand[mu][1])
    n = min(len(hand[0.9][0]), len(engine[0.9][0]))
    match = float(np.abs(hand[0.9][0][:n] - engine[0.9][0][:n]).max())
    print(f"optim.SGD(momentum=0.9) vs the rule v <- mu v - eta grad J, w <- w + v by hand: max difference {match:.1e}")
    for mu in (*ENGINE_MUS, *HAND_MUS):
        losses = engine[mu][1] if mu in engine else hand[mu][1]
        where = "optim.SGD" if mu in engine else "by hand"
        reached = f"loss < {TARGET:g} after {counts[mu]} steps" if counts[mu] is not None else "never below 1e-6"
        radius = spectral_radius(eigenvalues, eta, mu)
        print(
            f"mu = {mu:4g} {'(' + where + '):':<12s} spectral radius {radius:.4f}; {reached}; "
            f"loss after {len(losses) - 1} steps {losses[-1]:.2e}"
        )
    speeds = hand[1.5][2]
    print(
        f"mu = 1.5 by hand: |v| = {speeds[1]:.2f}, {speeds[min(10, len(speeds) - 1)]:.2e}, "
        f"{speeds[-1]:.2e} after 1, 10, {len(speeds) - 1} steps: the velocity grows without bound (diverges)"
    )

    said = refusals()
    for mu, (sgd, network) in said.items():
        print(f"optim.SGD(momentum={mu:g}): {'accepted' if sgd is None else 'refused: ' + sgd}")
        print(f"reference Network momentum={mu:g}: {'accepted' if network is None else 'refused: ' + network}")

    figures = []
    if not args.no_plots:
        path = plot(os.path.join(args.out, f"lab_{NAME}.png"), h, engine, hand, counts)
        figures.append(path)
        print(f"figure: {path}")

    def shown(mu):
        return "diverges" if counts[mu] is None else str(counts[mu])

    line = (
        f"lab {NAME}: steps to 1e-6 loss: plain {shown(0.0)}, mu 0.5 {shown(0.5)}, mu 0.9 {shown(0.9)}; "
        f"mu 1.5 {shown(1.5)}, mu -0.5 {shown(-0.5)}, {time.perf_counter() - start:.1f} s"
    )
    print(line, flush=True)
    return dict(
        line=line,
        figures=figures,
        counts=counts,
        sgd_vs_hand=match,
        refusals=said,
        radius={mu: spectral_radius(eigenvalues, eta, mu) for mu in (*ENGINE_MUS, *HAND_MUS)},
        speeds_mu_1_5=speeds,
        hand_losses={mu: hand[mu][1] for mu in HAND_MUS},
    )
