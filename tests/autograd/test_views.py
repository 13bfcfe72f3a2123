"""Views share memory with their base, as torch's do: writes through any view reach the base and every
sibling view, gradients follow the new values, and view() refuses exactly where torch refuses."""

import os

import numpy as np
import pytest

import autograd_lite as al
import nn
from nn import functional as F

try:
    import torch
except ImportError:  # the parity half of this module skips without torch
    torch = None


def _al_leaf(values):
    return al.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_a_view_sees_an_in_place_change_of_its_base_and_its_gradient_follows():
    x = _al_leaf([1.0, 2.0, 3.0])
    b = x * 1
    v = b[0:2]
    b.mul_(10)
    assert v.tolist() == [10.0, 20.0]
    v.sum().backward()
    assert x.grad.tolist() == [10.0, 10.0, 0.0]


def test_a_write_through_a_view_reaches_the_base_and_its_gradient():
    x, w = _al_leaf([1.0, 2.0, 3.0]), _al_leaf([5.0])
    b = x * 2
    b[1:2].mul_(w)
    assert b.tolist() == [2.0, 20.0, 6.0]
    (b * b).sum().backward()
    assert x.grad.tolist() == [8.0, 400.0, 24.0]  # d/dx of 4x0^2 + 4 w^2 x1^2 + 4x2^2
    assert w.grad.tolist() == [160.0]  # 2 * 20 * 4


def test_linear_and_conv_outputs_view_as_torch_and_take_writes():
    y = F.linear(al.randn(4, 3), al.randn(5, 3), al.randn(5))
    y.view(-1)[0:2].mul_(0)
    assert y[0, 0:2].tolist() == [0.0, 0.0]
    c = nn.Conv2d(1, 2, 3)(al.randn(2, 1, 5, 5))
    flat = c.view(2, -1)
    flat[:, 0:3].mul_(0)
    assert np.all(c.detach().numpy()[:, 0, 0, 0:3] == 0)
    assert np.shares_memory(flat._array, c._array)


def test_view_refuses_a_transposed_tensor_and_contiguous_makes_it_viewable():
    x = al.randn(2, 3)
    with pytest.raises(RuntimeError, match="view: .*not compatible with the tensor's size and stride"):
        x.t().view(6)
    assert x.t().reshape(6).tolist() == x.t().contiguous().view(6).tolist()
    assert not x.t().is_contiguous() and x.is_contiguous() and x.t().contiguous().is_contiguous()


def test_reshape_of_a_non_contiguous_tensor_is_a_copy_as_in_torch():
    x = al.zeros(2, 3)
    flat = x.t().reshape(6)
    flat.add_(1)
    assert x.tolist() == [[0.0] * 3] * 2


def test_detach_shares_memory_and_a_change_through_it_makes_backward_raise():
    x = _al_leaf([1.0, 2.0])
    b = x * 1
    y = b * b
    b.detach().mul_(3)
    assert b.tolist() == [3.0, 6.0]
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_a_view_taken_under_no_grad_cannot_be_changed_with_grad_mode_on():
    x = _al_leaf([1.0, 2.0])
    b = x * 1
    with al.no_grad():
        v = b[0:1]
    with pytest.raises(RuntimeError, match="setitem: this tensor is a view taken under no_grad"):
        v[0] = x[0]


def test_numpy_of_an_op_output_stays_its_memory():
    y = nn.Conv2d(1, 2, 3)(al.randn(2, 1, 5, 5)).detach()
    array = y.numpy()
    y.view(-1).mul_(0)
    assert array.flags.c_contiguous and np.all(array == 0)


