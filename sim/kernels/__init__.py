"""Compiled inner loops (numba) for the processes that touch every family, child or
family x service each month.

Why: at neighbourhood sizes a month is dominated by the number of array passes, not by
arithmetic; these kernels do in one pass what NumPy needs tens of passes for
(docs/ODD.md, "Performance decisions"). Each implements exactly the equations written
in the sim/processes module that calls it, and draws random numbers with the same
counter-based hash as sim.rng (bit-identical).

One module per process; this package re-exports their kernels and index constants so
processes call `kernels.<name>`.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from sim.kernels.hashing import GOLDEN, mix, stream_bases, uniform, uniforms_at
from sim.kernels.services import (A_HEALTH_DEF, A_KIDS, A_TEEN, A_WELLBEING_DEF, A_YOUNG,
                                  G_ANY, G_CHILDREN, G_TEEN, G_YOUNG, N_AGG,
                                  family_aggregates, service_discharge, service_intake,
                                  service_support)
from sim.kernels.development import (C_CROSS, C_DEP, C_HDEP, C_HLE, C_HOUSING, C_HPOOR,
                                     C_INFORMAL, C_NBHD, C_QUAL, C_SCHOOL, C_STRESS, C_WORK,
                                     N_COEF, child_input, child_inputs, development_month,
                                     family_inputs)
from sim.kernels.families import (CH_DEBT, CH_HLE, CH_HOUSING, CH_STRESS, CH_WORK, F_BUFFER,
                                  F_DEBT_BUILD, F_DEBT_REPAY, F_EVICT, F_FULL_TIES, F_H0,
                                  F_HDEP, F_HINFORMAL, F_HLE_RATE, F_HNORM, F_HQUAL,
                                  F_HSTRESS, F_JOB, F_S0, F_SDEBT, F_SDEP, F_SHEALTH,
                                  F_SHOUSE, F_STRESS_RATE, F_SWORK, N_FCOEF, family_month)


_cache_checked = False


def refresh_stale_cache(folder: Path | None = None) -> None:
    """Drop compiled kernels cached from older sources (once per process).

    numba recompiles a cached kernel when its own file changes, but not when a helper
    it inlines from another module changes (hashing.uniform, social.neighbour_mean):
    after such an edit the other modules would run stale machine code. So the cache
    carries a hash of every kernel source, and files cached under another hash are
    removed. sim.rng.Streams calls this before any kernel runs; it does nothing where
    the package folder is not writable (numba then caches elsewhere, per install).
    """
    global _cache_checked
    if folder is None:
        if _cache_checked:
            return
        _cache_checked = True
    here = folder or Path(__file__).parent
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
