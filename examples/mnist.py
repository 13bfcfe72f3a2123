"""Train a digit classifier defined PyTorch-style (nn + optim) on MNIST, with plots and resumable checkpoints.

    pip install -e ".[examples]" && python examples/mnist.py            # the default CNN
    python examples/mnist.py --model mlp --data ../shared/data/mnist.npz  # Nielsen's [784, 100, 10]
    python examples/mnist.py --predict my_digit.png                       # classify your own image

Data: ``--data PATH`` (an mnist.npz or a directory of IDX files); else MNIST in the cache directory; else a
download; else (no network) scikit-learn's bundled 8x8 digits. Training uses the book's split: the last
10,000 training images are the validation set. The last line printed is
``test accuracy: 99.12% (9912/10000), 184.3 s``.
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
from autograd_lite import datasets, transforms
from autograd_lite.utils.data import DataLoader, Subset

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import _common as common  # noqa: E402

MEAN, STD = 0.1307, 0.3081  # MNIST's pixel mean and standard deviation
DEFAULTS = {  # per model: epochs, learning rate, weight decay, dropout
    "mlp": dict(epochs=30, lr=0.1, weight_decay=1e-4, dropout=0.0),
    "cnn": dict(epochs=12, lr=0.05, weight_decay=5e-4, dropout=0.5),
    "resnet": dict(epochs=10, lr=0.1, weight_decay=5e-4, dropout=0.0),
}


# ---- models -------------------------------------------------------------------------------------------


def mlp(size, dropout):
    """Nielsen's [784, 100, 10] network: one hidden layer of 100 sigmoid neurons."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(size * size, 100), nn.Sigmoid(), nn.Dropout(dropout), nn.Linear(100, 10)
    )


def cnn(size, dropout):
    """Two convolution + max-pool blocks (20 and 40 filters of 5x5, as in the book's chapter 6), a hidden
    layer of 100 ReLUs with dropout, 10 outputs; small inputs (8x8 digits) get padded convolutions."""
    pad = 2 if size < 20 else 0
    features = nn.Sequential(
        nn.Conv2d(1, 20, 5, padding=pad),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(20, 40, 5, padding=pad),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
    )
    return nn.Sequential(
        features,
        nn.Dropout(dropout),
        nn.Linear(_width(features, size), 100),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(100, 10),
    )


def _width(features, size):
    """How many numbers ``features`` makes of one size x size image."""
    with al.no_grad():
        return int(features(al.zeros(1, 1, size, size)).shape[1])


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and a shortcut (a strided 1x1 convolution when the shape changes):
    relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)), as in He et al. (2016)."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


def resnet(size, dropout):
    """A small ResNet: a 3x3 stem of 16 channels, residual blocks of 16, 32 and 64 channels (the last two
    halve the resolution), global average pooling and one linear layer."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        ResidualBlock(16, 16),
        ResidualBlock(16, 32, stride=2),
        ResidualBlock(32, 64, stride=2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(64, 10),
    )


MODELS = {"mlp": mlp, "cnn": cnn, "resnet": resnet}


# ---- data ---------------------------------------------------------------------------------------------


def load_data(args):
    """(train, test, name) datasets: --data, else the MNIST cache, else a download, else the 8x8 digits."""
    if args.data:
        try:
            return datasets.MNIST(args.data, train=True), datasets.MNIST(args.data, train=False), "MNIST"
        except (OSError, ValueError) as err:
            sys.exit(f"error: cannot read MNIST from {args.data}: {err}")
    root = datasets.default_root()
    try:
        return datasets.MNIST(root, train=True), datasets.MNIST(root, train=False), "MNIST"
    except FileNotFoundError:
        pass
    if not args.no_download:
        try:
            return (datasets.MNIST(root, train=True, download=True), datasets.MNIST(root, train=False), "MNIST")
        except OSError as err:
            print(
                f"MNIST could not be downloaded ({type(err).__name__}: no network? see above); using "
                "scikit-learn's 8x8 digits instead (pass --data PATH for MNIST)",
                file=sys.stderr,
            )
    return datasets.Digits(train=True), datasets.Digits(train=False), "digits"


def split(train, limit):
    """The book's split (last 10,000 training images for validation) for MNIST, a sixth for the digits;
    ``limit`` keeps only the first images of each part (for quick trials)."""
    validation_size = 10_000 if len(train) >= 60_000 else max(1, len(train) // 6)
    indices = np.arange(len(train))
    train_part, val_part = indices[:-validation_size], indices[-validation_size:]
    if limit:
        train_part, val_part = train_part[:limit], val_part[: max(1, limit // 5)]
    return Subset(train, train_part.tolist()), Subset(train, val_part.tolist())


def augmentation(kind):
    """The book's expanded training data: small random rotations and shifts, or elastic distortions."""
    if kind == "affine":
        return transforms.RandomAffine(degrees=10, translate=(0.1, 0.1))
    if kind == "elastic":
        return transforms.ElasticDistortion(alpha=34.0, sigma=4.0)
    return None


