"""Training-step time of autograd_lite against PyTorch as the batch grows: where the framework's per-step
overhead dominates (small batches) and where the arithmetic does (large ones).

The models, data, loss and SGD are train_step.py's (``mlp``: Linear(784,100)-Sigmoid-Linear(100,10); ``cnn``:
two Conv2d+ReLU+MaxPool blocks and two Linear layers; cross-entropy, float32), timed with the same protocol
(_harness.py): at each batch size ours and torch's run in their own worker processes with identical weights,
asked for rounds alternately, median over rounds. The calls per round adapt to the step time (a calibration
call first, then about 0.15 s per round), so the default run takes a few minutes. The table gives per model and
batch our ms, torch's, the ratio ours/torch and our µs per sample; the figure shows step time against batch
(log-log) per model, with the ratio on a second axis.

  python benchmarks/scaling.py                                   # batches 1, 2, 4, ..., 1024; the figure
  python benchmarks/scaling.py --models mlp --batches 1,64 --rounds 2 --out /tmp/scaling.png
  python benchmarks/scaling.py --smoke --out /tmp/smoke          # batches 1 and 4, 1 round (run by CI)

The last line is machine-readable:
``scaling: mlp ratio 1.45 at batch 1 .. 0.98 at batch 1024; cnn ratio 2.10 at batch 1 .. 1.05 at batch 1024;
figure docs/images/scaling.png`` (ours' ms instead of ratios and ``torch not installed`` without torch).
"""

import argparse
import os
import sys
import tempfile

import _harness as harness  # benchmarks/ is the script's directory
import train_step

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(HERE), "docs", "images", "scaling.png")
DEFAULT_BATCHES = tuple(2**k for k in range(11))  # 1 .. 1024
ROUND_SECONDS = 0.15  # timed seconds per round, the calls per round set from a calibration call
MAX_CALLS = 2000
PANEL_TITLES = {
    "mlp": "MLP [784, 100, 10]",
    "cnn": "CNN (2 conv + 2 linear layers)",
    "nielsen": "Nielsen's [784, 30, 10]",
    "resnet": "MNIST example's ResNet",
}


# ---- timing ---------------------------------------------------------------------------------------------------


def frameworks():
    return ["ours"] + (["torch"] if train_step.torch is not None else [])


def start_workers(name, batch):
    """train_step.py's workers (one per framework) for ``name``'s training step at ``batch``, started together."""
    script = os.path.join(HERE, "train_step.py")
    return [harness.Worker([script, "--worker", f, name, "train", "--batch", str(batch)]) for f in frameworks()]


def calibrated_calls(workers, seconds=ROUND_SECONDS):
    """Calls per round so that the slowest worker's round lasts about ``seconds``, from one call of each."""
    slowest_ms = max(w.time(1) for w in workers)
    return int(min(MAX_CALLS, max(1, seconds * 1e3 / slowest_ms)))


