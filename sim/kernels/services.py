"""Services: a month of need, identification, intake and support over every family x kind."""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform
from sim.kernels.linalg import row_sum, shared_times, sum_by_group


# Columns of the per-family child aggregates.
A_KIDS, A_YOUNG, A_TEEN, A_HEALTH_DEF, A_WELLBEING_DEF, N_AGG = range(6)
# Gate codes: which families a kind serves (sim.orgs.GATE).
G_ANY, G_CHILDREN, G_YOUNG, G_TEEN = range(4)


@nb.njit(cache=True, error_model="numpy")
def kind_totals(capacity, capacity_add, capacity_mult, active, funding, quality, quality_add,
                alignment, targeting, targeting_add, alignment_targeting, kind_of, membership,
                kind_count, strength, schools, maturity, outreach_rate, follow_through,
                follow_add, voice, voice_gain, coordination_gain,
                cap_out, cap_floor, targeting_out, outreach, follow, quality_factor,
                contact_value, school_to_kind):
    """What services need of their kinds this month (docs/ODD.md 7.4;
    sim.processes.services.kind_view), in one call for what took about forty small NumPy
    operations. Per service kind (R, K): capacity, capacity-weighted quality and
    targeting, summed over each kind's organisations in increasing order (as
    linalg.sum_by_group sums); the mean tie strength between the organisations of two
    kinds (R, K, K, 0 on the diagonal), which raises capacity by coordination (a row sum
    in NumPy's order, linalg.row_sum); targeting and outreach sharpened by data maturity;
    referral follow-through (R,); quality as the support factor and the value of a
    contact; each school's ties to each kind (R, schools, K; left as given, zeros, if
    the place has no school). Returns the ties between kinds."""
    R, O = capacity.shape
    K = kind_count.shape[0]
    quality_k = np.empty((R, K))
    targeting_k = np.empty((R, K))
    for r in range(R):
        cap_k = np.zeros(K)
        weighted = np.zeros(K)
        n_k = np.zeros(K)
        aligned_k = np.zeros(K)
        aimed_k = np.zeros(K)
        for o in range(O):
            g = kind_of[o]
            if g < 0:
                continue
            act = 1.0 if active[r, o] else 0.0
            c = max(capacity[r, o] + capacity_add[r, o], 0.0) * capacity_mult[r, o] * act * funding
            cap_k[g] += c
            weighted[g] += c * (quality[r, o] + quality_add[r, o])
            n_k[g] += act
            aligned_k[g] += alignment[r, o] * act
            aimed_k[g] += min(max(targeting[r, o] + targeting_add[r, o], 0.0), 1.0) * act
        for k in range(K):
            cap_out[r, k] = cap_k[k]
            quality_k[r, k] = weighted[k] / max(cap_k[k], 1e-12) if cap_k[k] > 0 else 0.0
            n = max(n_k[k], 1.0)
            targeting_k[r, k] = min(max(aimed_k[k] / n + alignment_targeting * (aligned_k[k] / n),
                                        0.0), 1.0)
    to_kind = sum_by_group(strength, kind_of, K)                # (R, O, K): S @ membership
    between = shared_times(membership, to_kind)
    for r in range(R):
        m = maturity[r]
        for i in range(K):
            for j in range(K):
                between[r, i, j] = 0.0 if i == j else between[r, i, j] / float(kind_count[i] * kind_count[j])
        for k in range(K):
            # Coordination frees capacity: fewer duplicated contacts where kinds are tied.
            coordination = row_sum(between[r, k], 0, K) / max(K - 1, 1)
            c = cap_out[r, k] * (1.0 + coordination_gain * coordination)
            cap_out[r, k] = c
            cap_floor[r, k] = math.floor(c)
            t = targeting_k[r, k]
            targeting_out[r, k] = t + (1.0 - t) * 0.5 * m
            outreach[r, k] = outreach_rate * (1.0 + m)
            q = quality_k[r, k]
            quality_factor[r, k] = min(max(1.0 + q, 0.0), 2.0)
            contact_value[r, k] = min(max(0.5 + 0.5 * q + voice_gain * voice[r], 0.0), 1.0)
        follow[r] = follow_through * (1.0 + m) + follow_add[r]
        for i in range(schools.shape[0]):
            for k in range(K):
                school_to_kind[r, i, k] = to_kind[r, schools[i], k] / kind_count[k]
    return between


