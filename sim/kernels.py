"""Compiled inner loops (numba) for the two processes that touch every family x service
and every child each month.

Why: at neighbourhood sizes a month is dominated by the number of array passes, not by
arithmetic; these kernels do in one pass what NumPy needs ~50 passes for (docs/ODD.md,
"Performance decisions"). They implement exactly the equations written in
sim/processes/services.py and sim/processes/development.py, which call them, and draw
random numbers with the same counter-based hash as sim.rng (bit-identical).
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S30, S27, S31, S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
ONE = np.uint64(1)
TO_UNIT = 2.0 ** -53


@nb.njit(inline="always", cache=True, error_model="numpy")
def mix(x):
    x = x ^ (x >> S30)
    x = x * M1
    x = x ^ (x >> S27)
    x = x * M2
    return x ^ (x >> S31)


@nb.njit(inline="always", cache=True, error_model="numpy")
def uniform(base, slot):
    """Slot `slot` of a stream whose per-replicate start is `base` (see Streams.base)."""
    word = mix(base + (np.uint64(slot) + ONE) * GOLDEN)
    return (float(word >> S11) + 0.5) * TO_UNIT


# ---------------------------------------------------------------------------- services

# Columns of the per-family child aggregates.
A_KIDS, A_YOUNG, A_TEEN, A_HEALTH_DEF, A_WELLBEING_DEF, N_AGG = range(6)
# Gate codes: which families a kind serves (sim.orgs.GATE).
G_ANY, G_CHILDREN, G_YOUNG, G_TEEN = range(4)


@nb.njit(cache=True, error_model="numpy")
def family_aggregates(alive, fam, age, ability, env, school, engaged, out, hub, active_now):
    """Start of the services month, in one pass over families and one over children.

    Runs every family's support episodes down by a month and counts the families still
    engaged per kind (active_now, (R, K)); per family (R, F, N_AGG) sums children, under-5s,
    11-18s and the children's health and wellbeing deficits; hub[r, f] is the local school
    of one of the family's children (the last in slot order), -1 if none.
    """
    R, C = alive.shape
    F, K = engaged.shape[1], engaged.shape[2]
    out[:] = 0.0
    hub[:] = -1
    active_now[:] = 0
    for r in range(R):
        for f in range(F):
            for k in range(K):
                if engaged[r, f, k] > 0:
                    engaged[r, f, k] -= 1
                    if engaged[r, f, k] > 0:
                        active_now[r, k] += 1
        for c in range(C):
            if not alive[r, c]:
                continue
            f = fam[r, c]
            a = age[r, c]
            out[r, f, A_KIDS] += 1.0
            if a < 60:
                out[r, f, A_YOUNG] += 1.0
            elif a >= 132:
                out[r, f, A_TEEN] += 1.0
            out[r, f, A_HEALTH_DEF] += max(-(ability[r, c, 1] + env[r, c, 1]), 0.0)
            out[r, f, A_WELLBEING_DEF] += max(-(ability[r, c, 2] + env[r, c, 2]), 0.0)
            if school[r, c] >= 0:
                hub[r, f] = school[r, c]


@nb.njit(cache=True, error_model="numpy")
def service_discharge(engaged, capacity, base, active_now):
    """Where a kind's capacity fell below its caseload (a cut, a closure, less
    coordination), end the surplus episodes, chosen at random, so no kind is ever over
    capacity."""
    R, F, K = engaged.shape
    idx = np.empty(F, dtype=np.int64)
    key = np.empty(F)
    for r in range(R):
        for k in range(K):
            surplus = active_now[r, k] - capacity[r, k]
            if surplus <= 0:
                continue
            n = 0
            for f in range(F):
                if engaged[r, f, k] > 0:
                    idx[n] = f
                    key[n] = uniform(base[r], f * K + k)
                    n += 1
            order = np.argsort(key[:n])
            for j in range(min(surplus, n)):
                engaged[r, idx[order[j]], k] = 0
            active_now[r, k] -= min(surplus, n)


@nb.njit(cache=True, error_model="numpy")
def service_intake(agg, home_learning, stress, debt, housing, workless, need_feature, need_weight,
                   gate_code, engaged, outreach, targeting, between, school_to_kind, hub_pos,
                   follow, trust, takeup_power, eligibility, free, seek_base, priority_base,
                   episode, intake, intake_by_referral):
    """Need, identification, seeking and intake in one pass over families.

    Need: features in sim.orgs.FEATURES order (young, teen, home-learning deficit, child
    health deficit, child wellbeing deficit, stress, arrears, housing pressure,
    worklessness) weighted by the kind's row of sim.orgs.NEED. Identification: outreach
    (sharper with targeting) plus referrals along ties from the services the family uses
    and its children's school; demand = pressure / (1 + pressure) x take-up. A family
    seeks support with probability `demand`; if more seek than a kind has free places,
    the places go to the winners of an exponential race whose rate is the family's demand
    (Efraimidis & Spirakis 2006): never by home order. Kinds with no free place are
    skipped. Nothing of size families x kinds is stored: only the seekers.
    """
    R, F, K = engaged.shape
    feats = np.empty(9)
    via_ties = np.empty(K)
    idx = np.empty((K, F), dtype=np.int64)
    key = np.empty((K, F))
    share = np.empty((K, F))
    n = np.empty(K, dtype=np.int64)
    for r in range(R):
        n[:] = 0
        any_free = False
        for k in range(K):
            if free[r, k] > 0:
                any_free = True
        if not any_free:
            for k in range(K):
                intake[r, k] = 0
                intake_by_referral[r, k] = 0.0
            continue
        for f in range(F):
            kids = agg[r, f, A_KIDS]
            young = agg[r, f, A_YOUNG] > 0
            teen = agg[r, f, A_TEEN] > 0
            per_kid = max(kids, 1.0)
            feats[0] = 1.0 if young else 0.0
            feats[1] = 1.0 if teen else 0.0
            feats[2] = min(max(-home_learning[r, f] / 2.0, 0.0), 1.0)
            feats[3] = min(max(agg[r, f, A_HEALTH_DEF] / per_kid / 1.5, 0.0), 1.0)
            feats[4] = min(max(agg[r, f, A_WELLBEING_DEF] / per_kid / 1.5, 0.0), 1.0)
            feats[5] = stress[r, f]
            feats[6] = debt[r, f]
            feats[7] = min(max((housing[r, f] + 1.0) / 3.0, 0.0), 1.0)
            feats[8] = 1.0 if workless[r, f] else 0.0
            take = trust[r, f] if takeup_power == 1.0 else trust[r, f] ** takeup_power
            hub = hub_pos[r, f]
            for k in range(K):
                via_ties[k] = school_to_kind[r, hub, k] if hub >= 0 else 0.0
            for k2 in range(K):
                if engaged[r, f, k2] > 0:
                    for k in range(K):
                        via_ties[k] += between[r, k2, k]
            for k in range(K):
                g = gate_code[k]
                if engaged[r, f, k] > 0 or free[r, k] <= 0:
                    continue
                if (g == G_CHILDREN and kids == 0) or (g == G_YOUNG and not young) or (g == G_TEEN and not teen):
                    continue
                need = 0.0
                for j in range(need_feature.shape[1]):
                    need += feats[need_feature[k, j]] * need_weight[k, j]
                need = min(max(need, 0.0), 1.0)
                if need <= eligibility:
                    continue
                referral = follow[r] * need * via_ties[k]
                t = targeting[r, k]
                pressure = outreach[r, k] * need * ((1.0 - t) + 2.0 * t * need) + referral
                d = pressure / (1.0 + pressure) * take
                if d <= 0.0:
                    continue
                if uniform(seek_base[r], f * K + k) < d:
                    m = n[k]
                    idx[k, m] = f
                    key[k, m] = -math.log(uniform(priority_base[r], f * K + k)) / d
                    share[k, m] = referral / pressure if pressure > 0.0 else 0.0
                    n[k] = m + 1
        for k in range(K):
            cap = free[r, k]
            m = n[k]
            by_ref = 0.0
            if m > cap:
                order = np.argsort(key[k, :m])
                took = int(cap)
            else:
                order = np.arange(m)
                took = m
            for j in range(took):
                engaged[r, idx[k, order[j]], k] = episode
                by_ref += share[k, order[j]]
            intake[r, k] = took
            intake_by_referral[r, k] = by_ref


@nb.njit(cache=True, error_model="numpy")
def service_support(engaged, quality_factor, contact_value, family_table, child_table,
                    family_effect, child_effect, agg, neediest, family_support, child_support,
                    family_contact, supported_now, summary):
    """Monthly inputs to supported families and their children, and what the reporters need.

    family_contact[r, f] = mean value of the family's current contacts (0 if none), for trust.
    summary[r] = (saturation, share of families supported, share of the neediest tenth
    supported, families supported).
    """
    R, F, K = engaged.shape
    n_fc = family_table.shape[1]
    n_cc = child_table.shape[1]
    for r in range(R):
        covered = 0.0
        parents = 0
        supported = 0
        needy = 0
        needy_supported = 0
        for f in range(F):
            for j in range(n_fc):
                family_support[r, f, j] = 0.0
            for j in range(n_cc):
                child_support[r, f, j] = 0.0
            weight_sum = 0.0
            value = 0.0
            n = 0
            for k in range(K):
                if engaged[r, f, k] > 0:
                    n += 1
                    w = quality_factor[r, k]
                    weight_sum += w
                    value += contact_value[r, k]
                    for j in range(n_fc):
                        family_support[r, f, j] += family_effect * w * family_table[k, j]
                    for j in range(n_cc):
                        child_support[r, f, j] += child_effect * w * child_table[k, j]
            family_contact[r, f] = value / n if n > 0 else 0.0
            supported_now[r, f] = n > 0
            if agg[r, f, A_KIDS] > 0:
                parents += 1
                covered += min(weight_sum, 1.0)
            if n > 0:
                supported += 1
            if neediest[r, f]:
                needy += 1
                if n > 0:
                    needy_supported += 1
        summary[r, 0] = covered / max(parents, 1)
        summary[r, 1] = supported / max(F, 1)
        summary[r, 2] = needy_supported / max(needy, 1)
        summary[r, 3] = supported


# -------------------------------------------------------------------------- development

# Indices into the coefficient vector built by sim.processes.development.coefficients().
(C_DEP, C_QUAL, C_WORK, C_HLE, C_SCHOOL, C_NBHD, C_CROSS, C_HDEP, C_HPOOR, C_STRESS,
 C_HOUSING, C_INFORMAL, N_COEF) = range(13)


@nb.njit(cache=True, error_model="numpy")
def family_inputs(coef, deprivation, no_qual, workless, hle, stress, housing, informal,
                  poor_health, local_norm, out):
    """The family and neighbourhood part of every child's input (R, F, 3), computed once
    per family so the per-child pass reads one row instead of nine scattered ones."""
    R, F = deprivation.shape
    for r in range(R):
        for f in range(F):
            dep = deprivation[r, f]
            norm = local_norm[r, f]
            out[r, f, 0] = (-coef[C_DEP] * dep - coef[C_QUAL] * no_qual[r, f]
                            - coef[C_WORK] * workless[r, f] + coef[C_HLE] * hle[r, f]
                            + coef[C_NBHD] * norm)
            out[r, f, 1] = -coef[C_HDEP] * dep - coef[C_HPOOR] * poor_health[r, f]
            out[r, f, 2] = (-coef[C_STRESS] * stress[r, f] - coef[C_HOUSING] * housing[r, f]
                            + coef[C_INFORMAL] * informal[r, f] + coef[C_NBHD] * norm)


@nb.njit(inline="always", cache=True, error_model="numpy")
def child_input(r, c, f, school, age, ability, env, coef, band_edges, quality,
                child_support, fam_in):
    """The environmental input to child c's three domains this month (docs/ODD.md):
    the family part, plus school value added, plus support damped by health and
    wellbeing deficits, minus the deficits' own drag on learning."""
    zh = ability[r, c, 1] + env[r, c, 1]
    zw = ability[r, c, 2] + env[r, c, 2]
    deficit = 0.5 * (max(-zh, 0.0) + max(-zw, 0.0))
    damp = min(max(1.0 - coef[C_CROSS] * deficit, 0.0), 1.0)
    s = school[r, c]
    q = quality[r, s] if s >= 0 else 0.0
    a = age[r, c]
    band = 0
    for e in range(band_edges.shape[0]):
        if a >= band_edges[e]:
            band = e + 1
    b3 = band * 3
    learn = (fam_in[r, f, 0] + coef[C_SCHOOL] * q - coef[C_CROSS] * deficit
             + child_support[r, f, b3] * damp)
    health = fam_in[r, f, 1] + child_support[r, f, b3 + 1]
    wellbeing = fam_in[r, f, 2] + child_support[r, f, b3 + 2]
    return learn, health, wellbeing


