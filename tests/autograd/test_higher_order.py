"""Higher-order derivatives: create_graph=True records the backward pass so it can be differentiated again."""

import numpy as np
import pytest

import autograd_lite as al


def leaf(values):
    return al.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def second_derivative(fn, x):
    (g,) = al.grad(fn(x).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = al.grad(g.sum(), x)
    return g, h


def test_second_derivative_of_tanh():
    xs = np.array([-2.0, -0.3, 0.0, 0.5, 1.7])
    x = leaf(xs)
    g, h = second_derivative(lambda t: t.tanh(), x)
    t = np.tanh(xs)
    np.testing.assert_allclose(g._array, 1 - t * t, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h._array, -2 * t * (1 - t * t), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "fn, d2",
    [
        (lambda x: x.sin(), lambda x: -np.sin(x)),
        (lambda x: x.cos(), lambda x: -np.cos(x)),
        (lambda x: x.exp(), np.exp),
        (lambda x: x.log(), lambda x: -1 / x**2),
        (lambda x: x.sqrt(), lambda x: -0.25 * x**-1.5),
        (lambda x: x.sigmoid(), lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s)),
        (lambda x: x * x * x, lambda x: 6 * x),
        (lambda x: 1 / x, lambda x: 2 / x**3),
        (lambda x: x**2.5, lambda x: 3.75 * x**0.5),
        # F = (sum_j x_j^2)(sum_i x_i): H_km = 2 d_km T + 2 x_k + 2 x_m, so H 1 = 4 T + 2 n x (T = sum x, n = 4)
        (lambda x: (x * x).sum() * x, lambda x: 4 * x.sum() + 8 * x),
        (lambda x: x.reshape(2, 2).t().reshape(4) ** 3, lambda x: 6 * x),
        (lambda x: x[[0, 0, 3]] ** 2, lambda x: np.array([4.0, 0.0, 0.0, 2.0])),
    ],
    ids=["sin", "cos", "exp", "log", "sqrt", "sigmoid", "cube", "reciprocal", "pow", "coupled", "views", "indexing"],
)
def test_second_derivatives(fn, d2):
    xs = np.array([0.3, 0.9, 1.4, 2.2])
    _, h = second_derivative(fn, leaf(xs))
    np.testing.assert_allclose(h._array, d2(xs), rtol=1e-12)


def test_third_derivative_of_x_to_the_fourth():
    x = leaf(1.5)
    y = x**4
    (g1,) = al.grad(y, x, create_graph=True)
    (g2,) = al.grad(g1, x, create_graph=True)
    (g3,) = al.grad(g2, x)
    assert g1.item() == 4 * 1.5**3 == 13.5
    assert g2.item() == 12 * 1.5**2 == 27.0
    assert g3.item() == 24 * 1.5 == 36.0
    assert not g3.requires_grad


def test_fourth_and_fifth_derivatives():
    x = leaf(2.0)
    d = x**4
    values = []
    for _ in range(4):
        (d,) = al.grad(d, x, create_graph=True)
        values.append(d.item())
    assert values == [32.0, 48.0, 48.0, 24.0]  # 4x^3, 12x^2, 24x, 24
    if d.requires_grad:  # the constant 24 may or may not still be connected to x
        (d5,) = al.grad(d, x, allow_unused=True)
        assert d5 is None or d5.item() == 0.0


def test_mixed_partial_derivative():
    x, y = leaf(2.0), leaf(3.0)
    f = x * x * y * y * y
    gx, gy = al.grad(f, (x, y), create_graph=True)
    assert (gx.item(), gy.item()) == (2 * 2 * 27.0, 3 * 4 * 9.0)
    (gxy,) = al.grad(gx, y, retain_graph=True)
    (gyx,) = al.grad(gy, x)
    assert gxy.item() == gyx.item() == 6 * 2 * 9.0


def test_hessian_of_a_quadratic_form_row_by_row():
    A = al.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    x = leaf([0.5, -1.0])
    f = x @ A @ x
    (g,) = al.grad(f, x, create_graph=True)
    np.testing.assert_array_equal(g._array, [[1 + 1, 2 + 3], [3 + 2, 4 + 4]] @ np.array([0.5, -1.0]))
    rows = [al.grad(g[i], x, retain_graph=True)[0].tolist() for i in range(2)]
    assert rows == [[2.0, 5.0], [5.0, 8.0]]  # A + A^T


def test_hessian_of_a_larger_quadratic_form():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    x = leaf(rng.standard_normal(4))
    f = (x * (al.tensor(a) @ x)).sum()
    (g,) = al.grad(f, x, create_graph=True)
    rows = np.stack([al.grad(g[i], x, retain_graph=True)[0]._array for i in range(4)])
    np.testing.assert_allclose(rows, a + a.T, rtol=1e-13, atol=1e-14)


def test_backward_with_create_graph_gives_a_differentiable_grad():
    x = leaf([1.0, 2.0])
    y = (x**3).sum()
    y.backward(create_graph=True)
    g = x.grad  # 3x^2, with history
    assert g.requires_grad and g.grad_fn is not None
    assert g.tolist() == [3.0, 12.0]
    x.grad = None
    g.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]  # 6x


def test_create_graph_retains_the_graph_by_default():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    (g,) = al.grad(y, x, create_graph=True)
    (g_again,) = al.grad(y, x)  # the first call kept the graph
    assert g.tolist() == g_again.tolist() == [2.0, 4.0]


def test_gradient_penalty():
    # the WGAN-GP pattern: differentiate a function of the gradient
    x = leaf([1.0, 2.0])
    f = (x**3).sum()
    (g,) = al.grad(f, x, create_graph=True)  # 3x^2
    penalty = (g * g).sum()  # 9 sum x^4
    penalty.backward()
    assert x.grad.tolist() == [36.0, 288.0]  # 36 x^3


def test_hessian_vector_product_by_double_backward():
    x = leaf([1.0, 2.0, 3.0])
    v = al.tensor(np.array([1.0, 0.0, -1.0]))
    f = (x * x * x).sum() + (x[0] * x[1])
    (g,) = al.grad(f, x, create_graph=True)
    (hv,) = al.grad((g * v).sum(), x)
    # H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]]
    assert hv.tolist() == [6.0 * 1, 1.0, -18.0]


def test_grad_without_create_graph_cannot_be_differentiated():
    x = leaf([1.0])
    (g,) = al.grad((x * x).sum(), x)
    assert not g.requires_grad and g.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        al.grad(g.sum(), x)


def test_create_graph_leaves_grad_mode_on():
    x = leaf([1.0])
    al.grad((x * x).sum(), x, create_graph=True)
    assert al.is_grad_enabled()
    with al.no_grad():
        y = (x * x).sum()
    assert not y.requires_grad


def test_second_order_grads_accumulate_into_dot_grad():
    x = leaf(3.0)
    y = x**3
    y.backward(create_graph=True)  # x.grad = 3x^2 = 27 (with history)
    y.backward(create_graph=True)  # accumulates: 54
    assert x.grad.item() == 54.0 and x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.backward()  # d/dx 6x^2 = 12x = 36
    assert x.grad.item() == 36.0