@nb.njit(cache=True, error_model="numpy")
def family_aggregates(alive, fam, age, ability, env, school, school_pos, engaged, out, hub, active_now,
                      n_engaged):
    """Start of the services month, in one pass over families and one over children.

    Runs every family's support episodes down by a month and counts the families still
    engaged per kind (active_now, (R, K)) and the kinds each family is still engaged with
    (n_engaged, (R, F) int8: discharge and intake keep it current, and support reads it
    instead of scanning every family's K kinds again); per family (R, F, N_AGG) sums children, under-5s,
    11-18s and the children's health and wellbeing deficits; hub[r, f] is the local school
    of one of the family's children (the last in slot order), as its position in the
    place's list of schools (school_pos maps an organisation index to it), -1 if none.
    """
    R, C = alive.shape
    F, K = engaged.shape[1], engaged.shape[2]
    out[:] = 0.0
    hub[:] = -1
    active_now[:] = 0
    for r in range(R):
        for f in range(F):
            count = np.int8(0)                    # int8: an int64 sum here cost 50%
            for k in range(K):                    # without branches: most are 0
                e = engaged[r, f, k]
                e -= e > 0
                engaged[r, f, k] = e
                active_now[r, k] += e > 0
                count += np.int8(e > 0)
            n_engaged[r, f] = count
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
                hub[r, f] = school_pos[school[r, c]]


@nb.njit(cache=True, error_model="numpy")
def service_discharge(engaged, capacity, base, active_now, n_engaged):
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
                n_engaged[r, idx[order[j]]] -= 1
            active_now[r, k] -= min(surplus, n)


