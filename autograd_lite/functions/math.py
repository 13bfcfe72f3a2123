"""Elementwise and linear-algebra functions with torch signatures (``al.exp``, ``al.maximum``, ``al.matmul``...)."""

import numpy as np

from .. import dtypes
from ..ops import elementwise as ew
from ..ops.base import OpError
from ..ops import linalg as la
from ..ops.linalg import MatMul
from ..tensor import Tensor, apply


__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "maximum",
    "minimum",
    "pow",
    "leaky_relu",
    "clamp",
    "clip",
    "where",
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "inner",
    "outer",
    "ger",
    "einsum",
    "astype",
    "eq",
    "ne",
    "lt",
    "less",
    "le",
    "gt",
    "greater",
    "ge",
    "logical_and",
    "bitwise_and",
    "logical_or",
    "bitwise_or",
    "logical_xor",
    "bitwise_xor",
    "logical_not",
    "isnan",
    "isfinite",
    "isinf",
    "round",
    "remainder",
    "floor_divide",
    "nan_to_num",
    "masked_fill",
    "allclose",
]


def _operand(x):
    """A tensor stays a tensor; a Python number stays a (weakly typed) number; anything else is converted."""
    if isinstance(x, (Tensor, bool, int, float)):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        return Tensor._wrap(np.asarray(x))
    if isinstance(x, (list, tuple)):
        return Tensor(x)
    raise TypeError(f"unsupported operand of type {type(x).__name__}; expected a Tensor, a number or an array")


def _category(kind):
    """torch's dtype categories, lowest first: bool, integer, floating."""
    return {"b": 0, "i": 1, "u": 1}.get(kind, 2)


def _promote(a, b):
    """torch's promotion where numpy's differs: int tensor with float tensor/number -> the float dtype."""
    a, b = _operand(a), _operand(b)
    a_t, b_t = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_t and b_t:
        if a._array.dtype != b._array.dtype:
            ka, kb = a._array.dtype.kind, b._array.dtype.kind
            if kb == "f" and ka != "f":
                a = Tensor._wrap(a._array.astype(b._array.dtype))
            elif ka == "f" and kb != "f":
                b = Tensor._wrap(b._array.astype(a._array.dtype))
            elif _category(ka) == _category(kb) and (a._array.ndim == 0) != (b._array.ndim == 0):
                # same category: a dimensioned tensor's dtype wins over a 0-d tensor's, as in torch
                # (float32 (n,) with float64 0-d -> float32; numpy would give float64)
                if a._array.ndim == 0:
                    a = astype(a, b._array.dtype)
                else:
                    b = astype(b, a._array.dtype)
    elif a_t and isinstance(b, float) and a._array.dtype.kind != "f":
        a = Tensor._wrap(a._array.astype(dtypes.get_default_dtype()))
    elif b_t and isinstance(a, float) and b._array.dtype.kind != "f":
        b = Tensor._wrap(b._array.astype(dtypes.get_default_dtype()))
    return a, b


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _fit_int(name, tensor, value, policy):
    """A Python int met by an integer tensor, made to fit its dtype as torch does when it does not: two's
    complement wrap-around (``policy='wrap'``: arithmetic, comparisons), a float (``'float'``: true division),
    or torch's overflow error (``'refuse'``)."""
    dtype = tensor._array.dtype
    if dtype.kind not in "iu":
        return value
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return value
    if policy == "float":
        return float(value)
    if policy == "wrap" and -(2**63) <= value < 2**64:
        return Tensor._wrap(np.array(value).astype(dtype))
    error = OpError if policy == "refuse" else OverflowError
    raise error(
        f"{name}: value {value} cannot be converted to type {dtype} without overflow (range [{info.min}, {info.max}])"
    )


def _fit_ints(name, input, other, policy="wrap"):
    """Apply ``_fit_int`` to a Python int operand paired with a tensor (either side)."""
    if _is_int(other) and isinstance(input, Tensor):
        other = _fit_int(name, input, other, policy)
    elif _is_int(input) and isinstance(other, Tensor):
        input = _fit_int(name, other, input, policy)
    return input, other


def _binary(op, policy="wrap"):
    def fn(input, other):
        if _is_int(other) or _is_int(input):
            input, other = _fit_ints(op.name, input, other, policy)
        a, b = _promote(input, other)
        return apply(op, a, b)

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = f"Elementwise {op.name} with broadcasting; numbers and tensors on either side."
    return fn


add = _binary(ew.Add)
sub = subtract = _binary(ew.Sub)
mul = multiply = _binary(ew.Mul)
_divide = _binary(ew.Div, policy="float")


