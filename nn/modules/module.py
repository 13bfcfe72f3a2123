"""``Module``: the base class of every layer and model, with torch.nn.Module's registration, traversal,
train/eval switch, state_dict key names and repr.

Assigning a Parameter, a Module or (through ``register_buffer``) a buffer tensor as an attribute registers
it; ``state_dict()`` names them like PyTorch (``"features.3.bias"``), so weights move between the two by key.
"""

from collections import OrderedDict, namedtuple

import numpy as np

from autograd_lite.autograd.grad_mode import no_grad
from autograd_lite._internal import bump_version, wrap
from autograd_lite.serialization import state_array
from autograd_lite import Tensor
from autograd_lite._internal import clear_grads

from autograd_lite.autograd.function import Function
from autograd_lite.autograd.grad_mode import is_grad_enabled
from autograd_lite.autograd.hooks import HookDict, add_hook
from autograd_lite.autograd.tracing import TRACERS

from .. import _checks
from ..parameter import Parameter

__all__ = ["Module", "IncompatibleKeys"]

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _indent(text, spaces=2):
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


class Module:
    """Base class for all layers and models: subclass it, create sub-modules and Parameters in
    ``__init__`` and compute the output in ``forward``; call the module, not ``forward``."""

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define it in the subclass")

    _hooks = None  # a _ModuleHooks once a hook is registered: a module without hooks pays one check per call

    def __call__(self, *args, **kwargs):
        if TRACERS:
            TRACERS[-1].module(self)
        hooks = self._hooks
        if hooks is None or not hooks.active():  # (the tables stay, empty, once every hook was removed)
            return self.forward(*args, **kwargs)
        return _call_with_hooks(self, hooks, args, kwargs)

    # ---- hooks --------------------------------------------------------------------------------------
    def _hook_table(self, kind):
        if self._hooks is None:
            object.__setattr__(self, "_hooks", _ModuleHooks())
        return getattr(self._hooks, kind)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before every forward (``hook(module, args, kwargs)`` with
        ``with_kwargs``); a non-None result replaces the args (a tuple, or a single value; with
        ``with_kwargs`` an ``(args, kwargs)`` pair). Returns a handle whose ``remove()`` undoes it."""
        handle = add_hook(self._hook_table("forward_pre"), hook, prepend)
        if with_kwargs:
            self._hooks.with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args, output)`` after every forward (``hook(module, args, kwargs, output)``
        with ``with_kwargs``); a non-None result replaces the output. Returns a removable handle."""
        handle = add_hook(self._hook_table("forward"), hook, prepend)
        if with_kwargs:
            self._hooks.with_kwargs.add(handle.id)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_output)`` when the gradients of the module's outputs are known; a
        non-None result (a tuple) replaces grad_output. Returns a removable handle."""
        return add_hook(self._hook_table("backward_pre"), hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_input, grad_output)`` once the gradients of the module's tensor inputs
        are computed (None for inputs that need none); a non-None result (a tuple) replaces grad_input.
        Returns a removable handle."""
        return add_hook(self._hook_table("backward"), hook, prepend)

    # ---- registration ----------------------------------------------------------------------------
    def _registry(self, kind):
        try:
            return self.__dict__[kind]
        except KeyError:
            raise AttributeError(
                f"cannot assign to {type(self).__name__} before Module.__init__() is "
                "called (call super().__init__() first)"
            ) from None

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._registry("_parameters")
            self._forget(name, keep="_parameters")
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__} (nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._registry("_modules")
            self._forget(name, keep="_modules")
            self._modules[name] = value
        elif name in self.__dict__.get("_modules", {}):
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as child module {name!r} of "
                    f"{type(self).__name__} (nn.Module or None expected)"
                )
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", {}):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as buffer {name!r} of "
                    f"{type(self).__name__} (Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Remove ``name`` from the other registries; re-registering keeps its position in ``keep`` (as torch)."""
        for kind in ("_parameters", "_buffers", "_modules"):
            if kind != keep:
                self.__dict__[kind].pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        for kind in ("_parameters", "_buffers", "_modules"):
            registry = self.__dict__.get(kind)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for kind in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(kind, {}):
                del self.__dict__[kind][name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def _check_name(self, what, name):
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{what} name must be a non-empty string without '.', got {name!r}")
        if hasattr(self, name) and name not in self.__dict__[f"_{what}s" if what != "module" else "_modules"]:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None) under ``name``."""
        self._registry("_parameters")
        self._check_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got {type(param).__name__}")
        self._forget(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a non-trainable tensor (e.g. BatchNorm's running_mean); persistent ones go in state_dict."""
        self._registry("_buffers")
        self._check_name("buffer", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self._forget(name, keep="_buffers")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        """Register a child module under ``name`` (what attribute assignment does)."""
        self._registry("_modules")
        self._check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be an nn.Module or None, got {type(module).__name__}")
        self._forget(name, keep="_modules")
        self._modules[name] = module

    register_module = add_module

    # ---- traversal ---------------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first in definition order."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, kind, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, value in module.__dict__[kind].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(name, Parameter) pairs, recursively, in definition order; a shared Parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target):
        """The descendant named by a dotted path such as ``"features.3"``."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})")
            module = module._modules[part]
        return module

    # ---- modes and gradients ----------------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (dropout active, batch-norm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode must be a bool, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for module in self.children():  # through train(), as torch, so that overrides are honoured
            module.train(mode)
        return self

    def eval(self):
        """Set evaluation mode: same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear the gradients of all parameters (to None by default, as torch; or to zeros)."""
        clear_grads(self.parameters(), set_to_none)

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first) and then on this module; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, **kwargs):
        """``.to(dtype)`` converts floating parameters and buffers; ``.to('cpu')`` is a no-op."""
        for a in args:
            if isinstance(a, str):
                if a != "cpu":
                    raise ValueError(f"to: autograd_lite runs on the CPU only, got device {a!r}")
            else:
                dtype = a
        if dtype is not None:
            dtype = _checks.float_dtype("Module.to", dtype)  # int parameters could not require grad
            for t in list(self.parameters()) + list(self.buffers()):
                if t._array.dtype.kind == "f":
                    t._array = t._array.astype(dtype)
                    if t.grad is not None:
                        t.grad._array = t.grad._array.astype(dtype)
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def cpu(self):
        return self

    # ---- state ------------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict of every parameter and persistent buffer under PyTorch's key names.

        The values share memory with the model (detached unless ``keep_vars``). To hand them to PyTorch:
        ``torch_sd = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}``.
        """
        destination = OrderedDict() if destination is None else destination
        for module_name, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            base = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    destination[base + name] = param if keep_vars else param.detach()
            for name, buf in module._buffers.items():
                if buf is not None and name not in module._non_persistent:
                    destination[base + name] = buf if keep_vars else buf.detach()
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (tensors, numpy arrays or torch tensors under PyTorch's key names) into the model.

        With ``strict`` every key must match; otherwise the missing and unexpected keys are returned.
        A shape mismatch is always an error. All problems are listed in one RuntimeError.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems, arrays = [], {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            array = state_array(state_dict[key], f"load_state_dict: the value for {key!r}")
            if array.shape != target._array.shape:
                problems.append(
                    f"size mismatch for {key}: copying a value of shape {array.shape} from the "
                    f"state_dict, but the shape in the model is {target._array.shape}"
                )
            else:
                arrays[key] = array
        if strict:
            if missing:
                problems.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
            if unexpected:
                problems.insert(
                    len(missing) > 0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                )
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        with no_grad():
            for key, array in arrays.items():
                target = own[key]
                np.copyto(target._array, array, casting="unsafe")
                bump_version(target)
        return IncompatibleKeys(missing, unexpected)

    # ---- repr -------------------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr line (layers override it)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        children = [f"({name}): {_indent(repr(module))}" for name, module in self._modules.items()]
        if len(extra_lines) == 1 and not children:
            return f"{self._get_name()}({extra})"
        if not extra_lines and not children:
            return f"{self._get_name()}()"
        return self._get_name() + "(\n  " + "\n  ".join(extra_lines + children) + "\n)"


class _ModuleHooks:
    """A module's hooks, each table an ordered {handle id: hook}; ``with_kwargs`` lists the ids of the
    forward (pre) hooks that take the keyword arguments too."""

    def __init__(self):
        self.forward_pre, self.forward = HookDict(), HookDict()
        self.backward_pre, self.backward = HookDict(), HookDict()
        self.with_kwargs = set()

    def active(self):
        """Whether any hook is registered (the tables stay, empty, after every handle was removed)."""
        return bool(self.forward_pre or self.forward or self.backward_pre or self.backward)


def _call_with_hooks(module, hooks, args, kwargs):
    """``module(*args, **kwargs)`` with its hooks, in torch's order: forward pre hooks, the backward hooks'
    wrapping of the inputs, forward, forward hooks, the wrapping of the outputs."""
    for key, hook in list(hooks.forward_pre.items()):
        if key in hooks.with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        "a forward pre-hook registered with with_kwargs=True must return None or an (args, kwargs) "
                        f"pair, got {type(result).__name__}"
                    )
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    state = None
    if (hooks.backward or hooks.backward_pre) and is_grad_enabled():
        state = _BackwardHookState(module, hooks)
        args = state.wrap_inputs(args)
    output = module.forward(*args, **kwargs)
    for key, hook in list(hooks.forward.items()):
        result = hook(module, args, kwargs, output) if key in hooks.with_kwargs else hook(module, args, output)
        if result is not None:
            output = result
    if state is not None:
        output = state.wrap_outputs(output)
    return output


class _BackwardHookState:
    """One call's full backward hooks: identity Functions around the tensor inputs and outputs catch the
    output gradients (backward pre hooks) and then the input gradients (backward hooks)."""

    def __init__(self, module, hooks):
        self.module, self.hooks = module, hooks
        self.n_inputs = 0
        self.inputs_wrapped = False
        self.grad_outputs = None

    def wrap_inputs(self, args):
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(positions)
        if not any(args[i].requires_grad for i in positions):
            return args
        self.inputs_wrapped = True
        wrapped = _InputHook.apply(self, *[args[i] for i in positions])
        args = list(args)
        for i, t in zip(positions, wrapped):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        items = [output] if single else list(output) if isinstance(output, (tuple, list)) else None
        if items is None:
            return output
        positions = [i for i, o in enumerate(items) if isinstance(o, Tensor)]
        if not any(items[i].requires_grad for i in positions):
            return output
        wrapped = _OutputHook.apply(self, *[items[i] for i in positions])
        for i, t in zip(positions, wrapped):
            items[i] = t
        if single:
            return items[0]
        return type(output)(items)

    def output_grads_ready(self, grad_outputs):
        """Run the backward pre hooks; with no input needing a gradient, the backward hooks run now."""
        for hook in list(self.hooks.backward_pre.values()):
            result = hook(self.module, grad_outputs)
            if result is not None:
                grad_outputs = _checked_grads("backward pre-hook", result, len(grad_outputs))
        self.grad_outputs = grad_outputs
        if not self.inputs_wrapped:
            for hook in list(self.hooks.backward.values()):
                if hook(self.module, (None,) * self.n_inputs, grad_outputs) is not None:
                    raise RuntimeError(
                        "a full backward hook returned gradients for the inputs of a module whose inputs need "
                        "no gradient: return None"
                    )
        return grad_outputs

    def input_grads_ready(self, grad_inputs):
        for hook in list(self.hooks.backward.values()):
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = _checked_grads("full backward hook", result, len(grad_inputs))
        return grad_inputs


def _checked_grads(where, result, n):
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != n:
        raise RuntimeError(f"a {where} returned {len(result)} gradient(s); expected {n}")
    return result


class _InputHook(Function):
    """Identity on a module's tensor inputs; its backward sees their gradients (backward hooks)."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        ctx.set_materialize_grads(False)
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        ctx.specs = [(t.shape, t.dtype) for t in tensors]
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        # as torch: an input that received no gradient (unused, or needing none) shows zeros to the hooks
        grads = tuple(
            g if g is not None else wrap(np.zeros(shape, dtype)) for g, (shape, dtype) in zip(grads, ctx.specs)
        )
        grads = ctx.state.input_grads_ready(grads)
        return (None, *(g if need else None for g, need in zip(grads, ctx.needs_input_grad[1:])))


class _OutputHook(Function):
    """Identity on a module's tensor outputs; its backward sees their gradients (backward pre hooks)."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        ctx.set_materialize_grads(False)
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.state.output_grads_ready(grads))
