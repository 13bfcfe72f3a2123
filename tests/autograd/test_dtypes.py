"""dtype rules (as torch): Python floats -> default dtype (float32), ints -> int64, numpy keeps its dtype;
only floating tensors can require grad."""

import numpy as np
import pytest

import autograd_lite as al


@pytest.fixture
def default_float64():
    previous = al.get_default_dtype()
    al.set_default_dtype(al.float64)
    try:
        yield
    finally:
        al.set_default_dtype(previous)


def test_dtype_aliases_are_numpy_dtypes():
    assert al.float32 == np.float32 and al.float64 == np.float64 and al.double == np.float64
    assert al.int64 == np.int64 and al.long == np.int64 and al.int32 == np.int32
    assert al.bool == np.bool_ and al.half == np.float16 and al.uint8 == np.uint8


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, np.float32),
        ([1.0, 2.0], np.float32),
        ([[1.0], [2.5]], np.float32),
        ([1, 2.5], np.float32),  # mixed ints and floats: floating
        (3, np.int64),
        ([1, 2, 3], np.int64),
        (True, np.bool_),
        ([True, False], np.bool_),
        (np.array([1.0, 2.0]), np.float64),  # numpy keeps its dtype
        (np.array([1.0], dtype=np.float32), np.float32),
        (np.array([1, 2], dtype=np.int32), np.int32),
        (np.float64(2.0), np.float64),
    ],
)
def test_inferred_dtype(data, dtype):
    assert al.tensor(data).dtype == dtype


def test_explicit_dtype_wins():
    assert al.tensor([1, 2], dtype=al.float64).dtype == np.float64
    assert al.tensor(np.array([1.5]), dtype=al.float32).dtype == np.float32
    assert al.tensor([1.7, 2.2], dtype=al.int64).tolist() == [1, 2]


def test_default_dtype_is_float32():
    assert al.get_default_dtype() == np.float32


def test_set_default_dtype_changes_what_floats_become(default_float64):
    assert al.get_default_dtype() == np.float64
    assert al.tensor([1.0]).dtype == np.float64
    assert al.tensor(1.0).dtype == np.float64
    assert al.zeros(2).dtype == np.float64
    assert al.arange(0.0, 1.0, 0.5).dtype == np.float64
    assert al.tensor([1]).dtype == np.int64  # ints are not affected
    assert al.tensor(np.array([1.0], dtype=np.float32)).dtype == np.float32  # numpy keeps its dtype


def test_default_dtype_restored_by_fixture():
    # runs after test_set_default_dtype_changes_what_floats_become (file order)
    assert al.get_default_dtype() == np.float32
    assert al.tensor([1.0]).dtype == np.float32


def test_set_default_dtype_refuses_non_floating():
    with pytest.raises(TypeError, match=r"floating.*int64"):
        al.set_default_dtype(al.int64)
    assert al.get_default_dtype() == np.float32


def test_integer_and_bool_tensors_exist():
    i = al.tensor([1, 2, 3])
    b = al.tensor([True, False])
    assert i.dtype == np.int64 and not i.requires_grad
    assert b.dtype == np.bool_ and not b.requires_grad


MESSAGE = r"only floating point tensors can require gradients, got dtype (int64|bool|int32)"


@pytest.mark.parametrize(
    "make",
    [
        lambda: al.tensor([1, 2], requires_grad=True),
        lambda: al.tensor([True], requires_grad=True),
        lambda: al.Tensor([1, 2], requires_grad=True),
        lambda: al.tensor([1, 2]).requires_grad_(),
        lambda: al.tensor([1.5], dtype=al.int32, requires_grad=True),
        lambda: al.zeros(2, dtype=al.int64, requires_grad=True),
        lambda: al.ones(2, dtype=al.bool, requires_grad=True),
        lambda: al.full((2,), 3, requires_grad=True),
        lambda: al.arange(3, requires_grad=True),
        lambda: al.zeros_like(al.tensor([1, 2]), requires_grad=True),
    ],
)
def test_requires_grad_on_integer_or_bool_raises_type_error(make):
    with pytest.raises(TypeError, match=MESSAGE):
        make()


def test_setting_requires_grad_attribute_on_int_raises():
    t = al.tensor([1, 2])
    with pytest.raises(TypeError, match=MESSAGE):
        t.requires_grad = True
    assert not t.requires_grad


def test_every_floating_dtype_can_require_grad():
    for dtype in (al.float16, al.float32, al.float64):
        assert al.tensor([1.0], dtype=dtype, requires_grad=True).requires_grad


def test_int_tensor_arithmetic_promotes_like_torch():
    i = al.tensor([1, 2])
    assert (i + 1).dtype == np.int64
    assert (i * 1.5).dtype == np.float32  # int tensor with Python float -> default float
    assert (i / 2).dtype == np.float32  # true division of ints is floating
    assert (i + al.tensor([0.5, 0.5], dtype=al.float64)).dtype == np.float64
    assert (i + al.tensor([0.5, 0.5])).tolist() == [1.5, 2.5]
