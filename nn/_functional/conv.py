"""nn.functional: conv family (filled in by its implementation)."""

__all__ = []
