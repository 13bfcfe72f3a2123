"""``Optimizer``: the base of every optimizer, with PyTorch's param groups, per-parameter state and state dicts.

A subclass declares its ``defaults`` and implements ``_update(group, params, grads)`` on numpy arrays; the base
class does the bookkeeping: groups, skipping parameters without a gradient, version counters, closures,
``zero_grad`` and checkpoints that resume on exactly the same trajectory.
"""

import copy
import math
import warnings

import numpy as np

from autograd_lite._internal import bump_version, wrap
from autograd_lite.autograd.grad_mode import enable_grad
from autograd_lite.serialization import state_array
from autograd_lite import Tensor
from autograd_lite._internal import clear_grads

__all__ = ["Optimizer", "ParamState"]


class ParamState:
    """Per-parameter state keyed by the parameter object itself (identity, never tensor equality).

    The index is by ``id()``, so a copy (``copy.deepcopy``, ``pickle``) stores the (parameter, state) pairs and
    re-indexes them by the copied parameters' ids: a copied optimizer continues on its copied model.
    """

    def __init__(self):
        self._entries = {}

    def __getstate__(self):
        return list(self._entries.values())

    def __setstate__(self, entries):
        self._entries = {id(param): (param, values) for param, values in entries}

    def __getitem__(self, param):
        key = id(param)
        if key not in self._entries:
            self._entries[key] = (param, {})
        return self._entries[key][1]

    def __setitem__(self, param, value):
        self._entries[id(param)] = (param, value)

    def __contains__(self, param):
        return id(param) in self._entries

    def __len__(self):
        return len(self._entries)

    def __iter__(self):
        return (param for param, _ in self._entries.values())

    def get(self, param, default=None):
        entry = self._entries.get(id(param))
        return default if entry is None else entry[1]

    def items(self):
        return list(self._entries.values())

    def clear(self):
        self._entries.clear()

    def __repr__(self):
        return f"ParamState({len(self)} parameters)"


def check_hyper(name, key, value, low=0.0, high=None, high_open=False):
    """Raise a ValueError naming optimizer ``name`` unless ``low <= value`` (and ``value </<= high``); a
    TypeError for what is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name}: invalid {key} {value!r}; expected a number, got {type(value).__name__}")
    ok = math.isfinite(value) and value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        interval = f"[{low}, {high})" if high_open else (f"[{low}, {high}]" if high is not None else f">= {low}")
        raise ValueError(f"{name}: invalid {key} {value!r}; expected a finite number in {interval}")


def _is_param_tuple(item):
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of params and hyper-parameters) and per-parameter ``state``."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = ParamState()
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, but got a "
                f"single Tensor of shape {params.shape}; pass [tensor] or model.parameters()"
            )
        if isinstance(params, dict):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, but got a "
                f"dict; pass model.parameters() or a list of param-group dicts"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- parameter groups --------------------------------------------------------------------------------

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyper-parameters (missing ones take the defaults)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: parameters must be given in an ordered collection (a list), not a set, so "
                f"that their order (and the state dict) is the same in every run"
            )
        params = list(params)
        names = [p[0] for p in params if _is_param_tuple(p)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: give all parameters with names (from named_parameters()) or none")
            group["param_names"] = names
            params = [p[1] for p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: can only optimize Tensors, but parameter {i} of the group is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape {p.shape}); "
                    f"optimize the leaf it was computed from"
                )
            if not np.issubdtype(p.dtype, np.floating):
                raise TypeError(f"{name}: can only optimize floating-point tensors, parameter {i} has dtype {p.dtype}")
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_group(group)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(f"{name}: a parameter group contains the same parameter more than once", stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_group(self, group):
        """Validate a group's hyper-parameters (subclasses raise ValueError naming the bad one)."""

    # ---- stepping -----------------------------------------------------------------------------------------

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient: to None (the default, like torch) or to zeros in place."""
        clear_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (re-evaluating the loss) is called first."""
        loss = None
        if closure is not None:
            if not callable(closure):
                raise TypeError(
                    f"{type(self).__name__}.step: closure must be a function re-evaluating the loss "
                    f"(or None), got {type(closure).__name__}"
                )
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update(group, params, [self._grad_array(p) for p in params])
                for p in params:
                    bump_version(p)
        return loss

    def _grad_array(self, p):
        grad = p.grad._array
        if grad.shape != p._array.shape:
            raise RuntimeError(
                f"{type(self).__name__}.step: a parameter of shape {p.shape} has a gradient of shape {grad.shape}"
            )
        return grad

    def _update(self, group, params, grads):
        """Apply one update to ``params`` (numpy arrays changed in place via ``p._array``)."""
        raise NotImplementedError

    # ---- checkpoints --------------------------------------------------------------------------------------

    def state_dict(self):
        """A snapshot ``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` (torch's layout).

        Parameters are numbered across groups in order; state values are copies, so the snapshot does not
        change as training continues. It can be written with ``autograd_lite.save``.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for p, values in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = copy.deepcopy(values)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by ``state_dict`` (also after ``autograd_lite.load``)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' (from "
                f"optimizer.state_dict()), got {type(state_dict).__name__}"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {g} of the state dict has no 'params' "
                    "entry (expected a dict from optimizer.state_dict())"
                )
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {g} has {len(saved['params'])} "
                    f"parameters in the state dict but {len(group['params'])} in this optimizer"
                )
            for i, p in zip(saved["params"], group["params"]):
                by_index[int(i)] = p
        new_state = ParamState()
        for key, values in state_dict["state"].items():
            if int(key) not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter {key} but no such parameter")
            p = by_index[int(key)]
            new_state[p] = {k: self._restore(k, v, p, key) for k, v in values.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            params = group["params"]
            group.clear()
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
            group["params"] = params
        self.state = new_state

    def _restore(self, key, value, param, index):
        """A state entry from a state dict: arrays become Tensors of the parameter's dtype; numbers stay."""
        if value is None or isinstance(value, (int, float)):
            return value
        array = state_array(value, f"{type(self).__name__}.load_state_dict: state {key!r} of parameter {index}")
        # a copy (the optimizer updates its state in place), floating state in the parameter's dtype
        array = array.astype(param._array.dtype if np.issubdtype(array.dtype, np.floating) else array.dtype)
        if array.ndim == 0 and key == "step":
            return array.item()
        if array.shape != param._array.shape:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: state {key!r} of parameter {index} has shape "
                f"{array.shape}, but the parameter has shape {param._array.shape}"
            )
        return wrap(array)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k not in ("params", "param_names"))
        return "\n".join(lines) + "\n)"


def buffer(state, key, like, fill=0.0):
    """The state array ``key`` (a Tensor's data), created as ``fill`` with ``like``'s shape and dtype if absent."""
    tensor = state.get(key)
    if tensor is None:
        tensor = wrap(np.full_like(like, fill))
        state[key] = tensor
    return tensor._array