def test_ops_return_new_tensors():
    w = al.randn(3, requires_grad=True)
    z = al.tensor(2.0, requires_grad=True)
    for out in (
        w.t(),
        w.T,
        z.t(),
        z.transpose(0, 0),
        F.dropout(w, 0.0),
        F.dropout(w, 0.5, training=False),
        F.pad(w, (0, 0)),
        z.max(0)[0],
        z.min(dim=0).values,
        w.view(3),
        w.reshape(3),
    ):
        assert out is not w and out is not z
    for make in (lambda: w.t(), lambda: F.dropout(w, 0.0), lambda: F.pad(w, (0, 0))):
        out = make()
        (grad,) = al.grad((out * 2).sum() + w.sum(), out)  # the gradient w.r.t. out, not w's
        assert grad.tolist() == [2.0, 2.0, 2.0]
        assert w.requires_grad and w.is_leaf


def test_results_of_elementwise_ops_are_contiguous():
    # a deliberate difference: torch keeps a transposed input's strides for x.t() * 2 and refuses view() there;
    # here every op result counts as row-major, so view() works (and shares memory)
    x = al.randn(2, 3)
    y = x.t() * 2
    assert y.is_contiguous()
    flat = y.view(6)
    flat.mul_(0)
    assert y.tolist() == [[0.0, 0.0]] * 3


def test_t_refuses_more_than_two_dims_as_torch():
    with pytest.raises(RuntimeError, match=r"t: expects a tensor with <= 2 dimensions.*\(2, 3, 4\)"):
        al.randn(2, 3, 4).t()


def test_a_negative_slice_step_is_refused_as_torch():
    with pytest.raises(ValueError, match="step must be greater than zero"):
        al.arange(5)[::-1]


@pytest.mark.parametrize("shape", [(2, -3), (-2,), (-1, -1)])
def test_reshape_refuses_bad_sizes(shape):
    with pytest.raises(RuntimeError, match=r"reshape: .*(invalid shape dimension|only one dimension)"):
        al.zeros(6).reshape(*shape)


# ---- side by side with torch ---------------------------------------------------------------------


def _p_base_then_view(lib, x, w):
    b = x * 1
    v = b[1:3]
    b.mul_(w[0])
    return v.sum() * 2 + b.sum()


def _p_siblings(lib, x, w):
    b = x * 1
    v1, v2 = b[0:2], b[1:3]
    v1.mul_(w[0])
    return (v2 * v2).sum() + b.sum()


def _p_view_of_view(lib, x, w):
    b = (x * 1).reshape(2, 3)
    v = b.t()[1]
    v.add_(w[0:2])
    return (b * b).sum()


def _p_setitem_through_view(lib, x, w):
    b = x[0:4] * 1
    v = b.view(2, 2)
    v[0] = w[0:2]
    return (b * b).sum() + v.sum()


def _p_exp_through_transpose(lib, x, w):
    b = x.reshape(2, 3) * 1
    b.T[0:2].exp_()
    return (b**2).sum()


def _p_base_after_view_write(lib, x, w):
    b = x * 1
    v = b[0:2]
    b.add_(1)
    v.mul_(w[0:2])
    return b.sum() + (v * v).sum()


def _p_unsqueeze_write(lib, x, w):
    b = x * 1
    u = b.unsqueeze(0)
    u[0, 1:2] = w[0:1] * 3
    return (b * x).sum()


def _p_saved_then_changed(lib, x, w):
    b = x * 1
    y = b * b
    b[0:1].add_(w[0:1])
    return y.sum()


def _p_saved_output_then_changed(lib, x, w):
    b = x * 1
    y = b.exp()
    b.add_(1)
    return y.sum() + b.sum()


def _p_inplace_exp_twice(lib, x, w):
    b = x * 1
    b.exp_()
    b.mul_(w[0])
    return b.sum()


def _p_linear_view_write(lib, x, w):
    y = lib.nn.functional.linear(x.reshape(2, 3), w.reshape(2, 3))
    y.view(-1)[0:2].mul_(0)
    return (y * y).sum()


def _p_transpose_view_refused(lib, x, w):
    return (x.reshape(2, 3).t().view(6) * w).sum()


