"""F.scaled_dot_product_attention and nn.MultiheadAttention: gradient checks in float64, semantics (masks,
fully masked rows, shapes, init, repr), and parity with torch (same weights, forward and gradients)."""

import numpy as np
import pytest

import autograd_lite as al
import nn
import nn.functional as F
from autograd_lite import Tensor
from autograd_lite.testing import gradcheck, gradgradcheck

from nn_parity import close, compare_grads, copy_weights, randomize, torch  # noqa: F401


def _t(shape, seed=0, requires_grad=True):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


def _masks():
    rng = np.random.default_rng(7)
    bool_mask = rng.random((3, 4)) > 0.4
    bool_mask[:, 0] = True
    return [
        {},
        {"is_causal": True},
        {"attn_mask": bool_mask},
        {"attn_mask": rng.standard_normal((3, 4))},
        {"scale": 0.25},
    ]


@pytest.mark.parametrize("kwargs", _masks(), ids=["plain", "causal", "bool", "float", "scale"])
def test_sdpa_gradcheck(kwargs):
    kwargs = {k: al.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    q, k, v = _t((2, 3, 5), 0), _t((2, 4, 5), 1), _t((2, 4, 2), 2)
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs)  # noqa: E731
    assert gradcheck(fn, (q, k, v))
    assert gradgradcheck(fn, (q, k, v))


def test_sdpa_fully_masked_row_is_zero_without_nan():
    mask = np.ones((3, 4), dtype=bool)
    mask[1] = False
    q, k, v = _t((3, 5), 0), _t((4, 5), 1), _t((4, 2), 2)
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=al.tensor(mask))
    np.testing.assert_array_equal(y.detach().numpy()[1], 0)
    y.sum().backward()
    assert all(np.all(np.isfinite(t.grad.numpy())) for t in (q, k, v))


def test_sdpa_errors_and_dropout():
    q = _t((2, 3, 4))
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=al.ones(3, 3), is_causal=True)
    with pytest.raises(ValueError, match="shapes"):
        F.scaled_dot_product_attention(q, _t((2, 3, 5)), q)
    al.manual_seed(0)
    y = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert y.shape == (2, 3, 4)


def test_sdpa_grouped_query_attention():
    q, k = _t((1, 4, 3, 2), 0), _t((1, 2, 5, 2), 1)
    y = F.scaled_dot_product_attention(q, k, k, enable_gqa=True)
    expected = F.scaled_dot_product_attention(q, k[:, [0, 0, 1, 1]], k[:, [0, 0, 1, 1]])
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy())


def test_mha_parameters_init_and_repr():
    m = nn.MultiheadAttention(8, 2)
    assert list(m.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert m.in_proj_weight.shape == (24, 8) and m.head_dim == 4
    np.testing.assert_array_equal(m.in_proj_bias.detach().numpy(), 0)
    np.testing.assert_array_equal(m.out_proj.bias.detach().numpy(), 0)
    bound = np.sqrt(6 / (8 + 24))
    assert np.abs(m.in_proj_weight.detach().numpy()).max() <= bound
    assert repr(m) == (
        "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n)"
    )
    m = nn.MultiheadAttention(4, 2, bias=False, add_bias_kv=True, kdim=3, vdim=5)
    assert list(m.state_dict()) == [
        "q_proj_weight",
        "k_proj_weight",
        "v_proj_weight",
        "bias_k",
        "bias_v",
        "out_proj.weight",
    ]
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)
    with pytest.raises(al.DeviceError, match="MultiheadAttention"):
        nn.MultiheadAttention(4, 2, device="cuda")


def test_mha_gradcheck():
    m = nn.MultiheadAttention(4, 2).double()
    q, k = _t((3, 2, 4), 0), _t((5, 2, 4), 1)
    assert gradcheck(lambda q, k: m(q, k, k)[0], (q, k))
    assert gradcheck(lambda q, k: m(q, k, k, need_weights=False)[0], (q, k))
    assert gradgradcheck(lambda q: m(q, q, q)[1], (q,))


# ---- parity with torch -------------------------------------------------------------------------------

