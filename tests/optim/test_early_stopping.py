"""EarlyStopping: modes, min_delta, patience, the best state (copied, restored), NaN, checkpoints, errors."""

import math

import numpy as np
import pytest

import autograd_lite as al
import nn
import optim
from optim import EarlyStopping


def _steps(stopper, metrics, model=None):
    return [stopper.step(m, model) for m in metrics]


def test_min_mode_stops_after_patience_bad_epochs():
    es = EarlyStopping(patience=3)
    assert _steps(es, [1.0, 0.8, 0.9, 0.85, 0.8]) == [False, False, False, False, True]
    assert es.best == 0.8 and es.best_epoch == 1 and es.num_bad_epochs == 3 and es.should_stop
    assert es.last_epoch == 4


def test_max_mode_and_improvement_resets_the_count():
    es = EarlyStopping(patience=2, mode="max")
    assert _steps(es, [0.5, 0.4, 0.6, 0.6, 0.59]) == [False, False, False, False, True]
    assert es.best == 0.6 and es.best_epoch == 2


@pytest.mark.parametrize(
    "mode, metrics, best",
    [
        ("min", [1.0, 0.95, 0.85, 0.8], 0.85),  # 0.95 is not below 1.0 - 0.1, 0.85 is; 0.8 is not below 0.75
        ("max", [1.0, 1.05, 1.15, 1.2], 1.15),
    ],
)
def test_min_delta_must_be_exceeded(mode, metrics, best):
    es = EarlyStopping(patience=10, mode=mode, min_delta=0.1)
    _steps(es, metrics)
    assert es.best == pytest.approx(best) and es.best_epoch == 2 and es.num_bad_epochs == 1


def test_equal_metric_is_not_an_improvement():
    es = EarlyStopping(patience=1)
    assert _steps(es, [1.0, 1.0]) == [False, True]


def test_nan_never_improves():
    es = EarlyStopping(patience=2)
    assert _steps(es, [float("nan"), float("nan")]) == [False, True]
    assert es.best == math.inf and es.best_epoch is None
    es = EarlyStopping(patience=2, mode="max")
    assert _steps(es, [0.3, float("nan"), 0.4, float("nan"), float("nan")]) == [False] * 4 + [True]
    assert es.best == 0.4


def test_stop_is_sticky_until_reset():
    es = EarlyStopping(patience=1)
    _steps(es, [1.0, 2.0])
    assert es.step(0.1) and es.best == 0.1
    es.reset()
    assert not es.should_stop and es.best == math.inf and es.last_epoch == -1 and es.best_state is None


def test_tensor_and_numpy_metrics():
    es = EarlyStopping()
    es.step(al.tensor(0.5))
    es.step(np.float32(0.25))
    assert es.best == 0.25 and isinstance(es.best, float)


def _model():
    return nn.Linear(3, 2)


def test_best_state_is_a_copy_not_an_alias():
    model = _model()
    es = EarlyStopping(patience=5)
    es.step(1.0, model)
    kept = model.weight._array.copy()
    with al.no_grad():
        model.weight._array[...] = 7.0  # later training changes the weights in place
    es.step(2.0, model)  # no improvement: best_state stays the epoch-0 weights
    assert np.array_equal(es.best_state["weight"]._array, kept)
    assert not np.shares_memory(es.best_state["weight"]._array, model.weight._array)
    assert list(es.best_state) == ["weight", "bias"]


def test_restore_loads_the_best_weights():
    model = _model()
    es = EarlyStopping(patience=2)
    es.step(0.5, model)
    best = {k: v._array.copy() for k, v in model.state_dict().items()}
    opt = optim.SGD(model.parameters(), lr=0.5)
    for _ in range(2):
        opt.zero_grad()
        model(al.ones(4, 3)).sum().backward()
        opt.step()
        es.step(0.9, model)
    assert not np.array_equal(model.weight._array, best["weight"])
    es.restore(model)
    assert all(np.array_equal(model.state_dict()[k]._array, v) for k, v in best.items())
    with al.no_grad():
        model.weight._array[...] = 3.0
    assert not np.array_equal(es.best_state["weight"]._array, model.weight._array)  # restoring did not alias


