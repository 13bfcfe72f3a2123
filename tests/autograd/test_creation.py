"""Creation functions: values, shapes, dtypes, requires_grad, and seeded reproducibility of random draws."""

import numpy as np
import pytest

import autograd_lite as al


def _assert_tensor(t, values, dtype):
    assert isinstance(t, al.Tensor)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t._array, np.asarray(values))
    assert t.shape == np.asarray(values).shape


@pytest.mark.parametrize("fn, fill", [(al.zeros, 0.0), (al.ones, 1.0)])
def test_zeros_ones(fn, fill):
    _assert_tensor(fn(2, 3), np.full((2, 3), fill), np.float32)
    _assert_tensor(fn((2, 3)), np.full((2, 3), fill), np.float32)
    _assert_tensor(fn([4]), np.full((4,), fill), np.float32)
    _assert_tensor(fn(()), np.float32(fill), np.float32)
    _assert_tensor(fn(2, dtype=al.float64), [fill, fill], np.float64)
    _assert_tensor(fn(2, dtype=al.int64), [int(fill)] * 2, np.int64)
    t = fn(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None


def test_empty_has_shape_and_dtype():
    t = al.empty(2, 5)
    assert t.shape == (2, 5) and t.dtype == np.float32
    assert al.empty((3,), dtype=al.float64).dtype == np.float64


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match=r"non-negative.*-1"):
        al.zeros(2, -1)
    with pytest.raises(TypeError, match="sizes must be ints"):
        al.ones(2.5)


def test_full_infers_dtype_from_the_value():
    _assert_tensor(al.full((2,), 3.5), [3.5, 3.5], np.float32)
    _assert_tensor(al.full((2, 1), 7), [[7], [7]], np.int64)
    _assert_tensor(al.full((2,), True), [True, True], np.bool_)
    _assert_tensor(al.full((2,), 7, dtype=al.float64), [7.0, 7.0], np.float64)
    _assert_tensor(al.full(3, 1.0), [1.0, 1.0, 1.0], np.float32)
    assert al.full((2,), 0.5, requires_grad=True).requires_grad


def test_like_functions_follow_the_input():
    base64 = al.tensor(np.array([[1.0, 2.0]]))  # float64
    _assert_tensor(al.zeros_like(base64), [[0.0, 0.0]], np.float64)
    _assert_tensor(al.ones_like(base64), [[1.0, 1.0]], np.float64)
    _assert_tensor(al.full_like(base64, 2.5), [[2.5, 2.5]], np.float64)
    ints = al.tensor([1, 2, 3])
    _assert_tensor(al.zeros_like(ints), [0, 0, 0], np.int64)
    _assert_tensor(al.full_like(ints, 4), [4, 4, 4], np.int64)
    _assert_tensor(al.ones_like(ints, dtype=al.float32), [1.0, 1.0, 1.0], np.float32)
    assert al.empty_like(base64).shape == (1, 2) and al.empty_like(base64).dtype == np.float64
    g = al.zeros_like(base64, requires_grad=True)
    assert g.requires_grad and g.is_leaf
    # the like-functions never share the input's memory or history
    x = al.tensor([1.0, 2.0], requires_grad=True)
    z = al.zeros_like(x * 2)
    assert not z.requires_grad and z.grad_fn is None and not np.shares_memory(z._array, x._array)


def test_arange():
    _assert_tensor(al.arange(5), [0, 1, 2, 3, 4], np.int64)
    _assert_tensor(al.arange(2, 5), [2, 3, 4], np.int64)
    _assert_tensor(al.arange(1, 10, 3), [1, 4, 7], np.int64)
    _assert_tensor(al.arange(5, 0, -2), [5, 3, 1], np.int64)
    _assert_tensor(al.arange(0, 1, 0.25), [0.0, 0.25, 0.5, 0.75], np.float32)
    _assert_tensor(al.arange(3.0), [0.0, 1.0, 2.0], np.float32)
    _assert_tensor(al.arange(3, dtype=al.float64), [0.0, 1.0, 2.0], np.float64)
    assert al.arange(3.0, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="step must be nonzero"):
        al.arange(0, 3, 0)


