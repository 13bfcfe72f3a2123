"""nn layers: linear family."""

__all__ = []
