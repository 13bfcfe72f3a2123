"""nn layers: upsampling family."""

__all__ = []
