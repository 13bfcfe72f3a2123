"""nn.functional: activation family (filled in by its implementation)."""

__all__ = []
