"""matmul / @: registry-driven gradient properties over 1-D, 2-D and batched (broadcast batch dims)
operands, then exact shape rules of the 1-D cases and errors."""

import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as hs

import autograd_lite as al
from autograd_lite.ops.base import OpError
from autograd_lite.testing import strategies as st

from _op_registry import (
    FEW,
    Draw,
    OpCase,
    cached_tensors,
    case_ids,
    check_float32,
    check_forward,
    check_gradcheck,
    check_gradgradcheck,
    check_torch,
    torch_counterpart,
    custom,
    dims_over,
    leaf,
    unary,
)


def _matmul_inputs(min_side=0):
    """Operand pairs from st.matmul_shapes; its max_dims counts the batch dims only, so one less than ours."""

    def fn(d, max_dims, max_side):
        a_shape, b_shape = d(st.matmul_shapes(max_dims=max_dims - 1, min_side=min_side, max_side=max_side))
        return Draw(
            (
                d(cached_tensors(a_shape, min_value=-3.0, max_value=3.0)),
                d(cached_tensors(b_shape, min_value=-3.0, max_value=3.0)),
            ),
            {},
        )

    return custom(fn)


def _sized(*dims_of):
    """Operands whose shapes are made of named sizes: ``_sized("nm", "mp")`` draws n, m, p in [0, max_side]
    and gives tensors of shapes (n, m) and (m, p)."""

    def fn(d, max_dims, max_side):
        sizes = {}
        for letters in dims_of:
            for c in letters:
                if c not in sizes:
                    sizes[c] = d(hs.integers(0, max_side))
        tensors = tuple(
            d(cached_tensors(tuple(sizes[c] for c in letters), min_value=-3.0, max_value=3.0)) for letters in dims_of
        )
        return Draw(tensors, {})

    return custom(fn)


