"""U-Net training-step speed of autograd_lite against PyTorch, measured side by side in one run.

The model is the colorization example's generator (``examples.colorize.UNet``: depth 4, width 32, dropout
0.5; Conv2d, ConvTranspose2d, BatchNorm2d, LeakyReLU/ReLU, Dropout, concatenation, tanh), trained as the
example trains it: one step = forward + L1 loss on ab + backward + Adam(lr=2e-4, betas=(0.5, 0.999)) update,
float32, batch 16, input (16, 1, 64, 64), target (16, 2, 64, 64). When torch is installed the same network is
built in torch with our initial weights (their eval-mode outputs are checked to agree first), and the two
steps are timed in alternating rounds (median over rounds); without torch ours is timed alone.

  python benchmarks/unet_step.py              # the table row (about a minute)
  python benchmarks/unet_step.py --profile    # where our step's time goes, per operation (cProfile)
  python benchmarks/unet_step.py --smoke      # the weight check and a few steps, no timing claims (run by CI)

The last line is machine-readable:
``unet_step: ours 98.1 ms, torch 70.9 ms, ratio 1.38 (batch 16, 64x64)``.
"""

import argparse
import os
import sys

import numpy as np

import autograd_lite as al
import nn.functional as F
import optim

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples.colorize import UNet  # noqa: E402

import _harness as harness  # noqa: E402  (benchmarks/ is the script's directory)

try:
    import torch
except ImportError:
    torch = None

BATCH, SIZE = 16, 64
ADAM = dict(lr=2e-4, betas=(0.5, 0.999))
WARMUP_PER_ROUND = 0.3  # s of untimed steps at the start of each round (caches, clocks and BLAS threads wake up)
OUTPUT_TOLERANCE = 1e-4  # max |ours - torch| of the eval-mode outputs (in (-1, 1)) before timing: float32 agreement


# ---- models ---------------------------------------------------------------------------------------------------


def torch_unet(model):
    """torch's twin of our UNet ``model``: the same layers in the same order (so the state_dict keys map), with
    ``model``'s weights and running statistics copied in."""
    tnn = torch.nn

    def down(conv, norm):
        layers = [tnn.Conv2d(conv.in_channels, conv.out_channels, 4, stride=2, padding=1, bias=conv.bias is not None)]
        if norm is not None:
            layers.append(tnn.BatchNorm2d(conv.out_channels))
        return tnn.Sequential(*layers, tnn.LeakyReLU(0.2))

    def up(block):
        conv, p = block[0], [layer.p for layer in block if type(layer).__name__ == "Dropout"]
        layers = [
            tnn.ConvTranspose2d(conv.in_channels, conv.out_channels, 4, stride=2, padding=1, bias=False),
            tnn.BatchNorm2d(conv.out_channels),
        ]
        return tnn.Sequential(*layers, *[tnn.Dropout(q) for q in p], tnn.ReLU())

    class TorchUNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.downs = tnn.Sequential(
                *[down(block[0], block[1] if len(block) == 3 else None) for block in model.downs]
            )
            self.ups = tnn.Sequential(*[up(block) for block in model.ups])
            self.last = tnn.ConvTranspose2d(model.last.in_channels, model.last.out_channels, 4, stride=2, padding=1)

        def forward(self, x):
            skips = []
            for block in self.downs:
                x = block(x)
                skips.append(x)
            for block, skip in zip(self.ups, reversed(skips[:-1])):
                x = torch.cat([block(x), skip], dim=1)
            return torch.tanh(self.last(x))

    twin = TorchUNet()
    twin.load_state_dict({k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in model.state_dict().items()})
    return twin


class Pair:
    """Our U-Net, loss and Adam and, when torch is installed, torch's with identical weights and data."""

    def __init__(self, seed=0, with_torch=True):
        al.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.model = UNet()
        self.x = rng.uniform(-1.0, 1.0, (BATCH, 1, SIZE, SIZE)).astype(np.float32)
        self.y = (0.3 * rng.standard_normal((BATCH, 2, SIZE, SIZE))).astype(np.float32)
        self.ax, self.ay = al.tensor(self.x), al.tensor(self.y)
        self.torch_model = None
        if torch is not None and with_torch:
            torch.manual_seed(seed)
            self.torch_model = torch_unet(self.model)
            self.tx, self.ty = torch.from_numpy(self.x), torch.from_numpy(self.y)
            self.check_outputs_agree()
            self.torch_optimizer = torch.optim.Adam(self.torch_model.parameters(), **ADAM)
        self.optimizer = optim.Adam(self.model.parameters(), **ADAM)

    def check_outputs_agree(self):
        """Raise unless both networks give the same eval-mode output (dropout off, running statistics) for
        the benchmark's input: the timing compares the same computation."""
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
                f"unet_step: our U-Net and torch's disagree before timing: output shapes "
                f"{ours.shape} and {theirs.shape}, max |difference| {error:.3g} "
                f"(tolerance {OUTPUT_TOLERANCE:g})"
            )
        return error

    def ours_step(self):
        self.optimizer.zero_grad()
        loss = F.l1_loss(self.model(self.ax), self.ay)
        loss.backward()
        self.optimizer.step()
        return loss

    def torch_step(self):
        self.torch_optimizer.zero_grad()
        loss = torch.nn.functional.l1_loss(self.torch_model(self.tx), self.ty)
        loss.backward()
        self.torch_optimizer.step()
        return loss


