"""Bad input: every refused call raises the expected exception type with a message that names the operation
(or layer), the argument and the offending value or shape; where torch is installed, torch refuses the same
call too (torch decides what must be refused). A second table holds hostile inputs that torch accepts, with
torch's results."""

import numpy as np
import pytest

import autograd_lite as al
import nn
import optim
from autograd_lite.ops.base import OpError

try:
    import torch
except ImportError:  # the torch half of each case is skipped
    torch = None


def _p():
    return al.zeros(2, requires_grad=True)


def _tp():
    return torch.zeros(2, requires_grad=True)


# (id, autograd_lite call, the same call in torch (None: torch has no such argument), exception type,
#  fragments the message must contain: the operation or layer, the argument, the value or shape)
CASES = [
    # ---- nn layer constructors ----------------------------------------------------------------------
    (
        "Linear negative",
        lambda: nn.Linear(-1, 3),
        lambda: torch.nn.Linear(-1, 3),
        RuntimeError,
        ["Linear", "in_features", "-1", "non-negative"],
    ),
    (
        "Linear float",
        lambda: nn.Linear(4, 2.5),
        lambda: torch.nn.Linear(4, 2.5),
        TypeError,
        ["Linear", "out_features", "2.5", "int"],
    ),
    (
        "Conv2d negative kernel",
        lambda: nn.Conv2d(3, 4, -2),
        lambda: torch.nn.Conv2d(3, 4, -2),
        RuntimeError,
        ["Conv2d", "kernel_size", "-2"],
    ),
    (
        "Conv2d zero kernel",
        lambda: nn.Conv2d(3, 4, 0),
        lambda: torch.nn.Conv2d(3, 4, 0)(torch.zeros(1, 3, 5, 5)),
        RuntimeError,
        ["Conv2d", "kernel_size", "0"],
    ),
    (
        "Conv2d negative channels",
        lambda: nn.Conv2d(3, -4, 2),
        lambda: torch.nn.Conv2d(3, -4, 2),
        RuntimeError,
        ["Conv2d", "out_channels", "-4"],
    ),
    (
        "Conv2d float channels",
        lambda: nn.Conv2d(3.5, 4, 2),
        lambda: torch.nn.Conv2d(3.5, 4, 2),
        TypeError,
        ["Conv2d", "in_channels", "3.5"],
    ),
    (
        "Conv2d zero stride",
        lambda: nn.Conv2d(3, 4, 2, stride=0),
        lambda: torch.nn.Conv2d(3, 4, 2, stride=0)(torch.zeros(1, 3, 5, 5)),
        RuntimeError,
        ["Conv2d", "stride", "0"],
    ),
    (
        "Conv2d negative padding",
        lambda: nn.Conv2d(3, 4, 2, padding=-1),
        lambda: torch.nn.Conv2d(3, 4, 2, padding=-1)(torch.zeros(1, 3, 5, 5)),
        RuntimeError,
        ["Conv2d", "padding", "-1"],
    ),
    (
        "Conv2d zero dilation",
        lambda: nn.Conv2d(3, 4, 2, dilation=0),
        lambda: torch.nn.Conv2d(3, 4, 2, dilation=0)(torch.zeros(1, 3, 5, 5)),
        RuntimeError,
        ["Conv2d", "dilation", "0"],
    ),
    (
        "Conv2d float kernel",
        lambda: nn.Conv2d(3, 4, 2.5),
        lambda: torch.nn.Conv2d(3, 4, 2.5),
        TypeError,
        ["Conv2d", "kernel_size", "2.5"],
    ),
    (
        "ConvTranspose2d negative kernel",
        lambda: nn.ConvTranspose2d(3, 4, -2),
        lambda: torch.nn.ConvTranspose2d(3, 4, -2),
        RuntimeError,
        ["ConvTranspose2d", "kernel_size", "-2"],
    ),
    (
        "ConvTranspose2d negative output_padding",
        lambda: nn.ConvTranspose2d(3, 4, 2, output_padding=-1),
        lambda: torch.nn.ConvTranspose2d(3, 4, 2, output_padding=-1)(torch.zeros(1, 3, 5, 5)),
        RuntimeError,
        ["ConvTranspose2d", "output_padding", "-1"],
    ),
    (
        "conv2d empty kernel",
        lambda: nn.functional.conv2d(al.zeros(1, 3, 5, 5), al.zeros(4, 3, 0, 0)),
        lambda: torch.nn.functional.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(4, 3, 0, 0)),
        RuntimeError,
        ["conv2d", "kernel size", "(4, 3, 0, 0)"],
    ),
    (
        "BatchNorm1d float",
        lambda: nn.BatchNorm1d(2.5),
        lambda: torch.nn.BatchNorm1d(2.5),
        TypeError,
        ["BatchNorm1d", "num_features", "2.5"],
    ),
    (
        "BatchNorm2d negative",
        lambda: nn.BatchNorm2d(-1),
        lambda: torch.nn.BatchNorm2d(-1),
        RuntimeError,
        ["BatchNorm2d", "num_features", "-1"],
    ),
    (
        "BatchNorm1d eps str",
        lambda: nn.BatchNorm1d(3, eps="a"),
        lambda: torch.nn.BatchNorm1d(3, eps="a")(torch.zeros(4, 3)),
        TypeError,
        ["BatchNorm1d", "eps", "'a'"],
    ),
    (
        "BatchNorm1d momentum str",
        lambda: nn.BatchNorm1d(3, momentum="a"),
        lambda: torch.nn.BatchNorm1d(3, momentum="a")(torch.zeros(4, 3)),
        TypeError,
        ["BatchNorm1d", "momentum", "'a'"],
    ),
    (
        "BatchNorm1d one value per channel",
        lambda: nn.BatchNorm1d(3)(al.zeros(1, 3)),
        lambda: torch.nn.BatchNorm1d(3)(torch.zeros(1, 3)),
        ValueError,
        ["more than 1 value per channel", "(1, 3)"],
    ),
    (
        "Dropout p > 1",
        lambda: nn.Dropout(1.5),
        lambda: torch.nn.Dropout(1.5),
        ValueError,
        ["dropout probability", "1.5"],
    ),
    (
        "Dropout p < 0",
        lambda: nn.Dropout2d(-0.1),
        lambda: torch.nn.Dropout2d(-0.1),
        ValueError,
        ["dropout probability", "-0.1"],
    ),
    ("Dropout p str", lambda: nn.Dropout("a"), lambda: torch.nn.Dropout("a"), TypeError, ["Dropout", "p", "'a'"]),
    (
        "MSELoss reduction",
        lambda: nn.MSELoss(reduction="bad"),
        lambda: torch.nn.MSELoss(reduction="bad")(torch.zeros(2), torch.zeros(2)),
        ValueError,
        ["MSELoss", "reduction", "'bad'"],
    ),
    (
        "CrossEntropyLoss reduction",
        lambda: nn.CrossEntropyLoss(reduction="avg"),
        lambda: torch.nn.CrossEntropyLoss(reduction="avg")(torch.zeros(2, 3), torch.tensor([0, 1])),
        ValueError,
        ["CrossEntropyLoss", "reduction", "'avg'"],
    ),
    (
        "CrossEntropyLoss label_smoothing",
        lambda: nn.CrossEntropyLoss(label_smoothing=2.0),
        lambda: torch.nn.CrossEntropyLoss(label_smoothing=2.0)(torch.zeros(2, 3), torch.tensor([0, 1])),
        RuntimeError,
        ["CrossEntropyLoss", "label_smoothing", "2.0"],
    ),
    (
        "CrossEntropyLoss float ignore_index",
        lambda: nn.CrossEntropyLoss(ignore_index=1.5),
        lambda: torch.nn.CrossEntropyLoss(ignore_index=1.5)(torch.zeros(2, 3), torch.tensor([0, 1])),
        TypeError,
        ["CrossEntropyLoss", "ignore_index", "1.5"],
    ),
    (
        "NLLLoss float ignore_index",
        lambda: nn.NLLLoss(ignore_index=1.5),
        lambda: torch.nn.NLLLoss(ignore_index=1.5)(torch.zeros(2, 3), torch.tensor([0, 1])),
        TypeError,
        ["NLLLoss", "ignore_index", "1.5"],
    ),
    (
        "BCELoss reduction",
        lambda: nn.BCELoss(reduction="bad"),
        lambda: torch.nn.BCELoss(reduction="bad")(torch.zeros(2), torch.zeros(2)),
        ValueError,
        ["BCELoss", "reduction", "'bad'"],
    ),
    (
        "MaxPool2d negative kernel",
        lambda: nn.MaxPool2d(-1)(al.zeros(1, 1, 4, 4)),
        lambda: torch.nn.MaxPool2d(-1)(torch.zeros(1, 1, 4, 4)),
        RuntimeError,
        ["max_pool2d", "kernel_size", "-1"],
    ),
    (
        "AvgPool2d negative padding",
        lambda: nn.AvgPool2d(2, padding=-1)(al.zeros(1, 1, 4, 4)),
        lambda: torch.nn.AvgPool2d(2, padding=-1)(torch.zeros(1, 1, 4, 4)),
        RuntimeError,
        ["avg_pool2d", "padding", "-1"],
    ),
    (
        "AdaptiveAvgPool2d float size",
        lambda: nn.AdaptiveAvgPool2d(2.5)(al.zeros(1, 1, 4, 4)),
        lambda: torch.nn.AdaptiveAvgPool2d(2.5)(torch.zeros(1, 1, 4, 4)),
        TypeError,
        ["adaptive_avg_pool2d", "output_size", "2.5"],
    ),
    (
        "Upsample nan scale",
        lambda: nn.Upsample(scale_factor=float("nan")),
        lambda: torch.nn.Upsample(scale_factor=float("nan"))(torch.zeros(1, 1, 4, 4)),
        ValueError,
        ["Upsample", "scale_factor", "nan"],
    ),
    (
        "Flatten float dim",
        lambda: nn.Flatten(0.5),
        lambda: torch.nn.Flatten(0.5)(torch.zeros(2, 3)),
        TypeError,
        ["Flatten", "start_dim", "0.5"],
    ),
    (
        "LeakyReLU str slope",
        lambda: nn.LeakyReLU("a"),
        lambda: torch.nn.LeakyReLU("a")(torch.zeros(3)),
        TypeError,
        ["LeakyReLU", "negative_slope", "'a'"],
    ),
    (
        "ELU str alpha",
        lambda: nn.ELU("a"),
        lambda: torch.nn.ELU("a")(torch.zeros(3)),
        TypeError,
        ["ELU", "alpha", "'a'"],
    ),
    (
        "Softmax float dim",
        lambda: nn.Softmax(dim=1.5),
        lambda: torch.nn.Softmax(dim=1.5)(torch.zeros(2, 3)),
        TypeError,
        ["Softmax", "dim", "1.5"],
    ),
    (
        "Hardtanh str bound",
        lambda: nn.Hardtanh("a", 1.0),
        lambda: torch.nn.Hardtanh("a", 1.0),
        TypeError,
        ["Hardtanh", "min_val", "'a'"],
    ),
    (
        "F.dropout str p",
        lambda: nn.functional.dropout(al.zeros(2), "a"),
        lambda: torch.nn.functional.dropout(torch.zeros(2), "a"),
        TypeError,
        ["dropout", "p", "'a'"],
    ),
    (
        "F.batch_norm str momentum",
        lambda: nn.functional.batch_norm(al.zeros(4, 3), None, None, training=True, momentum="a"),
        lambda: torch.nn.functional.batch_norm(torch.zeros(4, 3), None, None, training=True, momentum="a"),
        TypeError,
        ["batch_norm", "momentum", "'a'"],
    ),
    (
        "F.interpolate float size",
        lambda: nn.functional.interpolate(al.zeros(1, 1, 4, 4), size=2.5),
        lambda: torch.nn.functional.interpolate(torch.zeros(1, 1, 4, 4), size=2.5),
        TypeError,
        ["interpolate", "size", "2.5"],
    ),
    (
        "clip_grad_norm_ str max_norm",
        lambda: nn.utils.clip_grad_norm_([_p()], "a"),
        lambda: torch.nn.utils.clip_grad_norm_([_tp()], "a"),
        TypeError,
        ["clip_grad_norm_", "max_norm", "'a'"],
    ),
    (
        "init.constant_ str",
        lambda: nn.init.constant_(al.zeros(2), "a"),
        lambda: torch.nn.init.constant_(torch.zeros(2), "a"),
        TypeError,
        ["constant_", "val", "'a'"],
    ),
    (
        "Linear int dtype",
        lambda: nn.Linear(2, 2, dtype=al.int64),
        lambda: torch.nn.Linear(2, 2, dtype=torch.int64),
        TypeError,
        ["Linear", "dtype", "int64"],
    ),
    (
        "Conv2d bad dtype",
        lambda: nn.Conv2d(2, 2, 2, dtype="bad"),
        lambda: torch.nn.Conv2d(2, 2, 2, dtype="bad"),
        TypeError,
        ["Conv2d", "dtype", "'bad'"],
    ),
    (
        "Module.to int dtype",
        lambda: nn.Linear(2, 2).to(al.int64),
        lambda: torch.nn.Linear(2, 2).to(torch.int64),
        TypeError,
        ["Module.to", "dtype", "int64"],
    ),
    (
        "Sequential str index",
        lambda: nn.Sequential(nn.ReLU())["a"],
        lambda: torch.nn.Sequential(torch.nn.ReLU())["a"],
        TypeError,
        ["Sequential", "index", "'a'"],
    ),
    # ---- creation -------------------------------------------------------------------------------------
    ("eye negative", lambda: al.eye(-1), lambda: torch.eye(-1), RuntimeError, ["eye", "n", "-1"]),
    ("eye negative m", lambda: al.eye(2, -1), lambda: torch.eye(2, -1), RuntimeError, ["eye", "m", "-1"]),
    ("eye float", lambda: al.eye(2.5), lambda: torch.eye(2.5), TypeError, ["eye", "n", "2.5"]),
    (
        "full str value",
        lambda: al.full((2,), "a"),
        lambda: torch.full((2,), "a"),
        TypeError,
        ["full", "fill_value", "'a'"],
    ),
    (
        "full None value",
        lambda: al.full((2,), None),
        lambda: torch.full((2,), None),
        TypeError,
        ["full", "fill_value", "None"],
    ),
    (
        "full overflow",
        lambda: al.full((2,), 1000, dtype=al.int8),
        lambda: torch.full((2,), 1000, dtype=torch.int8),
        RuntimeError,
        ["full", "1000", "int8", "overflow"],
    ),
    (
        "full_like str value",
        lambda: al.full_like(al.zeros(2), "a"),
        lambda: torch.full_like(torch.zeros(2), "a"),
        TypeError,
        ["full_like", "fill_value", "'a'"],
    ),
    (
        "zeros negative",
        lambda: al.zeros(2, -3),
        lambda: torch.zeros(2, -3),
        RuntimeError,
        ["zeros", "non-negative", "-3"],
    ),
    ("ones float size", lambda: al.ones(2.5), lambda: torch.ones(2.5), TypeError, ["ones", "2.5"]),
    ("empty bool size", lambda: al.empty(True), lambda: torch.empty(True), TypeError, ["empty", "True"]),
    (
        "zeros bad dtype",
        lambda: al.zeros(2, dtype="bad"),
        lambda: torch.zeros(2, dtype="bad"),
        TypeError,
        ["zeros", "dtype", "'bad'"],
    ),
    (
        "zeros object dtype",
        lambda: al.zeros(2, dtype=object),
        lambda: torch.zeros(2, dtype=object),
        TypeError,
        ["zeros", "dtype", "object"],
    ),
    (
        "tensor bad dtype",
        lambda: al.tensor([1], dtype="bad"),
        lambda: torch.tensor([1], dtype="bad"),
        TypeError,
        ["tensor", "dtype", "'bad'"],
    ),
    (
        "tensor overflow",
        lambda: al.tensor([1, 1000], dtype=al.int8),
        lambda: torch.tensor([1, 1000], dtype=torch.int8),
        RuntimeError,
        ["tensor", "1000", "int8", "overflow"],
    ),
    (
        "tensor nan to int",
        lambda: al.tensor(float("nan"), dtype=al.int64),
        lambda: torch.tensor(float("nan"), dtype=torch.int64),
        RuntimeError,
        ["tensor", "nan", "int64"],
    ),
    ("rand negative", lambda: al.rand(-1), lambda: torch.rand(-1), RuntimeError, ["rand", "-1"]),
    (
        "randn int dtype",
        lambda: al.randn(2, dtype=al.int64),
        lambda: torch.randn(2, dtype=torch.int64),
        TypeError,
        ["randn", "dtype", "int64"],
    ),
    (
        "rand int dtype",
        lambda: al.rand(2, dtype=al.int64),
        lambda: torch.rand(2, dtype=torch.int64),
        TypeError,
        ["rand", "dtype", "int64"],
    ),
    (
        "randint float high",
        lambda: al.randint(5.5, (2,)),
        lambda: torch.randint(5.5, (2,)),
        TypeError,
        ["randint", "high", "5.5"],
    ),
    (
        "randint empty range",
        lambda: al.randint(0, (2,)),
        lambda: torch.randint(0, (2,)),
        RuntimeError,
        ["randint", "high", "0"],
    ),
    ("randperm negative", lambda: al.randperm(-1), lambda: torch.randperm(-1), RuntimeError, ["randperm", "n", "-1"]),
    ("randperm float", lambda: al.randperm(2.5), lambda: torch.randperm(2.5), TypeError, ["randperm", "n", "2.5"]),
    (
        "arange decreasing",
        lambda: al.arange(10, 0),
        lambda: torch.arange(10, 0),
        RuntimeError,
        ["arange", "inconsistent with step sign", "start=10", "end=0", "step=1"],
    ),
    (
        "arange negative step",
        lambda: al.arange(0, 10, -1),
        lambda: torch.arange(0, 10, -1),
        RuntimeError,
        ["arange", "step=-1"],
    ),
    (
        "arange zero step",
        lambda: al.arange(0, 10, 0),
        lambda: torch.arange(0, 10, 0),
        RuntimeError,
        ["arange", "step", "nonzero"],
    ),
    (
        "arange nan",
        lambda: al.arange(float("nan")),
        lambda: torch.arange(float("nan")),
        RuntimeError,
        ["arange", "end", "nan"],
    ),
    (
        "arange inf",
        lambda: al.arange(0, float("inf")),
        lambda: torch.arange(0, float("inf")),
        RuntimeError,
        ["arange", "end", "inf"],
    ),
    ("arange str", lambda: al.arange("a"), lambda: torch.arange("a"), TypeError, ["arange", "end", "'a'"]),
    (
        "linspace float steps",
        lambda: al.linspace(0, 1, 2.5),
        lambda: torch.linspace(0, 1, 2.5),
        TypeError,
        ["linspace", "steps", "2.5"],
    ),
    (
        "linspace negative steps",
        lambda: al.linspace(0, 1, -1),
        lambda: torch.linspace(0, 1, -1),
        RuntimeError,
        ["linspace", "steps", "-1"],
    ),
    (
        "linspace str end",
        lambda: al.linspace(0, "a", 3),
        lambda: torch.linspace(0, "a", 3),
        TypeError,
        ["linspace", "end", "'a'"],
    ),
    # ---- reductions -----------------------------------------------------------------------------------
    (
        "argmax of empty",
        lambda: al.zeros(0, 3).argmax(),
        lambda: torch.zeros(0, 3).argmax(),
        IndexError,
        ["argmax", "empty", "(0, 3)", "dim"],
    ),
    (
        "argmin of empty",
        lambda: al.zeros(0, 3).argmin(),
        lambda: torch.zeros(0, 3).argmin(),
        IndexError,
        ["argmin", "empty", "(0, 3)", "dim"],
    ),
    (
        "argmax along an empty dim",
        lambda: al.zeros(0, 3).argmax(0),
        lambda: torch.zeros(0, 3).argmax(0),
        IndexError,
        ["argmax", "dim 0", "size 0", "(0, 3)"],
    ),
    (
        "max of empty",
        lambda: al.zeros(0, 3).max(),
        lambda: torch.zeros(0, 3).max(),
        RuntimeError,
        ["max", "empty", "(0, 3)", "dim"],
    ),
    (
        "min along an empty dim",
        lambda: al.zeros(0, 3).min(0),
        lambda: torch.zeros(0, 3).min(0),
        IndexError,
        ["min", "dim 0", "(0, 3)"],
    ),
    (
        "amax along an empty dim",
        lambda: al.amax(al.zeros(0, 3), 0),
        lambda: torch.amax(torch.zeros(0, 3), 0),
        IndexError,
        ["amax", "dim 0", "(0, 3)"],
    ),
    (
        "amin of empty",
        lambda: al.amin(al.zeros(0, 3)),
        lambda: torch.amin(torch.zeros(0, 3)),
        RuntimeError,
        ["amin", "empty", "(0, 3)"],
    ),
    (
        "sum float dim",
        lambda: al.zeros(2, 3).sum(dim=1.5),
        lambda: torch.zeros(2, 3).sum(dim=1.5),
        TypeError,
        ["sum", "dim", "1.5"],
    ),
    (
        "mean float dim",
        lambda: al.zeros(2, 3).mean(dim=1.5),
        lambda: torch.zeros(2, 3).mean(dim=1.5),
        TypeError,
        ["mean", "dim", "1.5"],
    ),
    (
        "sum float in a dim tuple",
        lambda: al.zeros(2, 3).sum(dim=(0, 1.5)),
        lambda: torch.zeros(2, 3).sum(dim=(0, 1.5)),
        TypeError,
        ["sum", "dim", "1.5"],
    ),
    (
        "sum str dim",
        lambda: al.zeros(2, 3).sum(dim="a"),
        lambda: torch.zeros(2, 3).sum(dim="a"),
        TypeError,
        ["sum", "dim", "'a'"],
    ),
    (
        "sum dim out of range",
        lambda: al.zeros(2, 3).sum(dim=5),
        lambda: torch.zeros(2, 3).sum(dim=5),
        IndexError,
        ["sum", "dim 5", "(2, 3)", "[-2, 1]"],
    ),
    (
        "var dim out of range",
        lambda: al.zeros(2, 3).var(dim=-3),
        lambda: torch.zeros(2, 3).var(dim=-3),
        IndexError,
        ["var", "dim -3", "(2, 3)"],
    ),
    (
        "logsumexp dim out of range",
        lambda: al.zeros(2, 3).logsumexp(dim=2),
        lambda: torch.zeros(2, 3).logsumexp(dim=2),
        IndexError,
        ["logsumexp", "dim 2", "(2, 3)"],
    ),
    (
        "sum duplicated dims",
        lambda: al.zeros(2, 3).sum(dim=(0, -2)),
        lambda: torch.zeros(2, 3).sum(dim=(0, -2)),
        RuntimeError,
        ["sum", "(0, -2)", "more than once"],
    ),
    (
        "max float dim",
        lambda: al.zeros(2, 3).max(dim=1.5),
        lambda: torch.zeros(2, 3).max(dim=1.5),
        TypeError,
        ["max", "dim", "1.5"],
    ),
    (
        "max dim out of range",
        lambda: al.zeros(2, 3).max(dim=5),
        lambda: torch.zeros(2, 3).max(dim=5),
        IndexError,
        ["max", "dim 5", "(2, 3)"],
    ),
    (
        "argmax float dim",
        lambda: al.zeros(2, 3).argmax(dim=1.5),
        lambda: torch.zeros(2, 3).argmax(dim=1.5),
        TypeError,
        ["argmax", "dim", "1.5"],
    ),
    (
        "argmax bool dim",
        lambda: al.zeros(2, 3).argmax(dim=True),
        lambda: torch.zeros(2, 3).argmax(dim=True),
        TypeError,
        ["argmax", "dim", "True"],
    ),
    (
        "softmax float dim",
        lambda: al.zeros(2, 3).softmax(1.5),
        lambda: torch.zeros(2, 3).softmax(1.5),
        TypeError,
        ["softmax", "dim", "1.5"],
    ),
    (
        "softmax dim out of range",
        lambda: al.zeros(2, 3).softmax(2),
        lambda: torch.zeros(2, 3).softmax(2),
        IndexError,
        ["softmax", "dim 2", "(2, 3)"],
    ),
    (
        "mean of int",
        lambda: al.tensor([1, 2]).mean(),
        lambda: torch.tensor([1, 2]).mean(),
        RuntimeError,
        ["mean", "int64", "floating"],
    ),
    (
        "mean of bool",
        lambda: al.tensor([True]).mean(),
        lambda: torch.tensor([True]).mean(),
        RuntimeError,
        ["mean", "bool", "floating"],
    ),
    (
        "var of int",
        lambda: al.tensor([1, 2]).var(),
        lambda: torch.tensor([1, 2]).var(),
        RuntimeError,
        ["var", "int64", "floating"],
    ),
    (
        "std of int",
        lambda: al.tensor([1, 2]).std(0),
        lambda: torch.tensor([1, 2]).std(0),
        RuntimeError,
        ["std", "int64", "floating"],
    ),
    (
        "softmax of int",
        lambda: al.tensor([1, 2]).softmax(0),
        lambda: torch.tensor([1, 2]).softmax(0),
        OpError,
        ["softmax", "int64", "floating"],
    ),
    (
        "log_softmax of int",
        lambda: al.tensor([1, 2]).log_softmax(0),
        lambda: torch.tensor([1, 2]).log_softmax(0),
        OpError,
        ["log_softmax", "int64", "floating"],
    ),
    # ---- elementwise ----------------------------------------------------------------------------------
    (
        "clamp str bound",
        lambda: al.zeros(2).clamp(min="a"),
        lambda: torch.zeros(2).clamp(min="a"),
        TypeError,
        ["clamp", "min", "'a'"],
    ),
    (
        "clamp list bound",
        lambda: al.zeros(2).clamp(max=[1]),
        lambda: torch.zeros(2).clamp(max=[1]),
        TypeError,
        ["clamp", "max", "[1]"],
    ),
    (
        "clamp int8 overflow",
        lambda: al.tensor([1], dtype=al.int8).clamp(min=1000),
        lambda: torch.tensor([1], dtype=torch.int8).clamp(min=1000),
        RuntimeError,
        ["clamp", "1000", "int8"],
    ),
    (
        "where int8 overflow",
        lambda: al.where(al.tensor([True]), al.tensor([1], dtype=al.int8), 1000),
        lambda: torch.where(torch.tensor([True]), torch.tensor([1], dtype=torch.int8), 1000),
        RuntimeError,
        ["where", "1000", "int8"],
    ),
    (
        "pow int8 overflow",
        lambda: al.tensor([1], dtype=al.int8) ** 1000,
        lambda: torch.tensor([1], dtype=torch.int8) ** 1000,
        RuntimeError,
        ["pow", "1000", "int8"],
    ),
    (
        "int to a negative int power",
        lambda: al.tensor([2]) ** -1,
        lambda: torch.tensor([2]) ** -1,
        RuntimeError,
        ["pow", "negative", "-1", "int64"],
    ),
    (
        "int64 + huge int",
        lambda: al.tensor([1]) + 2**70,
        lambda: torch.tensor([1]) + 2**70,
        OverflowError,
        ["add", str(2**70), "int64"],
    ),
    (
        "astype bad dtype",
        lambda: al.zeros(2).astype("bad"),
        lambda: torch.zeros(2).to("bad"),
        TypeError,
        ["astype", "dtype", "'bad'"],
    ),
    (
        "astype object dtype",
        lambda: al.zeros(2).astype(object),
        lambda: torch.zeros(2).to(object),
        TypeError,
        ["astype", "dtype", "object"],
    ),
    (
        "leaky_relu str slope",
        lambda: al.leaky_relu(al.zeros(2), "a"),
        lambda: torch.nn.functional.leaky_relu(torch.zeros(2), "a"),
        TypeError,
        ["leaky_relu", "negative_slope"],
    ),
    # ---- optimizers -----------------------------------------------------------------------------------
    (
        "SGD negative lr",
        lambda: optim.SGD([_p()], lr=-1),
        lambda: torch.optim.SGD([_tp()], lr=-1),
        ValueError,
        ["SGD", "lr", "-1"],
    ),
    (
        "SGD negative momentum",
        lambda: optim.SGD([_p()], lr=0.1, momentum=-1),
        lambda: torch.optim.SGD([_tp()], lr=0.1, momentum=-1),
        ValueError,
        ["SGD", "momentum", "-1"],
    ),
    (
        "SGD nesterov without momentum",
        lambda: optim.SGD([_p()], lr=0.1, nesterov=True),
        lambda: torch.optim.SGD([_tp()], lr=0.1, nesterov=True),
        ValueError,
        ["SGD", "nesterov", "momentum"],
    ),
    (
        "SGD negative weight_decay",
        lambda: optim.SGD([_p()], lr=0.1, weight_decay=-1),
        lambda: torch.optim.SGD([_tp()], lr=0.1, weight_decay=-1),
        ValueError,
        ["SGD", "weight_decay", "-1"],
    ),
    (
        "Adam beta1 = 1",
        lambda: optim.Adam([_p()], betas=(1.0, 0.999)),
        lambda: torch.optim.Adam([_tp()], betas=(1.0, 0.999)),
        ValueError,
        ["Adam", "betas[0]", "1.0"],
    ),
    (
        "Adam beta2 < 0",
        lambda: optim.Adam([_p()], betas=(0.9, -0.1)),
        lambda: torch.optim.Adam([_tp()], betas=(0.9, -0.1)),
        ValueError,
        ["Adam", "betas[1]", "-0.1"],
    ),
    (
        "AdamW negative eps",
        lambda: optim.AdamW([_p()], eps=-1e-8),
        lambda: torch.optim.AdamW([_tp()], eps=-1e-8),
        ValueError,
        ["AdamW", "eps", "-1e-08"],
    ),
    (
        "RMSprop negative alpha",
        lambda: optim.RMSprop([_p()], alpha=-1),
        lambda: torch.optim.RMSprop([_tp()], alpha=-1),
        ValueError,
        ["RMSprop", "alpha", "-1"],
    ),
    (
        "Adagrad negative lr_decay",
        lambda: optim.Adagrad([_p()], lr_decay=-1),
        lambda: torch.optim.Adagrad([_tp()], lr_decay=-1),
        ValueError,
        ["Adagrad", "lr_decay", "-1"],
    ),
    (
        "SGD str lr",
        lambda: optim.SGD([_p()], lr="a"),
        lambda: torch.optim.SGD([_tp()], lr="a"),
        TypeError,
        ["SGD", "lr", "'a'"],
    ),
    (
        "step with a non-callable closure",
        lambda: optim.SGD([_p()], lr=0.1).step(3),
        lambda: torch.optim.SGD([_tp()], lr=0.1).step(3),
        TypeError,
        ["SGD.step", "closure", "int"],
    ),
    (
        "load_state_dict group without params",
        lambda: optim.SGD([_p()], lr=0.1).load_state_dict({"state": {}, "param_groups": [{"lr": 0.1}]}),
        lambda: torch.optim.SGD([_tp()], lr=0.1).load_state_dict({"state": {}, "param_groups": [{"lr": 0.1}]}),
        ValueError,
        ["SGD.load_state_dict", "group 0", "'params'"],
    ),
    (
        "optimizer empty params",
        lambda: optim.SGD([], lr=0.1),
        lambda: torch.optim.SGD([], lr=0.1),
        ValueError,
        ["SGD", "empty parameter list"],
    ),
    (
        "optimizer non-Tensor param",
        lambda: optim.Adam([1.0]),
        lambda: torch.optim.Adam([1.0]),
        TypeError,
        ["Adam", "Tensors", "float"],
    ),
    (
        "optimizer param in two groups",
        lambda: (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(_p()),
        lambda: (lambda p: torch.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(_tp()),
        ValueError,
        ["SGD", "more than one parameter group"],
    ),
    # ---- shapes, views and dtypes ---------------------------------------------------------------------
    (
        "Tensor int8 overflow",
        lambda: al.Tensor([1000], dtype=al.int8),
        lambda: torch.tensor([1000], dtype=torch.int8),
        RuntimeError,
        ["tensor", "1000", "int8", "overflow"],
    ),
    (
        "flatten dim out of range",
        lambda: al.zeros(2, 3).flatten(5),
        lambda: torch.zeros(2, 3).flatten(5),
        IndexError,
        ["flatten", "dim 5", "out of range"],
    ),
    (
        "unflatten sizes",
        lambda: nn.Unflatten(1, (2, 2))(al.zeros(2, 3)),
        lambda: torch.nn.Unflatten(1, (2, 2))(torch.zeros(2, 3)),
        RuntimeError,
        ["unflatten", "[2, 2]", "3"],
    ),
    (
        "reshape -3",
        lambda: al.zeros(6).reshape(2, -3),
        lambda: torch.zeros(6).reshape(2, -3),
        RuntimeError,
        ["reshape", "-3"],
    ),
    (
        "view of a transpose",
        lambda: al.zeros(2, 3).t().view(6),
        lambda: torch.zeros(2, 3).t().view(6),
        RuntimeError,
        ["view", "(3, 2)", "reshape"],
    ),
    (
        "t of 3-D",
        lambda: al.zeros(2, 3, 4).t(),
        lambda: torch.zeros(2, 3, 4).t(),
        RuntimeError,
        ["t", "(2, 3, 4)", "<= 2"],
    ),
    ("negative step", lambda: al.zeros(4)[::-1], lambda: torch.zeros(4)[::-1], ValueError, ["getitem", "step", "-1"]),
    (
        "matmul mixed dtypes",
        lambda: al.zeros(2, 2) @ al.zeros(2, 2, dtype=al.float64),
        lambda: torch.zeros(2, 2) @ torch.zeros(2, 2, dtype=torch.float64),
        RuntimeError,
        ["matmul", "float32", "float64"],
    ),
    (
        "grad of a wrong shape",
        lambda: setattr(_p(), "grad", al.zeros(3)),
        lambda: setattr(_tp(), "grad", torch.zeros(3)),
        RuntimeError,
        ["grad", "(3,)", "(2,)"],
    ),
]


@pytest.mark.parametrize("call, expected, fragments", [pytest.param(c[1], c[3], c[4], id=c[0]) for c in CASES])
def test_refused_with_a_message_naming_the_operation_argument_and_value(call, expected, fragments):
    with pytest.raises(expected) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("torch_call", [pytest.param(c[2], id=c[0]) for c in CASES])
def test_torch_refuses_the_same_call(torch_call):
    with pytest.raises(Exception):
        torch_call()


# ---- hostile inputs that torch accepts: the same results ----------------------------------------------------


def _int8():
    return al.tensor([1, 100], dtype=al.int8)


def _torch_int8():
    return torch.tensor([1, 100], dtype=torch.int8)


# (id, autograd_lite call, torch call, expected values, expected dtype)
ACCEPTED = [
    (
        "int ** negative int tensor",
        lambda: al.tensor([-2, -1, 0, 1, 2]) ** al.tensor([-1]),
        lambda: torch.tensor([-2, -1, 0, 1, 2]) ** torch.tensor([-1]),
        [0, -1, 0, 1, 0],
        "int64",
    ),
    (
        "int ** -2 tensor",
        lambda: al.tensor([-1, 1, 3]) ** al.tensor([-2]),
        lambda: torch.tensor([-1, 1, 3]) ** torch.tensor([-2]),
        [1, 1, 0],
        "int64",
    ),
    ("int8 + 1000 wraps", lambda: _int8() + 1000, lambda: _torch_int8() + 1000, [-23, 76], "int8"),
    ("1000 - int8 wraps", lambda: 1000 - _int8(), lambda: 1000 - _torch_int8(), [-25, -124], "int8"),
    ("int8 * 1000 wraps", lambda: _int8() * 1000, lambda: _torch_int8() * 1000, [-24, -96], "int8"),
    ("int8.add_(1000) wraps", lambda: _int8().add_(1000), lambda: _torch_int8().add_(1000), [-23, 76], "int8"),
    (
        "uint8 + -1 wraps",
        lambda: al.tensor([1, 2], dtype=al.uint8) + -1,
        lambda: torch.tensor([1, 2], dtype=torch.uint8) + -1,
        [0, 1],
        "uint8",
    ),
    (
        "int8 < 1000 compares the wrapped value",
        lambda: _int8() < 1000,
        lambda: _torch_int8() < 1000,
        [False, False],
        "bool",
    ),
    (
        "int8 / 1000 is a float division",
        lambda: _int8() / 1000,
        lambda: _torch_int8() / 1000,
        [np.float32(1) / 1000, np.float32(100) / 1000],
        "float32",
    ),
    (
        "int clamped to a float bound is float32",
        lambda: al.tensor([1, 5]).clamp(min=1.5),
        lambda: torch.tensor([1, 5]).clamp(min=1.5),
        [1.5, 5.0],
        "float32",
    ),
    ("arange with an empty range", lambda: al.arange(5, 5, -1), lambda: torch.arange(5, 5, -1), [], "int64"),
    (
        "numpy data wraps in tensor()",
        lambda: al.tensor(np.array([1000]), dtype=al.int8),
        lambda: torch.tensor(np.array([1000]), dtype=torch.int8),
        [-24],
        "int8",
    ),
    ("randperm(0)", lambda: al.randperm(0), lambda: torch.randperm(0), [], "int64"),
    ("eye(0)", lambda: al.eye(0).reshape(-1), lambda: torch.eye(0).reshape(-1), [], "float32"),
]


@pytest.mark.parametrize("call, values, dtype", [pytest.param(c[1], c[3], c[4], id=c[0]) for c in ACCEPTED])
def test_hostile_inputs_torch_accepts_give_its_results(call, values, dtype):
    out = call()
    assert str(out.dtype) == dtype
    np.testing.assert_allclose(out.numpy(), np.array(values, dtype=dtype), rtol=1e-6)


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("call, torch_call", [pytest.param(c[1], c[2], id=c[0]) for c in ACCEPTED])
def test_hostile_inputs_torch_accepts_match_torch(call, torch_call):
    out, expected = call(), torch_call()
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
