"""Families, trust and norms (processes 5-7): one compiled pass over the informal ties.

The rules are stated in plain NumPy in sim/processes/families.py `families_numpy`,
trust.py `trust_numpy` and norms.py `norms_numpy`, put in the month's order by
sim/processes/informal.py `informal_month_numpy`; tests/test_rules_informal.py checks
these kernels against that statement. Equations: docs/ODD.md 7.5-7.7.

Why one pass: each of the three takes a mean over every family's ties: families of last
month's stress (what calm neighbours can give), trust of trust after this month's
contacts, norms of last month's norms. None reads what another writes this month
(families read the norm before norms change it, as in the listed order; norms read a
family's own stress of last month), so a first pass records what each family shows its
neighbours (and counts the place's holders, which norms also read), then one pass over
the families walks each one's ties for the three means and applies its three updates.

The ties are the place's block-diagonal CSR matrix over the batch's R x F families (flat
index r * F + f), every weight 1 (sim.state.Place.family_ties), so the walk reads only
the structure; a sum over a row runs in index order, as scipy's matvec does, so a mean
is the same number as `family_ties @ values / degree` (1 x v is v exactly).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform
from sim.orgs import FC

# Columns of family_support (sim.orgs.FAMILY_CHANNELS).
CH_STRESS, CH_DEBT, CH_HOUSING, CH_HLE, CH_WORK = (FC[name] for name in
                                                   ("stress", "debt", "housing", "hle", "work"))


class FamilyRules(NamedTuple):
    """`model.families` by the registry's names, the two home-learning effects the
    registry keeps with norms and development, and the ties at which informal support
    saturates (sim.processes.families.FULL_SUPPORT_TIES)."""
    job_finding: float
    debt_build: float
    debt_repay: float
    eviction_rate: float
    stress_rate: float
    hle_rate: float
    informal_buffer: float
    stress_intercept: float
    stress_deprivation: float
    stress_workless: float
    stress_debt: float
    stress_housing: float
    stress_health: float
    hle_intercept: float
    hle_qualification: float
    hle_stress: float
    hle_deprivation: float
    hle_effect: float                 # model.norms.hle_effect
    informal_support_effect: float    # model.development.informal_support_effect
    full_support_ties: float


class TrustRules(NamedTuple):
    """`model.trust`: the monthly moves toward a contact, the ties' mean, the start."""
    contact_gain: float
    spread: float
    relapse: float


class NormRules(NamedTuple):
    """`model.norms` (ODD 7.7): the monthly chances of adopting (pulled in by peers, or
    spontaneously) and of giving the norm up (a lapse whatever the ties hold, plus
    `abandon` once the view is `hysteresis` below the threshold); how far stress raises
    a threshold; the place's weight in what a family sees; and how far saturation with
    good services and residents' voice lower every threshold (read by the process
    module, which derives the month's lowering: sim.processes.norms.lowering)."""
    hysteresis: float
    abandon: float
    adoption_rate: float
    lapse: float
    spontaneous: float
    stress_cost: float
    place_weight: float
    saturation_lowering: float
    voice_norm_lowering: float


class InformalRules(NamedTuple):
    families: FamilyRules
    trust: TrustRules
    norms: NormRules


class FamilyArrays(NamedTuple):
    """The families' arrays the pass reads and writes, (R, F), named as sim.state.Families
    (local_norm and committed are State.local_norm and State.committed)."""
    workless: np.ndarray
    debt: np.ndarray
    stress: np.ndarray
    home_learning: np.ndarray
    informal_support: np.ndarray
    evict_pending: np.ndarray
    trust: np.ndarray
    norm: np.ndarray
    local_norm: np.ndarray
    committed: np.ndarray
    housing: np.ndarray
    deprivation: np.ndarray
    poor_health: np.ndarray
    no_qualifications: np.ndarray
    norm_threshold: np.ndarray


class Received(NamedTuple):
    """What services left this month (sim.state.State): family_support (R, F, channels),
    read only where family_supported_now; family_contact (R, F), the value of a contact."""
    family_support: np.ndarray
    family_supported_now: np.ndarray
    family_contact: np.ndarray


