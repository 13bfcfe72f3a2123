"""The small regression problem the regularisation experiments share: y = x² + N(0, 0.2²) on [-1, 1].

Ten training points and a hundred test points, drawn uniformly (each set from its own stream of the seed, so
the test points do not depend on how many training points are drawn); a network with one hidden layer of 20
tanh units and a linear output, trained on the mean squared error by full-batch Adam (lr 0.01), which overfits
ten points clearly within a few thousand steps. The best test MSE achievable is the noise variance 0.04.
"""

import copy

import numpy as np

import autograd_lite as al
import nn
import nn.functional as F
import optim

NOISE = 0.2
FLOOR = NOISE**2  # the best achievable expected test MSE: the noise variance
N_TRAIN, N_TEST, HIDDEN = 10, 100, 20
LR = 0.01
STEPS, QUICK_STEPS = 5000, 2000
GRID = np.linspace(-1.0, 1.0, 201, dtype=np.float32)[:, None]


def truth(x):
    """The noiseless curve, x²."""
    return x**2


def sample(seed, n):
    """``n`` points (x, y) as float32 column vectors: x uniform on [-1, 1], y = x² + N(0, NOISE²). The x and the
    noise come from two streams of ``seed``, so the first k of n points are the k points drawn alone."""
    x_rng, noise_rng = (np.random.default_rng(s) for s in seed.spawn(2))
    x = x_rng.uniform(-1.0, 1.0, (n, 1))
    y = truth(x) + NOISE * noise_rng.standard_normal((n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def make_data(seed, n_train=N_TRAIN, n_test=N_TEST):
    """A dict with the training points ``x``, ``y`` and the test points ``x_test``, ``y_test``; a larger
    ``n_train`` adds points after the same first ones, and never changes the test points."""
    train_seed, test_seed = np.random.SeedSequence(seed).spawn(2)
    x, y = sample(train_seed, n_train)
    x_test, y_test = sample(test_seed, n_test)
    return {"x": x, "y": y, "x_test": x_test, "y_test": y_test}


def subset(data, n):
    """The same data with only the first ``n`` training points."""
    return {**data, "x": data["x"][:n], "y": data["y"][:n]}


def truth_mse(data):
    """The test MSE of the true curve itself: the noise of these particular test points (about FLOOR)."""
    return float(np.mean((truth(data["x_test"].astype(np.float64)) - data["y_test"]) ** 2))


def build(hidden=HIDDEN, dropout=0.0):
    """``Linear(1, hidden) - Tanh - [Dropout(p)] - Linear(hidden, 1)``, initialised from the current seed."""
    layers = [nn.Linear(1, hidden), nn.Tanh()]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, 1))


def clone(model):
    """An independent copy of ``model`` (same weights), e.g. to retrain from the same initialisation."""
    return copy.deepcopy(model)


def weights(model):
    """The weight matrices (not the biases): the parameters a penalty acts on."""
    return [p for name, p in model.named_parameters() if name.endswith("weight")]


def biases(model):
    """The bias vectors (never penalised)."""
    return [p for name, p in model.named_parameters() if name.endswith("bias")]


def predict(model, x):
    """The model's outputs at column vector ``x`` (eval mode, no graph) as a float64 array."""
    was_training = model.training
    model.eval()
    with al.no_grad():
        out = model(al.tensor(np.asarray(x, dtype=np.float32))).numpy().astype(np.float64)
    model.train(was_training)
    return out


def mses(model, data):
    """(train MSE, test MSE) in eval mode, from one forward pass over both sets."""
    n = len(data["x"])
    out = predict(model, np.concatenate([data["x"], data["x_test"]]))
    errors = (out - np.concatenate([data["y"], data["y_test"]])) ** 2
    return float(errors[:n].mean()), float(errors[n:].mean())


def train(model, data, steps, lr=LR, l2=0.0, l1=0.0, bar=None, record=True):
    """Full-batch Adam on the training MSE for ``steps`` steps; returns the train and test MSE after each
    number of steps 0 ... steps (arrays of steps + 1, measured in eval mode); with ``record=False`` only after
    the last step (arrays of one).

    ``l2`` adds (l2 / 2)·Σw² over the weights (Adam's coupled weight_decay: λw added to the gradient).
    ``l1`` adds l1·Σ|w| over the weights as a proximal step: after each Adam step, every weight is
    soft-thresholded by l1 times its Adam step size lr / (√v̂ + ε) (the L1 prox in Adam's diagonal metric), so
    weights whose gradient stays below l1 in size are exactly 0 and stay there. Biases are never penalised.
    """
    groups = [{"params": weights(model), "weight_decay": l2}, {"params": biases(model), "weight_decay": 0.0}]
    optimizer = optim.Adam(groups, lr=lr)
    x, y = al.tensor(data["x"]), al.tensor(data["y"])
    train_mse, test_mse = np.empty(steps + 1 if record else 1), np.empty(steps + 1 if record else 1)
    for step in range(steps):
        if record:
            train_mse[step], test_mse[step] = mses(model, data)
        loss = F.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if l1 > 0:
            soft_threshold(optimizer, weights(model), lr, l1)
        if bar is not None:
            bar.update(1)
    train_mse[-1], test_mse[-1] = mses(model, data)
    return {"train": train_mse, "test": test_mse}


def soft_threshold(optimizer, params, lr, l1):
    """The L1 proximal step after an Adam step: w <- sign(w)·max(|w| - l1·lr/(√v̂ + ε), 0) per weight, in place
    (``Tensor.numpy()`` shares the parameter's memory, as torch's does)."""
    beta2 = optimizer.param_groups[0]["betas"][1]
    eps = optimizer.param_groups[0]["eps"]
    for p in params:
        state = optimizer.state[p]
        v_hat = state["exp_avg_sq"].numpy() / (1 - beta2 ** state["step"])
        w = p.detach().numpy()
        w[...] = np.sign(w) * np.maximum(np.abs(w) - l1 * lr / (np.sqrt(v_hat) + eps), 0.0)


def steps_of(args, default=STEPS, quick=QUICK_STEPS):
    """The number of training steps: ``--steps`` if given, else the default (or the --quick one)."""
    steps = args.steps if args.steps is not None else (quick if args.quick else default)
    if steps < 1:
        raise SystemExit(f"error: --steps must be at least 1, got {steps}")
    return steps


def add_steps_argument(parser):
    """``--steps``: the Adam steps per training run."""
    parser.add_argument(
        "--steps", type=int, help=f"full-batch Adam steps per training run (default {STEPS}; --quick {QUICK_STEPS})"
    )


def plot_data(ax, data):
    """The training points, the test points (faint) and the true curve on ``ax``."""
    ax.plot(GRID[:, 0], truth(GRID[:, 0]), "k--", lw=1.2, label="true curve x²")
    ax.scatter(data["x_test"][:, 0], data["y_test"][:, 0], s=10, c="0.7", label="test points")
    ax.scatter(data["x"][:, 0], data["y"][:, 0], s=40, c="k", zorder=5, label="training points")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
