"""Community norms (taking part in early learning, aspiration) by complex contagion.

A family adopts when the share of its informal ties holding the norm reaches its own
threshold (Granovetter 1978; Centola & Macy 2007); saturation of the area with good
services lowers every threshold (the HCZ 'tipping point', seed 004). An adopter whose
support falls a margin below its threshold may give the norm up, so the way up and the
way down differ (hysteresis). Equations: docs/ODD.md, "Norms".
"""
from __future__ import annotations

import numpy as np

from sim.params import ModelParams
from sim.processes.families import neighbour_mean
from sim.rng import Streams
from sim.state import State


def kernel_inputs(state: State, params: ModelParams, base: np.ndarray) -> tuple:
    """The norms' arguments of kernels.informal_month, in its order."""
    fa, npar = state.families, params.norms
    lowering = npar.saturation_lowering * state.saturation + params.system.voice_norm_lowering * state.voice
    return fa.norm, fa.norm_threshold, lowering, npar.hysteresis, npar.abandon, base


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    """Adoption and abandonment (sim.kernels.informal_month); records each family's local
    share for development and home learning. The model runs this together with families
    and trust (sim.processes.informal)."""
    from sim.processes import informal          # informal imports this module

    informal.run(state, params, streams, month, families=False, trust=False)


def settle(state: State, params: ModelParams, rounds: int = 50) -> None:
    """Adoption alone, repeated until no family changes (start of a run; no draws)."""
    fa = state.families
    threshold = fa.norm_threshold - params.norms.saturation_lowering * state.saturation[:, None]
    for _ in range(rounds):
        local = neighbour_mean(state, fa.norm.astype(float))
        adopt = ~fa.norm & (local >= threshold)
        if not adopt.any():
            break
        fa.norm |= adopt
    state.local_norm = neighbour_mean(state, fa.norm.astype(float))
