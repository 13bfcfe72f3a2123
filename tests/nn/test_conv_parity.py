"""Conv2d / ConvTranspose2d / F.conv2d / F.conv_transpose2d against PyTorch with identical weights:
forward values and every gradient (input, weight, bias) in float64 within 1e-8, second derivatives,
float32 results, output_size, reprs and state_dict exchange."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

# torch warns that padding='same' with an even kernel copies the input: irrelevant here
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

import autograd_lite as al  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

TOL = dict(rtol=1e-8, atol=1e-8)


def _pair(rng, shape):
    a = rng.standard_normal(shape)
    return al.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check(ours, theirs, tol=TOL):
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_allclose(ours._array, theirs.detach().numpy(), **tol)


def _run_both(fn_ours, fn_theirs, shapes, seed=0):
    """Forward both with the same random float64 arrays, backward the same cotangent; compare everything."""
    rng = np.random.default_rng(seed)
    pairs = [_pair(rng, s) for s in shapes]
    y, yt = fn_ours(*[p[0] for p in pairs]), fn_theirs(*[p[1] for p in pairs])
    _check(y, yt)
    cot = rng.standard_normal(tuple(yt.shape))
    y.backward(al.tensor(cot))
    yt.backward(torch.tensor(cot))
    for ours, theirs in pairs:
        _check(ours.grad, theirs.grad)


CONV_CASES = [
    # x shape, weight shape, kwargs
    ((2, 3, 8, 7), (4, 3, 3, 3), {}),
    ((1, 1, 5, 5), (2, 1, 2, 2), dict(padding=1)),
    ((3, 2, 9, 8), (4, 2, 3, 2), dict(stride=2, padding=(1, 2))),
    ((2, 3, 10, 9), (2, 3, 3, 3), dict(stride=(3, 2), dilation=(2, 1), padding=2)),
    ((2, 2, 7, 8), (3, 2, 3, 3), dict(padding="same")),
    ((2, 2, 7, 8), (3, 2, 4, 2), dict(padding="same", dilation=(1, 3))),  # odd totals: extra at the end
    ((2, 2, 6, 6), (3, 2, 2, 3), dict(padding="valid", stride=2)),
    ((3, 6, 5), (4, 3, 1, 1), {}),  # unbatched, 1x1 kernel
    ((4, 5, 6, 6), (6, 5, 5, 5), dict(padding=2, dilation=2)),
]

TRANSPOSE_CASES = [
    ((2, 3, 4, 5), (3, 4, 3, 3), {}),
    ((2, 3, 4, 5), (3, 2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((1, 2, 3, 3), (2, 3, 2, 4), dict(stride=(3, 2), padding=(0, 1), output_padding=(2, 1))),
    ((2, 2, 4, 3), (2, 2, 3, 2), dict(stride=1, dilation=(2, 3), output_padding=(1, 2))),  # op < dilation
    ((2, 3, 5, 5), (3, 2, 5, 3), dict(stride=2, padding=2, dilation=(1, 2))),
    ((3, 4, 4), (3, 2, 3, 3), dict(stride=2)),  # unbatched
]


@pytest.mark.parametrize("x_shape, w_shape, kw", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_functional_conv2d(x_shape, w_shape, kw, bias):
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    _run_both(lambda *a: F.conv2d(*a, **kw), lambda *a: torch.nn.functional.conv2d(*a, **kw), shapes)


@pytest.mark.parametrize("x_shape, w_shape, kw", TRANSPOSE_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_functional_conv_transpose2d(x_shape, w_shape, kw, bias):
    shapes = [x_shape, w_shape] + ([(w_shape[1],)] if bias else [])
    _run_both(
        lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: torch.nn.functional.conv_transpose2d(*a, **kw), shapes
    )


def test_positional_arguments_like_torch():
    # conv2d(input, weight, bias, stride, padding, dilation, groups)
    # conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)
    _run_both(
        lambda x, w, b: F.conv2d(x, w, b, 2, 1, 2, 1),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, 2, 1, 2, 1),
        [(2, 2, 9, 9), (3, 2, 3, 3), (3,)],
    )
    _run_both(
        lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 1, 2),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, 2, 1, 1, 1, 2),
        [(2, 2, 4, 4), (2, 3, 3, 3), (3,)],
    )


def _copy_params(ours, theirs):
    theirs.load_state_dict({k: torch.tensor(v._array) for k, v in ours.state_dict().items()})


MODULE_CASES = [
    ("Conv2d", (3, 5, 3), {}, (2, 3, 8, 8)),
    ("Conv2d", (3, 5, (3, 2)), dict(stride=2, padding=1, dilation=(1, 2)), (2, 3, 9, 8)),
    ("Conv2d", (2, 4, 4), dict(padding="same", bias=False), (3, 2, 7, 6)),
    ("Conv2d", (2, 4, 3), dict(padding="valid", stride=(1, 3)), (2, 6, 7)),
    ("ConvTranspose2d", (3, 5, 3), {}, (2, 3, 4, 4)),
    ("ConvTranspose2d", (3, 5, (3, 2)), dict(stride=2, padding=1, output_padding=1), (2, 3, 4, 5)),
    ("ConvTranspose2d", (2, 4, 3), dict(stride=(2, 1), dilation=2, output_padding=(1, 1), bias=False), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("name, args, kw, x_shape", MODULE_CASES)
def test_modules(name, args, kw, x_shape):
    ours = getattr(nn, name)(*args, **kw, dtype=al.float64)
    theirs = getattr(torch.nn, name)(*args, **kw, dtype=torch.float64)
    _copy_params(ours, theirs)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    xa, xt = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    _check(y, yt)
    cot = rng.standard_normal(tuple(yt.shape))
    y.backward(al.tensor(cot))
    yt.backward(torch.tensor(cot))
    _check(xa.grad, xt.grad)
    _check(ours.weight.grad, theirs.weight.grad)
    if kw.get("bias", True):
        _check(ours.bias.grad, theirs.bias.grad)
    else:
        assert ours.bias is None and theirs.bias is None
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("output_size", [(7, 8), (8, 9), [2, 5, 7, 9], (6, 8), (7, 10)])
def test_conv_transpose2d_output_size(output_size):
    ours = nn.ConvTranspose2d(3, 5, (3, 4), stride=2, padding=1, dtype=al.float64)
    theirs = torch.nn.ConvTranspose2d(3, 5, (3, 4), stride=2, padding=1, dtype=torch.float64)
    _copy_params(ours, theirs)
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 4))
    if output_size in [(6, 8), (7, 10)]:  # valid sizes are (7, 8) to (8, 9)
        for module, tensor in ((ours, al.tensor), (theirs, torch.tensor)):
            with pytest.raises(
                ValueError,
                match=r"requested an output size of .*valid sizes range from "
                r"\[7, 8\] to \[8, 9\]",
            ):
                module(tensor(x), output_size=output_size)
        return
    _check(ours(al.tensor(x), output_size=output_size), theirs(torch.tensor(x), output_size=output_size))


@pytest.mark.parametrize(
    "fn, w_shape, kw",
    [
        ("conv2d", (3, 2, 3, 2), dict(stride=2, padding=1, dilation=(1, 2))),
        ("conv2d", (3, 2, 2, 2), dict(padding="same")),
        ("conv_transpose2d", (2, 3, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ],
)
def test_second_derivatives(fn, w_shape, kw):
    """A gradient penalty: d/d(x, w, b) of |d<y, y>/dx|^2 + |d<y, y>/dw|^2, through create_graph."""
    rng = np.random.default_rng(3)
    b_shape = (w_shape[1] if fn == "conv_transpose2d" else w_shape[0],)
    (xa, xt), (wa, wt), (ba, bt) = [_pair(rng, s) for s in ((2, 2, 6, 5), w_shape, b_shape)]
    y = getattr(F, fn)(xa, wa, ba, **kw)
    gx, gw = al.grad((y * y).sum(), [xa, wa], create_graph=True)
    ((gx * gx).sum() + (gw * gw).sum()).backward()
    yt = getattr(torch.nn.functional, fn)(xt, wt, bt, **kw)
    gxt, gwt = torch.autograd.grad((yt * yt).sum(), [xt, wt], create_graph=True)
    ((gxt * gxt).sum() + (gwt * gwt).sum()).backward()
    _check(gx, gxt)
    _check(gw, gwt)
    for ours, theirs in ((xa, xt), (wa, wt), (ba, bt)):
        _check(ours.grad, theirs.grad)


def test_float32_matches_torch():
    ours, theirs = nn.Conv2d(4, 6, 3, stride=2, padding=1), torch.nn.Conv2d(4, 6, 3, stride=2, padding=1)
    _copy_params(ours, theirs)
    x = np.random.default_rng(4).standard_normal((3, 4, 9, 9)).astype(np.float32)
    xa, xt = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    tol = dict(rtol=1e-5, atol=1e-5)
    _check(y, yt, tol)
    y.sum().backward()
    yt.sum().backward()
    _check(xa.grad, xt.grad, tol)
    _check(ours.weight.grad, theirs.weight.grad, tol)
    _check(ours.bias.grad, theirs.bias.grad, tol)


def test_load_torch_state_dict():
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.ConvTranspose2d(4, 2, 2, 2))
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.ConvTranspose2d(4, 2, 2, 2))
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(5).standard_normal((2, 1, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(
        ours(al.tensor(x))._array, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )


def test_init_distribution_like_torch():
    """Same range as torch's default init (fan_in from weight.shape[1] * kH * kW for both layers): with
    hundreds of draws per tensor, the largest |value| is within 3% of the bound in both frameworks."""
    al.manual_seed(0)
    torch.manual_seed(0)
    for cls in ("Conv2d", "ConvTranspose2d"):
        ours, theirs = getattr(nn, cls)(8, 300, 3), getattr(torch.nn, cls)(8, 300, 3)
        for name in ("weight", "bias"):
            a = getattr(ours, name)._array
            t = getattr(theirs, name).detach().numpy()
            assert a.shape == t.shape and a.dtype == t.dtype
            np.testing.assert_allclose(np.abs(a).max(), np.abs(t).max(), rtol=0.03)
