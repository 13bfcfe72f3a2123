"""Differential test against PyTorch: random small programs run side by side (see programs.py)."""
