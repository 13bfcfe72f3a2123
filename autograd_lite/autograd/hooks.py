"""Hook plumbing shared by tensors, the engine and ``nn.Module``: removable handles and the registry of
leaf-tensor hooks.

A non-leaf tensor's hooks live on its node (``Node.hooks``). A leaf has no node, and a Tensor has no slot
to spare, so leaf hooks live here, keyed by the tensor's id (the entry goes when the tensor dies). The
engine looks here only when ``LEAF_HOOKS`` is non-empty: a program without hooks pays nothing.
"""

import itertools
import weakref
from collections import OrderedDict
from typing import Any, Dict, Tuple

__all__ = ["RemovableHandle", "LEAF_HOOKS", "add_leaf_hook", "leaf_hooks", "call_tensor_hooks"]

_ids = itertools.count()


class RemovableHandle:
    """What every ``register_*hook`` returns (as torch.utils.hooks.RemovableHandle): ``remove()`` takes the
    hook out again; ``with handle:`` removes it on leaving the block."""

    __slots__ = ("hooks_ref", "id", "__weakref__")

    def __init__(self, hooks):
        self.hooks_ref = weakref.ref(hooks) if hooks is not None else None
        self.id = next(_ids)

    def remove(self):
        hooks = self.hooks_ref() if self.hooks_ref is not None else None
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class HookDict(OrderedDict):
    """An ordered {handle id: hook} that a handle can refer to weakly."""


# id(leaf) -> (weak reference to the leaf, its hooks)
LEAF_HOOKS: Dict[int, Tuple[Any, HookDict]] = {}


def _forget(key):
    LEAF_HOOKS.pop(key, None)


def add_leaf_hook(leaf, hook):
    """Register ``hook`` on a leaf tensor; returns its handle."""
    key = id(leaf)
    entry = LEAF_HOOKS.get(key)
    if entry is None or entry[0]() is not leaf:
        entry = (weakref.ref(leaf, lambda _, key=key: _forget(key)), HookDict())
        LEAF_HOOKS[key] = entry
    return add_hook(entry[1], hook)


def add_hook(hooks, hook, prepend=False):
    """Put ``hook`` into the HookDict ``hooks`` (first when ``prepend``); returns its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def leaf_hooks(leaf):
    """The hooks registered on ``leaf`` (None when it has none)."""
    entry = LEAF_HOOKS.get(id(leaf))
    if entry is None or entry[0]() is not leaf or not entry[1]:
        return None
    return entry[1]


def call_tensor_hooks(hooks, g, where, tensor_cls):
    """Call each hook on the gradient ``g`` (an array, or a Tensor under create_graph) in registration
    order; a hook returning a Tensor replaces the gradient. Returns the final gradient, of g's kind."""
    graph = isinstance(g, tensor_cls)
    for hook in list(hooks.values()):
        grad = g if graph else tensor_cls._wrap(g)
        new = hook(grad)
        if new is None:
            continue
        if not isinstance(new, tensor_cls):
            raise TypeError(f"a hook registered on {where} returned a {type(new).__name__}; expected a Tensor or None")
        if new.shape != grad.shape:
            raise RuntimeError(
                f"a hook registered on {where} returned a gradient of shape {new.shape}; expected "
                f"the tensor's shape {grad.shape}"
            )
        if new.dtype != grad.dtype:
            new = new.to(grad.dtype) if graph else tensor_cls._wrap(new._array.astype(grad.dtype))
        g = new if graph else new._array
    return g
