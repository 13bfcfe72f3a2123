"""OneCycleLR and SequentialLR against torch.optim.lr_scheduler: the same learning rates (and, for
OneCycleLR, momenta or beta1) step by step, two param groups, every option; state dicts round-trip."""

import pytest

torch = pytest.importorskip("torch")

import autograd_lite as al  # noqa: E402
import optim  # noqa: E402
from optim import lr_scheduler as S  # noqa: E402

T = torch.optim.lr_scheduler
LRS = (0.1, 0.025)


def _groups(lib, lrs=LRS):
    return [{"params": [lib.tensor([1.0, -1.0], requires_grad=True)], "lr": lr} for lr in lrs]


def _pair(kind):
    if kind == "sgd":
        return optim.SGD(_groups(al), lr=LRS[0], momentum=0.9), torch.optim.SGD(_groups(torch), lr=LRS[0], momentum=0.9)
    if kind == "adam":
        return optim.Adam(_groups(al), lr=LRS[0]), torch.optim.Adam(_groups(torch), lr=LRS[0])
    return optim.NAdam(_groups(al), lr=LRS[0]), torch.optim.NAdam(_groups(torch), lr=LRS[0])


def _record(scheduler, steps):
    """(lrs, momenta) after construction and after each of ``steps`` optimizer.step()/scheduler.step()."""

    def snapshot():
        groups = scheduler.optimizer.param_groups
        momenta = [g["betas"][0] if "betas" in g else g.get("momentum") for g in groups]
        return scheduler.get_last_lr(), momenta

    seen = [snapshot()]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        seen.append(snapshot())
    return seen


ONE_CYCLE = [
    ("sgd", dict(max_lr=1.0, total_steps=40)),
    ("sgd", dict(max_lr=[1.0, 0.5], epochs=4, steps_per_epoch=9, pct_start=0.25)),
    ("sgd", dict(max_lr=0.3, total_steps=30, anneal_strategy="linear")),
    ("sgd", dict(max_lr=0.3, total_steps=30, three_phase=True)),
    ("sgd", dict(max_lr=0.3, total_steps=31, three_phase=True, anneal_strategy="linear", pct_start=0.4)),
    ("sgd", dict(max_lr=0.3, total_steps=25, cycle_momentum=False)),
    ("sgd", dict(max_lr=0.3, total_steps=25, base_momentum=[0.8, 0.7], max_momentum=0.99, div_factor=10.0)),
    ("sgd", dict(max_lr=0.3, total_steps=25, final_div_factor=100.0, pct_start=0.5)),
    ("adam", dict(max_lr=0.01, total_steps=40)),
    ("adam", dict(max_lr=0.01, total_steps=40, three_phase=True, anneal_strategy="linear")),
    ("nadam", dict(max_lr=0.01, total_steps=20, base_momentum=0.8)),
]


def _assert_same(ours, theirs):
    assert ours == theirs  # the same formulas in the same order: bit-identical


@pytest.mark.parametrize("kind, kwargs", ONE_CYCLE, ids=[f"{k}-{i}" for i, (k, _) in enumerate(ONE_CYCLE)])
def test_one_cycle_matches_torch(kind, kwargs):
    ours_opt, theirs_opt = _pair(kind)
    ours, theirs = S.OneCycleLR(ours_opt, **kwargs), T.OneCycleLR(theirs_opt, **kwargs)
    steps = ours.total_steps - 1
    _assert_same(_record(ours, steps), _record(theirs, steps))
    for group, tgroup in zip(ours_opt.param_groups, theirs_opt.param_groups):
        for key in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
            assert group.get(key) == tgroup.get(key), key


def test_one_cycle_past_the_end_raises_like_torch():
    ours_opt, theirs_opt = _pair("sgd")
    for module, opt in ((S, ours_opt), (T, theirs_opt)):
        scheduler = module.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            scheduler.step()
        with pytest.raises(ValueError, match="(?i)tried to step 4 times"):
            scheduler.step()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(max_lr=0.1), "total_steps OR"),
        (dict(max_lr=0.1, total_steps=0), "total_steps"),
        (dict(max_lr=0.1, epochs=2, steps_per_epoch=0), "steps_per_epoch"),
        (dict(max_lr=0.1, total_steps=10, pct_start=1.5), "pct_start"),
        (dict(max_lr=0.1, total_steps=10, anneal_strategy="step"), "anneal_strategy"),
        (dict(max_lr=[0.1, 0.2, 0.3], total_steps=10), "max_lr"),
    ],
)
def test_one_cycle_bad_arguments_raise_value_errors_in_both(kwargs, message):
    ours_opt, theirs_opt = _pair("sgd")
    with pytest.raises(ValueError, match=f"OneCycleLR: .*{message}"):
        S.OneCycleLR(ours_opt, **kwargs)
    with pytest.raises(ValueError):
        T.OneCycleLR(theirs_opt, **kwargs)


