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

from sim.kernels.engagement import engagement_month, tie_capital
from sim.params import ModelParams
from sim.state import State

MOMENTUM_WINDOW = 12  # months over which network growth counts as visible progress


def step(state: State, params: ModelParams) -> None:
    """A month of engagement and alignment in two compiled passes (sim.kernels.engagement):
    tie totals and relationship capital, then every organisation's update."""
    og = state.orgs
    ep, tp = params.engagement, params.ties
    strength = state.strength
    total, capital = tie_capital(strength, og.active)
    history = state.strength_history
    history.append(capital)
    if len(history) > MOMENTUM_WINDOW + 1:
        history.pop(0)
    engagement_month(capital, history[0], ep.base, ep.need_motivation, state.place.area_z,
                     ep.culture * state.place.partnership, ep.progress_gain, state.progress,
                     total, strength, og.legacy_total, og.active, og.neutral, og.hardwired,
                     og.engagement, og.alignment, ep.network_value, ep.rate, tp.entrenchment,
                     ep.alignment_rate)