CONFIGS = [
    dict(kw={}, call={}),
    dict(kw={"batch_first": True}, call={}),
    dict(kw={"bias": False}, call={"average_attn_weights": False}),
    dict(kw={"add_bias_kv": True, "add_zero_attn": True}, call={}),
    dict(kw={"kdim": 3, "vdim": 5}, call={}),
    dict(kw={}, call={"need_weights": False}),
    dict(kw={}, call={"key_padding_mask": "bool"}),
    dict(kw={}, call={"key_padding_mask": "bool", "need_weights": False}),
    dict(kw={}, call={"attn_mask": "bool2d"}),
    dict(kw={}, call={"attn_mask": "float3d", "key_padding_mask": "float"}),
    dict(kw={"add_bias_kv": True}, call={"attn_mask": "causal", "is_causal": True, "need_weights": False}),
    dict(kw={}, call={"attn_mask": "bool2d", "need_weights": False}),
]


def _call_kwargs(torch, call, B, H, L, S, make):  # noqa: F811
    rng = np.random.default_rng(11)
    out = {}
    for name, value in call.items():
        if value == "bool":
            mask = rng.random((B, S)) > 0.7
            mask[:, 0] = False
            value = mask
        elif value == "float":
            value = rng.standard_normal((B, S))
        elif value == "bool2d":
            mask = rng.random((L, S)) > 0.6
            mask[:, 0] = False
            value = mask
        elif value == "float3d":
            value = rng.standard_normal((B * H, L, S))
        elif value == "causal":
            value = np.triu(np.ones((L, S), dtype=bool), 1)
        out[name] = make(value) if isinstance(value, np.ndarray) else value
    return out


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("batched", [True, False])
def test_mha_parity(torch, cfg, batched):  # noqa: F811
    E, H, L, S, B = 4, 2, 3, 5, 2
    theirs = torch.nn.MultiheadAttention(E, H, **cfg["kw"]).double()
    ours = nn.MultiheadAttention(E, H, **cfg["kw"]).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    randomize(torch, theirs, 1)
    copy_weights(ours, theirs)
    kdim, vdim = cfg["kw"].get("kdim", E), cfg["kw"].get("vdim", E)
    first = (B, L) if cfg["kw"].get("batch_first") else (L, B)
    first_s = (B, S) if cfg["kw"].get("batch_first") else (S, B)
    if not batched:
        if "key_padding_mask" in cfg["call"] and cfg["call"]["key_padding_mask"] == "float":
            pytest.skip("a 3-D attn_mask has N * num_heads rows: batched only")
        if cfg["call"].get("attn_mask") == "float3d":
            pytest.skip("batched only")
        first, first_s = first[1:] if cfg["kw"].get("batch_first") else first[:1], (S,)
    rng = np.random.default_rng(3)
    arrays = [
        rng.standard_normal((*first, E)),
        rng.standard_normal((*first_s, kdim)),
        rng.standard_normal((*first_s, vdim)),
    ]
    b = B if batched else 1
    call_o = _call_kwargs(torch, cfg["call"], b, H, L, S, al.tensor)
    call_t = _call_kwargs(torch, cfg["call"], b, H, L, S, torch.from_numpy)
    if not batched and "key_padding_mask" in call_o:
        call_o["key_padding_mask"] = call_o["key_padding_mask"][0]
        call_t["key_padding_mask"] = call_t["key_padding_mask"][0]
    xo = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_o, w_o = ours(*xo, **call_o)
    out_t, w_t = theirs(*xt, **call_t)
    close(out_o, out_t, "attn_output")
    if w_t is None:
        assert w_o is None
    else:
        close(w_o, w_t, "attn_weights")
    g = np.random.default_rng(4).standard_normal(out_t.shape)
    out_o.backward(Tensor(g))
    out_t.backward(torch.from_numpy(g))
    for i, (o, t) in enumerate(zip(xo, xt)):
        close(o.grad, t.grad, f"grad of input {i}")
    compare_grads(ours, theirs)


@pytest.mark.parametrize("kwargs", _masks(), ids=["plain", "causal", "bool", "float", "scale"])
def test_sdpa_parity(torch, kwargs):  # noqa: F811
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((2, 2, 3, 5)), rng.standard_normal((2, 2, 4, 5)), rng.standard_normal((2, 2, 4, 6))]
    xo = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ko = {k: al.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kt = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    yo = F.scaled_dot_product_attention(*xo, **ko)
    yt = torch.nn.functional.scaled_dot_product_attention(*xt, **kt)
    close(yo, yt)
    g = rng.standard_normal(yt.shape)
    yo.backward(Tensor(g))
    yt.backward(torch.from_numpy(g))
    for o, t in zip(xo, xt):
        close(o.grad, t.grad)
