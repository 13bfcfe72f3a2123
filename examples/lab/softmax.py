"""Softmax a_j = e^{z_j} / sum_k e^{z_k}: its outputs are positive and sum to 1 (a probability distribution),
each a_j grows with its own input z_j and shrinks with every other z_k, and with a temperature,
e^{c z_j} / sum_k e^{c z_k}, it tends to the one-hot vector of the arg-max as c grows (and to uniform as
c -> 0): a soft version of the maximum.

    python -m examples.lab softmax              # 20,000 random inputs, about 2 s
    python -m examples.lab softmax --quick      # 2,000

Checked numerically with ``al.softmax``: the sums of the outputs over random inputs of many scales (float32
and float64), the sign of every entry of the Jacobian da_k/dz_j computed by the engine's backward pass
(positive on the diagonal, a_j (1 - a_j); negative off it, -a_j a_k; compared with that closed form), and
a_j after raising z_j by a finite step. The figure sweeps one input with the others fixed, and plots each
output against c on a log axis with the distance to the one-hot vector. The last line reads
``lab softmax: outputs sum to 1 within 4.4e-16 (float64) and 2.0e-07 (float32); a_j rose with z_j in 53855 of
53855 steps, da_j/dz_j >= 0 in 100000 of 100000; distance to the one-hot 1.03 at c = 1, 2.7e-43 at c = 100,
1.9 s`` (da_j/dz_j = a_j (1 - a_j) is 0 only where a_j underflows to exactly 0 or 1).
"""

import os
import time

import numpy as np

import autograd_lite as al
from examples import _common as common

NAME = "softmax"
TITLE = "Softmax: a probability distribution, monotone in its own input, the arg-max's one-hot as c grows"

REPORT_C = (0.01, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0)
SCALES = (0.1, 1.0, 10.0, 100.0)  # random inputs z ~ scale * N(0, 1)


def add_arguments(parser):
    parser.add_argument("--inputs", type=int, default=20000, help="random input vectors checked (--quick: 2000)")
    parser.add_argument("--classes", type=int, default=5, help="length of each input vector")


def check(args):
    """The validated (number of inputs, classes)."""
    inputs = 2000 if args.quick else args.inputs
    if inputs < len(SCALES):
        raise SystemExit(f"error: --inputs must be at least {len(SCALES)}, got {inputs}")
    if args.classes < 2:
        raise SystemExit(f"error: --classes must be at least 2, got {args.classes}")
    return inputs, args.classes