@nb.njit(cache=True, error_model="numpy")
def service_intake(agg, home_learning, stress, debt, housing, workless, need_feature, need_weight,
                   gate_code, engaged, outreach, targeting, between, school_to_kind, hub_pos,
                   follow, trust, takeup_power, eligibility, free, seek_base, priority_base,
                   episode, intake, intake_by_referral, n_engaged, feats, gates, need, cand, idx, key,
                   share):
    """Need, identification, seeking and intake, kind by kind.

    Need: features in sim.orgs.FEATURES order (young, teen, home-learning deficit, child
    health deficit, child wellbeing deficit, stress, arrears, housing pressure,
    worklessness) weighted by the kind's row of sim.orgs.NEED. Identification: outreach
    (sharper with targeting) plus referrals along ties from the services the family uses
    and its children's school; demand = pressure / (1 + pressure) x take-up. A family
    seeks support with probability `demand`; if more seek than a kind has free places,
    the places go to the winners of an exponential race whose rate is the family's demand
    (Efraimidis & Spirakis 2006): never by home order. Kinds with no free place are
    skipped. Places are given only once every kind has chosen, so a place taken this
    month never counts as a referral source the same month.

    The features are worked out once per family; each kind then adds up its need over all
    families in a branch-free pass (which the compiler vectorises), keeps the eligible
    families, and only those get the referral sum and the draws (about one pair in eight
    at Wallsend). Work arrays (written before read): feats (9, F), gates (4, F) bool,
    need (F,), cand (F,) int32, idx (K, F) int32 (half the memory of int64, and the
    compaction pass ran 40% faster with them), key and share (K, F).
    """
    R, F, K = engaged.shape
    n_feat = need_feature.shape[1]
    n = np.empty(K, dtype=np.int64)
    n_terms = np.zeros(K, dtype=np.int64)      # need features up to the last non-zero weight
    for k in range(K):
        for j in range(n_feat):
            if need_weight[k, j] != 0.0:
                n_terms[k] = j + 1
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
            per_kid = max(agg[r, f, A_KIDS], 1.0)
            feats[0, f] = 1.0 if agg[r, f, A_YOUNG] > 0 else 0.0
            feats[1, f] = 1.0 if agg[r, f, A_TEEN] > 0 else 0.0
            feats[2, f] = min(max(-home_learning[r, f] / 2.0, 0.0), 1.0)
            feats[3, f] = min(max(agg[r, f, A_HEALTH_DEF] / per_kid / 1.5, 0.0), 1.0)
            feats[4, f] = min(max(agg[r, f, A_WELLBEING_DEF] / per_kid / 1.5, 0.0), 1.0)
            feats[5, f] = stress[r, f]
            feats[6, f] = debt[r, f]
            feats[7, f] = min(max((housing[r, f] + 1.0) / 3.0, 0.0), 1.0)
            feats[8, f] = 1.0 if workless[r, f] else 0.0
            gates[G_ANY, f] = True
            gates[G_CHILDREN, f] = agg[r, f, A_KIDS] != 0
            gates[G_YOUNG, f] = agg[r, f, A_YOUNG] > 0
            gates[G_TEEN, f] = agg[r, f, A_TEEN] > 0
        for k in range(K):
            if free[r, k] <= 0:
                continue
            for f in range(F):
                need[f] = 0.0
            for j in range(n_terms[k]):
                w = need_weight[k, j]
                row = need_feature[k, j]
                for f in range(F):
                    need[f] += feats[row, f] * w
            # Eligible: not already engaged with the kind, inside its gate, need above the
            # cut; kept without a branch (bitwise tests), as one in eight passes.
            gate = gates[gate_code[k]]
            m = 0
            for f in range(F):
                v = min(max(need[f], 0.0), 1.0)
                need[f] = v
                cand[m] = f
                m += (engaged[r, f, k] == 0) & (v > eligibility) & gate[f]
            t = targeting[r, k]
            for i in range(m):
                f = cand[i]
                v = need[f]
                # Ties from the family's school and its services to this kind.
                hub = hub_pos[r, f]
                via = school_to_kind[r, hub, k] if hub >= 0 else 0.0
                for k2 in range(K if n_engaged[r, f] > 0 else 0):   # most use no service
                    if engaged[r, f, k2] > 0:
                        via += between[r, k2, k]
                referral = follow[r] * v * via
                pressure = outreach[r, k] * v * ((1.0 - t) + 2.0 * t * v) + referral
                take = trust[r, f] if takeup_power == 1.0 else trust[r, f] ** takeup_power
                d = pressure / (1.0 + pressure) * take
                if d <= 0.0:
                    continue
                if uniform(seek_base[r], f * K + k) < d:
                    s = n[k]
                    idx[k, s] = f
                    key[k, s] = -math.log(uniform(priority_base[r], f * K + k)) / d
                    share[k, s] = referral / pressure if pressure > 0.0 else 0.0
                    n[k] = s + 1
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
                n_engaged[r, idx[k, order[j]]] += 1
                by_ref += share[k, order[j]]
            intake[r, k] = took
            intake_by_referral[r, k] = by_ref


@nb.njit(cache=True, error_model="numpy")
def service_support(engaged, quality_factor, contact_value, family_table, child_table,
                    family_effect, child_effect, agg, neediest, family_support, child_support,
                    family_contact, supported_now, ever_supported, summary, n_engaged):
    """Monthly inputs to supported families and their children, and what the reporters need.

    family_support and child_support are written only for families supported now (the
    readers look at supported_now first): most families get nothing, and zeroing their
    rows every month was most of this kernel's memory traffic.
    family_contact[r, f] = mean value of the family's current contacts (0 if none), for trust.
    ever_supported is set for every family supported now. summary[r] = (saturation, share
    of families supported, share of the neediest tenth supported, families supported,
    families supported for the first time).
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
        first = 0
        for f in range(F):
            weight_sum = 0.0
            value = 0.0
            n = n_engaged[r, f]                   # most families: nothing to add up
            if n > 0:
                for j in range(n_fc):
                    family_support[r, f, j] = 0.0
                for j in range(n_cc):
                    child_support[r, f, j] = 0.0
            for k in range(K if n > 0 else 0):
                if engaged[r, f, k] > 0:
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
                if not ever_supported[r, f]:
                    ever_supported[r, f] = True
                    first += 1
            if neediest[r, f]:
                needy += 1
                if n > 0:
                    needy_supported += 1
        summary[r, 0] = covered / max(parents, 1)
        summary[r, 1] = supported / max(F, 1)
        summary[r, 2] = needy_supported / max(needy, 1)
        summary[r, 3] = supported
        summary[r, 4] = first
