"""The family and organisation indicators the reporters read, each set in one compiled call.

Nine reporters summarise the families (counts of children and adults, shares workless,
in need and holding the norm, mean stress, arrears, home learning and trust), nine the
organisations (the partnership network's density and mean strength, relationship
capital, and the members' champions, engagement, alignment, hardwiring and capacity).
Each was a few small NumPy calls, together a third of a month's reporting at Wallsend;
here each set is one call. Sums run in NumPy's order (sim.kernels.linalg.row_sum), so
every indicator is the number the NumPy formula gives: org_indicators_numpy and
family_indicators_numpy at the end of this module state them
(tests/test_rules_indicators.py).
"""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.linalg import row_sum

# Columns of family_indicators' output.
(F_CHILDREN, F_ADULTS, F_WORKLESS, F_IN_NEED, F_NORM, F_STRESS, F_DEBT, F_HOME_LEARNING,
 F_TRUST, N_FAMILY_INDICATORS) = range(10)
# Columns of org_indicators' output.
(I_TIE_DENSITY, I_MEAN_STRENGTH, I_CAPITAL, I_CHAMPIONS, I_ENGAGEMENT, I_ALIGNMENT,
 I_HARDWIRED, I_CAPACITY, I_ENGAGED, N_INDICATORS) = range(10)


class Partners(NamedTuple):
    """The organisations the indicators read: the (R, n, n) partnership tie strengths,
    which are active (R, n), which is the neutral core team (n,), and their engagement,
    champion flags, alignment and hardwiring (R, n)."""
    strength: np.ndarray
    active: np.ndarray
    neutral: np.ndarray
    engagement: np.ndarray
    champion: np.ndarray
    alignment: np.ndarray
    hardwired: np.ndarray


class Households(NamedTuple):
    """The arrays the family indicators read: which child slots are alive (R, C), and
    each family's adults, workless, in-need and norm flags, stress, arrears, home
    learning and trust (R, F)."""
    alive: np.ndarray
    adults: np.ndarray
    workless: np.ndarray
    in_need: np.ndarray
    norm: np.ndarray
    stress: np.ndarray
    debt: np.ndarray
    home_learning: np.ndarray
    trust: np.ndarray


@nb.njit(cache=True, error_model="numpy")
def org_indicators(partners):
    """(R, N_INDICATORS) per replicate. Members are the active organisations other than
    the neutral core team. Tie density: tied ordered pairs of distinct members over
    members x (members - 1); mean strength: over every tied pair (members or not);
    capital: the members' mean of min(1, total tie strength / 3); champions, engagement,
    alignment, hardwiring: the members' means; capacity: the members' mean of
    engagement x (1 + champion) / 2; engaged: members with engagement above one half.
    A mean over members is the sum of value x member over all organisations, divided
    by the number of members (at least 1), as the NumPy formulas take it.
    The statement: org_indicators_numpy."""
    strength, active, neutral = partners.strength, partners.active, partners.neutral
    engagement, champion = partners.engagement, partners.champion
    alignment, hardwired = partners.alignment, partners.hardwired
    R, n = active.shape
    out = np.zeros((R, N_INDICATORS))
    member = np.empty(n)
    tied_strength = np.empty(n * n)
    capital = np.empty(n)
    engaged_v = np.empty(n)
    aligned_v = np.empty(n)
    hard_v = np.empty(n)
    capacity_v = np.empty(n)
    for r in range(R):
        members = 0
        for i in range(n):
            member[i] = 1.0 if active[r, i] and not neutral[i] else 0.0
            members += active[r, i] and not neutral[i]
        tied_pairs = 0
        tied = 0
        champions = 0
        engaged = 0
        for i in range(n):
            for j in range(n):
                s = strength[r, i, j]
                tied_strength[i * n + j] = s if s > 0 else 0.0
                tied += s > 0
                tied_pairs += (s > 0) and member[i] > 0 and member[j] > 0
            m = member[i]
            e = engagement[r, i]
            capital[i] = min(row_sum(strength[r, i], 0, n) / 3.0, 1.0) * m
            engaged_v[i] = e * m
            aligned_v[i] = alignment[r, i] * m
            hard_v[i] = hardwired[r, i] * m
            capacity_v[i] = e * (0.5 + 0.5 * (1.0 if champion[r, i] else 0.0)) * m
            champions += champion[r, i] and m > 0
            engaged += e > 0.5 and m > 0
        per_member = max(members, 1)
        out[r, I_TIE_DENSITY] = tied_pairs / max(members * members - members, 1)
        out[r, I_MEAN_STRENGTH] = row_sum(tied_strength, 0, n * n) / max(tied, 1)
        out[r, I_CAPITAL] = row_sum(capital, 0, n) / per_member
        out[r, I_CHAMPIONS] = champions / per_member
        out[r, I_ENGAGEMENT] = row_sum(engaged_v, 0, n) / per_member
        out[r, I_ALIGNMENT] = row_sum(aligned_v, 0, n) / per_member
        out[r, I_HARDWIRED] = row_sum(hard_v, 0, n) / per_member
        out[r, I_CAPACITY] = row_sum(capacity_v, 0, n) / per_member
        out[r, I_ENGAGED] = engaged
    return out


