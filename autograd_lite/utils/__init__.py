"""Utilities with ``torch.utils``' names: ``autograd_lite.utils.data`` (datasets, samplers, DataLoader)."""

from . import data

__all__ = ["data"]
