"""The public functions of the plain ops, made from the op registry: ``al.exp(x)`` is ``apply(Exp, x)``.

A plain op takes one tensor and no parameters (its ``forward(a)`` has one argument) and declares a
``function`` name in ``autograd_lite``: nothing else needs writing for it to be ``al.<name>``. Ops whose
public function checks or converts arguments have it written by hand in ``math``, ``reduction`` or
``shaping`` instead.
"""

import inspect
import typing

from ..ops import registry
from ..tensor import apply


def is_plain(op):
    """True for an op whose public function is just ``apply(op, input)``."""
    return op.function is not None and "." not in op.function and len(inspect.signature(op.forward).parameters) == 1


def _plain_function(op, name):
    def function(input):
        return apply(op, input)

    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    function.__doc__ = (op.__doc__ or f"{name}, elementwise.").strip()
    return function


registry.load_all()
_FUNCTIONS = {name: _plain_function(op, name) for name, op in registry.public_ops().items() if is_plain(op)}
globals().update(_FUNCTIONS)
__all__ = sorted(_FUNCTIONS)


def __getattr__(name: str) -> typing.Any:
    """Names made above (for type checkers, which cannot see them); anything else is an AttributeError."""
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
