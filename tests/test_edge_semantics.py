"""Edge cases found by the differential test (tests/differential), each pinned to torch's behaviour: the
expected values are written out, so these run without torch too."""

import math

import numpy as np
import pytest

import autograd_lite as al
import nn.functional as F
from autograd_lite.ops.base import OpError


# ---- setitem ---------------------------------------------------------------------------------------------
def test_setitem_value_may_carry_extra_leading_ones_as_torch():
    t = al.zeros(2, 3)
    t[0] = al.ones(1, 1, 3)
    assert t.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    s = al.tensor([-1.0])
    s[-1] = al.tensor([5.0])  # a (1,) value into a 0-d slot
    assert s.tolist() == [5.0]
    m = al.zeros(2)
    m[al.tensor([True, False])] = al.ones(1, 1)
    assert m.tolist() == [1.0, 0.0]
    with pytest.raises((ValueError, TypeError), match="setitem"):  # a (2, 1) value for one element
        m[al.tensor([True, False])] = al.ones(2, 1)


def test_setitem_extra_leading_ones_keep_the_gradient():
    x = al.ones(1, 3, requires_grad=True)
    t = al.zeros(2, 3) * 1
    t[0] = x * 2
    t.sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0, 2.0]]


@pytest.mark.parametrize("shape", [(2,), (2, 0)])
def test_setitem_through_an_index_array_refuses_the_tensor_itself_as_value(shape):
    t = al.zeros(shape) * 1
    with pytest.raises(RuntimeError, match="setitem: unsupported operation: the value is the very tensor"):
        t[al.tensor([True, True])] = t
    with pytest.raises(RuntimeError, match="the value is the very tensor"):
        t[al.tensor([1, 0])] = t
    t[al.tensor([True, False])] = t[1:]  # another view: fine, as torch
    t[:] = t  # basic indexing: the same elements, fine


# ---- reductions and losses ---------------------------------------------------------------------------------
def test_var_gradient_divides_by_n_minus_correction_even_when_negative():
    x = al.tensor([1.0, 2.0], dtype=al.float64, requires_grad=True)
    y = x.var(correction=3)
    assert math.isinf(y.item())  # the forward divides by max(n - correction, 0) = 0
    y.backward(al.tensor(-0.66, dtype=al.float64))
    np.testing.assert_allclose(x.grad.numpy(), [-0.66, 0.66])  # 2 / (2 - 3) * g * (x - mean)
    one = al.tensor([1.0], dtype=al.float64, requires_grad=True)
    one.var(correction=2).backward()
    assert one.grad.tolist() == [0.0]  # 2 / (1 - 2) * 0, not 0 / 0


def test_nll_mean_divides_by_a_negative_total_weight():
    x = al.tensor([[math.nan, -1.0]])
    loss = F.nll_loss(x, al.tensor([1]), weight=al.tensor([-1.0, -1.0]), ignore_index=0)
    assert loss.item() == 1.0  # -(w x) / w; NaN at the unpicked class does not reach it


def test_cross_entropy_refuses_zero_classes_with_non_empty_spatial_dims():
    target = al.zeros(2, 2, dtype=al.int64)
    for fn in (F.cross_entropy, F.nll_loss):
        with pytest.raises(ValueError, match=r"an input of shape \(2, 0, 2\) has no classes"):
            fn(al.zeros(2, 0, 2), target, ignore_index=0, reduction="none")
    assert F.cross_entropy(al.zeros(2, 0, 0), al.zeros(2, 0, dtype=al.int64), reduction="none").shape == (2, 0)


# ---- pooling and padding ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, out",
    [((0, 1, 1), (0, 3, 3)), ((1, 0, 1, 1), (1, 0, 3, 3)), ((2, 0, 4, 6), (2, 0, 1, 2)), ((0, 3, 5), (0, 1, 2))],
)
def test_adaptive_avg_pool2d_accepts_empty_batch_and_channels(shape, out):
    x = al.zeros(shape, requires_grad=True)
    y = F.adaptive_avg_pool2d(x, out[-2:])
    assert y.shape == out
    y.sum().backward()
    assert x.grad.shape == shape


