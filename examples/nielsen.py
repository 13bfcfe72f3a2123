"""Nielsen's book networks trained twice side by side: by the hand-written numpy reference (the book's
network2.py made matrix-based, ``autograd_lite.reference.Network``) and by the engine (nn + optim), from
the same initial weights and in the same mini-batch order.

    python examples/nielsen.py --run ch1 --data ../shared/data/mnist.npz  # [784, 30, 10], quadratic cost
    python examples/nielsen.py --run ch3                                  # [784, 100, 10], cross-entropy, L2
    python -m examples.nielsen --run ch1 --limit 1000 --epochs 3 --path engine

ch1 is the book's chapter 1 (quadratic cost, N(0, 1) weights and biases, eta = 3.0, mini-batches of 10,
30 epochs: 95.42% at its best epoch); ch3 its chapter 3 (cross-entropy, weights N(0, 1/n_in), eta = 0.5,
lambda = 5.0: about 98%). Data: ``--data PATH`` (an mnist.npz or a directory of IDX files), else MNIST in
the cache directory, else scikit-learn's 8x8 digits. The book's split: the first 50,000 training images
train, the last 10,000 validate (the accuracy printed each epoch), the 10,000 test images give the final
model's test accuracy. The last line printed is ``nielsen ch1: reference 95.31%, engine 95.31%, 412.0 s``
(the best epoch's validation accuracy of each path, and the wall time).

The two paths do the same arithmetic in a different order, so their weights differ by rounding (~1e-14) at
first. ch3 stays there for all 30 epochs (1e-12 at the end). ch1 (eta = 3 on saturated sigmoids) is chaotic
instead: any such difference grows about e-fold every few hundred mini-batches, to ~1e-6 after epoch 1 and
O(1) after epoch 2. Nudging one weight of the reference by one ulp gives the same growth, so from epoch 2
on the two ch1 runs are two different samples of the same training.
"""

import argparse
import os
import sys

import numpy as np

import autograd_lite as al
import nn.functional as F
import optim
from autograd_lite import datasets
from autograd_lite.reference import CrossEntropyCost, Network, QuadraticCost

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import _common as common  # noqa: E402

RUNS = {
    "ch1": dict(
        hidden=30,
        cost="quadratic",
        init="large",
        eta=3.0,
        lmbda=0.0,
        batch_size=10,
        epochs=30,
        book=95.42,
        book_label="book: 95.42% (best epoch, on the test set)",
    ),
    "ch3": dict(
        hidden=100,
        cost="cross-entropy",
        init="scaled",
        eta=0.5,
        lmbda=5.0,
        batch_size=10,
        epochs=30,
        book=98.0,
        book_label="book: about 98%",
    ),
}
COSTS = {"quadratic": QuadraticCost, "cross-entropy": CrossEntropyCost}
INITS = {"large": "weights and biases N(0, 1)", "scaled": "weights N(0, 1/n_in), biases N(0, 1)"}
PIXEL_MAX = {"MNIST": 255.0, "digits": 16.0}
PATHS = ("reference", "engine")


# ---- data ---------------------------------------------------------------------------------------------


def load_data(path):
    """(train, test, name) datasets: ``path``, else the MNIST cache, else the 8x8 digits (saying so)."""
    if path:
        try:
            return datasets.MNIST(path, train=True), datasets.MNIST(path, train=False), "MNIST"
        except (OSError, ValueError) as err:
            sys.exit(f"error: cannot read MNIST from {path}: {err}")
    root = datasets.default_root()
    try:
        return datasets.MNIST(root, train=True), datasets.MNIST(root, train=False), "MNIST"
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as err:
        sys.exit(f"error: cannot read the MNIST cache {root}: {err}")
    print(f"no MNIST given (--data) nor in the cache {root}: using scikit-learn's 8x8 digits instead", flush=True)
    try:
        return datasets.Digits(train=True), datasets.Digits(train=False), "digits"
    except ImportError as err:
        sys.exit(f"error: {err}")


def rows(images, name):
    """Images (N, H, W) as float64 rows (N, H*W) in [0, 1]."""
    return images.reshape(len(images), -1).astype(np.float64) / PIXEL_MAX[name]


