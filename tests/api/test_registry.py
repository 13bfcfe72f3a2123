"""The op registry is the one list of ops: the Tensor's methods, the public functions, the vjp namespaces
and the op test table must all agree with it."""

import importlib
import sys
from pathlib import Path

import pytest

import autograd_lite as al
import nn
from autograd_lite.functions.namespace import tensor_namespace
from autograd_lite.ops import registry
from autograd_lite.ops.base import numpy_namespace
from autograd_lite.tensor_ops import TensorOps

# Tensor methods that no op backs: they compute no gradient (comparisons, logic, indices of extremes,
# integer and bool casts) or return self
NOT_OPS = {
    "normal_",
    "uniform_",
    "bernoulli_",
    "exponential_",
    "random_",
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "__and__",
    "__rand__",
    "__or__",
    "__ror__",
    "__xor__",
    "__rxor__",
    "__invert__",
    "argmax",
    "argmin",
    "long",
    "int",
    "bool",
    "cpu",
    "is_contiguous",
    "__pos__",
    "floor_divide",
    "floor_divide_",
    "__floordiv__",
    "__rfloordiv__",
    "__ifloordiv__",
    "isinf",
    "isnan",
    "isfinite",
    "any",
    "all",
    "argsort",
}

OP_TABLES = ["test_elementwise", "test_linalg", "test_reduce", "test_shape"]


def _mixin_methods():
    return {name for name, value in vars(TensorOps).items() if callable(value) or isinstance(value, property)} - {
        "__init_subclass__"
    }


def test_every_method_an_op_declares_is_written_in_the_mixin():
    missing = sorted(set(registry.method_names()) - _mixin_methods())
    assert not missing, f"ops declare these Tensor methods, but tensor_ops.TensorOps does not define them: {missing}"


def test_every_mixin_method_is_backed_by_an_op_or_listed_as_not_an_op():
    orphans = sorted(_mixin_methods() - set(registry.method_names()) - NOT_OPS)
    assert not orphans, f"TensorOps methods that no op declares in its `methods`: {orphans}"
    assert not NOT_OPS & set(registry.method_names()), "a method listed in NOT_OPS is declared by an op"


def test_every_public_op_function_exists_where_it_says():
    for name, op in registry.public_ops().items():
        assert name in al.__all__, f"{op.__name__} declares al.{name}, which autograd_lite does not export"
        assert callable(getattr(al, name))
    for name, op in registry.public_ops("nn.functional").items():
        assert callable(getattr(nn.functional, name, None)), f"{op.__name__} declares F.{name}, which is missing"


def test_every_registered_op_family_is_registered():
    modules = {op.__module__.rsplit(".", 1)[-1] for op in registry.OPS.values()}
    assert set(registry.FAMILIES) <= modules


def test_both_vjp_namespaces_have_the_same_functions():
    def public(ns):
        return {n for n in dir(ns) if not n.startswith("_")}

    assert sorted(public(numpy_namespace)) == sorted(public(tensor_namespace))
    assert set(registry.xp_ops()) <= public(numpy_namespace)


def _op_tables():
    folder = str(Path(__file__).resolve().parents[1] / "ops")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    cases = []
    for table in OP_TABLES:
        cases += importlib.import_module(table).ENTRIES
    return cases, importlib.import_module("_op_registry").torch_counterpart


def test_every_public_op_has_a_gradient_case_and_a_torch_case_in_the_op_tables():
    cases, torch_counterpart = _op_tables()
    for name, op in registry.public_ops().items():
        if name in op.aliases:
            continue
        mine = [c for c in cases if c.name == name or c.name.startswith(name + "_")]
        assert mine, f"al.{name} ({op.__name__}) has no entry in the tests/ops tables ({', '.join(OP_TABLES)})"
        assert any(torch_counterpart(c) for c in mine), f"al.{name}: no entry is compared with torch"


def test_dir_shows_the_api_not_the_implementation():
    names = set(dir(al))
    for leaked in ("np", "ew", "apply", "MatMul", "red", "sh", "ops", "functions", "tensor_ops", "importlib"):
        assert leaked not in names
    assert {"Tensor", "tensor", "exp", "matmul", "no_grad", "nn", "optim"} <= names
    assert set(al.__all__) <= set(dir(al))


@pytest.mark.parametrize("name", sorted(registry.method_names()))
def test_each_declared_method_is_reachable_on_a_tensor(name):
    assert hasattr(al.Tensor, name)
