"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler`` API and numbers) and the book's schedule.

A scheduler changes ``group["lr"]`` in its optimizer's ``param_groups``; call ``scheduler.step()`` once per
epoch after ``optimizer.step()`` (``scheduler.step(metric)`` for the metric-driven ones). The recurrences are
the ones PyTorch uses (chainable forms where it uses them), so the learning rates agree with PyTorch's to
the last bit, not just mathematically.
"""

import bisect
import copy
import math
import numbers
import types
from collections import Counter

from .early_stopping import _as_metric, _check_mode, _improves

__all__ = [
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
]


# ---- argument checks ---------------------------------------------------------------------------------


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_finite(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _require(owner, name, value, ok, what):
    """Raise ValueError naming the scheduler, the argument and the value unless ``ok``."""
    if not ok:
        raise ValueError(f"{owner}: {name} must be {what}, got {value!r}")


def _check_optimizer(owner, optimizer):
    """An optimizer is anything whose ``param_groups`` is a non-empty list of dicts each holding 'lr'."""
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
        raise TypeError(
            f"{owner}: expected an optimizer (e.g. optim.SGD) whose param_groups is a list of "
            f"dicts, got {type(optimizer).__name__} {optimizer!r:.80}"
        )
    for i, group in enumerate(groups):
        if "lr" not in group:
            raise KeyError(f"{owner}: param_groups[{i}] of the optimizer has no 'lr'")


def _check_positive(owner, name, value):
    _require(owner, name, value, _is_finite(value) and value > 0, "a finite number > 0")


def _per_group(owner, name, value, n_groups):
    """``value`` as one entry per param group: a scalar is repeated, a list/tuple must have one per group."""
    if isinstance(value, (list, tuple)):
        _require(
            owner,
            name,
            value,
            len(value) == n_groups,
            f"a number or a list with one number per param group ({n_groups})",
        )
        return list(value)
    return [value] * n_groups


def _check_state_dict(scheduler, state_dict):
    if not isinstance(state_dict, dict):
        raise TypeError(f"{type(scheduler).__name__}.load_state_dict: expected a dict, got {type(state_dict).__name__}")


def _group_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


# ---- epoch-driven schedulers ---------------------------------------------------------------------------


class LRScheduler:
    """Base of the epoch-driven schedules: records each group's ``initial_lr`` and takes the first step
    (epoch 0) on construction, as PyTorch does; subclasses give ``get_lr`` for ``last_epoch``."""

    def __init__(self, optimizer, last_epoch=-1):
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        _require(owner, "last_epoch", last_epoch, _is_int(last_epoch) and last_epoch >= -1, "an int >= -1")
        self.optimizer = optimizer
        self._record_initial_lrs(last_epoch)
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _record_initial_lrs(self, last_epoch):
        """A fresh start (last_epoch == -1) sets a missing 'initial_lr' to the current lr (an existing one
        is kept, as in PyTorch); resuming (last_epoch >= 0) requires it in every group."""
        for i, group in enumerate(self.optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: param 'initial_lr' is not specified in "
                    f"param_groups[{i}] when resuming with last_epoch={last_epoch} (>= 0); load "
                    "the optimizer's state_dict first, or use last_epoch=-1 for a fresh start"
                )

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rates for ``last_epoch`` (one per param group), computed from the current ones."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def step(self, epoch=None):
        """Advance one epoch and write the new learning rates into the optimizer."""
        if epoch is not None:
            raise TypeError(
                f"{type(self).__name__}.step(): the epoch argument (deprecated in PyTorch) is not "
                "supported; call step() once per epoch, or construct the scheduler with "
                "last_epoch=... to resume"
            )
        self._step_count += 1
        self.last_epoch += 1
        lrs = self.get_lr()
        groups = self.optimizer.param_groups
        if len(lrs) != len(groups):
            raise ValueError(
                f"{type(self).__name__}: computed {len(lrs)} learning rates for {len(groups)} "
                "param groups (was a group added after the scheduler was made?)"
            )
        for group, lr in zip(groups, lrs):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)

    def _update_lr(self, epoch):
        """Jump to ``epoch`` (torch's internal ``_update_lr(epoch)``, which SequentialLR uses at a milestone):
        the closed form of the schedule where it has one, else ``get_lr``."""
        self.last_epoch = epoch
        closed_form = getattr(self, "_get_closed_form_lr", None)
        lrs = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)

    def get_last_lr(self):
        """The learning rates set by the latest step, one per param group."""
        return list(self._last_lr)

    def state_dict(self):
        """Every attribute except the optimizer (copied, so later steps do not change it)."""
        return {key: copy.deepcopy(value) for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the attributes saved by ``state_dict``."""
        _check_state_dict(self, state_dict)
        self.__dict__.update(copy.deepcopy(state_dict))


class _LRScheduler(LRScheduler):
    """The old name of ``LRScheduler``, kept as PyTorch keeps it."""


class StepLR(LRScheduler):
    """Multiply every group's lr by ``gamma`` every ``step_size`` epochs: lr0 * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _require("StepLR", "step_size", step_size, _is_int(step_size) and step_size > 0, "an int > 0")
        _check_positive("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply every group's lr by ``gamma`` at each milestone epoch (a milestone listed n times: gamma**n)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        try:
            milestones = list(milestones)
        except TypeError:
            raise ValueError(f"MultiStepLR: milestones must be a list of ints >= 0, got {milestones!r}") from None
        _require(
            "MultiStepLR",
            "milestones",
            milestones,
            all(_is_int(m) and m >= 0 for m in milestones),
            "a list of ints >= 0",
        )
        _check_positive("MultiStepLR", "gamma", gamma)
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return _group_lrs(self.optimizer)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect.bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]

    def load_state_dict(self, state_dict):
        """As the base, turning ``milestones`` (a plain dict after a save/load round trip) back into a Counter."""
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)


class ExponentialLR(LRScheduler):
    """Multiply every group's lr by ``gamma`` each epoch: lr0 * gamma ** epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check_positive("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal each lr from its base to ``eta_min`` along half a cosine over ``T_max`` epochs (SGDR without
    restarts), by PyTorch's recurrence: eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _require("CosineAnnealingLR", "T_max", T_max, _is_int(T_max) and T_max > 0, "an int > 0")
        _require("CosineAnnealingLR", "eta_min", eta_min, _is_finite(eta_min) and eta_min >= 0, "a finite number >= 0")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _group_lrs(self.optimizer)
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return self._leave_minimum()
        return self._cosine_ratio_step()

    def _get_closed_form_lr(self):
        return [
            self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]

    def _leave_minimum(self):
        """The step just after a minimum, where the ratio below would divide by zero."""
        return [
            lr + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
            for base_lr, lr in zip(self.base_lrs, _group_lrs(self.optimizer))
        ]

    def _cosine_ratio_step(self):
        ratio = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / (
            1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max)
        )
        return [ratio * (lr - self.eta_min) + self.eta_min for lr in _group_lrs(self.optimizer)]