def random_inputs(rng, inputs, classes):
    """Rows z ~ scale * N(0, 1), the scales of ``SCALES`` in equal shares (large ones test overflow)."""
    scales = np.repeat(SCALES, -(-inputs // len(SCALES)))[:inputs]
    return rng.normal(size=(inputs, classes)) * scales[:, None]


def sum_errors(z):
    """The largest |sum_j a_j - 1| over the rows, in float64 and in float32, and whether all a_j are in [0, 1]."""
    errors, in_range = {}, True
    for name, dtype in (("float64", al.float64), ("float32", al.float32)):
        a = al.softmax(al.tensor(z, dtype=dtype), dim=1).numpy()
        errors[name] = float(np.abs(a.astype(np.float64).sum(axis=1) - 1).max())
        in_range = in_range and bool(np.all((a >= 0) & (a <= 1)))
    return errors, in_range


def jacobian(z):
    """The Jacobians J[n, k, j] = da_k/dz_j of every row, by the engine (one backward pass per output k: the rows
    do not interact, so d(sum_n a_nk)/dz_n is row n's gradient), and the outputs a."""
    zt = al.tensor(z, dtype=al.float64, requires_grad=True)
    a = al.softmax(zt, dim=1)
    rows = []
    for k in range(z.shape[1]):
        (g,) = al.grad(a[:, k].sum(), [zt], retain_graph=True)
        rows.append(g.numpy())
    return np.stack(rows, axis=1), a.detach().numpy()


def bumped(z, step):
    """For every row and every j: did a_j rise, and did every other a_k fall, when z_j rose by ``step``?"""
    a = al.softmax(al.tensor(z, dtype=al.float64), dim=1).numpy()
    own_up, others_down = [], []
    for j in range(z.shape[1]):
        moved = z.copy()
        moved[:, j] += step
        b = al.softmax(al.tensor(moved, dtype=al.float64), dim=1).numpy()
        own_up.append(b[:, j] > a[:, j])
        others_down.append(np.all(np.delete(b < a, j, axis=1) | np.delete(a == 0, j, axis=1), axis=1))
    return np.stack(own_up, axis=1), np.stack(others_down, axis=1)


def tempered(z, cs):
    """softmax(c z) for each c (rows), with ``al.softmax``."""
    return al.softmax(al.tensor(np.outer(cs, z), dtype=al.float64), dim=1).numpy()


def plot(path, z_sweep, sweep, sweep_out, z_temp, cs, temp_out, distances):
    """Left: every a_k as z_0 is swept with the others fixed. Right: every a_k of softmax(c z) against c (log),
    with the distance to the one-hot vector on a second axis."""
    plt = common.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    colors = plt.cm.tab10(np.arange(len(z_sweep)))
    for k, color in enumerate(colors):
        label = f"$a_{k}$ (swept)" if k == 0 else f"$a_{k}$, $z_{k}$ = {z_sweep[k]:.2f}"
        left.plot(sweep, sweep_out[:, k], color=color, lw=2.5 if k == 0 else 1.5, label=label)
    left.plot(sweep, sweep_out.sum(axis=1), "k:", label="sum of the $a_k$")
    crossing = z_sweep[1:].max()
    left.axvline(crossing, color="gray", lw=0.8, ls="--")
    left.annotate(
        "$z_0$ = the largest\nother input", (crossing, 0.55), xytext=(5, 0), textcoords="offset points", fontsize=8
    )
    left.set(
        xlabel="$z_0$ (the other inputs fixed)",
        ylabel="output $a_k$",
    )
    left.set_title("Raising $z_0$ raises $a_0$ and lowers every other output", fontsize=11)
    left.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, 0.94))
    left.grid(alpha=0.3)
    top = int(np.argmax(z_temp))
    for k, color in enumerate(colors):
        label = f"$a_{k}$, $z_{k}$ = {z_temp[k]:.2f}" + (" (arg-max)" if k == top else "")
        right.plot(cs, temp_out[:, k], color=color, lw=2.5 if k == top else 1.5, label=label)
    right.axhline(1 / len(z_temp), color="gray", lw=0.8, ls="--", label=f"uniform 1/{len(z_temp)}")
    right.set(
        xscale="log",
        xlabel="c (inverse temperature)",
        ylabel="output of softmax(c z)",
    )
    right.set_title("softmax(c z): uniform as c -> 0, one-hot of the arg-max as c grows", fontsize=11)
    right.legend(fontsize=8, loc="center left")
    right.grid(alpha=0.3)
    twin = right.twinx()
    twin.plot(cs, distances, color="k", ls=":", lw=1.5)
    twin.plot(cs[-1], distances[-1], "ko", ms=4)
    twin.annotate(
        f"{distances[-1]:.1e} at c = {cs[-1]:g}",
        (cs[-1], distances[-1]),
        xytext=(-105, 22),
        textcoords="offset points",
        fontsize=8,
    )
    twin.set(yscale="log", ylabel="distance to the one-hot, $\\|a - $one-hot$\\|_1$ (dotted)")
    return common.save_figure(fig, path)


