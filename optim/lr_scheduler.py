"""optim: lr_scheduler (filled in by its implementation)."""

__all__ = []