def _p_detach_write(lib, x, w):
    b = x * w
    d = b.detach()
    d[0:1] = 7.0
    return (b * 2).sum()


def _p_constant_factor_then_changed(lib, x, w):
    b = x * 1
    y = b * 3.0 + b / 2.0 + b.reshape(2, 3) @ lib.ones(3, dtype=b.dtype)[:, None] * 0  # none saves b
    b.add_(w)
    return y.sum() + (b * b).sum()


def _p_saved_factor_then_changed(lib, x, w):
    b = x * 1
    y = b * w  # w's gradient needs b
    b.add_(1)
    return y.sum()


def _p_reciprocal_then_changed(lib, x, w):
    b = x * 1
    y = -1.5 / b  # torch: reciprocal (saves its output) times -1.5
    b.clamp_(min=-0.5, max=0.5)
    return y.sum() + (b * w).sum()


def _p_empty_mask_of_a_leaf_then_in_place(lib, x, w):
    picked = x[lib.tensor([False] * 6)]  # index arrays copy: not a view of the leaf
    picked.mul_(2)
    return x.sum() + picked.sum()


PROGRAMS = [
    _p_reciprocal_then_changed,
    _p_empty_mask_of_a_leaf_then_in_place,
    _p_constant_factor_then_changed,
    _p_saved_factor_then_changed,
    _p_base_then_view,
    _p_siblings,
    _p_view_of_view,
    _p_setitem_through_view,
    _p_exp_through_transpose,
    _p_base_after_view_write,
    _p_unsqueeze_write,
    _p_saved_then_changed,
    _p_saved_output_then_changed,
    _p_inplace_exp_twice,
    _p_linear_view_write,
    _p_transpose_view_refused,
    _p_detach_write,
]


def _run(lib, tensor, program, x, w):
    xs, ws = tensor(x), tensor(w)
    try:
        loss = program(lib, xs, ws)
        loss.backward()
    except RuntimeError as err:
        return "raises", str(err)
    return "ok", (
        loss.item(),
        xs.grad.numpy().copy() if xs.grad is not None else None,
        ws.grad.numpy().copy() if ws.grad is not None else None,
    )


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__[3:])
def test_view_and_in_place_programs_match_torch(program):
    import types

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(6), rng.standard_normal(6)
    al_lib = types.SimpleNamespace(nn=nn, ones=al.ones, tensor=al.tensor)
    ours = _run(al_lib, lambda a: al.tensor(a, requires_grad=True), program, x, w)
    theirs = _run(torch, lambda a: torch.tensor(a, requires_grad=True), program, x, w)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "ok":
        assert np.isclose(ours[1][0], theirs[1][0], rtol=1e-12)
        for a, b in zip(ours[1][1:], theirs[1][1:]):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# ---- random programs of views and in-place changes, side by side with torch ----------------------

_STEPS = [
    "slice0",
    "slice1",
    "int",
    "t",
    "transpose",
    "reshape",
    "view",
    "unsqueeze",
    "detach",
    "mul_",
    "add_w",
    "tanh_",
    "clamp_",
    "setitem",
    "zero_",
    "copy_",
    "nograd_add_",
    "square",
]