def div(input, other):
    """Elementwise true division with broadcasting; ``number / tensor`` is ``number * reciprocal(tensor)``,
    as torch computes it (the reciprocal saves its output, so the tensor may change afterwards)."""
    if (
        isinstance(input, (int, float))
        and not isinstance(input, bool)
        and isinstance(other, Tensor)
        and other._array.dtype.kind == "f"
    ):
        return mul(apply(ew.Reciprocal, other), input)
    return _divide(input, other)


divide = true_divide = div
maximum = _binary(ew.Maximum)
minimum = _binary(ew.Minimum)


def pow(input, exponent):
    """input ** exponent; either may be a tensor or a number."""
    if isinstance(input, Tensor) and input._array.dtype.kind in "iu" and _is_int(exponent):
        if exponent < 0:
            raise OpError(
                f"pow: integers to negative integer powers are not allowed (exponent {exponent}, input "
                f"dtype {input._array.dtype}); convert the input with .float() first"
            )
        exponent = _fit_int("pow", input, exponent, "refuse")
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool) and isinstance(input, Tensor):
        return apply(ew.PowScalar, input, exponent=exponent)
    a, b = _promote(input, exponent)
    return apply(ew.Pow, a, b)


def leaky_relu(input, negative_slope=0.01):
    """input where positive, negative_slope * input elsewhere."""
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"leaky_relu: negative_slope must be a number, got {negative_slope!r} ({type(negative_slope).__name__})"
        )
    return apply(ew.LeakyRelu, input, negative_slope=float(negative_slope))


def clamp(input, min=None, max=None):
    """Limit to [min, max]; the gradient passes where min <= input <= max (as torch)."""
    for name, bound in (("min", min), ("max", max)):
        if isinstance(bound, Tensor):
            raise TypeError(f"clamp: {name} must be a number; use al.maximum/al.minimum for tensor bounds")
        if bound is not None and not isinstance(bound, (bool, int, float, np.bool_, np.integer, np.floating)):
            raise TypeError(f"clamp: {name} must be a number or None, got {bound!r} ({type(bound).__name__})")
        if _is_int(bound):
            _fit_int("clamp", input, bound, "refuse")
    if input._array.dtype.kind != "f" and any(isinstance(b, (float, np.floating)) for b in (min, max)):
        input = astype(input, dtypes.get_default_dtype())  # an int tensor clamped to a float bound is float
    return apply(ew.Clamp, input, min=min, max=max)


clip = clamp


def where(condition, input, other):
    """Elementwise ``input if condition else other``; the condition is a bool tensor (no gradient)."""
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    input, other = _fit_ints("where", input, other, "refuse")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        kind = np.result_type(input, other).kind
        dtype = dtypes.get_default_dtype() if kind == "f" else None
        input, other = np.asarray(input, dtype=dtype), np.asarray(other, dtype=dtype)
    a, b = _promote(input, other)
    return apply(ew.Where, cond, a, b)


def matmul(input, other):
    """Matrix product with torch.matmul's rules for 1-D, 2-D and broadcast batched operands."""
    if not isinstance(input, (Tensor, np.ndarray)) or not isinstance(other, (Tensor, np.ndarray)):
        raise TypeError("matmul: both operands must be tensors or arrays, not numbers")
    a, b = (t if isinstance(t, Tensor) else Tensor._wrap(t) for t in (input, other))
    if a._array.dtype != b._array.dtype:
        raise OpError(
            f"matmul: both operands must have the same dtype (as in torch), got {a._array.dtype} "
            f"(shape {a.shape}) and {b._array.dtype} (shape {b.shape}); convert one with .to(dtype)"
        )
    return apply(MatMul, a, b)


def _matrix_operands(name, input, other, ranks, what):
    """Both operands as tensors of the ranks torch's ``name`` needs, with one dtype (no promotion, as torch)."""
    for t in (input, other):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: both operands must be tensors, got {type(t).__name__}")
    if (input._array.ndim, other._array.ndim) != ranks:
        raise OpError(
            f"{name}: expected {what}, got a {input._array.ndim}-D tensor of shape {tuple(input.shape)} and a "
            f"{other._array.ndim}-D tensor of shape {tuple(other.shape)}"
        )
    if input._array.dtype != other._array.dtype:
        raise OpError(
            f"{name}: both operands must have the same dtype (as in torch), got {input._array.dtype} "
            f"(shape {tuple(input.shape)}) and {other._array.dtype} (shape {tuple(other.shape)}); "
            "convert one with .to(dtype)"
        )
    return input, other


