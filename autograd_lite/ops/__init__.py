"""Differentiable operations by family: each op's forward and vector-Jacobian product side by side."""