def _interpret(lib, program, x, w):
    """Run a program (a list of (step, pick, k)) over a pool of tensors; return (status, values)."""
    no_grad = lib.no_grad
    pool = [x * 1]
    for step, pick, k in program:
        for other in pool:
            other.grad_fn  # torch 2.13 rebuilds a stale view's grad_fn lazily and, if asked only by an in-place op,
            # wrongly calls the view a leaf ("a leaf Variable that requires grad..."); asking first avoids that quirk
        t = pool[pick % len(pool)]
        n = t.dim()
        if step in ("slice0", "slice1", "int") and (n == 0 or (step == "slice1" and n < 2)):
            continue
        if step == "int" and t.shape[0] == 0:
            continue
        if step == "slice0":
            size = t.shape[0]
            pool.append(t[k % (size + 1) :])
        elif step == "slice1":
            pool.append(t[:, : k % (t.shape[1] + 1)])
        elif step == "int":
            pool.append(t[k % t.shape[0]])
        elif step == "t" and n <= 2:
            pool.append(t.t())
        elif step == "transpose" and n >= 1:
            pool.append(t.transpose(0, -1))
        elif step == "reshape":
            pool.append(t.reshape(-1))
        elif step == "view":
            pool.append(t.view(-1))
        elif step == "unsqueeze":
            pool.append(t.unsqueeze(k % (n + 1)))
        elif step == "detach":
            pool.append(t.detach())
        elif step == "mul_":
            t.mul_(w[k % 3])
        elif step == "add_w":
            t.add_(w[k % 3] * 0.5)
        elif step == "tanh_":
            t.tanh_()
        elif step == "clamp_":
            t.clamp_(min=-0.5)
        elif step == "setitem" and n >= 1 and t.shape[0] > 0:
            t[k % t.shape[0]] = w[k % 3] * 3
        elif step == "zero_":
            t.zero_()
        elif step == "copy_":
            t.copy_(t * 0.5 + w[k % 3])
        elif step == "nograd_add_":
            with no_grad():
                t.add_(1.0)
        elif step == "square":  # contiguous(): torch may keep a transposed input's layout for t * t (see below)
            pool.append((t * t).contiguous())
    total = 0
    for i, t in enumerate(pool):
        total = total + (t * (i + 1.5)).sum()
    total.backward()
    return (
        [float(total.item())] + [np.asarray(t.detach().numpy()).tolist() for t in pool],
        x.grad.numpy().copy() if x.grad is not None else None,
        w.grad.numpy().copy() if w.grad is not None else None,
    )


def _outcome(lib, tensor, program, x, w):
    try:
        return "ok", _interpret(lib, program, tensor(x), tensor(w))
    except RuntimeError as err:
        return "raises", str(err)