def one_hot(labels, classes=10):
    """Labels (N,) as one-hot float64 rows (N, classes)."""
    out = np.zeros((len(labels), classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def prepare(train, test, name, limit):
    """The book's split as arrays: training rows with one-hot targets, validation and test rows with labels;
    ``limit`` keeps the first ``limit`` training and ``limit // 5`` validation images."""
    n = len(train.targets)
    validation_size = 10_000 if n >= 60_000 else max(1, n // 6)
    train_idx, val_idx = np.arange(n - validation_size), np.arange(n - validation_size, n)
    if limit:
        train_idx, val_idx = train_idx[:limit], val_idx[: max(1, limit // 5)]
    return {
        "x": rows(train.data[train_idx], name),
        "y": one_hot(train.targets[train_idx]),
        "x_val": rows(train.data[val_idx], name),
        "labels_val": train.targets[val_idx],
        "x_test": rows(test.data, name),
        "labels_test": test.targets,
        "name": name,
        "shape": train.data.shape[1:],
    }


# ---- the two paths ------------------------------------------------------------------------------------


def build_reference(config, sizes, seed):
    """The book's network, initialised from ``seed``."""
    return Network(sizes, cost=COSTS[config["cost"]], init=config["init"], seed=seed)


def build_engine(config, sizes, seed, n):
    """The same network (same seed, so the same initial weights) as an nn.Sequential in float64, and SGD
    with the book's L2 rule on the weights only: weight_decay = lambda / n."""
    model = build_reference(config, sizes, seed).to_module()
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    optimizer = optim.SGD(
        [{"params": weights, "weight_decay": config["lmbda"] / n}, {"params": biases, "weight_decay": 0.0}],
        lr=config["eta"],
    )
    return model, optimizer


def engine_loss(cost, a, y):
    """The cost summed over the mini-batch and divided by its size (the book's C = (1/m) sum C_x)."""
    if cost == "quadratic":
        return 0.5 * ((a - y) ** 2).sum() / len(y)
    return F.binary_cross_entropy(a, y, reduction="sum") / len(y)


def permutations(seed, n):
    """The per-epoch orders of the reference SGD: one generator, one ``permutation(n)`` per epoch."""
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n)


def batches(n, batch_size, desc):
    """Starts of the mini-batches of an epoch, with a progress bar."""
    return common.progress(range(0, n, batch_size), desc=desc, unit="batch", leave=False)


def reference_epoch(net, data, order, config, desc):
    """One epoch of the reference's update_mini_batch over the columns in ``order``."""
    x, y, n, m = data["x"][order].T, data["y"][order].T, len(order), config["batch_size"]
    for k in batches(n, m, desc):
        net.update_mini_batch(x[:, k : k + m], y[:, k : k + m], config["eta"], config["lmbda"], n)


def engine_epoch(model, optimizer, data, order, config, desc):
    """One epoch of the engine: forward, the book's cost, backward, SGD step, per mini-batch."""
    x, y, n, m = data["x"][order], data["y"][order], len(order), config["batch_size"]
    for k in batches(n, m, desc):
        loss = engine_loss(config["cost"], model(al.tensor(x[k : k + m])), al.tensor(y[k : k + m]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def reference_accuracy(net, x, labels):
    """Percentage of ``labels`` the reference classifies right from rows ``x``."""
    return 100.0 * net.accuracy(x.T, labels) / len(labels)


def engine_accuracy(model, x, labels):
    """Percentage of ``labels`` the engine classifies right from rows ``x``, without a graph."""
    with al.no_grad():
        predicted = model(al.tensor(x)).numpy().argmax(axis=1)
    return 100.0 * float((predicted == labels).mean())


def engine_parameters(model):
    """The engine's weights and biases as the reference holds them: (n_out, n_in) and (n_out, 1)."""
    named = list(model.named_parameters())
    weights = [p.detach().numpy() for name, p in named if name.endswith("weight")]
    return weights, [p.detach().numpy()[:, None] for name, p in named if name.endswith("bias")]


def max_difference(net, model):
    """Largest absolute difference between the two paths' weights and biases."""
    weights, biases = engine_parameters(model)
    pairs = list(zip(net.weights, weights)) + list(zip(net.biases, biases))
    return max(float(np.abs(a - b).max()) for a, b in pairs)


# ---- training -----------------------------------------------------------------------------------------


def train(args, config, data, sizes):
    """Both paths epoch by epoch from the same initial weights and orders; one line per epoch. Returns the
    history, the reference network and the engine model (None for a path not run)."""
    n = len(data["x"])
    net = build_reference(config, sizes, args.seed) if "reference" in args.paths else None
    model, optimizer = build_engine(config, sizes, args.seed, n) if "engine" in args.paths else (None, None)
    history = {"reference": [], "engine": [], "seconds_reference": [], "seconds_engine": [], "difference": []}
    if net is not None and model is not None:
        print(f"initial weights: max |reference - engine| = {max_difference(net, model):.1e}", flush=True)
    steps = {
        "reference": lambda order, desc: reference_epoch(net, data, order, config, desc),
        "engine": lambda order, desc: engine_epoch(model, optimizer, data, order, config, desc),
    }
    scores = {
        "reference": lambda: reference_accuracy(net, data["x_val"], data["labels_val"]),
        "engine": lambda: engine_accuracy(model, data["x_val"], data["labels_val"]),
    }
    orders = permutations(args.seed, n)
    for epoch in range(1, config["epochs"] + 1):
        order = next(orders)
        for path in args.paths:
            watch = common.Stopwatch()
            steps[path](order, f"epoch {epoch}/{config['epochs']} {path}")
            history[path].append(scores[path]())
            history[f"seconds_{path}"].append(watch.elapsed())
        if net is not None and model is not None:
            history["difference"].append(max_difference(net, model))
        print(epoch_line(epoch, args.paths, history), flush=True)
    return history, net, model


def epoch_line(epoch, paths, history):
    """``epoch  3: reference 93.41%  engine 93.41%  |  12.3 s / 15.6 s  |  max |dw| 1.2e-15``."""
    accuracies = "  ".join(f"{p} {history[p][-1]:.2f}%" for p in paths)
    seconds = " / ".join(f"{history[f'seconds_{p}'][-1]:.1f} s" for p in paths)
    line = f"epoch {epoch:2d}: {accuracies}  |  {seconds}"
    if history["difference"]:
        line += f"  |  max |dw| {history['difference'][-1]:.1e}"
    return line


# ---- figure -------------------------------------------------------------------------------------------


def plot(run, config, history, paths, path):
    """Validation accuracy per epoch of each path with the book's figure; the weight difference beside."""
    plt = common.pyplot()
    from matplotlib.ticker import MaxNLocator

    both = bool(history["difference"])
    fig, axes = plt.subplots(1, 2 if both else 1, figsize=(11 if both else 6, 4), squeeze=False)
    left = axes[0, 0]
    epochs = np.arange(1, len(history[paths[0]]) + 1)
    for p, style in zip(paths, ("o-", "x--")):
        left.plot(epochs, history[p], style, label=f"{p} (best {max(history[p]):.2f}%)")
    left.axhline(config["book"], color="gray", linestyle="--", label=config["book_label"])
    left.set(
        xlabel="epoch",
        ylabel="validation accuracy (%)",
        title=f"{run}: [{', '.join(map(str, config['sizes']))}], {config['cost']} cost",
    )
    if both:
        right = axes[0, 1]
        right.semilogy(epochs, np.maximum(history["difference"], 1e-300), "s-")
        right.set(xlabel="epoch", ylabel="max |w_reference - w_engine|", title="How far the two paths drift")
        right.grid(alpha=0.3)
    for ax in axes.ravel():
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.grid(alpha=0.3)
    left.legend()
    return common.save_figure(fig, path)


# ---- main ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=common.DefaultsHelpFormatter)
    p.add_argument(
        "--run",
        choices=sorted(RUNS),
        default="ch1",
        help="ch1: [784, 30, 10] quadratic, eta 3.0; ch3: [784, 100, 10] cross-entropy, eta 0.5, lambda 5.0",
    )
    p.add_argument(
        "--data",
        help="mnist.npz or a directory with the four IDX files (default: the MNIST cache, else the 8x8 digits)",
    )
    p.add_argument("--epochs", type=int, help="default: the run's (30)")
    p.add_argument("--eta", type=float, help="learning rate; default: the run's")
    p.add_argument("--lmbda", type=float, help="L2 regularisation lambda; default: the run's")
    p.add_argument("--batch-size", type=int, help="mini-batch size; default: the run's (10)")
    p.add_argument(
        "--limit", type=int, default=0, help="use only the first N training and N // 5 validation images (0: all)"
    )
    p.add_argument("--seed", type=int, default=0, help="seeds the initial weights and the mini-batch order")
    p.add_argument("--out", default="runs/nielsen", help="directory for the figure")
    p.add_argument("--no-plots", action="store_true", help="skip the figure")
    p.add_argument("--path", choices=("reference", "engine", "both"), default="both", help="which to train")
    args = p.parse_args(argv)
    for name, low in (("epochs", 1), ("batch_size", 1), ("limit", 0)):
        value = getattr(args, name)
        if value is not None and value < low:
            p.error(f"--{name.replace('_', '-')} must be at least {low}")
    if args.eta is not None and not args.eta > 0:
        p.error("--eta must be positive")
    if args.lmbda is not None and not args.lmbda >= 0:
        p.error("--lmbda must be at least 0")
    args.paths = PATHS if args.path == "both" else (args.path,)
    return args


def configure(args, shape):
    """The run's settings with the flags that override them; the input layer sized to the images."""
    config = dict(RUNS[args.run])
    for key in ("epochs", "eta", "lmbda", "batch_size"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    config["sizes"] = [int(np.prod(shape)), config["hidden"], 10]
    return config


def describe(args, config, data):
    """The lines saying what is trained, on what, and which set the per-epoch accuracy is measured on."""
    print(
        f"{args.run}: {config['sizes']}, {config['cost']} cost, sigmoid, init {config['init']!r} "
        f"({INITS[config['init']]}), eta = {config['eta']}, lambda = {config['lmbda']}, mini-batch "
        f"{config['batch_size']}, {config['epochs']} epochs, seed {args.seed}; paths: {', '.join(args.paths)}"
    )
    height, width = data["shape"]
    print(
        f"data: {data['name']}, {len(data['x'])} training, {len(data['x_val'])} validation, "
        f"{len(data['x_test'])} test images of {height}x{width}; the accuracy per epoch is on the validation "
        f"set (the book's chapter 1 printed the test set's), the final model's test accuracy is at the end",
        flush=True,
    )


def summarize(args, history, net, model, data, watch):
    """The closing lines: seconds per epoch, test accuracies, final weight difference, the result line."""
    per_epoch = {p: float(np.mean(history[f"seconds_{p}"])) for p in args.paths}
    line = ", ".join(f"{p} {per_epoch[p]:.1f} s" for p in args.paths)
    if len(args.paths) == 2:
        line += f" (engine / reference {per_epoch['engine'] / per_epoch['reference']:.2f})"
    print(f"seconds per epoch: {line}")
    tests = {
        "reference": lambda: reference_accuracy(net, data["x_test"], data["labels_test"]),
        "engine": lambda: engine_accuracy(model, data["x_test"], data["labels_test"]),
    }
    test = {p: tests[p]() for p in args.paths}
    print(
        f"test accuracy of the final model ({len(data['labels_test'])} test images): "
        + ", ".join(f"{p} {test[p]:.2f}%" for p in args.paths)
    )
    if net is not None and model is not None:
        print(f"final weights: max |reference - engine| = {max_difference(net, model):.1e}")
    best = ", ".join(f"{p} {max(history[p]):.2f}%" for p in args.paths)
    print(f"nielsen {args.run}: {best}, {watch.elapsed():.1f} s", flush=True)
    return test


def run(args):
    """Train the run through the chosen paths and report; returns the history, test accuracies and the
    trained reference network and engine model."""
    watch = common.Stopwatch()
    data = prepare(*load_data(args.data), args.limit)
    config = configure(args, data["shape"])
    describe(args, config, data)
    history, net, model = train(args, config, data, config["sizes"])
    if not args.no_plots:
        figure = plot(args.run, config, history, args.paths, os.path.join(args.out, f"nielsen_{args.run}.png"))
        print(f"figure: {figure}")
    test = summarize(args, history, net, model, data, watch)
    return {"history": history, "test": test, "reference": net, "engine": model, "data": data, "config": config}


def main(argv=None):
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
