"""``autograd_lite.nn`` is the top-level ``nn`` package itself (the same module object)."""

import sys

import nn as _nn

sys.modules[__name__] = _nn
