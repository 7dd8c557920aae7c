"""Keep long-lived workers' memory flat."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Hand freed heap pages back to the system (glibc's malloc_trim; nothing elsewhere).

    Why: a sweep worker runs hundreds of tasks; glibc keeps the pages that NumPy and
    pandas free between tasks, so the worker's resident memory creeps up by about 1 MB
    a task (measured: +26 MB over 30 tasks without, flat with) and loky restarts it.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
