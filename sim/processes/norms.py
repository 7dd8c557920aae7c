"""Community norms (taking part in early learning, aspiration) by complex contagion.

A family adopts when the share of its informal ties holding the norm reaches its own
threshold (Granovetter 1978; Centola & Macy 2007); saturation of the area with good
services lowers every threshold (the HCZ 'tipping point', seed 004). An adopter whose
support falls a margin below its threshold may give the norm up, so the way up and the
way down differ (hysteresis).

The rule in plain NumPy is `norms_numpy`; the model runs it compiled, with families and
trust in one walk over the informal ties (sim.processes.informal, sim.kernels.informal).
Equations: docs/ODD.md, "Norms".
"""
from __future__ import annotations

import numpy as np

from sim.kernels.informal import NormRules
from sim.params import ModelParams
from sim.registry import record
from sim.state import State


def rules(params: ModelParams) -> NormRules:
    """The norms' parameters as the kernel takes them."""
    return record(NormRules, params.norms, params.system)

def lowering(state: State, rules: NormRules) -> np.ndarray:
    """(R,) how far this month's saturation with good services and residents' voice lower
    every adoption threshold."""
    return rules.saturation_lowering * state.saturation + rules.voice_norm_lowering * state.voice


def lowered(norm_threshold: np.ndarray, lowering: np.ndarray) -> np.ndarray:
    """Each family's threshold (R, F) after this month's lowering (R,)."""
    return norm_threshold - lowering[:, None]


def adopting(norm: np.ndarray, local_norm: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Families that adopt: not holding the norm, and the share of their ties holding it
    has reached their (lowered) threshold."""
    return ~norm & (local_norm >= threshold)


def norms_numpy(rules: NormRules, norm: np.ndarray, norm_threshold: np.ndarray,
                local_norm: np.ndarray, lowering: np.ndarray, draws: np.ndarray) -> None:
    """A month of the norms, in place (ODD 7.7). `local_norm` is the share of each family's
    ties holding the norm last month, `lowering` (R,), `draws` the "norms.abandon"
    stream's uniforms (R, F)."""
    threshold = lowered(norm_threshold, lowering)
    adopt = adopting(norm, local_norm, threshold)
    abandon = norm & (local_norm < threshold - rules.hysteresis) & (draws < rules.abandon)
    norm[:] = (norm | adopt) & ~abandon
