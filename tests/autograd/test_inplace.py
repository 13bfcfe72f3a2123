"""In-place operations: where they are allowed, how they are recorded, and how a saved tensor changed in
place is detected at backward time (never a silently wrong gradient)."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.autograd import SavedTensorModifiedError


def _iadd(t, v):
    t += v


def _isub(t, v):
    t -= v


def _imul(t, v):
    t *= v


def _idiv(t, v):
    t /= v


def _setitem(t, v):
    t[1] = v


def _setitem_slice(t, v):
    t[1:] = v


# (name, in-place update on t with value 2.0, expected result from [1, 2, 3])
UPDATES = [
    ("+=", _iadd, [3.0, 4.0, 5.0]),
    ("-=", _isub, [-1.0, 0.0, 1.0]),
    ("*=", _imul, [2.0, 4.0, 6.0]),
    ("/=", _idiv, [0.5, 1.0, 1.5]),
    ("add_", lambda t, v: t.add_(v), [3.0, 4.0, 5.0]),
    ("sub_", lambda t, v: t.sub_(v), [-1.0, 0.0, 1.0]),
    ("mul_", lambda t, v: t.mul_(v), [2.0, 4.0, 6.0]),
    ("div_", lambda t, v: t.div_(v), [0.5, 1.0, 1.5]),
    ("pow_", lambda t, v: t.pow_(v), [1.0, 4.0, 9.0]),
    ("zero_", lambda t, v: t.zero_(), [0.0, 0.0, 0.0]),
    ("fill_", lambda t, v: t.fill_(v), [2.0, 2.0, 2.0]),
    ("copy_", lambda t, v: t.copy_(al.tensor([v, -v, v])), [2.0, -2.0, 2.0]),
    ("clamp_", lambda t, v: t.clamp_(max=v), [1.0, 2.0, 2.0]),
    ("setitem", _setitem, [1.0, 2.0 * 1, 3.0]),
    ("setitem slice", _setitem_slice, [1.0, 2.0, 2.0]),
]
IDS = [u[0] for u in UPDATES]


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=IDS)
def test_inplace_outside_the_graph_changes_the_array_and_bumps_the_version(name, update, expected):
    t = al.tensor([1.0, 2.0, 3.0])
    array = t._array
    version = t._version
    update(t, 2.0)
    assert t.tolist() == expected
    assert t._array is array  # truly in place: the same memory
    assert t._version > version
    assert t.is_leaf and not t.requires_grad


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=IDS)
def test_inplace_on_a_leaf_under_no_grad_is_allowed(name, update, expected):
    w = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    version = w._version
    with al.no_grad():
        update(w, 2.0)
    assert w.tolist() == expected
    assert w._version > version
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=IDS)
def test_inplace_on_a_leaf_that_requires_grad_raises(name, update, expected):
    w = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad.*no_grad"):
        update(w, 2.0)
    assert w.tolist() == [1.0, 2.0, 3.0]
    assert w.is_leaf and w._version == 0


def test_writes_through_data_are_allowed_anywhere():
    w = al.tensor([1.0, 2.0], requires_grad=True)
    w.data[0] = 5.0  # the escape hatch, as torch's .data: no error, even with grad mode on
    assert w.tolist() == [5.0, 2.0]
    w._array = np.array([7.0, 8.0], dtype=np.float32)
    assert w.tolist() == [7.0, 8.0] and w.requires_grad and w.is_leaf
    (w * w).sum().backward()
    assert w.grad.tolist() == [14.0, 16.0]


def test_views_share_the_version_counter():
    b = al.tensor([[1.0, 2.0], [3.0, 4.0]])
    views = [b.reshape(4), b[0], b[:, 1:], b.t(), b.transpose(0, 1), b.view(2, 2), b.unsqueeze(0)]
    b += 1
    assert all(v._version == 1 for v in views)
    views[1].mul_(2)  # row 0 of b doubles, seen through b and every other view
    assert b.tolist() == [[4.0, 6.0], [4.0, 5.0]]
    assert b._version == 2 and views[0]._version == 2
    assert views[0].tolist() == [4.0, 6.0, 4.0, 5.0]
    assert b.detach()._version == 2  # detach shares the version counter too


# ---- recorded in-place operations on non-leaf tensors ------------------------------------------------


def leaf(values):
    return al.tensor(values, requires_grad=True)


def test_inplace_add_on_a_non_leaf_is_recorded():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y += x
    assert y.tolist() == [3.0, 6.0, 9.0]
    assert not y.is_leaf and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


def test_inplace_mul_on_a_non_leaf_is_recorded():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y *= x  # y = 2x^2
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]


def test_chain_of_recorded_inplace_ops():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.mul_(3).add_(1).pow_(2)  # (3x + 1)^2 -> 6(3x + 1)
    assert y.tolist() == [16.0, 49.0]
    y.sum().backward()
    assert x.grad.tolist() == [24.0, 42.0]


def test_inplace_on_a_constant_with_a_grad_operand_joins_the_graph():
    x = leaf([1.0, 2.0])
    acc = al.zeros(2)
    acc += x * 3
    acc += x * x
    assert not acc.is_leaf and acc.requires_grad
    acc.sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_setitem_on_a_non_leaf_is_recorded():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y[0] = x[1] * 5  # y = [5 x1, 2 x1, 2 x2]
    assert y.tolist() == [10.0, 4.0, 6.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 7.0, 2.0]


def test_augmented_setitem_on_a_non_leaf():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    y[1] += x[0] * 10  # y = [x0, x1 + 10 x0, x2]
    assert y.tolist() == [1.0, 12.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [11.0, 1.0, 1.0]


def test_augmented_setitem_into_a_constant_buffer():
    x = leaf([1.0, 2.0])
    out = al.zeros(3)
    out[0] += x[0] * 2
    out[2] += x[1] * x[1]
    assert out.tolist() == [2.0, 0.0, 4.0]
    out.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("method", ["zero_", "fill_"])
def test_zero_and_fill_on_a_non_leaf_cut_the_gradient(method):
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    getattr(y, method)(*((5.0,) if method == "fill_" else ()))
    (y * x).sum().backward()  # y is now a constant c: d/dx sum(c * x) = c
    expected = [5.0] * 3 if method == "fill_" else [0.0] * 3
    assert y.tolist() == expected
    assert x.grad.tolist() == expected


def test_copy_on_a_non_leaf_sends_the_gradient_to_the_source_only():
    x = leaf([1.0, 2.0])
    s = leaf([7.0, 8.0])
    y = x * 1
    y.copy_(s * 3)
    assert y.tolist() == [21.0, 24.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    assert s.grad.tolist() == [3.0, 3.0]


def test_recorded_inplace_change_of_a_saved_tensor_makes_backward_raise():
    # z saved y; the recorded y += 1 overwrites y's memory, so z's backward must refuse (as torch)
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * y
    y += 1
    assert y.tolist() == [3.0, 5.0]
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()


def test_recorded_inplace_keeps_dtype():
    x = leaf([1.0, 2.0])
    y = x * 1
    y += al.tensor(np.array([0.5, 0.5]))  # float64 operand: y stays float32 (as torch)
    assert y.dtype == np.float32 and y.tolist() == [1.5, 2.5]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


# ---- saved tensors modified in place -------------------------------------------------------------------

INPLACE_MESSAGE = r"modified by an in-place operation.*version 1, expected version 0"


def test_modifying_a_saved_constant_raises_at_backward():
    w = leaf([1.0, 2.0])
    b = al.tensor([3.0, 4.0])
    out = (w * b).sum()  # mul saved b
    b += 1
    with pytest.raises(SavedTensorModifiedError, match=r"gradient of mul \(input 1.*" + INPLACE_MESSAGE):
        out.backward()
    assert w.grad is None
    assert issubclass(SavedTensorModifiedError, RuntimeError)


def test_modifying_a_saved_leaf_under_no_grad_raises_at_backward():
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    with al.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match=INPLACE_MESSAGE):
        loss.backward()


def test_modifying_a_saved_output_raises_at_backward():
    x = leaf([0.5, 1.0])
    e = x.exp()  # exp saves its output
    loss = e.sum()
    e.detach().mul_(2)  # shares memory and version counter
    with pytest.raises(RuntimeError, match=r"gradient of exp \(its output\).*in-place"):
        loss.backward()


@pytest.mark.parametrize(
    "modify",
    [
        lambda b: b.reshape(4).add_(1),
        lambda b: b.view(2, 2).__setitem__((0, 0), 9.0),
        lambda b: b[1].mul_(3),
        lambda b: b[:, 0].zero_(),
        lambda b: b.t().fill_(0.0),
        lambda b: b.unsqueeze(0).sub_(1),
        lambda b: b[0].__setitem__(1, -1.0),
    ],
    ids=["reshape", "view-setitem", "row", "column", "t", "unsqueeze", "row-setitem"],
)
def test_modifying_a_view_of_a_saved_tensor_is_detected(modify):
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    b = al.tensor([[1.0, 1.0], [1.0, 1.0]])
    out = (w * b).sum()
    modify(b)
    with pytest.raises(SavedTensorModifiedError, match="in-place"):
        out.backward()


def test_modifying_the_base_of_a_saved_view_is_detected():
    w = leaf([1.0, 2.0])
    b = al.tensor([1.0, 2.0, 3.0])
    out = (w * b[1:]).sum()  # mul saved a view of b
    b.zero_()
    with pytest.raises(SavedTensorModifiedError, match="in-place"):
        out.backward()


def test_modification_after_backward_is_fine():
    w = leaf([1.0, 2.0])
    b = al.tensor([3.0, 4.0])
    (w * b).sum().backward()
    b += 1
    assert w.grad.tolist() == [3.0, 4.0]


def test_an_unsaved_input_may_be_modified():
    # add saves nothing, so changing its input in place is harmless (as torch)
    w = leaf([1.0, 2.0])
    b = al.tensor([3.0, 4.0])
    out = (w + b).sum()
    b += 1
    out.backward()
    assert w.grad.tolist() == [1.0, 1.0]


# ---- in-place errors ---------------------------------------------------------------------------------


def test_inplace_on_an_expand_view_raises():
    e = al.tensor([1.0, 2.0]).expand(3, 2)
    for update in (lambda: e.add_(1), lambda: e.__setitem__(0, 5.0), lambda: e.zero_(), lambda: _iadd(e, 1)):
        with pytest.raises(RuntimeError, match=r"read-only.*expand.*clone"):
            update()
    assert e.tolist() == [[1.0, 2.0]] * 3


def test_inplace_on_an_expand_view_in_the_graph_raises():
    x = leaf([1.0, 2.0])
    e = (x * 1).expand(3, 2)
    with pytest.raises(RuntimeError, match=r"read-only.*expand"):
        e.add_(1)


def test_inplace_cannot_change_the_shape():
    a = al.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"add_: the result has shape \(2, 2\).*shape \(2,\).*cannot change"):
        a.add_(al.tensor([[1.0], [2.0]]))
    assert a.tolist() == [1.0, 2.0] and a._version == 0


def test_recorded_inplace_cannot_change_the_shape():
    x = leaf([1.0, 2.0])
    y = x * 1
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\).*shape \(2,\).*cannot change"):
        y += al.ones(2, 2)
    assert y.shape == (2,)


def test_broadcasting_into_the_tensor_is_fine():
    a = al.tensor([[1.0, 2.0], [3.0, 4.0]])
    a.add_(al.tensor([10.0, 20.0]))
    assert a.tolist() == [[11.0, 22.0], [13.0, 24.0]]


def test_int_tensor_inplace_with_a_float_raises_type_error():
    i = al.tensor([1, 2])
    with pytest.raises(
        TypeError,
        match=r"add_: a result of dtype float32 cannot be stored in place in a "
        r"tensor of dtype int64",
    ):
        i += 1.5
    with pytest.raises(TypeError, match=r"div_.*float32.*int64"):
        i.div_(2)
    with pytest.raises(TypeError, match=r"mul_.*int64"):
        i.mul_(al.tensor([0.5, 0.5]))
    assert i.tolist() == [1, 2] and i._version == 0
    i += 2  # int with int stays in place
    assert i.tolist() == [3, 4] and i.dtype == np.int64 and i._version == 1


def test_float_tensor_inplace_with_an_int_tensor_keeps_float():
    f = al.tensor([1.0, 2.0])
    f += al.tensor([1, 2])
    assert f.dtype == np.float32 and f.tolist() == [2.0, 4.0]


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_raises():
    w = leaf([1.0, 2.0, 3.0])
    for update in (
        lambda: w[:2].add_(1),
        lambda: w.reshape(3, 1).mul_(2),
        lambda: w[1:].zero_(),
        lambda: w[1:][:1].__setitem__(0, 5.0),
        lambda: _iadd(w.view(3), 1.0),
        lambda: w.unsqueeze(0)[0].fill_(0.0),
    ):
        with pytest.raises(RuntimeError, match=r"view of a leaf tensor that requires grad.*no_grad"):
            update()
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad"):
        w[0] += 1.0  # as torch: refused
    assert w.tolist() == [1.0, 2.0, 3.0] and w._version == 0
    with al.no_grad():
        w[:2].add_(1)  # allowed under no_grad, and seen through the leaf
    assert w.tolist() == [2.0, 3.0, 3.0]


def test_non_view_copies_of_a_leaf_may_be_changed():
    w = leaf([1.0, 2.0, 3.0])
    c = w[[0, 2]]  # advanced indexing copies: not a view
    c.mul_(10)
    assert w.tolist() == [1.0, 2.0, 3.0]
    c.sum().backward()
    assert w.grad.tolist() == [10.0, 0.0, 10.0]


# ---- in-place on a view of a non-leaf is written back into the base (as torch views do) -------------


def test_inplace_on_a_view_of_a_non_leaf_updates_the_base():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    y[:2].mul_(2)
    assert y.tolist() == [2.0, 4.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 1.0]


def test_chained_setitem_on_a_non_leaf():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 1
    y[0][1] = 10.0
    assert y.tolist() == [[1.0, 10.0], [3.0, 4.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [1.0, 1.0]]


def test_inplace_through_transpose_and_reshape_views_reaches_the_base():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 1
    y.T.mul_(3)
    y.reshape(4)[0] = 0.0
    assert y.tolist() == [[0.0, 6.0], [9.0, 12.0]]
    (y * x).sum().backward()
    assert x.grad.tolist() == [[0.0, 12.0], [18.0, 24.0]]


@pytest.mark.parametrize("index", [0, (0, 1)], ids=["1-d", "2-d"])
def test_an_element_selected_with_ints_is_a_view(index):
    b = al.tensor([[1.0, 2.0], [3.0, 4.0]]) if isinstance(index, tuple) else al.tensor([1.0, 2.0, 3.0])
    element = b[index]
    element.zero_()
    assert b[index].item() == 0.0
    assert b._version == 1


def test_changing_a_where_condition_after_forward_never_gives_a_wrong_gradient():
    a = al.tensor([1.0, 2.0], requires_grad=True)
    b = al.tensor([3.0, 4.0], requires_grad=True)
    cond = al.tensor([True, False])
    out = al.where(cond, a, b).sum()
    cond[0] = False
    try:
        out.backward()
    except RuntimeError as err:
        assert "in-place" in str(err)
    else:
        assert a.grad.tolist() == [1.0, 0.0] and b.grad.tolist() == [0.0, 1.0]


def test_changing_an_index_tensor_after_forward_never_gives_a_wrong_gradient():
    a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = al.tensor([0, 0])
    out = a[idx].sum()
    idx[1] = 2
    try:
        out.backward()
    except RuntimeError as err:
        assert "in-place" in str(err)
    else:
        assert a.grad.tolist() == [2.0, 0.0, 0.0]
