"""F.interpolate / nn.Upsample modes 'bilinear' and 'bicubic' (and 'linear', 'trilinear'), align_corners True
and False: gradient checks (first and second order, float64), the gradient being the transposed
interpolation, and parity with torch (sizes, scale factors up and down, recompute_scale_factor, float32)."""

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck

from nn_parity import close, torch  # noqa: F401

MODES = [("bilinear", (2, 2, 4, 3)), ("bicubic", (2, 2, 4, 3)), ("linear", (2, 3, 5)), ("trilinear", (1, 2, 3, 2, 4))]
RESIZES = [
    {"scale_factor": 2},
    {"scale_factor": 1.7},
    {"scale_factor": 0.6},
    {"scale_factor": 1.7, "recompute_scale_factor": True},
    {"size": 1},
    {"size": 7},
]


def _t(shape, seed=0, requires_grad=True, dtype=np.float64):
    return Tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=requires_grad)


@pytest.mark.parametrize("mode,shape", MODES, ids=[m for m, _ in MODES])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("resize", [{"scale_factor": 2}, {"scale_factor": 0.6}, {"size": 1}])
def test_gradcheck(mode, shape, align_corners, resize):
    x = _t(shape)
    fn = lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **resize)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_gradient_is_the_transposed_interpolation():
    x = _t((1, 1, 3, 4), requires_grad=False)
    g = _t((1, 1, 7, 5), 1, requires_grad=False)
    for mode in ("bilinear", "bicubic"):
        xr = Tensor(x.numpy().copy(), requires_grad=True)
        y = F.interpolate(xr, size=(7, 5), mode=mode)
        y.backward(g)
        # <g, A x> == <A^T g, x>
        np.testing.assert_allclose(np.sum(g.numpy() * y.detach().numpy()), np.sum(xr.grad.numpy() * x.numpy()))


def test_identity_size_and_constant_input():
    x = _t((1, 2, 4, 5), requires_grad=False)
    for mode in ("bilinear", "bicubic"):
        np.testing.assert_allclose(F.interpolate(x, size=(4, 5), mode=mode).numpy(), x.numpy(), atol=1e-14)
        c = Tensor(np.full((1, 1, 3, 3), 2.5))
        np.testing.assert_allclose(F.interpolate(c, scale_factor=2.5, mode=mode).numpy(), 2.5, atol=1e-12)


def test_errors_and_modules():
    x = _t((1, 1, 4, 4))
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(_t((1, 1, 4)), scale_factor=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)
    assert repr(nn.Upsample(scale_factor=2, mode="bilinear")) == "Upsample(scale_factor=2.0, mode='bilinear')"
    m = nn.UpsamplingBilinear2d(scale_factor=2)
    assert m.align_corners is True and repr(m) == "UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')"
    assert nn.UpsamplingNearest2d(size=3)(x).shape == (1, 1, 3, 3)


@pytest.mark.parametrize("mode,shape", MODES, ids=[m for m, _ in MODES])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("resize", RESIZES)
def test_parity(torch, mode, shape, align_corners, resize):  # noqa: F811
    x = np.random.default_rng(1).standard_normal(shape)
    xo, xt = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    kwargs = dict(mode=mode, align_corners=align_corners, **resize)
    yo, yt = F.interpolate(xo, **kwargs), torch.nn.functional.interpolate(xt, **kwargs)
    close(yo, yt, "output")
    g = np.random.default_rng(2).standard_normal(yt.shape)
    yo.backward(Tensor(g))
    yt.backward(torch.from_numpy(g))
    close(xo.grad, xt.grad, "input grad")


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_module_parity_float32(torch, mode):  # noqa: F811
    x = np.random.default_rng(3).standard_normal((2, 3, 6, 5)).astype(np.float32)
    for theirs, ours in (
        (torch.nn.Upsample(scale_factor=1.5, mode=mode), nn.Upsample(scale_factor=1.5, mode=mode)),
        (
            torch.nn.Upsample(size=(4, 9), mode=mode, align_corners=True),
            nn.Upsample(size=(4, 9), mode=mode, align_corners=True),
        ),
        (torch.nn.UpsamplingBilinear2d(scale_factor=2), nn.UpsamplingBilinear2d(scale_factor=2)),
    ):
        assert repr(ours) == repr(theirs)
        close(ours(Tensor(x)), theirs(torch.from_numpy(x)), rtol=1e-5, atol=1e-5)
