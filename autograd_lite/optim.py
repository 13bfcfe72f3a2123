"""``autograd_lite.optim`` is the top-level ``optim`` package itself (the same module object)."""

import sys

import optim as _optim

sys.modules[__name__] = _optim
