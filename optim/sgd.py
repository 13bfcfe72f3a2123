"""optim: sgd (filled in by its implementation)."""

__all__ = []