def _np_norm(x, p="fro", dim=None, keepdim=False):
    axis = None if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    if x.ndim == 0:
        axis = None
    a = np.abs(x)
    if p in ("fro", 2):
        out = np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdim))
    elif p == np.inf:
        out = np.max(a, axis=axis, keepdims=keepdim)
    elif p == -np.inf:
        out = np.min(a, axis=axis, keepdims=keepdim)
    else:
        out = np.sum(a**p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    return np.asarray(out, dtype=x.dtype)


def _norm_params(orders, nonempty=False):
    def params(shape):
        dim = dims_over(shape, nonempty=nonempty) if shape else hs.sampled_from([None, 0, -1])
        return hs.fixed_dictionaries({"p": hs.sampled_from(orders), "dim": dim, "keepdim": hs.booleans()}).filter(
            lambda q: not (q["p"] == "fro" and isinstance(q["dim"], tuple) and len(q["dim"]) > 2)
        )

    return params


def _np_vector_norm(x, ord=2, dim=None, keepdim=False):
    return _np_norm(x, ord, dim, keepdim)


def _vector_norm_params(shape):
    return hs.fixed_dictionaries(
        {
            "ord": hs.sampled_from([2, 1, 3, 1.5]),
            "dim": dims_over(shape, nonempty=False) if shape else hs.sampled_from([None, 0, -1]),
            "keepdim": hs.booleans(),
        }
    )


def _np_matrix_norm(x, ord=None, dim=None, keepdim=False):
    if ord in (None, "fro"):
        return np.asarray(np.linalg.norm(x, "fro", keepdims=keepdim))
    return np.asarray(np.linalg.norm(x, ord, keepdims=keepdim))


def _distinct_line_sums(draw):
    """Matrices whose absolute row sums and column sums are all distinct (the 1 and inf norms take an
    extreme of those; a tie is a kink that finite differences cannot check)."""
    a = np.abs(draw.tensors[0]._array)
    sums = [a.sum(axis=0), a.sum(axis=1)]
    return all(len(set(np.round(s, 9))) == len(s) for s in sums)


def _matrix_norm_inputs():
    def fn(d, max_dims, max_side):
        shape = (d(hs.integers(1, max_side)), d(hs.integers(1, max_side)))
        x = d(cached_tensors(shape, min_value=-3.0, max_value=3.0, min_magnitude=0.1))
        draw = Draw((x,), {"ord": d(hs.sampled_from([None, "fro", 1, -1, np.inf, -np.inf]))})
        assume(_distinct_line_sums(draw))
        return draw

    return custom(fn)


_EINSUM_EQUATIONS = [
    "ij,jk->ik",
    "ij,jk",  # implicit output
    "bij,bjk->bik",
    "ii->",  # trace
    "ii->i",  # diagonal
    "ij->",
    "ij->ji",
    "i,j->ij",
    "i,i->",
    "ij,ij->ij",
    "iij,jk->ik",
    "...ij,...jk->...ik",
    "i...,i->...",
    "ij,jk,kl->il",  # three operands (optimize)
    "Ab,bA",
]


def _einsum_inputs(d, max_dims, max_side):
    equation = d(hs.sampled_from(_EINSUM_EQUATIONS))
    lhs = equation.split("->")[0]
    sizes = {c: d(hs.integers(0, max_side)) for c in set(lhs) if c.isalpha()}
    batch = tuple(d(hs.lists(hs.integers(1, max_side), max_size=max(max_dims - 2, 0))))
    tensors = []
    for term in lhs.split(","):
        shape = []
        for part in term.split("..."):
            shape.append(tuple(sizes[c] for c in part))
        shape = shape[0] + (batch if "..." in term else ()) + (shape[1] if len(shape) > 1 else ())
        tensors.append(d(cached_tensors(shape, min_value=-3.0, max_value=3.0)))
    return Draw(tuple(tensors), {"equation": equation})


ENTRIES = [
    OpCase(
        "einsum",
        lambda *xs, equation: al.einsum(equation, *xs),
        lambda *xs, equation: np.asarray(np.einsum(equation, *xs)),
        custom(_einsum_inputs),
        torch_fn=lambda torch, *xs, equation: torch.einsum(equation, *xs),
    ),
    OpCase("mm", al.mm, np.matmul, _sized("nm", "mp")),
    OpCase("mm_method", lambda a, b: a.mm(b), np.matmul, _sized("nm", "mp")),
    OpCase("bmm", al.bmm, np.matmul, _sized("bnm", "bmp")),
    OpCase("mv", al.mv, np.matmul, _sized("nm", "m")),
    OpCase("dot", al.dot, lambda a, b: np.asarray(np.dot(a, b)), _sized("n", "n")),
    OpCase("dot_method", lambda a, b: a.dot(b), lambda a, b: np.asarray(np.dot(a, b)), _sized("n", "n")),
    OpCase("outer", al.outer, np.outer, _sized("n", "m")),
    OpCase("ger_method", lambda a, b: a.ger(b), np.outer, _sized("n", "m")),
    OpCase(
        "norm",
        al.norm,
        _np_norm,
        unary(_norm_params([2, "fro", 1, 3]), min_magnitude=0.1, min_value=-3.0, max_value=3.0),
    ),
    OpCase(
        "norm_inf_method",
        lambda x, **p: x.norm(**p),
        _np_norm,
        unary(_norm_params([np.inf, -np.inf], nonempty=True), min_side=1, unique=True, separated=True, positive=True),
    ),
    OpCase(
        "linalg_vector_norm",
        lambda x, **p: al.linalg.vector_norm(x, **p),
        _np_vector_norm,
        unary(_vector_norm_params, min_magnitude=0.1, min_value=-3.0, max_value=3.0),
        torch_fn=lambda torch, x, **p: torch.linalg.vector_norm(x, **p),
    ),
    OpCase(
        "linalg_norm_matrix",
        lambda x, **p: al.linalg.norm(x, **p),
        _np_matrix_norm,
        _matrix_norm_inputs(),
        torch_fn=lambda torch, x, **p: torch.linalg.norm(x, **p),
    ),
    OpCase("matmul", al.matmul, np.matmul, _matmul_inputs()),
    OpCase("matmul_operator", lambda a, b: a @ b, np.matmul, _matmul_inputs(min_side=1)),
    OpCase("matmul_method", lambda a, b: a.matmul(b), np.matmul, _matmul_inputs(min_side=1)),
]


@pytest.mark.parametrize("case", ENTRIES, ids=case_ids)
@given(data=hs.data())
def test_forward_matches_numpy(case, data):
    check_forward(case, data)


@pytest.mark.parametrize("case", ENTRIES, ids=case_ids)
@given(data=hs.data())
def test_gradcheck(case, data):
    check_gradcheck(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if c.gradgrad], ids=case_ids)
