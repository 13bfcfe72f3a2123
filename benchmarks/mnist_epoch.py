"""One training epoch of the MNIST example's default CNN, data loading included, against the same loop in
PyTorch with torch.utils.data.DataLoader, side by side in one run; plus what augmentation adds to an epoch.

    python benchmarks/mnist_epoch.py --data ../shared/data/mnist.npz   # about 2 minutes
    python benchmarks/mnist_epoch.py --smoke                           # a few batches, no timing claims

Both sides: the 60,000 training images (the book's 50,000 when --book), batch 64, shuffled, float32 in
[0, 1] normalised by MNIST's mean and std, the example's cnn (dropout 0.5), SGD(lr=0.05, momentum=0.9,
weight_decay=5e-4). Ours reads through ``datasets.MNIST`` and ``DataLoader``; torch's through a
``TensorDataset`` of the same images and its ``DataLoader`` (num_workers=0). Epochs alternate, a short idle
between them; the table gives the median epoch time of each and their ratio.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

import autograd_lite as al
import nn.functional as F
import optim
from autograd_lite import datasets, transforms
from autograd_lite.utils.data import DataLoader, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import mnist as example  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

IDLE = 0.5  # s between epochs: torch's OpenMP threads stop spinning


def our_epoch(train_set, augment=None, limit=None):
    """Seconds for one epoch of ours: loader, forward, loss, backward, update."""
    model = example.cnn(28, 0.5)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    loader = DataLoader(train_set, batch_size=64, shuffle=True)
    start = time.perf_counter()
    for k, (x, y) in enumerate(loader):
        if limit and k >= limit:
            break
        if augment is not None:
            x = augment(x)
        loss = F.cross_entropy(model(example.normalise(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def torch_cnn():
    tnn = torch.nn
    return tnn.Sequential(
        tnn.Sequential(
            tnn.Conv2d(1, 20, 5),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
            tnn.Conv2d(20, 40, 5),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
            tnn.Flatten(),
        ),
        tnn.Dropout(0.5),
        tnn.Linear(640, 100),
        tnn.ReLU(),
        tnn.Dropout(0.5),
        tnn.Linear(100, 10),
    )


def torch_epoch(images, labels, limit=None):
    """Seconds for the same epoch in torch, through torch.utils.data."""
    from torch.utils.data import DataLoader as TorchLoader, TensorDataset

    model = torch_cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    loader = TorchLoader(TensorDataset(torch.from_numpy(images), torch.from_numpy(labels)), batch_size=64, shuffle=True)
    start = time.perf_counter()
    for k, (x, y) in enumerate(loader):
        if limit and k >= limit:
            break
        loss = torch.nn.functional.cross_entropy(model((x - example.MEAN) / example.STD), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def load(path):
    """The training set: real MNIST from ``path``, or random images of its size when there is none."""
    if path and os.path.exists(path):
        return datasets.MNIST(path, train=True), "MNIST"
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8)
    return _from_arrays(data, rng.integers(0, 10, 60_000)), "random images (no MNIST file given)"


def _from_arrays(data, targets):
    return TensorDataset(
        al.tensor((data[:, None] / np.float32(255)).astype(np.float32)), al.tensor(targets.astype(np.int64))
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist.npz"))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--smoke", action="store_true")
    args = p.parse_args()
    train_set, source = load(args.data)
    limit = 5 if args.smoke else None
    images = train_set.__getitems__(np.arange(len(train_set))).columns
    x_all, y_all = np.ascontiguousarray(images[0], dtype=np.float32), np.asarray(images[1], dtype=np.int64)
    al.manual_seed(0)
    affine = transforms.RandomAffine(degrees=10, translate=(0.1, 0.1))
    elastic = transforms.ElasticDistortion(alpha=34.0, sigma=4.0)
    times = {"ours": [], "torch": [], "ours + affine": [], "ours + elastic": []}
    for _ in range(1 if args.smoke else args.rounds):
        times["ours"].append(our_epoch(train_set, limit=limit))
        time.sleep(IDLE)
        if torch is not None:
            torch.manual_seed(0)
            times["torch"].append(torch_epoch(x_all, y_all, limit=limit))
            time.sleep(IDLE)
        times["ours + affine"].append(our_epoch(train_set, affine, limit=limit))
        time.sleep(IDLE)
        times["ours + elastic"].append(our_epoch(train_set, elastic, limit=limit))
        time.sleep(IDLE)
    print(f"one epoch of the MNIST example's cnn, batch 64, {len(train_set):,} images of {source}")
    base = statistics.median(times["ours"])
    for name, values in times.items():
        if not values:
            print(f"{name:16s} (torch is not installed)")
            continue
        med = statistics.median(values)
        note = ""
        if name == "ours" and times["torch"]:
            note = f"ratio to torch {med / statistics.median(times['torch']):.2f}"
        elif name.startswith("ours +"):
            note = f"+{100 * (med / base - 1):.0f}% over ours without augmentation"
        print(f"{name:16s} {med:7.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})  {note}")


if __name__ == "__main__":
    main()
