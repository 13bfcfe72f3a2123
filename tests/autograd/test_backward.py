"""Tensor.backward and autograd_lite.grad: accumulation, seeds, errors, retain_graph, retain_grad, detach,
the iterative engine on deep graphs, and the release of graph memory. All values are hand-computed."""

import gc
import sys
import time
import weakref

import numpy as np
import pytest

import autograd_lite as al


def leaf(values, dtype=None):
    return al.tensor(values, requires_grad=True, dtype=dtype)


# ---- basic backward and accumulation ---------------------------------------------------------------


def test_backward_of_a_sum_of_squares():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0, 3.0])
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    (x * x).sum().backward()  # a new graph: adds 2x
    assert x.grad.tolist() == [5.0, 7.0, 9.0]
    x.grad = None  # what zero_grad(set_to_none=True) does
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_accumulation_does_not_alias_between_leaves():
    # both leaves receive the same upstream gradient array: their .grad must stay independent
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [1.0, 1.0]
    (a * 10).sum().backward()
    assert a.grad.tolist() == [11.0, 11.0]
    assert b.grad.tolist() == [1.0, 1.0]


def test_grad_zero_underscore_then_accumulate():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    x.grad.zero_()
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_only_leaves_that_require_grad_get_grad():
    x = leaf([1.0, 2.0])
    c = al.tensor([10.0, 20.0])
    y = x * c
    y.sum().backward()
    assert x.grad.tolist() == [10.0, 20.0]
    assert c.grad is None
    assert y.grad is None  # a non-leaf keeps no .grad unless retain_grad() was called


def test_same_tensor_used_twice_and_diamond():
    x = leaf(1.5)
    a = x * 2  # 3
    b = a * a  # 9
    c = b + a  # dc/da = 2a + 1 = 7, da/dx = 2
    c.backward()
    assert x.grad.item() == 14.0


def test_diamond_with_unbalanced_paths_runs_each_node_once():
    x = leaf(2.0)
    y = x * x  # 4
    z = y + y * 3  # 4y -> dz/dx = 4 * 2x = 16
    w = z * y  # 4y^2 -> dw/dx = 8y * 2x = 8 * 4 * 4 = 128
    w.backward()
    assert x.grad.item() == 128.0


def test_broadcast_gradients_are_summed_back_to_the_input_shape():
    x = leaf([1.0, 2.0, 3.0])
    m = leaf([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    (x * m).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    assert m.grad.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_grad_dtype_follows_the_leaf():
    x64 = leaf(np.array([1.0, 2.0]))
    (x64 * x64).sum().backward()
    assert x64.grad.dtype == np.float64
    x32 = leaf([1.0, 2.0])
    (x32 * al.tensor(np.array([0.5, 0.25]))).sum().backward()  # float32 * float64 -> float64 graph
    assert x32.grad.dtype == np.float32
    assert x32.grad.tolist() == [0.5, 0.25]


def test_backward_with_a_gradient_argument():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(al.tensor([1.0, 10.0, 100.0]))
    assert x.grad.tolist() == [2.0, 40.0, 600.0]
    z = leaf([1.0, 2.0])
    (z * 3).backward(np.array([1.0, -1.0]))  # an array is accepted too
    assert z.grad.tolist() == [3.0, -3.0]


def test_backward_on_a_one_element_non_scalar_needs_no_gradient():
    x = leaf([[2.0]])
    (x * x).backward()
    assert x.grad.tolist() == [[4.0]]


def test_backward_on_a_leaf_seeds_its_own_grad():
    x = leaf(3.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_non_scalar_backward_without_gradient_raises_naming_the_shape():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2, 3\)"):
        (x * 2).backward()
    assert x.grad is None


def test_gradient_of_the_wrong_shape_raises():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"gradient 0 has shape \(2,\) but output 0 has shape \(3,\)"):
        (x * 2).backward(al.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"shape \(3, 1\).*shape \(3,\)"):
        (x * 2).backward(np.ones((3, 1)))
    assert x.grad is None


def test_backward_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match=r"does not require grad"):
        al.tensor([1.0, 2.0]).sum().backward()
    with pytest.raises(RuntimeError, match=r"int64.*integer and bool tensors never require grad"):
        al.tensor([1, 2]).sum().backward()
    with pytest.raises(RuntimeError, match=r"does not require grad"):
        with al.no_grad():
            y = leaf([1.0]) * 2
        y.backward()


# ---- retain_graph ----------------------------------------------------------------------------------


def test_second_backward_through_a_freed_graph_raises():
    x = leaf([1.0, 2.0])
    s = (x * x).sum()
    s.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*retain_graph=True"):
        s.backward()
    assert x.grad.tolist() == [2.0, 4.0]  # unchanged by the failed call


