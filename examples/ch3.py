"""Chapter 3 of Nielsen's book on real MNIST, trained by the engine (nn + optim): overfitting, L2
regularisation, and more training data.

    python examples/ch3.py overfitting --data ../shared/data/mnist.npz     # the book: peak test accuracy 82.27%
    python examples/ch3.py regularization --data ../shared/data/mnist.npz  # lambda = 0.1: the book's 87.1%
    python examples/ch3.py more-data --data ../shared/data/mnist.npz       # accuracy against training-set size
    python examples/ch3.py overfitting --quick                             # a tiny run (CI smoke-runs these)

All three train the book's [784, 30, 10] sigmoid network with the cross-entropy cost, the "large" N(0, 1)
initialisation of weights and biases (``network2.large_weight_initializer``), eta = 0.5 and mini-batches of
10. The L2 rule is the book's w -> (1 - eta lambda / n) w on the weights only: ``optim.SGD``'s weight_decay
lambda / n on the weights' parameter group.

``overfitting`` trains on the first 1,000 training images for 400 epochs and monitors, each epoch, the four
quantities of the book's figures: training cost, test cost (the book's ``total_cost``: the mean cross-entropy
plus (lambda / 2 N) sum w^2 over the N images evaluated), training accuracy and test accuracy (10,000 test
images). ``regularization`` is the same with lambda = 0.1. Their last lines read
``ch3 overfitting: peak test accuracy 82.27% at epoch 280 (book 82.27%), final training accuracy 100.00%, 21.5 s``.

``more-data`` is the book's ``more_data.py``: for each training-set size n (100 ... 50,000) a fresh network
trains on the first n images for 1,500,000 / n epochs (the same 150,000 SGD steps for every n) with lambda =
n / 10,000, and is scored on the 10,000 validation images (and the test images). Then the same on the
expanded data: each image with its four one-pixel shifts (the book's ``expand_mnist.py``) and its rotations
by +-15 degrees, 7 n images, trained for the same number of steps with the same lambda / n. Its last line
reads ``ch3 more-data: test accuracy at 50000 images 96.40% (book 96.49%), expanded 97.10%, 612.3 s``.

Data: ``--data PATH`` (an mnist.npz or a directory of IDX files), else MNIST in the cache directory, else
scikit-learn's 8x8 digits (saying so). Checkpoints: every ``--checkpoint-every`` epochs (``overfitting``,
``regularization``) or after each finished training-set size (``more-data``), into ``--out``; ``--resume``
continues from them, and Ctrl-C or SIGTERM stops cleanly.
"""

import argparse
import os
import signal
import sys

import numpy as np

import autograd_lite as al
import nn
import nn.functional as F
import optim
from autograd_lite import transforms

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import _common as common  # noqa: E402
from examples import nielsen  # noqa: E402

