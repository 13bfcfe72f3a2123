"""The semi-public core API that ``nn``, ``optim`` and the examples' layers build on.

These few functions reach inside a Tensor so that nothing outside the core has to: wrap an existing array
without a copy, turn a fresh tensor into a leaf, and bump the version counter after writing into a tensor's
memory behind autograd's back (so a node that saved the old values refuses to backward). With them:
``apply(op, *inputs, **params)``, the one entry point that runs an op and records it; ``as_own_base``;
``clear_grads`` (zero_grad); ``update_unary`` (an in-place activation with torch's rules). They are stable
within a release but are not part of the torch-like API users program against.
"""

from .functions.inplace import update_unary
from .tensor import Tensor, _check_grad_dtype, apply, as_own_base, clear_grads

__all__ = ["wrap", "init_leaf", "bump_version", "version", "apply", "as_own_base", "clear_grads", "update_unary"]


def wrap(array):
    """A tensor around ``array`` itself (no copy, no checks, no gradient): for arrays the caller made."""
    return Tensor._wrap(array)


def init_leaf(tensor, array, requires_grad, where="tensor"):
    """Make ``tensor`` (just allocated, e.g. by a Tensor subclass's __init__) a leaf holding ``array``."""
    tensor._array, tensor._grad, tensor._fn, tensor._vc = array, None, None, [0]
    tensor._view = tensor._views = None
    tensor._rg = False
    if requires_grad:
        _check_grad_dtype(array.dtype, where)
        tensor._rg = True


def bump_version(tensor):
    """Record that ``tensor``'s memory was written in place (``Tensor._bump_version``: the one way)."""
    tensor._bump_version()


def version(tensor):
    """How many in-place writes ``tensor``'s memory has seen (shared with its views)."""
    return tensor._vc[0]