if torch is not None:
    from hypothesis import given, settings, strategies as hs

    _LONG = int(os.environ.get("AL_VIEW_EXAMPLES", "0"))  # e.g. AL_VIEW_EXAMPLES=20000 for a long local run

    @settings(max_examples=_LONG or 300, deadline=None, derandomize=not _LONG)
    @given(hs.lists(hs.tuples(hs.sampled_from(_STEPS), hs.integers(0, 50), hs.integers(0, 50)), max_size=8))
    def test_random_view_and_in_place_programs_match_torch(program):
        import types

        rng = np.random.default_rng(len(program))
        x, w = rng.standard_normal((3, 4)), rng.standard_normal(3)
        al_lib = types.SimpleNamespace(no_grad=al.no_grad)
        ours = _outcome(al_lib, lambda a: al.tensor(a, requires_grad=True), program, x, w)
        theirs = _outcome(torch, lambda a: torch.tensor(a, requires_grad=True), program, x, w)
        assert ours[0] == theirs[0], (ours, theirs)
        if ours[0] == "ok":
            (values, gx, gw), (t_values, t_gx, t_gw) = ours[1], theirs[1]
            assert len(values) == len(t_values)
            for a, b in zip(values, t_values):
                np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-10)
            for a, b in ((gx, t_gx), (gw, t_gw)):
                assert (a is None) == (b is None)
                if a is not None:
                    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_second_order_through_writes_into_views_matches_torch():
    def program(x, w):
        b = x * x
        b[0:2].mul_(w[0:2])
        b.t()[1].exp_()
        return (b * b).sum()

    xs = np.random.default_rng(0).standard_normal((3, 2)) * 0.5
    ws = np.array([0.7, -1.2, 0.3])
    results = []
    for make, grad in (
        (lambda a: al.tensor(a, requires_grad=True), al.grad),
        (lambda a: torch.tensor(a, requires_grad=True), torch.autograd.grad),
    ):
        x, w = make(xs), make(ws)
        gx, gw = grad(program(x, w), (x, w), create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        results.append([gx.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def _grads_wrt_intermediates(lib, tensor, grad):
    """autograd.grad of a view after its own in-place change, w.r.t. its base and the view itself."""
    t1 = tensor(np.array([[0.5, -1.0], [2.0, 3.0]]))
    t2 = t1.clone()
    t3 = t2.unsqueeze(0)
    t3.sub_(t1)
    t5 = t2 * 1
    g_base = grad([t3], [t1, t2], [lib.ones(1, 2, 2, dtype=t1.dtype)], allow_unused=True)
    g_other = grad([t5], [t3], [lib.ones(2, 2, dtype=t1.dtype)], allow_unused=True, retain_graph=True)
    return [None if g is None else g.detach().numpy().copy() for g in g_base + g_other]


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_a_view_changed_in_place_takes_its_history_from_its_base_as_in_torch():
    ours = _grads_wrt_intermediates(al, lambda a: al.tensor(a, requires_grad=True), al.grad)
    theirs = _grads_wrt_intermediates(torch, lambda a: torch.tensor(a, requires_grad=True), torch.autograd.grad)
    assert [g is None for g in ours] == [g is None for g in theirs] == [False, False, True]
    for a, b in zip(ours[:2], theirs[:2]):
        np.testing.assert_array_equal(a, b)


def test_an_in_place_op_whose_other_operand_is_itself_makes_backward_raise_as_torch():
    x = _al_leaf([1.0, 2.0, 3.0, 4.0])
    b = x / 1.0
    v = b.reshape(-1)
    v *= v  # the saved 'other' operand is v itself, now changed
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        b.sum().backward()


def test_an_in_place_op_with_a_partly_overlapping_operand_is_refused_as_torch():
    b = al.zeros(4)
    with pytest.raises(RuntimeError, match=r"add_: unsupported operation: some elements of the other operand"):
        b += b[0]
    with pytest.raises(RuntimeError, match=r"setitem: unsupported operation"):
        b[0:2] = b[1:3]
    b[::2] += b[1::2]  # disjoint elements of one memory: fine, as in torch
    b.mul_(b)  # the same elements: fine
    assert b.tolist() == [0.0] * 4


def test_an_in_place_op_on_the_same_elements_through_two_views_with_size_1_dims_is_fine_as_in_torch():
    x = al.tensor(3.0, requires_grad=True)
    lifted = x.neg()[None]  # stride 0 along its one size-1 dim
    flat = lifted.reshape(-1)  # the same element, another stride for that dim
    flat *= lifted
    assert flat.tolist() == [9.0] and lifted.tolist() == [9.0]


def test_sign_of_a_0d_tensor():
    assert al.sign(al.tensor(-2.0, requires_grad=True)).item() == -1.0


def test_assigning_a_tensor_to_a_view_of_its_own_elements_is_fine_as_in_torch():
    t = al.tensor(-1.0, requires_grad=True).softmax(-1)
    t[None] = t
    assert t.item() == 1.0


def test_writing_nothing_into_an_expanded_view_is_fine_and_writing_something_is_refused():
    t = al.ones(1, 1, 2, requires_grad=True) * 1
    empty = t.expand((0, -1, 2))
    empty.mul_(empty)
    t2 = (al.ones(4) * 1).expand((2, 4))
    t2[al.tensor([], dtype=al.int64), 0] = al.zeros(0)
    with pytest.raises(RuntimeError, match="mul_: this tensor's memory is read-only"):
        t2.mul_(2)


def test_expand_to_the_same_shape_is_a_writeable_view_as_in_torch():
    x = al.ones(2, 3) * 1
    x.expand(2, 3).mul_(3)
    assert x.tolist() == [[3.0] * 3] * 2