def normalise(x):
    return (x - MEAN) / STD


# ---- training -----------------------------------------------------------------------------------------


def build(args, size):
    """Model, optimizer and learning-rate schedule from the flags."""
    model = MODELS[args.model](size, args.dropout)
    optimizer = optim.SGD(
        model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay, l1_decay=args.l1
    )
    if args.schedule == "cosine":
        scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    elif args.schedule == "halve":
        scheduler = optim.lr_scheduler.HalveOnNoImprovement(optimizer, patience=args.halve_patience)
    else:
        scheduler = None
    return model, optimizer, scheduler


def train_epoch(model, optimizer, loader, augment, bar_label):
    """One pass over the training data; returns the mean loss and accuracy seen during it."""
    model.train()
    total_loss, right, seen = 0.0, 0, 0
    bar = common.progress(loader, desc=bar_label, unit="batch", leave=False)
    watch = common.Stopwatch()
    for x, y in bar:
        if augment is not None:
            x = augment(x)
        logits = model(normalise(x))
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = len(y)
        total_loss += loss.item() * n
        right += int((logits.argmax(dim=1) == y).sum())
        seen += n
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", img_s=f"{seen / watch.elapsed():.0f}")
    return total_loss / seen, right / seen


def run_training(args, model, optimizer, scheduler, loaders, state):
    """Train for the remaining epochs, printing and checkpointing each; Ctrl-C leaves the last finished
    epoch's checkpoint in place and stops."""
    history, watch = state["history"], common.Stopwatch(state["seconds"])
    stopper = optim.EarlyStopping(patience=args.early_stop, mode="max") if args.early_stop else None
    if stopper is not None and state.get("stopper"):
        stopper.load_state_dict(state["stopper"])
    augment = augmentation(args.augment)
    last = args.epochs if not args.stop_after else min(args.epochs, state["epoch"] + args.stop_after)
    for epoch in range(state["epoch"], last):
        train_loss, train_acc = train_epoch(
            model, optimizer, loaders["train"], augment, f"epoch {epoch + 1}/{args.epochs}"
        )
        val_loss, val_acc = common.loss_and_accuracy(*common.predict_all(model, loaders["val"], normalise))
        for key, value in (
            ("train_loss", train_loss),
            ("train_acc", train_acc),
            ("val_loss", val_loss),
            ("val_acc", val_acc),
            ("lr", optimizer.param_groups[0]["lr"]),
        ):
            history[key].append(value)
        print(
            f"epoch {epoch + 1:3d}: train loss {train_loss:.4f} acc {100 * train_acc:.2f}% | validation "
            f"loss {val_loss:.4f} acc {100 * val_acc:.2f}% | lr {history['lr'][-1]:.4g} | "
            f"{watch.elapsed():.1f} s",
            flush=True,
        )
        stop = _schedule_step(args, scheduler, val_acc) | (stopper is not None and stopper.step(val_acc))
        _save(args, model, optimizer, scheduler, stopper, epoch + 1, history, watch.elapsed(), stop)
        if stop:
            print(f"stopping early after epoch {epoch + 1}: validation accuracy stopped improving")
            break
    return watch.elapsed()


def _schedule_step(args, scheduler, val_acc):
    if scheduler is None:
        return False
    if args.schedule == "halve":
        return bool(scheduler.step(val_acc))
    scheduler.step()
    return False


def _save(args, model, optimizer, scheduler, stopper, epoch, history, seconds, stopped):
    common.save_checkpoint(
        args.checkpoint,
        config=_config(args),
        model=model.state_dict(),
        optimizer=optimizer.state_dict(),
        scheduler=scheduler.state_dict() if scheduler is not None else None,
        stopper=stopper.state_dict() if stopper is not None else None,
        epoch=epoch,
        history=history,
        seconds=seconds,
        rng=al.get_rng_state(),
        stopped=stopped,
    )


def _config(args):
    """The flags that define the trajectory: a resume must use the same ones."""
    keys = (
        "model",
        "batch_size",
        "lr",
        "momentum",
        "weight_decay",
        "l1",
        "dropout",
        "augment",
        "schedule",
        "halve_patience",
        "early_stop",
        "seed",
        "epochs",
        "limit",
        "size",
        "dataset",
    )
    return {k: getattr(args, k) for k in keys}


