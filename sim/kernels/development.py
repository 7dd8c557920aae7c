"""Development: every child's inputs, scores, milestones and school events in one pass.

The compiled form of the rules stated in plain NumPy in sim/processes/development.py
(family_part_numpy, child_inputs_numpy, development_month_numpy); parameters arrive as
DevelopmentRules and MilestoneRules, in the registry's names."""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform


class DevelopmentRules(NamedTuple):
    """params.development, in the registry's names, and the month's noise scale."""
    deprivation_effect: float
    qualification_effect: float
    workless_effect: float
    home_learning_effect: float
    school_effect: float
    neighbourhood_effect: float
    cross_domain: float
    health_deprivation_effect: float
    health_poor_effect: float
    health_stress_effect: float
    health_housing_effect: float
    stress_effect: float
    housing_effect: float
    informal_support_effect: float
    persistence: float
    support_persistent_share: float        # learning
    support_persistent_share_other: float  # health and wellbeing
    support_fadeout: float
    barrier_strength: float
    crisis_stress: float
    crisis_wellbeing: float
    school_day_value: float
    complementarity: float
    chronic_cut: float          # ability_sd * Phi^-1(chronic_prevalence): health ability below it is a chronic condition
    noise_scale: float          # noise_sd * sqrt(12): the width of a uniform with that SD


class MilestoneRules(NamedTuple):
    """params.milestones as the month applies them: each milestone's assessment age,
    score weights (L, H, W) and threshold (sim.processes.development.milestone_spec),
    the exclusion and admission hazards, and the stress above which a child counts as
    in severe stress (sim.state.SEVERE_STRESS)."""
    age: np.ndarray             # (M,) int64, months
    weight: np.ndarray          # (M, 3)
    threshold: np.ndarray       # (M,)
    exclusion_rate_now: float   # exclusion_rate times the interventions' multiplier
    exclusion_wellbeing_slope: float
    admission_rate: float
    admission_wellbeing_slope: float
    severe_stress: float


class FamilyConditions(NamedTuple):
    """The (R, F) family and neighbourhood arrays a child's input depends on."""
    deprivation: np.ndarray
    no_qualifications: np.ndarray
    workless: np.ndarray
    home_learning: np.ndarray
    stress: np.ndarray
    housing: np.ndarray
    informal_support: np.ndarray
    poor_health: np.ndarray
    local_norm: np.ndarray


class ChildArrays(NamedTuple):
    """The (R, C) child arrays (sim.state.Children) and which children are new this
    month (their environmental score is settled first)."""
    alive: np.ndarray
    fresh: np.ndarray
    fam: np.ndarray
    school: np.ndarray
    age: np.ndarray
    ability: np.ndarray         # (R, C, 3)
    env: np.ndarray             # (R, C, 3), moved in place
    support_boost: np.ndarray   # (R, C, 3): the fading part of env from support (docs/ODD.md 7.8), moved in place
    support_months: np.ndarray
    support_domains: np.ndarray
    school_add: np.ndarray      # (R, C) value added on top of the child's school's (a Promise Academy seat);
                                # (R, 0) when the scenario has no programme (nothing to read)
    care: np.ndarray            # (R, C) bool: barriers managed for this child (a school's on-site health); (R, 0) likewise
    barrier_months: np.ndarray  # (R, C) int32: months lived with a barrier to learning, managed or not


class Surroundings(NamedTuple):
    """What surrounds each child this month: age-band edges (sim.orgs.AGE_BANDS), school
    quality (R, N), support per family and band (R, F, bands * 3), which families are
    supported (R, F), the family part of the input (R, F, 3, family_inputs), each
    organisation's exclusion factor (N,), the families' need and stress (R, F), and
    whether a family's chronic illness is cared for and its crisis supported this month
    (R, F; sim.processes.development.barrier_care)."""
    band_edges: np.ndarray
    quality: np.ndarray
    child_support: np.ndarray
    family_supported: np.ndarray
    family_part: np.ndarray
    exclusion_factor: np.ndarray
    in_need: np.ndarray
    stress: np.ndarray
    health_care: np.ndarray
    crisis_support: np.ndarray


