"""The engine checks every vjp result: one gradient per input, a shape that sums down to the input's, a
floating dtype. A broken op fails at backward time with its name and the shapes, not later as a wrong .grad."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.autograd import VJPError
from autograd_lite.ops.base import Op
from autograd_lite.tensor import apply


def _op(vjp_result, name):
    """An op computing 2 * x whose vjp returns ``vjp_result(ctx, g)``."""

    class Broken(Op):
        @staticmethod
        def forward(x):
            return 2 * x, None

        @staticmethod
        def vjp(ctx, g):
            return vjp_result(ctx, g)

    Broken.name = name
    return Broken


def _backward(op, shape=(2,), create_graph=False):
    x = al.ones(*shape, dtype=al.float64, requires_grad=True)
    apply(op, x).sum().backward(create_graph=create_graph)
    return x


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_gradient_of_the_wrong_shape_is_refused(create_graph):
    op = _op(lambda ctx, g: (np.ones(3) if not create_graph else al.ones(3, dtype=al.float64),), "grows")
    with pytest.raises(
        VJPError,
        match=r"vjp of grows returned a gradient of shape \(3,\) for input 0 of "
        r"shape \(2,\)",
    ):
        _backward(op, create_graph=create_graph)


def test_a_vjp_that_forgets_the_tuple_is_refused():
    op = _op(lambda ctx, g: 2 * g, "no_tuple")
    with pytest.raises(
        VJPError,
        match=r"vjp of no_tuple returned a ndarray; expected a tuple with one "
        r"gradient \(or None\) for each of its 1 input\(s\), of shapes \[\(2,\)\]",
    ):
        _backward(op)


def test_a_vjp_with_too_many_gradients_is_refused():
    op = _op(lambda ctx, g: (2 * g, None), "two_for_one")
    with pytest.raises(VJPError, match="vjp of two_for_one returned 2 gradients; expected a tuple"):
        _backward(op)


def test_an_integer_gradient_is_refused():
    op = _op(lambda ctx, g: (np.ones(2, dtype=np.int64),), "integer")
    with pytest.raises(
        VJPError,
        match=r"vjp of integer returned a int64 gradient for input 0 of shape \(2,\); "
        "expected a floating dtype",
    ):
        _backward(op)


def test_a_non_array_gradient_is_refused():
    op = _op(lambda ctx, g: ("gradient",), "text")
    with pytest.raises(VJPError, match="vjp of text returned a str for input 0; expected an array of shape"):
        _backward(op)


def test_broadcast_gradients_are_still_summed_down_and_cast():
    # a vjp may return a gradient that broadcasts to its input (the engine sums it) in another float dtype
    op = _op(lambda ctx, g: (np.full((4, 2, 1, 3), 0.5, dtype=np.float32),), "broadcasting")
    x = _backward(op, shape=(2, 1, 3))
    assert x.grad.shape == (2, 1, 3) and x.grad.dtype == al.float64
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 1, 3), 2.0))


def test_every_registered_op_passes_the_checks_on_a_real_network():
    model = al.nn.Sequential(al.nn.Conv2d(1, 3, 3), al.nn.ReLU(), al.nn.Flatten(), al.nn.Linear(12, 2))
    loss = al.nn.functional.cross_entropy(model(al.randn(2, 1, 4, 4)), al.tensor([0, 1]))
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
