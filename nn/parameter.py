"""``Parameter``: a tensor that a Module registers as one of its weights (requires grad by default)."""

import numpy as np

from autograd_lite._internal import init_leaf
from autograd_lite import Tensor


__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered when assigned as a Module attribute.

    Like torch.nn.Parameter it shares memory with the tensor or array it is made from.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._array
        else:
            array = np.asarray(data)
            if array.dtype == np.float64 and not isinstance(data, np.ndarray):
                from autograd_lite.dtypes import get_default_dtype

                array = array.astype(get_default_dtype())
        init_leaf(self, array, requires_grad, "Parameter")

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