def _size_mismatch(name, input, other, detail):
    return OpError(f"{name}: shapes {tuple(input.shape)} and {tuple(other.shape)} cannot be multiplied ({detail})")


def mm(input, mat2):
    """Matrix product of two 2-D tensors, (n, m) @ (m, p) -> (n, p); no broadcasting (see matmul)."""
    a, b = _matrix_operands("mm", input, mat2, (2, 2), "two 2-D tensors (matrices)")
    if a.shape[1] != b.shape[0]:
        raise _size_mismatch("mm", a, b, f"inner dimensions {a.shape[1]} and {b.shape[0]} differ")
    return apply(la.Mm, a, b)


def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors, (b, n, m) @ (b, m, p) -> (b, n, p); the batch sizes must
    be equal (no broadcasting, as torch.bmm)."""
    a, b = _matrix_operands("bmm", input, mat2, (3, 3), "two 3-D tensors (batches of matrices)")
    if a.shape[0] != b.shape[0]:
        raise _size_mismatch("bmm", a, b, f"batch sizes {a.shape[0]} and {b.shape[0]} differ")
    if a.shape[2] != b.shape[1]:
        raise _size_mismatch("bmm", a, b, f"inner dimensions {a.shape[2]} and {b.shape[1]} differ")
    return apply(la.Bmm, a, b)


def mv(input, vec):
    """Matrix-vector product, (n, m) @ (m,) -> (n,)."""
    a, b = _matrix_operands("mv", input, vec, (2, 1), "a 2-D tensor (matrix) and a 1-D tensor (vector)")
    if a.shape[1] != b.shape[0]:
        raise _size_mismatch("mv", a, b, f"the matrix has {a.shape[1]} columns, the vector {b.shape[0]} elements")
    return apply(la.Mv, a, b)


def dot(input, tensor):
    """Dot product of two 1-D tensors of the same size: a 0-d tensor."""
    a, b = _matrix_operands("dot", input, tensor, (1, 1), "two 1-D tensors")
    if a.shape[0] != b.shape[0]:
        raise _size_mismatch("dot", a, b, f"{a.shape[0]} and {b.shape[0]} elements: expected the same number")
    return apply(la.Dot, a, b)


def inner(input, other):
    """Inner product over the last dims (torch.inner): dot for 1-D tensors, a product with a number for 0-d
    ones, else ``matmul(input, other.mT)`` with the leading dims of both kept."""
    a, b = _promote(input, other)
    if a._array.ndim == 0 or b._array.ndim == 0:
        return mul(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise _size_mismatch("inner", a, b, f"last dimensions {a.shape[-1]} and {b.shape[-1]} differ")
    if b._array.ndim == 1:
        return matmul(a, b)
    flat = b.reshape(-1, b.shape[-1])
    out = matmul(a, flat.transpose(0, 1))
    return out.reshape(*a.shape[:-1], *b.shape[:-1])


def outer(input, vec2):
    """Outer product of two 1-D tensors, (n,) x (m,) -> (n, m); dtypes are promoted (as torch.outer)."""
    for t in (input, vec2):
        if not isinstance(t, Tensor):
            raise TypeError(f"outer: both operands must be tensors, got {type(t).__name__}")
    if input._array.ndim != 1 or vec2._array.ndim != 1:
        raise OpError(f"outer: expected two 1-D tensors, got shapes {tuple(input.shape)} and {tuple(vec2.shape)}")
    a, b = _promote(input, vec2)
    if a._array.dtype != b._array.dtype:
        dtype = np.result_type(a._array.dtype, b._array.dtype)
        a, b = astype(a, dtype), astype(b, dtype)
    return apply(la.Outer, a, b)


ger = outer


def astype(input, dtype):
    """The tensor in another dtype; differentiable between floating dtypes."""
    dtype = dtypes.check_dtype("astype", dtype)
    if input._array.dtype == dtype:
        return input
    if input.requires_grad and dtype.kind != "f":
        return Tensor._wrap(input._array.astype(dtype))
    return apply(ew.Cast, input, dtype=dtype)


def _compare(ufunc, name):
    def fn(input, other):
        if _is_int(other) or _is_int(input):
            input, other = _fit_ints(name, input, other)
        a, b = _promote(input, other)
        a_data = a._array if isinstance(a, Tensor) else a
        b_data = b._array if isinstance(b, Tensor) else b
        try:
            return Tensor._wrap(np.asarray(ufunc(a_data, b_data)))
        except ValueError:
            raise OpError(f"{name}: shapes {np.shape(a_data)} and {np.shape(b_data)} are not broadcastable") from None

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} comparison: a bool tensor without gradient."
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = less = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = greater = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")


def _logical(ufunc, name):
    def fn(input, other):
        a = input._array if isinstance(input, Tensor) else np.asarray(input)
        b = other._array if isinstance(other, Tensor) else np.asarray(other)
        if a.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(f"{name}: needs bool or integer tensors, got {a.dtype} and {b.dtype}")
        return Tensor._wrap(np.asarray(ufunc(a, b)))

    return fn


logical_and = bitwise_and = _logical(np.bitwise_and, "and")
logical_or = bitwise_or = _logical(np.bitwise_or, "or")
logical_xor = bitwise_xor = _logical(np.bitwise_xor, "xor")


def logical_not(input):
    if input._array.dtype.kind not in "biu":
        raise TypeError(f"not: needs a bool or integer tensor, got {input._array.dtype}")
    return Tensor._wrap(np.asarray(np.invert(input._array)))


def isnan(input):
    return Tensor._wrap(np.isnan(input._array))


def isfinite(input):
    return Tensor._wrap(np.isfinite(input._array))


def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True if the two tensors agree elementwise within atol + rtol * |other|."""
    a = input._array if isinstance(input, Tensor) else np.asarray(input)
    b = other._array if isinstance(other, Tensor) else np.asarray(other)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isinf(input):
    """True where the element is +inf or -inf: a bool tensor without gradient."""
    return Tensor._wrap(np.isinf(input._array))