class DevelopmentDraws(NamedTuple):
    """Per replicate stream bases (sim.rng.Streams.base): score noise, and events."""
    noise: np.ndarray
    events: np.ndarray


class DevelopmentTallies(NamedTuple):
    """What the month counts (overwritten): milestone_counts (R, M, group,
    reached/assessed), events (R, exclusions/admissions), summary (R, SUMMARY_COLUMNS)
    score sums and counts."""
    milestone_counts: np.ndarray
    events: np.ndarray
    summary: np.ndarray


@nb.njit(inline="always", cache=True, error_model="numpy")
def below_rate_exp(u, rate, x):
    """u < rate * exp(x), exactly as written, but exp is evaluated only when u falls
    under a cheap upper bound of the right side: rate / (1 - max(x, 0)), widened by 1e-9
    against rounding, for x < 1/2 (exp(x) <= 1 for x <= 0, exp(x) <= 1 / (1 - x) for
    0 < x < 1), none above. The events this decides are rare, so the bound settles almost
    every child without exp. The bound is taken without a branch: which side of 0 x falls
    on is a coin toss, and the mispredicted branch cost more than the division."""
    bound = rate / (1.0 - max(x, 0.0)) * (1.0 + 1e-9) if x < 0.5 else math.inf
    if u >= bound:
        return False
    return u < rate * math.exp(x)


@nb.njit(inline="always", cache=True, error_model="numpy")
def settled_share(persistence, age):
    """1 - persistence^age: how far a child's environmental score has come toward a
    steady input by `age` months. An integer power, which numba computes by repeated
    multiplication (no libm), so it is the same number everywhere it is used."""
    return 1.0 - persistence ** age


@nb.njit(cache=True, error_model="numpy")
def settled_shares(persistence, age):
    """settled_share for every entry of an integer age array (the start of a run)."""
    out = np.empty(age.shape)
    flat_age = age.ravel()
    flat_out = out.ravel()
    for i in range(flat_age.shape[0]):
        flat_out[i] = settled_share(persistence, flat_age[i])
    return out


@nb.njit(cache=True, error_model="numpy")
def family_inputs(rules, families, out):
    """The family and neighbourhood part of every child's input (R, F, 3), computed once
    per family so the per-child pass reads one row instead of nine scattered ones."""
    R, F = families.deprivation.shape
    for r in range(R):
        for f in range(F):
            dep = families.deprivation[r, f]
            norm = families.local_norm[r, f]
            out[r, f, 0] = (-rules.deprivation_effect * dep
                            - rules.qualification_effect * families.no_qualifications[r, f]
                            - rules.workless_effect * families.workless[r, f]
                            + rules.home_learning_effect * families.home_learning[r, f]
                            + rules.neighbourhood_effect * norm)
            stress = families.stress[r, f]
            housing = families.housing[r, f]
            out[r, f, 1] = (-rules.health_deprivation_effect * dep
                            - rules.health_poor_effect * families.poor_health[r, f]
                            - rules.health_stress_effect * stress
                            - rules.health_housing_effect * housing)
            out[r, f, 2] = (-rules.stress_effect * stress
                            - rules.housing_effect * housing
                            + rules.informal_support_effect * families.informal_support[r, f]
                            + rules.neighbourhood_effect * norm)


# Columns of DevelopmentTallies.summary: sums of scores and counts of children.
SUMMARY_COLUMNS = 14
(S_LEARNING, S_HEALTH, S_WELLBEING, S_COUNT, S_U5_LEARNING, S_U5_HEALTH, S_U5_COUNT,
 S_SEVERE_STRESS, S_BARRIER_LEARNING, S_BARRIER_COUNT, S_FREE_LEARNING, S_FREE_COUNT,
 S_BARRIER_UNMANAGED, S_FIRST_SUPPORTED) = range(SUMMARY_COLUMNS)
SCHOOL_AGES = (60, 192)     # months: children counted in the barrier sums (5 to 15)


