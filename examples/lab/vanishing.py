"""Vanishing gradients (book ch. 5): in a deep sigmoid network the early layers learn orders of magnitude
more slowly than the late ones, because backpropagation multiplies the gradient by w sigma'(z) (at most 1/4
when |w| < 1) once per layer; with ReLU the factor is w or 0, and the gradient reaches the first layer.

    python -m examples.lab vanishing --data ../shared/data/mnist.npz   # chains of 5, 10, 20 neurons; the MLPs
    python -m examples.lab vanishing --depths 5,30 --chains 2000        # other chains
    python -m examples.lab vanishing --quick                            # a few chains, 300 images, 2 epochs

(a) The book's chain of L sigmoid neurons, one per layer: ``--chains`` independent chains per depth, held as
(chains,) tensors so that one ``backward()`` gives every chain its own gradient, with weights and biases
N(0, 1), each fitting y = 0.2 + 0.6 x on 50 points x in [0, 1] (quadratic cost, full-batch gradient descent
with ``--chain-eta``, ``--chain-steps`` steps: the last layer soon fits the mean of y, and the earlier layers,
which would have to pass x on, barely move). The engine's |dC/db_l| are checked against the book's product
formula dC/db_l = sigma'(z_l) w_{l+1} sigma'(z_{l+1}) ... w_L sigma'(z_L) dC/da_L (per input, averaged), and
their median over the chains is shown per layer at initialisation and over training.

(b) The MLP [n_in, 30, 30, 30, 30, 10] on the digits data, once with sigmoid and once with ReLU hidden
neurons, from the same N(0, 1/n_in) weights (biases 0, so that the only difference is the activation), the
cross-entropy cost on sigmoid outputs, SGD with eta = ``--eta`` and mini-batches of 10: the per-layer
gradient norms ``nn.utils.grad_norms(model)`` after every mini-batch of the first ``--epochs`` epochs, and
at initialisation the book's measure, the length of each hidden layer's bias gradient over the first 1,000
images. Data: ``--data PATH`` (an mnist.npz or a directory of IDX files), else MNIST in the cache directory,
else scikit-learn's 8x8 digits. The last line reads ``lab vanishing: chain of 20 |dC/db_1| / |dC/db_20|
1.7e-19 at initialisation; MLP first / last layer gradient norm sigmoid 0.024, ReLU 2.506; 12.5 s`` (the first
/ last ratios of the MLPs are geometric means over the mini-batches; the default run takes 10 to 30 s).
"""

import os

import numpy as np

import autograd_lite as al
import nn
import nn.functional as F
import optim
from examples import _common as common
from examples.lab import _digits
from examples.lab.convolution import compact

NAME = "vanishing"
TITLE = "vanishing gradients: early sigmoid layers learn orders of magnitude slower; ReLU much less so"
CHAIN_POINTS = 50
WIDTHS = (30, 30, 30, 30)
BATCH_SIZE = 10
BOOK_SAMPLE = 1000  # the book measures the gradient over the first 1,000 training images
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "ReLU": nn.ReLU}
QUICK = dict(train_size=300, epochs=2, chains=100, chain_steps=60)


def depths(text):
    """``--depths``: comma-separated chain lengths, each at least 2."""
    import argparse

    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 2:
        raise argparse.ArgumentTypeError(f"every depth must be at least 2, got {text!r}")
    return sorted(set(values))


def add_arguments(parser):
    _digits.add_arguments(parser, train_size=10_000, epochs=3, quick=QUICK)
    parser.add_argument("--eta", type=float, default=0.1, help="the MLPs' learning rate")
    parser.add_argument("--depths", type=depths, default=[5, 10, 20], help="chain lengths L (comma-separated)")
    parser.add_argument(
        "--chains", type=int, default=1000, help=f"chains per depth, trained at once (--quick: {QUICK['chains']})"
    )
    parser.add_argument(
        "--chain-steps", type=int, default=400, help=f"gradient steps of the chains (--quick: {QUICK['chain_steps']})"
    )
    parser.add_argument("--chain-eta", type=float, default=2.0, help="the chains' learning rate")


# ---- (a) chains of single sigmoid neurons ---------------------------------------------------------------


