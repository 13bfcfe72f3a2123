"""Random small programs over autograd_lite's ops, run side by side with PyTorch (the reference).

A program is a list of steps over a pool of tensors ``t0, t1, ...``: an input step makes a tensor from a
numpy array (the same array in both libraries), an op step is one line of Python written once with ``L``
(the library: ``autograd_lite`` or ``torch``) and ``F`` (its ``nn.functional``), e.g. ``t3 = L.maximum(t1,
t2)`` or ``t4[0:2] = t2; t5 = t4``. ``programs()`` is a hypothesis strategy (so a failing program
shrinks); while drawing, every step is run in torch so that the next steps fit the shapes torch gives.

``check(program)`` runs the program in both libraries and lists the disagreements, each with a signature
``(op, kind)``; kinds:

* ``raises``: the step raises in one library and not in the other (the exception type may differ);
* ``dtype``, ``shape``, ``requires_grad``, ``identity`` (the op returns one of its arguments in one library
  and a new tensor in the other), ``forward`` / ``forward-nan`` (values; NaN positions must match);
* ``final`` / ``final-nan``: a tensor's value at the end of the program (after in-place changes of it,
  its base or its views);
* ``grad``/``grad-nan``/``grad-none``/``grad-raises``: gradients three ways -- ``autograd.grad`` of the
  last outputs with a random seed w.r.t. every earlier tensor that requires grad, ``(out * seed).sum()
  .backward()`` into ``.grad`` and ``out.backward(gradient=seed)`` -- blamed on the op whose inputs'
  gradients disagree while its output's agrees;
* ``grad2``/``grad2-nan``/``grad2-raises``: the gradient of ``sum(w * autograd.grad(out, leaves,
  create_graph=True))`` w.r.t. the leaves (a missing gradient counts as zeros).

Run ``python -m tests.differential.programs --minutes 10`` for a long run: it keeps drawing programs, does
not stop at a failure, shrinks one reproducer per signature and prints the counts and, per signature, a
runnable reproducer (both libraries side by side). ``--ops`` restricts the op set, ``--seed`` fixes it.
"""

import argparse
import os
import pickle
import re
import sys
import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

import torch
import autograd_lite as al

LIBS = {"torch": (torch, torch.nn.functional), "al": (al, al.nn.functional)}
NAN, INF = float("nan"), float("inf")
SPECIALS = [0.0, INF, -INF, NAN, 1e30, -1e30, 1e-30, -1e-30, 1.0]  # no -0.0: its sign conventions are noise
TOL = {"float64": (1e-7, 1e-9), "float32": (1e-4, 1e-4), "float16": (1e-2, 1e-2)}


# ---- programs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of a program: an input (``array`` set) or an op (``expr`` over ``args``, after ``pre``)."""

    name: str
    expr: str = ""
    args: tuple = ()
    pre: str = ""
    array: object = None
    requires_grad: bool = False
    mutates: bool = False

    @property
    def is_input(self):
        return self.array is not None

    def render(self, k):
        """The Python statement(s) of step k, over the pool names ``t0, t1, ...``."""
        if self.is_input:
            rg = ", requires_grad=True" if self.requires_grad else ""
            return f"t{k} = L.tensor(a{k}.copy(){rg})"
        names = [f"t{a}" for a in self.args]
        head = self.pre.format(*names) + "\n" if self.pre else ""
        return head + f"t{k} = " + self.expr.format(*names)


@dataclass
class Program:
    steps: list
    dtype: str = "float64"
    mode: str = "normal"
    seed: int = 0
    _code: list = field(default=None, repr=False, compare=False)

    def code(self):
        if self._code is None:
            self._code = [compile(s.render(k), f"<step {k}>", "exec") for k, s in enumerate(self.steps)]
        return self._code

    def size(self):
        return (len(self.steps), sum(s.array.size for s in self.steps if s.is_input))

    def ops(self):
        return sorted({s.name for s in self.steps if not s.is_input})

    def __repr__(self):
        return "\n" + reproducer(self) + "\n"


def _fmt_array(a):
    body = repr(a.ravel().tolist()) if a.size else "[]"
    return f"np.array({body}, dtype='{a.dtype}').reshape({a.shape})"


# ---- drawing programs ---------------------------------------------------------------------------------

SIDES = [1, 2, 3, 0, 4]


class Gen:
    """The state while drawing a program: the steps so far and their torch values (None where torch raised)."""

    def __init__(self, draw, dtype, mode):
        self.draw, self.dtype, self.mode = draw, dtype, mode
        self.steps, self.pool = [], []
        self.ns = {"L": torch, "F": torch.nn.functional, "np": np, "nan": NAN, "inf": INF}

    # values and shapes
    def shape(self, min_dims=0, max_dims=3):
        nd = self.draw(hs.integers(min_dims, max_dims))
        return tuple(self.draw(hs.sampled_from(SIDES)) for _ in range(nd))

    def values(self, shape, dtype=None, lo=-3.0, hi=3.0):
        normal = hs.floats(lo, hi).map(lambda v: round(v, 2) + 0.0)
        elements = normal
        if self.mode == "extreme":
            elements = hs.one_of(normal, hs.sampled_from(SPECIALS))
        a = self.draw(hnp.arrays(np.float64, shape, elements=elements))
        return a.astype(dtype or self.dtype)

    def ints(self, shape, lo, hi):
        return self.draw(hnp.arrays(np.int64, shape, elements=hs.integers(lo, hi)))

    # pool
    def fresh(self, shape, requires_grad=None, array=None):
        """A new input tensor (float of the program's dtype unless an array is given)."""
        if array is None:
            array = self.values(shape)
        if requires_grad is None:
            requires_grad = array.dtype.kind == "f" and self.draw(hs.integers(0, 5)) > 0
        return self._append(Step("input", array=array, requires_grad=requires_grad))

    def candidates(self, pred=None, floats=True, nonleaf=False):
        out = []
        for i, t in enumerate(self.pool):
            if not isinstance(t, torch.Tensor):
                continue
            if floats and not t.is_floating_point():
                continue
            if nonleaf and (t.is_leaf or t._base is not None and t._base.is_leaf):
                continue
            if pred is None or pred(tuple(t.shape)):
                out.append(i)
        return out[::-1]

    def operand(self, pred=None, make_shape=None, nonleaf=False):
        """An existing float tensor satisfying pred (most recent first), or a fresh one."""
        cands = self.candidates(pred, nonleaf=nonleaf)
        if cands and self.draw(hs.integers(0, 3)) > 0:
            return self.draw(hs.sampled_from(cands))
        shape = make_shape() if make_shape else self.shape()
        return self.fresh(shape)

    def shape_of(self, i):
        return tuple(self.pool[i].shape)

    def emit(self, name, expr, args=(), pre="", mutates=False):
        return self._append(Step(name, expr=expr, args=tuple(args), pre=pre, mutates=mutates))

    def _append(self, step):
        k = len(self.steps)
        self.steps.append(step)
        if step.is_input:
            self.ns[f"a{k}"] = step.array
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(step.render(k), "<gen>", "exec"), self.ns)
            value = self.ns[f"t{k}"]
        except Exception:
            value = None
            self.ns[f"t{k}"] = None
        self.pool.append(value)
        return k

    def coin(self, p_true_in=2):
        """True with probability 1 / p_true_in."""
        return self.draw(hs.integers(0, p_true_in - 1)) == 0

    def pick(self, options):
        return self.draw(hs.sampled_from(options))


def broadcast_partner(g, shape):
    """A shape that broadcasts with ``shape`` (dims dropped in front, some set to 1, maybe new leading)."""
    drop = g.draw(hs.integers(0, len(shape)))
    out = [n if not g.coin(3) else 1 for n in shape[drop:]]
    if g.coin(4):
        out = [g.pick([1, 2])] + out
    if g.coin(25):  # not broadcastable (both must raise)
        out = [n + 1 for n in shape] or [2]
    return tuple(out)


