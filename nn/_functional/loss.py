"""nn.functional: loss family (filled in by its implementation)."""

__all__ = []
