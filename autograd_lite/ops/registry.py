"""The one registry of operations: every ``Op`` subclass is recorded here when its class is defined.

An op declares its public names on the class (see ``Op``): ``function`` (``al.exp``, or
``nn.functional.conv2d`` for a layer's op), ``aliases``, the Tensor ``methods`` and operators it backs
(in-place variants included), and ``xp``, its name in the array namespaces that vjps compute with. The
public functions of plain ops, the op entries of both vjp namespaces and the consistency tests are derived
from this registry; nothing else lists the ops.
"""

from typing import Any, Dict

OPS: Dict[str, Any] = {}  # "module.ClassName" -> Op subclass, in definition order


def register(op):
    """Record ``op`` (called by ``Op.__init_subclass__``). Op classes made inside a function (a test's
    throwaway op) and private base classes (``_GroupedNorm``) are not recorded: they are not part of any
    namespace."""
    if "<locals>" not in op.__qualname__ and not op.__name__.startswith("_"):
        OPS[f"{op.__module__}.{op.__qualname__}"] = op


def public_ops(namespace="autograd_lite"):
    """{public name: op} for the ops whose ``function`` lives in ``namespace`` (aliases included)."""
    found = {}
    for op in OPS.values():
        if op.function is None:
            continue
        where, _, name = op.function.rpartition(".")
        if (where or "autograd_lite") != namespace:
            continue
        for public in (name, *op.aliases):
            found.setdefault(public, op)
    return found


def xp_ops():
    """{name: op} of the ops that vjps call through ``ctx.xp`` (``xp.exp(x)``, ``xp.cos(x)``...)."""
    return {op.xp: op for op in OPS.values() if op.xp is not None}


def method_names():
    """{Tensor method or operator name: op} over every registered op."""
    return {name: op for op in OPS.values() for name in op.methods}


FAMILIES = ("elementwise", "linalg", "reduce", "shape", "conv", "pool", "normalization", "loss")


def load_all():
    """Import every op family, so that the registry holds every op."""
    import importlib

    for family in FAMILIES:
        importlib.import_module(f"{__package__}.{family}")
