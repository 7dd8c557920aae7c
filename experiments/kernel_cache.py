"""Keep numba's on-disk cache of the model's kernels in step with their sources."""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

_checked = False


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
