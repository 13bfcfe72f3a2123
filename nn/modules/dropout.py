"""nn layers: dropout family."""

__all__ = []