def round(input, *, decimals=0):
    """Round half to even, to ``decimals`` decimal places (negative: to tens, hundreds...); gradient 0."""
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an int, got {decimals!r} ({type(decimals).__name__})")
    if decimals != 0 and input._array.dtype.kind != "f":
        raise OpError(f"round: decimals={decimals} needs a floating point tensor, got dtype {input._array.dtype}")
    return apply(ew.Round, input, decimals=int(decimals))


remainder = _binary(ew.Remainder)
remainder.__doc__ = """a - b * floor(a / b) with broadcasting: the sign of the divisor, as Python's % (torch.remainder);
the gradient is 1 for ``input`` and -floor(input / other) for ``other``."""


def floor_divide(input, other):
    """floor(input / other) with broadcasting and torch's promotion (Python's // semantics); no gradient
    (torch has no derivative for it either). Integer division by zero is an error, as torch's."""
    if _is_int(other) or _is_int(input):
        input, other = _fit_ints("floor_divide", input, other)
    a, b = _promote(input, other)
    a_data = a._array if isinstance(a, Tensor) else a
    b_data = b._array if isinstance(b, Tensor) else b
    return Tensor._wrap(ew.floor_divide_values(a_data, b_data))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (defaults: 0 and the dtype's largest and
    lowest finite values); the gradient flows at the finite elements only."""
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))):
            raise TypeError(f"nan_to_num: {name} must be a number or None, got {v!r} ({type(v).__name__})")
    return apply(ew.NanToNum, input, nan=float(nan), posinf=posinf, neginf=neginf)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where the bool ``mask`` is True (mask and input broadcast); ``value`` is a
    number or a 0-d tensor (its gradient is the sum of the incoming gradient over the mask)."""
    mask_data = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if mask_data.dtype != np.bool_:
        raise OpError(f"masked_fill: only boolean masks are supported, got a mask of dtype {mask_data.dtype}")
    if isinstance(value, Tensor):
        if value._array.ndim != 0:
            raise OpError(
                f"masked_fill: the value must be a number or a 0-dimensional tensor, got shape {tuple(value.shape)}"
            )
    elif isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        value = Tensor._wrap(np.asarray(value))
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return apply(ew.MaskedFill, input, value, mask=np.array(mask_data, copy=True))


def einsum(equation, *operands):
    """torch.einsum: the sum of products the equation describes (``'ij,jk->ik'``; ``'...'`` for broadcast
    dims; without ``->`` the output is the letters used once, alphabetically). Operands may also be given
    as one list. All operands must have one dtype, as torch's."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise OpError("einsum: must provide at least one operand")
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum: operand {i} must be a Tensor, got {type(t).__name__}")
    dtypes_seen = {t._array.dtype for t in operands}
    if len(dtypes_seen) > 1:
        raise OpError(
            f"einsum: all operands must have the same dtype (as torch's), got {[str(t._array.dtype) for t in operands]}"
        )
    terms, out = la.parse_einsum(equation, [t._array.shape for t in operands])
    return apply(la.Einsum, *operands, terms=terms, out=out)