def test_one_cycle_needs_momentum_to_cycle_it():
    ours = optim.Adagrad([al.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="momentum or beta1"):
        S.OneCycleLR(ours, max_lr=0.1, total_steps=10)
    S.OneCycleLR(ours, max_lr=0.1, total_steps=10, cycle_momentum=False)


def test_one_cycle_state_dict_round_trip():
    ours_opt, _ = _pair("sgd")
    scheduler = S.OneCycleLR(ours_opt, max_lr=0.5, total_steps=30, three_phase=True)
    _record(scheduler, 10)
    saved, opt_state = scheduler.state_dict(), ours_opt.state_dict()
    expected = _record(scheduler, 15)
    fresh_opt, _ = _pair("sgd")
    fresh = S.OneCycleLR(fresh_opt, max_lr=0.5, total_steps=30, three_phase=True)
    fresh_opt.load_state_dict(opt_state)  # after building the scheduler, which writes into the groups
    fresh.load_state_dict(saved)
    _assert_same(_record(fresh, 15), expected)


def _sequential(module, opt, case):
    if case == "warmup-cosine":
        parts = [module.LinearLR(opt, start_factor=0.1, total_iters=5), module.CosineAnnealingLR(opt, T_max=20)]
        return module.SequentialLR(opt, parts, milestones=[5])
    if case == "three":
        parts = [
            module.ExponentialLR(opt, gamma=0.9),
            module.StepLR(opt, step_size=3, gamma=0.5),
            module.MultiStepLR(opt, milestones=[2, 4, 4], gamma=0.3),
        ]
        return module.SequentialLR(opt, parts, milestones=[4, 10])
    if case == "milestone-zero":
        parts = [module.ExponentialLR(opt, gamma=0.5), module.LinearLR(opt, start_factor=0.25, total_iters=8)]
        return module.SequentialLR(opt, parts, milestones=[0])
    parts = [module.LambdaLR(opt, lambda e: 1.0 / (e + 1)), module.LinearLR(opt, 1.0, 0.2, total_iters=10)]
    return module.SequentialLR(opt, parts, milestones=[6])


SEQUENTIAL = ["warmup-cosine", "three", "milestone-zero", "lambda-linear"]


@pytest.mark.parametrize("case", SEQUENTIAL)
def test_sequential_matches_torch(case):
    ours_opt, theirs_opt = _pair("sgd")
    _assert_same(_record(_sequential(S, ours_opt, case), 35), _record(_sequential(T, theirs_opt, case), 35))


@pytest.mark.parametrize("case", SEQUENTIAL)
def test_sequential_state_dict_round_trip(case):
    ours_opt, _ = _pair("sgd")
    scheduler = _sequential(S, ours_opt, case)
    _record(scheduler, 7)
    saved, opt_state = scheduler.state_dict(), ours_opt.state_dict()
    expected = _record(scheduler, 20)
    fresh_opt, _ = _pair("sgd")
    fresh = _sequential(S, fresh_opt, case)
    fresh_opt.load_state_dict(opt_state)
    fresh.load_state_dict(saved)
    _assert_same(_record(fresh, 20), expected)


def test_sequential_bad_arguments():
    opt, _ = _pair("sgd")
    other, _ = _pair("sgd")
    a, b = S.StepLR(opt, 2), S.StepLR(other, 2)
    with pytest.raises(ValueError, match="at least one scheduler"):
        S.SequentialLR(opt, [], [])
    with pytest.raises(ValueError, match="same optimizer"):
        S.SequentialLR(opt, [a, b], [3])
    with pytest.raises(ValueError, match="one more scheduler than milestones"):
        S.SequentialLR(opt, [a], [3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.SequentialLR(opt, [a, S.ReduceLROnPlateau(opt)], [3])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(start_factor=0.0), "start_factor"),
        (dict(start_factor=1.5), "start_factor"),
        (dict(end_factor=-0.1), "end_factor"),
    ],
)
def test_linear_lr_bad_factors_raise_value_errors_in_both(kwargs, message):
    ours_opt, theirs_opt = _pair("sgd")
    with pytest.raises(ValueError, match=f"LinearLR: {message}"):
        S.LinearLR(ours_opt, **kwargs)
    with pytest.raises(ValueError):
        T.LinearLR(theirs_opt, **kwargs)