def sigmoid_prime(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s * (1.0 - s)


class Chains:
    """``count`` independent chains of ``depth`` sigmoid neurons, as lists of (count,) float64 parameters."""

    def __init__(self, depth, count, rng):
        self.w = [al.tensor(rng.standard_normal(count), requires_grad=True) for _ in range(depth)]
        self.b = [al.tensor(rng.standard_normal(count), requires_grad=True) for _ in range(depth)]

    def forward(self, x):
        """The outputs a_L (points, chains) for inputs x (points,)."""
        a = al.tensor(x[:, None])
        for w, b in zip(self.w, self.b):
            a = al.sigmoid(a * w + b)
        return a

    def costs(self, x, y):
        """Each chain's quadratic cost (1/2n) sum (a_L - y)^2: (chains,)."""
        return ((self.forward(x) - al.tensor(y[:, None])) ** 2).sum(dim=0) / (2 * len(x))

    def bias_gradients(self):
        """|dC/db_l| per layer and chain: (depth, chains)."""
        return np.abs(np.stack([b.grad.numpy() for b in self.b]))

    def formula(self, x, y):
        """The book's product formula for dC/db_l, in numpy: (depth, chains)."""
        w = [p.detach().numpy() for p in self.w]
        b = [p.detach().numpy() for p in self.b]
        a, zs = x[:, None], []
        for wl, bl in zip(w, b):
            zs.append(a * wl + bl)
            a = 1.0 / (1.0 + np.exp(-zs[-1]))
        delta = (a - y[:, None]) * sigmoid_prime(zs[-1]) / len(x)
        grads = [delta.sum(axis=0)]
        for layer in range(len(w) - 2, -1, -1):
            delta = delta * w[layer + 1] * sigmoid_prime(zs[layer])
            grads.append(delta.sum(axis=0))
        return np.stack(grads[::-1])


def run_chain(depth, count, steps, eta, rng):
    """Train ``count`` chains of ``depth`` neurons; the median |dC/db_l| per layer at each step (steps + 1,
    depth), the worst relative difference from the product formula at initialisation, and the per-chain
    ratios |dC/db_1| / |dC/db_L| at initialisation."""
    chains = Chains(depth, count, rng)
    x = np.linspace(0.0, 1.0, CHAIN_POINTS)
    y = 0.2 + 0.6 * x
    optimizer = optim.SGD(chains.w + chains.b, lr=eta)
    medians, costs, check, ratios = [], [], None, None
    for step in common.progress(range(steps + 1), desc=f"chains of {depth}", unit="step", leave=False):
        optimizer.zero_grad()
        cost = chains.costs(x, y)
        cost.sum().backward()  # the sum over the chains: each chain's parameters get its own cost's gradient
        grads = chains.bias_gradients()
        medians.append(np.median(grads, axis=1))
        costs.append(np.median(cost.detach().numpy()))
        if step == 0:
            formula = np.abs(chains.formula(x, y))
            check = float((np.abs(grads - formula) / np.maximum(formula, 1e-300)).max())
            ratios = grads[0] / grads[-1]
        if step < steps:
            optimizer.step()
    final = chains.costs(x, y).detach().numpy()
    return {
        "medians": np.array(medians),
        "costs": np.array(costs),
        "formula_error": check,
        "ratio": float(np.median(ratios)),
        "mean_fit": float(y.var() / 2),
        "beat_mean": float((final < 0.5 * y.var() / 2).mean()),
    }


# ---- (b) the deep MLP on the digits ---------------------------------------------------------------------


def build(inputs, activation, seed):
    """[inputs, 30, 30, 30, 30, 10] with the given hidden activation; weights N(0, 1/n_in), biases 0, the
    same draws for both activations."""
    al.manual_seed(seed)
    sizes = (inputs, *WIDTHS, 10)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), ACTIVATIONS[activation]()]
    model = nn.Sequential(*layers[:-1])
    with al.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("weight"):
                nn.init.scaled_normal_(parameter)
            else:
                nn.init.zeros_(parameter)
    return model


def mlp_cost(model, x, y):
    """The book's cross-entropy on sigmoid outputs, averaged over the mini-batch."""
    return F.binary_cross_entropy_with_logits(model(al.tensor(x)), al.tensor(y), reduction="sum") / len(x)


def book_speeds(model, data):
    """The book's "speed of learning" of each hidden layer at initialisation: the length of its bias
    gradient, the cost averaged over the first 1,000 training images."""
    model.zero_grad()
    n = min(BOOK_SAMPLE, len(data["x"]))
    mlp_cost(model, data["x"][:n], data["y"][:n]).backward()
    linears = [m for m in model if isinstance(m, nn.Linear)][:-1]
    return [float(np.linalg.norm(m.bias.grad.numpy())) for m in linears]


