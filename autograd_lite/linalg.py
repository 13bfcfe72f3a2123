"""``al.linalg``: norms with torch.linalg's signatures and semantics.

``vector_norm`` is the vector p-norm over any dims (every element when ``dim`` is None); ``matrix_norm``
computes the Frobenius norm and the ±1 / ±inf norms (max/min absolute column/row sums) over two dims;
``norm`` dispatches between the two as ``torch.linalg.norm``. The spectral and nuclear norms (ord ±2,
'nuc'), which need an SVD, are not supported: asking for them is an error naming them.
"""

import numpy as np

from .functions import reduction as _reduction
from .functions.reduction import amax, amin
from .ops.base import DimError, OpError
from .tensor import Tensor

__all__ = ["vector_norm", "matrix_norm", "norm"]


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(sum |x|^ord)^(1/ord) over ``dim`` (None: all elements); ord=inf/-inf: max/min |x|; ord=0: the
    number of non-zeros. The gradient at a zero norm is 0, as torch's."""
    return _reduction.vector_norm("linalg.vector_norm", x, ord, dim, keepdim, dtype)


def _two_dims(name, A, dim):
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise OpError(f"{name}: dim must be a 2-tuple, got {dim!r}")
    ndim = A._array.ndim
    out = []
    for d in dim:
        if not -ndim <= d < ndim:
            raise DimError(
                f"{name}: dim {d} is out of range for a tensor of shape {tuple(A.shape)} "
                f"(expected a dim in [{-ndim}, {ndim - 1}])"
            )
        out.append(d % ndim)
    if out[0] == out[1]:
        raise OpError(f"{name}: dims must be different, got {tuple(dim)}")
    return tuple(out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix norm of ``A`` over the two dims ``dim``: 'fro' (the 2-norm of the entries), 1 / -1
    (max / min absolute column sum), inf / -inf (max / min absolute row sum)."""
    name = "linalg.matrix_norm"
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(A).__name__}")
    if A._array.ndim < 2:
        raise OpError(f"{name}: the input must have at least 2 dimensions, got shape {tuple(A.shape)}")
    rows, cols = _two_dims(name, A, dim)
    if ord == "fro":
        return _reduction.vector_norm(name, A, 2, (rows, cols), keepdim, dtype)
    if isinstance(ord, str) or ord not in (1, -1, np.inf, -np.inf):
        raise OpError(
            f"{name}: ord={ord!r} is not supported (expected 'fro', 1, -1, inf or -inf; "
            "the spectral and nuclear norms need an SVD, which autograd_lite does not provide)"
        )
    summed, over = (rows, cols) if abs(ord) == 1 else (cols, rows)  # column sums for 1, row sums for inf
    sums = _reduction.vector_norm(name, A, 1, summed, True, dtype)
    extreme = (amax if ord > 0 else amin)(sums, over, keepdim=True)
    if not keepdim:
        extreme = extreme.squeeze(max(rows, cols)).squeeze(min(rows, cols))
    return extreme


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm when ``dim`` is an int (or when ``ord`` and ``dim`` are None: the
    2-norm of all elements), a matrix norm when ``dim`` is a 2-tuple (or when ``dim`` is None and ``A`` is
    2-D with ``ord`` given); a 1-D input with ``ord`` given is a vector."""
    name = "linalg.norm"
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(A).__name__}")
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            if isinstance(ord, str):
                raise OpError(f"{name}: ord={ord!r} is a matrix norm, which needs a 2-tuple dim, got {dim}")
            return _reduction.vector_norm(name, A, 2 if ord is None else ord, dim, keepdim, dtype)
        if len(dim) != 2:
            raise OpError(f"{name}: dim must be an int or a 2-tuple, got {dim!r}")
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return _reduction.vector_norm(name, A, 2, None, keepdim, dtype)
    if A._array.ndim == 1 and not isinstance(ord, str):
        return _reduction.vector_norm(name, A, ord, None, keepdim, dtype)
    if A._array.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise OpError(f"{name}: if dim is not given but ord is, the input must be 1-D or 2-D, got shape {tuple(A.shape)}")