@nb.njit(cache=True, error_model="numpy")
def family_indicators(households):
    """(R, N_FAMILY_INDICATORS) per replicate: living children, adults, and families
    workless, in need and holding the norm (counts); mean stress, arrears, home learning
    and trust over families (row sums in NumPy's order, divided by the families).
    The statement: family_indicators_numpy."""
    alive, adults, workless, in_need, norm = (households.alive, households.adults,
                                              households.workless, households.in_need,
                                              households.norm)
    stress, debt = households.stress, households.debt
    home_learning, trust = households.home_learning, households.trust
    R, F = stress.shape
    out = np.zeros((R, N_FAMILY_INDICATORS))
    for r in range(R):
        kids = 0
        for c in range(alive.shape[1]):
            kids += alive[r, c]
        grown = 0
        n_workless = n_need = n_norm = 0
        for f in range(F):
            grown += adults[r, f]
            n_workless += workless[r, f]
            n_need += in_need[r, f]
            n_norm += norm[r, f]
        out[r, F_CHILDREN] = kids
        out[r, F_ADULTS] = grown
        out[r, F_WORKLESS] = n_workless
        out[r, F_IN_NEED] = n_need
        out[r, F_NORM] = n_norm
        out[r, F_STRESS] = row_sum(stress[r], 0, F) / F
        out[r, F_DEBT] = row_sum(debt[r], 0, F) / F
        out[r, F_HOME_LEARNING] = row_sum(home_learning[r], 0, F) / F
        out[r, F_TRUST] = row_sum(trust[r], 0, F) / F
    return out


# -- The readable statement ------------------------------------------------------------
# The indicators in plain NumPy: what the compiled passes above compute, bit for bit
# (tests/test_rules_indicators.py). No process owns them (the reporters read them), so
# they stand beside their compiled form.


def org_indicators_numpy(partners: Partners) -> np.ndarray:
    """(R, N_INDICATORS): the organisation indicators org_indicators computes."""
    p = partners
    member = p.active & ~p.neutral[None, :]                     # (R, n)
    members = member.sum(axis=1)
    per_member = np.maximum(members, 1)
    tied = p.strength > 0

    def members_mean(values: np.ndarray) -> np.ndarray:
        return (values * member).sum(axis=1) / per_member

    out = np.zeros((len(member), N_INDICATORS))
    tied_members = tied & member[:, :, None] & member[:, None, :]
    out[:, I_TIE_DENSITY] = tied_members.sum(axis=(1, 2)) / np.maximum(members * members - members, 1)
    out[:, I_MEAN_STRENGTH] = (np.where(tied, p.strength, 0.0).sum(axis=(1, 2))
                               / np.maximum(tied.sum(axis=(1, 2)), 1))
    out[:, I_CAPITAL] = members_mean(np.minimum(p.strength.sum(axis=2) / 3.0, 1.0))
    out[:, I_CHAMPIONS] = (p.champion & member).sum(axis=1) / per_member
    out[:, I_ENGAGEMENT] = members_mean(p.engagement)
    out[:, I_ALIGNMENT] = members_mean(p.alignment)
    out[:, I_HARDWIRED] = members_mean(p.hardwired)
    out[:, I_CAPACITY] = members_mean(p.engagement * (0.5 + 0.5 * p.champion))
    out[:, I_ENGAGED] = ((p.engagement > 0.5) & member).sum(axis=1)
    return out


def family_indicators_numpy(households: Households) -> np.ndarray:
    """(R, N_FAMILY_INDICATORS): the family indicators family_indicators computes."""
    h = households
    out = np.zeros((h.stress.shape[0], N_FAMILY_INDICATORS))
    out[:, F_CHILDREN] = h.alive.sum(axis=1)
    out[:, F_ADULTS] = h.adults.sum(axis=1)
    out[:, F_WORKLESS] = h.workless.sum(axis=1)
    out[:, F_IN_NEED] = h.in_need.sum(axis=1)
    out[:, F_NORM] = h.norm.sum(axis=1)
    out[:, F_STRESS] = h.stress.mean(axis=1)
    out[:, F_DEBT] = h.debt.mean(axis=1)
    out[:, F_HOME_LEARNING] = h.home_learning.mean(axis=1)
    out[:, F_TRUST] = h.trust.mean(axis=1)
    return out
