"""The side-by-side timing protocol the benchmarks share, and their profile printout.

Each framework runs in its own worker process (a second framework in the same process competes for the two
cores and slows the other down by up to 2x). The parent asks the workers for rounds alternately, with an idle
gap between rounds, so only one computes at a time and both see the same machine state; each round starts with
untimed calls (caches, clocks and BLAS threads wake up), and the result is the median over rounds.
"""

import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import time

IDLE_BETWEEN_ROUNDS = 0.3  # s: longer than Intel OpenMP's 200 ms spin (KMP_BLOCKTIME) of the other worker's threads


def ms_per_call(fn, calls):
    """Wall time of ``fn()`` in milliseconds, averaged over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e3


def serve(fn, greeting, warmup_seconds):
    """The worker's loop: print ``greeting``, then answer each line of stdin (a number of calls) with the ms
    per call of ``fn``, after ``warmup_seconds`` of untimed calls."""
    print(greeting, flush=True)
    for line in sys.stdin:
        warm_until = time.perf_counter() + warmup_seconds
        while time.perf_counter() < warm_until:  # untimed: the round measures steady state, not the wake-up
            fn()
        print(ms_per_call(fn, int(line)), flush=True)


class Worker:
    """A worker process started with ``argv`` (after the interpreter); ``greeting`` is its first line, read on
    first use, so that workers created together start (import their frameworks) at the same time."""

    def __init__(self, argv):
        self.argv = list(argv)
        self.process = subprocess.Popen(
            [sys.executable] + self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._greeting = None

    @property
    def greeting(self):
        return self.ready()

    def ready(self):
        """Wait until the worker has started; its greeting."""
        if self._greeting is None:
            self._greeting = self.process.stdout.readline().strip()
            if not self._greeting:
                raise SystemExit(
                    f"benchmark worker {' '.join(self.argv)} failed to start (exit code {self.process.wait()})"
                )
        return self._greeting

    def time(self, calls):
        self.ready()
        self.process.stdin.write(f"{calls}\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def alternate(workers, calls, rounds, warmup):
    """Median ms per call of each worker over ``rounds`` alternating rounds of ``calls`` calls (after one
    untimed round of ``warmup`` calls each, if any); the workers are closed afterwards."""
    try:
        for w in workers:  # all started: none is still importing while another is timed
            w.ready()
        for w in workers:
            if warmup:  # 0: no untimed round (smoke runs)
                w.time(warmup)
        times = []
        for _ in range(rounds):
            times.append([])
            for w in workers:
                time.sleep(IDLE_BETWEEN_ROUNDS)
                times[-1].append(w.time(calls))
    finally:
        for w in workers:
            w.close()
    return [statistics.median(column) for column in zip(*times)]


def profile(step, steps, warmup, title, top):
    """cProfile ``steps`` calls of ``step`` (after ``warmup`` untimed ones); print the ``top`` functions by
    own time, and the time spent inside op forward/vjp functions per op module."""
    for _ in range(warmup):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).sort_stats("tottime")
    stats.print_stats(top)
    print(f"{title}: {steps} steps\n" + stream.getvalue())
    per_op = {}
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():
        if "/ops/" in filename and function in ("forward", "vjp"):
            key = os.path.basename(filename)
            per_op[key] = per_op.get(key, 0.0) + tottime
    print("time inside op forward/vjp functions, by op module (ms per step):")
    for key, total in sorted(per_op.items(), key=lambda kv: -kv[1]):
        print(f"  {key:20s} {total / steps * 1e3:8.3f}")
