"""Our step time in two checkouts of this repository, side by side: "did this change slow anything down?"

Each checkout runs ``train_step.py``'s workers (ours only) in its own process, asked for rounds alternately
(the protocol of ``_harness.py``); the ratio after/before of the medians is printed per workload and run.

  git worktree add /tmp/before <commit>
  python benchmarks/compare_revisions.py /tmp/before          # this checkout against /tmp/before
  python benchmarks/compare_revisions.py /tmp/before --runs 3 --rounds 15
"""

import argparse
import os
import statistics
import sys

import _harness as harness  # benchmarks/ is the script's directory

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = (
    ("mlp", "train", 200),
    ("mlp", "inference", 100),
    ("cnn", "train", 20),
    ("cnn", "inference", 4),
    ("nielsen", "train", 300),
    ("resnet", "train", 3),
    ("resnet", "inference", 1),
)


def worker_argv(checkout, name, mode):
    """A train_step.py worker for ``name``/``mode`` that imports autograd_lite, nn and optim from ``checkout``."""
    script = os.path.join(HERE, "train_step.py")
    code = (
        f"import sys; sys.path[:0] = [{checkout!r}, {HERE!r}]; "
        f"sys.argv = [{script!r}, '--worker', 'ours', {name!r}, {mode!r}]; "
        f"exec(compile(open({script!r}).read(), {script!r}, 'exec'), "
        f"{{'__name__': '__main__', '__file__': {script!r}}})"
    )
    return ["-c", code]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", help="path of the other checkout (e.g. a git worktree of an older commit)")
    parser.add_argument("--after", default=os.path.dirname(HERE), help="this checkout by default")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", help="one workload, e.g. 'mlp train'")
    args = parser.parse_args()
    for path in (args.before, args.after):
        if not os.path.isdir(os.path.join(path, "autograd_lite")):
            raise SystemExit(f"compare_revisions: {path!r} is not a checkout of this repository (no autograd_lite/)")
    for name, mode, calls in WORKLOADS:
        if args.only and args.only != f"{name} {mode}":
            continue
        ratios = []
        for run in range(args.runs):
            workers = [harness.Worker(worker_argv(p, name, mode)) for p in (args.after, args.before)]
            after, before = harness.alternate(workers, calls, args.rounds, calls)
            ratios.append(after / before)
            print(
                f"{name} {mode} run {run + 1}: after {after:.3f} ms, before {before:.3f} ms, ratio {after / before:.3f}"
            )
        print(f"{name} {mode}: after/before median {statistics.median(ratios):.3f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
