"""Give the C heap's free pages back to the system between the analysis's large steps.

glibc keeps memory that numpy arrays freed inside its heap (and, after a large array is freed, raises its mmap
threshold so the next ones land there too); a run over a million segments builds and frees many chunk-sized
arrays, and that kept memory showed up as peak RSS (docs/lab/memory.md). `release()` asks glibc to return the
free pages (`malloc_trim`); it changes no result, and does nothing where the C library is not glibc."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release() -> bool:
    """Return the C heap's free pages to the system; True when glibc did so (or had none to return)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