def run_mlp(activation, data, args, epochs, seed):
    """Train the MLP; per-layer gradient norms after each mini-batch (steps, layers), the validation
    accuracy after each epoch and the book's speeds at initialisation."""
    model = build(data["x"].shape[1], activation, seed)
    speeds = book_speeds(model, data)
    optimizer = optim.SGD(model.parameters(), lr=args.eta)
    rng = np.random.default_rng(seed)
    norms, accuracies = [], []
    n = len(data["x"])
    total = epochs * -(-n // BATCH_SIZE)
    with common.progress(None, total=total, desc=activation, unit="batch", leave=False) as bar:
        for _ in range(epochs):
            for batch in _digits.epoch_batches(n, BATCH_SIZE, rng):
                optimizer.zero_grad()
                mlp_cost(model, data["x"][batch], data["y"][batch]).backward()
                norms.append(list(nn.utils.grad_norms(model).values()))
                optimizer.step()
                bar.update(1)
            accuracies.append(_digits.accuracy(model, data["x_val"], data["labels_val"]))
    norms = np.array(norms)
    return {
        "norms": norms,
        "accuracies": accuracies,
        "speeds": speeds,
        "ratio": float(np.exp(np.mean(np.log(norms[:, 0] / norms[:, -1])))),
        "names": list(nn.utils.grad_norms(model)),
    }


# ---- the experiment -------------------------------------------------------------------------------------


def run(args):
    watch = common.Stopwatch()
    train_size, epochs = _digits.settings(args, QUICK)
    if args.chains < 1 or args.chain_steps < 0 or args.eta <= 0 or args.chain_eta <= 0:
        raise SystemExit("error: need --chains >= 1, --chain-steps >= 0, --eta > 0 and --chain-eta > 0")
    count = min(args.chains, QUICK["chains"]) if args.quick else args.chains
    steps = min(args.chain_steps, QUICK["chain_steps"]) if args.quick else args.chain_steps
    al.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    print(
        f"(a) chains of L sigmoid neurons, weights and biases N(0, 1): {count} chains per depth, fitting "
        f"y = 0.2 + 0.6 x on {CHAIN_POINTS} points, {steps} steps of gradient descent, eta = {args.chain_eta}",
        flush=True,
    )
    chains = {}
    for depth in args.depths:
        chains[depth] = r = run_chain(depth, count, steps, args.chain_eta, rng)
        shown = ", ".join(f"{g:.1e}" for g in r["medians"][0])
        print(
            f"L = {depth:2d}: median |dC/db_l|, l = 1..{depth}, at initialisation: {shown}; median ratio "
            f"|dC/db_1| / |dC/db_{depth}| {r['ratio']:.1e}; engine vs product formula: {r['formula_error']:.1e}",
            flush=True,
        )
        print(
            f"        median cost {r['costs'][0]:.4f} -> {r['costs'][-1]:.4f} (the best constant output, the mean "
            f"of y: {r['mean_fit']:.4f}); chains below half of that: {100 * r['beat_mean']:.1f}%",
            flush=True,
        )
    data = _digits.load(args.data, train_size, validation_size=500 if args.quick else None)
    sizes = [data["x"].shape[1], *WIDTHS, 10]
    print(
        f"(b) MLP {sizes}, weights N(0, 1/n_in), biases 0, cross-entropy, eta = {args.eta}, mini-batch "
        f"{BATCH_SIZE}, {epochs} epochs on {len(data['x'])} {data['name']} images; seed {args.seed}",
        flush=True,
    )
    mlps = {}
    for activation in ACTIVATIONS:
        mlps[activation] = result = run_mlp(activation, data, args, epochs, args.seed)
        speeds = ", ".join(f"{s:.4f}" for s in result["speeds"])
        print(
            f"{activation:>7}: hidden layers' |dC/db| at initialisation (the book's speeds, over "
            f"{min(BOOK_SAMPLE, len(data['x']))} images): {speeds}",
            flush=True,
        )
        mean = ", ".join(f"{g:.2e}" for g in np.exp(np.log(result["norms"]).mean(axis=0)))
        accuracies = ", ".join(f"{a:.2f}%" for a in result["accuracies"])
        print(
            f"{activation:>7}: grad_norms per layer (geometric mean over {len(result['norms'])} mini-batches): "
            f"{mean}; first / last {result['ratio']:.3f}; validation accuracy after each epoch {accuracies}",
            flush=True,
        )
    figures = [] if args.no_plots else [plot_chains(args, chains, count, steps), plot_mlp(args, data, mlps, epochs)]
    for path in figures:
        print(f"figure: {path}")
    deepest = max(args.depths)
    line = (
        f"lab vanishing: chain of {deepest} |dC/db_1| / |dC/db_{deepest}| {chains[deepest]['ratio']:.1e} at "
        f"initialisation; MLP first / last layer gradient norm sigmoid {mlps['sigmoid']['ratio']:.3f}, "
        f"ReLU {mlps['ReLU']['ratio']:.3f}; {watch.elapsed():.1f} s"
    )
    print(line, flush=True)
    return {"line": line, "figures": figures, "chains": chains, "mlps": mlps, "dataset": data["name"]}


# ---- figures --------------------------------------------------------------------------------------------


def plot_chains(args, chains, count, steps):
    """The median |dC/db_l| per layer at initialisation for each depth, and over training for each depth."""
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 1 + len(chains), figsize=(4.5 * (1 + len(chains)), 4.2))
    first = axes[0]
    for depth, result in chains.items():
        layers = np.arange(1, depth + 1)
        initial = result["medians"][0]
        first.plot(layers, initial, "o-", ms=3, label=f"L = {depth}")
    deepest = max(chains)
    layers = np.arange(1, deepest + 1)
    last = chains[deepest]["medians"][0][-1]
    first.plot(layers, last * 0.25 ** (deepest - layers), "k--", lw=1, label="x 1/4 per layer (the book's bound)")
    first.set_yscale("log")
    first.set(
        xlabel="layer l",
        ylabel="median |dC/db_l| over the chains",
        title=f"at initialisation ({count} chains each)",
    )
    first.grid(alpha=0.3)
    first.legend(fontsize=8)
    for ax, (depth, result) in zip(axes[1:], chains.items()):
        colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, depth))
        for layer in range(depth):
            label = f"layer {layer + 1}" if layer in (0, depth - 1) else None
            ax.plot(result["medians"][:, layer], color=colours[layer], lw=1.2, label=label)
        ax.set_yscale("log")
        ax.set(xlabel="gradient-descent step", ylabel="median |dC/db_l|", title=f"L = {depth}: over training")
        ax.grid(alpha=0.3)
        cost = ax.twinx()
        cost.plot(result["costs"], "k--", lw=1, label="median cost")
        cost.axhline(result["mean_fit"], color="C3", lw=0.8, ls=":", label="best constant output")
        cost.set(ylabel="cost", ylim=(0, 1.1 * max(result["costs"])))
        handles = ax.get_legend_handles_labels()[0] + cost.get_legend_handles_labels()[0]
        ax.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="upper right")
    fig.suptitle(
        f"chains of L sigmoid neurons (weights, biases N(0, 1)) fitting y = 0.2 + 0.6 x: each layer back multiplies "
        f"the gradient by w sigma'(z); trained (eta = {args.chain_eta}), the last layer fits the mean of y and the "
        "others barely move"
    )
    fig.tight_layout()
    return compact(common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}_chain.png")), colours=256)


