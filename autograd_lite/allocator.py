"""Keep large freed arrays in the process instead of returning them to the OS (glibc only).

glibc serves allocations above ``M_MMAP_THRESHOLD`` (128 KiB by default, raised dynamically up to 32 MiB)
with fresh ``mmap`` pages and unmaps them on free, so a training step that allocates and frees the same
multi-MiB temporaries every step pays thousands of page faults each time (measured: the CNN training step
in ``benchmarks/train_step.py`` runs 17 ms without this and 12.5 ms with it). ``tune()`` sets the mmap
threshold to its 32 MiB maximum and the trim threshold to 512 MiB once, at import, so freed blocks are
reused. Memory stays bounded: it is reused, not leaked (``benchmarks/train_step.py --memory`` shows no
growth over 2,000 steps). Set ``AUTOGRAD_LITE_MALLOC_TUNING=0`` to leave the allocator alone.
"""

import ctypes
import os
import sys

__all__ = ["tune", "tuned"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 512 * 1024 * 1024

tuned = False


def tune():
    """Raise glibc's mmap and trim thresholds (once); True if done, False where it does not apply."""
    global tuned
    if tuned:
        return True
    if not sys.platform.startswith("linux") or os.environ.get("AUTOGRAD_LITE_MALLOC_TUNING", "1") == "0":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols (no library search at import)
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return tuned