def time_batch(name, batch, rounds):
    """Median ms per step of ours and torch's (None without torch) at ``batch``, in alternating rounds."""
    workers = start_workers(name, batch)
    try:
        calls = calibrated_calls(workers)
    except BaseException:
        for w in workers:
            w.close()
        raise
    medians = harness.alternate(workers, calls, rounds, warmup=max(1, calls // 4))
    return medians[0], (medians[1] if len(medians) > 1 else None)


def run_model(name, batches, rounds):
    """Time ``name`` at each batch, printing the table as it goes; [(batch, ours ms, torch ms or None)]."""
    print(f"\n{name}: {PANEL_TITLES.get(name, name)}, training step, median of {rounds} round(s)")
    header = f"{'batch':>6s} {'ours ms':>10s} {'torch ms':>10s} {'ratio':>6s} {'ours µs/sample':>15s}"
    print(header)
    print("-" * len(header))
    results = []
    for batch in batches:
        ours, theirs = time_batch(name, batch, rounds)
        their_text = f"{theirs:10.3f} {ours / theirs:6.2f}" if theirs else f"{'-':>10s} {'-':>6s}"
        print(f"{batch:6d} {ours:10.3f} {their_text} {ours / batch * 1e3:15.1f}", flush=True)
        results.append((batch, ours, theirs))
    return results


# ---- figure ---------------------------------------------------------------------------------------------------


def plot(curves, path):
    """Step time against batch (log-log), ours and torch's, one panel per model; the ratio on a second axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig, axes = plt.subplots(1, len(curves), figsize=(14, 5.5), dpi=100, squeeze=False)
    for ax, (name, results) in zip(axes[0], curves.items()):
        batches = [b for b, _, _ in results]
        ax.loglog(batches, [o for _, o, _ in results], "o-", color="tab:blue", label="autograd_lite")
        lines = ax.get_lines()
        if all(t for _, _, t in results):
            ax.loglog(batches, [t for _, _, t in results], "s-", color="tab:orange", label="PyTorch")
            ratio_ax = ax.twinx()
            ratio_ax.plot(batches, [o / t for _, o, t in results], "^:", color="tab:green", label="ratio ours/torch")
            ratio_ax.axhline(1.0, color="gray", linestyle="--", linewidth=1)
            ratio_ax.set_ylim(0, max(2.0, 1.1 * max(o / t for _, o, t in results)))
            ratio_ax.set_ylabel("ratio ours / PyTorch")
            lines = ax.get_lines() + ratio_ax.get_lines()[:1]
        ax.set_xscale("log", base=2)
        ax.set_xticks(batches)
        ax.set_xticklabels([str(b) for b in batches])
        ax.set_xlabel("batch size")
        ax.set_ylabel("training step time (ms)")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))  # 0.2 rather than 2x10^-1
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{PANEL_TITLES.get(name, name)}: SGD training step time, float32")
        ax.grid(True, alpha=0.3)
        ax.legend(lines, [line.get_label() for line in lines], loc="upper left")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, pil_kwargs={"optimize": True})
    plt.close(fig)


def summary_line(curves, path):
    """The machine-readable last line: the ratio (or our ms without torch) at the smallest and largest batch."""
    parts = []
    for name, results in curves.items():
        (b0, o0, t0), (b1, o1, t1) = results[0], results[-1]
        if t0 and t1:
            parts.append(f"{name} ratio {o0 / t0:.2f} at batch {b0} .. {o1 / t1:.2f} at batch {b1}")
        else:
            parts.append(f"{name} ours {o0:.3g} ms at batch {b0} .. {o1:.3g} ms at batch {b1}")
    if train_step.torch is None:
        parts.append("torch not installed")
    return "scaling: " + "; ".join(parts + [f"figure {path}"])


# ---- command line ---------------------------------------------------------------------------------------------


def comma_list(kind, allowed=None):
    def parse(text):
        items = [kind(item) for item in text.split(",") if item.strip()]
        if not items or (allowed and any(item not in allowed for item in items)):
            raise argparse.ArgumentTypeError(f"expected a comma list of {', '.join(allowed or ['numbers'])}")
        return items

    return parse


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=comma_list(int), default=list(DEFAULT_BATCHES), help="e.g. 1,8,64")
    parser.add_argument(
        "--models", type=comma_list(str, list(train_step.WORKLOADS)), default=["mlp", "cnn"], help="e.g. mlp,cnn"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", help=f"the figure's path (default {DEFAULT_OUT}; a directory: scaling.png in it)")
    parser.add_argument("--smoke", action="store_true", help="batches 1 and 4, 1 round (CI), no timing claims")
    args = parser.parse_args()
    if args.smoke:
        args.batches, args.rounds = [1, 4], 1
        args.out = args.out or tempfile.mkdtemp(prefix="scaling_smoke_")  # never the committed figure
    out = args.out or DEFAULT_OUT
    if os.path.isdir(out) or not os.path.splitext(out)[1]:
        out = os.path.join(out, "scaling.png")
    print(
        f"torch {train_step.torch.__version__ if train_step.torch else 'not installed'}; {os.cpu_count()} cores; "
        f"about {ROUND_SECONDS} s of calls per round"
    )
    curves = {name: run_model(name, sorted(args.batches), args.rounds) for name in args.models}
    plot(curves, out)
    print(f"figure written to {out}")
    print(summary_line(curves, out))


if __name__ == "__main__":
    sys.exit(main())
