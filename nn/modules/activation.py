"""nn layers: activation family."""

__all__ = []