# ---- timing ---------------------------------------------------------------------------------------------------
# Each framework runs in its own worker process (numpy's OpenBLAS threads and torch's OpenMP threads spin after
# work and would slow each other down in one process); the parent asks them for rounds alternately, so only one
# computes at a time and both see the same machine state.


def worker_main(framework):
    """Serve timing requests of our step or torch's (see _harness.serve)."""
    if framework != "torch":
        sys.modules["torch"] = None
    pair = Pair(with_torch=framework == "torch")
    harness.serve(pair.torch_step if framework == "torch" else pair.ours_step, "ready", WARMUP_PER_ROUND)


def time_alternately(calls, rounds, warmup):
    """Median ms per step of ours and torch's (None without torch), timed in alternating rounds."""
    frameworks = ["ours"] + (["torch"] if torch is not None else [])
    medians = harness.alternate([harness.Worker([__file__, "--worker", f]) for f in frameworks], calls, rounds, warmup)
    return medians[0], (medians[1] if len(medians) > 1 else None)


def run_table(rounds, calls, warmup):
    if torch is None:
        print("torch is not installed: timing ours only (no ratio)")
    else:
        error = Pair().check_outputs_agree()
        print(f"torch {torch.__version__}: same weights, eval-mode outputs agree (max |difference| {error:.2g})")
    print(f"numpy {np.__version__}; {os.cpu_count()} cores; {rounds} rounds of {calls} steps, median")
    header = f"{'workload':40s} {'ours ms':>9s} {'torch ms':>9s} {'ratio':>6s}"
    print(header)
    print("-" * len(header))
    ours_ms, torch_ms = time_alternately(calls, rounds, warmup)
    label = f"unet train step, batch {BATCH}, {SIZE}x{SIZE}"
    if torch_ms is None:
        print(f"{label:40s} {ours_ms:9.1f} {'-':>9s} {'-':>6s}")
        print(f"unet_step: ours {ours_ms:.1f} ms, torch not installed (batch {BATCH}, {SIZE}x{SIZE})")
    else:
        print(f"{label:40s} {ours_ms:9.1f} {torch_ms:9.1f} {ours_ms / torch_ms:6.2f}")
        print(
            f"unet_step: ours {ours_ms:.1f} ms, torch {torch_ms:.1f} ms, ratio {ours_ms / torch_ms:.2f} "
            f"(batch {BATCH}, {SIZE}x{SIZE})"
        )


# ---- profile --------------------------------------------------------------------------------------------------


def run_profile(steps, warmup=3):
    """cProfile our training step: the functions that take the time, and the time per op module."""
    harness.profile(Pair(with_torch=False).ours_step, steps, warmup, "unet", top=30)


def run_smoke():
    """The weight check and a few steps of each side (losses printed), then a short profile; no timing."""
    pair = Pair()
    if pair.torch_model is None:
        print("torch is not installed: our steps only")
    else:
        print(f"eval-mode outputs agree (max |difference| {pair.check_outputs_agree():.2g})")
    for i in range(2):
        line = f"step {i}: ours loss {float(pair.ours_step().item()):.4f}"
        if pair.torch_model is not None:
            line += f", torch loss {float(pair.torch_step().item()):.4f}"
        print(line)
    run_profile(steps=1, warmup=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the weight check and a few steps (CI), no timing")
    parser.add_argument("--profile", action="store_true", help="cProfile our step")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=5, help="steps per round")
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker)
    elif args.smoke:
        run_smoke()
    elif args.profile:
        run_profile(steps=30)
    else:
        run_table(args.rounds, args.calls, warmup=5)


if __name__ == "__main__":
    main()