@nb.njit(inline="always", cache=True, error_model="numpy")
def barrier_loss(rules, zh_ability, zw, stress, health_care, crisis_support, care, s):
    """The barriers a child carries this month and the share of its learning from school
    or early years they take away (docs/ODD.md 7.8): a chronic condition (health ability
    below rules.chronic_cut) unless cared for, a crisis (family stress above
    rules.crisis_stress, or the child's wellbeing score below rules.crisis_wellbeing)
    unless supported; each unmanaged one takes barrier_strength, at most all. Returns
    (barriers carried, managed or not; the share lost, 0 for a child in no setting)."""
    chronic = zh_ability < rules.chronic_cut
    crisis = stress > rules.crisis_stress or zw < rules.crisis_wellbeing
    carried = (1 if chronic else 0) + (1 if crisis else 0)
    unmanaged = 0
    if chronic and not (health_care or care):
        unmanaged += 1
    if crisis and not (crisis_support or care):
        unmanaged += 1
    loss = min(rules.barrier_strength * unmanaged, 1.0) if s >= 0 else 0.0
    return carried, loss


@nb.njit(inline="always", cache=True, error_model="numpy")
def child_input(r, f, s, a, zh, zw, el, q_add, loss, school_effect, cross, comp, day_value,
                band_edges, quality, child_support, fam_in, supported):
    """The environmental input to a child's three domains this month (docs/ODD.md 7.8):
    the family part, plus the school's value added (its own plus the child's q_add) and
    a month at school, less the share `loss` that barriers take, plus support damped by
    health and wellbeing deficits, minus the deficits' own drag on learning; school and
    support's learning return rise by `comp` per SD of learning already built (el).
    The child's replicate r, family f, school s, age a and scores zh, zw, el come as
    values (the caller has them). Also returns the child's age band (sim.orgs.AGE_BANDS).
    The arrays come one by one, not as the Surroundings record: handed a record, this
    inlined function made development_month about a third slower. Also returns the
    support part of each input (sl, sh, sw: zero when the family is not supported), of
    which a share fades once support stops (development_month)."""
    deficit = 0.5 * (max(-zh, 0.0) + max(-zw, 0.0))
    damp = min(max(1.0 - cross * deficit, 0.0), 1.0)
    ret = max(1.0 + comp * el, 0.0)
    band = 0
    for e in range(band_edges.shape[0]):
        if a >= band_edges[e]:
            band = e + 1
    learn = fam_in[r, f, 0] - cross * deficit
    if s >= 0:
        learn += (1.0 - loss) * school_effect * ret * (quality[r, s] + q_add) - loss * day_value
    health = fam_in[r, f, 1]
    wellbeing = fam_in[r, f, 2]
    sl = sh = sw = 0.0
    if supported:               # support is zero otherwise: skip the scattered reads
        b3 = band * 3
        sl = child_support[r, f, b3] * damp * ret
        sh = child_support[r, f, b3 + 1]
        sw = child_support[r, f, b3 + 2]
        learn += sl
        health += sh
        wellbeing += sw
    return learn, health, wellbeing, band, sl, sh, sw


@nb.njit(cache=True, error_model="numpy")
def child_inputs(rules, children, around, out):
    """Inputs (R, C, 3) for every living child (used at the start of a run)."""
    alive, fam, ability, env = children.alive, children.fam, children.ability, children.env
    R, C = alive.shape
    for r in range(R):
        for c in range(C):
            if not alive[r, c]:
                out[r, c, 0] = out[r, c, 1] = out[r, c, 2] = 0.0
                continue
            f = fam[r, c]
            s = children.school[r, c]
            zw = ability[r, c, 2] + env[r, c, 2]
            per_child = children.school_add.shape[1] > 0
            q_add, cared = (children.school_add[r, c], children.care[r, c]) if per_child else (0.0, False)
            _, loss = barrier_loss(rules, ability[r, c, 1], zw, around.stress[r, f],
                                   around.health_care[r, f], around.crisis_support[r, f], cared, s)
            l, h, w, _, _, _, _ = child_input(r, f, s, children.age[r, c], ability[r, c, 1] + env[r, c, 1],
                                              zw, env[r, c, 0], q_add, loss,
                                              rules.school_effect, rules.cross_domain, rules.complementarity,
                                              rules.school_day_value, around.band_edges,
                                              around.quality, around.child_support, around.family_part,
                                              around.family_supported[r, f])
            out[r, c, 0], out[r, c, 1], out[r, c, 2] = l, h, w


