"""Learning-rate schedulers: closed-form sequences, the metric-driven schedules (ReduceLROnPlateau and the book's
HalveOnNoImprovement), state_dict round trips and argument errors."""

import math
from bisect import bisect_right

import pytest
from hypothesis import given, strategies as hst

import autograd_lite as al
import optim
from optim import lr_scheduler as S


def _sgd(*lrs):
    """An SGD with one single-parameter group per learning rate."""
    groups = [{"params": [al.tensor([1.0, 2.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0])


def _lrs(scheduler, epochs):
    """get_last_lr() at epochs 0 .. epochs-1 (stepping after each), checking it matches the optimizer."""
    seen = []
    for _ in range(epochs):
        last = scheduler.get_last_lr()
        assert last == [group["lr"] for group in scheduler.optimizer.param_groups]
        seen.append(last)
        scheduler.step()
    return seen


def _close(a, b, tol=1e-12):
    return all(math.isclose(x, y, rel_tol=tol, abs_tol=tol) for x, y in zip(a, b)) and len(a) == len(b)


# ---- closed forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.1), (7, 0.9), (4, 1.5)])
def test_step_lr_closed_form(step_size, gamma):
    lrs = _lrs(S.StepLR(_sgd(0.1, 0.02), step_size, gamma=gamma), 40)
    for k, got in enumerate(lrs):
        assert _close(got, [lr0 * gamma ** (k // step_size) for lr0 in (0.1, 0.02)]), k


@given(step_size=hst.integers(1, 10), gamma=hst.floats(0.05, 1.0), lr0=hst.floats(1e-4, 1.0))
def test_step_lr_closed_form_property(step_size, gamma, lr0):
    lrs = _lrs(S.StepLR(_sgd(lr0), step_size, gamma=gamma), 25)
    assert all(_close(got, [lr0 * gamma ** (k // step_size)]) for k, got in enumerate(lrs))


def test_multistep_lr_closed_form_with_repeated_and_unsorted_milestones():
    milestones = [12, 3, 7, 7]
    lrs = _lrs(S.MultiStepLR(_sgd(0.1, 0.3), milestones, gamma=0.5), 20)
    for k, got in enumerate(lrs):
        assert _close(got, [lr0 * 0.5 ** bisect_right(sorted(milestones), k) for lr0 in (0.1, 0.3)]), k
    assert lrs[7][0] == pytest.approx(0.1 * 0.5**3)  # 7 is listed twice: two decays at once


def test_multistep_milestone_zero_decays_on_construction():
    scheduler = S.MultiStepLR(_sgd(0.1), [0, 2])
    assert scheduler.get_last_lr() == [pytest.approx(0.01)]


@pytest.mark.parametrize("gamma", [0.5, 0.95, 1.01])
def test_exponential_lr_closed_form(gamma):
    lrs = _lrs(S.ExponentialLR(_sgd(0.1, 0.01), gamma), 50)
    for k, got in enumerate(lrs):
        assert _close(got, [0.1 * gamma**k, 0.01 * gamma**k]), k


@pytest.mark.parametrize("T_max, eta_min", [(10, 0.0), (7, 1e-3), (1, 0.0), (25, 0.05)])
def test_cosine_annealing_closed_form_over_several_periods(T_max, eta_min):
    base = (0.1, 0.2)
    lrs = _lrs(S.CosineAnnealingLR(_sgd(*base), T_max, eta_min=eta_min), 3 * T_max + 2)
    for k, got in enumerate(lrs):
        expected = [eta_min + (b - eta_min) * (1 + math.cos(math.pi * k / T_max)) / 2 for b in base]
        assert all(abs(g - e) <= 1e-12 for g, e in zip(got, expected)), (k, got, expected)
    assert lrs[T_max] == [pytest.approx(eta_min, abs=1e-12)] * 2


def test_lambda_lr_one_function_per_group_and_one_for_all():
    fns = [lambda e: 0.9**e, lambda e: 1.0 / (e + 1), lambda e: (e // 3) + 1]
    lrs = _lrs(S.LambdaLR(_sgd(0.1, 0.2, 0.3), fns), 12)
    for k, got in enumerate(lrs):
        assert got == [b * f(k) for b, f in zip((0.1, 0.2, 0.3), fns)]
    shared = _lrs(S.LambdaLR(_sgd(0.1, 0.2), lambda e: 0.5**e), 5)
    assert shared[4] == [0.1 * 0.5**4, 0.2 * 0.5**4]


# ---- base-class behaviour ------------------------------------------------------------------------------


def test_initial_step_and_initial_lr():
    opt = _sgd(0.1, 0.05)
    scheduler = S.StepLR(opt, 2)
    assert scheduler.last_epoch == 0 and scheduler._step_count == 1
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05] == scheduler.base_lrs
    assert isinstance(scheduler, S.LRScheduler) and issubclass(S._LRScheduler, S.LRScheduler)


def test_existing_initial_lr_is_kept_like_torch():
    opt = _sgd(0.1)
    opt.param_groups[0]["initial_lr"] = 0.4
    scheduler = S.LambdaLR(opt, lambda e: 1.0)
    assert scheduler.base_lrs == [0.4] and opt.param_groups[0]["lr"] == 0.4


def test_resume_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match=r"initial_lr.*param_groups\[0\]"):
        S.StepLR(_sgd(0.1), 2, last_epoch=3)


def test_resume_with_last_epoch_continues_the_chain():
    opt = _sgd(0.1)
    first = S.StepLR(opt, 2, gamma=0.5)
    for _ in range(5):
        first.step()
    resumed = S.StepLR(opt, 2, gamma=0.5, last_epoch=first.last_epoch)  # takes the step to epoch 6
    assert resumed.last_epoch == 6 and resumed.base_lrs == [0.1]
    assert resumed.get_last_lr() == [pytest.approx(0.1 * 0.5**3)]


def test_get_last_lr_is_a_copy():
    scheduler = S.ExponentialLR(_sgd(0.1), 0.5)
    scheduler.get_last_lr()[0] = 123.0
    assert scheduler.get_last_lr() == [0.1]


def test_step_with_epoch_is_rejected():
    with pytest.raises(TypeError, match="epoch"):
        S.StepLR(_sgd(0.1), 2).step(5)
    with pytest.raises(TypeError, match="epoch"):
        S.ReduceLROnPlateau(_sgd(0.1)).step(1.0, 3)


def test_base_get_lr_is_abstract():
    with pytest.raises(NotImplementedError):
        S.LRScheduler(_sgd(0.1))


# ---- state dicts ---------------------------------------------------------------------------------------

EPOCH_SCHEDULERS = [
    (S.StepLR, dict(step_size=3, gamma=0.5)),
    (S.MultiStepLR, dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    (S.ExponentialLR, dict(gamma=0.9)),
    (S.CosineAnnealingLR, dict(T_max=6, eta_min=0.001)),
    (S.LambdaLR, dict(lr_lambda=[lambda e: 0.95**e, lambda e: 1 / (1 + e)])),
]


@pytest.mark.parametrize("through_file", [False, True])
@pytest.mark.parametrize("cls, kwargs", EPOCH_SCHEDULERS, ids=lambda v: getattr(v, "__name__", ""))
def test_state_dict_round_trip_continues_identically(cls, kwargs, through_file, tmp_path):
    opt = _sgd(0.1, 0.02)
    scheduler = cls(opt, **kwargs)
    _lrs(scheduler, 4)
    saved = {"opt": opt.state_dict(), "sched": scheduler.state_dict()}
    if through_file:
        al.save(saved, tmp_path / "ckpt.npz")
        saved = al.load(tmp_path / "ckpt.npz")
    expected = _lrs(scheduler, 15)

    opt2 = _sgd(0.7, 0.7)
    scheduler2 = cls(opt2, **kwargs)
    opt2.load_state_dict(saved["opt"])
    scheduler2.load_state_dict(saved["sched"])
    assert _lrs(scheduler2, 15) == expected


def test_state_dict_has_every_attribute_but_the_optimizer_and_is_a_snapshot():
    scheduler = S.MultiStepLR(_sgd(0.1), [2, 4])
    state = scheduler.state_dict()
    assert "optimizer" not in state
    assert set(state) == set(vars(scheduler)) - {"optimizer"}
    assert state["last_epoch"] == 0 and state["milestones"] == {2: 1, 4: 1}
    scheduler.step()
    scheduler.step()
    assert state["last_epoch"] == 0 and state["_last_lr"] == [0.1]


class _Warmup:
    """A callable object: LambdaLR saves its __dict__ (a plain function is saved as None)."""

    def __init__(self, length):
        self.length = length

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.length)


def test_lambda_lr_state_dict_saves_callable_objects_but_not_functions():
    warmup = _Warmup(4)
    scheduler = S.LambdaLR(_sgd(0.1, 0.2), [warmup, lambda e: 1.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"length": 4}, None]
    other = _Warmup(99)
    restored = S.LambdaLR(_sgd(0.1, 0.2), [other, lambda e: 2.0])
    restored.load_state_dict(state)
    assert other.length == 4 and restored.lr_lambdas[0] is other
    assert "lr_lambdas" in state  # the caller's dict is left intact


def test_load_state_dict_rejects_non_dicts():
    with pytest.raises(TypeError, match="StepLR.load_state_dict: expected a dict, got list"):
        S.StepLR(_sgd(0.1), 2).load_state_dict([1, 2])


# ---- ReduceLROnPlateau ---------------------------------------------------------------------------------


def _plateau_lrs(scheduler, metrics):
    out = []
    for m in metrics:
        scheduler.step(m)
        out.append(scheduler.get_last_lr())
    return out


def test_plateau_reduces_after_more_than_patience_bad_epochs():
    scheduler = S.ReduceLROnPlateau(_sgd(1.0, 0.5), patience=2, factor=0.5)
    lrs = _plateau_lrs(scheduler, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert [lr[0] for lr in lrs] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    assert lrs[-1][1] == 0.125
    assert scheduler.best == 1.0 and scheduler.num_bad_epochs == 0 and scheduler.last_epoch == 7


def test_plateau_improvement_resets_the_count():
    scheduler = S.ReduceLROnPlateau(_sgd(1.0), patience=1, factor=0.1)
    lrs = _plateau_lrs(scheduler, [5.0, 6.0, 4.0, 7.0, 3.0, 8.0, 9.0])
    assert [lr[0] for lr in lrs] == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, pytest.approx(0.1)]
    assert scheduler.best == 3.0


def test_plateau_cooldown_ignores_bad_epochs():
    scheduler = S.ReduceLROnPlateau(_sgd(1.0), patience=0, factor=0.5, cooldown=2)
    lrs = [lr[0] for lr in _plateau_lrs(scheduler, [1.0] + [2.0] * 7)]
    assert lrs == [1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    assert scheduler.cooldown_counter == 2 and scheduler.in_cooldown


@pytest.mark.parametrize(
    "mode, threshold_mode, metrics, reduced",
    [
        ("min", "rel", [10.0, 9.9995], True),  # 9.9995 >= 10 * (1 - 1e-3): not better
        ("min", "rel", [10.0, 9.98], False),
        ("min", "abs", [10.0, 9.9995], True),  # needs < 10 - 1e-3
        ("min", "abs", [10.0, 9.998], False),
        ("max", "rel", [10.0, 10.005], True),  # needs > 10 * (1 + 1e-3)
        ("max", "rel", [10.0, 10.02], False),
        ("max", "abs", [10.0, 10.0005], True),
        ("max", "abs", [10.0, 10.002], False),
    ],
)
def test_plateau_threshold_modes(mode, threshold_mode, metrics, reduced):
    scheduler = S.ReduceLROnPlateau(
        _sgd(1.0), mode=mode, patience=0, threshold=1e-3, threshold_mode=threshold_mode, factor=0.5
    )
    lrs = _plateau_lrs(scheduler, metrics)
    assert (lrs[-1][0] == 0.5) is reduced


def test_plateau_mode_max_and_min_lr_per_group():
    scheduler = S.ReduceLROnPlateau(_sgd(1.0, 1.0), mode="max", patience=0, factor=0.1, min_lr=[0.05, 0.0])
    lrs = _plateau_lrs(scheduler, [0.9, 0.8, 0.8, 0.8])
    assert lrs[-1][0] == 0.05 and lrs[-1][1] == pytest.approx(1e-3)
    assert scheduler.best == 0.9


def test_plateau_eps_skips_tiny_reductions_and_nan_is_bad():
    scheduler = S.ReduceLROnPlateau(_sgd(1e-8), patience=0, factor=0.5, eps=1e-8)
    _plateau_lrs(scheduler, [1.0, float("nan"), 2.0])
    assert scheduler.get_last_lr() == [1e-8]  # 1e-8 - 5e-9 is not > eps
    assert scheduler.best == 1.0


def test_plateau_accepts_tensor_metrics_and_rejects_others():
    scheduler = S.ReduceLROnPlateau(_sgd(1.0))
    scheduler.step(al.tensor(0.25))
    assert scheduler.best == 0.25
    with pytest.raises(TypeError, match="metric must be a number"):
        scheduler.step("low")


def test_plateau_state_dict_round_trip(tmp_path):
    metrics = [3.0, 2.0, 2.5, 2.5, 2.5, 1.0, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]
    opt = _sgd(1.0, 0.1)
    scheduler = S.ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5, min_lr=[0.0, 0.05])
    _plateau_lrs(scheduler, metrics[:4])
    al.save({"opt": opt.state_dict(), "sched": scheduler.state_dict()}, tmp_path / "p.npz")
    counters = (scheduler.best, scheduler.num_bad_epochs, scheduler.cooldown_counter, scheduler.last_epoch)
    expected = _plateau_lrs(scheduler, metrics[4:])

    saved = al.load(tmp_path / "p.npz")
    other = S.ReduceLROnPlateau(_sgd(1.0, 0.1), mode="max")
    other.optimizer.load_state_dict(saved["opt"])
    other.load_state_dict(saved["sched"])
    assert other.min_lrs == [0.0, 0.05]
    assert (other.best, other.num_bad_epochs, other.cooldown_counter, other.last_epoch) == counters
    assert other.mode == "min" and other.mode_worse == math.inf
    assert _plateau_lrs(other, metrics[4:]) == expected


def test_plateau_extends_a_scalar_min_lr_to_new_groups():
    opt = _sgd(1.0)
    scheduler = S.ReduceLROnPlateau(opt, patience=0, min_lr=0.3)
    opt.add_param_group({"params": [al.tensor([1.0], requires_grad=True)], "lr": 1.0})
    _plateau_lrs(scheduler, [1.0, 2.0, 2.0])
    assert scheduler.get_last_lr() == [0.3, 0.3]


# ---- HalveOnNoImprovement (Nielsen, ch. 3) --------------------------------------------------------------


def test_halve_on_no_improvement_halves_and_stops_at_one_128th():
    scheduler = S.HalveOnNoImprovement(_sgd(0.5, 0.1), patience=3)
    assert not scheduler.step(0.90) and scheduler.best_epoch == 0
    stops, lrs = [], []
    for _ in range(3 * 7):
        stops.append(scheduler.step(0.80))
        lrs.append(scheduler.get_last_lr())
    assert lrs[1] == [0.5, 0.1] and lrs[2] == [0.25, 0.05]  # halved once 3 epochs did not improve
    assert lrs[5] == [0.125, 0.025] and scheduler.halvings == 7
    assert stops == [False] * 20 + [True] and scheduler.should_stop
    assert lrs[-1] == [0.5 / 128, 0.1 / 128]
    assert scheduler.best == 0.90 and scheduler.best_epoch == 0 and scheduler.last_epoch == 21


def test_halve_on_no_improvement_counter_restarts_on_improvement():
    scheduler = S.HalveOnNoImprovement(_sgd(1.0), patience=2, mode="min", min_delta=0.1)
    for metric in [1.0, 1.1, 0.95, 0.85]:  # 0.95 is not better by more than 0.1, 0.85 is
        scheduler.step(metric)
    assert scheduler.get_last_lr() == [0.5] and scheduler.halvings == 1
    assert scheduler.best == 0.85 and scheduler.best_epoch == 3 and scheduler.num_bad_epochs == 0
    scheduler.step(float("nan"))
    assert scheduler.num_bad_epochs == 1 and scheduler.best == 0.85


def test_halve_on_no_improvement_after_stop_changes_nothing():
    scheduler = S.HalveOnNoImprovement(_sgd(1.0), patience=1, factor=0.5, stop_fraction=0.25)
    assert [scheduler.step(0.5) for _ in range(3)] == [False, False, True]
    assert scheduler.step(0.99) and scheduler.get_last_lr() == [0.25] and scheduler.best == 0.5


def test_halve_on_no_improvement_stops_only_when_every_group_is_low():
    opt = _sgd(1.0, 1.0)
    scheduler = S.HalveOnNoImprovement(opt, patience=1, factor=0.5, stop_fraction=0.25)
    opt.param_groups[1]["lr"] = 2.0  # changed by hand: now 8x above its stop level
    assert [scheduler.step(0.1) for _ in range(4)] == [False, False, False, True]
    assert scheduler.get_last_lr() == [0.125, 0.25]


def test_halve_on_no_improvement_tolerates_rounding_at_the_stop_level():
    scheduler = S.HalveOnNoImprovement(_sgd(0.3), patience=1, factor=0.1, stop_fraction=1e-3)
    stops = [scheduler.step(1.0) for _ in range(4)]
    assert stops == [False, False, False, True] and scheduler.halvings == 3


def test_halve_on_no_improvement_state_dict_round_trip(tmp_path):
    metrics = [0.5, 0.6, 0.6, 0.55, 0.7, 0.7, 0.7, 0.69, 0.71, 0.7, 0.7, 0.7]
    opt = _sgd(0.2)
    scheduler = S.HalveOnNoImprovement(opt, patience=2)
    for m in metrics[:5]:
        scheduler.step(m)
    al.save({"opt": opt.state_dict(), "sched": scheduler.state_dict()}, tmp_path / "h.npz")
    expected = [(scheduler.step(m), scheduler.get_last_lr(), scheduler.halvings) for m in metrics[5:]]

    saved = al.load(tmp_path / "h.npz")
    opt2 = _sgd(0.9)
    other = S.HalveOnNoImprovement(opt2, patience=9, mode="min")
    opt2.load_state_dict(saved["opt"])
    other.load_state_dict(saved["sched"])
    assert other.base_lrs == [0.2] and other.best == 0.7 and other.best_epoch == 4
    assert [(other.step(m), other.get_last_lr(), other.halvings) for m in metrics[5:]] == expected


def test_halve_on_no_improvement_docstring_cites_the_book():
    assert "Nielsen" in S.HalveOnNoImprovement.__doc__
    assert "Neural Networks and Deep Learning" in S.HalveOnNoImprovement.__doc__


# ---- errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, name, value",
    [
        (lambda o: S.StepLR(o, 0), "step_size", "0"),
        (lambda o: S.StepLR(o, 2.5), "step_size", "2.5"),
        (lambda o: S.StepLR(o, 2, gamma=-0.1), "gamma", "-0.1"),
        (lambda o: S.StepLR(o, 2, gamma=float("nan")), "gamma", "nan"),
        (lambda o: S.StepLR(o, 2, last_epoch=-2), "last_epoch", "-2"),
        (lambda o: S.MultiStepLR(o, [2, -1]), "milestones", r"\[2, -1\]"),
        (lambda o: S.MultiStepLR(o, 3), "milestones", "3"),
        (lambda o: S.ExponentialLR(o, 0.0), "gamma", "0.0"),
        (lambda o: S.CosineAnnealingLR(o, 0), "T_max", "0"),
        (lambda o: S.CosineAnnealingLR(o, 10, eta_min=-1.0), "eta_min", "-1.0"),
        (lambda o: S.LambdaLR(o, [lambda e: 1.0] * 3), "lr_lambda", ""),
        (lambda o: S.ReduceLROnPlateau(o, mode="up"), "mode", "'up'"),
        (lambda o: S.ReduceLROnPlateau(o, factor=1.0), "factor", "1.0"),
        (lambda o: S.ReduceLROnPlateau(o, patience=-1), "patience", "-1"),
        (lambda o: S.ReduceLROnPlateau(o, threshold=-1e-4), "threshold", "-0.0001"),
        (lambda o: S.ReduceLROnPlateau(o, threshold_mode="relative"), "threshold_mode", "'relative'"),
        (lambda o: S.ReduceLROnPlateau(o, cooldown=1.5), "cooldown", "1.5"),
        (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), "min_lr", r"\[0.1\]"),
        (lambda o: S.ReduceLROnPlateau(o, min_lr=-0.1), "min_lr", "-0.1"),
        (lambda o: S.ReduceLROnPlateau(o, eps=-1.0), "eps", "-1.0"),
        (lambda o: S.HalveOnNoImprovement(o, patience=0), "patience", "0"),
        (lambda o: S.HalveOnNoImprovement(o, mode="best"), "mode", "'best'"),
        (lambda o: S.HalveOnNoImprovement(o, min_delta=-0.1), "min_delta", "-0.1"),
        (lambda o: S.HalveOnNoImprovement(o, factor=1.0), "factor", "1.0"),
        (lambda o: S.HalveOnNoImprovement(o, stop_fraction=0.0), "stop_fraction", "0.0"),
    ],
)
def test_bad_hyper_parameters_are_named(make, name, value):
    with pytest.raises(ValueError, match=rf"{name} must be .*got {value}"):
        make(_sgd(0.1, 0.2))


@pytest.mark.parametrize(
    "cls, args",
    [
        (S.StepLR, (2,)),
        (S.MultiStepLR, ([2],)),
        (S.ExponentialLR, (0.5,)),
        (S.CosineAnnealingLR, (5,)),
        (S.LambdaLR, (lambda e: 1.0,)),
        (S.ReduceLROnPlateau, ()),
        (S.HalveOnNoImprovement, ()),
    ],
)
def test_non_optimizers_are_rejected_by_name(cls, args):
    with pytest.raises(TypeError, match=rf"{cls.__name__}: expected an optimizer .*got list"):
        cls([{"params": [], "lr": 0.1}], *args)


def test_lambda_lr_needs_callables():
    with pytest.raises(TypeError, match="lr_lambda must be a function"):
        S.LambdaLR(_sgd(0.1), 0.5)


def test_public_names():
    assert set(S.__all__) == {
        "LRScheduler",
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "LambdaLR",
        "LinearLR",
        "OneCycleLR",
        "SequentialLR",
        "ReduceLROnPlateau",
        "HalveOnNoImprovement",
    }
    assert al.optim.lr_scheduler.StepLR is S.StepLR