@FEW
@given(data=hs.data())
def test_gradgradcheck(case, data):
    check_gradgradcheck(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if c.keeps_float32], ids=case_ids)
@FEW
@given(data=hs.data())
def test_float32_stays_float32(case, data):
    check_float32(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if torch_counterpart(c)], ids=case_ids)
@FEW
@given(data=hs.data())
def test_matches_torch(case, data):
    pytest.importorskip("torch")
    check_torch(case, data)


# ---- exact semantics ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a_shape, b_shape, out_shape",
    [
        ((3,), (3,), ()),  # dot product: a 0-d result
        ((3,), (3, 4), (4,)),  # vector @ matrix: the prepended 1 is removed
        ((2, 3), (3,), (2,)),  # matrix @ vector: the appended 1 is removed
        ((5, 2, 3), (3,), (5, 2)),  # batched matrix @ vector
        ((3,), (5, 3, 4), (5, 4)),  # vector @ batched matrix
        ((2, 1, 2, 3), (4, 3, 2), (2, 4, 2, 2)),  # broadcast batch dims
        ((2, 0), (0, 3), (2, 3)),  # empty inner dim: zeros
    ],
)
def test_matmul_shapes_and_gradient_shapes(a_shape, b_shape, out_shape):
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal(a_shape)), leaf(rng.standard_normal(b_shape))
    out = a @ b
    assert out.shape == out_shape
    np.testing.assert_allclose(out._array, np.matmul(a._array, b._array))
    out.backward(np.ones(out_shape))
    assert a.grad.shape == a_shape and b.grad.shape == b_shape


