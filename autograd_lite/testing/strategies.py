"""Hypothesis strategies for property-based gradient tests of autograd_lite code.

Example::

    from hypothesis import given
    from autograd_lite.testing import gradcheck, strategies as st

    @given(st.tensors(shape=st.shapes(max_dims=3)))
    def test_my_function(x):
        assert gradcheck(my_function, x)
"""

try:
    from hypothesis import strategies as hs
    from hypothesis.extra import numpy as hnp
except ImportError as err:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "autograd_lite.testing.strategies needs the 'hypothesis' package: pip install hypothesis "
        "(or pip install -e '.[test]'); gradcheck and gradgradcheck work without it"
    ) from err

import numpy as np

from ..tensor import Tensor

__all__ = ["shapes", "elements", "arrays", "tensors", "broadcastable_shapes", "matmul_shapes", "dims", "tensor_tuples"]


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=5):
    """Array shapes, including 0-d, size-1 and (with min_side=0) zero-size dims."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def elements(min_value=-10.0, max_value=10.0, positive=False, min_magnitude=0.0, separated=False):
    """Finite floats in [min_value, max_value].

    ``positive``: in [max(min_value, 0.1), max_value] (for log, sqrt, division). ``min_magnitude``: |x| at
    least this (away from kinks such as abs and relu at 0). ``separated``: multiples of 1/8, so distinct
    values are far apart compared with a finite-difference step (use with ``unique=True`` for max/min).
    """
    if positive:
        min_value = max(min_value, 0.1)
    if separated:
        lo, hi = int(np.ceil(min_value * 8)), int(np.floor(max_value * 8))
        return hs.integers(lo, hi).filter(lambda k: abs(k) >= min_magnitude * 8).map(lambda k: k / 8)
    values = hs.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
    if min_magnitude > 0:
        values = values.filter(lambda v: abs(v) >= min_magnitude)
    return values


def arrays(shape, dtype=np.float64, unique=False, **element_options):
    """numpy arrays of ``shape`` (a tuple or a strategy) with ``elements(**element_options)``."""
    return hnp.arrays(dtype, shape, elements=elements(**element_options), unique=unique)


def tensors(shape=None, dtype=np.float64, requires_grad=True, unique=False, **element_options):
    """Tensors (float64 and requiring grad by default, ready for gradcheck) of a given or random shape."""
    if shape is None:
        shape = shapes()
    return arrays(shape, dtype, unique, **element_options).map(lambda a: Tensor(a, requires_grad=requires_grad))


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=5):
    """A tuple of ``num_shapes`` shapes that broadcast together (size-1 and missing dims included)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: r.input_shapes)


def matmul_shapes(max_dims=4, min_side=1, max_side=5):
    """A pair of shapes valid for matmul: 1-D, 2-D and batched with broadcast batch dims."""
    return hnp.mutually_broadcastable_shapes(
        signature="(m?,n),(n,p?)->(m?,p?)", max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: r.input_shapes)


def dims(ndim, allow_none=True, allow_tuple=True):
    """A reduction ``dim`` argument for a tensor with ``ndim`` dims: None, an int (negatives too) or a tuple."""
    options = []
    if allow_none:
        options.append(hs.none())
    if ndim:
        options.append(hs.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(hs.lists(hs.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple))
    else:
        options.append(hs.sampled_from([0, -1]))
    return hs.one_of(*options)


def tensor_tuples(shape_tuples, dtype=np.float64, requires_grad=True, **element_options):
    """A tuple of tensors, one per shape, from a strategy of shape tuples (e.g. broadcastable_shapes())."""
    return shape_tuples.flatmap(
        lambda shapes_: hs.tuples(*[tensors(s, dtype, requires_grad, **element_options) for s in shapes_])
    )
