"""Partner engagement and agenda alignment.

Engagement relaxes toward a target raised by pressing need (seed 004 L2340-2344) and by
visible progress (communicated progress plus the network's own growth over the past
year); without progress it falls back: early momentum is not self-sustaining (seed 003,
key learning 1). Alignment (the share of an organisation's agenda that carries the
children's priorities, seed 003 L231, L2172-2174) spreads from aligned partners along
ties, more slowly through ties that pre-date the run (entrenched routines, seed 003
L2354-2355), and erodes unless hardwired. Equations: docs/ODD.md, "Engagement".
"""
from __future__ import annotations

import numpy as np

from sim.kernels.engagement import engagement_month
from sim.params import ModelParams
from sim.state import State

MOMENTUM_WINDOW = 12  # months over which network growth counts as visible progress


def relationship_capital(strength: np.ndarray, active: np.ndarray,
                         total: np.ndarray | None = None) -> np.ndarray:
    """(R,) mean over active organisations of min(1, total tie strength / 3); `total`, if
    given, is strength.sum(axis=2)."""
    total = strength.sum(axis=2) if total is None else total
    per_org = np.minimum(total / 3.0, 1.0)
    return (per_org * active).sum(axis=1) / np.maximum(active.sum(axis=1), 1)


def step(state: State, params: ModelParams) -> None:
    og = state.orgs
    ep, tp = params.engagement, params.ties
    strength = state.strength
    total = strength.sum(axis=2)                                        # (R, O) tie strength
    capital = relationship_capital(strength, og.active, total)
    history = state.strength_history
    history.append(capital)
    if len(history) > MOMENTUM_WINDOW + 1:
        history.pop(0)
    momentum = np.maximum(capital - history[0], 0.0)

    target = (ep.base + ep.need_motivation * state.place.area_z
              + ep.culture * state.place.partnership
              + ep.progress_gain * (state.progress + momentum))
    # The rest, organisation by organisation, in one compiled pass (sim.kernels.engagement).
    engagement_month(target, total, strength, og.legacy_total, og.active, og.neutral, og.hardwired,
                     og.engagement, og.alignment, ep.network_value, ep.rate, tp.entrenchment,
                     ep.alignment_rate)
