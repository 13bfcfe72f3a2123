"""An ensemble of overfitted networks: K networks, initialised independently and each trained on the same ten
points until it overfits, wiggle partly in different places; the average of their predictions cancels the part
of the wiggling that comes from the initialisation, so its test error is below the members' mean (never above
it, by convexity) -- but not the part that comes from the ten noisy points, which every member shares.

    python -m examples.lab ensembles               # K = 10 members, 5,000 Adam steps each: about 10 s
    python -m examples.lab ensembles --quick       # K = 3, 2,000 steps

Each member is the network of ``examples/lab/_toy.py`` (20 tanh units) with its own random initialisation,
trained by full-batch Adam without any regularisation; the ensemble predicts the mean of the members'
outputs. Its last line reads
``lab ensembles: ensemble of 10 test MSE 0.1509, members 0.1668 on average (best 0.1119, worst 0.2403),
noise floor 0.0400, 9.2 s``.
"""

import os
import time

import numpy as np

import autograd_lite as al
from examples import _common as common
from examples.lab import _toy as toy

NAME = "ensembles"
TITLE = "Ensembles: the average of independently initialised overfitted networks"


def add_arguments(parser):
    toy.add_steps_argument(parser)
    parser.add_argument("--members", type=int, help="networks in the ensemble, K (default 10; --quick 3)")


def run(args):
    start = time.perf_counter()
    steps = toy.steps_of(args)
    k = args.members if args.members is not None else (3 if args.quick else 10)
    if k < 2:
        raise SystemExit(f"error: --members must be at least 2, got {k}")
    al.manual_seed(args.seed)
    data = toy.make_data(args.seed)
    members, member_test = [], []
    with common.progress(None, total=k * steps, desc=f"training {k} networks") as bar:
        for _ in range(k):
            model = toy.build()  # each draws its own initial weights from the seeded generator
            member_test.append(toy.train(model, data, steps, bar=bar, record=False)["test"][-1])
            members.append(model)
    member_test = np.array(member_test)
    test_outputs = np.stack([toy.predict(m, data["x_test"]) for m in members])
    mean_output = test_outputs.mean(axis=0)
    ensemble_test = float(np.mean((mean_output - data["y_test"]) ** 2))
    ensemble_train = float(np.mean((np.mean([toy.predict(m, data["x"]) for m in members], axis=0) - data["y"]) ** 2))

    for i, t in enumerate(member_test):
        print(f"member {i + 1:2d}: test MSE {t:.4f}")
    print(
        f"members: mean {member_test.mean():.4f}, median {np.median(member_test):.4f}, best "
        f"{member_test.min():.4f}, worst {member_test.max():.4f}"
    )
    print(
        f"ensemble mean of {k}: test MSE {ensemble_test:.4f} (train {ensemble_train:.6f}); better than "
        f"{int(np.sum(member_test > ensemble_test))} of {k} members; noise floor {toy.FLOOR:.4f}"
    )
    figures = [] if args.no_plots else [plot(args, data, members, member_test, ensemble_test)]
    for path in figures:
        print(f"figure: {path}")
    seconds = time.perf_counter() - start
    line = (
        f"lab {NAME}: ensemble of {k} test MSE {ensemble_test:.4f}, members {member_test.mean():.4f} on average "
        f"(best {member_test.min():.4f}, worst {member_test.max():.4f}), noise floor {toy.FLOOR:.4f}, "
        f"{seconds:.1f} s"
    )
    print(line, flush=True)
    return {
        "line": line,
        "figures": figures,
        "member_test": member_test,
        "ensemble_test": ensemble_test,
        "ensemble_train": ensemble_train,
        "test_outputs": test_outputs,
        "data": data,
    }


def plot(args, data, members, member_test, ensemble_test):
    """Left: each member's fit (thin) and the ensemble mean (thick) over the data and the true curve.
    Right: the test MSE of each member and of the ensemble."""
    plt = common.pyplot()
    fig, (ax, bars) = plt.subplots(1, 2, figsize=(12.5, 4.6), gridspec_kw={"width_ratios": [1.4, 1]})
    toy.plot_data(ax, data)
    curves = np.stack([toy.predict(m, toy.GRID)[:, 0] for m in members])
    for i, curve in enumerate(curves):
        ax.plot(toy.GRID[:, 0], curve, color="C0", lw=0.8, alpha=0.55, label="members" if i == 0 else None)
    ax.plot(toy.GRID[:, 0], curves.mean(axis=0), color="C3", lw=3, label=f"ensemble mean (test {ensemble_test:.4f})")
    ax.set_ylim(-0.75, 1.75)
    ax.set_title(f"{len(members)} independently initialised networks, overfitted")
    ax.legend(fontsize=8)
    k = len(members)
    bars.bar(np.arange(1, k + 1), member_test, color="C0", label="members")
    bars.bar([k + 1.5], [ensemble_test], color="C3", label="ensemble mean")
    bars.axhline(member_test.mean(), color="C0", ls="--", lw=1, label=f"members' mean {member_test.mean():.4f}")
    bars.axhline(toy.FLOOR, color="k", ls=":", lw=1, label=f"noise floor {toy.FLOOR:.2f}")
    bars.set_xticks(list(range(1, k + 1)) + [k + 1.5], [str(i) for i in range(1, k + 1)] + ["ens."])
    bars.set_xlabel("member")
    bars.set_ylabel("test MSE")
    bars.set_ylim(0, max(member_test.max(), ensemble_test) * 1.15)
    bars.set_title("Test error: each member alone and their average")
    bars.legend(fontsize=8, loc="upper left")
    return common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}.png"))