def start_state(args, model, optimizer, scheduler):
    """A fresh start, or the state of the checkpoint being resumed (model, optimizer, scheduler, RNG...)."""
    keys = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")
    if not args.resume:
        return {"epoch": 0, "seconds": 0.0, "history": {k: [] for k in keys}}
    state = common.resume(args.checkpoint, _config(args), keys, model, optimizer)
    if scheduler is not None and state.get("scheduler") is not None:
        scheduler.load_state_dict(state["scheduler"])
    if state.get("stopped"):
        state["epoch"] = args.epochs
    return state


# ---- figures ------------------------------------------------------------------------------------------


def plot_history(history, path):
    plt = common.pyplot()
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(epochs, history["train_loss"], "o-", label="training (during the epoch)")
    left.plot(epochs, history["val_loss"], "s-", label="validation")
    left.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss", yscale="log")
    right.plot(epochs, 100 * np.array(history["train_acc"]), "o-", label="training (during the epoch)")
    right.plot(epochs, 100 * np.array(history["val_acc"]), "s-", label="validation")
    right.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    return common.save_figure(fig, path)


def plot_predictions(images, labels, predicted, path, count=48):
    """The first test digits and the first mistakes, each titled 'predicted (true)'; mistakes in red."""
    plt = common.pyplot()
    wrong = np.flatnonzero(predicted != labels)
    chosen = np.concatenate([np.arange(count - min(len(wrong), count // 2)), wrong[: count // 2]])[:count]
    cols = 12
    fig, axes = plt.subplots(
        -(-len(chosen) // cols), cols, figsize=(cols * 0.9, 1.05 * -(-len(chosen) // cols)), squeeze=False
    )
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), chosen):
        bad = predicted[i] != labels[i]
        ax.imshow(images[i, 0], cmap="gray_r" if not bad else "Reds")
        ax.set_title(f"{predicted[i]} ({labels[i]})", fontsize=8, color="red" if bad else "black")
    fig.suptitle(
        f"Test digits: predicted (true); {len(wrong)} mistakes in {len(labels)}, the first "
        f"{min(len(wrong), count // 2)} shown in red",
        fontsize=10,
    )
    return common.save_figure(fig, path)


def plot_confusion(labels, predicted, path):
    plt = common.pyplot()
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for (i, j), n in np.ndenumerate(matrix):
        if n:
            ax.text(
                j, i, str(n), ha="center", va="center", fontsize=7, color="white" if n > matrix.max() / 4 else "black"
            )
    ax.set(xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10), title="Confusion matrix (test)")
    return common.save_figure(fig, path)


# ---- your own digit -----------------------------------------------------------------------------------


def prepare_image(path, size):
    """A photo or drawing of one digit as MNIST has them: grey levels, light ink on black, the digit scaled
    into a 20x20 box (of 28x28) and centred by its centre of mass; scaled to ``size`` for other models."""
    Image = common.require("PIL.Image", "pillow")
    ndimage = common.require("scipy.ndimage", "scipy")
    try:
        grey = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0
    except FileNotFoundError:
        sys.exit(f"error: no image at {path}")
    except (OSError, ValueError) as err:
        sys.exit(f"error: cannot read the image {path}: {err}")
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    ink = 1.0 - grey if np.median(border) > 0.5 else grey  # dark on light: invert
    background = np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]]))
    ink = np.clip((ink - background) / max(ink.max() - background, 1e-6), 0, 1)
    rows, cols = np.nonzero(ink > 0.2)
    if rows.size == 0:
        sys.exit(f"error: {path} looks empty: no digit stands out from the background")
    box = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    inner = 20 * size // 28
    scale = inner / max(box.shape)
    shape = (max(1, round(box.shape[0] * scale)), max(1, round(box.shape[1] * scale)))
    small = (
        np.asarray(Image.fromarray((box * 255).astype(np.uint8)).resize(shape[::-1], Image.LANCZOS), dtype=np.float32)
        / 255.0
    )
    canvas = np.zeros((size, size), np.float32)
    top, left = (size - shape[0]) // 2, (size - shape[1]) // 2
    canvas[top : top + shape[0], left : left + shape[1]] = small
    cy, cx = ndimage.center_of_mass(canvas)
    canvas = ndimage.shift(canvas, ((size - 1) / 2 - cy, (size - 1) / 2 - cx), order=1, mode="constant")
    return np.clip(canvas, 0, 1)[None, None]


def predict(args):
    state = common.load_checkpoint(args.checkpoint, ("config", "model"))
    config = state["config"]
    model = MODELS[config["model"]](config["size"], config["dropout"])
    model.load_state_dict(state["model"])
    model.eval()
    image = prepare_image(args.predict, config["size"])
    with al.no_grad():
        probs = al.softmax(model(normalise(al.tensor(image))), dim=1).numpy()[0]
    top = np.argsort(-probs)[:3]
    for rank, k in enumerate(top, 1):
        print(f"{rank}. {k}  {100 * probs[k]:.1f}%")
    print(f"prediction: {top[0]} ({100 * probs[top[0]]:.1f}%)")


