"""Matrix products: matmul with torch.matmul's rules (1-D, 2-D, batched N-D with broadcast batch dims),
and the fused linear layer x @ w.T + b."""

import math
from typing import Optional, Tuple

import numpy as np

from .base import Op, OpError, data_of, masked


def _check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise OpError(f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise OpError(
            f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
            f"(inner dimensions {inner_a} and {inner_b} differ)"
        )


def _product(a, b):
    """a @ b for matrices (or stacks), as a broadcast product when the inner dimension is 1: numpy's matmul
    runs an outer product ~8x slower than the multiply (batch-1 weight gradients), and with one term per sum
    the two give the same bits. Works on arrays and, under create_graph, on Tensors."""
    if a.shape[-1] == 1 and len(a.shape) >= 2 and len(b.shape) >= 2:
        return a * b
    return a @ b


class MatMul(Op):
    name = "matmul"
    function = "matmul"
    methods: Tuple[str, ...] = ("matmul", "__matmul__", "__rmatmul__")
    xp: Optional[str] = "matmul"
    reads = staticmethod(lambda needs: (needs[1], needs[0]))  # each gradient reads the other factor

    @staticmethod
    def forward(a, b):
        _check_matmul(a, b)
        try:
            return _product(a, b), None
        except ValueError:
            raise OpError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} are not broadcastable") from None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        xp = ctx.xp
        if a.ndim == 2 and b.ndim == 2:
            return (
                (g @ xp.swapaxes(b, -1, -2) if ctx.needs[0] else None),
                (_product(xp.swapaxes(a, -1, -2), g) if ctx.needs[1] else None),
            )
        a2 = xp.expand_dims(a, 0) if a.ndim == 1 else a
        b2 = xp.expand_dims(b, 1) if b.ndim == 1 else b
        if a.ndim == 1:
            g = xp.expand_dims(g, -2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            g = xp.expand_dims(g, -1)
        ga = gb = None
        if ctx.needs[0]:
            ga = g @ xp.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                ga = xp.squeeze(ga, -2)
        if ctx.needs[1]:
            gb = _product(xp.swapaxes(a2, -1, -2), g)
            if b.ndim == 1:
                gb = xp.squeeze(gb, -1)
        return ga, gb


class Linear(Op):
    """y = x @ w.T + b over the last dim of x; inputs x (..., in), w (out, in), b (out,) or None."""

    name = "linear"
    function = "nn.functional.linear"
    reads = staticmethod(lambda needs: (needs[1], needs[0], False))

    @staticmethod
    def forward(x, w, b):
        if x.ndim == 2 and len(x) <= 96:
            out = np.matmul(w, x.T).T  # y^T = W x^T: for small batches OpenBLAS runs this order ~1.3x faster
        else:
            out = np.matmul(x.reshape(math.prod(x.shape[:-1]), x.shape[-1]), w.T)
        if b is not None:
            out += b
        return out.reshape(x.shape[:-1] + (w.shape[0],)), None

    @staticmethod
    def vjp(ctx, g):
        x, w, _ = ctx.x
        needs = ctx.needs
        g2, x2 = g, x
        if x.ndim != 2:  # fold the leading dims, so that each gradient is one GEMM
            rows = math.prod(x.shape[:-1])
            g2, x2 = g.reshape(rows, w.shape[0]), x.reshape(rows, w.shape[1])
        # operators and methods work on arrays and (under create_graph) on Tensors alike
        gx = (g2 @ w).reshape(x.shape) if needs[0] else None
        gw = _product(g2.T, x2) if needs[1] else None
        gb = ctx.xp.sum(g2, (0,)) if needs[2] else None
        return gx, gw, gb


class Mm(MatMul):
    """torch.mm: (n, m) @ (m, p), both 2-D (checked by the function); matmul's forward and vjp."""

    name = "mm"
    function = "mm"
    aliases = ()
    methods = ("mm",)
    xp = None


class Bmm(MatMul):
    """torch.bmm: (b, n, m) @ (b, m, p), both 3-D with the same batch size (no broadcasting)."""

    name = "bmm"
    function = "bmm"
    aliases = ()
    methods = ("bmm",)
    xp = None


class Mv(MatMul):
    """torch.mv: (n, m) @ (m,)."""

    name = "mv"
    function = "mv"
    aliases = ()
    methods = ("mv",)
    xp = None


class Dot(MatMul):
    """torch.dot (alias inner for 1-D): the 0-d sum of products of two 1-D tensors of one size."""

    name = "dot"
    function = "dot"
    aliases = ()
    methods = ("dot",)
    xp = None


class Outer(Op):
    """torch.outer (alias ger): a[:, None] * b[None, :] of two 1-D tensors."""

    name = "outer"
    function = "outer"
    aliases = ("ger",)
    methods = ("outer", "ger")
    reads = staticmethod(lambda needs: (needs[1], needs[0]))

    @staticmethod
    def forward(a, b):
        return np.multiply.outer(a, b), None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        return (g @ b if ctx.needs[0] else None), (a @ g if ctx.needs[1] else None)


def _norm_axes(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


def _keep_reduced(xp, y, axis, keepdims, ndim):
    """A reduced result with the reduced dims put back as size 1 (to broadcast against the input)."""
    if keepdims:
        return y
    axes = _norm_axes(axis, ndim)
    return xp.expand_dims(y, axes) if axes else y


class VectorNorm(Op):
    """torch.linalg.vector_norm: (sum |x|^ord)^(1/ord) over ``axis`` (None: all), ord in R or +-inf; ord=0
    counts the non-zeros. The gradient is torch's ``norm_backward``: 0 where the norm is 0 (ord >= 1),
    shared evenly among the tied extremes for +-inf, 0 for ord=0."""

    name = "vector_norm"
    function = "norm"  # al.norm; al.linalg.vector_norm / norm / matrix_norm are written over it
    methods = ("norm",)
    saves_y = True

    @staticmethod
    def forward(x, ord=2.0, axis=None, keepdims=False):
        a = np.abs(x)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if ord == 2:
                out = np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
            elif ord == 1:
                out = np.sum(a, axis=axis, keepdims=keepdims)
            elif ord == np.inf:
                out = np.max(a, axis=axis, keepdims=keepdims, initial=0.0)
            elif ord == -np.inf:
                out = np.min(a, axis=axis, keepdims=keepdims)
            elif ord == 0:
                out = np.sum(a != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
            else:
                out = np.sum(a**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
        return np.asarray(out, dtype=x.dtype), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        xp, p = ctx.xp, ctx.p
        ord, axis, keepdims = p["ord"], p["axis"], p["keepdims"]
        ndim = len(x.shape)
        y = _keep_reduced(xp, ctx.y, axis, keepdims, ndim)
        g = _keep_reduced(xp, g, axis, keepdims, ndim)
        x_data, y_data = data_of(x), data_of(y)
        if ord == 0:
            return (masked(xp, xp.broadcast_to(g, x.shape), np.zeros((), dtype=bool)),)
        sign = xp.sign(x)
        if ord == 1:
            return (sign * g,)
        if ord in (np.inf, -np.inf):
            hit = (np.abs(x_data) == y_data) | np.isnan(x_data)
            count = np.sum(hit, axis=_norm_axes(axis, ndim), keepdims=True).astype(x_data.dtype)
            share = masked(xp, xp.broadcast_to(g / np.maximum(count, 1), x.shape), hit)
            return (sign * share,)
        zero = y_data == 0
        safe_y = xp.where(zero, 1.0, y) if np.any(zero) else y
        if ord == 2:
            return (x * masked(xp, g / safe_y, ~zero),)
        if ord < 1:
            scaled = sign * masked(xp, xp.abs(x) ** (ord - 1), x_data != 0)
            return (scaled * (g * safe_y ** (1 - ord)),)
        scale = masked(xp, g / safe_y ** (ord - 1), ~zero)
        if ord < 2:
            return (sign * xp.abs(x) ** (ord - 1) * scale,)
        return (x * xp.abs(x) ** (ord - 2) * scale,)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def parse_einsum(equation, shapes):
    """(input subscripts, output subscripts) of an einsum equation over operands of ``shapes``, with every
    ellipsis replaced by letters (right-aligned, as broadcasting) and the implicit output made explicit
    (ellipsis dims first, then the letters used once, in alphabetical order: uppercase first)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise OpError(f"einsum: the equation {equation!r} names {len(terms)} operand(s), but {len(shapes)} were given")
    for part in terms + [rhs]:
        bad = set(part.replace("...", "")) - set(_LETTERS)
        if bad or part.count("...") > 1:
            raise OpError(
                f"einsum: invalid subscripts {part!r} in {equation!r} (expected letters a-z, A-Z and at most one '...')"
            )
    free = iter(c for c in _LETTERS if c not in eq)
    ell_dims = [len(shape) - (len(t) - 3) for t, shape in zip(terms, shapes) if "..." in t]
    ell = "".join(next(free) for _ in range(max(ell_dims, default=0)))
    out_terms = []
    for i, (t, shape) in enumerate(zip(terms, shapes)):
        if "..." in t:
            n = len(shape) - (len(t) - 3)
            t = t.replace("...", ell[len(ell) - n :] if n > 0 else "") if n >= 0 else t
        if len(t) != len(shape):
            raise OpError(
                f"einsum: operand {i} has {len(shape)} dims (shape {tuple(shape)}), but its subscripts "
                f"{terms[i]!r} name {len(t)}"
            )
        out_terms.append(t)
    if arrow:
        rhs = rhs.replace("...", ell)
        for c in rhs:
            if rhs.count(c) > 1:
                raise OpError(f"einsum: output subscript {c} appears more than once in the output of {equation!r}")
            if not any(c in t for t in out_terms):
                raise OpError(f"einsum: output subscript {c} of {equation!r} does not appear in the inputs")
    else:
        joined = "".join(out_terms)
        rhs = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    sizes = {}
    for i, (t, shape) in enumerate(zip(out_terms, shapes)):
        for c, n in zip(t, shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise OpError(
                    f"einsum: subscript {c} has size {n} in operand {i} (shape {tuple(shape)}) but {sizes[c]} in "
                    f"an earlier operand of {equation!r} (sizes must match or be 1)"
                )
            if c not in sizes or sizes[c] == 1:
                sizes[c] = n
    return tuple(out_terms), rhs


class Einsum(Op):
    """torch.einsum: a sum of products over the subscripts (``terms`` and ``out``, explicit letters), computed
    by numpy.einsum with optimize. The gradient of each operand is another einsum, of the incoming gradient
    and the other operands (a repeated subscript, a diagonal, gets an identity factor; a subscript summed
    in that operand only, a factor of ones), so it is differentiable again."""

    name = "einsum"
    function = "einsum"

    @staticmethod
    def forward(*arrays, terms, out):
        spec = ",".join(terms) + "->" + out
        return np.asarray(np.einsum(spec, *arrays, optimize=len(arrays) > 2)), None

    @staticmethod
    def vjp(ctx, g):
        xp, terms, out = ctx.xp, ctx.p["terms"], ctx.p["out"]
        grads = []
        for i, need in enumerate(ctx.needs):
            if not need:
                grads.append(None)
                continue
            x_i = ctx.x[i]
            shape, dtype = x_i.shape, data_of(x_i).dtype
            operands = [g] + [x for j, x in enumerate(ctx.x) if j != i]
            subscripts = [out] + [t for j, t in enumerate(terms) if j != i]
            used = set("".join(terms) + out)
            free = iter(c for c in _LETTERS if c not in used)
            target = ""
            for c, n in zip(terms[i], shape):
                if c in target:  # a diagonal: an identity links the repeat to its first occurrence
                    fresh = next(free)
                    operands.append(xp.constant(np.eye(n, dtype=dtype)))
                    subscripts.append(c + fresh)
                    c = fresh
                target += c
            for c, n in zip(target, shape):
                if not any(c in s for s in subscripts):  # summed in this operand only: the gradient is constant
                    operands.append(xp.constant(np.ones(n, dtype=dtype)))
                    subscripts.append(c)
            grads.append(xp.apply(Einsum, *operands, terms=tuple(subscripts), out=target))
        return grads