class LambdaLR(LRScheduler):
    """Set each group's lr to its initial lr times ``lr_lambda(epoch)`` (one function, or one per group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer("LambdaLR", optimizer)
        n_groups = len(optimizer.param_groups)
        self.lr_lambdas = _per_group("LambdaLR", "lr_lambda", lr_lambda, n_groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(
                    f"LambdaLR: lr_lambda must be a function of the epoch (or a list of them, one "
                    f"per param group), got {fn!r}"
                )
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """As the base, but functions are not saved (None); a callable object's ``__dict__`` is."""
        state = {
            key: copy.deepcopy(value) for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else copy.deepcopy(fn.__dict__) for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict):
        """As the base, keeping this scheduler's functions (restoring a saved callable object's ``__dict__``)."""
        _check_state_dict(self, state_dict)
        state = dict(state_dict)
        saved_fns = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for fn, saved in zip(self.lr_lambdas, saved_fns):
            if saved is not None:
                fn.__dict__.update(copy.deepcopy(saved))


class LinearLR(LRScheduler):
    """Scale each group's lr by a factor moving linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs (a warm-up with the defaults), then keep it: torch's chainable recurrence."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        owner = "LinearLR"
        _require(
            owner,
            "start_factor",
            start_factor,
            _is_finite(start_factor) and 0 < start_factor <= 1,
            "greater than 0 and less or equal to 1",
        )
        _require(owner, "end_factor", end_factor, _is_finite(end_factor) and 0 <= end_factor <= 1, "in [0, 1]")
        _require(owner, "total_iters", total_iters, _is_int(total_iters) and total_iters >= 0, "an int >= 0")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = _group_lrs(self.optimizer)
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * factor for lr in lrs]

    def _get_closed_form_lr(self):
        return [
            base_lr
            * (
                self.start_factor
                + (self.end_factor - self.start_factor) * min(self.total_iters, self.last_epoch) / self.total_iters
            )
            for base_lr in self.base_lrs
        ]


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another, switching to the next at each epoch of ``milestones`` (one fewer
    than the schedulers); each starts from its own epoch 0 at its milestone, as in torch."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        owner = "SequentialLR"
        _check_optimizer(owner, optimizer)
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError(f"{owner}: expects at least one scheduler, but got no scheduler")
        for i, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(f"{owner}: the scheduler at index {i} should have `optimizer` as its attribute")
            if isinstance(scheduler, (ReduceLROnPlateau, HalveOnNoImprovement)):
                raise ValueError(
                    f"{owner}: does not support {type(scheduler).__name__} (at index {i}): it needs a metric "
                    "in step(metric)"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"{owner}: expects all schedulers to belong to the same optimizer, but the scheduler "
                    f"{type(scheduler).__name__} at index {i} has another optimizer"
                )
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"{owner}: expects one more scheduler than milestones, but got {len(schedulers)} schedulers "
                f"and {len(milestones)} milestones"
            )
        _require(owner, "last_epoch", last_epoch, _is_int(last_epoch) and last_epoch >= -1, "an int >= -1")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:  # undo the first step each took on construction
            _undo_step(scheduler)
        first = schedulers[bisect.bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self, epoch=None):
        """Advance one epoch: the scheduler whose span this is steps (or starts, at its milestone)."""
        if epoch is not None:
            raise TypeError("SequentialLR.step(): the epoch argument is not supported; call step() once per epoch")
        self.last_epoch += 1
        idx = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def get_lr(self):
        raise NotImplementedError("SequentialLR delegates to its schedulers; use get_last_lr()")

    def state_dict(self):
        """Every attribute but the optimizer, with each scheduler's own state dict."""
        state = {
            key: copy.deepcopy(value) for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")
        }
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        """Restore this scheduler's attributes and each of its schedulers' state."""
        _check_state_dict(self, state_dict)
        state = dict(state_dict)
        saved = state.pop("_schedulers", None)
        if saved is None or len(saved) != len(self._schedulers):
            raise ValueError(
                f"SequentialLR.load_state_dict: expected the states of {len(self._schedulers)} schedulers, got "
                f"{None if saved is None else len(saved)}"
            )
        self.__dict__.update(copy.deepcopy(state))
        for scheduler, scheduler_state in zip(self._schedulers, saved):
            scheduler.load_state_dict(scheduler_state)