def test_matmul_gradients_by_hand():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    v = leaf([5.0, 6.0])
    out = a @ v
    np.testing.assert_array_equal(out._array, [17.0, 39.0])
    out.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(a.grad._array, [[5.0, 6.0], [50.0, 60.0]])  # outer(g, v)
    np.testing.assert_array_equal(v.grad._array, [31.0, 42.0])  # a^T g
    x, y = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    dot = al.matmul(x, y)
    assert dot.shape == () and float(dot._array) == 32.0
    dot.backward()
    np.testing.assert_array_equal(x.grad._array, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(y.grad._array, [1.0, 2.0, 3.0])


def test_batched_matmul_gradient_is_summed_over_broadcast_batch_dims():
    a = leaf(np.ones((3, 2, 2)))
    b = leaf(np.eye(2))  # broadcast over the batch of 3
    (a @ b).sum().backward()
    assert b.grad.shape == (2, 2)
    np.testing.assert_array_equal(b.grad._array, np.full((2, 2), 6.0))
    np.testing.assert_array_equal(a.grad._array, np.ones((3, 2, 2)))


@pytest.mark.parametrize(
    "a_shape, b_shape, pattern",
    [
        ((2, 3), (4, 5), "matmul: shapes (2, 3) and (4, 5) cannot be multiplied (inner dimensions 3 and 4 differ)"),
        ((3,), (4,), "matmul: shapes (3,) and (4,) cannot be multiplied"),
        ((2, 3), (2,), "matmul: shapes (2, 3) and (2,) cannot be multiplied"),
        ((), (3,), "matmul: both arguments need at least 1 dimension, got shapes () and (3,)"),
        ((3, 3), (), "matmul: both arguments need at least 1 dimension, got shapes (3, 3) and ()"),
        ((2, 2, 3), (3, 3, 4), "matmul: batch dimensions of shapes (2, 2, 3) and (3, 3, 4) are not broadcastable"),
    ],
)
def test_matmul_errors_name_the_shapes(a_shape, b_shape, pattern):
    a, b = leaf(np.ones(a_shape)), leaf(np.ones(b_shape))
    with pytest.raises(OpError, match=re.escape(pattern)):
        a @ b
    with pytest.raises(OpError, match=re.escape(pattern)):
        al.matmul(a, b)


def test_matmul_with_an_ndarray_on_either_side():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    m = np.array([[0.0, 1.0], [1.0, 0.0]])
    left, right = a @ m, m @ a
    np.testing.assert_array_equal(left._array, [[2.0, 1.0], [4.0, 3.0]])
    np.testing.assert_array_equal(right._array, [[3.0, 4.0], [1.0, 2.0]])
    (left.sum() + 2 * right.sum()).backward()
    np.testing.assert_array_equal(a.grad._array, np.ones((2, 2)) + 2 * np.ones((2, 2)))


def test_matmul_with_a_number_is_a_type_error():
    with pytest.raises(TypeError, match="matmul"):
        al.matmul(leaf([1.0, 2.0]), 2.0)


@pytest.mark.parametrize("other_dtype", ["float64", "int64"])
def test_matmul_of_mixed_dtypes_is_refused_as_in_torch(other_dtype):
    with pytest.raises(
        RuntimeError, match=r"matmul: both operands must have the same dtype.*float32 \(shape \(2, 3\)\)"
    ):
        al.ones(2, 3) @ al.ones(3, 2, dtype=other_dtype)


# ---- mm, bmm, mv, dot, outer: torch's strict shapes and dtypes ---------------------------------------


@pytest.mark.parametrize(
    "fn, a_shape, b_shape, pattern",
    [
        (al.mm, (2,), (2, 2), "mm: expected two 2-D tensors (matrices), got a 1-D tensor of shape (2,)"),
        (al.mm, (2, 3), (2, 3), "mm: shapes (2, 3) and (2, 3) cannot be multiplied (inner dimensions 3 and 2 differ)"),
        (al.bmm, (2, 3), (3, 2), "bmm: expected two 3-D tensors"),
        (al.bmm, (2, 2, 3), (3, 3, 2), "bmm: shapes (2, 2, 3) and (3, 3, 2) cannot be multiplied (batch sizes 2 and 3"),
        (al.bmm, (2, 2, 3), (2, 2, 2), "inner dimensions 3 and 2 differ"),
        (al.mv, (2, 3), (2,), "mv: shapes (2, 3) and (2,) cannot be multiplied"),
        (al.mv, (3,), (3,), "mv: expected a 2-D tensor (matrix) and a 1-D tensor (vector)"),
        (al.dot, (2,), (3,), "dot: shapes (2,) and (3,) cannot be multiplied (2 and 3 elements"),
        (al.dot, (2, 2), (2, 2), "dot: expected two 1-D tensors"),
        (al.outer, (2, 2), (2,), "outer: expected two 1-D tensors, got shapes (2, 2) and (2,)"),
    ],
)
def test_strict_products_refuse_the_shapes_torch_refuses(fn, a_shape, b_shape, pattern):
    with pytest.raises(OpError, match=re.escape(pattern)):
        fn(leaf(np.ones(a_shape)), leaf(np.ones(b_shape)))


def test_strict_products_refuse_mixed_dtypes_but_outer_promotes_as_torch():
    with pytest.raises(OpError, match=r"mm: both operands must have the same dtype.*float32.*float64"):
        al.mm(al.ones(2, 2), al.ones(2, 2, dtype="float64"))
    with pytest.raises(OpError, match="dot: both operands must have the same dtype"):
        al.dot(al.ones(2), al.ones(2, dtype="int64"))
    assert al.outer(al.ones(2), al.ones(3, dtype="float64")).dtype == np.float64
    assert al.outer(al.ones(2, dtype="int64"), al.ones(3)).dtype == np.float32


def test_inner_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for a_shape, b_shape in [((3,), (3,)), ((2, 3), (4, 3)), ((2, 3), (3,)), ((), (2, 2)), ((2, 1, 3), (5, 3))]:
        a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
        got = al.inner(al.tensor(a), al.tensor(b))
        want = torch.inner(torch.tensor(a), torch.tensor(b))
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got._array, want.numpy(), rtol=1e-12)


# ---- norms ---------------------------------------------------------------------------------------


def test_norm_gradient_at_the_zero_vector_is_zero_as_torch():
    for p in (2, "fro", 1, 3, np.inf):
        x = leaf(np.zeros(3))
        al.norm(x, p).backward()
        np.testing.assert_array_equal(x.grad._array, np.zeros(3))
    x = leaf(np.array([[0.0, 0.0], [3.0, 4.0]]))
    al.norm(x, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad._array, [[0.0, 0.0], [0.6, 0.8]])


