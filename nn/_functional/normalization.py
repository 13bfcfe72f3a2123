"""nn.functional: normalization family (filled in by its implementation)."""

__all__ = []
