"""Devices as torch names them: the CPU is accepted everywhere, any other device is refused clearly."""

import numpy as np
import pytest

import autograd_lite as al

try:
    import torch
except ImportError:  # pragma: no cover - the parity checks below skip
    torch = None


@pytest.mark.parametrize("spec", ["cpu", "cpu:0", al.device("cpu"), al.device("cpu", 0)])
def test_the_cpu_is_accepted_in_every_spelling(spec):
    x = al.ones(2, 3)
    assert x.to(spec) is x
    assert x.to(spec, al.float64).dtype == np.float64
    assert al.device(spec).type == "cpu"


@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "mps", "meta"])
def test_other_devices_are_refused_naming_the_call(spec):
    with pytest.raises(al.DeviceError, match=rf"to: autograd_lite runs on the CPU only; got device '{spec}'"):
        al.ones(2).to(spec)
    with pytest.raises(al.DeviceError, match="runs on the CPU only"):
        al.device(spec)
    with pytest.raises(al.DeviceError, match="runs on the CPU only"):
        al.ones(2).to(device=spec)


def test_device_error_is_a_runtime_and_a_value_error():
    assert issubclass(al.DeviceError, RuntimeError) and issubclass(al.DeviceError, ValueError)


def test_tensor_device_equals_the_cpu_by_name_and_object():
    d = al.ones(1).device
    assert d == al.device("cpu") and d == "cpu" and d != "cuda" and str(d) == "cpu"
    assert repr(d) == "device(type='cpu')" and d.type == "cpu" and d.index is None
    assert repr(al.device("cpu:0")) == "device(type='cpu', index=0)"
    assert hash(al.device("cpu")) == hash(al.device("cpu"))
    assert not al.ones(1).is_cuda


def test_the_cuda_idiom_picks_the_cpu():
    device = "cuda" if al.cuda.is_available() else "cpu"
    assert device == "cpu" and al.cuda.device_count() == 0 and not al.accelerator.is_available()
    assert al.ones(2).to(device).device == "cpu"


def test_size_is_a_tuple_with_numel_and_a_clear_error_for_a_bad_dim():
    x = al.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and isinstance(x.size(), tuple) and x.size().numel() == 24
    assert x.size(-1) == 4 and x.nelement() == 24 and repr(x.size()) == "Size([2, 3, 4])"
    with pytest.raises(IndexError, match=r"size: dim 3 is out of range for a tensor of shape \(2, 3, 4\)"):
        x.size(3)


def test_format_of_a_one_element_tensor_formats_its_number():
    loss = al.tensor(0.123456)
    assert f"{loss:.3f}" == "0.123" and f"{al.tensor([2.5]):.1f}" == "2.5" and f"{al.tensor(7):d}" == "7"
    assert f"{loss}" == repr(loss)


def test_float_and_int_dtype_names_as_torch():
    assert al.float == np.float32 and al.int == np.int32 and al.long == np.int64 and al.double == np.float64
    assert al.half == np.float16


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_the_same_as_torch():
    assert str(al.device("cpu")) == str(torch.device("cpu"))
    assert repr(al.device("cpu:0")) == repr(torch.device("cpu:0"))
    assert f"{al.tensor(0.123456):.3f}" == f"{torch.tensor(0.123456):.3f}"
    assert tuple(al.zeros(2, 3).size()) == tuple(torch.zeros(2, 3).size())
    assert al.zeros(2, 3).nelement() == torch.zeros(2, 3).nelement()
