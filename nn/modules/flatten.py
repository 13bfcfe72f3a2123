"""nn layers: flatten family."""

__all__ = []
