"""Early stopping: end training once a validation metric has stopped improving, optionally keeping the best
weights seen so far."""

import copy
import math
import numbers
from collections.abc import Mapping

__all__ = ["EarlyStopping"]

_COUNTERS = ("best", "best_epoch", "last_epoch", "num_bad_epochs", "should_stop")
_SETTINGS = ("patience", "mode", "min_delta", "restore_best")


# ---- helpers shared with lr_scheduler ------------------------------------------------------------------


def _check_mode(owner, mode):
    if mode not in ("min", "max"):
        raise ValueError(f"{owner}: mode must be 'min' or 'max', got {mode!r}")


def _as_metric(where, metric):
    """The metric as a Python float (a number, numpy scalar or one-element tensor)."""
    try:
        return float(metric)
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: the metric must be a number or a one-element tensor, got {type(metric).__name__} {metric!r:.80}"
        ) from None


def _improves(value, best, mode, min_delta):
    """True if ``value`` beats ``best`` by more than ``min_delta`` in the direction of ``mode``; never for NaN."""
    if math.isnan(value):
        return False
    if mode == "min":
        return value < best - min_delta
    return value > best + min_delta


# ---- EarlyStopping ------------------------------------------------------------------------------------


def _check_settings(patience, mode, min_delta, restore_best):
    if not isinstance(patience, numbers.Integral) or isinstance(patience, bool) or patience < 1:
        raise ValueError(f"EarlyStopping: patience must be an int >= 1, got {patience!r}")
    _check_mode("EarlyStopping", mode)
    if (
        not isinstance(min_delta, numbers.Real)
        or isinstance(min_delta, bool)
        or not math.isfinite(min_delta)
        or min_delta < 0
    ):
        raise ValueError(f"EarlyStopping: min_delta must be a finite number >= 0, got {min_delta!r}")
    if not isinstance(restore_best, bool):
        raise ValueError(f"EarlyStopping: restore_best must be True or False, got {restore_best!r}")


def _check_model(model):
    if not (callable(getattr(model, "state_dict", None)) and callable(getattr(model, "load_state_dict", None))):
        raise TypeError(
            f"EarlyStopping: model must have state_dict() and load_state_dict() (e.g. an "
            f"nn.Module), got {type(model).__name__}"
        )


class EarlyStopping:
    """Signal the end of training once a validation metric has not improved for ``patience`` epochs in a row,
    keeping a copy of the best weights when given the model, so over-long training cannot lose them."""

    def __init__(self, patience=10, mode="min", min_delta=0.0, restore_best=False):
        """``mode`` 'min' for a loss, 'max' for an accuracy; an improvement must beat the best by more than
        ``min_delta``; ``restore_best`` loads the best weights into the model passed to the stopping step."""
        _check_settings(patience, mode, min_delta, restore_best)
        self.patience = patience
        self.mode = mode
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.reset()

    def reset(self):
        """Forget every metric seen (and the best state), keeping the settings."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.last_epoch = -1
        self.num_bad_epochs = 0
        self.should_stop = False
        self.best_state = None

    def step(self, metric, model=None):
        """Record this epoch's metric and return True once training should stop (it stays True until reset()).

        Improvement means ``metric < best - min_delta`` ('min') or ``metric > best + min_delta`` ('max'); a NaN
        never improves. ``best_epoch`` and ``last_epoch`` count calls from 0. Given a model, each improvement
        keeps a copy of ``model.state_dict()`` as ``best_state`` (see ``restore``).
        """
        value = _as_metric("EarlyStopping.step", metric)
        if model is not None:
            _check_model(model)
        self.last_epoch += 1
        if _improves(value, self.best, self.mode, self.min_delta):
            self._record_best(value, model)
        else:
            self.num_bad_epochs += 1
        if not self.should_stop and self.num_bad_epochs >= self.patience:
            self._signal_stop(model)
        return self.should_stop

    def _record_best(self, value, model):
        self.best = value
        self.best_epoch = self.last_epoch
        self.num_bad_epochs = 0
        if model is not None:
            self.best_state = copy.deepcopy(model.state_dict())

    def _signal_stop(self, model):
        self.should_stop = True
        if self.restore_best and model is not None and self.best_state is not None:
            self.restore(model)

    def restore(self, model):
        """Load the best weights seen into ``model``."""
        _check_model(model)
        if self.best_state is None:
            raise RuntimeError(
                "EarlyStopping.restore: no best state has been recorded; pass the model to "
                "step(metric, model) so that the weights of the best epoch are kept"
            )
        model.load_state_dict(copy.deepcopy(self.best_state))

    def state_dict(self):
        """Settings and counters (and ``best_state`` when there is one), ready for ``autograd_lite.save``."""
        state = {name: getattr(self, name) for name in _SETTINGS + _COUNTERS}
        if self.best_state is not None:
            state["best_state"] = copy.deepcopy(self.best_state)
        return state

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict`` returned."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"EarlyStopping.load_state_dict: expected a dict, got {type(state_dict).__name__}")
        missing = [key for key in _SETTINGS + _COUNTERS if key not in state_dict]
        unexpected = [key for key in state_dict if key not in _SETTINGS + _COUNTERS + ("best_state",)]
        if missing or unexpected:
            raise ValueError(f"EarlyStopping.load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        _check_settings(*(state_dict[name] for name in _SETTINGS))
        for name in _SETTINGS + _COUNTERS:
            setattr(self, name, state_dict[name])
        best_state = state_dict.get("best_state")
        self.best_state = None if best_state is None else copy.deepcopy(best_state)