def run(args):
    start = time.perf_counter()
    inputs, classes = check(args)
    al.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    z = random_inputs(rng, inputs, classes)

    errors, in_range = sum_errors(z)
    print(
        f"{inputs} random inputs of {classes} entries, z ~ s N(0, 1) for s in {SCALES}: max |sum_j a_j - 1| = "
        f"{errors['float64']:.1e} (float64), {errors['float32']:.1e} (float32); all a_j in [0, 1]: {in_range}"
    )
    jac, a = jacobian(z)
    closed = a[:, :, None] * (np.eye(classes)[None] - a[:, None, :])  # da_k/dz_j = a_k (delta_kj - a_j)
    jac_error = float(np.abs(jac - closed).max())
    diagonal = np.diagonal(jac, axis1=1, axis2=2)
    off = jac[:, ~np.eye(classes, dtype=bool)]
    saturated = int(((a == 0) | (a == 1)).sum())
    print(
        f"engine Jacobian vs a_k (delta_kj - a_j): max difference {jac_error:.1e}; diagonal da_j/dz_j >= 0 in "
        f"{int((diagonal >= 0).sum())} of {diagonal.size} (> 0 in {int((diagonal > 0).sum())}; {saturated} outputs "
        f"are exactly 0 or 1 in float64, where it underflows to 0), off-diagonal <= 0 in {int((off <= 0).sum())} "
        f"of {off.size}"
    )
    moderate = z[np.abs(z).max(axis=1) <= 10]  # where a finite step of 1e-3 visibly moves every output
    own_up, others_down = bumped(moderate, 1e-3)
    print(
        f"raising z_j by 1e-3 ({len(moderate)} inputs with |z| <= 10): a_j rose in {int(own_up.sum())} of "
        f"{own_up.size} cases, every other a_k fell in {int(others_down.sum())} of {others_down.size}"
    )
    increasing = int((diagonal >= 0).sum())

    z_temp = np.round(rng.normal(size=classes), 2)
    while np.sort(z_temp)[-1] - np.sort(z_temp)[-2] < 0.2:  # a clear arg-max, so the limit is visible
        z_temp = np.round(rng.normal(size=classes), 2)
    one_hot = np.eye(classes)[int(np.argmax(z_temp))]
    gap = float(np.sort(z_temp)[-1] - np.sort(z_temp)[-2])
    cs = np.logspace(-2, 2, 401)
    temp_out = tempered(z_temp, cs)
    distances = np.abs(temp_out - one_hot).sum(axis=1)
    report = tempered(z_temp, REPORT_C)
    report_distance = {c: float(np.abs(row - one_hot).sum()) for c, row in zip(REPORT_C, report)}
    print(f"softmax(c z) for z = {z_temp.tolist()} (arg-max {int(np.argmax(z_temp))}, gap to the runner-up {gap:.2f}):")
    for c, row in zip(REPORT_C, report):
        print(f"  c = {c:<6g} a = [{', '.join(f'{v:.4f}' for v in row)}]   |a - one-hot|_1 = {report_distance[c]:.2e}")
    others = np.delete(z_temp, int(np.argmax(z_temp)))
    bound = {c: float(2 * np.exp(-c * (z_temp.max() - others)).sum()) for c in REPORT_C}
    print(f"  (|a - one-hot|_1 <= 2 sum_(k != max) e^(-c (z_max - z_k)): at c = 100 the bound is {bound[100.0]:.2e})")

    figures = []
    if not args.no_plots:
        z_sweep = z_temp.copy()
        sweep = np.linspace(-6, 6, 241)
        swept = np.repeat(z_sweep[None], len(sweep), axis=0)
        swept[:, 0] = sweep
        sweep_out = al.softmax(al.tensor(swept, dtype=al.float64), dim=1).numpy()
        path = plot(
            os.path.join(args.out, f"lab_{NAME}.png"), z_sweep, sweep, sweep_out, z_temp, cs, temp_out, distances
        )
        figures.append(path)
        print(f"figure: {path}")
    line = (
        f"lab {NAME}: outputs sum to 1 within {errors['float64']:.1e} (float64) and {errors['float32']:.1e} "
        f"(float32); a_j rose with z_j in {int(own_up.sum())} of {own_up.size} steps, da_j/dz_j >= 0 in "
        f"{increasing} of {diagonal.size}; distance to the one-hot "
        f"{report_distance[1.0]:.2f} at c = 1, {report_distance[100.0]:.1e} at c = 100, "
        f"{time.perf_counter() - start:.1f} s"
    )
    print(line, flush=True)
    return dict(
        line=line,
        figures=figures,
        sum_errors=errors,
        in_range=in_range,
        jacobian_error=jac_error,
        diagonal_min=float(diagonal.min()),
        off_diagonal_max=float(off.max()),
        increasing=increasing,
        cases=diagonal.size,
        saturated=saturated,
        own_up=own_up,
        others_down=others_down,
        distances=report_distance,
        bounds=bound,
        gap=gap,
    )
