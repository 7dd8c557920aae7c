"""Prepare the compiled kernels before any runs: numba's on-disk cache in step with the
kernel sources, and no CPU-specific maths library.

Every entry point (`placesim`, `python -m app`, the tests) calls `prepare_kernels()`
before numba is imported. It lives beside the kernels because it is about them; it
reads only the kernels' own source files, never model inputs.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

_checked = False


def prepare_kernels() -> None:
    """Drop stale compiled kernels, and keep numba from Intel's SVML `exp` and `log`
    (which it takes where the icc_rt package is installed, e.g. beside a conda numba):
    their last bits depend on the CPU (docs/ODD.md 10.2). Set before numba is imported;
    worker processes inherit it."""
    refresh_stale_kernel_cache()
    os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")


def refresh_stale_kernel_cache(folder: Path | None = None) -> None:
    """Drop compiled kernels cached from older sources (once per process).

    numba recompiles a cached kernel when its own file changes, but not when a helper
    it inlines from another module changes (sim/kernels/hashing.py `uniform`, which
    every kernel that draws inlines): after such an edit the other modules would run
    stale machine code. So the cache carries a hash of every kernel source, and files cached
    under another hash are removed. Called by the command line (and the tests) before
    any kernel runs; it does nothing where the package folder is not writable (numba
    then caches elsewhere, per install).
    """
    global _checked
    if folder is None:
        if _checked:
            return
        _checked = True
    # Found without importing sim.kernels (and numba): `placesim <verb> --help` stays fast.
    here = folder or Path(importlib.util.find_spec("sim.kernels").submodule_search_locations[0])
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(here.glob("*.py")))).hexdigest()
    cache = here / "__pycache__"
    stamp = cache / "kernel_sources.sha256"
    try:
        if stamp.exists() and stamp.read_text().strip() == digest:
            return
        cache.mkdir(exist_ok=True)
        for cached in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            cached.unlink(missing_ok=True)
        stamp.write_text(digest)
    except OSError:
        pass