@nb.njit(cache=True, error_model="numpy")
def development_month(rules, milestones, children, around, draws, tallies):
    """Move every child's environmental scores toward this month's inputs, then record
    milestones (tallies.milestone_counts[r, m, group, reached/assessed]), exclusions and
    admissions (tallies.events[r, 0/1]) and score sums for the reporters
    (tallies.summary[r], columns S_*: learning, health, wellbeing and count of all
    children; learning, health and count of under-5s; children in families whose stress
    is above `milestones.severe_stress`; learning and count of school-age children with
    and without a barrier, and of those whose barriers took learning this month;
    children supported for the first time since they arrived), and
    count each child's months with a barrier. The part of env that support built and
    that fades once it stops is children.support_boost, moved here too. The statement:
    development_month_numpy in sim/processes/development.py."""
    alive, fresh, fam, school, age = (children.alive, children.fresh, children.fam,
                                      children.school, children.age)
    ability, env, boost = children.ability, children.env, children.support_boost
    support_months, support_domains = children.support_months, children.support_domains
    school_add, care, barrier_months = children.school_add, children.care, children.barrier_months
    per_child = school_add.shape[1] > 0          # programmes give per-child value added or care
    health_care, crisis_support = around.health_care, around.crisis_support
    child_support, family_supported = around.child_support, around.family_supported
    band_edges, quality, fam_in = around.band_edges, around.quality, around.family_part
    excl_factor, in_need, stress = around.exclusion_factor, around.in_need, around.stress
    counts, events, summary = tallies.milestone_counts, tallies.events, tallies.summary
    noise_base, event_base = draws.noise, draws.events
    m_age, m_weight, m_threshold = milestones.age, milestones.weight, milestones.threshold
    R, C = alive.shape
    counts[:] = 0
    events[:] = 0
    summary[:] = 0.0
    n_m = m_age.shape[0]
    # Ages at which a milestone is assessed (a lookup: the milestone loop runs only there),
    # and score sums kept in locals, not in `summary`, so they stay in registers.
    assessed_age = np.zeros(m_age.max() + 1 if n_m else 1, dtype=np.bool_)
    for m in range(n_m):
        assessed_age[m_age[m]] = True
    # Coefficients and per-replicate values in locals, and each child's values read once
    # and stored once: a store might alias any array, so the compiler re-reads an array
    # element after every store.
    school_effect, cross = rules.school_effect, rules.cross_domain
    comp, day_value = rules.complementarity, rules.school_day_value
    school_from, school_to = SCHOOL_AGES
    persistence, noise_scale = rules.persistence, rules.noise_scale
    keep = 1.0 - persistence
    fade_keep = 1.0 - rules.support_fadeout
    fading_learning = 1.0 - rules.support_persistent_share
    fading_other = 1.0 - rules.support_persistent_share_other
    severe_stress = milestones.severe_stress
    excl_rate, excl_slope = milestones.exclusion_rate_now, milestones.exclusion_wellbeing_slope
    adm_rate, adm_slope = milestones.admission_rate, milestones.admission_wellbeing_slope
    for r in range(R):
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = s9 = s10 = s11 = s12 = s13 = 0.0
        base, ebase = noise_base[r], event_base[r]
        for c in range(C):
            if not alive[r, c]:
                continue
            f = fam[r, c]
            a = age[r, c]
            s = school[r, c]
            supported = family_supported[r, f]
            a0, a1, a2 = ability[r, c, 0], ability[r, c, 1], ability[r, c, 2]
            e0, e1, e2 = env[r, c, 0], env[r, c, 1], env[r, c, 2]
            q_add, cared = (school_add[r, c], care[r, c]) if per_child else (0.0, False)
            carried, loss = barrier_loss(rules, a1, a2 + e2, stress[r, f], health_care[r, f],
                                         crisis_support[r, f], cared, s)
            l, h, w, band, sl, sh, sw = child_input(r, f, s, a, a1 + e1, a2 + e2, e0, q_add, loss,
                                                    school_effect, cross, comp, day_value, band_edges,
                                                    quality, child_support, fam_in, supported)
            months = barrier_months[r, c]
            b0, b1, b2 = boost[r, c, 0], boost[r, c, 1], boost[r, c, 2]
            if fresh[r, c]:
                share = settled_share(persistence, a)
                e0, e1, e2 = share * l, share * h, share * w
                months = 0
                b0 = b1 = b2 = 0.0
            barrier_months[r, c] = months + (1 if carried > 0 else 0)
            # The fading part of a support gain keeps pace with env while that support
            # lasts (k = persistence) and fades at support_fadeout once it stops.
            k0 = persistence if sl != 0.0 else fade_keep
            k1 = persistence if sh != 0.0 else fade_keep
            k2 = persistence if sw != 0.0 else fade_keep
            e0 = (persistence * e0 + keep * l + noise_scale * (uniform(base, c * 3) - 0.5)
                  - (persistence - k0) * b0)
            e1 = (persistence * e1 + keep * h + noise_scale * (uniform(base, c * 3 + 1) - 0.5)
                  - (persistence - k1) * b1)
            e2 = (persistence * e2 + keep * w + noise_scale * (uniform(base, c * 3 + 2) - 0.5)
                  - (persistence - k2) * b2)
            env[r, c, 0], env[r, c, 1], env[r, c, 2] = e0, e1, e2
            boost[r, c, 0] = k0 * b0 + keep * fading_learning * sl
            boost[r, c, 1] = k1 * b1 + keep * fading_other * sh
            boost[r, c, 2] = k2 * b2 + keep * fading_other * sw
            if supported:
                if support_months[r, c] == 0:
                    s13 += 1.0            # reached for the first time (the headline count)
                support_months[r, c] += 1
                for d in range(3):
                    if child_support[r, f, band * 3 + d] > 0.0:
                        support_domains[r, c] |= np.int8(1 << d)
            z0 = a0 + e0
            z1 = a1 + e1
            z2 = a2 + e2
            s0 += z0
            s1 += z1
            s2 += z2
            s3 += 1.0
            if a < 60:
                s4 += z0
                s5 += z1
                s6 += 1.0
            if stress[r, f] > severe_stress:
                s7 += 1.0
            # School-age sums without branches (which side a child falls is a coin toss).
            school_age = 1.0 if school_from <= a < school_to else 0.0
            with_barrier = school_age if carried > 0 else 0.0
            without = school_age - with_barrier
            s8 += with_barrier * z0
            s9 += with_barrier
            s10 += without * z0
            s11 += without
            s12 += with_barrier if loss > 0.0 else 0.0
            for m in range(n_m if a < assessed_age.shape[0] and assessed_age[a] else 0):
                if a == m_age[m]:

                    score = m_weight[m, 0] * z0 + m_weight[m, 1] * z1 + m_weight[m, 2] * z2
                    hit = 1 if score > m_threshold[m] else 0
                    counts[r, m, 0, 0] += hit
                    counts[r, m, 0, 1] += 1
                    if in_need[r, f]:
                        counts[r, m, 1, 0] += hit
                        counts[r, m, 1, 1] += 1
            # Every child draws; a rate of 0 (no school, a school kind without exclusions,
            # under 10 for admissions) never fires, as u > 0. No branch on school or age,
            # which vary at random from slot to slot.
            excl = excl_rate * excl_factor[max(s, 0)] if s >= 0 else 0.0
            if below_rate_exp(uniform(ebase, 2 * c), excl, -excl_slope * z2):
                events[r, 0] += 1
            adm = adm_rate if a >= 120 else 0.0
            if below_rate_exp(uniform(ebase, 2 * c + 1), adm, -adm_slope * z2):
                events[r, 1] += 1
        summary[r, 0] += s0
        summary[r, 1] += s1
        summary[r, 2] += s2
        summary[r, 3] += s3
        summary[r, 4] += s4
        summary[r, 5] += s5
        summary[r, 6] += s6
        summary[r, 7] += s7
        summary[r, 8] += s8
        summary[r, 9] += s9
        summary[r, 10] += s10
        summary[r, 11] += s11
        summary[r, 12] += s12
        summary[r, 13] += s13
