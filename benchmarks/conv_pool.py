"""Forward + backward of one Conv2d(20, 40, 5) and one MaxPool2d(2) layer, ours against PyTorch's.

Run: python benchmarks/conv_pool.py   (needs torch; float32; best of 7 x 20 calls each)

A quick per-layer look. Both frameworks share one process here, so their BLAS/OpenMP threads can slow each
other down; benchmarks/train_step.py times whole models in separate worker processes, which is the
comparison to trust.
"""

import timeit

import numpy as np
import torch

import autograd_lite as al
import nn


def conv_pair(rng):
    x = rng.standard_normal((64, 20, 12, 12)).astype(np.float32)
    ours = nn.Conv2d(20, 40, 5)
    theirs = torch.nn.Conv2d(20, 40, 5)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})

    def ours_step():
        ours(al.tensor(x, requires_grad=True)).sum().backward()

    def torch_step():
        theirs(torch.tensor(x, requires_grad=True)).sum().backward()

    return ours_step, torch_step


def pool_pair(rng):
    x = rng.standard_normal((64, 20, 24, 24)).astype(np.float32)

    def ours_step():
        nn.functional.max_pool2d(al.tensor(x, requires_grad=True), 2).sum().backward()

    def torch_step():
        torch.nn.functional.max_pool2d(torch.tensor(x, requires_grad=True), 2).sum().backward()

    return ours_step, torch_step


def best_ms(fn, calls=20, repeat=7):
    fn()
    return min(timeit.repeat(fn, number=calls, repeat=repeat)) / calls * 1e3


def main():
    rng = np.random.default_rng(0)
    for layer, make in (("conv", conv_pair), ("pool", pool_pair)):
        ours_step, torch_step = make(rng)
        print(f"{layer} ours   fwd+bwd {best_ms(ours_step):.2f} ms")
        print(f"{layer} torch  fwd+bwd {best_ms(torch_step):.2f} ms")


if __name__ == "__main__":
    main()
