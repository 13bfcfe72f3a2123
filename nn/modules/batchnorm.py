"""nn layers: batchnorm family."""

__all__ = []
