"""Families, trust and norms (processes 5-7 of the month) in one compiled call.

The equations are those of sim/processes/families.py, trust.py and norms.py, applied in
that order; each of those modules' `step` runs its own part of the same kernel
(sim.kernels.informal explains why one call is exact), and the model runs all three at
once, with one walk over the informal ties instead of three.
"""
from __future__ import annotations

import numpy as np

from sim.kernels import informal as KI
from sim.params import ModelParams
from sim.processes import families as families_process
from sim.processes import norms as norms_process
from sim.processes import trust as trust_process
from sim.rng import Streams
from sim.state import State


def ties(state: State) -> tuple:
    """The informal ties as the kernel takes them: CSR structure (every weight is 1) and
    each family's degree."""
    ps = state.place
    t = ps.family_ties
    return t.indptr, t.indices, ps.degree


def run(state: State, params: ModelParams, streams: Streams | None, month: int, *,
        families: bool = True, trust: bool = True, norms: bool = True, settle: bool = False) -> None:
    """The processes switched on, in the order families, trust, norms. `settle` (families
    only, no streams): stress and home learning set to their targets, no draws."""
    shape = state.families.stress.shape
    work = state.scratch
    no_draws = np.zeros(state.n_replicates, dtype=np.uint64)
    family_base = streams.base("families", month) if families and not settle else no_draws
    norm_base = streams.base("norms.abandon", month) if norms else no_draws
    local = work.get("norms.local" if norms else "informal.local", shape)
    KI.informal_month(
        families, trust, norms, settle,
        *families_process.kernel_inputs(state, params, family_base),
        *trust_process.kernel_inputs(state, params),
        *norms_process.kernel_inputs(state, params, norm_base), local,
        *ties(state), work.get("informal.shown", (shape[1], 3)))
    if norms:
        state.local_norm = local


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    """Families, trust and norms of this month."""
    run(state, params, streams, month)
