"""Optimizers against torch.optim: 50-step training trajectories of every optimizer over every combination of
the options torch has, with two parameter groups of different settings, agree within 1e-10 in float64."""

import itertools

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402

import autograd_lite as al  # noqa: E402
import optim  # noqa: E402

STEPS = 50


def _grid(**axes):
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*axes.values())]


SGD_OPTIONS = [
    o
    for o in _grid(
        momentum=[0.0, 0.9],
        dampening=[0.0, 0.3],
        nesterov=[False, True],
        weight_decay=[0.0, 0.01],
        maximize=[False, True],
    )
    if not o["nesterov"] or (o["momentum"] > 0 and o["dampening"] == 0)
]
ADAM_OPTIONS = _grid(
    amsgrad=[False, True], weight_decay=[0.0, 0.1], maximize=[False, True], betas=[(0.9, 0.999), (0.5, 0.8)]
)
RMSPROP_OPTIONS = _grid(
    centered=[False, True], momentum=[0.0, 0.5], weight_decay=[0.0, 0.01], alpha=[0.99, 0.5], maximize=[False, True]
)
ADAGRAD_OPTIONS = _grid(
    lr_decay=[0.0, 0.1],
    weight_decay=[0.0, 0.01],
    initial_accumulator_value=[0.0, 0.5],
    eps=[1e-10, 1e-3],
    maximize=[False, True],
)
ADADELTA_OPTIONS = _grid(rho=[0.9, 0.5], eps=[1e-6, 1e-3], weight_decay=[0.0, 0.01], maximize=[False, True])
NADAM_OPTIONS = _grid(
    betas=[(0.9, 0.999), (0.5, 0.8)],
    weight_decay=[0.0, 0.1],
    momentum_decay=[4e-3, 0.1],
    decoupled_weight_decay=[False, True],
    maximize=[False, True],
)

CASES = (
    [("SGD", 0.05, o) for o in SGD_OPTIONS]
    + [("Adam", 0.01, o) for o in ADAM_OPTIONS]
    + [("AdamW", 0.01, o) for o in ADAM_OPTIONS]
    + [("RMSprop", 0.005, o) for o in RMSPROP_OPTIONS]
    + [("Adagrad", 0.05, o) for o in ADAGRAD_OPTIONS]
    + [("Adadelta", 0.5, o) for o in ADADELTA_OPTIONS]
    + [("NAdam", 0.01, o) for o in NADAM_OPTIONS]
)


def _case_id(case):
    name, _, options = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in options.items())


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    weights = [
        rng.standard_normal((6, 4)) * 0.5,
        rng.standard_normal(6) * 0.1,
        rng.standard_normal((2, 6)) * 0.5,
        rng.standard_normal(2) * 0.1,
        rng.standard_normal(3),
    ]
    data = [(rng.standard_normal((8, 4)), rng.standard_normal((8, 2))) for _ in range(STEPS)]
    return weights, data


def _loss(lib, params, x, y):
    w1, b1, w2, b2, _unused = params
    hidden = lib.tanh(x @ w1.T + b1)
    return ((hidden @ w2.T + b2 - y) ** 2).mean()


def _groups(params, lr):
    """Two groups: the first with the case's options, the second with its own lr (and weight decay)."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": lr * 0.5, "weight_decay": 0.02}]


def _trajectory(lib, opt_cls, lr, options, weights, data):
    """The parameters after each step of training with ``opt_cls``; the last parameter never gets a gradient.
    With ``maximize`` the objective is the negated loss, so ascent is a stable (non-chaotic) trajectory."""
    params = [lib.tensor(w.copy(), requires_grad=True) for w in weights]
    opt = opt_cls(_groups(params, lr), lr=lr, **options)
    history = []
    for x, y in data:
        opt.zero_grad()
        loss = _loss(lib, params, lib.tensor(x), lib.tensor(y))
        (-loss if options.get("maximize") else loss).backward()
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fifty_step_trajectory_matches_torch_optim(case):
    name, lr, options = case
    weights, data = _problem()
    ours = _trajectory(al, getattr(optim, name), lr, options, weights, data)
    theirs = _trajectory(torch, getattr(torch.optim, name), lr, options, weights, data)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(pa, pb, rtol=1e-10, atol=1e-10, err_msg=f"step {step}, parameter {i}")
    assert np.array_equal(ours[-1][4], weights[4])
    assert not np.allclose(ours[-1][0], weights[0])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam"])
def test_defaults_match_torch(name):
    ours = getattr(optim, name)([al.tensor([1.0], requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.tensor([1.0], requires_grad=True)]).defaults
    for key, value in ours.items():
        if key in theirs:
            assert theirs[key] == value, key