# ---- main ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=common.DefaultsHelpFormatter)
    p.add_argument(
        "--model",
        choices=sorted(MODELS),
        default="cnn",
        help="mlp: Nielsen's [784, 100, 10]; cnn: two conv + pool blocks; resnet: residual blocks",
    )
    p.add_argument("--epochs", type=int, help="default: 30 mlp, 12 cnn, 10 resnet")
    p.add_argument("--batch-size", type=int, default=64, help="images per SGD step")
    p.add_argument("--lr", type=float, help="default: 0.1 mlp, 0.05 cnn, 0.1 resnet")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--weight-decay", type=float, help="L2, torch's convention (default: 1e-4 mlp, 5e-4 others)")
    p.add_argument("--l1", type=float, default=0.0, help="L1 decay: w -= lr * l1 * sign(w)")
    p.add_argument("--dropout", type=float, help="default: 0.5 cnn, 0 others")
    p.add_argument(
        "--augment",
        choices=("none", "affine", "elastic"),
        default="none",
        help="expand the training data: random rotations/shifts or elastic distortions",
    )
    p.add_argument(
        "--schedule",
        choices=("cosine", "halve", "none"),
        default="cosine",
        help="learning rate: cosine annealing over the epochs, or halve when validation "
        "accuracy stalls for --halve-patience epochs (the book's), or constant",
    )
    p.add_argument("--halve-patience", type=int, default=3, help="epochs without improvement before halving")
    p.add_argument(
        "--early-stop",
        type=int,
        default=0,
        metavar="N",
        help="stop when validation accuracy has not improved for N epochs (0: never)",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds initialisation, shuffling, dropout, augmentation")
    p.add_argument("--data", help="mnist.npz or a directory with the four IDX files (plain or .gz)")
    p.add_argument("--no-download", action="store_true", help="never try to download MNIST")
    p.add_argument("--limit", type=int, default=0, help="train on only this many images (quick trials)")
    p.add_argument("--out", default="runs/mnist", help="directory for the checkpoint and the figures")
    p.add_argument("--checkpoint", help="default: OUT/MODEL.ckpt")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint (same trajectory)")
    p.add_argument(
        "--stop-after",
        type=int,
        default=0,
        metavar="N",
        help="train only N epochs in this run (then --resume continues)",
    )
    p.add_argument("--predict", metavar="IMAGE", help="classify your own digit image with the checkpoint")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    args = p.parse_args(argv)
    for key, value in DEFAULTS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.checkpoint = args.checkpoint or os.path.join(args.out, f"{args.model}.ckpt")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.predict:
        return predict(args)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill saves like Ctrl-C
    al.manual_seed(args.seed)
    train_set, test_set, args.dataset = load_data(args)
    args.size = int(train_set.data.shape[-1])
    train_part, val_part = split(train_set, args.limit)
    loaders = {
        "train": DataLoader(train_part, batch_size=args.batch_size, shuffle=True),
        "val": DataLoader(val_part, batch_size=1000),
        "test": DataLoader(test_set, batch_size=1000),
    }
    model, optimizer, scheduler = build(args, args.size)
    state = start_state(args, model, optimizer, scheduler)
    print(
        f"{args.model} on {args.dataset} ({len(train_part)} training, {len(val_part)} validation, "
        f"{len(test_set)} test images of {args.size}x{args.size}); "
        f"{sum(p.numel() for p in model.parameters()):,} parameters",
        flush=True,
    )
    try:
        seconds = run_training(args, model, optimizer, scheduler, loaders, state)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the checkpoint {args.checkpoint} holds the last finished epoch; "
            "--resume continues from there",
            file=sys.stderr,
        )
        return 130
    logits, labels = common.predict_all(model, loaders["test"], normalise)
    predicted = logits.argmax(axis=1)
    if not args.no_plots:
        images = test_set.__getitems__(np.arange(len(test_set))).columns[0]
        paths = [
            plot_history(state["history"], os.path.join(args.out, f"{args.model}_curves.png")),
            plot_predictions(images, labels, predicted, os.path.join(args.out, f"{args.model}_digits.png")),
            plot_confusion(labels, predicted, os.path.join(args.out, f"{args.model}_confusion.png")),
        ]
        print("figures: " + ", ".join(paths))
    right = int((predicted == labels).sum())
    print(f"test accuracy: {100 * right / len(labels):.2f}% ({right}/{len(labels)}), {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
