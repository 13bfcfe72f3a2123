"""Grad mode: whether operations record the graph (``no_grad``, ``enable_grad``, ``set_grad_enabled``)."""

import functools

_state = {"enabled": True}


def is_grad_enabled():
    """True when new operations on tensors that require grad are recorded for backward."""
    return _state["enabled"]


class set_grad_enabled:
    """Turn recording on or off: as a call, a context manager, or a decorator (like torch)."""

    def __init__(self, mode=True):
        self.prev = _state["enabled"]
        self.mode = bool(mode)
        _state["enabled"] = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode
        _state["enabled"] = self.prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradModeContext:
    """Base for ``no_grad``/``enable_grad``: restore the previous mode on exit; usable as a decorator."""

    mode = True

    def __enter__(self):
        self.prev = _state["enabled"]
        _state["enabled"] = self.mode
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state["enabled"]
            _state["enabled"] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state["enabled"] = prev

        return wrapper


class no_grad(_GradModeContext):
    """Disable graph recording inside the block or decorated function."""

    mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside the block or decorated function (e.g. inside ``no_grad``)."""

    mode = True
