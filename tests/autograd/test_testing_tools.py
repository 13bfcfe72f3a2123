"""autograd_lite.testing: gradcheck, gradgradcheck and the hypothesis strategies."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, strategies as hs

import autograd_lite as al
from autograd_lite.ops.base import Op
from autograd_lite.tensor import apply
from autograd_lite.testing import GradcheckError, gradcheck, gradgradcheck
from autograd_lite.testing import strategies as st


def t64(values, requires_grad=True):
    return al.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# ---- custom ops with deliberately wrong derivatives ----------------------------------------------------


class SquareWrongAtOneElement(Op):
    """x ** 2 whose vjp is right everywhere except at element (1, 2), where it is off by 1."""

    name = "square_wrong_at_one_element"

    @staticmethod
    def forward(x):
        return x * x, None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        grad = 2 * g * x
        bias = np.zeros(x.shape)
        bias[1, 2] = 1.0
        return (grad + bias,)


class MulWrongForSecondInput(Op):
    """a * b with the gradient of b doubled."""

    name = "mul_wrong_for_b"

    @staticmethod
    def forward(a, b):
        return a * b, None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        return g * b, g * a * 2


class CubeConstantSlope(Op):
    """x ** 3 with a correct first derivative but a slope treated as a constant (wrong second derivative)."""

    name = "cube_constant_slope"

    @staticmethod
    def forward(x):
        return x**3, None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        slope = 3 * ctx.xp.data(x) ** 2  # detached from the graph under create_graph: d(slope)/dx lost
        return (g * slope,)


class CubeRight(Op):
    """x ** 3 with a vjp written with the differentiable namespace (right at every order)."""

    name = "cube_right"

    @staticmethod
    def forward(x):
        return x**3, None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        return (g * 3 * x * x,)


# ---- gradcheck -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, inputs",
    [
        (lambda x: x.tanh(), (t64([[0.1, -0.5], [1.2, 2.0]]),)),
        (lambda a, b: (a * b).sum(), (t64([1.0, 2.0, 3.0]), t64([0.5, -1.0, 2.0]))),
        (lambda a, b: a @ b, (t64(np.arange(6.0).reshape(2, 3) / 7), t64(np.ones((3, 2)) / 3))),
        (lambda a, b: (a + b, a * b), (t64([1.0, 2.0]), t64([[3.0], [4.0]]))),  # tuple output, broadcasting
        (lambda a, c: a.exp() * c, (t64([0.1, 0.2]), t64([3.0, 4.0], requires_grad=False))),  # a constant input
    ],
    ids=["tanh", "mul-sum", "matmul", "tuple-output", "constant-input"],
)
def test_gradcheck_accepts_correct_gradients(fn, inputs):
    assert gradcheck(fn, inputs) is True


def test_gradcheck_accepts_a_single_tensor_and_a_right_custom_op():
    assert gradcheck(lambda x: apply(CubeRight, x), t64([0.5, -1.5])) is True


def test_gradcheck_names_the_input_and_the_worst_element():
    x = t64(np.arange(6.0).reshape(2, 3) / 10)
    with pytest.raises(
        GradcheckError,
        match=r"input 0 \(shape \(2, 3\)\).*1 of 6 elements.*worst at index "
        r"\(1, 2\)",
    ):
        gradcheck(lambda t: apply(SquareWrongAtOneElement, t), x)


def test_gradcheck_names_the_wrong_input():
    a, b = t64([1.0, 2.0]), t64([3.0, 4.0])
    with pytest.raises(GradcheckError, match=r"input 1 \(shape \(2,\)\).*2 of 2 elements"):
        gradcheck(lambda p, q: apply(MulWrongForSecondInput, p, q), (a, b))
    # with b constant, only a is checked and its gradient is right
    assert gradcheck(lambda p, q: apply(MulWrongForSecondInput, p, q), (a, b.detach()))


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_refuses_float32_inputs():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"input 0 has dtype float32.*float64.*\.double\(\)"):
        gradcheck(lambda t: t * 2, x)
    y = t64([1.0])
    with pytest.raises(ValueError, match=r"input 1 has dtype float32"):
        gradcheck(lambda p, q: p * q, (y, x))


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda t: t * 2, t64([1.0], requires_grad=False))


def test_gradcheck_leaves_the_inputs_unchanged():
    x = t64([0.3, 0.7])
    gradcheck(lambda t: t.sin(), x)
    assert x.tolist() == [0.3, 0.7] and x.grad is None


# ---- gradgradcheck -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, inputs",
    [
        (lambda x: x.tanh(), (t64([0.1, -0.5, 1.2]),)),
        (lambda x: apply(CubeRight, x), (t64([0.5, -1.5]),)),
        (lambda a, b: (a * b * a).sum(), (t64([1.0, 2.0]), t64([0.5, -1.0]))),
        (lambda a, b: a @ b, (t64([[1.0, 2.0], [3.0, 4.0]]) / 5, t64([[0.5], [-1.0]]))),
    ],
    ids=["tanh", "cube", "mul", "matmul"],
)
def test_gradgradcheck_accepts_correct_second_derivatives(fn, inputs):
    assert gradgradcheck(fn, inputs) is True


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = t64([0.5, -1.5, 2.0])
    assert gradcheck(lambda t: apply(CubeConstantSlope, t), x)  # first order is right
    with pytest.raises(GradcheckError, match=r"input 0"):
        gradgradcheck(lambda t: apply(CubeConstantSlope, t), x)


def test_gradgradcheck_refuses_float32():
    with pytest.raises(ValueError, match="float32"):
        gradgradcheck(lambda t: t * t, al.tensor([1.0], requires_grad=True))


# ---- import hygiene ------------------------------------------------------------------------------------


def _run(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_strategies_without_hypothesis_raise_a_clear_import_error():
    result = _run("""
        import sys
        sys.modules["hypothesis"] = None  # as if hypothesis were not installed
        import autograd_lite.testing
        from autograd_lite.testing import gradcheck  # works without hypothesis
        try:
            import autograd_lite.testing.strategies
        except ImportError as err:
            print("IMPORT-ERROR:", err)
        else:
            print("NO ERROR")
    """)
    assert result.returncode == 0, result.stderr
    assert "IMPORT-ERROR:" in result.stdout
    assert "needs the 'hypothesis' package" in result.stdout and "pip install hypothesis" in result.stdout


def test_autograd_lite_does_not_import_hypothesis():
    result = _run("""
        import sys
        import autograd_lite
        import autograd_lite.testing
        from autograd_lite.testing import gradcheck, gradgradcheck, GradcheckError
        print(sorted(m for m in sys.modules if m == "hypothesis" or m.startswith("hypothesis.")))
        print("autograd_lite.testing.strategies" in sys.modules)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "False"]


