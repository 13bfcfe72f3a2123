"""Devices, as PyTorch names them: this framework runs on the CPU, and says so clearly for anything else.

``al.device("cpu")`` is accepted wherever torch takes a device (``device=`` of factories and layers,
``.to(device)``); ``"cuda"``, ``"mps"`` and the like raise a ``DeviceError`` that says this framework runs on
the CPU. ``al.cuda.is_available()`` and ``al.accelerator.is_available()`` answer False, so the common
``device = "cuda" if torch.cuda.is_available() else "cpu"`` idiom picks the CPU.
"""

import types

__all__ = ["device", "DeviceError", "check_device", "cuda", "accelerator"]


class DeviceError(RuntimeError, ValueError):
    """A device other than the CPU was asked for."""


class device:
    """A device: ``device("cpu")``, ``device("cpu", 0)`` or ``device("cpu:0")``; others are refused."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a device name such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if number:
            if index is not None:
                raise ValueError(f"device: index given twice ({type!r} and index={index!r})")
            index = int(number) if number.isdigit() else number
        if name != "cpu":
            raise DeviceError(
                f"device: autograd_lite runs on the CPU only; got device {type!r}. Use 'cpu' "
                "(the idiom `device = 'cuda' if torch.cuda.is_available() else 'cpu'` picks it)"
            )
        self.type, self.index = name, index

    def __repr__(self):
        return (
            f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"
        )

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (DeviceError, ValueError, TypeError):
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(where, value):
    """``value`` (None, a name or a device) checked to be the CPU; a DeviceError names ``where`` otherwise."""
    if value is None or value is CPU:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        raise DeviceError(f"{where}: autograd_lite runs on the CPU only; got device index {value} (a CUDA device)")
    try:
        device(value)
    except DeviceError:
        raise DeviceError(f"{where}: autograd_lite runs on the CPU only; got device {str(value)!r}") from None


def _no_accelerator():
    return False


def _zero():
    return 0


def _nothing_to_do(*args, **kwargs):
    return None


cuda = types.SimpleNamespace(
    is_available=_no_accelerator,
    device_count=_zero,
    manual_seed=_nothing_to_do,
    manual_seed_all=_nothing_to_do,
    synchronize=_nothing_to_do,
    empty_cache=_nothing_to_do,
)
cuda.__doc__ = "torch.cuda's common questions, answered for a CPU-only framework: no CUDA device."

accelerator = types.SimpleNamespace(is_available=_no_accelerator, device_count=_zero, current_accelerator=lambda: None)
accelerator.__doc__ = "torch.accelerator's questions: there is no accelerator."
