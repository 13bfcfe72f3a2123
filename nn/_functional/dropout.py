"""nn.functional: dropout family (filled in by its implementation)."""

__all__ = []
