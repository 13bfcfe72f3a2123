"""Grad mode: no_grad, enable_grad and set_grad_enabled as context managers, decorators and calls."""

import numpy as np
import pytest

import autograd_lite as al


@pytest.fixture(autouse=True)
def grad_mode_restored():
    assert al.is_grad_enabled()
    yield
    enabled = al.is_grad_enabled()
    al.set_grad_enabled(True)
    assert enabled, "the test left grad mode off"


def _recorded(x):
    y = x * 2
    return y.requires_grad and y.grad_fn is not None


def leaf():
    return al.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_records_nothing():
    x = leaf()
    with al.no_grad():
        assert not al.is_grad_enabled()
        y = x * 2 + 1
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf
        assert y.tolist() == [3.0, 5.0]
        assert x.requires_grad  # the leaf keeps its flag
    assert al.is_grad_enabled()
    assert _recorded(x)


def test_no_grad_decorator():
    x = leaf()

    @al.no_grad()
    def double(t):
        """doc"""
        assert not al.is_grad_enabled()
        return t * 2

    y = double(x)
    assert not y.requires_grad and y.grad_fn is None
    assert y.tolist() == [2.0, 4.0]
    assert al.is_grad_enabled()
    assert double.__name__ == "double" and double.__doc__ == "doc"
    assert _recorded(x)


def test_decorators_without_parentheses():
    x = leaf()

    @al.no_grad
    def double(t):
        assert not al.is_grad_enabled()
        return t * 2

    @al.enable_grad
    def triple(t):
        assert al.is_grad_enabled()
        return t * 3

    assert double.__name__ == "double"
    y = double(x)
    assert not y.requires_grad and y.tolist() == [2.0, 4.0]
    with al.no_grad():
        z = triple(x)
        assert not al.is_grad_enabled()
    assert z.requires_grad and z.grad_fn is not None
    assert al.is_grad_enabled()


def test_enable_grad_inside_no_grad_context():
    x = leaf()
    with al.no_grad():
        with al.enable_grad():
            assert al.is_grad_enabled()
            assert _recorded(x)
        assert not al.is_grad_enabled()
        assert not _recorded(x)


def test_enable_grad_decorator_inside_no_grad():
    x = leaf()

    @al.enable_grad()
    def square(t):
        return t * t

    with al.no_grad():
        y = square(x)
        assert not al.is_grad_enabled()
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_nesting_restores_each_previous_state():
    states = []
    with al.no_grad():
        states.append(al.is_grad_enabled())
        with al.enable_grad():
            states.append(al.is_grad_enabled())
            with al.no_grad():
                states.append(al.is_grad_enabled())
            states.append(al.is_grad_enabled())
        states.append(al.is_grad_enabled())
    states.append(al.is_grad_enabled())
    assert states == [False, True, False, True, False, True]


def test_exception_inside_context_restores_the_mode():
    with pytest.raises(ZeroDivisionError):
        with al.no_grad():
            1 / 0
    assert al.is_grad_enabled()
    with al.no_grad():
        with pytest.raises(KeyError):
            with al.enable_grad():
                raise KeyError("k")
        assert not al.is_grad_enabled()


def test_exception_inside_decorated_function_restores_the_mode():
    @al.no_grad()
    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fails()
    assert al.is_grad_enabled()

    @al.enable_grad()
    def fails_too():
        raise ValueError("bang")

    with al.no_grad():
        with pytest.raises(ValueError, match="bang"):
            fails_too()
        assert not al.is_grad_enabled()


def test_set_grad_enabled_as_a_call():
    x = leaf()
    al.set_grad_enabled(False)
    try:
        assert not al.is_grad_enabled()
        assert not _recorded(x)
    finally:
        al.set_grad_enabled(True)
    assert al.is_grad_enabled() and _recorded(x)


def test_set_grad_enabled_as_a_context_manager():
    x = leaf()
    with al.set_grad_enabled(False):
        assert not _recorded(x)
        with al.set_grad_enabled(True):
            assert _recorded(x)
        assert not al.is_grad_enabled()
    assert al.is_grad_enabled()
    with al.no_grad():
        with al.set_grad_enabled(True):
            assert _recorded(x)
        assert not al.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator():
    x = leaf()

    @al.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert al.is_grad_enabled()  # creating the decorator does not change the mode
    y = f(x)
    assert not y.requires_grad and al.is_grad_enabled()


def test_set_grad_enabled_restores_after_an_exception():
    with pytest.raises(RuntimeError):
        with al.set_grad_enabled(False):
            raise RuntimeError
    assert al.is_grad_enabled()


def test_backward_works_inside_no_grad_and_keeps_the_mode():
    x = leaf()
    y = (x * x).sum()
    with al.no_grad():
        y.backward()
        assert not al.is_grad_enabled()
    assert x.grad.tolist() == [2.0, 4.0]


def test_failing_backward_restores_the_mode():
    x = leaf()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    assert al.is_grad_enabled()


def test_plain_backward_does_not_record_the_gradient_computation():
    x = leaf()
    (x * x).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_grad_mode_names_are_shared_with_autograd():
    assert al.autograd.no_grad is al.no_grad
    assert al.autograd.enable_grad is al.enable_grad
    assert al.autograd.set_grad_enabled is al.set_grad_enabled
    assert al.autograd.is_grad_enabled is al.is_grad_enabled


def _run_in_thread(fn):
    """Run fn in a new thread and return its result (re-raising its exception here)."""
    import threading

    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as err:  # handed to the caller
            box["error"] = err

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_grad_mode_is_per_thread():
    with al.no_grad():
        assert _run_in_thread(al.is_grad_enabled) is True
        assert _run_in_thread(lambda: _recorded(leaf())) is True
        assert not _recorded(leaf())
    assert _run_in_thread(lambda: (al.set_grad_enabled(False), al.is_grad_enabled())[1]) is False
    assert al.is_grad_enabled()


def test_no_grad_in_one_thread_does_not_drop_gradients_in_another():
    import threading

    inside_no_grad, recorded = threading.Event(), threading.Event()

    def evaluator():
        with al.no_grad():
            inside_no_grad.set()
            recorded.wait(timeout=10)

    def trainer():
        inside_no_grad.wait(timeout=10)
        x = leaf()
        (x * x).sum().backward()
        recorded.set()
        return x.grad.tolist()

    other = threading.Thread(target=evaluator)
    other.start()
    grad = _run_in_thread(trainer)
    other.join()
    assert grad == [2.0, 4.0]


def test_two_models_train_in_two_threads_with_the_same_gradients_as_alone():
    from concurrent.futures import ThreadPoolExecutor

    def train(seed):
        rng = np.random.default_rng(seed)
        w = al.tensor(rng.standard_normal((5, 3)), requires_grad=True)
        x = al.tensor(rng.standard_normal((50, 5)))
        for _ in range(200):
            loss = ((x @ w).tanh() ** 2).mean()
            loss.backward()
            with al.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
        return w.detach().numpy().copy()

    alone = [train(0), train(1)]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(train, [0, 1]))
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a, b)
