"""Elementwise operations with numpy broadcasting: arithmetic, exp/log family, activations, clamp, where.

Gradients are written for the broadcast output shape; the engine sums them back to each input's shape.
Ties follow PyTorch: ``maximum``/``minimum`` split the gradient evenly between equal inputs; ``clamp``
passes it where min <= x <= max; ``abs``, ``relu`` send 0 at 0.

Every piecewise gradient *selects* with ``base.masked`` (never multiplies a 0/1 mask in): where no
gradient flows it is exactly 0, even when the incoming gradient is inf or NaN there (torch's
threshold_backward, clamp_backward, where). Where it flows, inf and NaN pass unchanged.
"""

import math

import numpy as np

from ..dtypes import as_floating
from .base import Op, OpError, data_of, masked, numpy_namespace, where_scaled


def _shape(a):
    return getattr(a, "shape", ())


def _broadcast_error(name, a, b):
    return OpError(
        f"{name}: shapes {_shape(a)} and {_shape(b)} are not broadcastable "
        "(each dimension must match or be 1, aligned from the right)"
    )


def _binary(name, ufunc, a, b):
    try:
        return ufunc(a, b)
    except ValueError:
        raise _broadcast_error(name, a, b) from None


class Add(Op):
    name = "add"
    function = "add"
    methods = ("add", "add_", "__add__", "__radd__", "__iadd__")
    saves_x = False

    @staticmethod
    def forward(a, b):
        return _binary("add", np.add, a, b), None

    @staticmethod
    def vjp(ctx, g):
        return g, g


class Sub(Op):
    name = "sub"
    function = "sub"
    aliases = ("subtract",)
    methods = ("sub", "sub_", "__sub__", "__rsub__", "__isub__")
    saves_x = False

    @staticmethod
    def forward(a, b):
        return _binary("sub", np.subtract, a, b), None

    @staticmethod
    def vjp(ctx, g):
        return g, (-g if ctx.needs[1] else None)


class Mul(Op):
    name = "mul"
    function = "mul"
    aliases = ("multiply",)
    methods = ("mul", "mul_", "__mul__", "__rmul__", "__imul__")
    reads = staticmethod(lambda needs: (needs[1], needs[0]))  # each gradient reads the other factor

    @staticmethod
    def forward(a, b):
        return _binary("mul", np.multiply, a, b), None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        return (g * b if ctx.needs[0] else None), (g * a if ctx.needs[1] else None)


class Div(Op):
    name = "div"
    function = "div"
    aliases = ("divide", "true_divide")
    methods = ("div", "div_", "__truediv__", "__rtruediv__", "__itruediv__")
    reads = staticmethod(lambda needs: (needs[1], True))

    @staticmethod
    def forward(a, b):
        if _is_integral(a) and _is_integral(b):
            # both to the default float: float32 / int64 would give float64 in numpy (torch: float32)
            a, b = as_floating(np.asarray(a)), as_floating(np.asarray(b))
        return _binary("div", np.true_divide, a, b), None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        ga = g / b if ctx.needs[0] else None
        gb = -g * ((a / b) / b) if ctx.needs[1] else None  # torch's form: its derivatives at 0 and inf too
        return ga, gb


def _is_integral(a):
    if isinstance(a, np.ndarray):
        return a.dtype.kind in "biu"
    return isinstance(a, (int, np.integer))


class Neg(Op):
    """-x, elementwise."""

    name = "neg"
    function = "neg"
    methods = ("neg", "neg_", "__neg__")
    saves_x = False

    @staticmethod
    def forward(a):
        return np.negative(a), None

    @staticmethod
    def vjp(ctx, g):
        return (-g,)


def _integer_power(a, b):
    """Integer a ** b as torch computes it: a negative exponent gives 0, except for bases 1 and -1
    (numpy refuses negative integer exponents)."""
    b = np.asarray(b)
    negative = b < 0
    if not negative.any():
        return np.power(a, b)
    out = np.power(a, np.where(negative, 0, b))
    odd = np.abs(b) % 2 == 1
    at_negative = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0)).astype(out.dtype)
    return np.where(negative, at_negative, out)