def test_adaptive_avg_pool2d_to_one_is_a_mean_even_over_nothing():
    y = F.adaptive_avg_pool2d(al.zeros(1, 0, 1), 1)  # (C=1, H=0, W=1): torch's mean path gives NaN
    assert y.shape == (1, 1, 1) and math.isnan(y.item())
    with pytest.raises(OpError, match="non-zero size for non-batch dimensions"):
        F.adaptive_avg_pool2d(al.zeros(1, 0, 1), 3)


def test_replicate_padding_may_empty_one_padded_dim_but_not_all():
    x = al.tensor([[[0.0, 1.0]]])
    assert F.pad(x, (-1, -1, 2, 0), mode="replicate").shape == (1, 3, 0)
    with pytest.raises(OpError, match="too large a crop"):
        F.pad(x, (-1, -1), mode="replicate")
    with pytest.raises(OpError, match="needs non-empty dims"):
        F.pad(al.zeros(2, 0, 3), (1, 1), mode="reflect")


def test_a_gradient_blocked_everywhere_is_a_constant_zero_in_higher_orders():
    t0 = al.tensor([0.0], dtype=al.float64, requires_grad=True)
    t1 = t0 / t0  # NaN, then overwritten: no gradient reaches t0 through the fill
    t2 = t1.zero_()
    t3 = t1.sqrt()
    g0, g2 = al.autograd.grad([t3], [t0, t2], [al.tensor([-1.22], dtype=al.float64)], create_graph=True)
    total = g0.sum() * -0.01 + g2.sum() * -0.06
    _, d2 = al.autograd.grad([total], [t0, t2])
    assert d2.tolist() == [-math.inf]  # torch's value; a recorded select of 0 * inf gave NaN before


def test_a_constant_zero_gradient_passes_through_later_vjps_under_create_graph():
    x = al.tensor([1.0], dtype=al.float64, requires_grad=True)
    y = x.float()  # its vjp casts the (constant) incoming gradient back to float64
    y.fill_(1.5)
    (g,) = al.autograd.grad([y], [x], [al.tensor([-0.41])], create_graph=True)
    assert g.tolist() == [0.0] and g.dtype == np.float64 and not g.requires_grad


def test_pow_second_derivative_through_its_blocked_factor_is_not_nan():
    # 0 ** b: d/db is blocked at base 0, and so is its derivative in the incoming gradient (torch masks the
    # factor log(0) = -inf itself); t's gradient below went through 0 * -inf = NaN before
    b = al.tensor([0.0], dtype=al.float64, requires_grad=True)
    t = al.tensor(0.0, dtype=al.float64, requires_grad=True)
    y = t * (al.tensor([0.0], dtype=al.float64) ** b)
    gb, gt = al.autograd.grad([y], [b, t], [al.tensor([-1.36], dtype=al.float64)], create_graph=True)
    (d,) = al.autograd.grad([gb.sum() * -0.1 + gt * -0.37], [t])
    assert d.item() == 0.0  # -0.1 * (the blocked factor, 0): torch's value


def test_conv2d_gradients_of_an_empty_batch_have_the_weights_shape():
    x = al.zeros(0, 2, 2, 1, requires_grad=True)
    w = al.tensor(np.array([1.0, 0.0], dtype=np.float32).reshape(1, 2, 1, 1), requires_grad=True)
    y = F.conv2d(x, w, None, padding=1)
    gx, gw = al.autograd.grad([y], [x, w], [al.zeros(*y.shape)])
    assert gx.shape == (0, 2, 2, 1) and gw.shape == (1, 2, 1, 1) and not gw.numpy().any()


def test_setitem_refuses_extra_value_dims_that_are_not_ones_even_when_empty():
    t = al.zeros(1, 0)
    with pytest.raises(ValueError, match=r"setitem: shape mismatch: a value of shape \(2, 1, 0\)"):
        t[al.tensor([], dtype=al.int64)] = al.zeros(2, 1, 0)
    with pytest.raises(ValueError, match="setitem: shape mismatch"):
        al.zeros(2, 3)[0] = al.ones(2, 3)


def test_an_empty_index_array_write_of_a_tensor_into_itself_writes_nothing_and_is_fine_as_in_torch():
    t = al.zeros(1, 0, requires_grad=True) * 1
    t[al.tensor([], dtype=al.int64), 1:-1:2] = t
    assert t.shape == (1, 0)
    with pytest.raises(RuntimeError, match="the value is the very tensor written to"):
        u = al.ones(3) * 1
        u[al.tensor([0, 1, 2])] = u
