"""Training-step and inference speed of autograd_lite against PyTorch, measured side by side in one run.

Workloads (float32, batch 64; one step = forward + loss + backward + SGD update):
  mlp  Linear(784,100)-Sigmoid-Linear(100,10), cross-entropy, SGD(lr=0.1)
  cnn  Conv2d(1,20,5)-ReLU-MaxPool2-Conv2d(20,40,5)-ReLU-MaxPool2-Flatten-Linear(640,100)-ReLU-Linear(100,10),
       cross-entropy, SGD(lr=0.01, momentum=0.9)
plus inference of the same models under no_grad at batch 1,000. When torch is installed the same models with the
same weights and data are timed alternately with ours (median over rounds), and the table shows the ratio.

  python benchmarks/train_step.py              # the table (about a minute)
  python benchmarks/train_step.py --profile    # where our step's time goes, per operation (cProfile)
  python benchmarks/train_step.py --memory     # resident memory over 2,000 CNN steps, peak memory at batch 256
  python benchmarks/train_step.py --smoke      # a few steps of everything, no timing claims (run by CI)
"""

import argparse
import gc
import os
import subprocess
import sys
import time

import numpy as np

import autograd_lite as al
import nn
import optim

import _harness as harness  # benchmarks/ is the script's directory

try:
    import torch
except ImportError:
    torch = None

BATCH = 64
INFERENCE_BATCH = 1000
WARMUP_PER_ROUND = 0.1  # s of untimed calls at the start of each round (caches, clocks and BLAS threads wake up)


# ---- models ---------------------------------------------------------------------------------------------------


def build_mlp(lib):
    return lib.Sequential(lib.Linear(784, 100), lib.Sigmoid(), lib.Linear(100, 10))


def build_cnn(lib):
    return lib.Sequential(
        lib.Conv2d(1, 20, 5),
        lib.ReLU(),
        lib.MaxPool2d(2),
        lib.Conv2d(20, 40, 5),
        lib.ReLU(),
        lib.MaxPool2d(2),
        lib.Flatten(),
        lib.Linear(640, 100),
        lib.ReLU(),
        lib.Linear(100, 10),
    )


WORKLOADS = {
    "mlp": dict(build=build_mlp, shape=(784,), optimizer=dict(lr=0.1)),
    "cnn": dict(build=build_cnn, shape=(1, 28, 28), optimizer=dict(lr=0.01, momentum=0.9)),
}


