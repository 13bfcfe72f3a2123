"""device=, layout= and pin_memory= on every creation function: the CPU is accepted in each of torch's
spellings; any other device raises al.DeviceError naming the function; a non-strided layout or
pin_memory=True is refused clearly."""

import numpy as np
import pytest

import autograd_lite as al

X = al.ones(2, 3)
F = al.tensor([[0.2, 0.8], [0.5, 0.5]])

# name -> a call taking the placement keywords
FACTORIES = {
    "tensor": lambda **kw: al.tensor([1.0, 2.0], **kw),
    "as_tensor": lambda **kw: al.as_tensor([1.0, 2.0], **kw),
    "zeros": lambda **kw: al.zeros(2, 3, **kw),
    "ones": lambda **kw: al.ones(2, 3, **kw),
    "empty": lambda **kw: al.empty(2, 3, **kw),
    "full": lambda **kw: al.full((2, 3), 1.5, **kw),
    "zeros_like": lambda **kw: al.zeros_like(X, **kw),
    "ones_like": lambda **kw: al.ones_like(X, **kw),
    "empty_like": lambda **kw: al.empty_like(X, **kw),
    "full_like": lambda **kw: al.full_like(X, 2.0, **kw),
    "arange": lambda **kw: al.arange(0, 5, **kw),
    "linspace": lambda **kw: al.linspace(0, 1, 5, **kw),
    "eye": lambda **kw: al.eye(3, **kw),
    "rand": lambda **kw: al.rand(2, 3, **kw),
    "randn": lambda **kw: al.randn(2, 3, **kw),
    "randint": lambda **kw: al.randint(0, 5, (2, 3), **kw),
    "randperm": lambda **kw: al.randperm(5, **kw),
    "rand_like": lambda **kw: al.rand_like(X, **kw),
    "randn_like": lambda **kw: al.randn_like(X, **kw),
    "randint_like": lambda **kw: al.randint_like(X, 5, **kw),
    "normal": lambda **kw: al.normal(0.0, 1.0, (2, 3), **kw),
}
LAYOUT = {"tensor", "as_tensor"}  # torch has no layout= on these
PIN_MEMORY = {"tensor", "empty", "rand", "randn", "randperm"}


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("device", [None, "cpu", "cpu:0", al.device("cpu"), al.device("cpu", 0)], ids=str)
def test_the_cpu_is_accepted(name, device):
    t = FACTORIES[name](device=device)
    assert isinstance(t, al.Tensor) and t.device == al.device("cpu")


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps", 0])
def test_another_device_is_refused_naming_the_function(name, device):
    with pytest.raises(al.DeviceError, match=rf"^{name}: .*CPU"):
        FACTORIES[name](device=device)


def test_device_error_is_a_runtime_and_value_error():
    with pytest.raises(RuntimeError):
        al.zeros(2, device="cuda")
    with pytest.raises(ValueError):
        al.zeros(2, device="cuda")


@pytest.mark.parametrize("name", sorted(set(FACTORIES) - LAYOUT))
def test_layout(name):
    assert FACTORIES[name](layout=None).shape == FACTORIES[name]().shape
    assert FACTORIES[name](layout="strided").shape == FACTORIES[name]().shape
    with pytest.raises(ValueError, match=rf"^{name}: .*strided.*sparse_coo"):
        FACTORIES[name](layout="sparse_coo")


@pytest.mark.parametrize("name", sorted(PIN_MEMORY))
def test_pin_memory(name):
    assert FACTORIES[name](pin_memory=False).shape == FACTORIES[name]().shape
    with pytest.raises(al.DeviceError, match=rf"^{name}: pin_memory=True"):
        FACTORIES[name](pin_memory=True)


def test_torch_layout_object_is_accepted():
    torch = pytest.importorskip("torch")
    assert al.zeros(2, layout=torch.strided).shape == (2,)
    with pytest.raises(ValueError, match="strided"):
        al.zeros(2, layout=torch.sparse_coo)


def test_values_unchanged_by_placement():
    np.testing.assert_array_equal(al.eye(3, device="cpu")._array, np.eye(3, dtype=np.float32))
    assert al.arange(5, device=al.device("cpu")).dtype == np.int64
    assert al.full((2,), 3, device="cpu:0").dtype == np.int64
    t = al.zeros(2, dtype=al.float64, device="cpu", requires_grad=True)
    assert t.requires_grad and t.dtype == np.float64
