"""matmul / @: registry-driven gradient properties over 1-D, 2-D and batched (broadcast batch dims)
operands, then exact shape rules of the 1-D cases and errors."""

import re

import numpy as np
import pytest
from hypothesis import given
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
    leaf,
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


ENTRIES = [
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
    np.testing.assert_allclose(out.data, np.matmul(a.data, b.data))
    out.backward(np.ones(out_shape))
    assert a.grad.shape == a_shape and b.grad.shape == b_shape


def test_matmul_gradients_by_hand():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    v = leaf([5.0, 6.0])
    out = a @ v
    np.testing.assert_array_equal(out.data, [17.0, 39.0])
    out.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(a.grad.data, [[5.0, 6.0], [50.0, 60.0]])  # outer(g, v)
    np.testing.assert_array_equal(v.grad.data, [31.0, 42.0])  # a^T g
    x, y = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    dot = al.matmul(x, y)
    assert dot.shape == () and float(dot.data) == 32.0
    dot.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(y.grad.data, [1.0, 2.0, 3.0])


def test_batched_matmul_gradient_is_summed_over_broadcast_batch_dims():
    a = leaf(np.ones((3, 2, 2)))
    b = leaf(np.eye(2))  # broadcast over the batch of 3
    (a @ b).sum().backward()
    assert b.grad.shape == (2, 2)
    np.testing.assert_array_equal(b.grad.data, np.full((2, 2), 6.0))
    np.testing.assert_array_equal(a.grad.data, np.ones((3, 2, 2)))


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
    np.testing.assert_array_equal(left.data, [[2.0, 1.0], [4.0, 3.0]])
    np.testing.assert_array_equal(right.data, [[3.0, 4.0], [1.0, 2.0]])
    (left.sum() + 2 * right.sum()).backward()
    np.testing.assert_array_equal(a.grad.data, np.ones((2, 2)) + 2 * np.ones((2, 2)))


def test_matmul_with_a_number_is_a_type_error():
    with pytest.raises(TypeError, match="matmul"):
        al.matmul(leaf([1.0, 2.0]), 2.0)


@pytest.mark.parametrize("other_dtype", ["float64", "int64"])
def test_matmul_of_mixed_dtypes_is_refused_as_in_torch(other_dtype):
    with pytest.raises(
        RuntimeError, match=r"matmul: both operands must have the same dtype.*float32 \(shape \(2, 3\)\)"
    ):
        al.ones(2, 3) @ al.ones(3, 2, dtype=other_dtype)
