"""autograd_lite.autograd.functional (like torch.autograd.functional): jacobian, hessian, vjp, jvp, hvp, vhp,
with hand-computed results."""

import numpy as np
import pytest

import autograd_lite as al

F = pytest.importorskip("autograd_lite.autograd.functional")

A = np.array([[1.0, 2.0], [3.0, 4.0]])


def t64(values, requires_grad=False):
    return al.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def quadratic_form(x):
    return x @ t64(A) @ x


def test_module_is_reachable_as_an_attribute():
    assert al.autograd.functional is F
    for name in ("jacobian", "hessian", "hvp", "vhp", "vjp", "jvp"):
        assert callable(getattr(F, name))


def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose():
    H = F.hessian(quadratic_form, t64([0.5, -1.0]))
    assert H.shape == (2, 2)
    assert H.tolist() == (A + A.T).tolist() == [[2.0, 5.0], [5.0, 8.0]]
    assert not H.requires_grad


def test_hessian_does_not_depend_on_the_point_for_a_quadratic():
    for point in ([0.0, 0.0], [3.0, -7.0]):
        assert F.hessian(quadratic_form, t64(point)).tolist() == [[2.0, 5.0], [5.0, 8.0]]


def test_hessian_of_a_cubic():
    H = F.hessian(lambda x: (x**3).sum(), t64([1.0, 2.0]))
    assert H.tolist() == [[6.0, 0.0], [0.0, 12.0]]  # diag(6x)


def test_hessian_with_a_matrix_input_has_shape_x_shape_twice():
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    H = F.hessian(lambda m: (m * m).sum(), x)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(H._array.reshape(4, 4), 2 * np.eye(4))


def test_hessian_with_tuple_inputs():
    p, q = t64([1.0, 2.0]), t64([3.0, 4.0, 5.0])
    (Hpp, Hpq), (Hqp, Hqq) = F.hessian(lambda a, b: (a * a).sum() * b.sum(), (p, q))
    assert Hpp.tolist() == [[24.0, 0.0], [0.0, 24.0]]  # 2 sum(q) I
    assert Hpq.tolist() == [[2.0, 2.0, 2.0], [4.0, 4.0, 4.0]]  # 2 p_i
    assert Hqp.tolist() == [[2.0, 4.0]] * 3
    assert Hqq.tolist() == [[0.0] * 3] * 3


def test_hessian_refuses_a_non_scalar_function():
    with pytest.raises(RuntimeError, match=r"one-element.*shape \(2,\)"):
        F.hessian(lambda x: x * x, t64([1.0, 2.0]))


def test_jacobian_of_elementwise_square():
    J = F.jacobian(lambda x: x * x, t64([1.0, 2.0, 3.0]))
    assert J.tolist() == [[2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 6.0]]
    assert not J.requires_grad


def test_jacobian_of_a_linear_map_is_the_matrix():
    J = F.jacobian(lambda x: t64(A) @ x, t64([5.0, -3.0]))
    assert J.tolist() == A.tolist()


def test_jacobian_shapes_for_matrix_input_and_output():
    J = F.jacobian(lambda m: m.t() * 2, t64(np.zeros((2, 3))))
    assert J.shape == (3, 2, 2, 3)
    # out[i, j] = 2 m[j, i]: J[i, j, k, l] = 2 when (k, l) == (j, i)
    np.testing.assert_array_equal(J._array, 2 * np.einsum("il,jk->ijkl", np.eye(3), np.eye(2)))


def test_jacobian_with_tuple_inputs_and_outputs():
    p, q = t64([1.0, 2.0]), t64([3.0, 4.0, 5.0])
    (Jop, Joq), (Jtp, Jtq) = F.jacobian(lambda a, b: (a.sum() * b, a * 2), (p, q))
    assert Jop.tolist() == [[3.0, 3.0], [4.0, 4.0], [5.0, 5.0]]  # d(sum(a) b_i)/da_j = b_i
    assert Joq.tolist() == [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]]  # sum(a) I
    assert Jtp.tolist() == [[2.0, 0.0], [0.0, 2.0]]
    assert Jtq.tolist() == [[0.0] * 3] * 2  # unused input: zeros


def test_jacobian_of_an_output_that_ignores_the_input_is_zero():
    J = F.jacobian(lambda x: t64([1.0, 2.0]) * 3, t64([4.0]))
    assert J.tolist() == [[0.0], [0.0]]


