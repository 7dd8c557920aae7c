"""Partner engagement and agenda alignment.

Engagement relaxes toward a target raised by pressing need (seed 004 L2340-2344) and by
visible progress (communicated progress plus the network's own growth over the past
year); without progress it falls back: early momentum is not self-sustaining (seed 003,
key learning 1). Alignment (the share of an organisation's agenda that carries the
children's priorities, seed 003 L231, L2172-2174) spreads from aligned partners along
ties, more slowly through ties that pre-date the run (entrenched routines, seed 003
L2354-2355), faster in a place without prior partnership working (a fresh start: people
"engage at face value", seed 003 L1648-1650), and erodes unless hardwired.

The rules are stated in `tie_capital_numpy` and `engagement_month_numpy` (plain NumPy,
the registry's names); `step` runs the same rules compiled (sim.kernels.engagement);
tests/test_rules_engagement.py checks that the two agree exactly. Equations:
docs/ODD.md, "Engagement and alignment".
"""
from __future__ import annotations

import numpy as np

from sim.kernels import engagement as KE
from sim.kernels import linalg
from sim.kernels.engagement import EngagementInputs, EngagementOrgs, EngagementRules
from sim.params import ModelParams
from sim.registry import record
from sim.state import State

MOMENTUM_WINDOW = 12  # months over which network growth counts as visible progress


def engagement_rules(params: ModelParams, partnership: float) -> EngagementRules:
    """params.engagement (and ties.entrenchment) as the kernel takes them, with the
    lasting lift of a place whose starting partnership strength is `partnership`, and the
    openness of its fresh start, openness x (1 - partnership) (seed 003 L1648-1650)."""
    ep = params.engagement
    return record(EngagementRules, ep, params.ties, culture_lift=ep.culture * partnership,
                  openness_lift=ep.openness * (1.0 - partnership))


def tie_capital_numpy(strength: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each organisation's tie strength summed over partners (R, O), and relationship
    capital (R,): the mean over active organisations of min(1, that total / 3)."""
    total = strength.sum(axis=2)
    capital = (np.minimum(total / 3.0, 1.0) * active).sum(axis=1) / np.maximum(active.sum(axis=1), 1)
    return total, capital


def engagement_month_numpy(rules: EngagementRules, orgs: EngagementOrgs, inputs: EngagementInputs,
                           strength: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The month's rules in plain NumPy: new engagement and alignment (R, O), what
    sim.kernels.engagement.engagement_month writes in place. Per-replicate values (R,)
    take [:, None] to apply to every organisation."""
    act = orgs.active * 1.0
    momentum = np.maximum(inputs.capital - inputs.capital_before, 0.0)
    target = (rules.base + rules.need_motivation * inputs.area_z + rules.culture_lift
              + rules.progress_gain * (inputs.progress + momentum))
    goal = np.clip(target[:, None] + rules.network_value * np.minimum(total / 3.0, 1.0), 0.0, 1.0)
    engagement = (orgs.engagement + rules.rate * (goal - orgs.engagement)) * act

    # Alignment: pulled toward partners' by strength (S @ alignment, summed in a fixed
    # order by linalg.matvec), slowed by the share of ties that pre-date the run.
    a = orgs.alignment
    influence = linalg.matvec(strength, a) / np.maximum(total, 1e-9)
    legacy = orgs.legacy_total / np.maximum(total, 1e-9)
    resistance = 1.0 - rules.entrenchment * np.clip(legacy, 0.0, 1.0)
    # A fresh start (openness_lift): a place without prior partnership aligns faster.
    rise = (rules.alignment_rate * (1.0 + rules.openness_lift) * engagement
            * np.maximum(influence - a, 0.0) * resistance)
    erode = 0.1 * rules.alignment_rate * (1.0 - orgs.hardwired) * a
    alignment = np.clip(a + rise - erode, 0.0, 1.0)

    # The core team: fully engaged and aligned while present.
    engagement = np.where(orgs.neutral, act, engagement)
    alignment = np.where(orgs.neutral, act, alignment)
    return engagement, alignment


def step(state: State, rules: EngagementRules) -> None:
    """A month of engagement and alignment in two compiled passes (sim.kernels.engagement):
    tie totals and relationship capital, then every organisation's update (the rules:
    `tie_capital_numpy`, `engagement_month_numpy`); `rules` is engagement_rules(params,
    place partnership), built once per run."""
    og = state.orgs
    strength = state.strength
    total, capital = KE.tie_capital(strength, og.active)
    history = state.strength_history
    history.append(capital)
    if len(history) > MOMENTUM_WINDOW + 1:
        history.pop(0)
    KE.engagement_month(
        rules,
        EngagementOrgs(active=og.active, neutral=og.neutral, hardwired=og.hardwired,
                       legacy_total=og.legacy_total, engagement=og.engagement,
                       alignment=og.alignment),
        EngagementInputs(area_z=state.place.area_z, progress=state.progress, capital=capital,
                         capital_before=history[0]),
        strength, total)
