"""nn.Module hooks (forward pre, forward, full backward, full backward pre) and non-persistent buffers:
each program is written once and run with autograd_lite and, when installed, with torch; the call order of
the hooks, what they see and the gradients after they change them must agree."""

import numpy as np
import pytest

import autograd_lite as al
import nn

try:
    import torch
except ImportError:  # the parity tests skip; the others run
    torch = None  # type: ignore[assignment]

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def libs(name):
    if name == "al":
        return al, nn
    return torch, torch.nn


def _np(t):
    return None if t is None else np.array(t.detach().numpy())


def model(name):
    """Linear(3, 4) -> Tanh -> Linear(4, 2) with fixed weights, in float64."""
    lib, lnn = libs(name)
    net = lnn.Sequential(lnn.Linear(3, 4), lnn.Tanh(), lnn.Linear(4, 2)).double()
    rng = np.random.default_rng(0)
    for p in net.parameters():
        p.data = lib.tensor(rng.standard_normal(tuple(p.shape))).data
    return net


def hooks_program(name, modify):
    """Every kind of hook on every layer, logging (event, layer, shapes or values); with ``modify`` the
    hooks change what they get. Returns the log and the gradients."""
    lib, lnn = libs(name)
    net = model(name)
    log = []
    handles = []
    for i, layer in enumerate(net):

        def pre(module, args, i=i):
            log.append(("pre", i, _np(args[0])))
            if modify and i == 1:
                return (args[0] * 0.5,)

        def fwd(module, args, output, i=i):
            log.append(("fwd", i, _np(output)))
            if modify and i == 2:
                return output * 2

        def bw_pre(module, grad_output, i=i):
            log.append(("bw_pre", i, [_np(g) for g in grad_output]))
            if modify and i == 0:
                return (grad_output[0] * 3,)

        def bw(module, grad_input, grad_output, i=i):
            log.append(("bw", i, [_np(g) for g in grad_input], [_np(g) for g in grad_output]))
            if modify and i == 1:
                return (grad_input[0] + 1,)

        handles += [
            layer.register_forward_pre_hook(pre),
            layer.register_forward_hook(fwd),
            layer.register_full_backward_pre_hook(bw_pre),
            layer.register_full_backward_hook(bw),
        ]
    x = lib.tensor(np.array([[0.1, -0.2, 0.3], [1.0, 0.5, -0.5]]), requires_grad=True)
    out = net(x)
    (out * out).sum().backward()
    grads = [_np(x.grad)] + [_np(p.grad) for p in net.parameters()]
    for handle in handles:
        handle.remove()
    x.grad = None
    net.zero_grad()
    net(x).sum().backward()  # no hooks any more
    grads += [_np(x.grad)] + [_np(p.grad) for p in net.parameters()]
    return log, grads, _np(out)


def _assert_same(mine, theirs):
    if isinstance(mine, (list, tuple)):
        assert isinstance(theirs, (list, tuple)) and len(mine) == len(theirs), (mine, theirs)
        for a, b in zip(mine, theirs):
            _assert_same(a, b)
    elif isinstance(mine, np.ndarray):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    else:
        assert mine == theirs


@needs_torch
@pytest.mark.parametrize("modify", [False, True])
def test_module_hooks_match_torch(modify):
    _assert_same(hooks_program("al", modify), hooks_program("torch", modify))


def test_module_hooks_order_and_effect():
    log, grads, out = hooks_program("al", modify=True)
    events = [(e[0], e[1]) for e in log]
    assert events[:6] == [("pre", 0), ("fwd", 0), ("pre", 1), ("fwd", 1), ("pre", 2), ("fwd", 2)]
    assert events[6:] == [("bw_pre", 2), ("bw", 2), ("bw_pre", 1), ("bw", 1), ("bw_pre", 0), ("bw", 0)]
    plain_log, plain_grads, plain_out = hooks_program("al", modify=False)
    assert not np.allclose(out, plain_out)  # the forward hooks changed the output
    assert not np.allclose(grads[0], plain_grads[0])
    for a, b in zip(grads[5:], plain_grads[5:]):  # after removal, both runs are plain
        np.testing.assert_allclose(a, b)


def test_backward_hooks_with_inputs_that_need_no_grad():
    seen = []
    layer = nn.Linear(2, 1)
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    layer(al.ones(3, 2)).sum().backward()
    assert seen == [((None,), (3, 1))]
    assert layer.weight.grad is not None


def test_forward_pre_hook_with_kwargs_and_prepend():
    calls = []

    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()

    def kw(module, args, kwargs):
        calls.append("kw")
        return args, {"factor": 3.0}

    m.register_forward_pre_hook(kw, with_kwargs=True)
    m.register_forward_pre_hook(lambda module, args: calls.append("first"), prepend=True)
    handle = m.register_forward_hook(lambda module, args, kwargs, out: out + 1, with_kwargs=True)
    np.testing.assert_allclose(m(al.ones(2)).numpy(), [4.0, 4.0])
    assert calls == ["first", "kw"]
    with handle:
        pass
    np.testing.assert_allclose(m(al.ones(2)).numpy(), [3.0, 3.0])


def test_module_without_hooks_has_no_hook_table():
    m = nn.Linear(2, 2)
    assert m._hooks is None
    h = m.register_forward_hook(lambda *a: None)
    h.remove()
    h.remove()  # removing twice is harmless


@pytest.mark.parametrize("name", ["al", pytest.param("torch", marks=needs_torch)])
def test_non_persistent_buffers(name):
    lib, lnn = libs(name)

    class WithBuffers(lnn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("kept", lib.ones(2))
            self.register_buffer("scratch", lib.zeros(3), persistent=False)

    m = WithBuffers()
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    m.load_state_dict({"kept": lib.full((2,), 5.0)})  # strict: scratch is not expected
    np.testing.assert_allclose(m.kept.numpy(), [5.0, 5.0])
    m.double()
    assert m.scratch.dtype == (np.float64 if name == "al" else torch.float64)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        m.load_state_dict({"kept": lib.ones(2), "scratch": lib.ones(3)})
    m.register_buffer("scratch", lib.zeros(3))  # re-registered persistent
    assert list(m.state_dict()) == ["kept", "scratch"]


def two_outputs_program(name):
    """A module with two inputs and two outputs, some unused or needing no gradient: what the hooks see."""
    lib, lnn = libs(name)
    seen = []

    class Two(lnn.Module):
        def forward(self, a, b):
            return a * 2, a * 3

    m = Two()
    m.register_full_backward_hook(lambda m, gi, go: seen.append(("bw", [_np(g) for g in gi], [_np(g) for g in go])))
    m.register_full_backward_pre_hook(lambda m, go: seen.append(("pre", [_np(g) for g in go])))
    a = lib.ones(2, dtype=lib.float64, requires_grad=True)
    b = lib.ones(2, dtype=lib.float64)
    first, _ = m(a, b)
    first.sum().backward()
    c = lib.ones(2, dtype=lib.float64, requires_grad=True)
    first, _ = m(c * 1, a)  # a requires grad but is unused
    first.sum().backward()
    return seen


def test_backward_hooks_see_zeros_for_inputs_without_gradient():
    seen = two_outputs_program("al")
    assert seen[0][0] == "pre" and seen[0][1][1] is None  # an unused output: None
    np.testing.assert_allclose(seen[1][1][1], [0.0, 0.0])  # an input without gradient: zeros, as torch


@needs_torch
def test_two_outputs_hooks_match_torch():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same(two_outputs_program("al"), two_outputs_program("torch"))
