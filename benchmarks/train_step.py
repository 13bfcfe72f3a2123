"""Training-step and inference speed of autograd_lite against PyTorch, measured side by side in one run.

Workloads (float32; one step = forward + loss + backward + SGD update):
  mlp      Linear(784,100)-Sigmoid-Linear(100,10), cross-entropy, SGD(lr=0.1), batch 64
  cnn      Conv2d(1,20,5)-ReLU-MaxPool2-Conv2d(20,40,5)-ReLU-MaxPool2-Flatten-Linear(640,100)-ReLU-Linear(100,10),
           cross-entropy, SGD(lr=0.01, momentum=0.9), batch 64
  nielsen  Nielsen's chapter-1 network [784, 30, 10]: Linear-Sigmoid-Linear-Sigmoid, the book's quadratic cost
           0.5 * ((a - y) ** 2).sum() / batch on one-hot targets, SGD(lr=3.0), batch 10 (training only)
  resnet   the MNIST example's ResNet (examples.mnist.resnet(28, 0.0): BatchNorm, residual blocks of 16, 32
           and 64 channels), in train mode, cross-entropy, SGD(lr=0.1, momentum=0.9, weight_decay=5e-4) as
           the example trains it, batch 64 of 1x28x28; torch's twin has the same layers (its eval-mode
           output is checked to agree with ours before timing)
plus inference of mlp, cnn and resnet (eval mode) under no_grad at batch 1,000. When the framework has
``al.compile``, the mlp and nielsen steps are also timed with the forward and loss compiled (rows marked
``(al.compile)``, against torch's eager step); without it those rows are skipped. When torch is installed
the same models with the same weights and data are timed alternately with ours (median over rounds), and the
table shows the ratio.

  python benchmarks/train_step.py                      # the table (a few minutes)
  python benchmarks/train_step.py --only mlp,nielsen   # some of the workloads (quick A/B measurements)
  python benchmarks/train_step.py --profile            # where our step's time goes, per operation (cProfile)
  python benchmarks/train_step.py --memory             # resident memory over 2,000 CNN steps, peak at batch 256
  python benchmarks/train_step.py --smoke              # a few steps of everything, no timing claims (run by CI)

The last line is machine-readable, ours/torch per row (NAME_train, NAME_inference, NAME_compiled):
``train_step: mlp_train=1.13 mlp_inference=1.28 cnn_train=1.20 cnn_inference=0.85 nielsen_train=0.95
resnet_train=2.60 resnet_inference=2.30`` on one line (``train_step: torch not installed; ours ms
mlp_train=0.512 ...`` without torch).
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


def _torch_wanted(argv):
    """False in a worker of ours or of plain numpy: torch stays out of its process (its import takes a second,
    and its thread pools would share the process with the framework timed)."""
    return not (len(argv) > 2 and argv[1] == "--worker" and argv[2] != "torch")


torch = None
if _torch_wanted(sys.argv):
    try:
        import torch
    except ImportError:
        torch = None

BATCH = 64
INFERENCE_BATCH = 1000
WARMUP_PER_ROUND = 0.1  # s of untimed calls at the start of each round (caches, clocks and BLAS threads wake up)
OUTPUT_TOLERANCE = 1e-4  # max |ours - torch| of the ResNet's eval-mode logits before timing: float32 agreement
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def build_nielsen(lib):
    """Nielsen's chapter-1 network [784, 30, 10]: sigmoid neurons in both layers."""
    return lib.Sequential(lib.Linear(784, 30), lib.Sigmoid(), lib.Linear(30, 10), lib.Sigmoid())


def build_resnet(lib):
    """The MNIST example's ResNet for 28x28 digits: ours from examples/mnist.py, torch's a twin of it."""
    if lib is nn:
        if ROOT not in sys.path:  # appended, not prepended: compare_revisions.py's checkouts stay first
            sys.path.append(ROOT)
        from examples.mnist import resnet

        return resnet(28, 0.0)
    return torch_resnet()


