"""Reductions, max/min in their three forms, logsumexp, softmax, log_softmax: registry-driven gradient
properties, then exact tests of the tie rules, numerical stability and errors."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import autograd_lite as al
from autograd_lite.ops.base import OpError
from autograd_lite.testing import strategies as st

from _op_registry import (
    FEW,
    OpCase,
    case_ids,
    check_float32,
    check_forward,
    check_gradcheck,
    check_gradgradcheck,
    check_method_matches_function,
    check_torch,
    dims_over,
    leaf,
    numpy_axis,
    reduced_count,
    torch_counterpart,
    unary,
)

UNIQUE = {"unique": True, "separated": True}  # no ties (max/min) and no constant slices (std)


def _dim_keepdim(nonempty=True, allow_none=True, allow_tuple=True):
    def params(shape):
        return hs.fixed_dictionaries(
            {
                "dim": dims_over(shape, allow_none=allow_none, allow_tuple=allow_tuple, nonempty=nonempty),
                "keepdim": hs.booleans(),
            }
        )

    return params


def _int_dim(shape, nonempty=True):
    return dims_over(shape, allow_none=False, allow_tuple=False, nonempty=nonempty)


def _variance_params(min_count):
    """dim/keepdim plus the Bessel correction as ``correction=`` or ``unbiased=``, with more elements
    reduced together than the correction (otherwise the result is inf/nan)."""

    @hs.composite
    def draw(d, shape):
        dim = d(dims_over(shape).filter(lambda dm: reduced_count(shape, dm) >= min_count))
        n = reduced_count(shape, dim)
        params = {"dim": dim, "keepdim": d(hs.booleans())}
        style = d(hs.sampled_from(["default", "correction", "unbiased"]))
        if style == "correction":
            params["correction"] = d(hs.integers(0, min(2, n - 1)))
        elif style == "unbiased":
            params["unbiased"] = d(hs.booleans()) if n > 1 else False
        elif n == 1:
            params["correction"] = 0
        return params

    return lambda shape: draw(shape)


def _ddof(unbiased=None, correction=None):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _np_var(x, dim=None, keepdim=False, unbiased=None, correction=None):
    return np.var(x, axis=numpy_axis(dim, x.ndim), ddof=_ddof(unbiased, correction), keepdims=keepdim)


def _np_std(x, dim=None, keepdim=False, unbiased=None, correction=None):
    return np.std(x, axis=numpy_axis(dim, x.ndim), ddof=_ddof(unbiased, correction), keepdims=keepdim)


def _reducer(fn):
    return lambda x, dim=None, keepdim=False: fn(x, axis=numpy_axis(dim, x.ndim), keepdims=keepdim)


def _np_logsumexp(x, dim=None, keepdim=False):
    return np.log(np.sum(np.exp(x), axis=numpy_axis(dim, x.ndim), keepdims=keepdim))


def _np_max_dim(fn, arg):
    def ref(x, dim, keepdim=False):
        if x.ndim == 0:
            return x, np.array(0)
        return fn(x, axis=dim, keepdims=keepdim), arg(x, axis=dim, keepdims=keepdim)

    return ref


def _np_softmax(x, dim):
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(x - (np.max(x, axis=dim, keepdims=True) if x.size else 0))
    return e / np.sum(e, axis=dim, keepdims=True)


def _np_log_softmax(x, dim):
    if x.ndim == 0:
        return np.zeros_like(x)
    return np.log(_np_softmax(x, dim))


def _dim_only(nonempty):
    return lambda shape: hs.fixed_dictionaries({"dim": _int_dim(shape, nonempty)})


def _torch_logsumexp(torch, x, dim=None, keepdim=False):
    """torch.logsumexp needs a dim: all of them for dim=None."""
    return torch.logsumexp(x, tuple(range(x.ndim)) if dim is None else dim, keepdim)


def _prod_params(shape):
    dim = dims_over(shape, allow_none=False, allow_tuple=False, nonempty=False)
    with_dim = hs.fixed_dictionaries({"dim": dim, "keepdim": hs.booleans()})
    return hs.one_of(hs.just({}), with_dim) if shape else hs.just({})


def _np_prod(x, dim=None, keepdim=False):
    return np.asarray(np.prod(x, axis=numpy_axis(dim, x.ndim), keepdims=keepdim))


def _np_scan(fn):
    return lambda x, dim: x.copy() if x.ndim == 0 else fn(x, axis=dim)


def _sort_params(shape):
    return hs.fixed_dictionaries(
        {"dim": _int_dim(shape, nonempty=False), "descending": hs.booleans()}
        if shape
        else {"descending": hs.booleans()}
    )


def _np_sort(x, dim=-1, descending=False):
    if x.ndim == 0:
        return x, np.array(0)
    order = np.argsort(-x if descending else x, axis=dim, kind="stable")
    return np.take_along_axis(x, order, axis=dim), order


@hs.composite
def _topk_draw(d, shape):
    dim = d(_int_dim(shape, nonempty=False)) if shape else -1
    size = shape[dim] if shape else 1
    return {"k": d(hs.integers(0, size)), "dim": dim, "largest": d(hs.booleans())}


def _np_topk(x, k, dim=-1, largest=True):
    if x.ndim == 0:
        return x, np.array(0)  # also for k = 0, as torch
    values, order = _np_sort(x, dim, descending=largest)
    return np.take(values, np.arange(k), axis=dim), np.take(order, np.arange(k), axis=dim)


ENTRIES = [
    OpCase(
        "sum",
        al.sum,
        _reducer(np.sum),
        unary(lambda s: hs.fixed_dictionaries({"dim": st.dims(len(s)), "keepdim": hs.booleans()})),
    ),
    OpCase("sum_method", lambda x, **p: x.sum(**p), _reducer(np.sum), unary(_dim_keepdim(nonempty=False))),
    OpCase("mean", al.mean, _reducer(np.mean), unary(_dim_keepdim())),
    OpCase("mean_method", lambda x, **p: x.mean(**p), _reducer(np.mean), unary(_dim_keepdim())),
    OpCase("var", al.var, _np_var, unary(_variance_params(1))),
    OpCase("std", al.std, _np_std, unary(_variance_params(2), **UNIQUE)),
    OpCase("std_method", lambda x, **p: x.std(**p), _np_std, unary(_variance_params(2), **UNIQUE)),
    OpCase("amax", al.amax, _reducer(np.max), unary(_dim_keepdim(), **UNIQUE)),
    OpCase("amin", al.amin, _reducer(np.min), unary(_dim_keepdim(), **UNIQUE)),
    OpCase("amax_method", lambda x, **p: x.amax(**p), _reducer(np.max), unary(_dim_keepdim(), **UNIQUE)),
    OpCase("max_all", al.max, np.max, unary(min_side=1, **UNIQUE)),
    OpCase("min_all_method", lambda x: x.min(), np.min, unary(min_side=1, **UNIQUE)),
    OpCase(
        "max_dim",
        al.max,
        _np_max_dim(np.max, np.argmax),
        unary(_dim_keepdim(allow_none=False, allow_tuple=False), **UNIQUE),
    ),
    OpCase(
        "min_dim",
        al.min,
        _np_max_dim(np.min, np.argmin),
        unary(_dim_keepdim(allow_none=False, allow_tuple=False), **UNIQUE),
    ),
    OpCase(
        "max_dim_method_values",
        lambda x, dim: x.max(dim).values,
        lambda x, dim: _np_max_dim(np.max, np.argmax)(x, dim)[0],
        unary(_dim_only(True), **UNIQUE),
    ),
    OpCase("logsumexp", al.logsumexp, _np_logsumexp, unary(_dim_keepdim()), torch_fn=_torch_logsumexp),
    OpCase("softmax", al.softmax, _np_softmax, unary(_dim_only(False))),
    OpCase("softmax_method", lambda x, dim: x.softmax(dim), _np_softmax, unary(_dim_only(False))),
    OpCase("log_softmax", al.log_softmax, _np_log_softmax, unary(_dim_only(False))),
    OpCase(
        "prod",
        al.prod,
        _np_prod,
        unary(_prod_params, min_value=-2.0, max_value=2.0),
        torch_fn=lambda torch, x, dim=None, keepdim=False: (
            torch.prod(x) if dim is None else torch.prod(x, dim, keepdim)
        ),
    ),
    OpCase(
        "prod_zeros_method",  # many exact zeros: one zero in a slice, several, none
        lambda x, **p: x.prod(**p),
        _np_prod,
        unary(_prod_params, separated=True, min_value=-0.5, max_value=0.5),
        torch_fn=lambda torch, x, dim=None, keepdim=False: x.prod() if dim is None else x.prod(dim, keepdim),
    ),
    OpCase("cumsum", al.cumsum, _np_scan(np.cumsum), unary(_dim_only(False))),
    OpCase("cumsum_method", lambda x, dim: x.cumsum(dim), _np_scan(np.cumsum), unary(_dim_only(False))),
    OpCase(
        "cumprod",
        al.cumprod,
        _np_scan(np.cumprod),
        unary(_dim_only(False), min_value=-2.0, max_value=2.0, min_magnitude=0.25),
    ),
    OpCase("sort", al.sort, _np_sort, unary(_sort_params, **UNIQUE)),
    OpCase("sort_method", lambda x, **p: x.sort(**p), _np_sort, unary(_sort_params, **UNIQUE)),
    OpCase("topk", al.topk, _np_topk, unary(lambda shape: _topk_draw(shape), **UNIQUE)),
]


@pytest.mark.parametrize("case", ENTRIES, ids=case_ids)
@given(data=hs.data())
def test_forward_matches_numpy(case, data):
    check_forward(case, data)


@pytest.mark.parametrize("case", ENTRIES, ids=case_ids)
@given(data=hs.data())
def test_gradcheck(case, data):
    check_gradcheck(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if c.gradgrad], ids=case_ids)
@FEW
@given(data=hs.data())
def test_gradgradcheck(case, data):
    check_gradgradcheck(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if c.keeps_float32], ids=case_ids)
@FEW
@given(data=hs.data())
def test_float32_stays_float32(case, data):
    check_float32(case, data)


@pytest.mark.parametrize("case", [c for c in ENTRIES if torch_counterpart(c)], ids=case_ids)
@FEW
@given(data=hs.data())
def test_matches_torch(case, data):
    pytest.importorskip("torch")
    check_torch(case, data)


# ---- methods against the al.* functions -------------------------------------------------------------

VALUES = np.random.default_rng(0).permutation(24).reshape(2, 3, 4) / 8.0  # distinct: no ties


@pytest.mark.parametrize(
    "method, function",
    [
        (lambda x: x.sum((0, 2), keepdim=True), lambda x: al.sum(x, dim=(0, 2), keepdim=True)),
        (lambda x: x.mean(-1), lambda x: al.mean(x, dim=-1)),
        (lambda x: x.var(1, unbiased=False), lambda x: al.var(x, dim=1, correction=0)),
        (lambda x: x.std(), al.std),
        (lambda x: x.amax(1), lambda x: al.amax(x, dim=1)),
        (lambda x: x.amin((0, 1)), lambda x: al.amin(x, dim=(0, 1))),
        (lambda x: x.max(), al.max),
        (lambda x: x.min(2, keepdim=True), lambda x: al.min(x, dim=2, keepdim=True)),
        (lambda x: x.logsumexp(0), lambda x: al.logsumexp(x, dim=0)),
        (lambda x: x.softmax(-1), lambda x: al.softmax(x, dim=-1)),
        (lambda x: x.log_softmax(1), lambda x: al.log_softmax(x, dim=1)),
    ],
)
def test_methods_match_functions(method, function):
    check_method_matches_function(method, function, VALUES)


# ---- exact semantics ------------------------------------------------------------------------------


def _grad_of(fn, values):
    x = leaf(values)
    out = fn(x)
    out.backward(np.ones(out.shape))
    return out, x.grad._array


@pytest.mark.parametrize("fn", [al.amax, lambda x: x.amax(), al.max, lambda x: x.max()])
def test_full_max_shares_the_gradient_among_ties(fn):
    out, g = _grad_of(fn, [1.0, 3.0, 3.0, 2.0])
    assert float(out._array) == 3.0
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])


@pytest.mark.parametrize("fn", [al.amin, al.min, lambda x: x.min()])
def test_full_min_shares_the_gradient_among_ties(fn):
    out, g = _grad_of(fn, [[1.0, 0.0], [0.0, 0.0]])
    assert float(out._array) == 0.0
    np.testing.assert_array_equal(g, [[0.0, 1 / 3], [1 / 3, 1 / 3]])


def test_amax_amin_along_a_dim_share_ties_per_slice():
    values = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]
    out, g = _grad_of(lambda x: al.amax(x, dim=1), values)
    np.testing.assert_array_equal(out._array, [3.0, 2.0])
    np.testing.assert_array_equal(g, [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    out, g = _grad_of(lambda x: al.amin(x, dim=0, keepdim=True), values)
    np.testing.assert_array_equal(out._array, [[1.0, 2.0, 2.0]])
    np.testing.assert_array_equal(g, [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])


def test_max_min_along_a_dim_send_the_gradient_to_the_returned_index():
    values = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]
    x = leaf(values)
    result = al.max(x, dim=1)
    np.testing.assert_array_equal(result.values._array, [3.0, 2.0])
    np.testing.assert_array_equal(result.indices._array, [1, 0])
    assert result.indices.dtype == np.int64 and not result.indices.requires_grad
    values_, indices = result  # unpacks like torch's (values, indices)
    values_.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])

    x = leaf(values)
    result = x.min(0, keepdim=True)
    np.testing.assert_array_equal(result.values._array, [[1.0, 2.0, 0.0]])
    np.testing.assert_array_equal(result.indices._array, [[0, 1, 1]])
    result.values.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])


def test_max_with_a_tensor_is_the_elementwise_maximum():
    a, b = leaf([1.0, 5.0]), leaf([1.0, 2.0])
    out = al.max(a, b)
    np.testing.assert_array_equal(out._array, [1.0, 5.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad._array, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad._array, [0.5, 0.0])


def test_reductions_over_zero_size_dims():
    x = leaf(np.zeros((0, 3)))
    assert al.sum(x, dim=0).shape == (3,)
    np.testing.assert_array_equal(al.sum(x, dim=0)._array, [0.0, 0.0, 0.0])
    assert al.amax(x, dim=1).shape == (0,)  # the reduced dim is not empty: fine
    assert al.max(x, dim=1).values.shape == (0,)
    assert al.softmax(x, dim=0).shape == (0, 3)  # torch: an empty result, not an error
    assert al.log_softmax(x, dim=0).shape == (0, 3)
    np.testing.assert_array_equal(al.logsumexp(x, dim=0)._array, [-np.inf] * 3)  # as torch
    s = al.sum(x * 2.0)
    s.backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x: al.amax(x, dim=0), "amax"),
        (lambda x: al.amin(x), "amin"),
        (lambda x: al.max(x, dim=0), "max"),
        (lambda x: x.min(-2), "min"),
        (lambda x: al.max(x), "max"),
    ],
)
def test_max_over_an_empty_dim_is_an_error(fn, name):
    with pytest.raises(OpError, match=rf"{name}: cannot reduce .*\(0, 3\)"):
        fn(leaf(np.zeros((0, 3))))


def test_var_std_correction_and_unbiased():
    values = np.array([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    x = leaf(values)
    np.testing.assert_allclose(al.var(x)._array, np.var(values, ddof=1))
    np.testing.assert_allclose(al.var(x, unbiased=False)._array, np.var(values))
    np.testing.assert_allclose(al.var(x, dim=1, correction=2)._array, np.var(values, axis=1, ddof=2))
    np.testing.assert_allclose(x.std(dim=0, keepdim=True)._array, np.std(values, axis=0, ddof=1, keepdims=True))
    # d var / dx = 2 (x - mean) / (n - correction)
    al.var(x, dim=1, correction=0).sum().backward()
    np.testing.assert_allclose(x.grad._array, 2 * (values - values.mean(1, keepdims=True)) / 3)


def test_softmax_family_is_stable_for_large_inputs():
    x = leaf([1e4, 0.0, -1e4])
    s = al.softmax(x, dim=0)
    np.testing.assert_allclose(s._array, [1.0, 0.0, 0.0])
    ls = al.log_softmax(x, dim=0)
    np.testing.assert_allclose(ls._array, [0.0, -1e4, -2e4])
    lse = al.logsumexp(x, dim=0)
    np.testing.assert_allclose(lse._array, 1e4)
    for out in (s, ls, lse):
        assert np.all(np.isfinite(out._array))
    lse.backward()
    np.testing.assert_allclose(x.grad._array, [1.0, 0.0, 0.0])

    y = leaf([[1e4, 1e4], [-1e4, -1e4]])
    np.testing.assert_allclose(al.softmax(y, dim=1)._array, [[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_allclose(al.log_softmax(y, dim=-1)._array, np.full((2, 2), -np.log(2)))
    np.testing.assert_allclose(al.logsumexp(y, dim=1)._array, [1e4 + np.log(2), -1e4 + np.log(2)])
    g = al.log_softmax(y, dim=1)
    g.backward(np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(y.grad._array, [[0.5, -0.5], [-0.5, 0.5]])
    assert np.all(np.isfinite(y.grad._array))


def test_softmax_float32_large_inputs_stay_finite_float32():
    x = al.tensor([1e4, -1e4, 0.0], dtype=np.float32).requires_grad_()
    for out in (al.softmax(x, 0), al.log_softmax(x, 0), al.logsumexp(x, 0)):
        assert out.dtype == np.float32 and np.all(np.isfinite(out._array))


def test_softmax_needs_a_dim():
    x = leaf([[1.0, 2.0]])
    with pytest.raises(TypeError, match="softmax.*dim"):
        al.softmax(x)
    with pytest.raises(TypeError, match="softmax.*dim"):
        x.softmax()
    with pytest.raises(OpError, match="softmax: dim must be given"):
        al.softmax(x, dim=None)
    with pytest.raises(OpError, match="log_softmax: dim must be given"):
        al.log_softmax(x, None)


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x: al.sum(x, dim=2), "sum"),
        (lambda x: al.mean(x, dim=-3), "mean"),
        (lambda x: al.var(x, dim=(0, 5)), "var"),
        (lambda x: al.amax(x, dim=2), "amax"),
        (lambda x: al.max(x, dim=2), "max"),
        (lambda x: al.logsumexp(x, dim=2), "logsumexp"),
        (lambda x: al.softmax(x, dim=2), "softmax"),
        (lambda x: x.sum(7), "sum"),
    ],
)
def test_reduction_over_a_missing_dim_names_op_and_shape(fn, name):
    x = leaf(np.ones((2, 3)))
    with pytest.raises(
        OpError, match=rf"{name}: dim -?\d+ is out of range for a tensor of shape " + re.escape("(2, 3)")
    ):
        fn(x)


@pytest.mark.parametrize(
    "fn, expected",
    [
        (al.sum, 15.0),
        (al.mean, 2.5),
        (al.amax, 5.0),
        (al.amin, 0.0),
        (al.var, 3.5),
        (al.logsumexp, np.log(np.exp(np.arange(6.0)).sum())),
    ],
)
def test_an_empty_dim_tuple_reduces_over_all_dims(fn, expected):
    # torch 2.x: sum(x, dim=()) (and [] ) is the full reduction
    x = leaf(np.arange(6.0).reshape(2, 3))
    out = fn(x, dim=())
    assert out.shape == ()
    np.testing.assert_allclose(out._array, expected)
    out.backward()
    assert x.grad.shape == (2, 3)


def test_reduction_with_a_repeated_dim_is_an_error():
    with pytest.raises(OpError, match=r"sum: dim \(1, -1\) names a dimension more than once"):
        al.sum(leaf(np.ones((2, 3))), dim=(1, -1))


# ---- var/std in float32 at the ends of the range (issue 8, class 6) ------------------------------------
# (values, torch.var, torch.std) in float32; the plain squares would overflow to inf or underflow to 0
EXTREME_SPREADS = [
    ([1e19, -1e19], 1.9999999360571385e38, 1.4142135160245584e19),
    ([2e19, 1.9e19, 2.1e19], 9.999984563552285e35, 9.999992283925053e17),
    ([1e-25, -1e-25, 3e-25], 0.0, 2.0000000390829628e-25),
    ([1e-22, -1e-22, 3e-22], 4.0637655465419695e-44, 1.999999936531045e-22),
    ([1e38, -1e38], np.inf, 1.4142135230892728e38),
]


@pytest.mark.parametrize("values, var, std", EXTREME_SPREADS)
def test_float32_var_std_do_not_overflow_or_underflow(values, var, std):
    x = al.tensor(np.array(values, dtype=np.float32))
    for got, want in ((x.var(), var), (x.std(), std)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(float(got.item()), want, rtol=3e-7)


def test_float32_var_along_a_dim_scales_each_slice():
    x = al.tensor(np.array([[1e19, -1e19], [1.0, 3.0], [1e-22, 3e-22]], dtype=np.float32))
    np.testing.assert_allclose(x.var(dim=1)._array, [2e38, 2.0, 2e-44], rtol=1e-6, atol=1e-45)  # (subnormal)
    np.testing.assert_allclose(
        x.std(dim=1, keepdim=True)._array[:, 0], [1.4142135e19, 1.4142135, 1.4142135e-22], rtol=1e-6
    )


def test_var_gradient_of_huge_float32_values_is_finite():
    x = al.tensor(np.array([1e37] * 50 + [-1e37] * 50, dtype=np.float32), requires_grad=True)
    x.std().backward()
    assert np.isfinite(x.grad._array).all()
    np.testing.assert_allclose(x.grad._array[:2], [1 / np.sqrt(99 * 100)] * 2, rtol=1e-5)


@pytest.mark.parametrize("fn", ["var", "std"])
def test_var_std_of_one_element_give_nan_not_an_error(fn):
    x = al.tensor([1.5], requires_grad=True)
    y = getattr(x, fn)()
    y.backward()
    assert np.isnan(y.item()) and np.isnan(x.grad._array).all()
    x = al.tensor([[1.5, 2.0]], requires_grad=True)
    getattr(x, fn)(dim=0).sum().backward()
    assert np.isnan(x.grad._array).all()


def test_var_std_extremes_match_torch_along_dims():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for magnitude in (1e-30, 1e-20, 1.0, 1e18, 1e30):
        a = (rng.standard_normal((4, 5, 6)) * magnitude).astype(np.float32)
        for dim in (None, 1, (0, 2)):
            for fn in ("var", "std"):
                got = getattr(al.tensor(a), fn)(dim=dim)._array
                want = getattr(torch.tensor(a), fn)(dim=dim).numpy()
                np.testing.assert_allclose(got, want, rtol=2e-5, atol=0)


@given(exponent=hs.integers(-30, 30), data=hs.data())
def test_property_float32_var_std_match_float64_at_any_magnitude(exponent, data):
    shape = data.draw(st.shapes(min_dims=1, max_dims=3, min_side=2, max_side=5))
    a = data.draw(st.arrays(shape, min_value=-1.0, max_value=1.0)) * 10.0**exponent
    a32 = a.astype(np.float32)
    dim = data.draw(hs.sampled_from([None, 0, -1]))
    axis = None if dim is None else dim
    ref64 = a32.astype(np.float64)
    for fn, ref in (("var", np.var(ref64, axis=axis, ddof=1)), ("std", np.std(ref64, axis=axis, ddof=1))):
        got = getattr(al.tensor(a32), fn)(dim=dim)._array
        assert got.dtype == np.float32
        # a constant input's mean is rounded in float32, so its deviations are ~eps * |x|, not 0 (torch's
        # float32 var of 6 x 0.0375 is 1.67e-17 too): the absolute tolerance scales with the data
        spread = 4 * np.finfo(np.float32).eps * float(np.abs(a32).max())
        tiny = max(np.finfo(np.float32).tiny, spread) if fn == "std" else max(1e-44, spread**2)
        np.testing.assert_allclose(got, ref.astype(np.float32), rtol=1e-4, atol=tiny)


def test_argmax_of_all_elements_with_keepdim_keeps_every_dim_as_torch():
    x = al.tensor([[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]])
    assert x.argmax(keepdim=True).shape == (1, 1) and x.argmax(keepdim=True).tolist() == [[1]]
    assert x.argmin(keepdim=True).tolist() == [[3]]
    with pytest.raises(IndexError, match=r"argmin: dim 1 is out of range for a tensor of shape \(\)"):
        al.tensor(1.0).argmin(dim=1)


# ---- prod, scans, sort, topk, any/all: torch's exact semantics -------------------------------------------


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod_and_cumprod_gradients_with_zeros_equal_torch_first_and_second_order(dim):
    torch = pytest.importorskip("torch")
    values = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 1.0, 2.0], [1.5, -2.0, 0.5, 4.0]])
    fns = [lambda m, x: m.prod(x) if dim is None else m.prod(x, dim)]
    if dim is not None:
        fns.append(lambda m, x: m.cumprod(x, dim))
    for fn in fns:
        x, t = leaf(values), torch.tensor(values, requires_grad=True)
        out, want = fn(al, x), fn(torch, t)
        seed = np.random.default_rng(0).standard_normal(out.shape)
        (gx,) = al.grad(out, x, al.tensor(seed), create_graph=True)
        (gt,) = torch.autograd.grad(want, t, torch.tensor(seed), create_graph=True)
        np.testing.assert_allclose(gx._array, gt.detach().numpy(), rtol=1e-12, atol=1e-12)
        if fn is fns[0]:  # second order: prod's (cumprod's is first order only where a slice holds a zero)
            (ggx,) = al.grad((gx * al.tensor(values)).sum(), x)
            (ggt,) = torch.autograd.grad((gt * torch.tensor(values)).sum(), t)
            np.testing.assert_allclose(ggx._array, ggt.numpy(), rtol=1e-12, atol=1e-12)


def test_sort_is_stable_with_ties_and_nans_as_torch():
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, np.nan, 0.0, 1.0, -2.0, 0.0, np.nan], [3.0, 3.0, 3.0, -1.0, 3.0, 2.0, 2.0]])
    for descending in (False, True):
        for dim in (1, 0):
            got = al.sort(al.tensor(values), dim=dim, descending=descending)
            want = torch.sort(torch.tensor(values), dim=dim, descending=descending, stable=True)
            np.testing.assert_array_equal(got.values._array, want.values.numpy())
            np.testing.assert_array_equal(got.indices._array, want.indices.numpy())
            argsorted = al.tensor(values).argsort(dim, descending)
            np.testing.assert_array_equal(argsorted._array, want.indices.numpy())
            assert argsorted.dtype == np.int64 and not argsorted.requires_grad


def test_sort_and_topk_gradients_follow_the_values_and_indices_carry_no_gradient():
    x = leaf([3.0, 1.0, 2.0, 1.0])
    values, indices = x.sort(descending=True)
    assert not indices.requires_grad and indices.dtype == np.int64
    values.backward(np.array([10.0, 20.0, 30.0, 40.0]))
    np.testing.assert_array_equal(x.grad._array, [10.0, 30.0, 20.0, 40.0])
    x = leaf([3.0, 1.0, 2.0, 1.0])
    values, indices = x.topk(3, largest=False)
    np.testing.assert_array_equal(values._array, [1.0, 1.0, 2.0])
    np.testing.assert_array_equal(indices._array, [1, 3, 2])  # the first of the tied values first
    values.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad._array, [0.0, 1.0, 3.0, 2.0])


def test_topk_values_match_torch_with_ties():
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, 5.0, 5.0, 0.0, 5.0], [2.0, 2.0, -1.0, 7.0, 2.0]])
    for k in range(6):
        for largest in (True, False):
            got = al.topk(al.tensor(values), k, largest=largest)
            want = torch.topk(torch.tensor(values), k, largest=largest)
            np.testing.assert_array_equal(got.values._array, want.values.numpy())
            # indices point at those values (torch's order among ties is unspecified)
            np.testing.assert_array_equal(np.take_along_axis(values, got.indices._array, 1), want.values.numpy())
    with pytest.raises(OpError, match=r"topk: k=6 is out of range for a dim of size 5 \(shape \(2, 5\)\)"):
        al.topk(al.tensor(values), 6)


def test_any_all_cumsum_and_prod_dtypes_as_torch():
    torch = pytest.importorskip("torch")
    values = np.array([[0, 2, 0], [0, 0, 0]], dtype=np.int32)
    x, t = al.tensor(values), torch.tensor(values)
    for got, want in [
        (x.any(), t.any()),
        (x.all(1), t.all(1)),
        (al.any(x, 0, keepdim=True), torch.any(t, 0, keepdim=True)),
        (x.bool().all(dim=(0, 1)), t.bool().all(dim=(0, 1))),
        (x.cumsum(1), t.cumsum(1)),
        (x.prod(), t.prod()),
        (al.tensor([True, True]).cumsum(0), torch.tensor([True, True]).cumsum(0)),
        (x.cumprod(0), t.cumprod(0)),
    ]:
        assert got.dtype == np.dtype(str(want.dtype).replace("torch.", "")), (got.dtype, want.dtype)
        np.testing.assert_array_equal(got._array, want.numpy())
    assert al.ones(2).prod(dtype="float64").dtype == np.float64
    with pytest.raises(TypeError, match="cumsum: missing the required argument 'dim'"):
        al.cumsum(al.ones(2), None)
    with pytest.raises(TypeError, match="prod: dim must be an int"):
        al.prod(al.ones(2, 2), (0, 1))
