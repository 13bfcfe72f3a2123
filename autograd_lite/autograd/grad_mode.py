"""Grad mode: whether operations record the graph (``no_grad``, ``enable_grad``, ``set_grad_enabled``).

The mode belongs to the thread, as in PyTorch: ``no_grad()`` in one thread, or a backward pass running in
another, never stops recording in this one. A new thread starts with recording on.
"""

import functools
import threading


class _GradState(threading.local):
    """Per-thread grad mode; ``enabled`` starts True in every thread."""

    enabled = True


_state = _GradState()


def is_grad_enabled():
    """True when new operations on tensors that require grad are recorded for backward."""
    return _state.enabled


class _GradModeContext:
    """Set grad mode to ``self.mode`` inside a block or a decorated function; restore it afterwards."""

    mode = True

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state.enabled
            _state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper


class _NoParamGradMode(_GradModeContext):
    """``@no_grad`` / ``@enable_grad`` also work without parentheses, as in torch."""

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self if func is None else self(func)


class no_grad(_NoParamGradMode):
    """Disable graph recording inside the block or decorated function."""

    mode = False


class enable_grad(_NoParamGradMode):
    """Enable graph recording inside the block or decorated function (e.g. inside ``no_grad``)."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: at once as a call, or for a block / decorated function (like torch)."""

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        _state.enabled = self.prev
        return super().__call__(fn)
