"""dtype names (torch-style aliases of numpy dtypes) and the default floating dtype."""

import numpy as np

from .ops.base import OpError

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)

_default = [np.dtype(np.float32)]


def get_default_dtype():
    """The dtype that Python floats and lists of floats become (float32 unless changed)."""
    return _default[0]


def set_default_dtype(dtype):
    """Set the default floating dtype (float32 or float64), like torch.set_default_dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, got {dtype}")
    _default[0] = dtype


def is_floating(dtype):
    """True for floating dtypes, the only ones that can require grad."""
    return dtype.kind == "f"


def as_floating(a):
    """Return a float array: integer and bool arrays become the default float dtype (as torch does)."""
    if a.dtype.kind == "f":
        return a
    return a.astype(_default[0])


def check_fits(name, values, dtype):
    """Refuse Python numbers that an integer dtype cannot hold, as torch does (numpy would wrap them)."""
    if dtype.kind not in "iu":
        return
    array = np.asarray(values)
    if array.dtype.kind not in "iuf" or array.size == 0:
        return
    info = np.iinfo(dtype)
    with np.errstate(invalid="ignore"):
        outside = (array < info.min) | (array > info.max)
    if array.dtype.kind == "f":
        outside |= ~np.isfinite(array)
    if outside.any():
        raise OpError(
            f"{name}: value {array[outside].flat[0]} cannot be converted to type {dtype} without "
            f"overflow (range [{info.min}, {info.max}])"
        )


def check_dtype(name, dtype):
    """``dtype`` as a numpy dtype that tensors support (float, int, uint8, bool); None stays None."""
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name}: dtype must be a dtype such as al.float32 or al.int64, got {dtype!r}") from None
    if dtype.kind not in "fiub":
        raise TypeError(f"{name}: unsupported dtype {dtype}; expected a floating, integer or bool dtype")
    return dtype