def smooth(values, window):
    """Geometric moving average over ``window`` mini-batches (the norms are noisy)."""
    window = max(1, min(window, len(values)))
    logs = np.convolve(np.log(values), np.ones(window) / window, mode="valid")
    return np.exp(logs)


def plot_mlp(args, data, mlps, epochs):
    """The per-layer gradient norms over the mini-batches, sigmoid and ReLU side by side on one log scale."""
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
    for ax, (activation, result) in zip(axes, mlps.items()):
        norms = result["norms"]
        window = max(1, len(norms) // 50)
        steps = np.arange(len(norms))[window - 1 :] + 1
        every = max(1, len(steps) // 400)  # a few hundred points per curve are enough
        colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, norms.shape[1]))
        for layer in range(norms.shape[1]):
            name = "output layer" if layer == norms.shape[1] - 1 else f"hidden layer {layer + 1}"
            curve = smooth(norms[:, layer], window)
            ax.plot(steps[::every], curve[::every], color=colours[layer], lw=1.3, label=name)
        per_epoch = len(norms) / epochs
        for epoch in range(1, epochs):
            ax.axvline(epoch * per_epoch, color="gray", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set(
            xlabel="mini-batch",
            title=f"{activation}: first / last layer {result['ratio']:.3f}, "
            f"validation {result['accuracies'][-1]:.1f}% after {epochs} epochs",
        )
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"gradient norm per layer (nn.utils.grad_norms; {window}-batch geometric mean)")
    axes[0].legend(fontsize=8)
    sizes = [data["x"].shape[1], *WIDTHS, 10]
    fig.suptitle(f"MLP {sizes} on {len(data['x'])} {data['name']} images, eta = {args.eta}, mini-batch {BATCH_SIZE}")
    fig.tight_layout()
    return compact(common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}_mlp.png")), colours=256)