def test_strategies_reachable_lazily():
    import autograd_lite.testing as testing

    assert testing.strategies is st


# ---- the strategies produce what they claim ------------------------------------------------------------


@given(st.broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    out = np.broadcast_shapes(*shapes)
    assert np.add(np.add(np.zeros(shapes[0]), np.zeros(shapes[1])), np.zeros(shapes[2])).shape == out


@given(st.matmul_shapes())
def test_matmul_shapes_are_valid_for_matmul(shapes):
    a, b = shapes
    assert len(a) >= 1 and len(b) >= 1
    np.matmul(np.ones(a), np.ones(b))  # raises if the shapes were not valid
    assert (al.tensor(np.ones(a)) @ al.tensor(np.ones(b))).shape == np.matmul(np.ones(a), np.ones(b)).shape


@given(st.tensors(shape=st.shapes(max_dims=3, max_side=3)))
def test_tensors_are_float64_leaves_that_require_grad(x):
    assert isinstance(x, al.Tensor)
    assert x.dtype == np.float64 and x.requires_grad and x.is_leaf
    assert x.ndim <= 3 and all(0 <= n <= 3 for n in x.shape)
    assert np.all(np.isfinite(x._array)) and np.all(np.abs(x._array) <= 10)


@given(st.arrays((4,), positive=True), st.arrays((4,), separated=True, unique=True))
def test_element_options(pos, sep):
    assert np.all(pos >= 0.1)
    assert np.all(sep * 8 == np.round(sep * 8))
    assert len(set(sep.tolist())) == 4


@given(hs.integers(0, 4).flatmap(lambda n: hs.tuples(hs.just(n), st.dims(n))))
def test_dims_are_valid_reduction_axes(case):
    ndim, dim = case
    np.sum(np.zeros((2,) * ndim), axis=dim)  # raises for an invalid axis


@given(st.tensor_tuples(st.broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)))
def test_gradcheck_of_broadcast_multiplication(pair):
    a, b = pair
    assert gradcheck(lambda p, q: p * q, (a, b))
