"""nn layers: conv family."""

__all__ = []