def torch_resnet():
    """torch's twin of ``examples.mnist.resnet(28, 0.0)``: the same layers in the same order, so the state_dict
    keys map one to one."""
    tnn = torch.nn

    class ResidualBlock(tnn.Module):
        """examples/mnist.py's ResidualBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""

        def __init__(self, in_channels, out_channels, stride=1):
            super().__init__()
            self.conv1 = tnn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
            self.bn1 = tnn.BatchNorm2d(out_channels)
            self.conv2 = tnn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
            self.bn2 = tnn.BatchNorm2d(out_channels)
            self.shortcut = tnn.Identity()
            if stride != 1 or in_channels != out_channels:
                self.shortcut = tnn.Sequential(
                    tnn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), tnn.BatchNorm2d(out_channels)
                )

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    return tnn.Sequential(
        tnn.Conv2d(1, 16, 3, padding=1, bias=False),
        tnn.BatchNorm2d(16),
        tnn.ReLU(),
        ResidualBlock(16, 16),
        ResidualBlock(16, 32, stride=2),
        ResidualBlock(32, 64, stride=2),
        tnn.AdaptiveAvgPool2d(1),
        tnn.Flatten(),
        tnn.Dropout(0.0),
        tnn.Linear(64, 10),
    )


def quadratic_cost(a, y):
    """The book's quadratic cost, written with tensor operations as one would in torch (works in both)."""
    return 0.5 * ((a - y) ** 2).sum() / a.shape[0]


# Per workload: the table's name, model builder, input shape of one sample, training batch, loss ("cross_entropy"
# on class labels or "quadratic" on one-hot targets), SGD's arguments, the rows timed (train and inference steps;
# "compiled" = the train step with al.compile, when the framework has it), and the share of --calls per round
# (train, inference) (the larger models' steps are slower: they get calls // divisor).
WORKLOADS = {
    "mlp": dict(
        title="mlp",
        build=build_mlp,
        shape=(784,),
        batch=BATCH,
        loss="cross_entropy",
        optimizer=dict(lr=0.1),
        modes=("train", "inference", "compiled"),
        divisor=(1, 1),
    ),
    "cnn": dict(
        title="cnn",
        build=build_cnn,
        shape=(1, 28, 28),
        batch=BATCH,
        loss="cross_entropy",
        optimizer=dict(lr=0.01, momentum=0.9),
        modes=("train", "inference"),
        divisor=(5, 5),
    ),
    "nielsen": dict(
        title="nielsen [784,30,10]",
        build=build_nielsen,
        shape=(784,),
        batch=10,
        loss="quadratic",
        optimizer=dict(lr=3.0),
        modes=("train", "compiled"),
        divisor=(1, 1),
    ),
    "resnet": dict(
        title="resnet",
        build=build_resnet,
        shape=(1, 28, 28),
        batch=BATCH,
        loss="cross_entropy",
        optimizer=dict(lr=0.1, momentum=0.9, weight_decay=5e-4),
        modes=("train", "inference"),
        divisor=(50, 100),
    ),
}


