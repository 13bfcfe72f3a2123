"""optim: rmsprop (filled in by its implementation)."""

__all__ = []