def flops_per_sample(model, shape):
    """Multiply-adds x 2 of the forward pass of Linear and Conv2d layers for one sample."""
    total, spatial = 0, shape[1:]
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            k = layer.kernel_size[0]
            spatial = tuple(s - k + 1 for s in spatial)
            total += 2 * layer.in_channels * layer.out_channels * k * k * spatial[0] * spatial[1]
        elif isinstance(layer, nn.MaxPool2d):
            spatial = tuple(s // 2 for s in spatial)
        elif isinstance(layer, nn.Linear):
            total += 2 * layer.in_features * layer.out_features
    return total


class Pair:
    """Our model and optimizer and, when torch is installed, torch's with identical weights."""

    def __init__(self, name, batch, seed=0, with_torch=True):
        spec = WORKLOADS[name]
        al.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.model = spec["build"](nn)
        self.optimizer = optim.SGD(self.model.parameters(), **spec["optimizer"])
        self.x = rng.standard_normal((batch,) + spec["shape"]).astype(np.float32)
        self.y = rng.integers(0, 10, batch)
        self.flops = flops_per_sample(self.model, spec["shape"]) * batch
        self.loss = nn.CrossEntropyLoss()
        self.ax, self.ay = al.tensor(self.x), al.tensor(self.y)
        if torch is not None and with_torch:
            self.torch_model = spec["build"](torch.nn)
            self.torch_model.load_state_dict(
                {k: torch.from_numpy(v.numpy().copy()) for k, v in self.model.state_dict().items()}
            )
            self.torch_optimizer = torch.optim.SGD(self.torch_model.parameters(), **spec["optimizer"])
            self.tx, self.ty = torch.from_numpy(self.x), torch.from_numpy(self.y)
            self.torch_loss = torch.nn.CrossEntropyLoss()

    def ours_step(self):
        self.optimizer.zero_grad()
        loss = self.loss(self.model(self.ax), self.ay)
        loss.backward()
        self.optimizer.step()
        return loss

    def torch_step(self):
        self.torch_optimizer.zero_grad()
        loss = self.torch_loss(self.torch_model(self.tx), self.ty)
        loss.backward()
        self.torch_optimizer.step()
        return loss

    def ours_inference(self):
        with al.no_grad():
            return self.model(self.ax)

    def torch_inference(self):
        with torch.no_grad():
            return self.torch_model(self.tx)


# ---- timing ---------------------------------------------------------------------------------------------------
# Each framework runs in its own worker process, asked for rounds alternately (the protocol: _harness.py).


def numpy_mlp_step(pair):
    """The MLP training step written by hand in plain numpy (no framework), same weights, data and update:
    the floor a numpy framework's overhead is measured against."""
    w1, b1, w2, b2 = (p.detach().numpy().copy() for p in pair.model.parameters())
    x, y = pair.x, pair.y
    rows, lr = np.arange(len(y)), pair.optimizer.param_groups[0]["lr"]

    def step():
        a = 1.0 / (1.0 + np.exp(-((w1 @ x.T).T + b1)))
        z = a @ w2.T + b2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[rows, y] -= 1
        p /= len(y)
        da = p @ w2
        dz1 = da * a * (1 - a)
        for w, g in ((w2, p.T @ a), (b2, p.sum(0)), (w1, dz1.T @ x), (b1, dz1.sum(0))):
            w -= lr * g

    return step


def worker_main(framework, name, mode):
    """Serve timing requests (see _harness.serve); the greeting is the model's FLOPs per sample."""
    if framework != "torch":
        sys.modules["torch"] = None
    pair = Pair(name, BATCH if mode == "train" else INFERENCE_BATCH, with_torch=framework == "torch")
    if framework == "numpy":
        fn = numpy_mlp_step(pair)
    else:
        fn = {
            ("ours", "train"): pair.ours_step,
            ("torch", "train"): pair.torch_step,
            ("ours", "inference"): pair.ours_inference,
            ("torch", "inference"): pair.torch_inference,
        }[framework, mode]
    harness.serve(fn, pair.flops, WARMUP_PER_ROUND)


def time_alternately(name, mode, calls, rounds, warmup):
    """Median ms per call of ours, torch's (None without torch) and the hand-written numpy MLP step's (None
    for other rows), timed in alternating rounds."""
    frameworks = (
        ["ours"] + (["torch"] if torch is not None else []) + (["numpy"] if (name, mode) == ("mlp", "train") else [])
    )
    workers = [harness.Worker([__file__, "--worker", f, name, mode]) for f in frameworks]
    medians = dict(zip(frameworks, harness.alternate(workers, calls, rounds, warmup)))
    return medians["ours"], medians.get("torch"), medians.get("numpy"), int(workers[0].greeting)


def gemm_gflops(size=512, repeat=10):
    """The rate (GFLOP/s) of numpy's float32 GEMM on this machine (best of 5): the ceiling for a numpy framework."""
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    b = a.copy()
    best = float("inf")
    for _ in range(6):
        start = time.perf_counter()
        for _ in range(repeat):
            a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 * repeat / best / 1e9


def run_table(rounds, calls, warmup):
    gemm = gemm_gflops()
    print(
        f"numpy {np.__version__}, float32 GEMM (512x512) {gemm:.1f} GFLOP/s; "
        f"torch {torch.__version__ if torch else 'not installed'}; {os.cpu_count()} cores"
    )
    header = (
        f"{'workload':34s} {'ours ms':>9s} {'torch ms':>9s} {'ratio':>6s} {'ours GFLOP/s':>13s} "
        f"{'numpy by hand ms':>17s}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for name in WORKLOADS:
        for mode, batch in (("train", BATCH), ("inference", INFERENCE_BATCH)):
            n = calls if name == "mlp" else max(1, calls // 5)
            ours_ms, torch_ms, numpy_ms, flops = time_alternately(name, mode, n, rounds, warmup)
            flops *= 3 if mode == "train" else 1
            label = f"{name} {'train step' if mode == 'train' else 'inference'}, batch {batch}"
            ratio = f"{ours_ms / torch_ms:6.2f}" if torch_ms else "     -"
            their = f"{torch_ms:9.3f}" if torch_ms else "        -"
            by_hand = f"{numpy_ms:17.3f}" if numpy_ms else f"{'-':>17s}"
            print(f"{label:34s} {ours_ms:9.3f} {their} {ratio} {flops / ours_ms / 1e6:13.1f} {by_hand}", flush=True)
            rows.append((label, ours_ms, torch_ms))
    return rows


# ---- profile --------------------------------------------------------------------------------------------------


def run_profile(name, steps):
    """cProfile our training step: the functions that take the time, and the time per op module."""
    harness.profile(Pair(name, BATCH).ours_step, steps, 5, name, top=25)


# ---- memory ---------------------------------------------------------------------------------------------------


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_step_mib(framework, batch):
    """Peak resident memory added by one CNN training step at ``batch``, measured in a fresh process."""
    code = (
        f"import sys; sys.argv = ['x']; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
        f"import train_step as b; print(b._peak_in_process({framework!r}, {batch}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _status_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _peak_in_process(framework, batch):
    """Peak RSS during the first two steps minus RSS before them (Linux: clear_refs resets the peak).

    Warm-up steps would hide the cost: both allocators keep freed memory resident for reuse."""
    pair = Pair("cnn", batch, with_torch=framework == "torch")
    step = pair.ours_step if framework == "ours" else pair.torch_step
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status_mib("VmRSS")
    step()
    step()
    return _status_mib("VmHWM") - before


def run_memory(steps, peak_batch=256):
    pair = Pair("cnn", BATCH)
    for _ in range(20):
        pair.ours_step()
    start = rss_mib()
    samples = []
    for i in range(steps):
        pair.ours_step()
        if (i + 1) % (steps // 4) == 0:
            samples.append(rss_mib())
    print(
        f"resident memory over {steps} CNN steps (MiB): start {start:.1f}, then "
        + ", ".join(f"{s:.1f}" for s in samples)
        + f"; growth {samples[-1] - start:+.1f} MiB"
    )
    ours = peak_step_mib("ours", peak_batch)
    line = f"peak memory added by a CNN step at batch {peak_batch}: ours {ours:.1f} MiB"
    if torch is not None:
        theirs = peak_step_mib("torch", peak_batch)
        line += f", torch {theirs:.1f} MiB, ratio {ours / theirs:.2f}"
    print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few steps of everything (CI), no timing claims")
    parser.add_argument("--profile", choices=list(WORKLOADS), nargs="?", const="cnn")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=100, help="MLP calls per round (CNN uses a fifth)")
    args = parser.parse_args()
    if args.worker:
        worker_main(*args.worker)
        return
    if args.smoke:
        run_table(rounds=1, calls=10, warmup=1)
        run_memory(steps=8, peak_batch=8)
        run_profile("mlp", steps=2)
        return
    if args.profile:
        run_profile(args.profile, steps=50 if args.profile == "cnn" else 500)
    elif args.memory:
        run_memory(2000)
    else:
        run_table(args.rounds, args.calls, warmup=20)


if __name__ == "__main__":
    main()