def test_restore_best_on_stop():
    model = _model()
    es = EarlyStopping(patience=1, restore_best=True)
    es.step(0.1, model)
    best = model.weight._array.copy()
    with al.no_grad():
        model.weight._array[...] = -1.0
    assert es.step(0.2, model)
    assert np.array_equal(model.weight._array, best)


def test_restore_without_best_state_is_an_error():
    with pytest.raises(RuntimeError, match="no best state"):
        EarlyStopping().restore(_model())
    es = EarlyStopping(patience=1)
    es.step(1.0)
    with pytest.raises(RuntimeError, match="pass the model to step"):
        es.restore(_model())


@pytest.mark.parametrize("with_model", [False, True])
def test_state_dict_round_trip_through_a_checkpoint(tmp_path, with_model):
    model = _model() if with_model else None
    es = EarlyStopping(patience=3, mode="max", min_delta=0.01, restore_best=True)
    _steps(es, [0.1, 0.5, 0.3], model)
    al.save(es.state_dict(), tmp_path / "es.npz")
    expected = _steps(es, [0.505, 0.52, 0.4, 0.4, 0.4], model)

    other = EarlyStopping()
    other.load_state_dict(al.load(tmp_path / "es.npz"))
    assert (other.best, other.best_epoch, other.num_bad_epochs, other.last_epoch) == (0.5, 1, 1, 2)
    assert (other.mode, other.patience, other.min_delta, other.restore_best) == ("max", 3, 0.01, True)
    assert (other.best_state is not None) is with_model
    assert _steps(other, [0.505, 0.52, 0.4, 0.4, 0.4], model) == expected


def test_state_dict_is_a_snapshot():
    model = _model()
    es = EarlyStopping()
    es.step(1.0, model)
    state = es.state_dict()
    es.step(0.5, model)
    with al.no_grad():
        model.weight._array[...] = 9.0
    assert state["best"] == 1.0 and state["best_epoch"] == 0
    assert not np.any(state["best_state"]["weight"]._array == 9.0)


def test_load_state_dict_checks_its_input():
    es = EarlyStopping()
    with pytest.raises(TypeError, match="expected a dict"):
        es.load_state_dict([1])
    state = es.state_dict()
    del state["best"]
    with pytest.raises(ValueError, match=r"missing keys \['best'\]"):
        es.load_state_dict(state)
    state = EarlyStopping().state_dict()
    state["patience"] = 0
    with pytest.raises(ValueError, match="patience must be an int >= 1, got 0"):
        es.load_state_dict(state)


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(patience=0), "patience", "0"),
        (dict(patience=2.0), "patience", "2.0"),
        (dict(patience=True), "patience", "True"),
        (dict(mode="lowest"), "mode", "'lowest'"),
        (dict(min_delta=-0.1), "min_delta", "-0.1"),
        (dict(min_delta=float("inf")), "min_delta", "inf"),
        (dict(restore_best="yes"), "restore_best", "'yes'"),
    ],
)
def test_bad_arguments_are_named(kwargs, name, value):
    with pytest.raises(ValueError, match=f"EarlyStopping: {name} must be .*got {value}"):
        EarlyStopping(**kwargs)


def test_bad_metric_and_model():
    es = EarlyStopping()
    with pytest.raises(TypeError, match="metric must be a number"):
        es.step([0.1, 0.2])
    with pytest.raises(TypeError, match="state_dict"):
        es.step(0.1, model=object())
    assert es.last_epoch == -1  # a rejected call records nothing


def test_public_names():
    import optim.early_stopping as module

    assert module.__all__ == ["EarlyStopping"] and optim.EarlyStopping is EarlyStopping
