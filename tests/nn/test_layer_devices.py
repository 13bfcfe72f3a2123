"""Every layer constructor taking ``device=`` accepts the CPU (a name or al.device) and refuses any other
device with al.DeviceError (autograd_lite.devices.check_device), naming the layer."""

import pytest

import autograd_lite as al
import nn

LAYERS = [
    ("Linear", lambda device: nn.Linear(2, 3, device=device)),
    ("Conv2d", lambda device: nn.Conv2d(2, 3, 3, device=device)),
    ("ConvTranspose2d", lambda device: nn.ConvTranspose2d(2, 3, 3, device=device)),
    ("BatchNorm1d", lambda device: nn.BatchNorm1d(3, device=device)),
    ("BatchNorm2d", lambda device: nn.BatchNorm2d(3, device=device)),
    ("Embedding", lambda device: nn.Embedding(4, 3, device=device)),
    ("LayerNorm", lambda device: nn.LayerNorm(3, device=device)),
    ("GroupNorm", lambda device: nn.GroupNorm(1, 3, device=device)),
    ("MultiheadAttention", lambda device: nn.MultiheadAttention(4, 2, device=device)),
]


@pytest.mark.parametrize("name,make", LAYERS, ids=[name for name, _ in LAYERS])
def test_cpu_accepted_others_refused(name, make):
    for device in (None, "cpu", "cpu:0", al.device("cpu")):
        make(device)
    for device in ("cuda", "cuda:0", "mps", 0):
        with pytest.raises(al.DeviceError, match=f"{name}: .*CPU only"):
            make(device)