def dim_arg(g, nd, allow_none=True, allow_tuple=False):
    """A dim argument as code: None, an int (maybe negative, rarely out of range) or a tuple."""
    span = max(nd, 1)
    kinds = ["int", "int", "neg"] + (["none"] if allow_none else []) + (["tuple"] if allow_tuple and nd else [])
    kind = g.pick(kinds)
    if g.coin(30):
        return str(span)
    if kind == "none":
        return None
    if kind == "tuple":
        dims = g.draw(hs.lists(hs.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
        return repr(tuple(d - nd if g.coin(3) else d for d in dims))
    d = g.draw(hs.integers(0, span - 1))
    return str(d - span if kind == "neg" else d)


# ---- the op generators ---------------------------------------------------------------------------------

UNARY = {
    "exp": "L.exp({0})",
    "log": "L.log({0})",
    "sqrt": "{0}.sqrt()",
    "abs": "L.abs({0})",
    "sin": "L.sin({0})",
    "cos": "{0}.cos()",
    "sigmoid": "L.sigmoid({0})",
    "tanh": "{0}.tanh()",
    "relu": "F.relu({0})",
    "leaky_relu": "F.leaky_relu({0}, 0.1)",
    "sign": "L.sign({0})",
    "neg": "-{0}",
    "neg()": "{0}.neg()",
    "hardtanh": "F.hardtanh({0})",
    "relu6": "F.relu6({0})",
    "elu": "F.elu({0})",
    "gelu": "F.gelu({0})",
    "silu": "F.silu({0})",
    "softplus": "F.softplus({0})",
    "clone": "{0}.clone()",
    "detach": "{0}.detach()",
    "dropout(p=0)": "F.dropout({0}, p=0.0)",
    "pow(2)": "{0} ** 2",
    "pow(0.5)": "{0} ** 0.5",
    "pow(-1)": "L.pow({0}, -1)",
    "rpow": "2.0 ** {0}",
    "x*x": "{0} * {0}",
}


def gen_unary(g):
    name = g.pick(sorted(UNARY))
    a = g.operand()
    g.emit(name, UNARY[name], [a])


def gen_clamp(g):
    a = g.operand()
    lo, hi = g.pick([None, -1.0, 0.0, 0.5]), g.pick([None, 0.0, 0.5, 1.0, -2.0])
    form = g.pick(["L.clamp({0}, min={1!r}, max={2!r})", "{0}.clamp(min={1!r}, max={2!r})", "{0}.clamp({1!r}, {2!r})"])
    g.emit("clamp", form.replace("{1!r}", repr(lo)).replace("{2!r}", repr(hi)), [a])


BINARY = {
    "+": "{0} + {1}",
    "-": "{0} - {1}",
    "*": "{0} * {1}",
    "/": "{0} / {1}",
    "**": "{0} ** {1}",
    "maximum": "L.maximum({0}, {1})",
    "minimum": "L.minimum({0}, {1})",
    "max(other)": "L.max({0}, {1})",
    "min(other)": "L.min({0}, {1})",
    "where": "L.where({2} > 0, {0}, {1})",
    "sub()": "L.sub({0}, {1})",
    "div()": "L.div({0}, {1})",
}
SCALAR = {
    "+": "{0} + {s}",
    "r-": "{s} - {0}",
    "*": "{s} * {0}",
    "/": "{0} / {s}",
    "r/": "{s} / {0}",
    "**": "{0} ** {s}",
    "where": "L.where({0} > 0, {0}, {s})",
}


def gen_binary(g):
    name = g.pick(sorted(BINARY))
    a = g.operand()
    sa = g.shape_of(a)
    b = g.operand(pred=lambda s: _broadcasts(s, sa), make_shape=lambda: broadcast_partner(g, sa))
    if g.coin(2):
        a, b = b, a
    args = [a, b]
    if name == "where":
        args.append(g.pick([a, b]))
    g.emit(name, BINARY[name], args)


def gen_scalar(g):
    name = g.pick(sorted(SCALAR))
    s = g.pick([2, 0.5, -1.5, 0, 3.0])
    g.emit(f"{name} scalar", SCALAR[name].replace("{s}", repr(s)), [g.operand()])


def _broadcasts(s1, s2):
    for x, y in zip(s1[::-1], s2[::-1]):
        if x != y and x != 1 and y != 1:
            return False
    return True


REDUCE_TUPLE = ["sum", "mean", "var", "std", "amax", "amin", "logsumexp"]


def gen_reduce(g):
    name = g.pick(
        REDUCE_TUPLE
        + [
            "max(dim)",
            "min(dim)",
            "max(dim).indices",
            "max()",
            "min()",
            "softmax",
            "log_softmax",
            "argmax",
            "argmin",
            "var(correction)",
            "std(unbiased)",
        ]
    )
    a = g.operand()
    nd = len(g.shape_of(a))
    keep = g.pick([False, True])
    # torch's var/std of a 0-d tensor differ from those of a 1-element vector: a signature of their own
    label = f"{name} of 0-d" if nd == 0 and name[:3] in ("var", "std") else name
    if name in ("max()", "min()"):
        return g.emit(name, f"L.{name[:3]}({{0}})", [a])
    if name in ("softmax", "log_softmax"):
        d = dim_arg(g, nd, allow_none=False)
        return g.emit(name, g.pick([f"F.{name}({{0}}, dim={d})", f"{{0}}.{name}({d})"]), [a])
    if name in ("max(dim)", "min(dim)", "max(dim).indices"):
        d = dim_arg(g, nd, allow_none=False)
        fn = name[:3]
        field_ = ".indices" if name.endswith("indices") else g.pick([".values", "[0]"])
        return g.emit(name, f"L.{fn}({{0}}, {d}, keepdim={keep}){field_}", [a])
    if name in ("argmax", "argmin"):
        d = dim_arg(g, nd)
        return g.emit(name, f"{{0}}.{name}(dim={d}, keepdim={keep})", [a])
    if name == "var(correction)":
        d = dim_arg(g, nd, allow_tuple=True)
        c = g.pick([0, 1, 2])
        return g.emit(label, f"{{0}}.var(dim={d}, correction={c}, keepdim={keep})", [a])
    if name == "std(unbiased)":
        d = dim_arg(g, nd, allow_tuple=True)
        u = g.pick([True, False])
        return g.emit(label, f"L.std({{0}}, dim={d}, unbiased={u}, keepdim={keep})", [a])
    d = dim_arg(g, nd, allow_none=name != "logsumexp", allow_tuple=True)
    if d is None:
        expr = g.pick([f"{{0}}.{name}()", f"L.{name}({{0}})"])
        return g.emit(label, expr, [a])
    g.emit(label, f"L.{name}({{0}}, dim={d}, keepdim={keep})", [a])


def _reshape_target(g, shape):
    n = int(np.prod(shape)) if shape else 1
    options = [(n,), (-1,), shape[::-1], (1,) + shape, shape + (1,)]
    divisors = [d for d in range(1, n + 1) if n % d == 0] or [0]
    d = g.pick(divisors)
    options += [(d, -1), (-1, d), (d, n // d if d else 0)]
    if g.coin(20):
        options = [(n + 1,), (-1, -1), (2, -3), (0, -1)]
    return g.pick(options)


def gen_shape(g):
    name = g.pick(
        [
            "reshape",
            "view",
            "flatten",
            "transpose",
            "permute",
            ".T",
            "t()",
            "squeeze",
            "unsqueeze",
            "expand",
            "broadcast_to",
            "contiguous",
        ]
    )
    a = g.operand()
    shape = g.shape_of(a)
    nd = len(shape)
    span = max(nd, 1)
    if name in ("reshape", "view"):
        target = _reshape_target(g, shape)
        expr = (
            g.pick([f"{{0}}.{name}({target!r})", f"L.reshape({{0}}, {target!r})"])
            if name == "reshape"
            else f"{{0}}.view({target!r})"
        )
        return g.emit(name, expr, [a])
    if name == "flatten":
        s, e = g.draw(hs.integers(-span, span - 1)), g.draw(hs.integers(-span, span - 1))
        return g.emit(name, g.pick([f"{{0}}.flatten({s}, {e})", "L.flatten({0})"]), [a])
    if name == "transpose":
        d0, d1 = dim_arg(g, nd, allow_none=False), dim_arg(g, nd, allow_none=False)
        return g.emit(name, f"{{0}}.transpose({d0}, {d1})", [a])
    if name == "permute":
        perm = g.draw(hs.permutations(list(range(nd))))
        return g.emit(name, f"{{0}}.permute({tuple(perm)!r})", [a])
    if name == ".T":
        return g.emit(name, "{0}.T", [a])
    if name == "t()":
        return g.emit(name, "{0}.t()", [a])
    if name == "squeeze":
        d = dim_arg(g, nd, allow_tuple=True)
        return g.emit(name, "{0}.squeeze()" if d is None else f"{{0}}.squeeze({d})", [a])
    if name == "unsqueeze":
        d = g.draw(hs.integers(-nd - 1, nd))
        return g.emit(name, f"{{0}}.unsqueeze({d})", [a])
    if name in ("expand", "broadcast_to"):
        target = [
            g.pick([2, 3, 0, 1]) if n == 1 and g.coin(2) else (n if name == "broadcast_to" or g.coin(2) else -1)
            for n in shape
        ]
        if g.coin(3):
            target = [g.pick([1, 2])] + target
        if g.coin(25):
            target = [n + 1 for n in shape] or [-1]
        expr = f"{{0}}.expand({tuple(target)!r})" if name == "expand" else f"L.broadcast_to({{0}}, {tuple(target)!r})"
        return g.emit(name, expr, [a])
    g.emit(name, "{0}.contiguous()", [a])


def gen_join(g):
    name = g.pick(["cat", "stack"])
    a = g.operand(make_shape=lambda: g.shape(1, 3))
    shape = g.shape_of(a)
    nd = len(shape)
    count = g.pick([2, 1, 3])
    others = []
    if name == "cat":
        d = g.draw(hs.integers(-max(nd, 1), max(nd, 1) - 1))
        for _ in range(count - 1):
            s = list(shape)
            if nd:
                s[d] = g.pick([0, 1, 2])
            others.append(g.fresh(tuple(s)) if not g.coin(6) else _int_input(g, tuple(s)))
    else:
        d = g.draw(hs.integers(-nd - 1, nd))
        for _ in range(count - 1):
            others.append(
                g.operand(pred=lambda s: s == shape, make_shape=lambda: shape)
                if not g.coin(6)
                else _int_input(g, shape)
            )
    args = [a] + others
    if g.coin(2):
        args = args[::-1]
    inner = ", ".join(f"{{{i}}}" for i in range(len(args)))
    g.emit(name, f"L.{name}([{inner}], dim={d})", args)


def _int_input(g, shape):
    return g.fresh(shape, requires_grad=False, array=g.ints(shape, -3, 3))


def gen_pad(g):
    a = g.operand(make_shape=lambda: g.shape(1, 4))
    nd = len(g.shape_of(a))
    n = g.draw(hs.integers(1, max(min(nd, 2), 1)))
    widths = tuple(g.pick([0, 1, 2, -1]) for _ in range(2 * n))
    mode = g.pick(["constant", "constant", "constant", "reflect", "replicate", "circular"])
    extra = f", value={g.pick([0.0, 1.5, -2.0])}" if mode == "constant" else ""
    pairs = list(zip(widths[::2], widths[1::2]))
    mixed = mode == "circular" and any(min(p) < 0 < max(p) for p in pairs)
    label = "pad(circular, crop and wrap)" if mixed else f"pad({mode})"  # torch reads freed memory there
    g.emit(label, f"F.pad({{0}}, {widths!r}, mode={mode!r}{extra})", [a])


def _index(g, shape):
    """An index as code: ints, slices, None, Ellipsis, int arrays, a bool mask; rarely invalid."""
    if shape and g.coin(6):
        mask = g.draw(hnp.arrays(np.bool_, shape)) if g.coin(2) else g.draw(hnp.arrays(np.bool_, shape[:1]))
        return f"L.tensor({mask.tolist()!r})", "mask"
    parts, kinds, used_ellipsis, dim = [], set(), False, 0
    while dim < len(shape) and (not parts or not g.coin(3)):
        n = shape[dim]
        kind = g.pick(["int", "slice", "slice", "array", "none", "ellipsis", "full"])
        if kind == "int" and n:
            parts.append(str(g.draw(hs.integers(-n, n - 1)) if not g.coin(30) else n))
        elif kind == "slice":
            lo, hi = g.draw(hs.integers(-n - 1, n + 1)), g.draw(hs.integers(-n - 1, n + 1))
            step = g.pick([1, 1, 2]) if not g.coin(30) else -1
            parts.append(f"{lo}:{hi}" + (f":{step}" if step != 1 else ""))
        elif kind == "array" and n:
            idx = g.draw(hs.lists(hs.integers(-n, n - 1), min_size=0, max_size=3))
            parts.append(f"L.tensor({idx!r}, dtype=L.int64)")
        elif kind == "none":
            parts.append("None")
            dim -= 1
        elif kind == "ellipsis" and not used_ellipsis:
            parts.append("...")
            used_ellipsis = True
            dim = len(shape) - 1 - g.draw(hs.integers(0, 1))
        else:
            kind = "full"
            parts.append(":")
        kinds.add(kind)
        dim += 1
    if not parts:
        parts = ["None"] if not shape else ["0"]
    kind = "array" if "array" in kinds else ("int/slice")
    return ", ".join(parts), kind


def gen_getitem(g):
    a = g.operand(make_shape=lambda: g.shape(1, 3))
    index, kind = _index(g, g.shape_of(a))
    g.emit(f"getitem[{kind}]", f"{{0}}[{index}]", [a])


def gen_setitem(g):
    base = g.operand(nonleaf=True, make_shape=lambda: g.shape(1, 3))
    if g.pool[base] is not None and g.pool[base].is_leaf:
        base = _nonleaf(g, base)
    shape = g.shape_of(base)
    index, kind = _index(g, shape)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            target = tuple(eval(f"t[{index}]", {"t": g.pool[base], "L": torch}).shape)
    except Exception:
        target = shape
    form = g.pick(["scalar", "same", "lead1", "broadcast"])
    if form == "scalar":
        return g.emit(
            f"setitem[{kind}]=scalar", "{0}", [base], pre=f"{{0}}[{index}] = {g.pick([0.0, 2.5])}", mutates=True
        )
    vshape = {"same": target, "lead1": (1,) + target, "broadcast": broadcast_partner(g, target)}[form]
    v = g.operand(pred=lambda s: s == vshape, make_shape=lambda: vshape)
    g.emit(f"setitem[{kind}]={form}", "{0}", [base, v], pre=f"{{0}}[{index}] = {{1}}", mutates=True)


def _nonleaf(g, a):
    return g.emit(g.pick(["x*1", "clone"]), g.pick(["{0} * 1", "{0}.clone()"]), [a])


INPLACE = {
    "add_": "{0}.add_({1})",
    "mul_": "{0}.mul_({1})",
    "sub_": "{0}.sub_({1})",
    "div_": "{0}.div_({1})",
    "mul_(2)": "{0}.mul_(2.0)",
    "clamp_": "{0}.clamp_(min=-0.5, max=0.5)",
    "zero_": "{0}.zero_()",
    "fill_": "{0}.fill_(1.5)",
    "copy_": "{0}.copy_({1})",
    "relu_": "F.relu_({0})",
    "+=": "{0}",
    "*=": "{0}",
}


def gen_inplace(g, on=None):
    name = g.pick(sorted(INPLACE))
    a = on if on is not None else g.operand(nonleaf=True)
    if on is None and g.pool[a] is not None and g.pool[a].is_leaf and not g.coin(8):
        a = _nonleaf(g, a)
    args = [a]
    if "{1}" in INPLACE[name] or name in ("+=", "*="):
        sa = g.shape_of(a) if g.pool[a] is not None else ()
        args.append(
            g.operand(
                pred=lambda s: _broadcasts(s, sa) and len(s) <= len(sa), make_shape=lambda: broadcast_partner(g, sa)
            )
        )
    pre = "{0} += {1}" if name == "+=" else ("{0} *= {1}" if name == "*=" else "")
    expr = "{0}" if pre else INPLACE[name]
    g.emit(name, expr, args, pre=pre, mutates=True)


VIEWS = {
    "slice": "{0}[0:2]",
    "view(-1)": "{0}.view(-1)",
    "transpose": "{0}.transpose(0, -1)",
    "unsqueeze": "{0}.unsqueeze(0)",
    "select": "{0}[0]",
    "reshape": "{0}.reshape(-1)",
    "T": "{0}.T",
}


def gen_view_inplace(g):
    """v = view of a non-leaf b; an in-place change of v (or of b); b and v used after."""
    b = g.operand(nonleaf=True, make_shape=lambda: g.shape(1, 3))
    if g.pool[b] is not None and g.pool[b].is_leaf:
        b = _nonleaf(g, b)
    name = g.pick(sorted(VIEWS))
    v = g.emit(f"view:{name}", VIEWS[name], [b])
    if g.pool[v] is None:
        return
    gen_inplace(g, on=b if g.coin(3) else v)
    if g.coin(2):
        g.emit("x*1", "{0} * 1", [g.pick([b, v])])


def gen_matmul(g):
    r1, r2 = g.pick([1, 2, 2, 3, 4]), g.pick([1, 2, 2, 3, 4])
    k = g.pick(SIDES)
    batch = [g.pick([1, 2, 3]) for _ in range(max(r1, r2) - 2)]
    s1 = tuple(batch[len(batch) - (r1 - 2) :] if r1 > 2 else []) + ((g.pick(SIDES), k) if r1 > 1 else (k,))
    b2 = [n if not g.coin(3) else 1 for n in batch[len(batch) - (r2 - 2) :]] if r2 > 2 else []
    s2 = tuple(b2) + ((k, g.pick(SIDES)) if r2 > 1 else (k,))
    if g.coin(25):
        s2 = s2[:-2] + (k + 1,) + s2[-1:] if r2 > 1 else (k + 1,)
    a = g.operand(pred=lambda s: s == s1, make_shape=lambda: s1)
    b = g.operand(pred=lambda s: s == s2, make_shape=lambda: s2)
    g.emit(f"matmul {r1}D@{r2}D", g.pick(["{0} @ {1}", "L.matmul({0}, {1})"]), [a, b])


def gen_linear(g):
    x = g.operand(pred=lambda s: len(s) >= 1, make_shape=lambda: g.shape(1, 3))
    n_in = g.shape_of(x)[-1]
    n_out = g.pick([1, 2, 3, 0])
    w = g.fresh((n_out, n_in))
    if g.coin(2):
        b = g.fresh((n_out,))
        return g.emit("linear", "F.linear({0}, {1}, {2})", [x, w, b])
    g.emit("linear", "F.linear({0}, {1})", [x, w])


def _image(g, batched=None):
    if batched is None:
        batched = not g.coin(5)
    shape = ((g.pick([1, 2]),) if batched else ()) + (
        g.pick([1, 2, 3]),
        g.pick([1, 2, 3, 4, 5]),
        g.pick([1, 2, 3, 4, 5]),
    )
    return g.operand(pred=lambda s: len(s) in (3, 4) and 0 not in s[-2:], make_shape=lambda: shape)


def gen_conv(g):
    x = _image(g)
    c = g.shape_of(x)[-3]
    groups = c if c > 1 and g.coin(8) else 1
    out = groups * g.pick([1, 2])
    k = (g.pick([1, 2, 3]), g.pick([1, 2]))
    w = g.fresh((out, c // groups) + k)
    stride, padding, dilation = g.pick([1, 2, (1, 2)]), g.pick([0, 1, (1, 0)]), g.pick([1, 1, 2])
    bias = g.fresh((out,)) if g.coin(2) else None
    args = [x, w] + ([bias] if bias is not None else [])
    b = ", {2}" if bias is not None else ", None"
    label = "conv2d(no input channels)" if c == 0 else "conv2d"  # torch's result has no output channels
    g.emit(
        label,
        f"F.conv2d({{0}}, {{1}}{b}, stride={stride!r}, padding={padding!r}, dilation={dilation!r}, groups={groups})",
        args,
    )


def gen_pool(g):
    name = g.pick(["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"])
    x = _image(g)
    if name == "adaptive_avg_pool2d":
        size = g.pick([1, 2, 3, (1, 2), (2, None), (3, 1)])
        return g.emit(name, f"F.adaptive_avg_pool2d({{0}}, {size!r})", [x])
    k = g.pick([1, 2, 3, (2, 1)])
    stride = g.pick([None, 1, 2])
    kmin = min(k) if isinstance(k, tuple) else k
    padding = g.draw(hs.integers(0, kmin // 2))
    ceil = g.pick([False, True])
    extra = f", count_include_pad={g.pick([True, False])}" if name == "avg_pool2d" else ""
    g.emit(name, f"F.{name}({{0}}, {k!r}, stride={stride!r}, padding={padding}, ceil_mode={ceil}{extra})", [x])


def gen_loss(g):
    name = g.pick(
        ["mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]
    )
    reduction = g.pick(["mean", "sum", "none"])
    if name in ("mse_loss", "l1_loss", "binary_cross_entropy_with_logits"):
        a = g.operand()
        sa = g.shape_of(a)
        t = g.operand(pred=lambda s: s == sa, make_shape=lambda: sa)
        return g.emit(name, f"F.{name}({{0}}, {{1}}, reduction={reduction!r})", [a, t])
    if name == "binary_cross_entropy":
        a = g.operand()
        sa = g.shape_of(a)
        t = g.fresh(sa, requires_grad=False, array=g.values(sa, lo=0.0, hi=1.0))
        inp = "L.sigmoid({0})" if not g.coin(8) else "{0}"
        return g.emit(name, f"F.binary_cross_entropy({inp}, {{1}}, reduction={reduction!r})", [a, t])
    n_cls = g.pick([1, 2, 3, 0])
    lead = g.pick([(), (2,), (1,), (3,), (0,), (2, 2)])
    shape = (lead[:1] + (n_cls,) + lead[1:]) if lead else (n_cls,)
    a = g.operand(pred=lambda s: s == shape, make_shape=lambda: shape)
    tshape = lead[:1] + lead[1:] if lead else ()
    ignore = g.pick([-100, 1, 0])
    tvals = g.ints(tshape, 0, max(n_cls - 1, 0)) if n_cls else np.zeros(tshape, np.int64)
    if ignore != -100 or g.coin(3):
        mask = g.draw(hnp.arrays(np.bool_, tshape))
        tvals = np.where(mask, ignore, tvals)
    t = g.fresh(tshape, requires_grad=False, array=tvals.astype(np.int64))
    extra = f", ignore_index={ignore}" if ignore != -100 or g.coin(2) else ""
    if name == "cross_entropy" and g.coin(4):
        extra += f", label_smoothing={g.pick([0.1, 0.5])}"
    if g.coin(4) and n_cls:
        w = g.fresh((n_cls,), requires_grad=False, array=g.values((n_cls,), lo=0.0, hi=2.0))
        return g.emit(name, f"F.{name}({{0}}, {{1}}, weight={{2}}, reduction={reduction!r}{extra})", [a, t, w])
    g.emit(name, f"F.{name}({{0}}, {{1}}, reduction={reduction!r}{extra})", [a, t])


def gen_dtype(g):
    name = g.pick(
        [
            "double()",
            "float()",
            "long()",
            "int+float",
            "int.sum()",
            "int.mean()",
            "where(int)",
            "int@float",
            "maximum(int)",
        ]
    )
    if name in ("double()", "float()", "long()"):
        return g.emit(name, f"{{0}}.{name}", [g.operand()])
    i = _int_input(g, g.shape(0, 2))
    si = g.shape_of(i)
    if name in ("int.sum()", "int.mean()"):
        return g.emit(name, f"{{0}}.{name[4:]}", [i])
    if name == "int@float":
        f = g.fresh(si[-1:] if si else (2,))
        return g.emit(name, "L.matmul({0}, {1})", [i, f])
    f = g.operand(pred=lambda s: _broadcasts(s, si), make_shape=lambda: broadcast_partner(g, si))
    expr = {
        "int+float": "{0} + {1}",
        "where(int)": "L.where({0} > 0, {0}, {1})",
        "maximum(int)": "L.maximum({0}, {1})",
    }[name]
    g.emit(name, expr, [i, f] if g.coin(2) else [i, f])


GENERATORS = {
    "unary": (gen_unary, 6),
    "clamp": (gen_clamp, 2),
    "binary": (gen_binary, 5),
    "scalar": (gen_scalar, 2),
    "reduce": (gen_reduce, 6),
    "shape": (gen_shape, 5),
    "join": (gen_join, 2),
    "pad": (gen_pad, 1),
    "getitem": (gen_getitem, 3),
    "setitem": (gen_setitem, 2),
    "inplace": (gen_inplace, 2),
    "view_inplace": (gen_view_inplace, 2),
    "matmul": (gen_matmul, 2),
    "linear": (gen_linear, 1),
    "conv2d": (gen_conv, 1),
    "pool": (gen_pool, 1),
    "loss": (gen_loss, 2),
    "dtype": (gen_dtype, 1),
}


@hs.composite
def programs(draw, dtype=None, mode=None, families=None, max_steps=5):
    """A random program: one to three inputs, then 1..max_steps op families drawn from ``families``."""
    dtype = dtype or draw(hs.sampled_from(["float64", "float32"]))
    mode = mode or draw(hs.sampled_from(["normal", "extreme"]))
    g = Gen(draw, dtype, mode)
    g.fresh(g.shape(), requires_grad=True)
    names = sorted(families or GENERATORS)
    weighted = [n for n in names for _ in range(GENERATORS[n][1])]
    for _ in range(draw(hs.integers(1, max_steps))):
        GENERATORS[draw(hs.sampled_from(weighted))][0](g)
    return Program(g.steps, dtype, mode, draw(hs.integers(0, 2**16)))


# ---- running and comparing ----------------------------------------------------------------------------


@dataclass
class Run:
    ns: dict
    values: list  # per step: the result object, or None (see errors)
    errors: dict  # step -> exception raised there (or "skipped" when an input of it failed)
    snaps: list  # per step: (shape, dtype name, requires_grad, numpy copy) right after the step
    args_before: list  # per step after an in-place step: its arguments' values just before it


def _snapshot(v):
    if not _is_tensor(v):
        return None
    return tuple(v.shape), _dtype_name(v), bool(v.requires_grad), _np(v).copy()


def execute(program, lib):
    L, F = LIBS[lib]
    ns = {"L": L, "F": F, "np": np, "nan": NAN, "inf": INF}
    values, errors, snaps, args_before, mutated = [], {}, [], [], False
    for k, (step, code) in enumerate(zip(program.steps, program.code())):
        if step.is_input:
            ns[f"a{k}"] = step.array
        if any(a in errors for a in step.args):
            errors[k] = "skipped"
            values.append(None)
            snaps.append(None)
            args_before.append(None)
            continue
        args_before.append(
            [
                (_np(values[a]).copy(), bool(values[a].requires_grad)) if _is_tensor(values[a]) else None
                for a in step.args
            ]
            if mutated
            else None
        )
        mutated = mutated or step.mutates
        try:
            exec(code, ns)
            values.append(ns[f"t{k}"])
        except Exception as err:  # noqa: BLE001 - any exception is a result to compare
            errors[k] = err
            values.append(None)
        snaps.append(_snapshot(values[-1]))
    return Run(ns, values, errors, snaps, args_before)


@dataclass
class Disagreement:
    op: str
    kind: str
    step: int
    detail: str
    way: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def signature(self):
        return (self.op, self.kind)


def _np(t):
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():  # torch 2.13's numpy(force=True) of a ZeroTensor (a grad2 result) segfaults
            return np.zeros(tuple(t.shape), dtype=_dtype_name(t))
        return t.detach().numpy(force=True)
    if isinstance(t, al.Tensor):
        return np.asarray(t.detach().numpy())
    return np.asarray(t)


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "") if isinstance(t, torch.Tensor) else str(np.dtype(t.dtype))


def _short(a):
    return np.array2string(np.asarray(a), threshold=12, precision=6, separator=", ").replace("\n", "")


def _tolerance_dtype(program, value_dtype):
    """float32 tolerance for every value of a float32 program: a float64 value made from float32 results
    (``.double()``) carries their rounding."""
    return "float32" if program.dtype == "float32" else value_dtype


def compare_arrays(x, ref, dtype):
    """None if al's x matches torch's ref, else (kind suffix, message)."""
    x, ref = np.asarray(x), np.asarray(ref)
    if np.float32 in (x.dtype, ref.dtype):  # a float32 value (after .float()) in a float64 program
        dtype = "float32"
    if x.shape != ref.shape:
        return "-shape", f"shape {x.shape} vs torch {ref.shape}"
    if ref.dtype.kind not in "fc" or x.dtype.kind not in "fc":
        if np.array_equal(x, ref):
            return None
        return "", f"{_short(x)} vs torch {_short(ref)}"
    x64, r64 = x.astype(np.float64), ref.astype(np.float64)
    nx, nr = np.isnan(x64), np.isnan(r64)
    if not np.array_equal(nx, nr):
        zero_for_nan = not (nx & ~nr).any() and np.all(x64[nr & ~nx] == 0)
        if zero_for_nan and compare_arrays(np.where(nr, np.nan, x64), r64, dtype) is None:
            return "-0-for-nan", f"{_short(x)} vs torch {_short(ref)} (exactly 0 where torch has NaN)"
        return "-nan", f"{_short(x)} vs torch {_short(ref)}"
    ok = ~nr
    xi, ri = x64[ok], r64[ok]
    inf = np.isinf(xi) | np.isinf(ri)
    if not np.array_equal(xi[inf], ri[inf]):
        return "", f"{_short(x)} vs torch {_short(ref)}"
    rtol, atol = TOL.get(dtype, TOL["float32"])
    xf, rf = xi[~inf], ri[~inf]
    if xf.size == 0:
        return None
    scale = np.max(np.abs(rf))
    if np.all(np.abs(xf - rf) <= atol + rtol * np.abs(rf) + rtol * 0.1 * scale):
        return None
    return "", f"{_short(x)} vs torch {_short(ref)} (max abs diff {np.max(np.abs(xf - rf)):.3g})"


def _is_tensor(v):
    return isinstance(v, (torch.Tensor, al.Tensor))


_TRACE = os.environ.get("AL_DIFFTEST_TRACE")  # a file that holds the program being checked (for crashes)


def check(program):
    """All disagreements between autograd_lite and torch on this program (empty list: they agree)."""
    if _TRACE:
        with open(_TRACE, "w") as fh:
            fh.write(reproducer(program) + "\n")
        with open(_TRACE + ".pkl", "wb") as fh:
            pickle.dump(replace(program, _code=None), fh)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        ref, got = execute(program, "torch"), execute(program, "al")
        out = [
            _leaf_view_class(program, got, _overlap_class(_forward_class(program, ref, d)))
            for d in _check_forward(program, got, ref)
        ]
        if not out:
            out = _check_final(program, got, ref)
        if not out:
            out = [
                _saved_input_class(
                    _correction_class(program, ref, _gradient_class(program, _second_order_class(program, ref, d), ref))
                )
                for d in _check_grads(program, got, ref)
            ]
        if out and _reshape_copies_in_torch_only(program, got, ref):
            out = [replace(d, op=RESHAPE_LAYOUT, detail=f"[{d.op}] {d.detail}") for d in out]
    return out


RESHAPE_LAYOUT = "reshape of a result of a strided input (view here, copy in torch)"


def _reshape_copies_in_torch_only(program, got, ref):
    """Whether a reshape in a program that writes in place shares memory with its input here but not in
    torch: torch lays an elementwise result out like its strided input and reshape must copy it; here
    every op result is row-major as torch sees it (README), so the reshape is a view and a later in-place
    write reaches both."""
    if not any(s.mutates for s in program.steps):
        return False
    for k, step in enumerate(program.steps):
        if step.name not in ("reshape", "flatten", "view:reshape", "view:flatten") or not step.args:
            continue
        r, v, r_in, v_in = ref.values[k], got.values[k], ref.values[step.args[0]], got.values[step.args[0]]
        if not all(_is_tensor(t) for t in (r, v, r_in, v_in)) or not r.numel():
            continue
        if (
            np.shares_memory(v._array, v_in._array)
            and r.untyped_storage().data_ptr() != r_in.untyped_storage().data_ptr()
        ):
            return True
    return False


# ops whose vjp here selects where torch multiplies a 0/1 mask into the incoming gradient (README: an inf or
# NaN incoming gradient gives exactly 0 at the elements that get no gradient, NaN in torch)
MASK_SELECTING_OPS = ("abs", "l1_loss", "amax", "amin", "**", "leaky_relu", "cross_entropy", "nll_loss")
EXACT_ZERO = "exactly 0 where torch multiplies a mask"


STD_AT_ZERO = "std at std = 0 or round-off"
TORCH_VIEW_MATMUL = "matmul 2D@ND (a view in torch)"
ROUNDING_AT_EXTREMES = "first order at 1e+-30 (overflow order)"


def _gradient_class(program, d, ref):
    """Gradient disagreements with a known cause anywhere upstream get that cause as their signature: a
    var/std of a 0-d tensor (torch's own inconsistency), our exact 0 against torch's NaN in a program using
    one of MASK_SELECTING_OPS (a documented difference), a std that is exactly 0 (second order), a 2D@ND
    matmul (torch returns a view of a hidden result), or finite values of magnitude 1e+-30 (float32
    overflow inside a gradient formula: its order of operations decides)."""
    if not d.kind.startswith("grad"):
        return d
    steps = program.steps[: d.step + 1]
    names = [s.name for s in steps]
    tag = None
    zero_d = next((n for n in names if n.endswith(" of 0-d")), None)
    if zero_d is not None and not d.kind.endswith("-raises"):
        tag = zero_d
    elif d.kind.endswith("-0-for-nan") and any(n in MASK_SELECTING_OPS for n in names):
        tag = EXACT_ZERO
    elif any(s.name.startswith("std") and _std_near_zero(ref, k, s) for k, s in enumerate(steps)):
        tag = STD_AT_ZERO
    elif (
        d.kind.endswith("-nan")
        and not d.kind.startswith("grad2")
        and any(
            s.name == "conv2d"
            and _is_tensor(ref.values[s.args[1]])
            and not np.isfinite(_np(ref.values[s.args[1]])).all()
            for s in steps
        )
    ):
        tag = "conv2d"  # its documented class: padding zeros (also those of its input gradient) times inf
    elif d.kind == "grad-none" and any(n.startswith("matmul 2D@") and n[-2:] in ("3D", "4D") for n in names):
        tag = TORCH_VIEW_MATMUL
    elif d.kind == "grad" and _has_huge_finite(program, ref):
        tag = ROUNDING_AT_EXTREMES
    elif d.kind in ("grad", "grad-nan") and _nan_into(program, ref, steps, ("hardtanh", "relu6", "elu")):
        tag = _nan_into(program, ref, steps, ("hardtanh", "relu6", "elu"))
    return d if tag is None else replace(d, op=tag, detail=f"[{d.op}] {d.detail}")


def _nan_into(program, ref, steps, names):
    """The first of ``names`` that gets a NaN input in torch's run (where torch's own kernels disagree on
    whether the gradient passes: see KNOWN), or None."""
    for s in steps:
        if (
            s.name in names
            and s.args
            and _is_tensor(ref.values[s.args[0]])
            and np.isnan(_np(ref.values[s.args[0]])).any()
        ):
            return s.name
    return None


def _std_near_zero(ref, k, step):
    """True if torch's std at step k is 0, or round-off of a constant slice (std <= 1e-6 of the input's
    magnitude), where the gradient is 0 here and torch's is 0/0 masked or round-off / round-off."""
    out, x = ref.values[k], ref.values[step.args[0]]
    if not (_is_tensor(out) and _is_tensor(x)) or not out.numel():
        return False
    x, out = np.abs(_np(x)), np.abs(_np(out))
    scale = x[np.isfinite(x)].max(initial=0.0)
    return bool((out <= 1e-6 * scale).any() or (out == 0).any())


def _forward_class(program, ref, d):
    """A forward value difference in a program holding finite values of magnitude 1e30: float32 rounding
    of huge products (BLAS's fused multiply-add rounds once, torch's kernels twice) decides."""
    if d.kind == "forward" and _has_huge_finite(program, ref):
        return replace(d, op=ROUNDING_AT_EXTREMES, detail=f"[{d.op}] {d.detail}")
    return d


def _has_huge_finite(program, ref):
    """Finite values of magnitude 1e30, or non-zero ones of 1e-30 (whose squares underflow)."""
    for a in _program_floats(program, ref):
        finite = np.abs(a[np.isfinite(a)])
        if (finite >= 1e29).any() or ((finite > 0) & (finite <= 1e-29)).any():
            return True
    return False


TORCH_OVERLAP = "the same elements through views of other strides (only torch refuses)"
CORRECTION_ABOVE_COUNT = "var/std with correction >= count"


CE_INPUT_CHANGED = "cross_entropy's input changed in place after the loss"


def _saved_input_class(d):
    """cross_entropy here is one fused op that reads its input again in backward (the version check
    refuses a changed one); torch's log_softmax keeps its output instead and does not mind."""
    if (
        d.kind.endswith("-raises")
        and "only autograd_lite raises: SavedTensorModifiedError" in d.detail
        and "gradient of cross_entropy (input 0" in d.detail
    ):
        return replace(d, op=CE_INPUT_CHANGED, detail=f"[{d.op}] {d.detail}")
    return d


TORCH_LEAF_VIEW = "in-place write to a view taken before its base required grad (only torch refuses)"


def _leaf_view_class(program, got, d):
    """torch keeps a view taken before its base came to require grad (through an in-place op with a tensor
    that requires grad) a leaf, and refuses in-place writes to it; here it is a view in the graph (not a
    leaf) and the write is recorded. A real leaf is refused in both."""
    if d.kind == "raises" and "only torch raises" in d.detail and "leaf Variable that requires grad" in d.detail:
        written = got.values[program.steps[d.step].args[0]] if program.steps[d.step].args else None
        if _is_tensor(written) and not written.is_leaf:
            return replace(d, op=TORCH_LEAF_VIEW, detail=f"[{d.op}] {d.detail}")
    return d


def _overlap_class(d):
    """torch's overlap check compares strides (size-1 dims included) and refuses a write of a tensor into a
    region of itself laid out otherwise; here a write whose value spans exactly the written elements is
    allowed (numpy copies an overlapping value first), a partial overlap refused as in torch."""
    if d.kind == "raises" and "only torch raises" in d.detail and "refer to a single memory location" in d.detail:
        return replace(d, op=TORCH_OVERLAP, detail=f"[{d.op}] {d.detail}")
    return d


def _correction_class(program, ref, d):
    """A gradient through a var/std whose correction is at least the count it reduces: torch's formula
    differs between dim=None and an explicit dim there (README), so the NaN/inf/0 pattern is its own."""
    if not d.kind.startswith("grad") or d.kind.endswith("-raises") or d.op.endswith(" of 0-d"):
        return d  # a raise is not about the formula; the 0-d label says more
    for k, step in enumerate(program.steps[: d.step + 1]):
        if not step.name.startswith(("var", "std")) or not step.args:
            continue
        out, x = ref.values[k], ref.values[step.args[0]]
        if not (_is_tensor(out) and _is_tensor(x)) or not x.numel():
            continue
        code = step.render(k)
        found = re.search(r"correction=(\d+)", code)
        correction = int(found.group(1)) if found else 0 if "unbiased=False" in code else 1
        if correction >= x.numel() // max(out.numel(), 1):
            return replace(d, op=CORRECTION_ABOVE_COUNT, detail=f"[{d.op}] {d.detail}")
    return d


SECOND_ORDER_AT_EXTREMES = "second order at inf/NaN/1e+-30"
SAVED_BY_TORCH_ONLY = "changed after torch saved it, not read here"


def _second_order_class(program, ref, d):
    """A second-derivative disagreement in a program whose values (inputs, any result in torch, or torch's
    first derivatives) include inf, NaN or magnitudes of 1e30 or 1e-30 gets one signature of its own: there
    the double-backward formulas' order of evaluation decides between 0, NaN and round-off (see KNOWN)."""
    if not d.kind.startswith("grad2"):
        return d
    for a in _program_floats(program, ref):
        finite = np.abs(a[np.isfinite(a)])
        if finite.size < a.size or (finite >= 1e29).any() or ((finite > 0) & (finite <= 1e-29)).any():
            return replace(d, op=SECOND_ORDER_AT_EXTREMES, detail=f"[{d.op}] {d.detail}")
    if not _first_order_finite(program, ref, d):
        return replace(d, op=SECOND_ORDER_AT_EXTREMES, detail=f"[{d.op}; first derivative inf/NaN] {d.detail}")
    return d


def _first_order_finite(program, ref, d):
    """Whether torch's first derivatives (the gradients the second order differentiates) are all finite."""
    o, targets = d.extra["out"], d.extra["targets"]
    r = ref.values[o]
    seed = _seed(program, o, tuple(r.shape), _dtype_name(r))
    try:
        grads = _way("torch", ref.values, "autograd.grad", o, targets, seed)
    except Exception:  # noqa: BLE001 - no first derivative to judge by
        return True
    return all(np.isfinite(_np(g)).all() for g in grads if g is not None)


def _program_floats(program, ref):
    """The non-empty float arrays of a program: its inputs and every value torch computed."""
    for a in [s.array for s in program.steps if s.array is not None] + [_np(v) for v in ref.values if _is_tensor(v)]:
        a = np.asarray(a)
        if a.dtype.kind == "f" and a.size:
            yield a


def _check_forward(program, got, ref):
    out = []
    for k, step in enumerate(program.steps):
        if step.is_input:
            continue
        e_ref, e_got = ref.errors.get(k), got.errors.get(k)
        if e_ref == "skipped" or e_got == "skipped":
            continue
        if (e_ref is None) != (e_got is None):
            err = e_ref if e_ref is not None else e_got
            who = "torch" if e_ref is not None else "autograd_lite"
            out.append(
                Disagreement(step.name, "raises", k, f"only {who} raises: {type(err).__name__}: {str(err)[:300]}")
            )
            break
        if e_ref is not None:
            continue
        r, v = ref.values[k], got.values[k]
        if _is_tensor(r) != _is_tensor(v):
            out.append(Disagreement(step.name, "type", k, f"{type(v).__name__} vs torch {type(r).__name__}"))
            return out  # the first disagreeing step only, as below
        if not _is_tensor(r):
            continue
        same_r = tuple(r is ref.values[a] for a in step.args)
        same_v = tuple(v is got.values[a] for a in step.args)
        # torch itself returns its argument from a few no-op calls (flatten(0, 0), contiguous()); a new
        # tensor there is fine. An in-place op must return its argument; no other op may.
        if same_r != same_v and (step.mutates or any(same_v)):
            out.append(
                Disagreement(step.name, "identity", k, f"returns its argument object: {same_v} vs torch {same_r}")
            )
        (r_shape, r_dtype, r_rg, r_val), (v_shape, v_dtype, v_rg, v_val) = ref.snaps[k], got.snaps[k]
        if r_shape != v_shape:
            out.append(Disagreement(step.name, "shape", k, f"shape {v_shape} vs torch {r_shape}"))
            return out
        if r_dtype != v_dtype:
            out.append(Disagreement(step.name, "dtype", k, f"dtype {v_dtype} vs torch {r_dtype}"))
        if r_rg != v_rg:
            out.append(Disagreement(step.name, "requires_grad", k, f"requires_grad {v_rg} vs torch {r_rg}"))
        diff = compare_arrays(v_val, r_val, _tolerance_dtype(program, r_dtype))
        if diff:
            out.append(Disagreement(step.name, "forward" + diff[0], k, diff[1]))
        if out:  # the first disagreeing step only: later ones would mostly repeat it
            stale = _stale_argument(program, got, ref, k)
            return [stale] if stale is not None else out
    return out


def _stale_argument(program, got, ref, k):
    """An argument of step k that already differed when step k ran (changed in place earlier, in one
    library only): blamed on the first in-place step before k."""
    before_r, before_v = ref.args_before[k], got.args_before[k]
    if before_r is None or before_v is None:
        return None
    for a, r, v in zip(program.steps[k].args, before_r, before_v):
        if r is None or v is None:
            continue
        diff = compare_arrays(v[0], r[0], program.dtype)
        if diff is None and r[1] != v[1]:
            diff = ("-requires_grad", f"requires_grad {v[1]} vs torch {r[1]}")
        if diff:
            mut = [j for j in range(k) if program.steps[j].mutates]
            return Disagreement(
                program.steps[mut[0]].name,
                "stale" + diff[0],
                k,
                f"t{a} when step {k} ran (after in-place step {mut[0]}): {diff[1]}",
            )
    return None


def _check_final(program, got, ref):
    """Values of every tensor at the end (after all in-place changes of it, its base or views)."""
    for k, step in enumerate(program.steps):
        r, v = ref.values[k], got.values[k]
        if not (_is_tensor(r) and _is_tensor(v)) or tuple(r.shape) != tuple(v.shape):
            continue
        diff = compare_arrays(_np(v), _np(r), _tolerance_dtype(program, _dtype_name(r)))
        if diff is None and bool(r.requires_grad) != bool(v.requires_grad):
            diff = ("-requires_grad", f"requires_grad {v.requires_grad} vs torch {r.requires_grad}")
        if diff:
            mut = [j for j, s in enumerate(program.steps) if s.mutates and j > k] or [
                j for j, s in enumerate(program.steps) if s.mutates
            ]
            op = program.steps[mut[0]].name if mut else step.name
            return [Disagreement(op, "final" + diff[0], k, f"t{k} at the end: {diff[1]}")]
    return []


def _grad_targets(program, ref, got, upto):
    """Indices of the tensors before ``upto`` that require grad in torch, one per distinct torch object
    (the last name of an object changed in place: its gradient is the one of its current value)."""
    last, al_objects = {}, {}
    for k in range(upto):
        r, v = ref.values[k], got.values[k]
        if isinstance(r, torch.Tensor) and r.requires_grad and isinstance(v, al.Tensor) and v.requires_grad:
            last[id(r)] = k
            al_objects.setdefault(id(r), set()).add(id(v))
    # where torch returned its argument (flatten(0, 0), dropout(p=0)) and autograd_lite a new tensor, the
    # gradient w.r.t. "that tensor" means different things: leave it out
    return sorted(k for key, k in last.items() if len(al_objects[key]) == 1)


def _seed(program, k, shape, dtype):
    rng = np.random.default_rng(program.seed * 1009 + k)
    return np.round(rng.standard_normal(shape), 2).astype(dtype)


def _way(lib, values, way, out, targets, seed, ws=None):
    L, _ = LIBS[lib]
    o = values[out]
    ts = [values[k] for k in targets]
    s = L.tensor(seed)
    if way == "autograd.grad":
        return L.autograd.grad([o], ts, [s], retain_graph=True, allow_unused=True)
    if way in ("loss.backward", "backward(gradient)"):
        leaves = [t for t in ts if t.is_leaf]
        for t in leaves:
            t.grad = None
        if way == "loss.backward":
            (o * s).sum().backward(retain_graph=True)
        else:
            o.backward(gradient=s, retain_graph=True)
        return [t.grad if t.is_leaf else None for t in ts]
    leaves = [t for t, w in zip(ts, ws) if w is not None]
    gs = L.autograd.grad([o], leaves, [s], retain_graph=True, create_graph=True, allow_unused=True)
    ws = [w for w in ws if w is not None]
    terms = [(gi * L.tensor(w)).sum() for gi, w in zip(gs, ws) if gi is not None and gi.requires_grad]
    if not terms:
        return [None] * len(ts)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return L.autograd.grad([total], ts, retain_graph=True, allow_unused=True)


def _check_grads(program, got, ref):
    outs = [
        k
        for k in _grad_targets(program, ref, got, len(program.steps))
        if not program.steps[k].is_input and ref.values[k].is_floating_point()
    ]
    if not outs:
        return []
    found = []
    last = outs[-1]
    for o in outs[-3:]:
        targets = [k for k in _grad_targets(program, ref, got, o)]
        if not targets:
            continue
        r = ref.values[o]
        seed = _seed(program, o, tuple(r.shape), _dtype_name(r))
        ways = ["autograd.grad"] + (["loss.backward", "backward(gradient)", "grad2"] if o == last else [])
        for way in ways:
            wts = targets
            if way in ("loss.backward", "backward(gradient)"):
                wts = [k for k in targets if ref.values[k].is_leaf]
            if not wts:
                continue
            ws = [_seed(program, 7919 + k, tuple(ref.values[k].shape), _dtype_name(ref.values[k])) for k in wts]
            if way == "grad2":
                ws = [w if ref.values[k].is_leaf else None for k, w in zip(wts, ws)]
                if all(w is None for w in ws):
                    continue
            res = {}
            for lib, run in (("torch", ref), ("al", got)):
                try:
                    res[lib] = _way(lib, run.values, way, o, wts, seed, ws)
                except Exception as err:  # noqa: BLE001
                    res[lib] = err
            d = _compare_grads(program, way, o, wts, res, seed, ref, got)
            if d:
                found.append(d)
                return found
    return found


def _compare_grads(program, way, o, targets, res, seed, ref, got):
    kind0 = "grad2" if way == "grad2" else "grad"
    r, v = res["torch"], res["al"]
    info = {"way": way, "out": o, "targets": targets}
    if isinstance(r, Exception) or isinstance(v, Exception):
        if isinstance(r, Exception) and isinstance(v, Exception):
            return None
        err = r if isinstance(r, Exception) else v
        who = "torch" if isinstance(r, Exception) else "autograd_lite"
        op = _blame_error(program, err, o, ("torch", ref) if who == "torch" else ("al", got), ref, targets, seed, way)
        if who == "torch" and "modified by an inplace operation" in str(err):
            op = SAVED_BY_TORCH_ONLY
        return Disagreement(
            op, kind0 + "-raises", o, f"{way}: only {who} raises: {type(err).__name__}: {str(err)[:300]}", way, info
        )
    bad = {}
    for k, gr, gv in zip(targets, r, v):
        if gr is None and gv is None:
            continue
        if gr is None or gv is None:
            if way == "grad2":
                shape = tuple((gr if gr is not None else gv).shape)
                gr = gr if gr is not None else np.zeros(shape)
                gv = gv if gv is not None else np.zeros(shape)
            else:
                bad[k] = (
                    "-none",
                    f"grad of t{k}: {'None' if gv is None else 'a tensor'} vs torch "
                    f"{'None' if gr is None else 'a tensor'}",
                )
                continue
        a, b = _np(gv), _np(gr)
        diff = compare_arrays(a, b, program.dtype)
        if diff is None and _is_tensor(gr) and _is_tensor(gv) and _dtype_name(gr) != _dtype_name(gv):
            diff = ("-dtype", f"grad dtype {_dtype_name(gv)} vs torch {_dtype_name(gr)}")
        if diff:
            bad[k] = (diff[0], f"grad of t{k}: {diff[1]}")
    if not bad:
        return None
    j = max(bad)
    suffix, msg = bad[j]
    op = _blame(program, j, o, bad, targets, ref)
    return Disagreement(op, kind0 + suffix, o, f"{way} of t{o}: {msg}", way, info)


def _ancestors(program, o):
    """Steps t_o depends on: through arguments, and through in-place steps on them before o."""
    seen, todo = set(), [o]
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.add(k)
        todo += list(program.steps[k].args)
        todo += [
            m
            for m in range(k + 1, o)
            if program.steps[m].mutates and program.steps[m].args and program.steps[m].args[0] == k
        ]
    return seen


def _blame(program, j, o, bad, targets, ref):
    """The op that consumes t_j on the way to t_o whose output's gradient agrees (its input's does not);
    when that output was changed in place later, the last in-place step on it before t_o."""
    path = _ancestors(program, o)
    consumers = [c for c in range(j + 1, o + 1) if j in program.steps[c].args and c in path]
    for c in consumers:
        if c not in bad or c not in targets:
            obj = ref.values[c]
            later = [m for m in range(c + 1, o + 1) if program.steps[m].mutates and ref.values[m] is obj]
            return program.steps[later[-1] if later else c].name
    return program.steps[consumers[0]].name if consumers else program.steps[o].name


def _blame_grad2(program, o):
    ops = [s.name for s in program.steps[: o + 1] if not s.is_input]
    return ops[-1] if len(set(ops)) == 1 else "+".join(sorted(set(ops)))


def _blame_error(program, err, o, raiser, ref, targets, seed, way):
    """The op to blame for an error in backward: the in-place op for torch's "modified by an inplace
    operation"; else, probing ``autograd.grad`` of t_o w.r.t. one tensor at a time in the library that
    raised, the op between the last tensor whose gradient can be computed and the first that cannot."""
    msg = str(err)
    mut = [s.name for s in program.steps if s.mutates]
    if mut and ("inplace" in msg or "in place" in msg or "modified" in msg):
        return mut[0]
    if way != "grad2":
        lib, run = raiser
        raising = set()
        for k in targets:
            try:
                _way(lib, run.values, "autograd.grad", o, [k], seed)
            except Exception:  # noqa: BLE001
                raising.add(k)
        if raising:
            return _blame(program, max(raising), o, raising, targets, ref)
    tb = err.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if "autograd_lite/ops/" in code.co_filename.replace("\\", "/"):
            return getattr(code, "co_qualname", code.co_name).split(".")[0] + " (backward)"
        tb = tb.tb_next
    return _blame_grad2(program, o)


# ---- reproducers ---------------------------------------------------------------------------------------


def reproducer(program, disagreement=None):
    """Runnable Python: the program in both libraries side by side, printing what disagrees."""
    lines = ["import numpy as np, torch, autograd_lite as al", "nan, inf = float('nan'), float('inf')"]
    for k, s in enumerate(program.steps):
        if s.is_input:
            lines.append(f"a{k} = {_fmt_array(s.array)}")
    d = disagreement
    if d is not None and d.extra:
        lines.append(f"seed = {_fmt_array(_seed_array(program, d))}")
        if d.way == "grad2":
            for k in d.extra["targets"]:
                lines.append(f"w{k} = {_fmt_array(_w_array(program, k))}")
    lines.append("for L, F in ((torch, torch.nn.functional), (al, al.nn.functional)):")
    body = []
    for k, s in enumerate(program.steps):
        stmt = s.render(k)
        if d is not None and d.kind == "raises" and k == d.step:
            body.append("try:")
            body += ["    " + x for x in stmt.split("\n")]
            body.append("except Exception as e:")
            body.append(f"    print(L.__name__, 'step {k} raises', type(e).__name__, e); continue")
            body.append(f"print(L.__name__, 'step {k} gives', t{k})")
            break
        body += stmt.split("\n")
        if (
            d is not None
            and d.kind.split("-")[0] in ("forward", "dtype", "shape", "identity", "requires_grad", "type")
            and k == d.step
        ):
            args = ", ".join(f"t{a}" for a in s.args)
            body.append(f"print(L.__name__, repr(t{k}), 'is an argument:', [t{k} is a for a in ({args},)])")
            break
    if d is not None and d.kind.startswith("final"):
        body.append(f"print(L.__name__, 't{d.step} =', t{d.step})")
    if d is not None and d.extra:
        o, ts = d.extra["out"], ", ".join(f"t{k}" for k in d.extra["targets"])
        if d.way == "autograd.grad":
            body.append(f"print(L.__name__, L.autograd.grad([t{o}], [{ts}], [L.tensor(seed)], allow_unused=True))")
        elif d.way == "loss.backward":
            body.append(f"(t{o} * L.tensor(seed)).sum().backward()")
            body.append(f"print(L.__name__, [t.grad for t in ({ts},)])")
        elif d.way == "backward(gradient)":
            body.append(f"t{o}.backward(gradient=L.tensor(seed))")
            body.append(f"print(L.__name__, [t.grad for t in ({ts},)])")
        else:
            body.append(f"gs = L.autograd.grad([t{o}], [{ts}], [L.tensor(seed)], create_graph=True, allow_unused=True)")
            ws = ", ".join(f"w{k}" for k in d.extra["targets"])
            body.append(
                f"total = sum((g * L.tensor(w)).sum() for g, w in zip(gs, ({ws},)) "
                "if g is not None and g.requires_grad)"
            )
            body.append(
                f"print(L.__name__, L.autograd.grad([total], [{ts}], allow_unused=True) "
                "if isinstance(total, L.Tensor) else 'no second-order graph')"
            )
    if d is None:
        body.append(f"print(L.__name__, t{len(program.steps) - 1})")
    lines += ["    " + x for x in body]
    return "\n".join(lines)


def _seed_array(program, d):
    o = d.extra["out"]
    ref = execute(program, "torch")
    r = ref.values[o]
    return _seed(program, o, tuple(r.shape), _dtype_name(r))


def _w_array(program, k):
    ref = execute(program, "torch")
    r = ref.values[k]
    return _seed(program, 7919 + k, tuple(r.shape), _dtype_name(r))


# ---- shrinking (for the CLI; the pytest module lets hypothesis shrink) ------------------------------------


def _without(program, drop):
    """The program without the steps in ``drop`` and every step that depends on them (indices renumbered)."""
    drop = set(drop)
    for k, s in enumerate(program.steps):
        if any(a in drop for a in s.args):
            drop.add(k)
    used = {a for k, s in enumerate(program.steps) if k not in drop for a in s.args}
    last = max((k for k in range(len(program.steps)) if k not in drop), default=-1)
    for k, s in enumerate(program.steps):
        if s.is_input and k not in used and k != last:
            drop.add(k)
    index, steps = {}, []
    for k, s in enumerate(program.steps):
        if k in drop:
            continue
        index[k] = len(steps)
        steps.append(replace(s, args=tuple(index[a] for a in s.args)))
    return replace(program, steps=steps, _code=None)


def _has(program, signature):
    try:
        return any(d.signature == signature for d in check(program))
    except Exception:  # noqa: BLE001
        return False


def shrink(program, signature, budget=150):
    """A smaller program that still shows ``signature`` (drop steps, simplify inputs)."""
    calls = 0
    changed = True
    while changed and calls < budget:
        changed = False
        for k in reversed(range(len(program.steps))):
            if k >= len(program.steps):
                continue
            cand = _without(program, [k])
            if not cand.steps or cand.size() >= program.size():
                continue
            calls += 1
            if _has(cand, signature):
                program, changed = cand, True
        for k, s in enumerate(program.steps):
            if not s.is_input:
                continue
            for simpler in _simpler_arrays(s):
                cand = replace(program, steps=program.steps[:k] + [simpler] + program.steps[k + 1 :], _code=None)
                calls += 1
                if _has(cand, signature):
                    program, changed = cand, True
                    s = simpler
                    break
    return program


def _simpler_arrays(step):
    """Candidate replacements of an input: fewer elements along one dim, then rounder values."""
    a = step.array
    out = []
    for axis, n in enumerate(a.shape):
        if n > 1:
            out.append(replace(step, array=np.ascontiguousarray(np.take(a, range(n - 1), axis=axis))))
    if a.dtype.kind == "f" and a.size:
        fin = np.isfinite(a)
        for cand in (np.where(fin, np.round(a), a), np.where(fin, np.sign(a), a)):
            cand = cand.astype(a.dtype)
            if not np.array_equal(cand, a, equal_nan=True):
                out.append(replace(step, array=cand))
    return out


# ---- the long run (CLI) ----------------------------------------------------------------------------------


class _TimeUp(Exception):
    pass


def long_run(seconds, families=None, seed=None, max_steps=5, report_every=60.0, shrink_budget=150):
    """Draw programs until the time is up; count disagreements by signature, shrinking one per signature."""
    from hypothesis import HealthCheck, Phase, given, settings

    stats = {"programs": 0, "disagreeing": 0, "errors": 0}
    counts, best = {}, {}
    start = time.monotonic()
    next_report = start + report_every

    @settings(
        max_examples=10**9,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=seed is not None,
    )
    @given(programs(families=families, max_steps=max_steps))
    def body(program):
        nonlocal next_report
        if time.monotonic() - start > seconds:
            raise _TimeUp
        stats["programs"] += 1
        try:
            found = check(program)
        except Exception as err:  # noqa: BLE001 - a crash of the harness itself is counted, not fatal
            stats["errors"] += 1
            sys.stderr.write(f"harness error: {type(err).__name__}: {err}\n")
            return
        if found:
            stats["disagreeing"] += 1
        for d in {d.signature: d for d in found}.values():
            sig = d.signature
            counts[sig] = counts.get(sig, 0) + 1
            if sig not in best or program.size() < best[sig][0].size():
                small = shrink(program, sig, shrink_budget)
                dd = next((x for x in check(small) if x.signature == sig), None)
                if dd is None:  # (the shrunk program no longer shows it: keep the original)
                    small, dd = program, d
                if sig not in best or small.size() < best[sig][0].size():
                    best[sig] = (small, dd)
        if time.monotonic() > next_report:
            next_report += report_every
            sys.stderr.write(
                f"[{time.monotonic() - start:.0f}s] {stats['programs']} programs, "
                f"{stats['disagreeing']} disagreeing, {len(counts)} signatures\n"
            )

    if seed is not None:
        body._hypothesis_internal_use_seed = seed
    try:
        body()
    except _TimeUp:
        pass
    except Exception as err:  # noqa: BLE001
        if not isinstance(getattr(err, "__cause__", None), _TimeUp) and "_TimeUp" not in repr(err):
            raise
    return stats, counts, best


def known_item(signature):
    """The issue item a signature is known under (tests/differential/known.py), or None."""
    try:
        from .known import known_item as lookup
    except ImportError:
        return None
    return lookup(signature)


def format_report(stats, counts, best):
    out = [
        f"programs run: {stats['programs']}",
        f"programs disagreeing: {stats['disagreeing']}"
        f" ({100.0 * stats['disagreeing'] / max(stats['programs'], 1):.1f} %)",
        f"harness errors: {stats['errors']}",
        f"distinct signatures: {len(counts)}",
        "",
    ]
    for sig, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        item = known_item(sig)
        out.append(f"{n:6d}  {sig[0]} / {sig[1]}" + (f"   [known: {item}]" if item else ""))
    for sig, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        program, d = best[sig]
        item = known_item(sig)
        try:
            code = reproducer(program, d)
        except Exception as err:  # noqa: BLE001 - a long run's report must not be lost to one reproducer
            code = f"(no reproducer: {type(err).__name__}: {err})\n{program!r}"
        out += [
            "",
            f"## {sig[0]} / {sig[1]}  ({n} programs; {program.dtype}, {program.mode} values)"
            + (f"  [known: {item}]" if item else ""),
            f"# {d.detail}",
            code,
        ]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--ops", default=None, help="comma-separated families: " + ",".join(sorted(GENERATORS)))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--max-steps", type=int, default=5)
    parser.add_argument("--out", default=None, help="also write the report to this file")
    args = parser.parse_args(argv)
    families = args.ops.split(",") if args.ops else None
    stats, counts, best = long_run(args.minutes * 60, families, args.seed, args.max_steps)
    report = format_report(stats, counts, best)
    print(report)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(report + "\n")


if __name__ == "__main__":
    main()
