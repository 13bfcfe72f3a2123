"""The op registry behind the property-based gradient tests in tests/ops.

Each differentiable operation is one ``OpCase``: the function under test (``fn(*tensors, **params)``),
a numpy reference for its forward value (``ref(*arrays, **params)``) and ``inputs(max_dims, max_side)``,
a hypothesis strategy of ``Draw(tensors, params)`` describing its input domain and shapes. The test files
parametrise four shared checks over their entries:

* ``check_forward``: the value (shape, dtype, numbers) equals the numpy reference;
* ``check_gradcheck``: analytic gradients match central differences in float64;
* ``check_gradgradcheck``: the same for second derivatives (create_graph), on smaller shapes;
* ``check_float32``: float32 inputs give float32 outputs and float32 gradients (no silent upcast).

So adding an op to the suite is adding one entry to the ``ENTRIES`` list of its family's test file.
"""

import functools
import types
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np
from hypothesis import settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing import strategies as st

FULL = (3, 4)  # (max_dims, max_side) of the inputs of gradcheck, the forward and the float32 checks
SMALL = (2, 3)  # the same for gradgradcheck (its numerical pass is much more expensive)

# gradgradcheck and the float32 dtype check run fewer examples than the profile's (30 by default).
FEW = settings(max_examples=max(8, settings.default.max_examples // 3))


class Draw(NamedTuple):
    tensors: tuple
    params: dict


@dataclass(frozen=True)
class OpCase:
    """One differentiable operation under test (see the module docstring)."""

    name: str
    fn: Callable
    ref: Callable
    inputs: Callable  # (max_dims, max_side) -> strategy of Draw
    gradgrad: bool = True  # also run gradgradcheck
    keeps_float32: bool = True  # float32 inputs -> float32 outputs (False only for explicit casts)
    tol: dict = field(default_factory=dict)  # extra gradcheck/gradgradcheck keyword arguments
    # the same computation in PyTorch, ``torch_fn(torch, *tensors, **params)``; by default torch's function
    # of the same name for a public function of autograd_lite, or ``fn`` itself for a lambda that uses only
    # operators and methods; False: no torch counterpart (check_torch skips the entry)
    torch_fn: object = None

    def __str__(self):
        return self.name


def case_ids(case):
    return str(case)


# ---- input strategies ---------------------------------------------------------------------------


def leaf(array):
    """A float64 leaf tensor that requires grad (gradcheck perturbs its array in place)."""
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def shifted_tensors(shape, shift, **elements):
    """Tensors of st.arrays(shape, **elements) + shift: with separated=True and shift=1/16 they never tie
    with unshifted separated values (multiples of 1/8)."""
    return st.arrays(shape, **elements).map(lambda a: leaf(a + shift))


_PARAMS = {}


def _params(params, *args):
    """params(*shapes), built once per (entry, shapes): rebuilding strategies on every example is slow."""
    if params is None:
        return hs.just({})
    key = (params, args)
    if key not in _PARAMS:
        _PARAMS[key] = params(*args)
    return _PARAMS[key]


cached_tensors = functools.lru_cache(maxsize=None)(st.tensors)  # st.tensors, one strategy per argument set


def unary(params=None, min_dims=0, min_side=0, unique=False, **elements):
    """One tensor of a random shape (0-d, size-1 and zero-size dims included unless min_side=1).

    ``params(shape)`` is a strategy of the keyword parameters (for example dims valid for that shape).
    """

    @functools.lru_cache(maxsize=None)  # one strategy object per size: hypothesis caches its analysis
    def build(max_dims, max_side):
        @hs.composite
        def draw(d):
            shape = d(
                st.shapes(min_dims=min_dims, max_dims=max(max_dims, min_dims), min_side=min_side, max_side=max_side)
            )
            x = d(cached_tensors(shape, unique=unique, **elements))
            return Draw((x,), d(_params(params, shape)))

        return draw()

    return build


def broadcast(*elements, params=None, tensor_strategies=None):
    """len(elements) tensors of mutually broadcastable shapes, each with its own element options.

    ``tensor_strategies`` may replace st.tensors for some inputs: a list of None or shape -> strategy.
    """
    n = len(elements)

    @functools.lru_cache(maxsize=None)  # one strategy object per size: hypothesis caches its analysis
    def build(max_dims, max_side):
        @hs.composite
        def draw(d):
            shapes = d(st.broadcastable_shapes(n, max_dims=max_dims, max_side=max_side))
            xs = []
            for i, (shape, opts) in enumerate(zip(shapes, elements)):
                custom = tensor_strategies[i] if tensor_strategies else None
                xs.append(d(custom(shape) if custom else cached_tensors(shape, **opts)))
            return Draw(tuple(xs), d(_params(params, shapes)))

        return draw()

    return build


def custom(fn):
    """An input strategy written by hand: ``fn(d, max_dims, max_side) -> Draw`` with d = the draw function."""

    @functools.lru_cache(maxsize=None)  # one strategy object per size: hypothesis caches its analysis
    def build(max_dims, max_side):
        @hs.composite
        def draw(d):
            return fn(d, max_dims, max_side)

        return draw()

    return build


def dims_over(shape, allow_none=True, allow_tuple=True, nonempty=True):
    """A reduction dim for ``shape`` (None, int, negative int or tuple), like st.dims, but only over axes
    of non-zero size when ``nonempty`` (amax, mean, var... are undefined over an empty dim)."""
    ndim = len(shape)
    if ndim == 0:
        return st.dims(0, allow_none=allow_none, allow_tuple=allow_tuple)
    axes = [a for a in range(ndim) if shape[a] > 0 or not nonempty]
    options = []
    if allow_none and (not nonempty or all(n > 0 for n in shape)):
        options.append(hs.none())
    if axes:
        options.append(hs.sampled_from(axes + [a - ndim for a in axes]))
        if allow_tuple:
            options.append(hs.lists(hs.sampled_from(axes), min_size=1, max_size=len(axes), unique=True).map(tuple))
    return hs.one_of(*options) if options else hs.nothing()


def reduced_count(shape, dim):
    """Number of elements reduced together by ``dim``."""
    if dim is None or not shape:
        return int(np.prod(shape))
    dims = (dim,) if isinstance(dim, int) else dim
    return int(np.prod([shape[d] for d in dims]))


def numpy_axis(dim, ndim):
    """A torch dim (None, int or tuple) as a numpy axis argument (0-d tensors: reduce over nothing)."""
    if dim is None:
        return None
    if ndim == 0:
        return ()
    return tuple(d % ndim for d in ((dim,) if isinstance(dim, int) else dim))


# ---- the shared checks ----------------------------------------------------------------------------


def _outputs(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _bind(case, params):
    return lambda *xs: case.fn(*xs, **params)


def check_forward(case, data):
    draw = data.draw(case.inputs(*FULL), label="inputs")
    arrays = [t._array.copy() for t in draw.tensors]
    got = _outputs(case.fn(*draw.tensors, **draw.params))
    with np.errstate(all="ignore"):
        want = _outputs(case.ref(*arrays, **draw.params))
    assert len(got) == len(want), f"{case}: {len(got)} outputs, the reference has {len(want)}"
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert isinstance(g, Tensor), f"{case}: returned a {type(g).__name__}, not a Tensor"
        assert g.shape == w.shape, f"{case}: shape {g.shape}, the reference has {w.shape}"
        assert g.dtype == w.dtype, f"{case}: dtype {g.dtype}, the reference has {w.dtype}"
        np.testing.assert_allclose(g._array, w, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=str(case))
    for t, a in zip(draw.tensors, arrays):  # the op did not write into its inputs
        np.testing.assert_array_equal(t._array, a)


def check_gradcheck(case, data):
    draw = data.draw(case.inputs(*FULL), label="inputs")
    assert gradcheck(_bind(case, draw.params), draw.tensors, **case.tol)


def check_gradgradcheck(case, data):
    draw = data.draw(case.inputs(*SMALL), label="inputs")
    fn, xs = _bind(case, draw.params), draw.tensors
    # gradgradcheck differentiates the create_graph gradient, so it cannot see a vjp that is wrong only
    # when it runs on tensors (ctx.xp = the tensor namespace): compare it with the plain numpy gradient
    outs = [o for o in _outputs(fn(*xs)) if o.dtype.kind == "f" and o.requires_grad]
    rng = np.random.default_rng(2)
    seeds = [Tensor(rng.standard_normal(o.shape)) for o in outs]
    plain = al.grad(outs, xs, grad_outputs=seeds, retain_graph=True, allow_unused=True)
    recorded = al.grad(outs, xs, grad_outputs=seeds, create_graph=True, allow_unused=True)
    for x, p, r in zip(xs, plain, recorded):
        p = np.zeros(x.shape) if p is None else p._array
        r = np.zeros(x.shape) if r is None else r._array
        np.testing.assert_allclose(
            r, p, rtol=1e-10, atol=1e-12, err_msg=f"{case}: create_graph changes the first-order gradient"
        )
    assert gradgradcheck(fn, xs, **case.tol)


def check_float32(case, data):
    draw = data.draw(case.inputs(*FULL), label="inputs")
    xs = tuple(Tensor(t._array.astype(np.float32), requires_grad=True) for t in draw.tensors)
    outs = [o for o in _outputs(case.fn(*xs, **draw.params)) if o.dtype.kind == "f"]
    assert outs, f"{case}: no floating output"
    for o in outs:
        assert o.dtype == np.float32, f"{case}: float32 inputs gave a {o.dtype} output"
    live = [o for o in outs if o.requires_grad]
    assert live, f"{case}: no output requires grad"
    seeds = [Tensor(np.ones(o.shape, dtype=np.float32)) for o in live]
    grads = al.grad(live, xs, grad_outputs=seeds, allow_unused=True)
    assert any(g is not None for g in grads), f"{case}: no gradient reached the inputs"
    for x, g in zip(xs, grads):
        if g is not None:
            assert g.dtype == np.float32, f"{case}: the gradient of a float32 input is {g.dtype}"
            assert g.shape == x.shape


def torch_counterpart(case):
    """``case``'s computation in PyTorch (see ``OpCase.torch_fn``), or None if it has none."""
    if case.torch_fn is False:
        return None
    if case.torch_fn is not None:
        return case.torch_fn
    name = getattr(case.fn, "__name__", "")
    if name in al.__all__ and getattr(al, name) is case.fn:
        return lambda torch, *xs, **p: getattr(torch, name)(*xs, **p)
    if name == "<lambda>":  # the same lambda with ``al`` meaning torch
        return lambda torch, *xs, **p: _with_al_as(case.fn, torch)(*xs, **p)
    return None


class _TorchAsAl:
    """torch seen through al's names: ``torch.X`` or else ``torch.nn.functional.X`` (al.leaky_relu,
    al.pad), with numpy array arguments (a where() condition) passed as tensors."""

    def __init__(self, torch):
        self.torch = torch

    def __getattr__(self, name):
        torch = self.torch
        fn = getattr(torch, name, None) or getattr(torch.nn.functional, name)

        def call(*args, **kwargs):
            args = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
            return fn(*args, **kwargs)

        return call


def _with_al_as(fn, torch):
    """``fn`` with the global name ``al`` meaning torch, for lambdas written over al."""
    if "al" not in fn.__code__.co_names:
        return fn
    return types.FunctionType(
        fn.__code__, {**fn.__globals__, "al": _TorchAsAl(torch)}, fn.__name__, fn.__defaults__, fn.__closure__
    )


def check_torch(case, data):
    """The forward values and the gradients equal PyTorch's (float64, the same inputs and seeds)."""
    import torch

    torch_fn = torch_counterpart(case)
    draw = data.draw(case.inputs(*FULL), label="inputs")
    xs_torch = [torch.tensor(t._array, requires_grad=t.requires_grad) for t in draw.tensors]
    got = _outputs(case.fn(*draw.tensors, **draw.params))
    want = _outputs(torch_fn(torch, *xs_torch, **draw.params))
    assert len(got) == len(want), f"{case}: {len(got)} outputs, torch gives {len(want)}"
    for g, w in zip(got, want):
        assert g.shape == tuple(w.shape), f"{case}: shape {g.shape}, torch gives {tuple(w.shape)}"
        np.testing.assert_allclose(
            g._array,
            w.detach().numpy(),
            rtol=1e-10,
            atol=1e-12,
            equal_nan=True,
            err_msg=f"{case}: forward differs from torch",
        )
    live = [i for i, o in enumerate(got) if o.requires_grad]
    inputs = [i for i, t in enumerate(draw.tensors) if t.requires_grad]
    if not live or not inputs:
        return
    rng = np.random.default_rng(3)
    seeds = [rng.standard_normal(got[i].shape) for i in live]
    ours = al.grad(
        [got[i] for i in live],
        [draw.tensors[i] for i in inputs],
        grad_outputs=[Tensor(v) for v in seeds],
        allow_unused=True,
    )
    theirs = torch.autograd.grad(
        [want[i] for i in live],
        [xs_torch[i] for i in inputs],
        grad_outputs=[torch.tensor(v) for v in seeds],
        allow_unused=True,
    )
    for i, a, b in zip(inputs, ours, theirs):
        a = np.zeros(draw.tensors[i].shape) if a is None else a._array
        b = np.zeros(draw.tensors[i].shape) if b is None else b.numpy()
        np.testing.assert_allclose(
            a, b, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=f"{case}: the gradient of input {i} differs from torch"
        )


def check_method_matches_function(method, function, values, *others):
    """``method(x, *others)`` (a Tensor method or operator) and ``function(x, *others)`` (the al.* function)
    give the same value and the same gradients for x and for the tensors among ``others``."""
    results = []
    for call in (method, function):
        x = leaf(values)
        extra = [leaf(o) if isinstance(o, np.ndarray) else o for o in others]
        out = call(x, *extra)
        out = out[0] if isinstance(out, tuple) else out
        cotangent = np.random.default_rng(1).standard_normal(out.shape)
        out.backward(cotangent)
        grads = [x.grad] + [e.grad for e in extra if isinstance(e, Tensor)]
        assert all(g is not None for g in grads)
        results.append((out, grads))
    (out_m, grads_m), (out_f, grads_f) = results
    assert out_m.shape == out_f.shape and out_m.dtype == out_f.dtype
    np.testing.assert_allclose(out_m._array, out_f._array, rtol=1e-12)
    for gm, gf in zip(grads_m, grads_f):
        np.testing.assert_allclose(gm._array, gf._array, rtol=1e-12)


# ---- shape helpers for the entries ------------------------------------------------------------------


def bool_arrays(shape):
    return hnp.arrays(np.bool_, shape)
