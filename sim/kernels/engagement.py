"""Engagement and alignment, compiled: tie totals and relationship capital, then every
organisation's update, each in one pass. The readable statement of the same rules is in
sim/processes/engagement.py (`tie_capital_numpy`, `engagement_month_numpy`), which builds
these records and calls the kernels; tests/test_rules_engagement.py checks that the two
agree exactly."""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.linalg import matvec, row_sum


class EngagementRules(NamedTuple):
    """params.engagement by the registry's names, params.ties.entrenchment, and the
    place's lasting lift from its history of partnership working, and the openness of a
    place without one (a fresh start)."""

    base: float
    need_motivation: float
    network_value: float
    progress_gain: float
    rate: float
    alignment_rate: float
    entrenchment: float
    culture_lift: float        # culture x the place's partnership strength
    openness_lift: float       # openness x (1 - the place's partnership strength)


class EngagementOrgs(NamedTuple):
    """What engagement reads of the organisations; engagement and alignment (R, O) are
    updated in place."""

    active: np.ndarray         # (R, O) bool
    neutral: np.ndarray        # (O,) bool: the core team
    hardwired: np.ndarray      # (R, O)
    legacy_total: np.ndarray   # (R, O) strength of the starting ties, summed over partners
    engagement: np.ndarray
    alignment: np.ndarray


class EngagementInputs(NamedTuple):
    """This month's per-replicate inputs (R,)."""

    area_z: np.ndarray         # area deprivation, SD
    progress: np.ndarray       # visible progress communicated to partners
    capital: np.ndarray        # relationship capital now (tie_capital)
    capital_before: np.ndarray  # relationship capital a year ago (now, early in a run)


@nb.njit(cache=True, error_model="numpy")
def tie_capital(strength, active):
    """Each organisation's tie strength summed over partners (R, O), and relationship
    capital (R,): the active organisations' mean of min(1, that total / 3). Row sums in
    NumPy's order (linalg.row_sum), as the model took them before this kernel."""
    R, O = active.shape
    total = np.empty((R, O))
    capital = np.empty(R)
    per_org = np.empty(O)
    for r in range(R):
        members = 0
        for o in range(O):
            t = row_sum(strength[r, o], 0, O)
            total[r, o] = t
            per_org[o] = min(t / 3.0, 1.0) * (1.0 if active[r, o] else 0.0)
            members += active[r, o]
        capital[r] = row_sum(per_org, 0, O) / max(members, 1)
    return total, capital


@nb.njit(cache=True, error_model="numpy")
def engagement_month(rules, orgs, inputs, strength, total):
    """Engagement relaxes toward its target, alignment toward the strength-weighted
    alignment of partners (last month's, summed in increasing order as linalg.matvec
    does); the core team has both at its activity. `total` is each organisation's tie
    strength summed over partners (tie_capital)."""
    R, O = orgs.engagement.shape
    engagement, alignment = orgs.engagement, orgs.alignment
    pulled = matvec(strength, alignment)
    for r in range(R):
        momentum = max(inputs.capital[r] - inputs.capital_before[r], 0.0)
        target = (rules.base + rules.need_motivation * inputs.area_z[r] + rules.culture_lift
                  + rules.progress_gain * (inputs.progress[r] + momentum))
        for o in range(O):
            act = 1.0 if orgs.active[r, o] else 0.0
            t = total[r, o]
            goal = min(max(target + rules.network_value * min(t / 3.0, 1.0), 0.0), 1.0)
            e = engagement[r, o]
            e += rules.rate * (goal - e)
            e *= act
            a = alignment[r, o]
            influence = pulled[r, o] / max(t, 1e-9)
            legacy = orgs.legacy_total[r, o] / max(t, 1e-9)
            resistance = 1.0 - rules.entrenchment * min(max(legacy, 0.0), 1.0)
            rise = (rules.alignment_rate * (1.0 + rules.openness_lift) * e
                    * max(influence - a, 0.0) * resistance)
            erode = 0.1 * rules.alignment_rate * (1.0 - orgs.hardwired[r, o]) * a
            a = min(max(a + rise - erode, 0.0), 1.0)
            if orgs.neutral[o]:
                a = act
                e = act
            engagement[r, o] = e
            alignment[r, o] = a
