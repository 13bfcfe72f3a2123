"""nn layers: pooling family."""

__all__ = []