def test_vjp():
    out, g = F.vjp(lambda x: x * x, t64([1.0, 2.0]), t64([1.0, 10.0]))
    assert out.tolist() == [1.0, 4.0]
    assert g.tolist() == [2.0, 40.0]
    assert not out.requires_grad and not g.requires_grad


def test_vjp_of_a_scalar_function_needs_no_v():
    out, g = F.vjp(lambda x: (x * x).sum(), t64([1.0, 2.0]))
    assert out.item() == 5.0 and g.tolist() == [2.0, 4.0]


def test_vjp_with_tuple_inputs():
    out, (ga, gb) = F.vjp(lambda a, b: a * b, (t64([1.0, 2.0]), t64([3.0, 4.0])), t64([1.0, 1.0]))
    assert out.tolist() == [3.0, 8.0]
    assert ga.tolist() == [3.0, 4.0] and gb.tolist() == [1.0, 2.0]


def test_jvp():
    out, jv = F.jvp(lambda x: t64(A) @ x, t64([1.0, 1.0]), t64([1.0, -1.0]))
    assert out.tolist() == [3.0, 7.0]
    assert jv.tolist() == [-1.0, -1.0]  # A (1, -1)


def test_jvp_of_a_non_linear_function():
    out, jv = F.jvp(lambda x: (x**3).sum(), t64([1.0, 2.0]), t64([1.0, 10.0]))
    assert out.item() == 9.0
    assert jv.item() == 3 * 1 + 12 * 10


def test_jvp_needs_v_for_a_non_scalar_input():
    with pytest.raises(RuntimeError, match=r"jvp: v must be given.*shape \(2,\)"):
        F.jvp(lambda x: x * 2, t64([1.0, 2.0]))
    out, jv = F.jvp(lambda x: x * 3, t64(2.0))
    assert jv.item() == 3.0


def test_hvp_and_vhp():
    v = t64([1.0, 10.0])
    out, hv = F.hvp(quadratic_form, t64([0.5, -1.0]), v)
    assert out.item() == 0.5 * 0.5 * 1 + 0.5 * -1 * (2 + 3) + 1 * 4
    assert hv.tolist() == [2.0 + 50.0, 5.0 + 80.0]  # (A + A^T) v
    out2, vh = F.vhp(quadratic_form, t64([0.5, -1.0]), v)
    assert vh.tolist() == hv.tolist()  # symmetric Hessian
    out3, hv3 = F.hvp(lambda x: (x**3).sum(), t64([1.0, 2.0]), v)
    assert hv3.tolist() == [6.0, 120.0]


def test_hvp_refuses_a_non_scalar_function():
    with pytest.raises(RuntimeError, match=r"one-element"):
        F.hvp(lambda x: x * x, t64([1.0, 2.0]), t64([1.0, 1.0]))


def test_create_graph_makes_results_differentiable():
    x = t64([1.0, 2.0], requires_grad=True)
    J = F.jacobian(lambda t: t**3, x, create_graph=True)  # diag(3x^2)
    assert J.requires_grad
    J.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]  # d/dx sum(3x^2)
    x.grad = None
    _, hv = F.hvp(lambda t: (t**3).sum(), x, t64([1.0, 1.0]), create_graph=True)  # 6x
    assert hv.requires_grad
    hv.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_inputs_are_not_modified_and_their_grad_is_untouched():
    x = t64([1.0, 2.0], requires_grad=True)
    F.hessian(lambda t: (t**3).sum(), x)
    F.jacobian(lambda t: t * t, x)
    F.vjp(lambda t: (t * t).sum(), x)
    assert x.grad is None and x.tolist() == [1.0, 2.0] and x.is_leaf


def test_results_do_not_depend_on_grad_mode():
    with al.no_grad():
        H = F.hessian(quadratic_form, t64([0.5, -1.0]))
        J = F.jacobian(lambda x: x * x, t64([1.0, 2.0]))
    assert H.tolist() == [[2.0, 5.0], [5.0, 8.0]]
    assert J.tolist() == [[2.0, 0.0], [0.0, 4.0]]
    assert al.is_grad_enabled()


def test_integer_inputs_are_refused():
    with pytest.raises(TypeError, match=r"input 0 has dtype int64"):
        F.jacobian(lambda x: x * 2, al.tensor([1, 2]))
