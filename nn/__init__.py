"""Neural-network modules, layers and losses on autograd_lite (PyTorch's torch.nn API).

Also reachable as ``autograd_lite.nn`` (the same module object). Its contents are built by the nn issue.
"""