def test_retain_graph_allows_a_second_backward_and_grads_add_up():
    x = leaf([1.0, 2.0])
    s = (x * x).sum()
    s.backward(retain_graph=True)
    s.backward(retain_graph=True)
    assert x.grad.tolist() == [4.0, 8.0]
    s.backward()  # the last one may free
    assert x.grad.tolist() == [6.0, 8.0 + 4.0]
    with pytest.raises(RuntimeError, match="second time"):
        s.backward()


def test_freed_saved_arrays_after_backward():
    x = leaf([1.0, 2.0])
    y = x * x
    node = y.grad_fn
    assert node.x is not None
    y.sum().backward()
    assert node.x is None


def test_retain_graph_keeps_saved_arrays():
    x = leaf([1.0, 2.0])
    y = x * x
    node = y.grad_fn
    y.sum().backward(retain_graph=True)
    assert node.x is not None


def test_saved_output_is_released_after_backward():
    x = leaf(np.ones(100_000))
    e = x.exp()  # saves its output for the vjp
    ref = weakref.ref(e._array)
    s = (e * 2.0).sum()  # mul saves e's array too
    del e
    assert ref() is not None  # alive: the graph holds it
    s.backward()
    assert ref() is None  # freed by backward without retain_graph
    np.testing.assert_allclose(x.grad._array[:3], [2 * np.e] * 3, rtol=1e-6)


# ---- autograd_lite.grad ----------------------------------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    x = leaf([1.0, 2.0, 3.0])
    x.grad = al.tensor([100.0, 100.0, 100.0])
    (g,) = al.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 4.0, 6.0]
    assert isinstance(g, al.Tensor) and not g.requires_grad
    assert x.grad.tolist() == [100.0, 100.0, 100.0]


def test_grad_accepts_a_list_of_inputs_and_non_leaf_inputs():
    x = leaf([1.0, 2.0])
    h = x * 3  # [3, 6]
    y = (h * h).sum()
    gh, gx = al.grad(y, [h, x])
    assert gh.tolist() == [6.0, 12.0]  # 2h
    assert gx.tolist() == [18.0, 36.0]  # 2h * 3
    assert x.grad is None and h.grad is None


def test_grad_stops_at_non_leaf_inputs():
    # as torch: the history behind a non-leaf input is neither run nor freed
    x = leaf([1.0, 2.0])
    h = x.exp()
    y = (h * h).sum()
    (gh,) = al.grad(y, h)
    np.testing.assert_allclose(gh._array, 2 * np.exp([1.0, 2.0]), rtol=1e-6)
    assert h.grad_fn.y is not None  # exp's saved output is still there
    h.sum().backward()  # so the history of h can still be used
    np.testing.assert_allclose(x.grad._array, np.exp([1.0, 2.0]), rtol=1e-6)


def test_grad_with_multiple_outputs_sums_their_contributions():
    x = leaf([1.0, 2.0])
    y1 = (x * x).sum()  # 2x
    y2 = (x * 5).sum()  # 5
    (g,) = al.grad([y1, y2], [x])
    assert g.tolist() == [7.0, 9.0]


def test_grad_with_multiple_inputs():
    a, b = leaf(2.0), leaf(5.0)
    ga, gb = al.grad(a * b + a, (a, b))
    assert (ga.item(), gb.item()) == (6.0, 2.0)


def test_grad_outputs_weight_the_outputs():
    x = leaf([1.0, 2.0])
    y = x * x
    z = x * 10
    (g,) = al.grad([y, z], x, grad_outputs=[al.tensor([1.0, 0.5]), al.tensor([2.0, 0.0])])
    assert g.tolist() == [2.0 * 1 * 1.0 + 10 * 2.0, 2.0 * 2 * 0.5 + 0.0]


def test_grad_non_scalar_output_needs_grad_outputs():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"grad:.*scalar outputs.*shape \(2,\)"):
        al.grad(x * 2, x)


def test_grad_outputs_length_mismatch_raises():
    x = leaf([1.0])
    with pytest.raises(ValueError, match=r"2 grad_outputs for 1 outputs"):
        al.grad(x * 2, x, grad_outputs=[al.tensor([1.0]), al.tensor([1.0])])


def test_grad_unused_input_raises_unless_allow_unused():
    x, u = leaf([1.0, 2.0]), leaf([3.0])
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(1,\)\) was not used.*allow_unused=True"):
        al.grad(y, [x, u], retain_graph=True)
    gx, gu = al.grad(y, [x, u], allow_unused=True)
    assert gx.tolist() == [2.0, 4.0] and gu is None


def test_grad_input_that_does_not_require_grad_raises():
    x = leaf([1.0])
    c = al.tensor([2.0])
    with pytest.raises(RuntimeError, match=r"input 1 does not require grad"):
        al.grad((x * c).sum(), [x, c])


def test_grad_frees_the_graph_unless_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    (g1,) = al.grad(y, x, retain_graph=True)
    (g2,) = al.grad(y, x)
    assert g1.tolist() == g2.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="second time"):
        al.grad(y, x)


