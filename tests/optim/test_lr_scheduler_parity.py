"""Learning-rate schedulers against torch.optim.lr_scheduler: the same lr sequences (two param groups, ~50
epochs, several settings), ReduceLROnPlateau on the same metrics, resuming with last_epoch, state dicts."""

import math

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402
from hypothesis import given, strategies as hst  # noqa: E402

import autograd_lite as al  # noqa: E402
import optim  # noqa: E402
from optim import lr_scheduler as S  # noqa: E402

T = torch.optim.lr_scheduler
LRS = (0.1, 0.025)
EPOCHS = 50


def _ours(lrs=LRS):
    groups = [{"params": [al.tensor([1.0, -1.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0], momentum=0.9)


def _theirs(lrs=LRS):
    groups = [{"params": [torch.tensor([1.0, -1.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def _run(scheduler, epochs=EPOCHS):
    """get_last_lr() after construction and after each of ``epochs`` optimizer.step()/scheduler.step()."""
    seen = [scheduler.get_last_lr()]
    for _ in range(epochs):
        scheduler.optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr())
    return seen


def _assert_same(ours, theirs):
    np.testing.assert_allclose(np.array(ours, dtype=np.float64), np.array(theirs, dtype=np.float64), rtol=1e-12, atol=0)
    assert ours == theirs  # the same recurrences, so bit-identical, not only close


CASES = [
    ("StepLR", dict(step_size=1, gamma=0.5)),
    ("StepLR", dict(step_size=7)),
    ("StepLR", dict(step_size=10, gamma=0.9)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30, 31])),
    ("MultiStepLR", dict(milestones=[40, 0, 3], gamma=0.7)),
    ("ExponentialLR", dict(gamma=0.95)),
    ("ExponentialLR", dict(gamma=0.5)),
    ("ExponentialLR", dict(gamma=1.02)),
    ("CosineAnnealingLR", dict(T_max=50)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=3, eta_min=0.05)),
    ("CosineAnnealingLR", dict(T_max=1)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, total_iters=20)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.05, total_iters=30)),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.0, total_iters=7)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.97**e)),
    ("LambdaLR", dict(lr_lambda=[lambda e: 1.0 / (1 + e), lambda e: min(1.0, (e + 1) / 5)])),
]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_lr_sequences_match_torch(name, kwargs):
    ours = _run(getattr(S, name)(_ours(), **kwargs))
    theirs = _run(getattr(T, name)(_theirs(), **kwargs))
    _assert_same(ours, theirs)


@pytest.mark.parametrize("name, kwargs", CASES[::2], ids=[n for n, _ in CASES[::2]])
def test_initial_lr_written_like_torch(name, kwargs):
    ours, theirs = _ours(), _theirs()
    getattr(S, name)(ours, **kwargs)
    getattr(T, name)(theirs, **kwargs)
    for group, tgroup in zip(ours.param_groups, theirs.param_groups):
        assert group["initial_lr"] == tgroup["initial_lr"] and group["lr"] == tgroup["lr"]


# ---- resuming ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("last_epoch", [0, 4, 9])
def test_resume_with_last_epoch_matches_torch(name, kwargs, last_epoch):
    """A checkpointed optimizer (with 'initial_lr') and a scheduler rebuilt with last_epoch=..."""
    ours, theirs = _ours(), _theirs()
    _run(getattr(S, name)(ours, **kwargs), last_epoch)
    _run(getattr(T, name)(theirs, **kwargs), last_epoch)
    ours2, theirs2 = _ours((0.5, 0.5)), _theirs((0.5, 0.5))
    ours2.load_state_dict(ours.state_dict())
    theirs2.load_state_dict(theirs.state_dict())
    _assert_same(
        _run(getattr(S, name)(ours2, last_epoch=last_epoch, **kwargs), 20),
        _run(getattr(T, name)(theirs2, last_epoch=last_epoch, **kwargs), 20),
    )


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_resume_on_a_fresh_optimizer_with_initial_lr_matches_torch(name, kwargs):
    ours, theirs = _ours((0.3, 0.03)), _theirs((0.3, 0.03))
    for opt in (ours, theirs):
        for group, initial in zip(opt.param_groups, LRS):
            group["initial_lr"] = initial
    _assert_same(
        _run(getattr(S, name)(ours, last_epoch=6, **kwargs), 30),
        _run(getattr(T, name)(theirs, last_epoch=6, **kwargs), 30),
    )


def test_resume_without_initial_lr_is_a_key_error_in_both():
    with pytest.raises(KeyError, match="initial_lr"):
        T.StepLR(_theirs(), 3, last_epoch=2)
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_ours(), 3, last_epoch=2)


