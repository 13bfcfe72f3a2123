"""``python -m autograd_lite.reference.crosscheck``: the hand-written backprop against the autograd engine.

Builds a random reference ``Network`` and a random mini-batch, and prints the per-layer differences between
∂C/∂w, ∂C/∂b of the book's four equations and of ``.backward()`` (``autograd_lite.testing.reference_check``);
``--all`` prints one row per cost × output × hidden activation × regularisation. The last line is
``crosscheck: max relative difference ... (tolerance ...): ok`` (or ``FAILED``, with exit status 1).
"""

import argparse
import sys

import numpy as np

from autograd_lite.reference import network as ref
from autograd_lite.testing.reference_check import crosscheck, summary_line

COSTS = {"quadratic": ref.QuadraticCost, "cross-entropy": ref.CrossEntropyCost, "log-likelihood": ref.LogLikelihoodCost}
HIDDEN = ("sigmoid", "tanh", "relu")
OUTPUTS = ("sigmoid", "linear", "softmax")
REGULARIZATIONS = ("L2", "L1")


def activation_class(name):
    """The reference activation class for a command-line name (``linear`` is the identity)."""
    classes = {"sigmoid": ref.Sigmoid, "tanh": ref.Tanh, "relu": ref.ReLU, "softmax": ref.Softmax, "linear": ref.Linear}
    return classes[name]


def default_output(cost, activation):
    """The output layer a cost goes with: sigmoid for cross-entropy, softmax for log-likelihood, and for the
    quadratic cost the hidden activation (the reference Network's default)."""
    return {"cross-entropy": "sigmoid", "log-likelihood": "softmax"}.get(cost, activation)


def random_network(sizes, cost, activation, output, seed, network_class=ref.Network):
    """A float64 Network (or a subclass) with the book's default initialisation (weights N(0, 1/n_in), biases
    N(0, 1)) from ``seed``; cost and activations are command-line names."""
    return network_class(
        sizes,
        cost=COSTS[cost],
        activation=activation_class(activation),
        output_activation=activation_class(output),
        init="scaled",
        seed=seed,
    )


def random_batch(sizes, cost, batch, seed):
    """Inputs N(0, 1) of shape (n_in, batch) and targets: one-hot columns for the log-likelihood, else
    uniform in [0, 1)."""
    rng = np.random.default_rng([seed, 1])
    x = rng.standard_normal((sizes[0], batch))
    if cost == "log-likelihood":
        y = np.zeros((sizes[-1], batch))
        y[rng.integers(0, sizes[-1], batch), np.arange(batch)] = 1.0
    else:
        y = rng.random((sizes[-1], batch))
    return x, y


def check(args, cost, activation, output, lmbda, regularization, verbose):
    """The crosscheck result for one configuration of the command line."""
    net = random_network(args.sizes, cost, activation, output, args.seed)
    x, y = random_batch(args.sizes, cost, args.batch, args.seed)
    return crosscheck(net, x, y, lmbda=lmbda, regularization=regularization, tolerance=args.tolerance, verbose=verbose)


def configurations(lmbda):
    """Every (cost, hidden, output, λ, regularisation) of ``--all``: the quadratic cost with a hidden-like and
    a linear output, each regularisation with λ (1.0 when λ is 0) and once without."""
    lmbda = lmbda or 1.0
    regs = [("none", 0.0, "L2")] + [(r, lmbda, r) for r in REGULARIZATIONS]
    for cost in COSTS:
        for activation in HIDDEN:
            outputs = [activation, "linear"] if cost == "quadratic" else [default_output(cost, activation)]
            for output in outputs:
                for label, lam, reg in regs:
                    yield cost, activation, output, label, lam, reg


def run_all(args):
    """Print one table row per configuration; return the worst relative difference."""
    header = (
        f"{'cost':<15}{'hidden':<9}{'output':<9}{'reg':<6}{'lambda':>7}  {'dC/dw max abs':>13}  "
        f"{'dC/dw max rel':>13}  {'dC/db max abs':>13}  {'dC/db max rel':>13}"
    )
    print(f"sizes {args.sizes}, batch {args.batch}, seed {args.seed}")
    print(header)
    worst = 0.0
    for cost, activation, output, label, lam, reg in configurations(args.lmbda):
        r = check(args, cost, activation, output, lam, reg, verbose=False)
        w_abs, w_rel = max(d.weight_abs for d in r.layers), max(d.weight_rel for d in r.layers)
        b_abs, b_rel = max(d.bias_abs for d in r.layers), max(d.bias_rel for d in r.layers)
        print(
            f"{cost:<15}{activation:<9}{output:<9}{label:<6}{lam:>7g}  {w_abs:>13.3e}  {w_rel:>13.3e}  "
            f"{b_abs:>13.3e}  {b_rel:>13.3e}  {'ok' if r.ok else 'FAILED'}"
        )
        worst = float(np.max([worst, r.max_rel]))
    return worst


def sizes_arg(text):
    """``4,5,3`` as a list of at least two layer sizes >= 1."""
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints like 4,5,3, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two layer sizes >= 1, got {text!r}")
    return sizes


def number_arg(kind, low):
    """An argparse type: a ``kind`` (int or float) >= ``low``."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a{'n int' if kind is int else ' number'}, got {text!r}"
            ) from None
        if not value >= low or not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite value >= {low}, got {text!r}")
        return value

    return parse


def parser():
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python -m autograd_lite.reference.crosscheck",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--sizes", type=sizes_arg, default=[4, 5, 3], help="layer sizes, input first (4,5,3)")
    p.add_argument("--cost", choices=list(COSTS), default="quadratic", help="the cost (quadratic)")
    p.add_argument("--activation", choices=HIDDEN, default="sigmoid", help="hidden activation (sigmoid)")
    p.add_argument(
        "--output",
        choices=OUTPUTS,
        default=None,
        help="output activation (default: sigmoid for cross-entropy, softmax for log-likelihood, "
        "the hidden activation for quadratic)",
    )
    p.add_argument("--batch", type=number_arg(int, 1), default=7, help="mini-batch size (7)")
    p.add_argument(
        "--lmbda",
        type=number_arg(float, 0.0),
        default=0.0,
        help="regularisation λ (0); with --all, 0 means 1.0 for the regularised rows",
    )
    p.add_argument("--regularization", choices=REGULARIZATIONS, default="L2", help="L2 or L1 (L2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the data (0)")
    p.add_argument(
        "--tolerance", type=number_arg(float, 0.0), default=1e-10, help="largest relative difference accepted (1e-10)"
    )
    p.add_argument("--all", action="store_true", help="one row per cost × output × hidden activation × regularisation")
    return p


def main(argv=None):
    """Run the command; return the exit status: 0 if every difference is within the tolerance, else 1."""
    p = parser()
    args = p.parse_args(argv)
    if args.all:
        worst = run_all(args)
        print(summary_line(worst, args.tolerance))
    else:
        output = args.output or default_output(args.cost, args.activation)
        try:
            worst = check(
                args, args.cost, args.activation, output, args.lmbda, args.regularization, verbose=True
            ).max_rel
        except ValueError as err:
            p.error(str(err))
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