def test_grad_is_reachable_as_autograd_grad():
    assert al.autograd.grad is al.grad
    x = leaf(3.0)
    assert al.autograd.grad(x * x, x)[0].item() == 6.0


def test_backward_inputs_restricts_accumulation():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [3.0, 4.0]
    assert b.grad is None


# ---- retain_grad and detach --------------------------------------------------------------------------


def test_retain_grad_keeps_a_non_leaf_grad():
    x = leaf([1.0, 2.0])
    h = x * 2  # [2, 4]
    h.retain_grad()
    y = (h * h).sum()
    y.backward()
    assert h.grad.tolist() == [4.0, 8.0]  # 2h
    assert x.grad.tolist() == [8.0, 16.0]  # 2h * 2


def test_non_leaf_grad_is_none_without_retain_grad():
    x = leaf([1.0, 2.0])
    h = x * 2
    (h * h).sum().backward()
    assert h.grad is None
    assert x.grad.tolist() == [8.0, 16.0]


def test_retained_grad_accumulates_over_retained_backwards():
    x = leaf([1.0])
    h = x * 3
    h.retain_grad()
    y = (h * h).sum()  # dy/dh = 2h = 6
    y.backward(retain_graph=True)
    y.backward()
    assert h.grad.tolist() == [12.0]
    assert x.grad.tolist() == [36.0]


def test_detach_cuts_the_graph():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x.detach()).sum()  # the detached factor is a constant: d/dx = x, not 2x
    y.backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0]


def test_a_detached_tensor_alone_cannot_backward():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).detach().sum().backward()


def test_detach_underscore_turns_a_tensor_into_a_leaf():
    x = leaf([1.0, 2.0])
    h = x * 2
    assert h.detach_() is h
    assert h.is_leaf and not h.requires_grad
    y = (x * h).sum()
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


# ---- the iterative engine and memory -----------------------------------------------------------------


def test_a_chain_of_100000_operations_backpropagates_without_recursion():
    x = leaf(np.array(1.5))
    y = x
    start = time.perf_counter()
    for i in range(50_000):  # 100,000 multiplications by 2 and 0.5: the product is exactly 1
        y = y * 2.0
        y = y * 0.5
    assert sys.getrecursionlimit() < 100_000
    y.backward(retain_graph=True)
    assert x.grad.item() == 1.0
    assert y.item() == 1.5
    (g,) = al.grad(y, x)  # the capture path of the engine is iterative too
    assert g.item() == 1.0
    assert time.perf_counter() - start < 30  # a few seconds normally: catches a quadratic engine
    ref = weakref.ref(y.grad_fn)
    del y  # deallocating the 100,000-node chain must not recurse either
    assert ref() is None


def test_dropping_the_output_releases_the_graph_without_gc():
    x = leaf(np.ones(100_000))
    enabled = gc.isenabled()
    gc.disable()  # reference counting alone must free the graph (no cycles)
    try:
        h = x.exp()
        big = weakref.ref(h._array)
        y = (h * h).sum()
        node = weakref.ref(y.grad_fn)
        inner = weakref.ref(h.grad_fn)
        del h
        assert big() is not None and node() is not None
        del y
        assert node() is None
        assert inner() is None
        assert big() is None
    finally:
        if enabled:
            gc.enable()


def test_dropping_the_output_releases_the_graph_with_gc():
    x = leaf(np.ones(1000))
    h = x.tanh()
    y = (h * x).sum()
    refs = [weakref.ref(y.grad_fn), weakref.ref(h.grad_fn), weakref.ref(h._array)]
    del h, y
    gc.collect()
    assert all(r() is None for r in refs)
    assert x.grad is None  # and the leaf is untouched


def test_backward_then_drop_releases_everything():
    x = leaf(np.ones(1000))
    y = (x.sin() * x).sum()
    node = weakref.ref(y.grad_fn)
    y.backward()
    del y
    assert node() is None
    assert x.grad.shape == (1000,)


# ---- edge cases ----------------------------------------------------------------------------------------


def test_zero_size_tensors_backpropagate():
    x = leaf(np.zeros((0, 3)))
    x.sum().backward()
    assert x.grad.shape == (0, 3)


def test_grad_of_an_input_with_respect_to_itself_and_duplicate_inputs():
    x = leaf([1.0, 2.0])
    assert al.grad(x, x, grad_outputs=al.tensor([3.0, 4.0]))[0].tolist() == [3.0, 4.0]
    g1, g2 = al.grad((x * x).sum(), [x, x])
    assert g1.tolist() == g2.tolist() == [2.0, 4.0]
    (g,) = al.grad((x * x).sum(), x, grad_outputs=[None])  # None means ones for a scalar output
    assert g.tolist() == [2.0, 4.0]