class ReplicateValues(NamedTuple):
    """One value per replicate, (R,): the place's workless_rate and starting_trust, this
    month's norm-threshold lowering, and the bases (sim.rng.Streams.base) of the
    "families" and "norms.change" streams, from which the kernel draws."""
    workless_rate: np.ndarray
    starting_trust: np.ndarray
    lowering: np.ndarray
    families_base: np.ndarray
    norms_base: np.ndarray


class InformalTies(NamedTuple):
    """The place's family_ties as CSR structure (every weight is 1) and degree (R, F)."""
    indptr: np.ndarray
    indices: np.ndarray
    degree: np.ndarray


@nb.njit(inline="always", cache=True, error_model="numpy")
def _tie_totals(ties, shown, offset, f):
    """Sums of `shown`'s three columns over family f's ties, in index order."""
    i = offset + f
    total_u = 0.0
    total_t = 0.0
    total_n = 0.0
    for jj in range(ties.indptr[i], ties.indptr[i + 1]):
        g = ties.indices[jj] - offset
        total_u += shown[g, 0]
        total_t += shown[g, 1]
        total_n += shown[g, 2]
    return total_u, total_t, total_n


@nb.njit(inline="always", cache=True, error_model="numpy")
def _support(received, r, f):
    """This month's support on the five channels, zero for a family not supported now."""
    if received.family_supported_now[r, f]:
        sup = received.family_support
        return (sup[r, f, CH_STRESS], sup[r, f, CH_DEBT], sup[r, f, CH_HOUSING],
                sup[r, f, CH_HLE], sup[r, f, CH_WORK])
    return 0.0, 0.0, 0.0, 0.0, 0.0


@nb.njit(inline="always", cache=True, error_model="numpy")
def _targets(rules, families, r, f, out_of_work, arrears, informal, s_stress, s_housing, s_hle):
    """Target stress and home learning, with this month's work, arrears and informal
    support and last month's stress (ODD 7.5)."""
    dep = families.deprivation[r, f]
    drive = (rules.stress_intercept + rules.stress_deprivation * dep
             + rules.stress_workless * (1.0 if out_of_work else 0.0) + rules.stress_debt * arrears
             + rules.stress_housing * (families.housing[r, f] - s_housing)
             + rules.stress_health * (1.0 if families.poor_health[r, f] else 0.0)
             - rules.informal_buffer * informal - s_stress)
    target_stress = 1.0 / (1.0 + math.exp(-drive))
    target_hle = (rules.hle_intercept
                  - rules.hle_qualification * (1.0 if families.no_qualifications[r, f] else 0.0)
                  - rules.hle_stress * families.stress[r, f] - rules.hle_deprivation * dep
                  + rules.hle_effect * (1.0 if families.norm[r, f] else 0.0)
                  + rules.informal_support_effect * informal + s_hle)
    return target_stress, target_hle


@nb.njit(inline="always", cache=True, error_model="numpy")
def _norm_next(nr, held, committed, threshold, seen, u):
    """Whether a family holds the norm after this month (ODD 7.7): committed, it holds it;
    a holder gives it up if u < lapse (+ abandon when its view is `hysteresis` below its
    threshold); a non-holder takes it up if u < spontaneous (+ adoption_rate when its view
    has reached its threshold)."""
    if committed:
        return True
    if held:
        give_up = nr.lapse + (nr.abandon if seen < threshold - nr.hysteresis else 0.0)
        return not u < give_up
    take_up = nr.spontaneous + (nr.adoption_rate if seen >= threshold else 0.0)
    return u < take_up


