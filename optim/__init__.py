"""Optimizers and learning-rate schedules on autograd_lite (PyTorch's torch.optim API).

Also reachable as ``autograd_lite.optim`` (the same module object). Its contents are built by the optim issue.
"""