@nb.njit(cache=True, error_model="numpy")
def child_inputs(alive, fam, school, age, ability, env, coef, band_edges, quality,
                 child_support, fam_in, out):
    """Inputs (R, C, 3) for every living child (used at the start of a run)."""
    R, C = alive.shape
    for r in range(R):
        for c in range(C):
            if not alive[r, c]:
                out[r, c, 0] = out[r, c, 1] = out[r, c, 2] = 0.0
                continue
            l, h, w = child_input(r, c, fam[r, c], school, age, ability, env, coef,
                                  band_edges, quality, child_support, fam_in)
            out[r, c, 0], out[r, c, 1], out[r, c, 2] = l, h, w


@nb.njit(cache=True, error_model="numpy")
def development_month(alive, fresh, fam, school, age, ability, env, support_months,
                      support_domains, coef,
                      band_edges, quality, child_support, family_supported, fam_in,
                      persistence, noise_scale, noise_base,
                      m_age, m_weight, m_threshold, in_need, counts,
                      excl_factor, excl_rate, excl_slope, adm_rate, adm_slope, event_base, events,
                      summary):
    """Move every child's environmental scores toward this month's inputs, then record
    milestones (counts[r, m, group, reached/assessed]), exclusions and admissions
    (events[r, 0/1]) and score sums for the reporters (summary[r]: learning, health,
    wellbeing and count of all children; learning, health and count of under-5s)."""
    R, C = alive.shape
    counts[:] = 0
    events[:] = 0
    summary[:] = 0.0
    n_m = m_age.shape[0]
    for r in range(R):
        for c in range(C):
            if not alive[r, c]:
                continue
            f = fam[r, c]
            l, h, w = child_input(r, c, f, school, age, ability, env, coef,
                                  band_edges, quality, child_support, fam_in)
            if fresh[r, c]:
                share = 1.0 - persistence ** age[r, c]
                env[r, c, 0], env[r, c, 1], env[r, c, 2] = share * l, share * h, share * w
            keep = 1.0 - persistence
            base = noise_base[r]
            env[r, c, 0] = persistence * env[r, c, 0] + keep * l + noise_scale * (uniform(base, c * 3) - 0.5)
            env[r, c, 1] = persistence * env[r, c, 1] + keep * h + noise_scale * (uniform(base, c * 3 + 1) - 0.5)
            env[r, c, 2] = persistence * env[r, c, 2] + keep * w + noise_scale * (uniform(base, c * 3 + 2) - 0.5)
            a = age[r, c]
            if family_supported[r, f]:
                support_months[r, c] += 1
                band = 0
                for e in range(band_edges.shape[0]):
                    if a >= band_edges[e]:
                        band = e + 1
                for d in range(3):
                    if child_support[r, f, band * 3 + d] > 0.0:
                        support_domains[r, c] |= np.int8(1 << d)
            z0 = ability[r, c, 0] + env[r, c, 0]
            z1 = ability[r, c, 1] + env[r, c, 1]
            z2 = ability[r, c, 2] + env[r, c, 2]
            summary[r, 0] += z0
            summary[r, 1] += z1
            summary[r, 2] += z2
            summary[r, 3] += 1.0
            if a < 60:
                summary[r, 4] += z0
                summary[r, 5] += z1
                summary[r, 6] += 1.0
            for m in range(n_m):
                if a == m_age[m]:
                    score = m_weight[m, 0] * z0 + m_weight[m, 1] * z1 + m_weight[m, 2] * z2
                    hit = 1 if score > m_threshold[m] else 0
                    counts[r, m, 0, 0] += hit
                    counts[r, m, 0, 1] += 1
                    if in_need[r, f]:
                        counts[r, m, 1, 0] += hit
                        counts[r, m, 1, 1] += 1
            s = school[r, c]
            if s >= 0 and excl_factor[s] > 0.0:
                if uniform(event_base[r], 2 * c) < excl_rate * excl_factor[s] * math.exp(-excl_slope * z2):
                    events[r, 0] += 1
            if a >= 120:
                if uniform(event_base[r], 2 * c + 1) < adm_rate * math.exp(-adm_slope * z2):
                    events[r, 1] += 1