@nb.njit(cache=True, error_model="numpy")
def informal_month(rules, families, received, replicates, ties, shown):
    """A month of families, trust and norms, in that order (ODD 7.5-7.7).

    Families: work and arrears move; informal support is what non-stressed neighbours
    can give; stress and home learning relax toward their targets; eviction risk from
    arrears (draws at slots 2f and 2f + 1 of the "families" stream). Trust: moves toward
    the value of a current contact, then toward its ties' mean (after everyone's
    contact), then relapses toward the place's starting level; 0-1. Norms: a family
    sees a mix of the share `local_norm` of its ties holding the norm (committed families
    count as holders) and the place's share; against its threshold (lowered per
    replicate, raised by its stress of last month) a non-holder adopts with chance
    `spontaneous`, plus `adoption_rate` once the view reaches the threshold; a holder
    gives it up with chance `lapse`, plus `abandon` once the view is `hysteresis` below;
    a committed family holds it (one draw at slot f of "norms.change").
    `shown` (F, 3) is work space: what each family of the replicate being walked shows
    its neighbours (1 - stress, trust, norm), side by side so that a tie is one read
    (7% faster than three arrays).
    """
    fr, tr, nr = rules.families, rules.trust, rules.norms
    workless, debt, stress, hle = (families.workless, families.debt, families.stress,
                                   families.home_learning)
    trust, norm, committed = families.trust, families.norm, families.committed
    R, F = stress.shape
    for r in range(R):
        # What the neighbours show: last month's stress and norms (committed families
        # hold it), trust after contact; and how many in the place hold the norm.
        holders = 0
        for f in range(F):
            v = received.family_contact[r, f]
            if v > 0:
                trust[r, f] += tr.contact_gain * (v - trust[r, f])
            shown[f, 0] = 1.0 - stress[r, f]
            shown[f, 1] = trust[r, f]
            holds = norm[r, f] or committed[r, f]
            shown[f, 2] = 1.0 if holds else 0.0
            holders += 1 if holds else 0
        place_share = holders / F
        offset = r * F
        rate = replicates.workless_rate[r]
        families_base, norms_base = replicates.families_base[r], replicates.norms_base[r]
        lowering, start_trust = replicates.lowering[r], replicates.starting_trust[r]
        losing = fr.job_finding * rate / max(1.0 - rate, 1e-6)
        for f in range(F):
            # The walk reads only `shown`, fixed above, so each family is updated as soon
            # as its means are known. A family with no ties is its own reference.
            total_u, total_t, total_n = _tie_totals(ties, shown, offset, f)
            d = ties.degree[r, f]
            if d > 0:
                mean_unstressed = total_u / max(d, 1.0)
                mean_trust = total_t / max(d, 1.0)
                share_norm = total_n / max(d, 1.0)
            else:
                mean_unstressed = shown[f, 0]
                mean_trust = shown[f, 1]
                share_norm = shown[f, 2]
            families.local_norm[r, f] = share_norm
            # Families.
            s_stress, s_debt, s_housing, s_hle, s_work = _support(received, r, f)
            u0 = uniform(families_base, 2 * f)
            finding = min(max(fr.job_finding * (1.0 + s_work), 0.0), 1.0)
            out_of_work = u0 >= finding if workless[r, f] else u0 < losing
            workless[r, f] = out_of_work
            pressure = (1.0 if out_of_work else 0.0) + 0.5 * max(families.housing[r, f], 0.0)
            repay = 0.0 if out_of_work else fr.debt_repay
            arrears = min(max(debt[r, f] + fr.debt_build * pressure - repay - s_debt, 0.0), 1.0)
            debt[r, f] = arrears
            informal = min(d / fr.full_support_ties, 1.0) * mean_unstressed
            families.informal_support[r, f] = informal
            target_stress, target_hle = _targets(fr, families, r, f, out_of_work, arrears,
                                                 informal, s_stress, s_housing, s_hle)
            stress_f = stress[r, f]
            stress[r, f] = stress_f + fr.stress_rate * (target_stress - stress_f)
            hle[r, f] += fr.hle_rate * (target_hle - hle[r, f])
            # No arrears, no eviction risk: the chance is 0 and a draw is never below 0.
            # Every family draws (no branch on arrears, a coin toss).
            evict_p = fr.eviction_rate * arrears * arrears * (
                math.exp(-s_housing) if s_housing != 0.0 else 1.0)
            families.evict_pending[r, f] = uniform(families_base, 2 * f + 1) < evict_p
            # Trust.
            t = trust[r, f] + tr.spread * (mean_trust - trust[r, f])
            t += tr.relapse * (start_trust - t)
            trust[r, f] = min(max(t, 0.0), 1.0)
            # Norms: last month's own stress; the view mixes the ties and the place.
            theta = families.norm_threshold[r, f] - lowering + nr.stress_cost * stress_f
            seen = (1.0 - nr.place_weight) * share_norm + nr.place_weight * place_share
            norm[r, f] = _norm_next(nr, norm[r, f], committed[r, f], theta, seen,
                                    uniform(norms_base, f))