def test_inf_norm_shares_the_gradient_among_tied_magnitudes_with_their_signs_as_torch():
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, -3.0, 3.0], [2.0, -2.0, 0.5]])
    for p, dim in [(np.inf, None), (np.inf, 1), (-np.inf, 0), (np.inf, 0)]:
        x, t = leaf(values), torch.tensor(values, requires_grad=True)
        al.norm(x, p, dim).sum().backward()
        torch.norm(t, p, dim).sum().backward()
        np.testing.assert_allclose(x.grad._array, t.grad.numpy(), rtol=1e-12)


def test_norm_and_tensor_norm_match_torch_on_every_order():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    values = rng.standard_normal((3, 4))
    for p in ("fro", 2, 1, 0, 3, 0.5, np.inf, -np.inf, -1.0):
        for dim in (None, 1, (0, 1)):
            got = leaf(values).norm(p, dim)
            want = torch.tensor(values).norm(p, dim)
            np.testing.assert_allclose(got._array, want.numpy(), rtol=1e-12, err_msg=f"p={p} dim={dim}")


def test_norm_errors_name_the_op_and_what_was_expected():
    with pytest.raises(OpError, match="norm: expected a floating point tensor as input, got dtype int64"):
        al.norm(al.tensor([1, 2]))
    with pytest.raises(OpError, match=r"linalg.vector_norm: cannot compute the inf norm of an empty tensor"):
        al.linalg.vector_norm(al.zeros(0, 3), np.inf)
    assert al.linalg.vector_norm(al.zeros(0, 3), np.inf, dim=1).shape == (0,)
    with pytest.raises(OpError, match=r"norm: p='nuc'"):
        al.norm(al.ones(2, 2), "nuc")
    with pytest.raises(OpError, match=r"linalg.matrix_norm: ord=2 is not supported .*SVD"):
        al.linalg.norm(al.ones(2, 2), 2)
    with pytest.raises(OpError, match="linalg.norm: if dim is not given but ord is, the input must be 1-D or 2-D"):
        al.linalg.norm(al.ones(2, 2, 2), 1)
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        al.norm(al.ones(2, 2), dim=2)


def test_linalg_norm_dispatch_matches_torch():
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(2).standard_normal((2, 3, 4))
    calls = [
        dict(),
        dict(dim=1),
        dict(dim=(0, 2)),
        dict(ord=1, dim=(2, 1)),
        dict(ord=np.inf, dim=(0, 1), keepdim=True),
        dict(ord=3, dim=-1, keepdim=True),
    ]
    for kwargs in calls:
        got = al.linalg.norm(al.tensor(values), **kwargs)
        want = torch.linalg.norm(torch.tensor(values), **kwargs)
        assert got.shape == tuple(want.shape), kwargs
        np.testing.assert_allclose(got._array, want.numpy(), rtol=1e-12, err_msg=str(kwargs))
    vec = values[0, 0]
    for ord in (1, np.inf, -np.inf, 0):
        np.testing.assert_allclose(
            al.linalg.norm(al.tensor(vec), ord)._array, torch.linalg.norm(torch.tensor(vec), ord).numpy(), rtol=1e-12
        )
    np.testing.assert_allclose(
        al.linalg.matrix_norm(al.tensor(values), -1)._array,
        torch.linalg.matrix_norm(torch.tensor(values), -1).numpy(),
        rtol=1e-12,
    )


def test_einsum_errors_name_the_equation_and_shapes():
    a, b = al.ones(2, 3), al.ones(4, 5)
    with pytest.raises(OpError, match=r"einsum: subscript j has size 4 in operand 1 \(shape \(4, 5\)\) but 3"):
        al.einsum("ij,jk->ik", a, b)
    with pytest.raises(OpError, match="einsum: the equation 'ij,jk' names 2 operand"):
        al.einsum("ij,jk", a)
    with pytest.raises(OpError, match=r"einsum: operand 0 has 2 dims \(shape \(2, 3\)\), but its subscripts 'ijk'"):
        al.einsum("ijk", a)
    with pytest.raises(OpError, match="einsum: output subscript j appears more than once"):
        al.einsum("ij->jj", a)
    with pytest.raises(OpError, match="einsum: all operands must have the same dtype"):
        al.einsum("ij,jk", a, al.ones(3, 2, dtype="float64"))
    assert al.einsum("i,j", [al.ones(2), al.ones(3)]).shape == (2, 3)  # operands as one list, as torch