# ---- state dicts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, kwargs", CASES[:-2], ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES[:-2])])
def test_torch_state_dict_loads_into_ours_and_back(name, kwargs):
    theirs_opt = _theirs()
    theirs = getattr(T, name)(theirs_opt, **kwargs)
    _run(theirs, 13)
    ours_opt = _ours()
    ours = getattr(S, name)(ours_opt, **kwargs)
    assert set(ours.state_dict()) == set(theirs.state_dict()) - {"_get_lr_called_within_step"}
    for group, tgroup in zip(ours_opt.param_groups, theirs_opt.param_groups):
        group["lr"] = tgroup["lr"]
    ours.load_state_dict(theirs.state_dict())
    fresh = getattr(T, name)(_theirs(), **kwargs)
    fresh.optimizer.load_state_dict(theirs_opt.state_dict())
    fresh.load_state_dict(ours.state_dict())
    expected = _run(theirs, 30)
    _assert_same(_run(ours, 30), expected)
    _assert_same(_run(fresh, 30), expected)


# ---- ReduceLROnPlateau ---------------------------------------------------------------------------------


def _plateau_pair(**kwargs):
    return S.ReduceLROnPlateau(_ours(), **kwargs), T.ReduceLROnPlateau(_theirs(), **kwargs)


def _drive(scheduler, metrics):
    seen = []
    for m in metrics:
        scheduler.optimizer.step()
        scheduler.step(m)
        seen.append(
            (
                scheduler.get_last_lr(),
                scheduler.best,
                scheduler.num_bad_epochs,
                scheduler.cooldown_counter,
                scheduler.last_epoch,
            )
        )
    return seen


def _assert_plateau_same(ours, theirs, metrics):
    got, expected = _drive(ours, metrics), _drive(theirs, metrics)
    for epoch, (a, b) in enumerate(zip(got, expected)):
        _assert_same(a[0], b[0])
        assert a[1] == b[1] or (math.isnan(a[1]) and math.isnan(b[1])), epoch
        assert a[2:] == b[2:], epoch


def _metrics(seed, n=EPOCHS):
    """Improvements, exact plateaus, near-ties (inside the 1e-4 threshold) and setbacks."""
    rng = np.random.default_rng(seed)
    value, out = 1.0, []
    for _ in range(n):
        kind = rng.integers(4)
        if kind == 0:
            value *= 0.9
        elif kind == 1:
            value *= 1 + rng.uniform(-5e-5, 5e-5)
        elif kind == 2:
            value *= 1.1
        out.append(float(value))
    return out


PLATEAU_CASES = [
    dict(),
    dict(patience=0),
    dict(patience=2, factor=0.5),
    dict(patience=1, cooldown=2, factor=0.3),
    dict(patience=3, cooldown=1, threshold=0.05),
    dict(patience=1, threshold_mode="abs", threshold=0.01),
    dict(patience=2, threshold_mode="abs", threshold=0.0),
    dict(mode="max", patience=1),
    dict(mode="max", patience=2, threshold_mode="abs", threshold=0.02, cooldown=3),
    dict(patience=0, min_lr=[0.01, 0.0], factor=0.5),
    dict(patience=0, min_lr=0.02, factor=0.5, eps=1e-3),
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(k) for k in PLATEAU_CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plateau_matches_torch(kwargs, seed):
    metrics = _metrics(seed)
    if kwargs.get("mode") == "max":
        metrics = [-m for m in metrics]
    _assert_plateau_same(*_plateau_pair(**kwargs), metrics)


def test_plateau_with_nan_and_explicit_plateaus_matches_torch():
    metrics = [1.0, 1.0, 1.0, 0.5, 0.5, float("nan"), 0.5, 0.4, 0.4, 0.4, 0.4, float("nan")] * 4
    _assert_plateau_same(*_plateau_pair(patience=1, cooldown=1, factor=0.5), metrics)


@given(
    metrics=hst.lists(hst.sampled_from([1.0, 0.99995, 0.9, 0.5, 2.0, 0.0, -1.0]), min_size=1, max_size=40),
    mode=hst.sampled_from(["min", "max"]),
    threshold_mode=hst.sampled_from(["rel", "abs"]),
    threshold=hst.sampled_from([0.0, 1e-4, 0.1]),
    patience=hst.integers(0, 4),
    cooldown=hst.integers(0, 3),
    factor=hst.sampled_from([0.0, 0.1, 0.5, 0.9]),
    min_lr=hst.sampled_from([0.0, 1e-3, [0.05, 0.0]]),
)
def test_plateau_matches_torch_property(metrics, mode, threshold_mode, threshold, patience, cooldown, factor, min_lr):
    kwargs = dict(
        mode=mode,
        threshold_mode=threshold_mode,
        threshold=threshold,
        patience=patience,
        cooldown=cooldown,
        factor=factor,
        min_lr=min_lr,
    )
    _assert_plateau_same(*_plateau_pair(**kwargs), metrics)


def test_plateau_state_dict_interchange_with_torch():
    metrics = _metrics(5)
    ours, theirs = _plateau_pair(patience=1, cooldown=1, factor=0.5, min_lr=[0.0, 0.01])
    _drive(theirs, metrics[:20])
    assert set(ours.state_dict()) == set(theirs.state_dict())
    for group, tgroup in zip(ours.optimizer.param_groups, theirs.optimizer.param_groups):
        group["lr"] = tgroup["lr"]
    ours.load_state_dict(theirs.state_dict())
    _assert_plateau_same(ours, theirs, metrics[20:])