def test_linspace():
    _assert_tensor(al.linspace(0, 1, 5), [0.0, 0.25, 0.5, 0.75, 1.0], np.float32)
    _assert_tensor(al.linspace(-1, 1, 3, dtype=al.float64), [-1.0, 0.0, 1.0], np.float64)
    _assert_tensor(al.linspace(2, 2, 1), [2.0], np.float32)
    assert al.linspace(0, 1, 0).shape == (0,)
    with pytest.raises(ValueError, match="steps"):
        al.linspace(0, 1, -1)


def test_eye():
    _assert_tensor(al.eye(3), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    _assert_tensor(al.eye(2, 3), [[1, 0, 0], [0, 1, 0]], np.float32)
    _assert_tensor(al.eye(2, dtype=al.float64), [[1, 0], [0, 1]], np.float64)
    assert al.eye(2, requires_grad=True).requires_grad


def test_rand_and_randn_shapes_dtypes_ranges():
    al.manual_seed(0)
    r = al.rand(1000)
    assert r.shape == (1000,) and r.dtype == np.float32
    assert r._array.min() >= 0.0 and r._array.max() < 1.0
    assert 0.4 < r._array.mean() < 0.6
    n = al.randn(20, 50)
    assert n.shape == (20, 50) and n.dtype == np.float32
    assert abs(float(n._array.mean())) < 0.2 and 0.8 < float(n._array.std()) < 1.2
    assert al.randn((2, 3)).shape == (2, 3)
    assert al.rand(2, dtype=al.float64).dtype == np.float64
    assert al.randn(2, requires_grad=True).requires_grad
    assert al.rand(3, requires_grad=True).is_leaf


def test_randint_forms():
    al.manual_seed(1)
    a = al.randint(10, (200,))  # torch's randint(high, size)
    assert a.dtype == np.int64 and a.shape == (200,)
    assert a._array.min() >= 0 and a._array.max() <= 9
    b = al.randint(3, 7, (50, 2))  # randint(low, high, size)
    assert b.shape == (50, 2) and set(b._array.ravel().tolist()) == {3, 4, 5, 6}
    c = al.randint(3, 7, size=(4,))
    assert c.shape == (4,) and c._array.min() >= 3 and c._array.max() < 7
    assert al.randint(5).shape == ()
    assert al.randint(0, 2, (3,), dtype=al.int32).dtype == np.int32
    with pytest.raises(ValueError, match=r"high \(2\) must be greater than low \(5\)"):
        al.randint(5, 2, (3,))


def test_randperm():
    al.manual_seed(2)
    p = al.randperm(10)
    assert p.dtype == np.int64 and p.shape == (10,)
    assert sorted(p.tolist()) == list(range(10))
    assert al.randperm(0).shape == (0,)


@pytest.mark.parametrize(
    "draw",
    [
        lambda: al.rand(5),
        lambda: al.randn(5),
        lambda: al.randint(0, 1000, (5,)),
        lambda: al.randperm(20),
    ],
)
def test_manual_seed_makes_draws_reproducible(draw):
    al.manual_seed(123)
    first = draw().tolist()
    second = draw().tolist()
    al.manual_seed(123)
    assert draw().tolist() == first
    assert draw().tolist() == second  # the whole stream is reproduced, not only the first draw
    assert first != second
    al.manual_seed(124)
    assert draw().tolist() != first


def test_manual_seed_returns_the_generator():
    g = al.manual_seed(5)
    assert g is al.default_generator()
    assert isinstance(g, np.random.Generator)


def test_from_numpy_shares_memory_both_ways():
    arr = np.array([1.0, 2.0, 3.0])
    t = al.from_numpy(arr)
    assert t.dtype == np.float64 and not t.requires_grad
    arr[0] = 10.0
    assert t.tolist() == [10.0, 2.0, 3.0]
    t[1] = 20.0
    assert arr.tolist() == [10.0, 20.0, 3.0]
    assert al.from_numpy(np.array([1, 2], dtype=np.int32)).dtype == np.int32
    with pytest.raises(TypeError, match=r"from_numpy: expected a numpy.ndarray, got list"):
        al.from_numpy([1.0, 2.0])


def test_as_tensor_does_not_copy_a_matching_array():
    arr = np.array([1.0, 2.0], dtype=np.float32)
    t = al.as_tensor(arr)
    assert np.shares_memory(t._array, arr)
    x = al.tensor([1.0])
    assert al.as_tensor(x) is x
    assert al.as_tensor([1, 2]).dtype == np.int64
