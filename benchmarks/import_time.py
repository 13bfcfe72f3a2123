"""Import time of autograd_lite against PyTorch: how long ``import autograd_lite, nn, optim`` takes in a fresh
interpreter, next to ``import torch``.

Each import runs in its own fresh ``python -c`` subprocess (nothing cached in the interpreter; the OS file cache
is warm after the first run), ours and torch's alternately, and the median wall time over the runs is reported
with the ratio ours/torch (the target is at most 0.2). The interpreter's own start-up (``python -c pass``) is
included in both, and printed alone for reference.

  python benchmarks/import_time.py               # 15 runs each, median
  python benchmarks/import_time.py --runs 31
  python benchmarks/import_time.py --breakdown   # also our 15 slowest modules (python -X importtime)
  python benchmarks/import_time.py --smoke       # 2 runs each and the breakdown, no timing claims (run by CI)

The last line is machine-readable:
``import_time: ours 85 ms, torch 1210 ms, ratio 0.07`` (``import_time: ours 85 ms, torch not installed``).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = "import autograd_lite, nn, optim"
TORCH = "import torch"
TARGET = 0.2  # ours/torch
PACKAGES = ("autograd_lite", "nn", "optim")


def wall_ms(code):
    """Wall time in ms of a fresh interpreter running ``code`` (run from the repository's root, so that our
    packages are the checkout's)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return (time.perf_counter() - start) * 1e3


def medians(codes, runs):
    """Median wall ms of each of ``codes`` over ``runs`` rounds, the codes run alternately within a round (after
    one untimed round: the first run reads the files from disk)."""
    for code in codes:
        wall_ms(code)
    times = [[wall_ms(code) for code in codes] for _ in range(runs)]
    return [statistics.median(column) for column in zip(*times)]


def torch_installed():
    """Whether a fresh interpreter can import torch (asked of the interpreter the timing uses, not of this one)."""
    done = subprocess.run([sys.executable, "-c", TORCH], cwd=ROOT, capture_output=True)
    return done.returncode == 0


def run_table(runs):
    """Print the interpreter's start-up, our import's and torch's (median ms over ``runs``), and the last line."""
    codes = ["pass", OURS] + ([TORCH] if torch_installed() else [])
    times = medians(codes, runs)
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} cores; {runs} fresh interpreters each, median")
    for code, ms in zip(codes, times):
        print(f"  python -c {code!r:40s} {ms:8.1f} ms")
    ours = times[1]
    if len(times) < 3:
        print("torch not installed: ours only (no ratio)")
        return f"import_time: ours {ours:.0f} ms, torch not installed"
    ratio = ours / times[2]
    verdict = "within" if ratio <= TARGET else "above"
    print(f"ratio ours/torch {ratio:.2f} ({verdict} the target {TARGET})")
    return f"import_time: ours {ours:.0f} ms, torch {times[2]:.0f} ms, ratio {ratio:.2f}"


def importtime_lines(code):
    """``python -X importtime -c code``'s report: (self µs, cumulative µs, module name) per imported module."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = (field.strip() for field in line[len("import time:") :].split("|"))
        rows.append((int(own), int(cumulative), name))
    return rows


def run_breakdown(top=15):
    """Print our ``top`` slowest modules by cumulative import time (the candidates to import lazily)."""
    ours = {}
    for own, cumulative, name in importtime_lines(OURS):  # a name can repeat (a submodule's nested import)
        if name.split(".")[0] in PACKAGES and cumulative > ours.get(name, (0, -1))[1]:
            ours[name] = (own, cumulative, name)
    rows = sorted(ours.values(), key=lambda row: -row[1])
    print(f"our {top} slowest modules to import (python -X importtime, one run, µs):")
    print(f"  {'cumulative':>10s} {'self':>8s}  module")
    for own, cumulative, name in rows[:top]:
        print(f"  {cumulative:10d} {own:8d}  {name}")
    third_party = {}
    for own, _, name in importtime_lines(OURS):
        top_level = name.split(".")[0]
        if top_level not in PACKAGES:
            third_party[top_level] = third_party.get(top_level, 0) + own
    heavy = sorted(third_party.items(), key=lambda kv: -kv[1])[:5]
    print("other packages imported on the way (self µs summed): " + ", ".join(f"{k} {v}" for k, v in heavy))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per import")
    parser.add_argument("--breakdown", action="store_true", help="our 15 slowest modules (python -X importtime)")
    parser.add_argument("--smoke", action="store_true", help="2 runs each and the breakdown (CI), no timing claims")
    args = parser.parse_args()
    if args.smoke or args.breakdown:
        run_breakdown()
    print(run_table(2 if args.smoke else args.runs))


if __name__ == "__main__":
    main()
