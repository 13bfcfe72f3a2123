"""Testing tools for users and for this project: ``gradcheck``/``gradgradcheck`` (analytic against
central-difference gradients in float64), ``crosscheck``/``crosscheck_training`` (the hand-written reference
network against the engine and ``optim``; loaded on first use, since they need ``nn`` and ``optim``) and, in
``autograd_lite.testing.strategies``, hypothesis strategies for property-based gradient tests (that submodule
alone needs hypothesis)."""

import importlib

from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "crosscheck", "crosscheck_training", "gradcheck", "gradgradcheck", "strategies"]


def __getattr__(name):
    if name == "strategies":
        return importlib.import_module("autograd_lite.testing.strategies")
    if name in ("crosscheck", "crosscheck_training"):
        return getattr(importlib.import_module("autograd_lite.testing.reference_check"), name)
    raise AttributeError(f"module 'autograd_lite.testing' has no attribute {name!r}")