HIDDEN, ETA, BATCH_SIZE = 30, 0.5, 10
RUNS = {
    "overfitting": dict(train_size=1000, epochs=400, lmbda=0.0, book=82.27),
    "regularization": dict(train_size=1000, epochs=400, lmbda=0.1, book=87.1),
}
MORE_DATA_SIZES = (100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
MORE_DATA_SAMPLES = 1_500_000  # the book: 1,500,000 / n epochs, so every size gets the same SGD steps
MORE_DATA_LAMBDA_PER_IMAGE = 1e-4  # the book: lambda = n * 0.0001
MORE_DATA_BOOK = (50000, 96.49)  # the book's chapter-3 run with these settings on all 50,000 images
ROTATIONS = (-15.0, 15.0)
QUICK = dict(train_size=200, epochs=4, test_size=500, sizes=(50, 100, 200), samples=2000)


# ---- the network and its training -------------------------------------------------------------------


def build(inputs, seed):
    """The book's [inputs, 30, 10] network with sigmoid neurons, initialised N(0, 1) (weights and biases).
    The output sigmoid lives in the cost (binary cross-entropy on the logits), which is the book's
    cross-entropy cost with its delta a - y, computed without overflow."""
    al.manual_seed(seed)
    model = nn.Sequential(nn.Linear(inputs, HIDDEN), nn.Sigmoid(), nn.Linear(HIDDEN, 10))
    with al.no_grad():
        for parameter in model.parameters():
            nn.init.normal_(parameter, 0.0, 1.0)
    return model


def book_sgd(model, lmbda, n):
    """SGD with the book's L2 rule: weight decay lambda / n on the weights, none on the biases."""
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    groups = [{"params": weights, "weight_decay": lmbda / n}, {"params": biases, "weight_decay": 0.0}]
    return optim.SGD(groups, lr=ETA)


def train_epoch(model, optimizer, x, y, bar=None, batches=None):
    """One epoch (or its first ``batches`` mini-batches) of SGD in a fresh random order: the cross-entropy
    cost summed over the outputs and averaged over the mini-batch (the book's C = (1/m) sum_x C_x)."""
    order = al.randperm(len(x)).numpy()
    stop = len(x) if batches is None else min(len(x), batches * BATCH_SIZE)
    for k in range(0, stop, BATCH_SIZE):
        batch = order[k : k + BATCH_SIZE]
        logits = model(al.tensor(x[batch]))
        loss = F.binary_cross_entropy_with_logits(logits, al.tensor(y[batch]), reduction="sum") / len(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if bar is not None:
            bar.update(1)


def logits_of(model, x):
    """The network's output logits for rows ``x`` as a float64 array, without a graph."""
    with al.no_grad():
        return model(al.tensor(x)).numpy().astype(np.float64)


def total_cost(model, x, labels, lmbda):
    """The book's ``total_cost``: the mean over the images of the cross-entropy summed over the 10 outputs,
    plus (lambda / 2 N) times the sum of the squared weights, N the number of images evaluated."""
    z = logits_of(model, x)
    targets = np.eye(10)[labels]
    cross_entropy = np.logaddexp(0.0, -z) * targets + np.logaddexp(0.0, z) * (1.0 - targets)
    squares = sum(float((p.detach().numpy().astype(np.float64) ** 2).sum()) for p in weights_of(model))
    return float(cross_entropy.sum(axis=1).mean()) + 0.5 * lmbda / len(labels) * squares


def weights_of(model):
    """The weight matrices (not the biases), which the L2 term penalises."""
    return [p for name, p in model.named_parameters() if name.endswith("weight")]


def accuracy(model, x, labels):
    """Percentage of ``labels`` classified right from rows ``x``."""
    return 100.0 * float((logits_of(model, x).argmax(axis=1) == labels).mean())


# ---- data ---------------------------------------------------------------------------------------------


def load(args):
    """The book's split as float32 rows: training rows with one-hot targets and labels, validation and
    test rows with labels (``--quick`` keeps a few hundred test and validation images)."""
    data = nielsen.prepare(*nielsen.load_data(args.data), limit=0)
    data["labels"] = data["y"].argmax(axis=1)
    for key in ("x", "y", "x_val", "x_test"):
        data[key] = data[key].astype(np.float32)
    if args.quick:
        for key in ("x_val", "labels_val", "x_test", "labels_test"):
            data[key] = data[key][: QUICK["test_size"]]
    return data


def expand(rows, labels, shape):
    """The expanded training set: each image, its four one-pixel shifts (up, down, left, right; the book's
    ``expand_mnist.py``) and its rotations by +-15 degrees, as rows with their labels repeated (7 n)."""
    images = rows.reshape(-1, *shape)
    variants = [images]
    for axis, step in ((1, -1), (1, 1), (2, -1), (2, 1)):
        variants.append(shift(images, axis, step))
    for angle in ROTATIONS:
        variants.append(transforms.affine(images[:, None], angle=angle)[:, 0])
    expanded = np.concatenate(variants).reshape(len(variants) * len(rows), -1).astype(np.float32)
    return expanded, np.tile(labels, len(variants))


def shift(images, axis, step):
    """Images moved by one pixel along ``axis`` (1: rows, 2: columns), the pixels that enter set to 0."""
    out = np.roll(images, step, axis=axis)
    edge = 0 if step > 0 else -1
    index = [slice(None)] * 3
    index[axis] = edge
    out[tuple(index)] = 0.0
    return out


# ---- overfitting and regularisation -------------------------------------------------------------------


HISTORY_KEYS = ("training_cost", "test_cost", "training_accuracy", "test_accuracy")


def monitor(model, train, test, lmbda, history):
    """Append the epoch's four monitored quantities to ``history``."""
    history["training_cost"].append(total_cost(model, train["x"], train["labels"], lmbda))
    history["test_cost"].append(total_cost(model, test["x"], test["labels"], lmbda))
    history["training_accuracy"].append(accuracy(model, train["x"], train["labels"]))
    history["test_accuracy"].append(accuracy(model, test["x"], test["labels"]))


def epoch_line(epoch, history):
    """``epoch  20: training cost 0.1234 accuracy 95.40% | test cost 1.2345 accuracy 80.12%``."""
    return (
        f"epoch {epoch:3d}: training cost {history['training_cost'][-1]:.4f} accuracy "
        f"{history['training_accuracy'][-1]:.2f}% | test cost {history['test_cost'][-1]:.4f} accuracy "
        f"{history['test_accuracy'][-1]:.2f}%"
    )


def overfitting_config(args, data):
    """The settings of an overfitting or regularization run (the flags applied); a resume must match."""
    run = RUNS[args.experiment]
    return {
        "experiment": args.experiment,
        "train_size": min(
            args.train_size or (QUICK["train_size"] if args.quick else run["train_size"]), len(data["x"])
        ),
        "epochs": args.epochs or (QUICK["epochs"] if args.quick else run["epochs"]),
        "lmbda": run["lmbda"] if args.lmbda is None else args.lmbda,
        "seed": args.seed,
        "dataset": data["name"],
        "test_size": len(data["labels_test"]),
    }


def run_overfitting(args, data):
    """Train on the first images for many epochs, monitoring the four quantities; returns the history."""
    config = overfitting_config(args, data)
    n = config["train_size"]
    train = {"x": data["x"][:n], "y": data["y"][:n], "labels": data["labels"][:n]}
    test = {"x": data["x_test"], "labels": data["labels_test"]}
    model = build(train["x"].shape[1], args.seed)
    optimizer = book_sgd(model, config["lmbda"], n)
    checkpoint = os.path.join(args.out, f"{args.experiment}.ckpt")
    state = {"epoch": 0, "seconds": 0.0, "history": {k: [] for k in HISTORY_KEYS}}
    if args.resume:
        state = common.resume(checkpoint, config, HISTORY_KEYS, model, optimizer)
    print(
        f"ch3 {args.experiment}: [{train['x'].shape[1]}, {HIDDEN}, 10], cross-entropy, N(0, 1) init, eta = {ETA}, "
        f"mini-batch {BATCH_SIZE}, lambda = {config['lmbda']}, {config['epochs']} epochs on the first {n} "
        f"{data['name']} training images; test set {len(test['labels'])} images; seed {args.seed}",
        flush=True,
    )
    history, watch = state["history"], common.Stopwatch(state.get("seconds", 0.0))
    bar = common.progress(None, total=config["epochs"], initial=state["epoch"], desc=args.experiment, unit="epoch")
    with bar:
        for epoch in range(state["epoch"] + 1, config["epochs"] + 1):
            train_epoch(model, optimizer, train["x"], train["y"])
            monitor(model, train, test, config["lmbda"], history)
            bar.update(1)
            bar.set_postfix(test=f"{history['test_accuracy'][-1]:.2f}%")
            if epoch % args.print_every == 0 or epoch == config["epochs"]:
                bar.write(epoch_line(epoch, history), file=sys.stdout)
            if epoch % args.checkpoint_every == 0 or epoch == config["epochs"]:
                save(checkpoint, config, model, optimizer, epoch, history, watch.elapsed())
    return config, history, watch.elapsed()


def save(path, config, model, optimizer, epoch, history, seconds):
    """The run's checkpoint: enough to resume on exactly the same trajectory."""
    common.save_checkpoint(
        path,
        config=config,
        model=model.state_dict(),
        optimizer=optimizer.state_dict(),
        epoch=epoch,
        history=history,
        seconds=seconds,
        rng=al.get_rng_state(),
    )


def report_overfitting(args, config, history, seconds):
    """The figure and the closing lines; returns the peak test accuracy."""
    peak = int(np.argmax(history["test_accuracy"]))
    if not args.no_plots:
        print(f"figure: {plot_overfitting(args, config, history)}")
    book = RUNS[args.experiment]["book"]
    print(
        f"ch3 {args.experiment}: peak test accuracy {history['test_accuracy'][peak]:.2f}% at epoch {peak + 1} "
        f"(book {book}%), final training accuracy {history['training_accuracy'][-1]:.2f}%, {seconds:.1f} s",
        flush=True,
    )
    return history["test_accuracy"][peak]


def plot_overfitting(args, config, history):
    """The book's four panels: training cost, test cost, training accuracy, test accuracy per epoch."""
    plt = common.pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    epochs = np.arange(1, len(history["test_accuracy"]) + 1)
    panels = (
        ("training_cost", "cost on the training data"),
        ("test_cost", "cost on the test data"),
        ("training_accuracy", "accuracy (%) on the training data"),
        ("test_accuracy", "accuracy (%) on the test data"),
    )
    for ax, (key, title) in zip(axes.ravel(), panels):
        ax.plot(epochs, history[key], lw=1.2)
        ax.set(xlabel="epoch", title=title)
        ax.grid(alpha=0.3)
    peak = int(np.argmax(history["test_accuracy"]))
    test_ax = axes[1, 1]
    test_ax.plot(
        peak + 1, history["test_accuracy"][peak], "o", color="C3", label=f"peak {history['test_accuracy'][peak]:.2f}%"
    )
    test_ax.axhline(
        RUNS[args.experiment]["book"], color="gray", ls="--", label=f"book's peak {RUNS[args.experiment]['book']}%"
    )
    test_ax.legend(loc="lower right")
    fig.suptitle(
        f"ch3 {args.experiment}: [784, 30, 10] on {config['train_size']} images, lambda = {config['lmbda']}, "
        f"eta = {ETA}, mini-batch {BATCH_SIZE}"
    )
    fig.tight_layout()
    return common.save_figure(fig, os.path.join(args.out, f"ch3_{args.experiment}.png"))


# ---- more data ----------------------------------------------------------------------------------------


def more_data_config(args, data):
    """The sizes and budget of a more-data run (the flags applied); a resume must match."""
    sizes = args.sizes or (QUICK["sizes"] if args.quick else MORE_DATA_SIZES)
    kept = tuple(s for s in sizes if s <= len(data["x"]))
    if len(kept) < len(sizes):
        print(f"only {len(data['x'])} training images: sizes above that are skipped", flush=True)
    if not kept:
        sys.exit(f"error: every --sizes value exceeds the {len(data['x'])} training images")
    return {
        "sizes": list(kept),
        "samples": args.samples or (QUICK["samples"] if args.quick else MORE_DATA_SAMPLES),
        "lambda_per_image": MORE_DATA_LAMBDA_PER_IMAGE,
        "seed": args.seed,
        "dataset": data["name"],
        "test_size": len(data["labels_test"]),
    }


def train_size_run(config, x, labels, steps, desc, data, seed):
    """A fresh network trained on rows ``x`` for ``steps`` mini-batches (whole epochs, the last one cut
    short when ``steps`` is not a multiple of an epoch); its validation and test accuracies."""
    n = len(x)
    model = build(x.shape[1], seed)
    optimizer = book_sgd(model, config["lambda_per_image"] * n, n)
    targets = np.eye(10, dtype=np.float32)[labels]
    per_epoch = -(-n // BATCH_SIZE)
    with common.progress(None, total=steps, desc=desc, unit="batch", leave=False) as bar:
        for done in range(0, steps, per_epoch):
            train_epoch(model, optimizer, x, targets, bar, batches=min(per_epoch, steps - done))
    return {
        "images": n,
        "epochs": steps / per_epoch,
        "validation": accuracy(model, data["x_val"], data["labels_val"]),
        "test": accuracy(model, data["x_test"], data["labels_test"]),
    }


def run_more_data(args, data):
    """Accuracy against training-set size, on the plain and on the expanded data; returns the results."""
    config = more_data_config(args, data)
    checkpoint = os.path.join(args.out, "more-data.ckpt")
    state = {"results": {"plain": [], "expanded": []}, "seconds": 0.0}
    if args.resume and os.path.exists(checkpoint):
        state = common.load_checkpoint(checkpoint, ("config", "results", "seconds"))
        if state["config"] != config:
            sys.exit(f"error: {checkpoint} was made with other settings; resume with the same flags or another --out")
        print(f"resuming from {checkpoint}", file=sys.stderr)
    print(
        f"ch3 more-data: [{data['x'].shape[1]}, {HIDDEN}, 10], cross-entropy, N(0, 1) init, eta = {ETA}, mini-batch "
        f"{BATCH_SIZE}; each size n trains for {config['samples']:,} / n epochs with lambda = n / "
        f"{1 / config['lambda_per_image']:,.0f}; accuracy on {len(data['labels_val'])} validation and "
        f"{len(data['labels_test'])} test {data['name']} images; seed {args.seed}",
        flush=True,
    )
    results, watch = state["results"], common.Stopwatch(state["seconds"])
    steps = config["samples"] // BATCH_SIZE
    shape = data["shape"]
    for variant in ("plain", "expanded"):
        for size in config["sizes"][len(results[variant]) :]:
            x, labels = data["x"][:size], data["labels"][:size]
            if variant == "expanded":
                x, labels = expand(x, labels, shape)
            result = train_size_run(config, x, labels, steps, f"{variant} {size}", data, args.seed)
            results[variant].append(result)
            print(
                f"{variant:>8} {size:6d} images ({result['images']} trained on, {result['epochs']:.4g} epochs): "
                f"validation {result['validation']:.2f}%, test {result['test']:.2f}%",
                flush=True,
            )
            common.save_checkpoint(checkpoint, config=config, results=results, seconds=watch.elapsed())
    return config, results, watch.elapsed()


def report_more_data(args, config, results, seconds):
    """The figure and the closing line; returns the test accuracies at the largest size."""
    if not args.no_plots:
        print(f"figure: {plot_more_data(args, config, results)}")
    largest = config["sizes"][-1]
    plain, expanded = results["plain"][-1]["test"], results["expanded"][-1]["test"]
    book = f" (book {MORE_DATA_BOOK[1]}%)" if largest == MORE_DATA_BOOK[0] else ""
    print(
        f"ch3 more-data: test accuracy at {largest} images {plain:.2f}%{book}, expanded {expanded:.2f}%, "
        f"{seconds:.1f} s",
        flush=True,
    )
    return plain, expanded


def plot_more_data(args, config, results):
    """Validation accuracy against training-set size, on linear and on logarithmic axes."""
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    sizes = config["sizes"]
    for ax, scale in zip(axes, ("linear", "log")):
        for variant, style in (("plain", "o-"), ("expanded", "s--")):
            label = "training images" if variant == "plain" else "expanded (shifts, rotations)"
            ax.plot(sizes, [r["validation"] for r in results[variant]], style, label=label)
        if sizes[-1] == MORE_DATA_BOOK[0]:
            ax.plot(
                *MORE_DATA_BOOK,
                "k*",
                ms=11,
                label=f"book, {MORE_DATA_BOOK[0]:,} images: {MORE_DATA_BOOK[1]}% (test set)",
            )
        ax.set_xscale(scale)
        ax.set(xlabel="training-set size", ylabel="validation accuracy (%)", title=f"{scale} axis")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower right")
    fig.suptitle(f"ch3 more data: [784, 30, 10], {config['samples']:,} samples of SGD per size")
    fig.tight_layout()
    return common.save_figure(fig, os.path.join(args.out, "ch3_more_data.png"))


# ---- main ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=common.DefaultsHelpFormatter)
    p.add_argument("experiment", choices=("overfitting", "regularization", "more-data"), help="which experiment")
    p.add_argument(
        "--data", help="mnist.npz or a directory with the four IDX files (default: the MNIST cache, else 8x8 digits)"
    )
    p.add_argument("--quick", action="store_true", help="a tiny run in seconds (what CI smoke-runs)")
    p.add_argument("--epochs", type=int, help="overfitting/regularization: epochs (default 400; --quick 4)")
    p.add_argument("--train-size", type=int, help="overfitting/regularization: training images (default 1000)")
    p.add_argument("--lmbda", type=float, help="overfitting/regularization: L2 lambda (default 0 and 0.1)")
    p.add_argument("--sizes", type=_sizes, help="more-data: comma-separated training-set sizes (default the book's)")
    p.add_argument("--samples", type=int, help="more-data: samples of SGD per size (default 1,500,000)")
    p.add_argument("--seed", type=int, default=0, help="seeds the initial weights and the mini-batch order")
    p.add_argument("--print-every", type=int, default=20, help="print the monitored quantities every N epochs")
    p.add_argument("--checkpoint-every", type=int, default=10, help="checkpoint every N epochs")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    p.add_argument("--out", default="runs/ch3", help="directory for the figures and checkpoints")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    args = p.parse_args(argv)
    for name in ("epochs", "train_size", "samples", "print_every", "checkpoint_every"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.lmbda is not None and not args.lmbda >= 0:
        p.error("--lmbda must be at least 0")
    return args


def _sizes(text):
    """``--sizes 100,1000,50000`` as a tuple of positive ints."""
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be at least 1, got {text!r}")
    return tuple(sorted(set(sizes)))


def run(args):
    """Run the chosen experiment and report; returns its numbers (for tests)."""
    data = load(args)
    if args.experiment == "more-data":
        config, results, seconds = run_more_data(args, data)
        return {"config": config, "results": results, "largest": report_more_data(args, config, results, seconds)}
    config, history, seconds = run_overfitting(args, data)
    return {"config": config, "history": history, "peak": report_overfitting(args, config, history, seconds)}


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops like Ctrl-C
    try:
        run(args)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the last checkpoint in {args.out} is kept; --resume continues from it", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
