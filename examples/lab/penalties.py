"""L2 and L1 penalties on ten points: a sweep of each penalty's strength λ finds the one with the lowest test
error; the best L2 model keeps every weight small but nonzero, the best L1 model sets most weights exactly to
zero and uses only a few hidden units: a network of just those units computes the same function, and a fresh
network that small fits about as well once lightly regularised (without any penalty even two units overfit
ten points).

    python -m examples.lab penalties               # 9 L2 and 9 L1 strengths, 5,000 Adam steps each: about 20 s
    python -m examples.lab penalties --quick       # 3 strengths each, 2,000 steps

Every run trains the same initial network (``examples/lab/_toy.py``: 20 tanh units, full-batch Adam) on the
MSE plus (λ/2)·Σw² (L2) or λ·Σ|w| (L1), λ from 1e-5 to 0.1 (--quick: 1e-4 to 0.01), over the weights, biases
unpenalised. L1 is applied as a proximal (soft-threshold) step after each Adam step, so its zeros are exact. A
hidden unit matters when both its input and its output weight are nonzero; the pruned network keeps those
units' weights and folds the constant output of units with a zero input weight into the output bias. The
fresh small network trains without penalty and with a light L2 (``--light``, default 1e-3). Its last line reads
``lab penalties: best L2 λ 1e-02 test MSE 0.0516, best L1 λ 3e-03 test MSE 0.0592 (36/40 weights zero, 2 units;
pruned to them 0.0592), fresh 2-unit net 0.1496 (L2 1e-03: 0.0622), 22.3 s``.
"""

import os
import time

import numpy as np

import autograd_lite as al
from examples import _common as common
from examples.lab import _toy as toy

NAME = "penalties"
TITLE = "L2 and L1 penalties: a sweep of λ, the weights they leave, the units L1 keeps"
RANGE, QUICK_RANGE = (1e-5, 1e-1), (1e-4, 1e-2)


def add_arguments(parser):
    toy.add_steps_argument(parser)
    parser.add_argument("--lambdas", type=int, help="strengths per penalty, log-spaced (default 9; --quick 3)")
    parser.add_argument("--light", type=float, default=1e-3, help="the light L2 λ of the fresh small network")


def sweep(kind, lambdas, initial, data, steps, bar):
    """Train a copy of ``initial`` with each strength of penalty ``kind``; (models, final train, final test)."""
    models, train, test = [], [], []
    for lam in lambdas:
        model = toy.clone(initial)
        history = toy.train(model, data, steps, **{kind.lower(): float(lam)}, bar=bar, record=False)
        models.append(model)
        train.append(history["train"][-1])
        test.append(history["test"][-1])
    return models, np.array(train), np.array(test)


def weight_vectors(model):
    """(hidden weights, output weights) of a one-hidden-layer model as flat float64 arrays."""
    hidden, output = (p.detach().numpy().astype(np.float64).ravel() for p in toy.weights(model))
    return hidden, output


def units_that_matter(model):
    """The hidden units whose input and output weights are both nonzero (the others are constants or unused)."""
    hidden, output = weight_vectors(model)
    return int(np.count_nonzero((hidden != 0) & (output != 0)))


def pruned(model):
    """A network of only the hidden units of ``model`` that matter, computing the same function: their weights
    and biases copied, the constant outputs w2_j tanh(b1_j) of units with a zero input weight added to the
    output bias."""
    hidden, output = weight_vectors(model)
    keep = (hidden != 0) & (output != 0)
    if not keep.any():
        keep[np.argmax(np.abs(output))] = True  # a constant model still needs one unit
    b1, b2 = (p.detach().numpy().astype(np.float64).ravel() for p in toy.biases(model))
    constant = (hidden == 0) & (output != 0)
    small = toy.build(hidden=int(keep.sum()))
    new_w1, new_w2 = (p.detach().numpy() for p in toy.weights(small))
    new_b1, new_b2 = (p.detach().numpy() for p in toy.biases(small))
    new_w1[:, 0], new_b1[:] = hidden[keep], b1[keep]  # numpy() shares the parameters' memory
    new_w2[0, :] = output[keep]
    new_b2[:] = b2 + np.sum(output[constant] * np.tanh(b1[constant]))
    return small


