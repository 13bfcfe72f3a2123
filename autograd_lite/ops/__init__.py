"""Differentiable operations by family: each op's forward and vector-Jacobian product side by side.

Every family registers its ops when imported; ``ops.registry.load_all()`` imports them all (the package
does it on import, after the dtypes that the families need).
"""

__all__ = ["base", "registry", "elementwise", "linalg", "reduce", "shape", "conv", "pool", "normalization", "loss"]
