"""Engagement and alignment: tie totals and relationship capital, then every
organisation's update, each in one pass (the equations: docs/ODD.md 7.10;
sim/processes/engagement.py calls these)."""
from __future__ import annotations

import numba as nb
import numpy as np

from sim.kernels.linalg import matvec, row_sum


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
def engagement_month(capital, oldest, base, need_motivation, area_z, culture_lift, progress_gain,
                     progress, total, strength, legacy_total, active, neutral, hardwired,
                     engagement, alignment, network_value, rate, entrenchment, alignment_rate):
    """The target: base + need_motivation x area_z + culture_lift + progress_gain x
    (progress + momentum), momentum being the rise of relationship capital since `oldest`
    (a year ago, or now early in a run; never negative). Engagement relaxes toward
    clip(target + network_value x min(total / 3, 1), 0, 1) and is 0 where inactive;
    alignment rises toward the strength-weighted alignment of partners (last month's,
    summed in increasing order as linalg.matvec does), slowed by
    the share of ties that pre-date the run, and erodes unless hardwired; the core team
    (neutral) has both at its activity. engagement and alignment (R, O) are updated in
    place; total (R, O) is each organisation's tie strength summed over partners and
    legacy_total the same for the starting ties."""
    R, O = engagement.shape
    pulled = matvec(strength, alignment)
    for r in range(R):
        momentum = max(capital[r] - oldest[r], 0.0)
        target = (base + need_motivation * area_z[r] + culture_lift
                  + progress_gain * (progress[r] + momentum))
        for o in range(O):
            act = 1.0 if active[r, o] else 0.0
            t = total[r, o]
            goal = min(max(target + network_value * min(t / 3.0, 1.0), 0.0), 1.0)
            e = engagement[r, o]
            e += rate * (goal - e)
            e *= act
            a = alignment[r, o]
            influence = pulled[r, o] / max(t, 1e-9)
            legacy = legacy_total[r, o] / max(t, 1e-9)
            resistance = 1.0 - entrenchment * min(max(legacy, 0.0), 1.0)
            rise = alignment_rate * e * max(influence - a, 0.0) * resistance
            erode = 0.1 * alignment_rate * (1.0 - hardwired[r, o]) * a
            a = min(max(a + rise - erode, 0.0), 1.0)
            if neutral[o]:
                a = act
                e = act
            engagement[r, o] = e
            alignment[r, o] = a
