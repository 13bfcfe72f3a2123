"""nn.functional: pooling family (filled in by its implementation)."""

__all__ = []
