"""nn layers: loss family."""

__all__ = []
