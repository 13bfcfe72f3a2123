"""The Tensor API: attributes, conversions, detach, requires_grad handling, repr (hand-computed values)."""

import numpy as np
import pytest

import autograd_lite as al


def test_attributes_of_a_new_tensor():
    t = al.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t, al.Tensor)
    assert al.is_tensor(t) and not al.is_tensor(np.zeros(2))
    assert type(t._array) is np.ndarray
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert t.ndim == 2 and t.dim() == 2
    assert t.size() == (2, 3) and t.size(1) == 3
    assert t.numel() == 6 and al.numel(t) == 6
    assert t.dtype == np.float32
    assert t.grad is None
    assert t.requires_grad is False
    assert t.is_leaf is True
    assert t.grad_fn is None
    assert len(t) == 2
    np.testing.assert_array_equal(t._array, [[1, 2, 3], [4, 5, 6]])


def test_tensor_constructor_class_and_function_agree():
    a = al.Tensor([1.0, 2.0], requires_grad=True)
    b = al.tensor([1.0, 2.0], requires_grad=True)
    for t in (a, b):
        assert t.requires_grad and t.is_leaf and t.grad_fn is None and t.dtype == np.float32
    c = al.Tensor([1, 2], dtype=al.float64)
    assert c.dtype == np.float64 and c.tolist() == [1.0, 2.0]


def test_tensor_copies_its_input_array():
    src = np.array([1.0, 2.0])
    t = al.tensor(src)
    src[0] = 100.0
    assert t.tolist() == [1.0, 2.0]
    u = al.tensor(t)  # from a tensor: a copy too
    u._array[1] = -1.0
    assert t.tolist() == [1.0, 2.0]


def test_result_of_an_op_is_a_non_leaf_in_the_graph():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert y.tolist() == [3.0, 6.0]
    c = al.tensor([1.0, 2.0]) * 3  # no input requires grad: nothing recorded
    assert not c.requires_grad and c.is_leaf and c.grad_fn is None


def test_detach_shares_data_and_leaves_the_graph():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d._array, y._array)
    dx = x.detach()
    dx[0] = 10.0  # allowed: dx does not require grad; x sees it (shared memory)
    assert x.tolist() == [10.0, 2.0, 3.0]
    assert x.requires_grad and y.requires_grad  # the originals are unchanged


def test_numpy_refuses_a_tensor_that_requires_grad():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\)\.numpy\(\)"):
        x.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        (x * 2).numpy()
    arr = x.detach().numpy()
    assert isinstance(arr, np.ndarray) and arr.tolist() == [1.0, 2.0]


def test_numpy_shares_memory_with_a_plain_tensor():
    t = al.tensor([1.0, 2.0])
    arr = t.numpy()
    arr[1] = 7.0
    assert t.tolist() == [1.0, 7.0]


def test_item():
    assert al.tensor(2.5).item() == 2.5
    assert isinstance(al.tensor(2.5).item(), float)
    assert al.tensor([[3]]).item() == 3 and isinstance(al.tensor([[3]]).item(), int)
    x = al.tensor([0.5], requires_grad=True)
    assert x.item() == 0.5  # item() is allowed on tensors that require grad (as torch)
    with pytest.raises(ValueError, match=r"one element.*shape \(2,\)"):
        al.tensor([1.0, 2.0]).item()


def test_tolist():
    assert al.tensor([[1.0, 2.0], [3.5, 4.0]]).tolist() == [[1.0, 2.0], [3.5, 4.0]]
    assert al.tensor([1, 2, 3]).tolist() == [1, 2, 3]
    assert al.tensor(4.0).tolist() == 4.0


