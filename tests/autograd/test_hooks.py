"""Tensor.register_hook: the same programs run with autograd_lite and (when installed) torch must call the
hooks in the same order, with the same gradients, and end with the same (modified) gradients."""

import numpy as np
import pytest

import autograd_lite as al

try:
    import torch
except ImportError:  # the parity tests skip; the others run
    torch = None  # type: ignore[assignment]

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def lib_of(name):
    return al if name == "al" else torch


def _np(t):
    return None if t is None else np.array(t.detach().numpy())


def leaf(lib, values):
    return lib.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def program(name):
    """Hooks on leaves and non-leaves, used several times, modifying or observing, with backward, grad,
    retain_grad, create_graph and removal; returns the log of hook calls and every result."""
    lib = lib_of(name)
    log, results = [], []

    def observe(tag):
        return lambda g: log.append((tag, _np(g)))

    def scale(tag, k):
        def hook(g):
            log.append((tag, _np(g)))
            return g * k

        return hook

    x, w = leaf(lib, [1.0, -2.0, 0.5]), leaf(lib, [0.3, 0.7, -1.1])
    hx = x.register_hook(scale("x", 2.0))
    x.register_hook(observe("x after scale"))
    a = x * w
    ha = a.register_hook(scale("a", -1.0))
    a.retain_grad()
    b = a.tanh() + a * x  # x used twice: its hooks see the sum, once
    b.register_hook(observe("b"))
    loss = (b * b).sum()
    loss.backward(retain_graph=True)
    results += [_np(x.grad), _np(w.grad), _np(a.grad)]
    # autograd_lite.grad runs the hooks of the inputs and of the tensors on the way
    results += [_np(g) for g in lib.autograd.grad(loss, [x, a], retain_graph=True)]
    hx.remove()
    with ha:
        pass  # a handle is a context manager that removes its hook
    x.grad = w.grad = a.grad = None  # (torch's grad() also feeds a's retained .grad; autograd_lite's does not)
    loss.backward()
    results += [_np(x.grad), _np(w.grad), _np(a.grad)]
    # create_graph: the hook's result is part of the recorded graph
    y = leaf(lib, [0.5, 1.5])
    y.register_hook(lambda g: g * g)
    z = (y**3).sum()
    (gy,) = lib.autograd.grad(z, y, create_graph=True)
    (ggy,) = lib.autograd.grad(gy.sum(), y)
    results += [_np(gy), _np(ggy)]
    # a hook on the root itself, and on a leaf used as the root
    r = leaf(lib, [2.0])
    s = r * 3
    s.register_hook(scale("s", 10.0))
    s.sum().backward()
    results.append(_np(r.grad))
    q = leaf(lib, [4.0])
    q.register_hook(scale("q", 5.0))
    q.backward(lib.ones(1, dtype=lib.float64))
    results.append(_np(q.grad))
    return log, results


def test_tensor_hooks():
    log, results = program("al")
    tags = [tag for tag, _ in log]
    assert tags[:4] == ["b", "a", "x", "x after scale"]
    np.testing.assert_allclose(log[3][1], 2 * log[2][1])  # the second hook sees the first one's result
    np.testing.assert_allclose(results[0], log[3][1])  # .grad holds the gradient after the hooks
    np.testing.assert_allclose(results[2], -log[1][1])  # retain_grad keeps the modified gradient


@needs_torch
def test_tensor_hooks_match_torch():
    mine, theirs = program("al"), program("torch")
    assert [tag for tag, _ in mine[0]] == [tag for tag, _ in theirs[0]]
    for (_, a), (_, b) in zip(mine[0], theirs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(mine[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_hook_refused_without_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        al.ones(2).register_hook(lambda g: g)


def test_hook_must_return_a_tensor_of_the_same_shape():
    x = leaf(al, [1.0, 2.0])
    x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).sum().backward()
    y = leaf(al, [1.0])
    (y * 1).register_hook(lambda g: 3.0)
    h = y * 1
    h.register_hook(lambda g: 3.0)
    with pytest.raises(TypeError, match="float"):
        h.sum().backward()


def test_a_kept_gradient_is_not_changed_by_later_accumulation():
    kept = []
    x = leaf(al, [1.0, 2.0])
    x.register_hook(kept.append)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_allclose(kept[0].numpy(), [2.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_hooks_die_with_their_tensor():
    from autograd_lite.autograd.hooks import LEAF_HOOKS

    before = len(LEAF_HOOKS)
    x = leaf(al, [1.0])
    x.register_hook(lambda g: None)
    assert len(LEAF_HOOKS) == before + 1
    del x
    import gc

    gc.collect()
    assert len(LEAF_HOOKS) == before
