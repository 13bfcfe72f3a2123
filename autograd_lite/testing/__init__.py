"""Testing tools for users and for this project: ``gradcheck``/``gradgradcheck`` (analytic against
central-difference gradients in float64) and, in ``autograd_lite.testing.strategies``, hypothesis
strategies for property-based gradient tests (that submodule alone needs hypothesis)."""

from .crosscheck import crosscheck, crosscheck_training
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "crosscheck", "crosscheck_training", "gradcheck", "gradgradcheck", "strategies"]


def __getattr__(name):
    if name == "strategies":
        import importlib
        return importlib.import_module("autograd_lite.testing.strategies")
    raise AttributeError(f"module 'autograd_lite.testing' has no attribute {name!r}")
