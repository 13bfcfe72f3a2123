"""Weight initialisation (book ch. 3): weights drawn from N(0, 1) make the hidden sigmoid neurons' inputs z
so large that most of them saturate (sigma'(z) ~ 0) and learning starts slowly; weights from N(0, 1/n_in)
keep z near N(0, 1) and the same network learns faster at first.

    python -m examples.lab init --data ../shared/data/mnist.npz   # [784, 30, 10] on 10,000 images, 15 epochs
    python -m examples.lab init --train-size 50000 --epochs 30    # the book's run (a minute or two)
    python -m examples.lab init --quick                           # 300 images, 2 epochs

The book's network [784, 30, 10] of sigmoid neurons with the cross-entropy cost, eta = 0.1, lambda = 5.0
(L2 on the weights, ``optim.SGD``'s weight_decay lambda / n) and mini-batches of 10, twice from the same
seed and in the same mini-batch order: once with every weight and bias N(0, 1) (``nn.init.large_normal_``),
once with the weights N(0, 1/n_in) (``nn.init.scaled_normal_``; biases still N(0, 1)). Before training it
measures the first layer's weighted inputs z = w.x + b on the training images (their spread, the fraction
with |z| > 4, where sigma'(z) < 0.018, and the mean sigma'(z)); during training the validation accuracy,
five times per epoch. Data: ``--data PATH`` (an mnist.npz or a directory of IDX files), else MNIST in the
cache directory, else scikit-learn's 8x8 digits. The last line reads
``lab init: |z| > 4 for 65.1% of first-layer inputs with N(0, 1) vs 0.00% with N(0, 1/n_in); validation
after epoch 1 72.34% vs 88.12%, best 92.14% vs 93.69%, 12.4 s`` (the default run on MNIST, 10 to 20 s). On
small or easy data (the 8x8 digits fallback: 41.8% vs 16.3% after epoch 1; the tests' synthetic squares)
the saturated network is faster at first: its large random features already separate the classes and the
output layer, which does not saturate, learns from them.
"""

import os

import numpy as np

import autograd_lite as al
import nn
import nn.functional as F
import optim
from examples import _common as common
from examples.lab import _digits

NAME = "init"
TITLE = "weight initialisation: N(0, 1) saturates the hidden neurons, N(0, 1/n_in) learns faster at first"
HIDDEN, BATCH_SIZE = 30, 10
SATURATED = 4.0  # |z| beyond which sigma'(z) < 0.018 (a neuron learns < 7% as fast as at z = 0)
EVALS_PER_EPOCH = 5
INITS = {"large": "N(0, 1)", "scaled": "N(0, 1/n_in)"}
QUICK = dict(train_size=300, epochs=2)


def add_arguments(parser):
    _digits.add_arguments(parser, train_size=10_000, epochs=15, quick=QUICK)
    parser.add_argument("--eta", type=float, default=0.1, help="learning rate")
    parser.add_argument("--lmbda", type=float, default=5.0, help="L2 regularisation parameter lambda")


def build(inputs, init, seed):
    """[inputs, 30, 10] with sigmoid hidden neurons (the output sigmoid lives in the cost); weights and biases
    N(0, 1), or (``scaled``) weights N(0, 1/n_in). The same seed draws the same normals, so the scaled
    weights are the large ones divided by sqrt(n_in)."""
    al.manual_seed(seed)
    model = nn.Sequential(nn.Linear(inputs, HIDDEN), nn.Sigmoid(), nn.Linear(HIDDEN, 10))
    with al.no_grad():
        for name, parameter in model.named_parameters():
            if init == "scaled" and name.endswith("weight"):
                nn.init.scaled_normal_(parameter)
            else:
                nn.init.large_normal_(parameter)
    return model


def first_layer_inputs(model, x):
    """The weighted inputs z = w.x + b of the first layer's neurons for rows ``x``, flattened."""
    with al.no_grad():
        return model[0](al.tensor(x)).numpy().astype(np.float64).ravel()