# ----------------------------------------------------------------------------- families

# Indices into the coefficient vector built by sim.processes.families.coefficients().
(F_JOB, F_DEBT_BUILD, F_DEBT_REPAY, F_EVICT, F_STRESS_RATE, F_HLE_RATE, F_BUFFER, F_S0, F_SDEP,
 F_SWORK, F_SDEBT, F_SHOUSE, F_SHEALTH, F_H0, F_HQUAL, F_HSTRESS, F_HDEP, F_HNORM, F_HINFORMAL,
 F_FULL_TIES, N_FCOEF) = range(21)
# Family support channels (sim.orgs.FAMILY_CHANNELS).
CH_STRESS, CH_DEBT, CH_HOUSING, CH_HLE, CH_WORK = range(5)


@nb.njit(cache=True, error_model="numpy")
def family_month(workless, debt, stress, hle, informal, housing, deprivation, poor_health,
                 no_qual, norm, degree, neighbours_unstressed, sup, workless_rate, coef, base,
                 evict_pending, settle):
    """A month of family circumstances in one pass (docs/ODD.md 7.5).

    Work and arrears move; informal support is what non-stressed neighbours can give;
    stress and home learning relax toward their targets; eviction risk from arrears.
    With `settle`, only informal support, stress and home learning are set (to their
    targets): the start of a run, no draws and no time passing.
    """
    R, F = stress.shape
    for r in range(R):
        rate = workless_rate[r]
        losing = coef[F_JOB] * rate / max(1.0 - rate, 1e-6)
        for f in range(F):
            if not settle:
                u0 = uniform(base[r], 2 * f)
                finding = min(max(coef[F_JOB] * (1.0 + sup[r, f, CH_WORK]), 0.0), 1.0)
                if workless[r, f]:
                    workless[r, f] = u0 >= finding
                else:
                    workless[r, f] = u0 < losing
                pressure = (1.0 if workless[r, f] else 0.0) + 0.5 * max(housing[r, f], 0.0)
                repay = 0.0 if workless[r, f] else coef[F_DEBT_REPAY]
                debt[r, f] = min(max(debt[r, f] + coef[F_DEBT_BUILD] * pressure - repay
                                     - sup[r, f, CH_DEBT], 0.0), 1.0)
            ties_scale = min(degree[r, f] / coef[F_FULL_TIES], 1.0)
            inf = ties_scale * neighbours_unstressed[r, f]
            informal[r, f] = inf
            drive = (coef[F_S0] + coef[F_SDEP] * deprivation[r, f]
                     + coef[F_SWORK] * (1.0 if workless[r, f] else 0.0) + coef[F_SDEBT] * debt[r, f]
                     + coef[F_SHOUSE] * (housing[r, f] - sup[r, f, CH_HOUSING])
                     + coef[F_SHEALTH] * (1.0 if poor_health[r, f] else 0.0)
                     - coef[F_BUFFER] * inf - sup[r, f, CH_STRESS])
            target_stress = 1.0 / (1.0 + math.exp(-drive))
            target_hle = (coef[F_H0] - coef[F_HQUAL] * (1.0 if no_qual[r, f] else 0.0)
                          - coef[F_HSTRESS] * stress[r, f] - coef[F_HDEP] * deprivation[r, f]
                          + coef[F_HNORM] * (1.0 if norm[r, f] else 0.0)
                          + coef[F_HINFORMAL] * inf + sup[r, f, CH_HLE])
            if settle:
                stress[r, f] = target_stress
                hle[r, f] = target_hle
                continue
            stress[r, f] += coef[F_STRESS_RATE] * (target_stress - stress[r, f])
            hle[r, f] += coef[F_HLE_RATE] * (target_hle - hle[r, f])
            evict_p = coef[F_EVICT] * debt[r, f] * debt[r, f] * math.exp(-sup[r, f, CH_HOUSING])
            evict_pending[r, f] = uniform(base[r], 2 * f + 1) < evict_p
