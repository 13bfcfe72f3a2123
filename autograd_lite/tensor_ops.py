"""The Tensor's operator and op methods, written out: ``class Tensor(TensorOps)``.

Every method here is one call of a public function (``x.exp()`` is ``al.exp(x)``, ``x + y`` is
``al.add(x, y)``) or of the in-place machinery (``x += y``, ``x.add_(y)``, ``x[i] = v``). The functions
import Tensor, so they are bound here once the package has made them (``bind``, called by
``autograd_lite.functions``); a test checks that these methods and the op registry's ``methods`` agree.
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from . import functions as F
    from .functions import inplace
else:
    F = inplace = None


def bind(functions, inplace_module):
    """Point the methods at the public functions and the in-place machinery (once, at import)."""
    global F, inplace
    F, inplace = functions, inplace_module


class TensorOps:
    """Arithmetic, comparison, math, reduction and shape methods of Tensor, each one public function."""

    __slots__ = ()

    # ---- arithmetic operators --------------------------------------------------------------------
    def __add__(self, other):
        return F.add(self, other)

    def __radd__(self, other):
        return F.add(other, self)

    def __sub__(self, other):
        return F.sub(self, other)

    def __rsub__(self, other):
        return F.sub(other, self)

    def __mul__(self, other):
        return F.mul(self, other)

    def __rmul__(self, other):
        return F.mul(other, self)

    def __truediv__(self, other):
        return F.div(self, other)

    def __rtruediv__(self, other):
        return F.div(other, self)

    def __pow__(self, other):
        return F.pow(self, other)

    def __rpow__(self, other):
        return F.pow(other, self)

    def __matmul__(self, other):
        return F.matmul(self, other)

    def __rmatmul__(self, other):
        return F.matmul(other, self)

    def __neg__(self):
        return F.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return F.abs(self)

    # ---- in-place arithmetic (recorded in a graph, refused on leaves that require grad) ---------------
    def __iadd__(self, other):
        return inplace.update("add_", F.add, self, other)

    def __isub__(self, other):
        return inplace.update("sub_", F.sub, self, other)

    def __imul__(self, other):
        return inplace.update("mul_", F.mul, self, other)

    def __itruediv__(self, other):
        return inplace.update("truediv_", F.div, self, other)

    def __ipow__(self, other):
        return inplace.update("pow_", F.pow, self, other)

    def add_(self, other):
        """self += other."""
        return inplace.update("add_", F.add, self, other)

    def sub_(self, other):
        """self -= other."""
        return inplace.update("sub_", F.sub, self, other)

    def mul_(self, other):
        """self *= other."""
        return inplace.update("mul_", F.mul, self, other)

    def div_(self, other):
        """self /= other."""
        return inplace.update("div_", F.div, self, other)

    def pow_(self, other):
        """self **= other."""
        return inplace.update("pow_", F.pow, self, other)

    def clamp_(self, min=None, max=None):
        """Limit self to [min, max] in place."""
        return inplace.update_unary("clamp_", lambda a: F.clamp(a, min, max), self)

    def exp_(self):
        return inplace.update_unary("exp_", F.exp, self)

    def log_(self):
        return inplace.update_unary("log_", F.log, self)

    def sqrt_(self):
        return inplace.update_unary("sqrt_", F.sqrt, self)

    def abs_(self):
        return inplace.update_unary("abs_", F.abs, self)

    def neg_(self):
        return inplace.update_unary("neg_", F.neg, self)

    def sin_(self):
        return inplace.update_unary("sin_", F.sin, self)

    def cos_(self):
        return inplace.update_unary("cos_", F.cos, self)

    def tan_(self):
        return inplace.update_unary("tan_", F.tan, self)

    def log1p_(self):
        return inplace.update_unary("log1p_", F.log1p, self)

    def sigmoid_(self):
        return inplace.update_unary("sigmoid_", F.sigmoid, self)

    def tanh_(self):
        return inplace.update_unary("tanh_", F.tanh, self)

    def relu_(self):
        return inplace.update_unary("relu_", F.relu, self)

    def sign_(self):
        return inplace.update_unary("sign_", F.sign, self)

    def zero_(self):
        """Fill with zeros in place."""
        return inplace.fill_(self, 0)

    def fill_(self, value):
        """Fill with ``value`` in place."""
        return inplace.fill_(self, value)

    def copy_(self, src):
        """Overwrite with ``src`` (broadcast) in place; in a graph the gradient flows to ``src`` only."""
        return inplace.copy_(self, src)

    def __getitem__(self, index):
        return F.shaping.getitem(self, index)

    def __setitem__(self, index, value):
        inplace.setitem(self, index, value)

    # ---- comparisons and logic (bool results, no gradient) ------------------------------------------
    def __eq__(self, other):
        return F.eq(self, other)

    def __ne__(self, other):
        return F.ne(self, other)

    def __lt__(self, other):
        return F.lt(self, other)

    def __le__(self, other):
        return F.le(self, other)

    def __gt__(self, other):
        return F.gt(self, other)

    def __ge__(self, other):
        return F.ge(self, other)

    def eq(self, other):
        return F.eq(self, other)

    def ne(self, other):
        return F.ne(self, other)

    def lt(self, other):
        return F.lt(self, other)

    def le(self, other):
        return F.le(self, other)

    def gt(self, other):
        return F.gt(self, other)

    def ge(self, other):
        return F.ge(self, other)

    def __and__(self, other):
        return F.logical_and(self, other)

    def __rand__(self, other):
        return F.logical_and(other, self)

    def __or__(self, other):
        return F.logical_or(self, other)

    def __ror__(self, other):
        return F.logical_or(other, self)

    def __xor__(self, other):
        return F.logical_xor(self, other)

    def __rxor__(self, other):
        return F.logical_xor(other, self)

    def __invert__(self):
        return F.logical_not(self)

    # ---- elementwise math --------------------------------------------------------------------------
    def add(self, other):
        return F.add(self, other)

    def sub(self, other):
        return F.sub(self, other)

    def mul(self, other):
        return F.mul(self, other)

    def div(self, other):
        return F.div(self, other)

    def pow(self, exponent):
        return F.pow(self, exponent)

    def neg(self):
        return F.neg(self)

    def exp(self):
        return F.exp(self)

    def log(self):
        return F.log(self)

    def sqrt(self):
        return F.sqrt(self)

    def abs(self):
        return F.abs(self)

    def sin(self):
        return F.sin(self)

    def cos(self):
        return F.cos(self)

    def tan(self):
        return F.tan(self)

    def log1p(self):
        return F.log1p(self)

    def sigmoid(self):
        return F.sigmoid(self)

    def tanh(self):
        return F.tanh(self)

    def relu(self):
        return F.relu(self)

    def sign(self):
        return F.sign(self)

    def leaky_relu(self, negative_slope=0.01):
        return F.leaky_relu(self, negative_slope)

    def clamp(self, min=None, max=None):
        return F.clamp(self, min, max)

    def clip(self, min=None, max=None):
        return F.clamp(self, min, max)

    def maximum(self, other):
        return F.maximum(self, other)

    def minimum(self, other):
        return F.minimum(self, other)

    def matmul(self, other):
        return F.matmul(self, other)

    def clone(self):
        return F.clone(self)

    # ---- dtype conversion ---------------------------------------------------------------------------
    def astype(self, dtype):
        return F.astype(self, dtype)

    def float(self):
        return F.astype(self, np.float32)

    def double(self):
        return F.astype(self, np.float64)

    def half(self):
        return F.astype(self, np.float16)

    def long(self):
        return F.astype(self, np.int64)

    def int(self):
        return F.astype(self, np.int32)

    def bool(self):
        return F.astype(self, np.bool_)

    def type(self, dtype=None):
        """The dtype's name without an argument, else the tensor converted to ``dtype``."""
        return str(self.dtype) if dtype is None else F.astype(self, dtype)

    def to(self, *args, dtype=None, **kwargs):
        """``.to(dtype)`` or ``.to(other)`` converts; ``.to('cpu')`` (the only device) returns self."""
        for a in args:
            if isinstance(a, str):
                if a != "cpu":
                    raise ValueError(f"to: autograd_lite runs on the CPU only, got device {a!r}")
            elif isinstance(a, TensorOps):
                dtype = a.dtype
            else:
                dtype = a
        return self if dtype is None else F.astype(self, dtype)

    def cpu(self):
        return self

    # ---- reductions ---------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        return F.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return F.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return F.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim=False):
        return F.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return F.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return F.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return F.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return F.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return F.argmin(self, dim, keepdim)

    def logsumexp(self, dim=None, keepdim=False):
        return F.logsumexp(self, dim, keepdim)

    def softmax(self, dim):
        return F.softmax(self, dim)

    def log_softmax(self, dim):
        return F.log_softmax(self, dim)

    # ---- shape ---------------------------------------------------------------------------------------
    def reshape(self, *shape):
        return F.reshape(self, *shape)

    def view(self, *shape):
        return F.view(self, *shape)

    def view_as(self, other):
        return F.view(self, other.shape)

    def reshape_as(self, other):
        return F.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return F.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return F.unflatten(self, dim, sizes)

    def permute(self, *dims):
        return F.permute(self, *dims)

    def transpose(self, dim0, dim1):
        return F.transpose(self, dim0, dim1)

    def t(self):
        return F.t(self)

    @property
    def T(self):
        """All dims reversed (a 2-D tensor's transpose)."""
        return F.shaping.T(self)

    def squeeze(self, dim=None):
        return F.squeeze(self, dim)

    def unsqueeze(self, dim):
        return F.unsqueeze(self, dim)

    def expand(self, *sizes):
        return F.expand(self, *sizes)

    def expand_as(self, other):
        return F.expand_as(self, other)

    def broadcast_to(self, shape):
        return F.broadcast_to(self, shape)

    def contiguous(self):
        return F.contiguous(self)

    def is_contiguous(self):
        return F.is_contiguous(self)
