"""Custom autograd Functions (autograd_lite.autograd.Function), checked by gradcheck and against torch:
each program is written once and run with both libraries."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.autograd import Function, SavedTensorModifiedError
from autograd_lite.testing import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # the parity tests skip; the others run
    torch = None  # type: ignore[assignment]

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
LIBS = ["al", pytest.param("torch", marks=needs_torch)]


def lib_of(name):
    return al if name == "al" else torch


def functions(lib):
    """The same custom Functions written against ``lib``."""

    class ScaledExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            y = x.exp() * k
            ctx.save_for_backward(y)
            ctx.k = k
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y, None

    class MulAdd(lib.autograd.Function):
        """Two outputs: a * b and a + b."""

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b, a + b

        @staticmethod
        def backward(ctx, g1, g2):
            a, b = ctx.saved_tensors
            return g1 * b + g2, g1 * a + g2

    class Cube(lib.autograd.Function):
        """New style: forward without ctx, setup_context."""

        @staticmethod
        def forward(x):
            return x * x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x * x

    class SortLike(lib.autograd.Function):
        """A non-differentiable second output, and grads left unmaterialized."""

        @staticmethod
        def forward(ctx, x):
            idx = (x > 0).long() if hasattr(x, "long") else (x > 0)
            ctx.mark_non_differentiable(idx)
            ctx.set_materialize_grads(False)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            assert g_idx is None
            return None if g is None else g * 2

    return {"ScaledExp": ScaledExp, "MulAdd": MulAdd, "Cube": Cube, "SortLike": SortLike}


def tensor(lib, values, requires_grad=True):
    return lib.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def program_grads(name):
    """Run a few programs through the custom Functions; return every number they produce."""
    lib = lib_of(name)
    fns = functions(lib)
    out = []
    x = tensor(lib, [0.5, -1.0, 2.0])
    y = fns["ScaledExp"].apply(x, 3.0)
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad((g * g).sum(), x)
    out += [y, g, gg]
    a, b = tensor(lib, [1.0, 2.0, 3.0]), tensor(lib, [-1.0, 0.5, 4.0])
    p, s = fns["MulAdd"].apply(a, b)
    (p * s).sum().backward(retain_graph=True)
    out += [a.grad, b.grad]
    (p * 2).sum().backward()  # s unused: its gradient arrives as zeros
    out += [a.grad, b.grad]
    c = fns["Cube"].apply(x * 1.0)
    c.sum().backward()
    out.append(x.grad)
    z = tensor(lib, [1.0, -2.0])
    doubled, idx = fns["SortLike"].apply(z)
    assert not idx.requires_grad
    doubled.sum().backward()
    out.append(z.grad)
    return [np.array(t.detach().numpy()) for t in out]


def test_function_forward_backward_higher_order():
    got = program_grads("al")
    x = np.array([0.5, -1.0, 2.0])
    y = 3 * np.exp(x)
    np.testing.assert_allclose(got[0], y)
    np.testing.assert_allclose(got[1], y)
    np.testing.assert_allclose(got[2], 2 * y * y)  # d/dx sum(y^2) = 2 y y'


@needs_torch
def test_function_matches_torch():
    for mine, theirs in zip(program_grads("al"), program_grads("torch")):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_gradcheck_and_gradgradcheck_through_functions():
    fns = functions(al)
    a, b = tensor(al, [1.0, 2.0, 3.0]), tensor(al, [-1.0, 0.5, 4.0])
    assert gradcheck(lambda u, v: fns["MulAdd"].apply(u, v), (a, b))
    assert gradcheck(lambda u: fns["Cube"].apply(u), (a,))
    assert gradgradcheck(lambda u: fns["ScaledExp"].apply(u, 2.0), (a,))
    assert gradgradcheck(lambda u: fns["Cube"].apply(u), (a,))


def test_ctx_attributes_and_needs_input_grad():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b, n):
            seen["grad_mode"] = al.is_grad_enabled()
            ctx.n = n
            return a * n + b

        @staticmethod
        def backward(ctx, g):
            seen["needs"] = ctx.needs_input_grad
            return g * ctx.n, None, None

    a = tensor(al, [1.0, 2.0])
    b = tensor(al, [3.0, 4.0], requires_grad=False)
    out = Probe.apply(a, b, 5)
    assert out.requires_grad and repr(out.grad_fn) == "<ProbeBackward>"
    assert out.grad_fn.name() == "ProbeBackward" and (out * 2).grad_fn.name() == "MulBackward0"
    assert seen["grad_mode"] is False  # forward runs under no_grad
    out.sum().backward()
    assert seen["needs"] == (True, False, False)
    np.testing.assert_allclose(a.grad.numpy(), [5.0, 5.0])
    # no input requires grad: nothing is recorded
    plain = Probe.apply(b, b, 2)
    assert not plain.requires_grad and plain.grad_fn is None


def test_next_functions_lists_tensor_inputs():
    class Scale(Function):
        @staticmethod
        def forward(ctx, a, k, b):
            return a * k + b

        @staticmethod
        def backward(ctx, g):
            return g, None, g

    a = tensor(al, [1.0])
    b = tensor(al, [2.0], requires_grad=False)
    out = Scale.apply(a * 1.0, 3.0, b)
    (first, i0), (second, i1) = out.grad_fn.next_functions
    assert repr(first) == "<MulBackward>" and second is None and i0 == i1 == 0
    assert first.next_functions[0][0].variable is a
    p, s = functions(al)["MulAdd"].apply(a, a * 2)
    consumer = (p + s).grad_fn
    assert [(repr(n), i) for n, i in consumer.next_functions] == [("<MulAddBackward>", 0), ("<MulAddBackward>", 1)]


def test_wrong_number_of_gradients_names_the_function():
    class TooFew(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    class WrongType(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return 1.0

    a, b = tensor(al, [1.0]), tensor(al, [2.0])
    with pytest.raises(RuntimeError, match="TooFew.backward returned 1 gradient"):
        TooFew.apply(a, b).sum().backward()
    with pytest.raises(TypeError, match="WrongType.backward returned a float"):
        WrongType.apply(a).sum().backward()


def test_extra_none_gradients_are_accepted():
    class Extra(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    a = tensor(al, [1.0])
    Extra.apply(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0])


def test_saved_tensor_changed_in_place_raises():
    fns = functions(al)
    a = tensor(al, [1.0, 2.0]) * 1.0
    b = tensor(al, [3.0, 4.0])
    p, _ = fns["MulAdd"].apply(a, b)
    a.mul_(2)
    with pytest.raises(SavedTensorModifiedError, match="MulAdd"):
        p.sum().backward()
    y = fns["ScaledExp"].apply(b, 1.0)
    y.add_(1)  # the saved output itself
    with pytest.raises(SavedTensorModifiedError, match="ScaledExp"):
        y.sum().backward()


def test_second_backward_without_retain_graph_raises():
    y = functions(al)["ScaledExp"].apply(tensor(al, [1.0]), 1.0)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_output_that_is_an_input_is_a_new_tensor():
    class Identity(Function):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 3

    a = tensor(al, [1.0, 2.0])
    out = Identity.apply(a)
    assert out is not a and out.grad_fn is not None
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("name", LIBS)
def test_mark_dirty(name):
    lib = lib_of(name)

    class AddOneInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            a.add_(1)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = tensor(lib, [1.0, 2.0])
    h = x * 1.0
    out = AddOneInPlace.apply(h)
    assert out is h and out.grad_fn is not None
    (out * out).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 12.0])
    with pytest.raises(RuntimeError, match="leaf"):
        AddOneInPlace.apply(tensor(lib, [1.0]))


@pytest.mark.parametrize("name", LIBS)
def test_materialized_zero_gradients_for_unused_outputs(name):
    lib = lib_of(name)
    seen = []

    class Both(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1.numpy().tolist(), g2.numpy().tolist()))
            return g1 * 2 + g2 * 3

    a = tensor(lib, [1.0, 2.0])
    first, _ = Both.apply(a)
    first.sum().backward()
    assert seen == [([1.0, 1.0], [0.0, 0.0])]