def flops_per_sample(model, shape):
    """Multiply-adds x 2 of the forward pass of the Linear and Conv2d layers for one sample (counted with
    forward hooks on an eval-mode forward, so any architecture is counted, and no running statistic moves)."""
    if not hasattr(model, "register_forward_hook"):  # an old checkout (compare_revisions.py): no FLOPs needed
        return 0
    counts = []

    def count(layer, args, out):
        if isinstance(layer, nn.Conv2d):
            per_output = layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
            counts.append(2 * per_output * int(np.prod(out.shape[1:])))
        else:
            counts.append(2 * layer.in_features * layer.out_features)

    handles = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    training = model.training
    model.eval()
    with al.no_grad():
        model(al.zeros(1, *shape))
    model.train(training)
    for handle in handles:
        handle.remove()
    return sum(counts)


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
        if spec["loss"] == "quadratic":
            self.y = np.eye(10, dtype=np.float32)[self.y]
        self.flops_per_sample = flops_per_sample(self.model, spec["shape"])
        self.loss = nn.CrossEntropyLoss() if spec["loss"] == "cross_entropy" else quadratic_cost
        self.ax, self.ay = al.tensor(self.x), al.tensor(self.y)
        self.torch_model = None
        if torch is not None and with_torch:
            torch.manual_seed(seed)
            self.torch_model = spec["build"](torch.nn)
            self.torch_model.load_state_dict(torch_state(self.model, self.torch_model))
            self.torch_optimizer = torch.optim.SGD(self.torch_model.parameters(), **spec["optimizer"])
            self.tx, self.ty = torch.from_numpy(self.x), torch.from_numpy(self.y)
            self.torch_loss = torch.nn.CrossEntropyLoss() if spec["loss"] == "cross_entropy" else quadratic_cost

    def check_outputs_agree(self):
        """Raise unless both models give the same eval-mode output (running statistics) for the benchmark's
        input: the timing compares the same computation."""
        self.model.eval()
        self.torch_model.eval()
        with al.no_grad():
            ours = self.model(self.ax).numpy()
        with torch.no_grad():
            theirs = self.torch_model(self.tx).numpy()
        self.model.train()
        self.torch_model.train()
        error = float(np.max(np.abs(ours - theirs)))
        if ours.shape != theirs.shape or not error <= OUTPUT_TOLERANCE:
            raise SystemExit(
                f"train_step: our model and torch's disagree before timing: output shapes {ours.shape} and "
                f"{theirs.shape}, max |difference| {error:.3g} (tolerance {OUTPUT_TOLERANCE:g})"
            )
        return error

    def ours_step(self):
        self.optimizer.zero_grad()
        loss = self.loss(self.model(self.ax), self.ay)
        loss.backward()
        self.optimizer.step()
        return loss

    def ours_compiled_step(self):
        """Our training step with the forward and loss compiled by ``al.compile``; its two recording calls run
        here, and the row stops with the reason if the step would not replay (it would time eager code)."""
        compiled = al.compile(lambda x, y: self.loss(self.model(x), y))

        def step():
            self.optimizer.zero_grad()
            loss = compiled(self.ax, self.ay)
            loss.backward()
            self.optimizer.step()
            return loss

        for _ in range(3):
            loss = step()
        if loss.grad_fn is None or loss.grad_fn.name() != "CompiledBackward0":
            reason = compiled.eager_reason(self.ax, self.ay)
            raise SystemExit(f"train_step: the al.compile step does not replay ({reason}); nothing to time")
        return step

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


def torch_state(model, torch_model):
    """Our ``model``'s state_dict (weights and BatchNorm running statistics) as torch tensors, after checking
    that its keys are exactly those of ``torch_model``."""
    ours, theirs = model.state_dict(), torch_model.state_dict()
    if list(ours) != list(theirs):
        raise SystemExit(
            f"train_step: state_dict keys differ: ours only {sorted(set(ours) - set(theirs))}, "
            f"torch only {sorted(set(theirs) - set(ours))}"
        )
    return {k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in ours.items()}


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


def step_function(pair, framework, mode):
    """The function a worker times: ``mode`` is train, inference or compiled (ours compiled; torch's eager step)."""
    if framework == "numpy":
        return numpy_mlp_step(pair)
    if framework == "torch":
        return pair.torch_inference if mode == "inference" else pair.torch_step
    if mode == "compiled":
        return pair.ours_compiled_step()
    return pair.ours_inference if mode == "inference" else pair.ours_step


def worker_main(framework, name, mode, batch=None):
    """Serve timing requests (see _harness.serve); the greeting is the model's FLOPs per sample. ``batch``
    defaults to the workload's (its training batch, or INFERENCE_BATCH for inference)."""
    if framework != "torch":
        sys.modules["torch"] = None
    if batch is None:
        batch = INFERENCE_BATCH if mode == "inference" else WORKLOADS[name]["batch"]
    pair = Pair(name, int(batch), with_torch=framework == "torch")
    if mode == "inference":
        pair.model.eval()
        if pair.torch_model is not None:
            pair.torch_model.eval()
    harness.serve(step_function(pair, framework, mode), pair.flops_per_sample, WARMUP_PER_ROUND)


def time_alternately(name, mode, calls, rounds, warmup, batch=None):
    """Median ms per call of ours, torch's (None without torch) and the hand-written numpy MLP step's (None
    for other rows), timed in alternating rounds, and the FLOPs per sample of the model's forward pass."""
    frameworks = (
        ["ours"] + (["torch"] if torch is not None else []) + (["numpy"] if (name, mode) == ("mlp", "train") else [])
    )
    extra = [] if batch is None else ["--batch", str(batch)]
    workers = [harness.Worker([__file__, "--worker", f, name, mode] + extra) for f in frameworks]
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


def rows_to_time(names):
    """(name, mode, label, batch) of each table row of the workloads ``names``; the al.compile rows only when the
    framework has ``al.compile``."""
    rows = []
    for name in names:
        spec = WORKLOADS[name]
        for mode in spec["modes"]:
            if mode == "compiled" and not hasattr(al, "compile"):
                continue
            batch = INFERENCE_BATCH if mode == "inference" else spec["batch"]
            what = {"train": "train step", "inference": "inference", "compiled": "train step (al.compile)"}[mode]
            rows.append((name, mode, f"{spec['title']} {what}, batch {batch}", batch))
    return rows


