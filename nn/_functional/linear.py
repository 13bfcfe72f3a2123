"""nn.functional: linear family (filled in by its implementation)."""

__all__ = []