def run(args):
    start = time.perf_counter()
    steps = toy.steps_of(args)
    count = args.lambdas if args.lambdas is not None else (3 if args.quick else 9)
    if count < 2:
        raise SystemExit(f"error: --lambdas must be at least 2, got {count}")
    if not args.light >= 0:
        raise SystemExit(f"error: --light must be at least 0, got {args.light}")
    al.manual_seed(args.seed)
    data = toy.make_data(args.seed)
    initial = toy.build()
    low, high = QUICK_RANGE if args.quick else RANGE
    grids = {kind: np.logspace(np.log10(low), np.log10(high), count) for kind in ("L2", "L1")}

    results = {}
    with common.progress(None, total=steps * (2 * count + 3), desc="training") as bar:
        plain = toy.clone(initial)
        plain_history = toy.train(plain, data, steps, bar=bar, record=False)
        for kind, lambdas in grids.items():
            models, train, test = sweep(kind, lambdas, initial, data, steps, bar)
            best = int(np.argmin(test))
            zeros = np.array([sum(int(np.count_nonzero(w == 0)) for w in weight_vectors(m)) for m in models])
            results[kind] = {
                "lambdas": lambdas,
                "train": train,
                "test": test,
                "best": best,
                "model": models[best],
                "zeros": zeros,
            }
        units = max(1, units_that_matter(results["L1"]["model"]))
        smalls, small_tests = {}, {}
        for key, l2 in (("plain", 0.0), ("light", args.light)):
            al.manual_seed(args.seed)
            smalls[key] = toy.build(hidden=units)
            small_tests[key] = float(toy.train(smalls[key], data, steps, l2=l2, bar=bar, record=False)["test"][-1])
    prune = pruned(results["L1"]["model"])
    pruned_test = toy.mses(prune, data)[1]

    print(
        f"no penalty: test MSE {plain_history['test'][-1]:.4f} (train {plain_history['train'][-1]:.6f}); "
        f"noise floor {toy.FLOOR:.4f}"
    )
    for kind, res in results.items():
        print(f"{kind}: " + ", ".join(f"λ {lam:.0e} → {t:.4f}" for lam, t in zip(res["lambdas"], res["test"])))
    zeros = {}
    for kind, res in results.items():
        hidden, output = weight_vectors(res["model"])
        zeros[kind] = int(np.count_nonzero(hidden == 0) + np.count_nonzero(output == 0))
        print(
            f"best {kind}: λ {res['lambdas'][res['best']]:.0e}, test MSE {res['test'][res['best']]:.4f} "
            f"(train {res['train'][res['best']]:.4f}); weights exactly zero: {zeros[kind]} of "
            f"{hidden.size + output.size} (hidden {np.count_nonzero(hidden == 0)}, output "
            f"{np.count_nonzero(output == 0)}); hidden units that matter: {units_that_matter(res['model'])}"
        )
    print(
        f"the best L1 model pruned to its {units} units: test MSE {pruned_test:.4f} (largest output difference "
        f"{np.abs(toy.predict(prune, toy.GRID) - toy.predict(results['L1']['model'], toy.GRID)).max():.1e})"
    )
    print(
        f"a fresh {units}-unit network, {steps} steps: test MSE {small_tests['plain']:.4f} without penalty, "
        f"{small_tests['light']:.4f} with L2 λ {args.light:.0e}"
    )
    figures = [] if args.no_plots else plot(args, data, results, plain_history, smalls["light"], units, small_tests)
    for path in figures:
        print(f"figure: {path}")
    seconds = time.perf_counter() - start
    l2, l1 = results["L2"], results["L1"]
    line = (
        f"lab {NAME}: best L2 λ {l2['lambdas'][l2['best']]:.0e} test MSE {l2['test'][l2['best']]:.4f}, "
        f"best L1 λ {l1['lambdas'][l1['best']]:.0e} test MSE {l1['test'][l1['best']]:.4f} "
        f"({zeros['L1']}/{2 * toy.HIDDEN} weights zero, {units} unit{'s' * (units != 1)}; pruned to them "
        f"{pruned_test:.4f}), fresh "
        f"{units}-unit net {small_tests['plain']:.4f} (L2 {args.light:.0e}: {small_tests['light']:.4f}), "
        f"{seconds:.1f} s"
    )
    print(line, flush=True)
    summary = {
        kind: {
            "lambdas": res["lambdas"],
            "test": res["test"],
            "train": res["train"],
            "best_lambda": float(res["lambdas"][res["best"]]),
            "best_test": float(res["test"][res["best"]]),
            "weights": weight_vectors(res["model"]),
            "zeros": zeros[kind],
            "zeros_per_lambda": res["zeros"],
            "units": units_that_matter(res["model"]),
        }
        for kind, res in results.items()
    }
    return {
        "line": line,
        "figures": figures,
        **summary,
        "plain_test": float(plain_history["test"][-1]),
        "units": units,
        "pruned_test": pruned_test,
        "pruned_model": prune,
        "best_l1_model": results["L1"]["model"],
        "small_test": small_tests["plain"],
        "small_light_test": small_tests["light"],
    }