@nb.njit(cache=True, error_model="numpy")
def settle_families(rules, families, received, ties, shown):
    """One round of the start of a run (ODD 5.7): informal support, stress and home
    learning set to their targets from the neighbours' stress of the round before, with
    work and arrears as they are; no draws, no time passing. `rules` is a FamilyRules;
    `shown` as in informal_month."""
    stress = families.stress
    R, F = stress.shape
    for r in range(R):
        for f in range(F):
            shown[f, 0] = 1.0 - stress[r, f]
            shown[f, 1] = families.trust[r, f]
            shown[f, 2] = 1.0 if families.norm[r, f] else 0.0
        offset = r * F
        for f in range(F):
            total_u = _tie_totals(ties, shown, offset, f)[0]
            d = ties.degree[r, f]
            mean_unstressed = total_u / max(d, 1.0) if d > 0 else shown[f, 0]
            s_stress, _, s_housing, s_hle, _ = _support(received, r, f)  # work, arrears stay
            informal = min(d / rules.full_support_ties, 1.0) * mean_unstressed
            families.informal_support[r, f] = informal
            target_stress, target_hle = _targets(rules, families, r, f, families.workless[r, f],
                                                 families.debt[r, f], informal, s_stress,
                                                 s_housing, s_hle)
            stress[r, f] = target_stress
            families.home_learning[r, f] = target_hle


class NormSettle(NamedTuple):
    """What the norms' settling before the start reads besides the rule (ODD 5.7): the
    monthly chance a family is replaced, the share of newcomers holding the norm, each
    replicate's threshold lowering (R,), and the stream bases (months, R) of
    "norms.change" and "norms.settle.turnover" for months -1, -2, ..."""
    move_chance: float
    initial_share: float
    lowering: np.ndarray
    norms_bases: np.ndarray
    turnover_bases: np.ndarray


@nb.njit(cache=True, error_model="numpy")
def settle_norms(rules, norm, committed, norm_threshold, stress, ties, settle, shown):
    """The norms by their own rule, month after month, before the start (ODD 5.7): each
    month a family is replaced with `move_chance` by a newcomer holding the norm with
    `initial_share` (draws at slots 2f, 2f + 1 of "norms.settle.turnover"; the home keeps
    its threshold), then the month of the norms as in informal_month, with `stress` as
    it is. `rules` is a NormRules; `shown` (F,) work space. The statement:
    sim.processes.informal.settle_norms_numpy."""
    R, F = norm.shape
    for m in range(settle.norms_bases.shape[0]):
        for r in range(R):
            turnover_base = settle.turnover_bases[m, r]
            holders = 0
            for f in range(F):
                if uniform(turnover_base, 2 * f) < settle.move_chance:
                    norm[r, f] = uniform(turnover_base, 2 * f + 1) < settle.initial_share
                holds = norm[r, f] or committed[r, f]
                shown[f] = 1.0 if holds else 0.0
                holders += 1 if holds else 0
            place_share = holders / F
            offset = r * F
            norms_base, lowering = settle.norms_bases[m, r], settle.lowering[r]
            for f in range(F):
                i = offset + f
                total = 0.0
                for jj in range(ties.indptr[i], ties.indptr[i + 1]):
                    total += shown[ties.indices[jj] - offset]
                d = ties.degree[r, f]
                share_norm = total / max(d, 1.0) if d > 0 else shown[f]
                theta = norm_threshold[r, f] - lowering + rules.stress_cost * stress[r, f]
                seen = (1.0 - rules.place_weight) * share_norm + rules.place_weight * place_share
                norm[r, f] = _norm_next(rules, norm[r, f], committed[r, f], theta, seen,
                                        uniform(norms_base, f))
