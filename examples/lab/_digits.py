"""The digits data of the lab's MNIST experiments (``initialization``, ``vanishing``): flags, loading, batches.

``--data PATH`` (an mnist.npz or a directory of IDX files), else MNIST in the cache directory, else
scikit-learn's 8x8 digits, through ``examples.nielsen.load_data`` and ``prepare`` (the book's split: the
last 10,000 training images validate). The experiment trains on the first ``--train-size`` training images.
"""

import numpy as np

import autograd_lite as al
from examples import nielsen


def add_arguments(parser, train_size, epochs, quick):
    """``--data``, ``--train-size`` and ``--epochs`` with the experiment's defaults (``quick``: the --quick
    values, said in the help)."""
    parser.add_argument(
        "--data",
        default=None,
        help="an mnist.npz or a directory of IDX files (default: the MNIST cache, else scikit-learn's 8x8 digits)",
    )
    parser.add_argument(
        "--train-size",
        type=int,
        default=train_size,
        help=f"training images used (the first ones; --quick: {quick['train_size']})",
    )
    parser.add_argument("--epochs", type=int, default=epochs, help=f"training epochs (--quick: {quick['epochs']})")


def settings(args, quick):
    """(train_size, epochs) from the flags, with the --quick values; exits on values that are not positive."""
    for flag in ("train_size", "epochs"):
        if getattr(args, flag) < 1:
            raise SystemExit(f"error: --{flag.replace('_', '-')} must be at least 1, got {getattr(args, flag)}")
    if args.quick:
        return min(args.train_size, quick["train_size"]), min(args.epochs, quick["epochs"])
    return args.train_size, args.epochs


def load(path, train_size, validation_size=None):
    """The first ``train_size`` training images as float32 rows in [0, 1] with one-hot targets and labels,
    and the validation rows with labels (the first ``validation_size`` of them if given)."""
    train, test, name = nielsen.load_data(path)
    data = nielsen.prepare(train, test, name, limit=0)
    n = min(train_size, len(data["x"]))
    if n < train_size:
        print(f"only {n} {name} training images: training on all of them", flush=True)
    keep = slice(None) if validation_size is None else slice(validation_size)
    return {
        "x": data["x"][:n].astype(np.float32),
        "y": data["y"][:n].astype(np.float32),
        "labels": data["y"][:n].argmax(axis=1),
        "x_val": data["x_val"][keep].astype(np.float32),
        "labels_val": data["labels_val"][keep],
        "name": name,
    }


def epoch_batches(n, batch_size, rng):
    """Index arrays of the mini-batches of one epoch in a random order drawn from ``rng`` (numpy)."""
    order = rng.permutation(n)
    return [order[k : k + batch_size] for k in range(0, n, batch_size)]


def accuracy(model, x, labels):
    """Percentage of ``labels`` the model classifies right from rows ``x``, without a graph."""
    with al.no_grad():
        predicted = model(al.tensor(x)).numpy().argmax(axis=1)
    return 100.0 * float((predicted == labels).mean())