class Pow(Op):
    """a ** b with either side a tensor; torch's conventions: d/da is 0 where b == 0, d/db is 0 where a == 0, b >= 0."""

    name = "pow"
    function = "pow"
    methods = ("pow", "pow_", "__pow__", "__rpow__", "__ipow__")
    saves_y = True

    @staticmethod
    def forward(a, b):
        if _is_integral(a) and isinstance(b, float):
            a = as_floating(np.asarray(a))
        if _is_integral(a) and _is_integral(b):
            return _binary("pow", _integer_power, a, b), None
        return _binary("pow", np.power, a, b), None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        xp = ctx.xp
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 and log(0) are masked by the where
            if ctx.needs[0]:
                ga = _select_product(xp, data_of(b) == 0, g, b * a ** (b - 1))
            if ctx.needs[1]:
                log_a = xp.log(a) if hasattr(a, "shape") else np.log(a)
                gb = _select_product(xp, (data_of(a) == 0) & (data_of(b) >= 0), g, ctx.y * log_a)
        return ga, gb


def _select_product(xp, blocked, g, factor):
    """g * factor, exactly 0 where ``blocked``: the factor itself is zeroed there too, so that under
    create_graph the derivative in g (the factor) is 0 there, not the inf or NaN it held (torch's
    masked_fill of the factor)."""
    if not np.any(blocked):
        return g * factor
    return xp.where(blocked, 0.0, g * xp.where(blocked, 0.0, factor))


class PowScalar(Op):
    """x ** p for a Python number p (the common case: squares, roots, reciprocals)."""

    name = "pow"

    @staticmethod
    def forward(a, exponent):
        if a.dtype.kind in "biu" and (isinstance(exponent, float) or exponent < 0):
            a = as_floating(a)
        if exponent == -0.5:  # torch computes rsqrt: NaN at -inf, -inf at -0 (numpy's pow: 0 and inf)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.reciprocal(np.sqrt(a)), None
        return np.power(a, exponent), None

    @staticmethod
    def vjp(ctx, g):
        (a,) = ctx.x
        p = ctx.p["exponent"]
        if p == 0:  # torch: exactly zero, whatever the incoming gradient
            return (masked(ctx.xp, g, False),)
        if p == 2:
            return (g * (a * 2.0),)
        if p == 1:
            return (g,)
        # a ** (p - 1) by this op's own rules (rsqrt for -0.5), on arrays as under create_graph
        power = PowScalar.forward(a, p - 1)[0] if isinstance(a, np.ndarray) else a ** (p - 1)
        return (g * (power * float(p)),)