def saturation(z):
    """The spread of z, the fraction with |z| > 4 and the mean sigma'(z)."""
    s = 1.0 / (1.0 + np.exp(-z))
    return {
        "std": float(z.std()),
        "saturated": float((np.abs(z) > SATURATED).mean()),
        "slope": float((s * (1 - s)).mean()),
    }


def train(model, data, args, epochs, seed, desc):
    """SGD with the book's cross-entropy and L2 rule; the validation accuracy at epoch 0 and EVALS_PER_EPOCH
    times per epoch: (epoch fractions, accuracies)."""
    n = len(data["x"])
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    optimizer = optim.SGD(
        [{"params": weights, "weight_decay": args.lmbda / n}, {"params": biases, "weight_decay": 0.0}], lr=args.eta
    )
    rng = np.random.default_rng(seed)
    steps, accuracies = [0.0], [_digits.accuracy(model, data["x_val"], data["labels_val"])]
    per_epoch = -(-n // BATCH_SIZE)
    marks = set(np.linspace(0, per_epoch, EVALS_PER_EPOCH + 1).round().astype(int)[1:])
    with common.progress(None, total=epochs * per_epoch, desc=desc, unit="batch", leave=False) as bar:
        for epoch in range(epochs):
            for k, batch in enumerate(_digits.epoch_batches(n, BATCH_SIZE, rng), start=1):
                logits = model(al.tensor(data["x"][batch]))
                loss = F.binary_cross_entropy_with_logits(logits, al.tensor(data["y"][batch]), reduction="sum")
                optimizer.zero_grad()
                (loss / len(batch)).backward()
                optimizer.step()
                bar.update(1)
                if k in marks:
                    steps.append(epoch + k / per_epoch)
                    accuracies.append(_digits.accuracy(model, data["x_val"], data["labels_val"]))
    return np.array(steps), np.array(accuracies)


def run(args):
    watch = common.Stopwatch()
    train_size, epochs = _digits.settings(args, QUICK)
    if args.eta <= 0 or args.lmbda < 0:
        raise SystemExit(f"error: need --eta > 0 and --lmbda >= 0, got {args.eta} and {args.lmbda}")
    al.manual_seed(args.seed)
    data = _digits.load(args.data, train_size, validation_size=500 if args.quick else None)
    inputs = data["x"].shape[1]
    print(
        f"[{inputs}, {HIDDEN}, 10] sigmoid, cross-entropy, eta = {args.eta}, lambda = {args.lmbda}, mini-batch "
        f"{BATCH_SIZE}, {epochs} epochs on {len(data['x'])} {data['name']} images, validation "
        f"{len(data['labels_val'])} images; seed {args.seed}",
        flush=True,
    )
    result = {"figures": [], "z": {}, "saturation": {}, "curves": {}}
    for init, label in INITS.items():
        model = build(inputs, init, args.seed)
        z = first_layer_inputs(model, data["x"][:1000])
        stats = saturation(z)
        print(
            f"{label:>13} init: first-layer z std {stats['std']:6.2f}, |z| > {SATURATED:g} for "
            f"{100 * stats['saturated']:6.2f}%, mean sigma'(z) {stats['slope']:.4f} (0.25 at z = 0)",
            flush=True,
        )
        steps, accuracies = train(model, data, args, epochs, args.seed, f"{label} init")
        result["z"][init], result["saturation"][init], result["curves"][init] = z, stats, (steps, accuracies)
    after_one = {i: float(np.interp(1.0, *result["curves"][i])) for i in INITS}
    best = {i: float(result["curves"][i][1].max()) for i in INITS}
    for init, label in INITS.items():
        steps, accuracies = result["curves"][init]
        per_epoch = ", ".join(f"{a:.2f}" for s, a in zip(steps, accuracies) if s == int(s))
        print(f"{label:>13} init: validation accuracy (%) at epochs 0..{epochs}: {per_epoch}", flush=True)
    if not args.no_plots:
        result["figures"].append(plot(args, data, result, epochs))
        print(f"figure: {result['figures'][-1]}")
    large, scaled = result["saturation"]["large"], result["saturation"]["scaled"]
    result["line"] = (
        f"lab init: |z| > {SATURATED:g} for {100 * large['saturated']:.1f}% of first-layer inputs with N(0, 1) vs "
        f"{100 * scaled['saturated']:.2f}% with N(0, 1/n_in); validation after epoch 1 {after_one['large']:.2f}% vs "
        f"{after_one['scaled']:.2f}%, best {best['large']:.2f}% vs {best['scaled']:.2f}%, {watch.elapsed():.1f} s"
    )
    print(result["line"], flush=True)
    result.update(after_one=after_one, best=best, dataset=data["name"])
    return result


def plot(args, data, result, epochs):
    """The histogram of the first layer's z for both initialisations (with sigma'(z)), and the validation
    accuracy curves."""
    plt = common.pyplot()
    fig, (hist, curves) = plt.subplots(1, 2, figsize=(12, 4.6))
    limit = max(8.0, float(np.percentile(np.abs(result["z"]["large"]), 99.5)))
    bins = np.linspace(-limit, limit, 121)
    for (init, label), colour in zip(INITS.items(), ("C3", "C0")):
        stats = result["saturation"][init]
        hist.hist(
            result["z"][init],
            bins=bins,
            density=True,
            alpha=0.55,
            color=colour,
            label=f"{label}: std {stats['std']:.1f}, |z| > {SATURATED:g}: {100 * stats['saturated']:.2f}%",
        )
    hist.axvspan(-limit, -SATURATED, color="gray", alpha=0.12)
    hist.axvspan(SATURATED, limit, color="gray", alpha=0.12, label=f"|z| > {SATURATED:g}: sigmoid saturated")
    hist.set_yscale("log")
    hist.set(
        xlabel="weighted input z = w.x + b of a first-layer neuron",
        ylabel="density (log)",
        title="first-layer inputs at initialisation",
        xlim=(-limit, limit),
    )
    slope = hist.twinx()
    grid = np.linspace(-limit, limit, 400)
    s = 1.0 / (1.0 + np.exp(-grid))
    slope.plot(grid, s * (1 - s), color="k", lw=1.2, ls="--", label="sigma'(z)")
    slope.set(ylabel="sigma'(z)", ylim=(0, 0.27))
    handles = hist.get_legend_handles_labels()[0] + slope.get_legend_handles_labels()[0]
    hist.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)
    for (init, label), colour in zip(INITS.items(), ("C3", "C0")):
        steps, accuracies = result["curves"][init]
        curves.plot(steps, accuracies, "-", color=colour, marker=".", ms=3, label=f"weights {label}")
        after = np.interp(1.0, steps, accuracies)
        curves.plot(1.0, after, "o", color=colour, ms=7)
        curves.annotate(f"{after:.1f}%", (1.0, after), textcoords="offset points", xytext=(8, -14))
    low = min(float(np.interp(0.2, *result["curves"][i])) for i in INITS)
    curves.set_ylim(max(0.0, low - 5), 100)
    curves.set(
        xlabel="epoch",
        ylabel="validation accuracy (%)",
        title=f"learning: eta = {args.eta}, lambda = {args.lmbda}, mini-batch {BATCH_SIZE}",
    )
    curves.grid(alpha=0.3)
    curves.legend(loc="lower right")
    fig.suptitle(
        f"[{data['x'].shape[1]}, {HIDDEN}, 10] sigmoid network on {len(data['x'])} {data['name']} images: "
        "weights N(0, 1) vs N(0, 1/n_in)"
    )
    fig.tight_layout()
    return common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}.png"))
