"""optim: early_stopping (filled in by its implementation)."""

__all__ = []