class Exp(Op):
    """e ** x, elementwise."""

    name = "exp"
    function = "exp"
    methods = ("exp", "exp_")
    xp = "exp"
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        return np.exp(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        return (g * ctx.y,)


class Log(Op):
    """Natural logarithm, elementwise."""

    name = "log"
    function = "log"
    methods = ("log", "log_")
    xp = "log"

    @staticmethod
    def forward(a):
        return np.log(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        return (g / ctx.x[0],)


class Sqrt(Op):
    """Square root, elementwise."""

    name = "sqrt"
    function = "sqrt"
    methods = ("sqrt", "sqrt_")
    xp = "sqrt"
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        return np.sqrt(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        with np.errstate(divide="ignore"):  # sqrt(0): an infinite slope, as torch (silently)
            return (g / (ctx.y * 2.0),)


class Abs(Op):
    """|x|; the gradient is g where x > 0, -g where x < 0 and exactly 0 at 0 and at NaN (torch's sgn(NaN)
    is 0): g * sign(x) selected off those, so an inf/NaN gradient at x = 0 gives 0 (torch: NaN)."""

    name = "abs"
    function = "abs"
    methods = ("abs", "abs_", "__abs__")
    xp = "abs"

    @staticmethod
    def forward(a):
        return np.abs(a), None

    @staticmethod
    def vjp(ctx, g):
        x = data_of(ctx.x[0])
        with np.errstate(invalid="ignore"):  # inf * 0 at x = 0: masked out below
            kept = g * np.sign(x)  # exact where kept (sign is +-1 there)
        return (masked(ctx.xp, kept, (x != 0) & (x == x)),)


class Reciprocal(Op):
    """1 / x; saves its output (not x), so that x may change afterwards, as in torch's ``c / x``."""

    name = "reciprocal"
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        with np.errstate(divide="ignore"):
            return np.reciprocal(a), None

    @staticmethod
    def vjp(ctx, g):
        y = ctx.y
        return (-(g * (y * y)),)


class Sign(Op):
    """-1, 0 or 1 per element (0 at NaN, as torch); piecewise constant, so its gradient is exactly 0."""

    name = "sign"
    function = "sign"
    methods = ("sign", "sign_")
    xp = "sign"
    saves_x = False

    @staticmethod
    def forward(a):
        out = np.asarray(np.sign(a))
        if out.dtype.kind == "f":
            out = np.where(np.isnan(out), out.dtype.type(0), out)
        return out, None

    @staticmethod
    def vjp(ctx, g):
        return (masked(ctx.xp, g, False),)


class Sin(Op):
    """Sine, elementwise."""

    name = "sin"
    function = "sin"
    methods = ("sin", "sin_")
    xp = "sin"

    @staticmethod
    def forward(a):
        return np.sin(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        return (g * ctx.xp.cos(ctx.x[0]),)


class Cos(Op):
    """Cosine, elementwise."""

    name = "cos"
    function = "cos"
    methods = ("cos", "cos_")
    xp = "cos"

    @staticmethod
    def forward(a):
        return np.cos(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        return (-g * ctx.xp.sin(ctx.x[0]),)


class Tan(Op):
    """Tangent, elementwise; its derivative 1 + tan(x)^2 reuses the output."""

    name = "tan"
    function = "tan"
    methods = ("tan", "tan_")
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        return np.tan(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        y = ctx.y
        return (g * (y * y + 1.0),)


class Log1p(Op):
    """log(1 + x), elementwise, accurate for small x (where log(1 + x) would round 1 + x first)."""

    name = "log1p"
    function = "log1p"
    methods = ("log1p", "log1p_")

    @staticmethod
    def forward(a):
        return np.log1p(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        return (g / (ctx.x[0] + 1.0),)


class Sigmoid(Op):
    """1 / (1 + e^-x) as torch computes it: for x << 0 the overflow to inf gives exactly 0, and for other x
    the result is accurate to the last bit of e^x (no cancellation); four in-place passes."""

    name = "sigmoid"
    function = "sigmoid"
    methods = ("sigmoid", "sigmoid_")
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        a = as_floating(a)
        e = np.negative(a, out=np.empty_like(a))
        with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives exactly 1 / inf = 0
            np.exp(e, out=e)
        e += 1
        return np.reciprocal(e, out=e), None

    @staticmethod
    def vjp(ctx, g):
        y = ctx.y
        return (g * (y * (1.0 - y)),)


class Tanh(Op):
    """Hyperbolic tangent, elementwise."""

    name = "tanh"
    function = "tanh"
    methods = ("tanh", "tanh_")
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        return np.tanh(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        y = ctx.y
        return (g * (1.0 - y * y),)


class Relu(Op):
    """max(x, 0); gradient 0 at 0 (as torch)."""

    name = "relu"
    function = "relu"
    methods = ("relu", "relu_")
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        return np.maximum(a, 0), None

    @staticmethod
    def vjp(ctx, g):
        return (relu_grad(ctx.xp, g, data_of(ctx.y)),)


def relu_grad(xp, g, y):
    """``g`` where ``y`` > 0 or is NaN (as torch's threshold_backward), exactly 0 where ``y`` <= 0: bit for bit
    ``masked(xp, g, ~(y <= 0))``, with one byte-per-element temporary instead of three. On a float array
    ``g`` the comparison's bool array becomes, in place, masked's AND mask (True - 1 = 0 where y <= 0,
    all ones elsewhere); at batch 256 of the CNN benchmark each of the temporaries saved is 2.8 MiB."""
    if type(g) is not np.ndarray or g.dtype.kind != "f" or g.dtype.itemsize not in (2, 4, 8) or g.shape != y.shape:
        return masked(xp, g, ~(y <= 0))
    bits = np.less_equal(y, 0).view(np.int8)
    bits -= 1
    same_size = np.dtype(f"i{g.dtype.itemsize}")
    return np.bitwise_and(g.view(same_size), bits, dtype=same_size).view(g.dtype)


class LeakyRelu(Op):
    name = "leaky_relu"
    function = "leaky_relu"
    methods = ("leaky_relu",)

    @staticmethod
    def forward(a, negative_slope=0.01):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and 0.0 < negative_slope < math.inf:
            # for a positive slope the larger (slope <= 1) or smaller (slope > 1) of a and slope * a is the
            # selected one, NaN, infinities and signed zeros included: two fast passes instead of np.where
            scaled = np.multiply(a, negative_slope, out=np.empty_like(a))
            pick = np.maximum if negative_slope <= 1.0 else np.minimum
            return pick(a, scaled, out=scaled), None
        return np.where(a > 0, a, a * negative_slope), None

    @staticmethod
    def vjp(ctx, g):
        x = data_of(ctx.x[0])
        slope = ctx.p["negative_slope"]
        if slope == 0:
            return (masked(ctx.xp, g, x > 0),)
        return (where_scaled(ctx.xp, x > 0, g, slope),)  # torch: x > 0 ? g : g * slope (NaN takes the slope)


class Softplus(Op):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (torch's F.softplus). The gradient
    is g * sigmoid(beta x) (g where linear) through the Sigmoid op, so higher orders are as accurate as
    sigmoid's in float32 (a composition through log and exp loses digits to cancellation)."""

    name = "softplus"
    function = "nn.functional.softplus"

    @staticmethod
    def forward(a, beta=1.0, threshold=20.0):
        a = as_floating(a)
        scaled = a * a.dtype.type(beta)
        linear = scaled > threshold
        soft = np.log1p(np.exp(np.where(linear, 0, scaled))) / a.dtype.type(beta)  # 0: no overflow unused
        return np.where(linear, a, soft), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        xp, beta = ctx.xp, ctx.p["beta"]
        linear = data_of(x) * beta > ctx.p["threshold"]  # NaN is not linear: it gets sigmoid(NaN), as torch
        slope = xp.apply(Sigmoid, xp.where(linear, 0.0, x * beta))
        return (xp.where(linear, g, g * slope),)


class Elu(Op):
    """x where x > 0, alpha (e^x - 1) elsewhere (expm1: accurate near 0). torch's conventions at the kink
    and at NaN: the first derivative at 0 is alpha, the second is 0, and NaN passes the gradient."""

    name = "elu"
    function = "nn.functional.elu"

    @staticmethod
    def forward(a, alpha=1.0):
        a = as_floating(a)
        negative = np.expm1(np.minimum(a, 0)) * a.dtype.type(alpha)  # min: no overflow in the unused branch
        return np.where(a > 0, a, negative), None

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.apply(EluBackward, g, ctx.x[0], alpha=ctx.p["alpha"]),)


class EluBackward(Op):
    """g * elu'(x): g * alpha e^x where x <= 0, g elsewhere (NaN too), as torch's elu_backward; its own vjp
    is torch's elu_double_backward (the derivative in x only where x < 0, so 0 at the kink)."""

    name = "elu_backward"

    @staticmethod
    def forward(g, x, alpha):
        slope = np.exp(np.minimum(x, 0)) * x.dtype.type(alpha)
        return np.where(x <= 0, g * slope, g), None

    @staticmethod
    def vjp(ctx, u):
        g, x = ctx.x
        xp, alpha = ctx.xp, ctx.p["alpha"]
        x_data = data_of(x)
        gg = xp.apply(EluBackward, u, x, alpha=alpha) if ctx.needs[0] else None
        gx = None
        if ctx.needs[1]:
            negative = x_data < 0
            gx = masked(xp, u * g * (xp.exp(xp.where(negative, x, 0.0)) * alpha), negative)
        return gg, gx


class Clamp(Op):
    """Limit to [min, max] (either may be None); the gradient passes where min <= x <= max."""

    name = "clamp"
    function = "clamp"
    aliases = ("clip",)
    methods = ("clamp", "clip", "clamp_")

    @staticmethod
    def forward(a, min=None, max=None):
        if min is None and max is None:
            raise OpError("clamp: at least one of min and max must be given")
        if min is not None and max is not None:
            out = np.minimum(np.maximum(a, min), max)
        elif min is not None:
            out = np.maximum(a, min)
        else:
            out = np.minimum(a, max)
        return out, None

    @staticmethod
    def vjp(ctx, g):
        x = data_of(ctx.x[0])
        lo, hi = ctx.p.get("min"), ctx.p.get("max")
        if lo is not None and hi is not None:
            mask = (x >= lo) & (x <= hi)
        else:
            mask = x >= lo if lo is not None else x <= hi
        return (masked(ctx.xp, g, mask),)  # NaN fails both tests: gradient 0, as torch


def _tie_split(xp, g, mine, other):
    """The gradient of ``mine`` in max(mine, other): g where larger, g / 2 where equal, exactly 0 where
    smaller (g where either is NaN, as torch: only ``mine < other`` blocks the gradient)."""
    mine, other = data_of(mine), data_of(other)
    tie = mine == other
    if np.any(tie):
        g = xp.where(tie, g * 0.5, g)
    return masked(xp, g, ~(mine < other))


class Maximum(Op):
    name = "maximum"
    function = "maximum"
    methods = ("maximum",)

    @staticmethod
    def forward(a, b):
        return _binary("maximum", np.maximum, a, b), None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        return (
            (_tie_split(ctx.xp, g, a, b) if ctx.needs[0] else None),
            (_tie_split(ctx.xp, g, b, a) if ctx.needs[1] else None),
        )


class Minimum(Op):
    name = "minimum"
    function = "minimum"
    methods = ("minimum",)

    @staticmethod
    def forward(a, b):
        return _binary("minimum", np.minimum, a, b), None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        neg_a, neg_b = -data_of(a), -data_of(b)
        return (
            (_tie_split(ctx.xp, g, neg_a, neg_b) if ctx.needs[0] else None),
            (_tie_split(ctx.xp, g, neg_b, neg_a) if ctx.needs[1] else None),
        )


class Where(Op):
    """cond ? a : b; cond is a bool array without gradient."""

    name = "where"
    function = "where"
    methods = ("fill_", "zero_", "copy_")
    saves_x = False

    @staticmethod
    def forward(cond, a, b):
        cond = np.array(cond, copy=True)  # a private copy: changing the condition later cannot alter the vjp
        if cond.dtype != np.bool_:
            raise OpError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
        try:
            out = np.where(cond, a, b)
        except ValueError:
            raise OpError(f"where: shapes {cond.shape}, {_shape(a)} and {_shape(b)} are not broadcastable") from None
        return out, cond

    @staticmethod
    def vjp(ctx, g):
        cond = ctx.saved
        ga = masked(ctx.xp, g, cond) if ctx.needs[1] else None
        gb = masked(ctx.xp, g, ~cond) if ctx.needs[2] else None
        return None, ga, gb


class Cast(Op):
    """Change dtype; the gradient is cast back by the engine."""

    name = "cast"
    function = "astype"
    methods = ("astype", "to", "type", "float", "double", "half")
    saves_x = False

    @staticmethod
    def forward(a, dtype):
        return a.astype(dtype), None

    @staticmethod
    def vjp(ctx, g):
        return (g,)


class Clone(Op):
    """A copy that stays in the graph (the gradient flows back unchanged)."""

    name = "clone"
    function = "clone"
    methods = ("clone", "contiguous")
    saves_x = False

    @staticmethod
    def forward(a):
        return a.copy(), None

    @staticmethod
    def vjp(ctx, g):
        return (g,)


def _erf_numpy(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


class Erf(Op):
    """The error function (computed with math.erf per element); d/dx erf(x) = 2/sqrt(pi) exp(-x^2)."""

    name = "erf"
    function = "erf"
    methods = ("erf", "erf_")

    @staticmethod
    def forward(x):
        return _erf_numpy(np.asarray(x)), None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        return (g * (ctx.xp.exp(-(x * x)) * (2.0 / math.sqrt(math.pi))),)


# ---- smooth activations with torch's gradient formulas -----------------------------------------------------
# silu and gelu as single ops whose vjp is ``g * f'(x)`` with f' as one factor, as torch's kernels compute
# it: a composition (x * sigmoid(x), ...) distributes g over several terms, so an infinite incoming gradient
# at x = 0 meets x * inf = NaN where torch gives inf.
_SQRT_HALF = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_BETA = math.sqrt(2.0 / math.pi)
_TANH_KAPPA = 0.044715


def _gelu_slopes(xp, x, order):
    """gelu'(x) = Phi(x) + x phi(x), gelu''(x) = phi(x) (2 - x^2)."""
    phi = xp.exp(x * x * -0.5) * _INV_SQRT_2PI
    if order == 1:
        return (xp.apply(Erf, x * _SQRT_HALF) + 1.0) * 0.5 + x * phi
    return phi * (2.0 - x * x)


def _gelu_tanh_slopes(xp, x, order):
    """Slopes of 0.5 x (1 + tanh(b (x + k x^3))), as torch's gelu_backward(approximate='tanh')."""
    t = xp.apply(Tanh, (x + x * x * x * _TANH_KAPPA) * _TANH_BETA)
    sech2 = 1.0 - t * t
    inner1 = (x * x * (3.0 * _TANH_KAPPA) + 1.0) * _TANH_BETA
    if order == 1:
        return (t + 1.0) * 0.5 + x * 0.5 * sech2 * inner1
    inner2 = x * (6.0 * _TANH_KAPPA * _TANH_BETA)
    return sech2 * inner1 - x * t * sech2 * inner1 * inner1 + x * 0.5 * sech2 * inner2


_SLOPES = {"gelu": _gelu_slopes, "gelu_tanh": _gelu_tanh_slopes}


def _gelu_tanh_forward(x):
    return 0.5 * x * (1.0 + np.tanh(_TANH_BETA * (x + _TANH_KAPPA * x * x * x)))


_FORWARD = {
    "gelu": lambda x: 0.5 * x * (1.0 + _erf_numpy(x * x.dtype.type(_SQRT_HALF))),
    "gelu_tanh": _gelu_tanh_forward,
}


class Silu(Op):
    """x sigmoid(x); the vjp is torch's (g s)(1 + x (1 - s)), recorded as that composition under create_graph
    (torch's infinitely_differentiable_silu_backward), so second derivatives match torch's too."""

    name = "silu"
    function = "nn.functional.silu"

    @staticmethod
    def forward(x):
        x = as_floating(x)
        return x * Sigmoid.forward(x)[0], None

    @staticmethod
    def vjp(ctx, g):
        (x,) = ctx.x
        s = ctx.xp.apply(Sigmoid, x)
        return (g * s * (x * (1.0 - s) + 1.0),)


class SmoothActivation(Op):
    """gelu(x) = x Phi(x) (``kind='gelu'``) or its tanh approximation (``kind='gelu_tanh'``)."""

    name = "gelu"
    function = "nn.functional.gelu"

    @staticmethod
    def forward(x, kind):
        x = as_floating(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(_FORWARD[kind](x), dtype=x.dtype), None

    @staticmethod
    def vjp(ctx, g):
        return (ctx.xp.apply(SmoothActivationBackward, g, ctx.x[0], kind=ctx.p["kind"]),)


class SmoothActivationBackward(Op):
    """g * f'(x) for a SmoothActivation; its own vjp: u * f'(x) to g and u * g * f''(x) to x."""

    name = "smooth_activation_backward"

    @staticmethod
    def forward(g, x, kind):
        with np.errstate(over="ignore", invalid="ignore"):
            return g * _SLOPES[kind](numpy_namespace, x, 1), None

    @staticmethod
    def vjp(ctx, u):
        g, x = ctx.x
        xp, kind = ctx.xp, ctx.p["kind"]
        gg = xp.apply(SmoothActivationBackward, u, x, kind=kind) if ctx.needs[0] else None
        gx = u * g * _SLOPES[kind](xp, x, 2) if ctx.needs[1] else None
        return gg, gx


# ---- more elementwise math (issue 13) ------------------------------------------------------------------------


class Expm1(Op):
    """exp(x) - 1, accurate for small x; its derivative exp(x) = y + 1 reuses the output."""

    name = "expm1"
    function = "expm1"
    methods = ("expm1", "expm1_")
    saves_x = False
    saves_y = True

    @staticmethod
    def forward(a):
        return np.expm1(as_floating(a)), None

    @staticmethod
    def vjp(ctx, g):
        return (g * (ctx.y + 1.0),)


def _no_gradient(xp, g):
    """A gradient that is exactly 0 everywhere (piecewise constant functions), whatever ``g`` holds."""
    return masked(xp, g, np.zeros((), dtype=bool))


class _Rounding(Op):
    """A piecewise constant function: integer inputs come back unchanged (a copy), the gradient is exactly 0."""

    saves_x = False
    ufunc = staticmethod(np.floor)

    @classmethod
    def forward(cls, a):
        a = np.asarray(a)
        return (a.copy() if a.dtype.kind in "biu" else cls.ufunc(a)), None

    @staticmethod
    def vjp(ctx, g):
        return (_no_gradient(ctx.xp, g),)


class Floor(_Rounding):
    """The largest integer <= x, elementwise; gradient 0."""

    name = "floor"
    function = "floor"
    methods = ("floor", "floor_")
    ufunc = staticmethod(np.floor)


class Ceil(_Rounding):
    """The smallest integer >= x, elementwise; gradient 0."""

    name = "ceil"
    function = "ceil"
    methods = ("ceil", "ceil_")
    ufunc = staticmethod(np.ceil)


class Trunc(_Rounding):
    """x rounded towards zero, elementwise; gradient 0."""

    name = "trunc"
    function = "trunc"
    aliases = ("fix",)
    methods = ("trunc", "trunc_", "fix", "fix_")
    ufunc = staticmethod(np.trunc)


class Round(Op):
    """x rounded to ``decimals`` decimal places, halves to even (as torch: x * 10^d rounded, then divided);
    gradient 0."""

    name = "round"
    function = "round"
    methods = ("round", "round_")
    saves_x = False

    @staticmethod
    def forward(a, decimals=0):
        a = np.asarray(a)
        if a.dtype.kind in "biu":
            return a.copy(), None
        if decimals == 0:
            return np.rint(a), None
        scale = a.dtype.type(10.0 ** abs(decimals))
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.rint(a * scale) / scale if decimals > 0 else np.rint(a / scale) * scale
        return out, None

    @staticmethod
    def vjp(ctx, g):
        return (_no_gradient(ctx.xp, g),)


def _check_zero_division(name, a, b):
    if np.asarray(b).dtype.kind in "biu" and np.asarray(a).dtype.kind in "biu" and np.any(np.asarray(b) == 0):
        raise OpError(f"{name}: integer division by zero (ZeroDivisionError in torch); divisor of shape {_shape(b)}")


class Remainder(Op):
    """a - b * floor(a / b): the remainder with the sign of the divisor (Python's %, torch.remainder). The
    gradient is 1 for ``a`` and -floor(a / b) for ``b`` (torch's)."""

    name = "remainder"
    function = "remainder"
    methods = ("remainder", "remainder_", "__mod__", "__rmod__", "__imod__")

    @staticmethod
    def forward(a, b):
        _check_zero_division("remainder", a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _binary("remainder", np.remainder, a, b), None

    @staticmethod
    def vjp(ctx, g):
        a, b = ctx.x
        gb = None
        if ctx.needs[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                quotient = np.floor_divide(data_of(a), data_of(b))
            gb = -(g * quotient)
        return (g if ctx.needs[0] else None), gb


def floor_divide_values(a, b):
    """floor(a / b) elementwise as torch (Python's //: integers floor, floats the floor of the true quotient
    as Python computes it); no gradient."""
    _check_zero_division("floor_divide", a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(_binary("floor_divide", np.floor_divide, a, b))


class NanToNum(Op):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf``, ``neginf`` (by default 0 and the dtype's largest
    and lowest finite values); the gradient passes at the finite elements only (torch's)."""

    name = "nan_to_num"
    function = "nan_to_num"
    methods = ("nan_to_num", "nan_to_num_")

    @staticmethod
    def forward(a, nan=0.0, posinf=None, neginf=None):
        a = np.asarray(a)
        if a.dtype.kind != "f":
            return a.copy(), None
        return np.nan_to_num(a, copy=True, nan=nan, posinf=posinf, neginf=neginf), None

    @staticmethod
    def vjp(ctx, g):
        (a,) = ctx.x
        return (masked(ctx.xp, g, np.isfinite(data_of(a))),)


class MaskedFill(Op):
    """``x`` with ``value`` (a 0-d tensor, the number's is a constant) where the bool ``mask`` is True;
    ``x`` and ``mask`` broadcast. x's gradient is selected off the mask, value's is the sum over the mask."""

    name = "masked_fill"
    function = "masked_fill"
    methods = ("masked_fill", "masked_fill_")
    saves_x = False

    @staticmethod
    def forward(x, value, mask):
        try:
            shape = np.broadcast_shapes(x.shape, mask.shape)
        except ValueError:
            raise OpError(
                f"masked_fill: the mask of shape {mask.shape} and the input of shape {x.shape} are not broadcastable"
            ) from None
        return np.where(mask, np.asarray(value).astype(x.dtype), np.broadcast_to(x, shape)), None

    @staticmethod
    def vjp(ctx, g):
        mask = ctx.p["mask"]
        gx = masked(ctx.xp, g, ~mask) if ctx.needs[0] else None
        gv = masked(ctx.xp, g, mask) if ctx.needs[1] else None
        return gx, gv
