"""The Tensor's operator and op methods, written out: ``class Tensor(TensorOps)``.

Every method here is one call of a public function (``x.exp()`` is ``al.exp(x)``, ``x + y`` is
``al.add(x, y)``) or of the in-place machinery (``x += y``, ``x.add_(y)``, ``x[i] = v``). The functions
import Tensor, so they are bound here once the package has made them (``bind``, called once by
``autograd_lite``'s ``__init__``); a test checks that these methods and the op registry's ``methods`` agree.
"""

import builtins
from typing import TYPE_CHECKING, Tuple, Union, cast

import numpy as np

from . import devices
from .devices import check_device

if TYPE_CHECKING:
    from . import functions as F
    from .functions import inplace
    from . import creation as _creation
    from .tensor import Tensor
else:
    F = inplace = _creation = None


def bind(functions, inplace_module, creation) -> None:
    """Point the methods at the public functions, the in-place machinery and the random fills (once, at import)."""
    global F, inplace, _creation
    F, inplace, _creation = functions, inplace_module, creation


class TensorOps:
    """Arithmetic, comparison, math, reduction and shape methods of Tensor, each one public function."""

    __slots__ = ()
    if TYPE_CHECKING:  # defined by Tensor

        @property
        def shape(self) -> Tuple[builtins.int, ...]: ...

        @property
        def dtype(self) -> np.dtype: ...

    # ---- arithmetic operators --------------------------------------------------------------------
    def __add__(self, other) -> "Tensor":
        return F.add(self, other)

    def __radd__(self, other) -> "Tensor":
        return F.add(other, self)

    def __sub__(self, other) -> "Tensor":
        return F.sub(self, other)

    def __rsub__(self, other) -> "Tensor":
        return F.sub(other, self)

    def __mul__(self, other) -> "Tensor":
        return F.mul(self, other)

    def __rmul__(self, other) -> "Tensor":
        return F.mul(other, self)

    def __truediv__(self, other) -> "Tensor":
        return F.div(self, other)

    def __rtruediv__(self, other) -> "Tensor":
        return F.div(other, self)

    def __pow__(self, other) -> "Tensor":
        return F.pow(self, other)

    def __rpow__(self, other) -> "Tensor":
        return F.pow(other, self)

    def __matmul__(self, other) -> "Tensor":
        return F.matmul(self, other)

    def __rmatmul__(self, other) -> "Tensor":
        return F.matmul(other, self)

    def __mod__(self, other) -> "Tensor":
        return F.remainder(self, other)

    def __rmod__(self, other) -> "Tensor":
        return F.remainder(other, self)

    def __imod__(self, other) -> "Tensor":
        return inplace.update("remainder_", F.remainder, self, other)

    def __floordiv__(self, other) -> "Tensor":
        return F.floor_divide(self, other)

    def __rfloordiv__(self, other) -> "Tensor":
        return F.floor_divide(other, self)

    def __ifloordiv__(self, other) -> "Tensor":
        return inplace.update("floor_divide_", F.floor_divide, self, other)

    def __neg__(self) -> "Tensor":
        return F.plain.neg(self)

    def __pos__(self) -> "Tensor":
        return cast("Tensor", self)

    def __abs__(self) -> "Tensor":
        return F.plain.abs(self)

    # ---- in-place arithmetic (recorded in a graph, refused on leaves that require grad) ---------------
    def __iadd__(self, other) -> "Tensor":
        return inplace.update("add_", F.add, self, other)

    def __isub__(self, other) -> "Tensor":
        return inplace.update("sub_", F.sub, self, other)

    def __imul__(self, other) -> "Tensor":
        return inplace.update("mul_", F.mul, self, other)

    def __itruediv__(self, other) -> "Tensor":
        return inplace.update("truediv_", F.div, self, other)

    def __ipow__(self, other) -> "Tensor":
        return inplace.update("pow_", F.pow, self, other)

    def add_(self, other) -> "Tensor":
        """self += other."""
        return inplace.update("add_", F.add, self, other)

    def sub_(self, other) -> "Tensor":
        """self -= other."""
        return inplace.update("sub_", F.sub, self, other)

    def mul_(self, other) -> "Tensor":
        """self *= other."""
        return inplace.update("mul_", F.mul, self, other)

    def div_(self, other) -> "Tensor":
        """self /= other."""
        return inplace.update("div_", F.div, self, other)

    def pow_(self, other) -> "Tensor":
        """self **= other."""
        return inplace.update("pow_", F.pow, self, other)

    def clamp_(self, min=None, max=None) -> "Tensor":
        """Limit self to [min, max] in place."""
        return inplace.update_unary("clamp_", lambda a: F.clamp(a, min, max), self)

    def exp_(self) -> "Tensor":
        return inplace.update_unary("exp_", F.plain.exp, self)

    def log_(self) -> "Tensor":
        return inplace.update_unary("log_", F.plain.log, self)

    def sqrt_(self) -> "Tensor":
        return inplace.update_unary("sqrt_", F.plain.sqrt, self)

    def abs_(self) -> "Tensor":
        return inplace.update_unary("abs_", F.plain.abs, self)

    def neg_(self) -> "Tensor":
        return inplace.update_unary("neg_", F.plain.neg, self)

    def sin_(self) -> "Tensor":
        return inplace.update_unary("sin_", F.plain.sin, self)

    def cos_(self) -> "Tensor":
        return inplace.update_unary("cos_", F.plain.cos, self)

    def tan_(self) -> "Tensor":
        return inplace.update_unary("tan_", F.plain.tan, self)

    def log1p_(self) -> "Tensor":
        return inplace.update_unary("log1p_", F.plain.log1p, self)

    def sigmoid_(self) -> "Tensor":
        return inplace.update_unary("sigmoid_", F.plain.sigmoid, self)

    def tanh_(self) -> "Tensor":
        return inplace.update_unary("tanh_", F.plain.tanh, self)

    def relu_(self) -> "Tensor":
        return inplace.update_unary("relu_", F.plain.relu, self)

    def sign_(self) -> "Tensor":
        return inplace.update_unary("sign_", F.plain.sign, self)

    def expm1_(self) -> "Tensor":
        return inplace.update_unary("expm1_", F.plain.expm1, self)

    def erf_(self) -> "Tensor":
        return inplace.update_unary("erf_", F.plain.erf, self)

    def floor_(self) -> "Tensor":
        return inplace.update_unary("floor_", F.plain.floor, self)

    def ceil_(self) -> "Tensor":
        return inplace.update_unary("ceil_", F.plain.ceil, self)

    def trunc_(self) -> "Tensor":
        return inplace.update_unary("trunc_", F.plain.trunc, self)

    def fix_(self) -> "Tensor":
        return inplace.update_unary("fix_", F.plain.trunc, self)

    def round_(self, *, decimals=0) -> "Tensor":
        return inplace.update_unary("round_", lambda a: F.round(a, decimals=decimals), self)

    def remainder_(self, other) -> "Tensor":
        return inplace.update("remainder_", F.remainder, self, other)

    def floor_divide_(self, other) -> "Tensor":
        return inplace.update("floor_divide_", F.floor_divide, self, other)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None) -> "Tensor":
        return inplace.update_unary("nan_to_num_", lambda a: F.nan_to_num(a, nan, posinf, neginf), self)

    def masked_fill_(self, mask, value) -> "Tensor":
        """self[mask] = value (mask broadcast to self's shape)."""
        return inplace.update_unary("masked_fill_", lambda a: F.masked_fill(a, mask, value), self)

    def zero_(self) -> "Tensor":
        """Fill with zeros in place."""
        return inplace.fill_(self, 0)

    def fill_(self, value) -> "Tensor":
        """Fill with ``value`` in place."""
        return inplace.fill_(self, value)

    def copy_(self, src) -> "Tensor":
        """Overwrite with ``src`` (broadcast) in place; in a graph the gradient flows to ``src`` only."""
        return inplace.copy_(self, src)

    # ---- in-place random fills (the initialisation idiom ``w.normal_(0.0, 0.02)`` under no_grad) ----------
    def normal_(self, mean=0.0, std=1.0, *, generator=None) -> "Tensor":
        """Fill with N(mean, std**2) draws in place (autograd_lite's generator, or ``generator``)."""
        return _creation.normal_(self, mean, std, generator=generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None) -> "Tensor":
        """Fill with U(a, b) draws in place."""
        return _creation.uniform_(self, a, b, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None) -> "Tensor":
        """Fill with Bernoulli(p) draws (0 or 1) in place."""
        return _creation.bernoulli_(self, p, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None) -> "Tensor":
        """Fill with Exponential(lambd) draws in place."""
        return _creation.exponential_(self, lambd, generator=generator)

    def random_(self, *args, generator=None, **kwargs) -> "Tensor":
        """Fill with integers drawn uniformly: ``random_(to)``, ``random_(from, to)`` or the dtype's range."""
        return _creation.random_(self, *args, generator=generator, **kwargs)

    def __getitem__(self, index) -> "Tensor":
        return F.shaping.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        inplace.setitem(self, index, value)

    # ---- comparisons and logic (bool results, no gradient) ------------------------------------------
    def __eq__(self, other) -> "Tensor":  # type: ignore[override]  # elementwise, as torch
        return F.eq(self, other)

    def __ne__(self, other) -> "Tensor":  # type: ignore[override]  # elementwise, as torch
        return F.ne(self, other)

    def __lt__(self, other) -> "Tensor":
        return F.lt(self, other)

    def __le__(self, other) -> "Tensor":
        return F.le(self, other)

    def __gt__(self, other) -> "Tensor":
        return F.gt(self, other)

    def __ge__(self, other) -> "Tensor":
        return F.ge(self, other)

    def eq(self, other) -> "Tensor":
        return F.eq(self, other)

    def ne(self, other) -> "Tensor":
        return F.ne(self, other)

    def lt(self, other) -> "Tensor":
        return F.lt(self, other)

    def le(self, other) -> "Tensor":
        return F.le(self, other)

    def gt(self, other) -> "Tensor":
        return F.gt(self, other)

    def ge(self, other) -> "Tensor":
        return F.ge(self, other)

    def __and__(self, other) -> "Tensor":
        return F.logical_and(self, other)

    def __rand__(self, other) -> "Tensor":
        return F.logical_and(other, self)

    def __or__(self, other) -> "Tensor":
        return F.logical_or(self, other)

    def __ror__(self, other) -> "Tensor":
        return F.logical_or(other, self)

    def __xor__(self, other) -> "Tensor":
        return F.logical_xor(self, other)

    def __rxor__(self, other) -> "Tensor":
        return F.logical_xor(other, self)

    def __invert__(self) -> "Tensor":
        return F.logical_not(self)

    # ---- elementwise math --------------------------------------------------------------------------
    def add(self, other) -> "Tensor":
        return F.add(self, other)

    def sub(self, other) -> "Tensor":
        return F.sub(self, other)

    def mul(self, other) -> "Tensor":
        return F.mul(self, other)

    def div(self, other) -> "Tensor":
        return F.div(self, other)

    def pow(self, exponent) -> "Tensor":
        return F.pow(self, exponent)

    def neg(self) -> "Tensor":
        return F.plain.neg(self)

    def exp(self) -> "Tensor":
        return F.plain.exp(self)

    def log(self) -> "Tensor":
        return F.plain.log(self)

    def sqrt(self) -> "Tensor":
        return F.plain.sqrt(self)

    def abs(self) -> "Tensor":
        return F.plain.abs(self)

    def sin(self) -> "Tensor":
        return F.plain.sin(self)

    def cos(self) -> "Tensor":
        return F.plain.cos(self)

    def tan(self) -> "Tensor":
        return F.plain.tan(self)

    def log1p(self) -> "Tensor":
        return F.plain.log1p(self)

    def sigmoid(self) -> "Tensor":
        return F.plain.sigmoid(self)

    def tanh(self) -> "Tensor":
        return F.plain.tanh(self)

    def relu(self) -> "Tensor":
        return F.plain.relu(self)

    def sign(self) -> "Tensor":
        return F.plain.sign(self)

    def expm1(self) -> "Tensor":
        return F.plain.expm1(self)

    def erf(self) -> "Tensor":
        return F.plain.erf(self)

    def floor(self) -> "Tensor":
        return F.plain.floor(self)

    def ceil(self) -> "Tensor":
        return F.plain.ceil(self)

    def trunc(self) -> "Tensor":
        return F.plain.trunc(self)

    def fix(self) -> "Tensor":
        return F.plain.trunc(self)

    def round(self, *, decimals=0) -> "Tensor":
        return F.round(self, decimals=decimals)

    def remainder(self, other) -> "Tensor":
        return F.remainder(self, other)

    def floor_divide(self, other) -> "Tensor":
        return F.floor_divide(self, other)

    def isinf(self) -> "Tensor":
        return F.isinf(self)

    def isnan(self) -> "Tensor":
        return F.isnan(self)

    def isfinite(self) -> "Tensor":
        return F.isfinite(self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None) -> "Tensor":
        return F.nan_to_num(self, nan, posinf, neginf)

    def masked_fill(self, mask, value) -> "Tensor":
        return F.masked_fill(self, mask, value)

    def leaky_relu(self, negative_slope=0.01) -> "Tensor":
        return F.leaky_relu(self, negative_slope)

    def clamp(self, min=None, max=None) -> "Tensor":
        return F.clamp(self, min, max)

    def clip(self, min=None, max=None) -> "Tensor":
        return F.clamp(self, min, max)

    def maximum(self, other) -> "Tensor":
        return F.maximum(self, other)

    def minimum(self, other) -> "Tensor":
        return F.minimum(self, other)

    def matmul(self, other) -> "Tensor":
        return F.matmul(self, other)

    def mm(self, mat2) -> "Tensor":
        return F.mm(self, mat2)

    def bmm(self, mat2) -> "Tensor":
        return F.bmm(self, mat2)

    def mv(self, vec) -> "Tensor":
        return F.mv(self, vec)

    def dot(self, other) -> "Tensor":
        return F.dot(self, other)

    def outer(self, vec2) -> "Tensor":
        return F.outer(self, vec2)

    def ger(self, vec2) -> "Tensor":
        return F.outer(self, vec2)

    def clone(self) -> "Tensor":
        return F.plain.clone(self)

    # ---- dtype conversion ---------------------------------------------------------------------------
    def astype(self, dtype) -> "Tensor":
        return F.astype(self, dtype)

    def float(self) -> "Tensor":
        return F.astype(self, np.float32)

    def double(self) -> "Tensor":
        return F.astype(self, np.float64)

    def half(self) -> "Tensor":
        return F.astype(self, np.float16)

    def long(self) -> "Tensor":
        return F.astype(self, np.int64)

    def int(self) -> "Tensor":
        return F.astype(self, np.int32)

    def bool(self) -> "Tensor":
        return F.astype(self, np.bool_)

    def type(self, dtype=None) -> Union[str, "Tensor"]:
        """The dtype's name without an argument, else the tensor converted to ``dtype``."""
        return str(self.dtype) if dtype is None else F.astype(self, dtype)

    def to(self, *args, dtype=None, device=None, **kwargs) -> "Tensor":
        """``.to(dtype)``, ``.to(other)`` and ``.to(device, dtype)`` as torch's; the device must be the CPU
        (``"cpu"`` or ``al.device("cpu")``: the only one), so only a dtype changes anything."""
        check_device("to", device)
        for a in args:
            if isinstance(a, (str, devices.device)):
                check_device("to", a)
            elif isinstance(a, TensorOps):
                dtype = a.dtype
            else:
                dtype = a
        return cast("Tensor", self) if dtype is None else F.astype(self, dtype)

    def cpu(self) -> "Tensor":
        return cast("Tensor", self)

    # ---- reductions ---------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False) -> "Tensor":
        return F.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False) -> "Tensor":
        return F.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None) -> "Tensor":
        return F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None) -> "Tensor":
        return F.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim=False) -> "Tensor":
        return F.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False) -> "Tensor":
        return F.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False) -> "Tensor":
        return F.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False) -> "Tensor":
        return F.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False) -> "Tensor":
        return F.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False) -> "Tensor":
        return F.argmin(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None) -> "Tensor":
        return F.norm(self, p, dim, keepdim, dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None) -> "Tensor":
        return F.prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim, *, dtype=None) -> "Tensor":
        return F.cumsum(self, dim, dtype=dtype)

    def cumsum_(self, dim, *, dtype=None) -> "Tensor":
        return inplace.update_unary("cumsum_", lambda a: F.cumsum(a, dim, dtype=dtype), self)

    def cumprod(self, dim, *, dtype=None) -> "Tensor":
        return F.cumprod(self, dim, dtype=dtype)

    def cumprod_(self, dim, *, dtype=None) -> "Tensor":
        return inplace.update_unary("cumprod_", lambda a: F.cumprod(a, dim, dtype=dtype), self)

    def any(self, dim=None, keepdim=False) -> "Tensor":
        return F.any(self, dim, keepdim)

    def all(self, dim=None, keepdim=False) -> "Tensor":
        return F.all(self, dim, keepdim)

    def sort(self, dim=-1, descending=False, stable=False) -> Tuple["Tensor", "Tensor"]:
        return F.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False) -> "Tensor":
        return F.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True) -> Tuple["Tensor", "Tensor"]:
        return F.topk(self, k, dim, largest, sorted)

    def logsumexp(self, dim=None, keepdim=False) -> "Tensor":
        return F.logsumexp(self, dim, keepdim)

    def softmax(self, dim) -> "Tensor":
        return F.softmax(self, dim)

    def log_softmax(self, dim) -> "Tensor":
        return F.log_softmax(self, dim)

    # ---- shape ---------------------------------------------------------------------------------------
    def reshape(self, *shape) -> "Tensor":
        return F.reshape(self, *shape)

    def view(self, *shape) -> "Tensor":
        return F.view(self, *shape)

    def view_as(self, other) -> "Tensor":
        return F.view(self, other.shape)

    def reshape_as(self, other) -> "Tensor":
        return F.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1) -> "Tensor":
        return F.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes) -> "Tensor":
        return F.unflatten(self, dim, sizes)

    def permute(self, *dims) -> "Tensor":
        return F.permute(self, *dims)

    def transpose(self, dim0, dim1) -> "Tensor":
        return F.transpose(self, dim0, dim1)

    def t(self) -> "Tensor":
        return F.t(self)

    @property
    def T(self) -> "Tensor":
        """All dims reversed (a 2-D tensor's transpose)."""
        return F.shaping.T(self)

    def squeeze(self, dim=None) -> "Tensor":
        return F.squeeze(self, dim)

    def unsqueeze(self, dim) -> "Tensor":
        return F.unsqueeze(self, dim)

    def expand(self, *sizes) -> "Tensor":
        return F.expand(self, *sizes)

    def expand_as(self, other) -> "Tensor":
        return F.expand_as(self, other)

    def broadcast_to(self, shape) -> "Tensor":
        return F.broadcast_to(self, shape)

    def tril(self, diagonal=0) -> "Tensor":
        return F.tril(self, diagonal)

    def triu(self, diagonal=0) -> "Tensor":
        return F.triu(self, diagonal)

    def tril_(self, diagonal=0) -> "Tensor":
        return inplace.update_unary("tril_", lambda a: F.tril(a, diagonal), self)

    def triu_(self, diagonal=0) -> "Tensor":
        return inplace.update_unary("triu_", lambda a: F.triu(a, diagonal), self)

    def flip(self, *dims) -> "Tensor":
        return F.flip(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], builtins.int) else dims)

    def roll(self, shifts, dims=None) -> "Tensor":
        return F.roll(self, shifts, dims)

    def gather(self, dim, index) -> "Tensor":
        return F.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None) -> "Tensor":
        return F.scatter(self, dim, index, src, value=value)

    def scatter_(self, dim, index, src=None, *, value=None) -> "Tensor":
        return inplace.update_unary("scatter_", lambda a: F.scatter(a, dim, index, src, value=value), self)

    def scatter_add(self, dim, index, src) -> "Tensor":
        return F.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src) -> "Tensor":
        return inplace.update_unary("scatter_add_", lambda a: F.scatter_add(a, dim, index, src), self)

    def index_select(self, dim, index) -> "Tensor":
        return F.index_select(self, dim, index)

    def repeat(self, *sizes) -> "Tensor":
        return F.shaping.repeat(self, *sizes)

    def tile(self, *dims) -> "Tensor":
        return F.tile(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], builtins.int) else dims)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None) -> "Tensor":
        return F.repeat_interleave(self, repeats, dim, output_size=output_size)

    def split(self, split_size, dim=0) -> Tuple["Tensor", ...]:
        return F.split(self, split_size, dim)

    def chunk(self, chunks, dim=0) -> Tuple["Tensor", ...]:
        return F.chunk(self, chunks, dim)

    def contiguous(self) -> "Tensor":
        return F.contiguous(self)

    def is_contiguous(self) -> builtins.bool:
        return F.is_contiguous(self)