def check_twins(names):
    """For the workloads whose torch twin is written by hand (resnet), check that the eval-mode outputs agree."""
    if torch is None or "resnet" not in names:
        return
    error = Pair("resnet", BATCH).check_outputs_agree()
    print(f"resnet: same weights in torch's twin, eval-mode outputs agree (max |difference| {error:.2g})")


def run_table(rounds, calls, warmup, names=tuple(WORKLOADS)):
    """Time each row of the workloads ``names`` (``calls`` per round for the MLP, fewer for the larger models;
    at most ``warmup`` untimed calls first), print the table and the machine-readable last line."""
    gemm = gemm_gflops()
    print(
        f"numpy {np.__version__}, float32 GEMM (512x512) {gemm:.1f} GFLOP/s; "
        f"torch {torch.__version__ if torch else 'not installed'}; {os.cpu_count()} cores"
    )
    if not hasattr(al, "compile"):
        print("autograd_lite has no al.compile: the (al.compile) rows are skipped")
    check_twins(names)
    header = (
        f"{'workload':54s} {'ours ms':>9s} {'torch ms':>9s} {'ratio':>6s} {'ours GFLOP/s':>13s} "
        f"{'numpy by hand ms':>17s}"
    )
    print(header)
    print("-" * len(header))
    results = []
    for name, mode, label, batch in rows_to_time(names):
        n = max(1, calls // WORKLOADS[name]["divisor"][mode == "inference"])
        ours_ms, torch_ms, numpy_ms, flops = time_alternately(name, mode, n, rounds, min(warmup, n))
        flops *= batch * (1 if mode == "inference" else 3)
        ratio = f"{ours_ms / torch_ms:6.2f}" if torch_ms else "     -"
        their = f"{torch_ms:9.3f}" if torch_ms else "        -"
        by_hand = f"{numpy_ms:17.3f}" if numpy_ms else f"{'-':>17s}"
        print(f"{label:54s} {ours_ms:9.3f} {their} {ratio} {flops / ours_ms / 1e6:13.1f} {by_hand}", flush=True)
        results.append((f"{name}_{mode}", ours_ms, torch_ms))
    print(summary_line(results))
    return results


def summary_line(results):
    """The machine-readable last line: ours/torch per row, or our ms per row without torch."""
    if torch is None:
        return "train_step: torch not installed; ours ms " + " ".join(f"{key}={ours:.3f}" for key, ours, _ in results)
    return "train_step: " + " ".join(f"{key}={ours / theirs:.2f}" for key, ours, theirs in results)


# ---- profile --------------------------------------------------------------------------------------------------


def run_profile(name, steps):
    """cProfile our training step: the functions that take the time, and the time per op module."""
    harness.profile(Pair(name, WORKLOADS[name]["batch"], with_torch=False).ours_step, steps, 5, name, top=25)


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


def workload_names(text):
    """The workloads of ``--only`` (comma-separated names), checked against WORKLOADS."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown workload(s) {unknown}; choose from {', '.join(WORKLOADS)}")
    return tuple(names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few steps of everything (CI), no timing claims")
    parser.add_argument("--profile", choices=list(WORKLOADS), nargs="?", const="cnn")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--only", type=workload_names, default=tuple(WORKLOADS), help="e.g. mlp,nielsen")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)  # a worker's batch (benchmarks/scaling.py)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--calls", type=int, default=100, help="MLP calls per round (the CNN uses a fifth, the ResNet a fiftieth)"
    )
    args = parser.parse_args()
    if args.worker:
        worker_main(*args.worker, batch=args.batch)
        return
    if args.smoke:
        run_table(rounds=1, calls=10, warmup=0, names=args.only)
        run_memory(steps=8, peak_batch=8)
        run_profile("mlp", steps=2)
        return
    if args.profile:
        run_profile(args.profile, steps={"cnn": 50, "resnet": 10}.get(args.profile, 500))
    elif args.memory:
        run_memory(2000)
    else:
        run_table(args.rounds, args.calls, warmup=20, names=args.only)


if __name__ == "__main__":
    main()