def _undo_step(scheduler):
    """Take back the epoch counted by a scheduler's construction (recursively into a SequentialLR's)."""
    if hasattr(scheduler, "_schedulers"):
        for inner in scheduler._schedulers:
            _undo_step(inner)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin), stepped once per batch: lr rises from ``max_lr / div_factor`` to
    ``max_lr`` over the first ``pct_start`` of ``total_steps`` (or ``epochs * steps_per_epoch``), then anneals
    (``anneal_strategy`` 'cos' or 'linear') to ``initial_lr / final_div_factor``; ``three_phase`` comes back
    down to the initial lr symmetrically before the final annealing. With ``cycle_momentum`` the momentum
    (SGD's ``momentum``, or beta1 of ``betas`` for Adam-like optimizers) moves inversely between
    ``max_momentum`` and ``base_momentum``. Stepping past ``total_steps`` raises a ValueError, as in torch."""

    def __init__(
        self,
        optimizer,
        max_lr,
        total_steps=None,
        epochs=None,
        steps_per_epoch=None,
        pct_start=0.3,
        anneal_strategy="cos",
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
        last_epoch=-1,
    ):
        owner = "OneCycleLR"
        _check_optimizer(owner, optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            _require(owner, "total_steps", total_steps, _is_int(total_steps) and total_steps > 0, "a positive int")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _require(owner, "epochs", epochs, _is_int(epochs) and epochs > 0, "a positive int")
            _require(
                owner,
                "steps_per_epoch",
                steps_per_epoch,
                _is_int(steps_per_epoch) and steps_per_epoch > 0,
                "a positive int",
            )
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{owner}: you must define either total_steps OR (epochs AND steps_per_epoch)")
        _require(
            owner,
            "pct_start",
            pct_start,
            isinstance(pct_start, float) and 0 <= pct_start <= 1,
            "a float between 0 and 1",
        )
        _require(owner, "anneal_strategy", anneal_strategy, anneal_strategy in ("cos", "linear"), "'cos' or 'linear'")
        _check_positive(owner, "div_factor", div_factor)
        _check_positive(owner, "final_div_factor", final_div_factor)
        self._schedule_phases = self._phases(pct_start, three_phase)
        self._anneal_func_type = anneal_strategy
        groups = optimizer.param_groups
        max_lrs = _per_group(owner, "max_lr", max_lr, len(groups))
        if last_epoch == -1:
            for lr, group in zip(max_lrs, groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            defaults = getattr(optimizer, "defaults", {})
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError(
                    f"{owner}: optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in defaults
            max_momentums = _per_group(owner, "max_momentum", max_momentum, len(groups))
            base_momentums = _per_group(owner, "base_momentum", base_momentum, len(groups))
            if last_epoch == -1:
                for m_momentum, b_momentum, group in zip(max_momentums, base_momentums, groups):
                    if self.use_beta1:
                        group["betas"] = (m_momentum, *group["betas"][1:])
                    else:
                        group["momentum"] = m_momentum
                    group["max_momentum"] = m_momentum
                    group["base_momentum"] = b_momentum
        super().__init__(optimizer, last_epoch)

    def _phases(self, pct_start, three_phase):
        if three_phase:
            return [
                dict(end_step=float(pct_start * self.total_steps) - 1, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * self.total_steps) - 2, start_lr="max_lr", end_lr="initial_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum"),
                dict(end_step=self.total_steps - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum"),
            ]  # fmt: skip
        return [
            dict(end_step=float(pct_start * self.total_steps) - 1, start_lr="initial_lr", end_lr="max_lr",
                 start_momentum="max_momentum", end_momentum="base_momentum"),
            dict(end_step=self.total_steps - 1, start_lr="max_lr", end_lr="min_lr",
                 start_momentum="base_momentum", end_momentum="max_momentum"),
        ]  # fmt: skip

    def _anneal_func(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step_num} times; the specified number of total steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lr = self._anneal_func(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal_func(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs


# ---- metric-driven schedulers --------------------------------------------------------------------------


class ReduceLROnPlateau(LRScheduler):
    """Multiply every group's lr by ``factor`` (down to ``min_lr``) once the metric has not improved for more
    than ``patience`` epochs; then wait ``cooldown`` epochs before counting bad epochs again."""

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0,
        eps=1e-8,
    ):
        owner = "ReduceLROnPlateau"
        _check_optimizer(owner, optimizer)
        _require(owner, "factor", factor, _is_finite(factor) and 0 <= factor < 1, "a number in [0, 1)")
        _require(owner, "patience", patience, _is_int(patience) and patience >= 0, "an int >= 0")
        _require(owner, "cooldown", cooldown, _is_int(cooldown) and cooldown >= 0, "an int >= 0")
        _require(owner, "eps", eps, _is_finite(eps) and eps >= 0, "a finite number >= 0")
        min_lrs = _per_group(owner, "min_lr", min_lr, len(optimizer.param_groups))
        _require(
            owner,
            "min_lr",
            min_lr,
            all(_is_finite(m) and m >= 0 for m in min_lrs),
            "a finite number >= 0 or a list of them",
        )
        self.factor = factor
        self.optimizer = optimizer
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = min_lrs
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _group_lrs(optimizer)
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode):
        owner = "ReduceLROnPlateau"
        _check_mode(owner, mode)
        _require(owner, "threshold_mode", threshold_mode, threshold_mode in ("rel", "abs"), "'rel' or 'abs'")
        _require(owner, "threshold", threshold, _is_finite(threshold) and threshold >= 0, "a finite number >= 0")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def step(self, metrics, epoch=None):
        """Record this epoch's metric and reduce the learning rates if it has plateaued."""
        if epoch is not None:
            raise TypeError(
                "ReduceLROnPlateau.step(): the epoch argument (deprecated in PyTorch) is not "
                "supported; call step(metric) once per epoch"
            )
        current = _as_metric("ReduceLROnPlateau.step", metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _group_lrs(self.optimizer)

    def _is_better(self, value, best):
        """PyTorch's test: beyond best by the threshold (relative: best * (1 -/+ threshold); absolute: -/+)."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return value < best * (1.0 - self.threshold)
            return value < best - self.threshold
        if self.threshold_mode == "rel":
            return value > best * (self.threshold + 1.0)
        return value > best + self.threshold

    def _reduce_lr(self):
        self._match_min_lrs()
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def _match_min_lrs(self):
        """Extend a scalar min_lr to param groups added since construction; a per-group list cannot be."""
        n_groups = len(self.optimizer.param_groups)
        if len(self.min_lrs) == n_groups:
            return
        if self.default_min_lr is None:
            raise RuntimeError(
                f"ReduceLROnPlateau: the optimizer has {n_groups} param groups but min_lr was "
                f"given for {len(self.min_lrs)}; set .min_lrs to one value per group"
            )
        self.min_lrs = [self.default_min_lr] * n_groups

    def get_lr(self):
        raise NotImplementedError("ReduceLROnPlateau computes its learning rates in step(metric); use get_last_lr()")

    def load_state_dict(self, state_dict):
        """As the base, then re-check mode, threshold and threshold_mode."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


class HalveOnNoImprovement(LRScheduler):
    """The schedule of Nielsen, "Neural Networks and Deep Learning", ch. 3: halve the learning rate whenever
    the validation metric has not improved for ``patience`` epochs; stop once it is 1/128 of its start."""

    def __init__(self, optimizer, patience=10, mode="max", min_delta=0.0, factor=0.5, stop_fraction=1 / 128):
        """``mode`` 'max' for an accuracy, 'min' for a loss; the starting values are the lrs at construction."""
        owner = "HalveOnNoImprovement"
        _check_optimizer(owner, optimizer)
        _require(owner, "patience", patience, _is_int(patience) and patience >= 1, "an int >= 1")
        _check_mode(owner, mode)
        _require(owner, "min_delta", min_delta, _is_finite(min_delta) and min_delta >= 0, "a finite number >= 0")
        _require(owner, "factor", factor, _is_finite(factor) and 0 < factor < 1, "a number in (0, 1)")
        _require(
            owner,
            "stop_fraction",
            stop_fraction,
            _is_finite(stop_fraction) and 0 < stop_fraction < 1,
            "a number in (0, 1)",
        )
        self.optimizer = optimizer
        self.patience = patience
        self.mode = mode
        self.min_delta = min_delta
        self.factor = factor
        self.stop_fraction = stop_fraction
        self.base_lrs = _group_lrs(optimizer)
        self.last_epoch = -1
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = None
        self.num_bad_epochs = 0
        self.halvings = 0
        self.should_stop = False
        self._last_lr = _group_lrs(optimizer)

    def step(self, metric):
        """Record this epoch's metric; return True once training should stop (later calls then change nothing).

        Improvement means ``metric > best + min_delta`` (mode 'max') or ``metric < best - min_delta`` ('min');
        a NaN never improves. As soon as ``patience`` consecutive epochs have not improved (ReduceLROnPlateau
        waits for more than ``patience``), every lr is multiplied by ``factor`` and the count restarts; training
        should stop once every group's lr is <= ``stop_fraction`` times its starting value.
        """
        value = _as_metric("HalveOnNoImprovement.step", metric)
        if self.should_stop:
            return True
        self.last_epoch += 1
        if _improves(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.num_bad_epochs = value, self.last_epoch, 0
        else:
            self.num_bad_epochs += 1
        if self.num_bad_epochs >= self.patience:
            self._halve()
        self._last_lr = _group_lrs(self.optimizer)
        return self.should_stop

    def _halve(self):
        for group in self.optimizer.param_groups:
            group["lr"] = group["lr"] * self.factor
        self.halvings += 1
        self.num_bad_epochs = 0
        self.should_stop = all(
            self._at_stop_level(group["lr"], base_lr)
            for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs)
        )

    def _at_stop_level(self, lr, base_lr):
        """lr <= stop_fraction * base_lr, allowing the rounding of repeated multiplication by factor."""
        target = self.stop_fraction * base_lr
        return lr <= target or math.isclose(lr, target, rel_tol=1e-9)

    def get_lr(self):
        raise NotImplementedError("HalveOnNoImprovement computes its learning rates in step(metric); use get_last_lr()")

    def load_state_dict(self, state_dict):
        """As the base, then re-check mode."""
        super().load_state_dict(state_dict)
        _check_mode("HalveOnNoImprovement", self.mode)