def plot(args, data, results, plain_history, small, units, small_tests):
    """lab_penalties.png: test (and train) MSE against λ for each penalty, and the fits; lab_penalties_weights.png:
    the sorted weight magnitudes of the best L2 and L1 models."""
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    for ax, (kind, res) in zip(axes, results.items()):
        best = res["best"]
        ax.plot(res["lambdas"], res["test"], "o-", label="test MSE")
        ax.plot(res["lambdas"], res["train"], "s:", color="0.5", ms=4, label="train MSE")
        ax.axhline(plain_history["test"][-1], color="C1", ls="--", lw=1, label="test MSE without penalty")
        ax.axhline(toy.FLOOR, color="k", ls=":", lw=1, label=f"noise floor {toy.FLOOR:.2f}")
        ax.plot(
            [res["lambdas"][best]],
            [res["test"][best]],
            "*",
            color="C3",
            ms=16,
            label=f"best λ {res['lambdas'][best]:.0e}: {res['test'][best]:.4f}",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("penalty strength λ")
        ax.set_ylabel("MSE after training")
        penalty = "(λ/2)·Σw²" if kind == "L2" else "λ·Σ|w|"
        ax.set_title(f"{kind}: MSE + {penalty}")
        ax.legend(fontsize=8)
    ax = axes[2]
    toy.plot_data(ax, data)
    for kind, color in (("L2", "C0"), ("L1", "C3")):
        res = results[kind]
        ax.plot(
            toy.GRID[:, 0],
            toy.predict(res["model"], toy.GRID)[:, 0],
            color=color,
            lw=2,
            label=f"best {kind} (test {res['test'][res['best']]:.4f})",
        )
    ax.plot(
        toy.GRID[:, 0],
        toy.predict(small, toy.GRID)[:, 0],
        color="C2",
        lw=2,
        ls="-.",
        label=f"fresh {units} units, L2 {args.light:.0e} (test {small_tests['light']:.4f})",
    )
    ax.set_ylim(-0.75, 1.75)
    ax.set_title("The fits")
    ax.legend(fontsize=8)
    paths = [common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}.png"))]

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    magnitudes = [np.abs(w) for kind in results for w in weight_vectors(results[kind]["model"])]
    nonzero = np.concatenate([m[m > 0] for m in magnitudes])
    floor = 10 ** np.floor(np.log10(nonzero.min())) / 10 if nonzero.size else 1e-6
    for ax, kind in zip(axes, results):
        hidden, output = weight_vectors(results[kind]["model"])
        for offset, (label, w, color) in enumerate((("hidden", hidden, "C0"), ("output", output, "C1"))):
            order = np.sort(np.abs(w))[::-1]
            ranks = np.arange(1, order.size + 1) + 0.2 * offset
            shown = order > 0
            ax.vlines(ranks[shown], floor, order[shown], color=color, lw=2)
            ax.plot(ranks[shown], order[shown], "o", color=color, ms=5, label=f"{label} weights")
            if (~shown).any():
                ax.plot(
                    ranks[~shown],
                    np.full((~shown).sum(), floor),
                    "x",
                    color=color,
                    ms=7,
                    label=f"{label}: {(~shown).sum()} exactly 0",
                )
        ax.set_yscale("log")
        ax.set_ylim(floor / 2, None)
        ax.set_xticks([1, 5, 10, 15, 20])
        ax.set_xlabel("rank (largest first)")
        ax.set_title(f"best {kind} (λ {results[kind]['lambdas'][results[kind]['best']]:.0e}): |w| sorted")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("|weight| (exact zeros drawn at the bottom)")
    paths.append(common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}_weights.png")))
    return paths
