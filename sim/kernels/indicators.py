"""The organisation indicators the reporters read, in one compiled pass.

Nine reporters (sim/reporters.py) summarise the organisations: the partnership network's
density and mean strength, relationship capital, and the members' champions,
engagement, alignment, hardwiring and capacity. Each took a few small NumPy calls, a
third of a month's reporting at Wallsend; one pass over the tie matrix gives them all.
Sums run in a fixed order (organisation by organisation), so the values are the same on
every CPU (docs/ODD.md 10.2).
"""
from __future__ import annotations

import numba as nb
import numpy as np

# Columns of org_indicators' output.
(I_TIE_DENSITY, I_MEAN_STRENGTH, I_CAPITAL, I_CHAMPIONS, I_ENGAGEMENT, I_ALIGNMENT,
 I_HARDWIRED, I_CAPACITY, I_ENGAGED, N_INDICATORS) = range(10)


@nb.njit(cache=True, error_model="numpy")
def org_indicators(strength, active, neutral, engagement, champion, alignment, hardwired):
    """(R, N_INDICATORS) per replicate. Members are the active organisations other than
    the neutral core team. Tie density: tied ordered pairs of distinct members over
    members x (members - 1); mean strength: over every tied pair (members or not);
    capital: the members' mean of min(1, total tie strength / 3); champions, engagement,
    alignment, hardwiring: the members' means; capacity: the members' mean of
    engagement x (1 + champion) / 2; engaged: members with engagement above one half."""
    R, n = active.shape
    out = np.zeros((R, N_INDICATORS))
    member = np.empty(n, dtype=np.bool_)
    for r in range(R):
        members = 0
        for i in range(n):
            member[i] = active[r, i] and not neutral[i]
            members += member[i]
        tied_pairs = 0
        tied = 0
        tied_strength = 0.0
        capital = engaged_sum = aligned = hard = capacity = 0.0
        champions = 0
        engaged = 0
        for i in range(n):
            total = 0.0
            for j in range(n):
                s = strength[r, i, j]
                total += s
                if s > 0:
                    tied += 1
                    tied_strength += s
                    if member[i] and member[j]:
                        tied_pairs += 1
            if member[i]:
                capital += min(total / 3.0, 1.0)
                champions += champion[r, i]
                e = engagement[r, i]
                engaged_sum += e
                aligned += alignment[r, i]
                hard += hardwired[r, i]
                capacity += e * (0.5 + 0.5 * (1.0 if champion[r, i] else 0.0))
                engaged += e > 0.5
        per_member = max(members, 1)
        out[r, I_TIE_DENSITY] = tied_pairs / max(members * members - members, 1)
        out[r, I_MEAN_STRENGTH] = tied_strength / max(tied, 1)
        out[r, I_CAPITAL] = capital / per_member
        out[r, I_CHAMPIONS] = champions / per_member
        out[r, I_ENGAGEMENT] = engaged_sum / per_member
        out[r, I_ALIGNMENT] = aligned / per_member
        out[r, I_HARDWIRED] = hard / per_member
        out[r, I_CAPACITY] = capacity / per_member
        out[r, I_ENGAGED] = engaged
    return out
