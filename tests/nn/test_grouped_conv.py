"""Grouped and depthwise convolution (groups > 1) in F.conv2d / F.conv_transpose2d and nn.Conv2d /
nn.ConvTranspose2d: gradient checks (first and second order, float64), float32, errors, and parity with
torch (same weights; forward and gradients)."""

import numpy as np
import pytest

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck

from nn_parity import close, compare_grads, copy_weights, randomize, torch  # noqa: F401

# (in_channels, out_channels, groups, stride, padding, dilation)
GEOMETRIES = [
    (4, 6, 2, 1, 1, 1),
    (4, 4, 4, 1, 1, 1),  # depthwise
    (4, 8, 4, 2, 1, 1),  # depthwise with a channel multiplier, strided
    (6, 3, 3, 1, 0, 2),  # dilated
    (6, 4, 2, (2, 1), (0, 2), (1, 2)),
]


def _t(shape, seed, requires_grad=True):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


@pytest.mark.parametrize("c,o,groups,stride,padding,dilation", GEOMETRIES)
def test_conv2d_gradcheck(c, o, groups, stride, padding, dilation):
    x, w, b = _t((2, c, 5, 6), 0), _t((o, c // groups, 3, 2), 1), _t(o, 2)
    fn = lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("c,o,groups,stride,padding,dilation", GEOMETRIES)
def test_conv_transpose2d_gradcheck(c, o, groups, stride, padding, dilation):
    x, w, b = _t((2, c, 4, 3), 0), _t((c, o // groups, 3, 2), 1), _t(o, 2)
    fn = lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, 0, groups, dilation)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_grouped_equals_separate_convolutions():
    x, w = _t((2, 6, 5, 5), 0, False), _t((4, 3, 3, 3), 1, False)
    y = F.conv2d(x, w, groups=2).numpy()
    for j in range(2):
        part = F.conv2d(x[:, 3 * j : 3 * j + 3], w[2 * j : 2 * j + 2]).numpy()
        np.testing.assert_allclose(y[:, 2 * j : 2 * j + 2], part, rtol=1e-12, atol=1e-12)


def test_float32_unbatched_and_empty_batch():
    x = Tensor(np.random.default_rng(0).standard_normal((4, 5, 5)).astype(np.float32), requires_grad=True)
    m = nn.Conv2d(4, 8, 3, groups=4)
    y = m(x)
    assert y.shape == (8, 3, 3) and y.dtype == al.float32
    y.sum().backward()
    assert x.grad.shape == (4, 5, 5) and m.weight.grad.shape == (8, 1, 3, 3)
    m.weight.grad = None
    e = Tensor(np.zeros((0, 4, 5, 5), dtype=np.float32), requires_grad=True)
    y = m(e)
    assert y.shape == (0, 8, 3, 3)
    y.sum().backward()
    np.testing.assert_array_equal(m.weight.grad.numpy(), 0)
    assert e.grad.shape == (0, 4, 5, 5)


def test_errors_and_repr():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.ConvTranspose2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="expects 4 input channels"):
        F.conv2d(_t((1, 3, 5, 5), 0), _t((4, 2, 3, 3), 1), groups=2)
    with pytest.raises(ValueError, match="divisible by 2 at dimension 0"):
        F.conv2d(_t((1, 4, 5, 5), 0), _t((3, 2, 3, 3), 1), groups=2)
    with pytest.raises(ValueError, match="non-positive groups"):
        F.conv2d(_t((1, 4, 5, 5), 0), _t((3, 2, 3, 3), 1), groups=0)
    m = nn.Conv2d(4, 8, 3, groups=4)
    assert m.weight.shape == (8, 1, 3, 3)
    assert repr(m) == "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), groups=4)"
    assert nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape == (4, 3, 3, 3)


@pytest.mark.parametrize("c,o,groups,stride,padding,dilation", GEOMETRIES)
@pytest.mark.parametrize("transposed", [False, True])
def test_module_parity(torch, c, o, groups, stride, padding, dilation, transposed):  # noqa: F811
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if transposed:
        theirs, ours = (
            torch.nn.ConvTranspose2d(c, o, 3, **kwargs).double(),
            nn.ConvTranspose2d(c, o, 3, **kwargs).double(),
        )
    else:
        theirs, ours = torch.nn.Conv2d(c, o, 3, **kwargs).double(), nn.Conv2d(c, o, 3, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    randomize(torch, theirs, 0)
    copy_weights(ours, theirs)
    x = np.random.default_rng(1).standard_normal((2, c, 6, 7))
    xo, xt = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    close(yo, yt, "output")
    g = np.random.default_rng(2).standard_normal(yt.shape)
    yo.backward(Tensor(g))
    yt.backward(torch.from_numpy(g))
    close(xo.grad, xt.grad, "input grad")
    compare_grads(ours, theirs)


def test_init_bound_like_torch(torch):  # noqa: F811
    # fan_in = weight.shape[1] * kH * kW, with weight.shape[1] = in_channels / groups
    al.manual_seed(0)
    w = nn.Conv2d(8, 8, 3, groups=8).weight.detach().numpy()
    assert np.abs(w).max() <= 1 / 3 and np.abs(w).max() > 0.3