def test_python_number_conversions():
    assert float(al.tensor([2.5])) == 2.5
    assert int(al.tensor(7)) == 7
    assert bool(al.tensor(1.0)) is True and bool(al.tensor(0.0)) is False
    with pytest.raises(RuntimeError, match=r"ambiguous"):
        bool(al.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="0-d"):
        len(al.tensor(1.0))
    assert [r.tolist() for r in al.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    assert [10, 20, 30][al.tensor(2)] == 30  # integer tensors index lists (__index__)


def test_requires_grad_underscore_returns_self_and_sets_the_flag():
    t = al.tensor([1.0, 2.0])
    assert t.requires_grad_() is t
    assert t.requires_grad and t.is_leaf
    assert t.requires_grad_(False) is t
    assert not t.requires_grad
    t.requires_grad = True
    assert t.requires_grad


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf():
    x = al.tensor([1.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"leaf.*detach"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    assert y.requires_grad


def test_retain_grad_needs_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        al.tensor([1.0]).retain_grad()
    x = al.tensor([1.0], requires_grad=True)
    x.retain_grad()  # a no-op on a leaf
    y = x * 2
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad


@pytest.mark.parametrize(
    "convert, dtype",
    [
        (lambda t: t.float(), np.float32),
        (lambda t: t.double(), np.float64),
        (lambda t: t.astype(np.float64), np.float64),
        (lambda t: t.astype(al.float32), np.float32),
        (lambda t: t.half(), np.float16),
    ],
)
def test_float_conversions_are_differentiable(convert, dtype):
    for source in (np.float32, np.float64):
        x = al.tensor(np.array([1.5, -2.0], dtype=source), requires_grad=True)
        y = convert(x)
        assert y.dtype == dtype
        (y * y).sum().backward()
        # d/dx sum(x^2) = 2x, returned in the dtype of x
        assert x.grad.dtype == source
        np.testing.assert_array_equal(x.grad._array, [3.0, -4.0])


def test_conversion_to_the_same_dtype_returns_the_tensor_and_to_int_drops_grad():
    x = al.tensor([1.0, 2.7], requires_grad=True)
    assert x.float() is x
    i = x.long()
    assert i.dtype == np.int64 and i.tolist() == [1, 2] and not i.requires_grad
    b = al.tensor([0.0, 2.0]).bool()
    assert b.dtype == np.bool_ and b.tolist() == [False, True]


def test_to_dtype_and_device():
    x = al.tensor([1.0])
    assert x.to("cpu") is x
    assert x.to(al.float64).dtype == np.float64
    assert x.to(dtype=al.float64).dtype == np.float64
    with pytest.raises(ValueError, match="cuda"):
        x.to("cuda")


def test_repr():
    assert repr(al.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(al.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(al.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(al.tensor([1.0], dtype=al.float64)) == "tensor([1.], dtype=float64)"
    x = al.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr(al.tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"


def test_grad_is_a_tensor_without_history():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, al.Tensor)
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    assert x.grad.shape == x.shape and x.grad.dtype == x.dtype


def test_assigning_a_gradient_of_the_wrong_shape_dtype_or_type_is_refused():
    x = al.zeros(2, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"grad: cannot assign a gradient of shape \(3,\) to a tensor of shape \(2,\)"
    ):
        x.grad = al.zeros(3)
    with pytest.raises(
        RuntimeError, match="grad: cannot assign a gradient of dtype float64 to a tensor of dtype float32"
    ):
        x.grad = al.zeros(2, dtype="float64")
    with pytest.raises(TypeError, match="grad: the assigned gradient must be a Tensor or None, got list"):
        x.grad = [1.0, 2.0]
    x.grad = al.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]
    x.grad = None
    assert x.grad is None


def test_pickle_keeps_data_and_requires_grad_and_drops_the_graph():
    import pickle

    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad and y.is_leaf and y.grad is None
    z = pickle.loads(pickle.dumps(x * 3))
    assert z.tolist() == [3.0, 6.0] and z.is_leaf
    conv_out = al.nn.Conv2d(1, 2, 3)(al.randn(1, 1, 4, 4)).detach()
    assert pickle.loads(pickle.dumps(conv_out)).tolist() == conv_out.tolist()
