"""The family and organisation indicators the reporters read, each set in one compiled pass.

Nine reporters summarise the families (counts of children and adults, shares workless,
in need and holding the norm, mean stress, arrears, home learning and trust): each was a
NumPy pass of its own over the family arrays, which by the end of a month have left the
cache; one pass reads them together. Nine reporters (sim/reporters.py) summarise the organisations: the partnership network's
density and mean strength, relationship capital, and the members' champions,
engagement, alignment, hardwiring and capacity. Each took a few small NumPy calls, a
third of a month's reporting at Wallsend; one pass over the tie matrix gives them all.
Sums run in a fixed order (organisation by organisation), so the values are the same on
every CPU (docs/ODD.md 10.2).
"""
from __future__ import annotations

import numba as nb
import numpy as np

# Columns of family_indicators' output.
(F_CHILDREN, F_ADULTS, F_WORKLESS, F_IN_NEED, F_NORM, F_STRESS, F_DEBT, F_HOME_LEARNING,
 F_TRUST, N_FAMILY_INDICATORS) = range(10)
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


@nb.njit(cache=True, error_model="numpy")
def family_indicators(alive, adults, workless, in_need, norm, stress, debt, home_learning, trust):
    """(R, N_FAMILY_INDICATORS) per replicate: living children, adults, and families
    workless, in need and holding the norm (counts); mean stress, arrears, home learning
    and trust over families (sums in family order)."""
    R, F = stress.shape
    out = np.zeros((R, N_FAMILY_INDICATORS))
    for r in range(R):
        kids = 0
        for c in range(alive.shape[1]):
            kids += alive[r, c]
        grown = 0
        n_workless = n_need = n_norm = 0
        total_stress = total_debt = total_hle = total_trust = 0.0
        for f in range(F):
            grown += adults[r, f]
            n_workless += workless[r, f]
            n_need += in_need[r, f]
            n_norm += norm[r, f]
            total_stress += stress[r, f]
            total_debt += debt[r, f]
            total_hle += home_learning[r, f]
            total_trust += trust[r, f]
        out[r, F_CHILDREN] = kids
        out[r, F_ADULTS] = grown
        out[r, F_WORKLESS] = n_workless
        out[r, F_IN_NEED] = n_need
        out[r, F_NORM] = n_norm
        out[r, F_STRESS] = total_stress / F
        out[r, F_DEBT] = total_debt / F
        out[r, F_HOME_LEARNING] = total_hle / F
        out[r, F_TRUST] = total_trust / F
    return out
