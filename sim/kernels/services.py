"""Services: a month of need, identification, intake and support over every family x kind.

The same rules in plain NumPy, the statement to review, are in sim.processes.services
(`kind_view_numpy`, `count_households_numpy`, `discharge_numpy`, `intake_numpy`,
`support_numpy`); tests/test_rules_services.py checks these kernels against them exactly.
Parameters arrive as one record (ServiceRules, in the registry's names), state arrays in
the records below.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform
from sim.kernels.linalg import row_sum, shared_times, sum_by_group


# Which families a kind serves (sim.orgs.GATE): KindView.gate is a position in this tuple,
# and service_intake's gate work array has one row per entry, in this order.
GATES = ("any", "children", "young", "teen")


class ServiceRules(NamedTuple):
    """params.services as the kernels read them, with the two params.trust values the
    services use and one value derived per run."""

    funding: float
    alignment_targeting: float
    coordination_gain: float
    outreach: float
    referral_follow_through: float
    eligibility: float
    episode_months: int
    family_effect: float
    child_monthly_input: float  # child_effect / (1 - development.persistence ** episode_months)
    voice_gain: float           # params.trust.voice_gain
    takeup_power: float         # params.trust.takeup_power


class Providers(NamedTuple):
    """The organisations, (R, O) each, and this month's tie strength (R, O, O)."""

    capacity: np.ndarray
    active: np.ndarray
    quality: np.ndarray
    alignment: np.ndarray
    targeting: np.ndarray
    strength: np.ndarray


class ProviderModifiers(NamedTuple):
    """What interventions change this month (sim.state.Modifiers): (R, O), follow_add (R,)."""

    capacity_add: np.ndarray
    capacity_mult: np.ndarray
    quality_add: np.ndarray
    targeting_add: np.ndarray
    follow_add: np.ndarray


class KindLayout(NamedTuple):
    """Which organisations deliver which kind (sim.orgs.Layout)."""

    kind_of: np.ndarray      # (O,) the kind's position, -1 if not a service
    membership: np.ndarray   # (O, K) 0/1
    kind_count: np.ndarray   # (K,) organisations of each kind, at least 1
    schools: np.ndarray      # organisation indices of the schools


class SystemNow(NamedTuple):
    """The system's state this month, (R,) each."""

    data_maturity: np.ndarray
    voice: np.ndarray


class KindView(NamedTuple):
    """Each service kind this month: what kind_totals works out (R, K) unless noted, and
    the kind's fixed tables from sim.orgs (rows in SERVICE_KINDS order)."""

    capacity: np.ndarray        # families at once
    capacity_floor: np.ndarray  # int64: whole places
    targeting: np.ndarray       # sharpened by data maturity
    outreach: np.ndarray
    follow: np.ndarray          # (R,) referral follow-through
    quality_factor: np.ndarray  # how much a month of support does
    contact_value: np.ndarray   # what a contact is worth to trust
    between: np.ndarray         # (R, K, K) mean tie strength between kinds, 0 on the diagonal
    school_to_kind: np.ndarray  # (R, schools, K) each school's mean tie strength to a kind
    need_feature: np.ndarray    # (K, terms) int64: sim.orgs.NEED_FEATURE
    need_weight: np.ndarray     # (K, terms): sim.orgs.NEED_WEIGHT
    gate: np.ndarray            # (K,) int64: position of sim.orgs.GATE in GATES
    family_effect: np.ndarray   # (K, channels): sim.orgs.FAMILY_EFFECT
    child_effect: np.ndarray    # (K, bands x domains): sim.orgs.CHILD_EFFECT


class ChildArrays(NamedTuple):
    """The children (sim.state.Children): (R, C), ability and env (R, C, 3)."""

    alive: np.ndarray
    fam: np.ndarray
    age: np.ndarray
    ability: np.ndarray
    env: np.ndarray
    school: np.ndarray


class Households(NamedTuple):
    """Who lives in each family this month (family_aggregates), (R, F) each."""

    kids: np.ndarray               # children
    young: np.ndarray              # children under 60 months
    teen: np.ndarray               # children of 132 months or more
    health_deficit: np.ndarray     # sum over its children of max(-health score, 0)
    wellbeing_deficit: np.ndarray  # sum over its children of max(-wellbeing score, 0)
    hub: np.ndarray                # int64: one child's local school, its position in Layout.schools; -1 if none


class FamilyArrays(NamedTuple):
    """The families' circumstances the services read (sim.state.Families), (R, F) each."""

    home_learning: np.ndarray
    stress: np.ndarray
    debt: np.ndarray
    housing: np.ndarray
    workless: np.ndarray
    trust: np.ndarray
    neediest: np.ndarray
    ever_supported: np.ndarray    # written: set once a family is supported


class Caseload(NamedTuple):
    """Who is in an episode with which kind; kept current by every kernel that changes it."""

    engaged: np.ndarray    # (R, F, K) int8: months left of an episode (sim.state.Families.engaged)
    n_engaged: np.ndarray  # (R, F) int8: kinds each family is engaged with
    running: np.ndarray    # (R, K) int64: families in an episode of each kind


class IntakeDraws(NamedTuple):
    """Stream bases (R,) uint64 of the intake's two draws (sim.rng.Streams.base)."""

    seek: np.ndarray       # "services.intake": does the family seek support
    priority: np.ndarray   # "services.priority": its place in the race for free places


class IntakeWork(NamedTuple):
    """Work arrays of service_intake (written before read; see its docstring)."""

    feats: np.ndarray   # (features, F)
    gates: np.ndarray   # (len(GATES), F) bool
    need: np.ndarray    # (F,)
    cand: np.ndarray    # (F,) int32
    idx: np.ndarray     # (K, F) int32
    key: np.ndarray     # (K, F)
    share: np.ndarray   # (K, F)


class Support(NamedTuple):
    """What support hands to the family, development and trust processes."""

    family_support: np.ndarray  # (R, F, channels)
    child_support: np.ndarray   # (R, F, bands x domains)
    family_contact: np.ndarray  # (R, F)
    supported_now: np.ndarray   # (R, F) bool


class MonthInputs(NamedTuple):
    """What a month of services reads (services_month): the organisations, this month's
    modifiers, the kind layout, the system, the children and families (of which
    ever_supported is set), each school's position in the layout, and the stream bases
    (R,) of the discharge draw and the intake's two."""

    providers: Providers
    mods: ProviderModifiers
    layout: KindLayout
    system: SystemNow
    children: ChildArrays
    families: FamilyArrays
    school_pos: np.ndarray
    discharge: np.ndarray      # "services.discharge"
    draws: IntakeDraws


class MonthArrays(NamedTuple):
    """The arrays a month of services fills (services_month)."""

    kind_view: KindView
    households: Households
    caseload: Caseload
    work: IntakeWork
    support: Support


@nb.njit(cache=True, error_model="numpy")
def kind_totals(rules, providers, mods, layout, system, view):
    """What services need of their kinds this month (docs/ODD.md 7.4;
    sim.processes.services.kind_view_numpy), in one call for what took about forty small
    NumPy operations; writes view's monthly arrays. Per service kind (R, K): capacity,
    capacity-weighted quality and targeting, summed over each kind's organisations in
    increasing order (as linalg.sum_by_group sums); the mean tie strength between the
    organisations of two kinds (R, K, K, 0 on the diagonal), which raises capacity by
    coordination (a row sum in NumPy's order, linalg.row_sum); targeting and outreach
    sharpened by data maturity; referral follow-through (R,); quality as the support
    factor and the value of a contact; each school's ties to each kind (R, schools, K;
    left as given, zeros, if the place has no school)."""
    capacity, active = providers.capacity, providers.active
    kind_of, kind_count = layout.kind_of, layout.kind_count
    cap_out, between = view.capacity, view.between
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
            c = (max(capacity[r, o] + mods.capacity_add[r, o], 0.0) * mods.capacity_mult[r, o]
                 * act * rules.funding)
            cap_k[g] += c
            weighted[g] += c * (providers.quality[r, o] + mods.quality_add[r, o])
            n_k[g] += act
            aligned_k[g] += providers.alignment[r, o] * act
            aimed_k[g] += min(max(providers.targeting[r, o] + mods.targeting_add[r, o], 0.0), 1.0) * act
        for k in range(K):
            cap_out[r, k] = cap_k[k]
            quality_k[r, k] = weighted[k] / max(cap_k[k], 1e-12) if cap_k[k] > 0 else 0.0
            n = max(n_k[k], 1.0)
            targeting_k[r, k] = min(max(aimed_k[k] / n + rules.alignment_targeting * (aligned_k[k] / n),
                                        0.0), 1.0)
    to_kind = sum_by_group(providers.strength, kind_of, K)     # (R, O, K): S @ membership
    shared = shared_times(layout.membership, to_kind)
    for r in range(R):
        m = system.data_maturity[r]
        for i in range(K):
            for j in range(K):
                between[r, i, j] = 0.0 if i == j else shared[r, i, j] / float(kind_count[i] * kind_count[j])
        for k in range(K):
            # Coordination frees capacity: fewer duplicated contacts where kinds are tied.
            coordination = row_sum(between[r, k], 0, K) / max(K - 1, 1)
            c = cap_out[r, k] * (1.0 + rules.coordination_gain * coordination)
            cap_out[r, k] = c
            view.capacity_floor[r, k] = math.floor(c)
            t = targeting_k[r, k]
            view.targeting[r, k] = t + (1.0 - t) * 0.5 * m
            view.outreach[r, k] = rules.outreach * (1.0 + m)
            q = quality_k[r, k]
            view.quality_factor[r, k] = min(max(1.0 + q, 0.0), 2.0)
            view.contact_value[r, k] = min(max(0.5 + 0.5 * q + rules.voice_gain * system.voice[r], 0.0), 1.0)
        view.follow[r] = rules.referral_follow_through * (1.0 + m) + mods.follow_add[r]
        schools = layout.schools
        for i in range(schools.shape[0]):
            for k in range(K):
                view.school_to_kind[r, i, k] = to_kind[r, schools[i], k] / kind_count[k]


@nb.njit(cache=True, error_model="numpy")
def family_aggregates(children, school_pos, caseload, households):
    """Start of the services month, in one pass over families and one over children
    (sim.processes.services.count_households_numpy).

    Runs every family's support episodes down by a month and counts the families still
    engaged per kind (caseload.running) and the kinds each family is still engaged with
    (caseload.n_engaged, int8: discharge and intake keep it current, and support reads it
    instead of scanning every family's K kinds again); fills households: per family its
    children, under-5s, 11-18s and the children's health and wellbeing deficits; hub is
    the local school of one of the family's children (the last in slot order), as its
    position in the place's list of schools (school_pos maps an organisation index to
    it), -1 if none.
    """
    engaged, n_engaged, running = caseload.engaged, caseload.n_engaged, caseload.running
    alive, fam, age, school = children.alive, children.fam, children.age, children.school
    ability, env = children.ability, children.env
    kids, young, teen = households.kids, households.young, households.teen
    health_def, wellbeing_def, hub = households.health_deficit, households.wellbeing_deficit, households.hub
    R, C = alive.shape
    F, K = engaged.shape[1], engaged.shape[2]
    kids[:] = 0.0
    young[:] = 0.0
    teen[:] = 0.0
    health_def[:] = 0.0
    wellbeing_def[:] = 0.0
    hub[:] = -1
    running[:] = 0
    for r in range(R):
        for f in range(F):
            count = np.int8(0)                    # int8: an int64 sum here cost 50%
            for k in range(K):                    # without branches: most are 0
                e = engaged[r, f, k]
                e -= e > 0
                engaged[r, f, k] = e
                running[r, k] += e > 0
                count += np.int8(e > 0)
            n_engaged[r, f] = count
        for c in range(C):
            if not alive[r, c]:
                continue
            f = fam[r, c]
            a = age[r, c]
            kids[r, f] += 1.0
            if a < 60:
                young[r, f] += 1.0
            elif a >= 132:
                teen[r, f] += 1.0
            health_def[r, f] += max(-(ability[r, c, 1] + env[r, c, 1]), 0.0)
            wellbeing_def[r, f] += max(-(ability[r, c, 2] + env[r, c, 2]), 0.0)
            if school[r, c] >= 0:
                hub[r, f] = school_pos[school[r, c]]


@nb.njit(cache=True, error_model="numpy")
def service_discharge(caseload, capacity_floor, base):
    """Where a kind's capacity fell below its caseload (a cut, a closure, less
    coordination), end the surplus episodes, chosen at random, so no kind is ever over
    capacity (sim.processes.services.discharge_numpy). base: the stream's bases (R,)."""
    engaged, n_engaged, running = caseload.engaged, caseload.n_engaged, caseload.running
    R, F, K = engaged.shape
    idx = np.empty(F, dtype=np.int64)
    key = np.empty(F)
    for r in range(R):
        for k in range(K):
            surplus = running[r, k] - capacity_floor[r, k]
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
            running[r, k] -= min(surplus, n)


@nb.njit(cache=True, error_model="numpy")
def service_intake(rules, view, families, households, caseload, draws, work):
    """Need, identification, seeking and intake, kind by kind
    (sim.processes.services.intake_numpy). Returns this month's intake (R, K) int64 and
    the expected number of it that came by referral (R, K); caseload is kept current.

    Need: features in sim.orgs.FEATURES order (young, teen, home-learning deficit, child
    health deficit, child wellbeing deficit, stress, arrears, housing pressure,
    worklessness) weighted by the kind's row of sim.orgs.NEED. Identification: outreach
    (sharper with targeting) plus referrals along ties from the services the family uses
    and its children's school; demand = pressure / (1 + pressure) x take-up. A family
    seeks support with probability `demand`; if more seek than a kind has free places
    (floor of capacity less the running caseload), the places go to the winners of an
    exponential race whose rate is the family's demand (Efraimidis & Spirakis 2006):
    never by home order. Kinds with no free place are skipped. Places are given only once
    every kind has chosen, so a place taken this month never counts as a referral source
    the same month.

    The features are worked out once per family; each kind then adds up its need over all
    families in a branch-free pass (which the compiler vectorises), keeps the eligible
    families, and only those get the referral sum and the draws (about one pair in eight
    at Wallsend). Work arrays (IntakeWork, written before read): idx is int32 (half the
    memory of int64, and the compaction pass ran 40% faster with it), as is cand.
    """
    engaged, n_engaged, running = caseload.engaged, caseload.n_engaged, caseload.running
    need_feature, need_weight = view.need_feature, view.need_weight
    feats, gates, need, cand = work.feats, work.gates, work.need, work.cand
    idx, key, share = work.idx, work.key, work.share
    takeup_power = rules.takeup_power
    R, F, K = engaged.shape
    intake = np.zeros((R, K), dtype=np.int64)
    intake_by_referral = np.zeros((R, K))
    n_feat = need_feature.shape[1]
    n = np.empty(K, dtype=np.int64)
    free = np.empty(K, dtype=np.int64)
    n_terms = np.zeros(K, dtype=np.int64)      # need features up to the last non-zero weight
    for k in range(K):
        for j in range(n_feat):
            if need_weight[k, j] != 0.0:
                n_terms[k] = j + 1
    for r in range(R):
        n[:] = 0
        any_free = False
        for k in range(K):
            free[k] = max(view.capacity_floor[r, k] - running[r, k], 0)
            if free[k] > 0:
                any_free = True
        if not any_free:
            continue
        for f in range(F):
            kids = households.kids[r, f]
            per_kid = max(kids, 1.0)
            feats[0, f] = 1.0 if households.young[r, f] > 0 else 0.0
            feats[1, f] = 1.0 if households.teen[r, f] > 0 else 0.0
            feats[2, f] = min(max(-families.home_learning[r, f] / 2.0, 0.0), 1.0)
            feats[3, f] = min(max(households.health_deficit[r, f] / per_kid / 1.5, 0.0), 1.0)
            feats[4, f] = min(max(households.wellbeing_deficit[r, f] / per_kid / 1.5, 0.0), 1.0)
            feats[5, f] = families.stress[r, f]
            feats[6, f] = families.debt[r, f]
            feats[7, f] = min(max((families.housing[r, f] + 1.0) / 3.0, 0.0), 1.0)
            feats[8, f] = 1.0 if families.workless[r, f] else 0.0
            gates[0, f] = True                          # in GATES order
            gates[1, f] = kids != 0
            gates[2, f] = households.young[r, f] > 0
            gates[3, f] = households.teen[r, f] > 0
        for k in range(K):
            if free[k] <= 0:
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
            gate = gates[view.gate[k]]
            m = 0
            for f in range(F):
                v = min(max(need[f], 0.0), 1.0)
                need[f] = v
                cand[m] = f
                m += (engaged[r, f, k] == 0) & (v > rules.eligibility) & gate[f]
            t = view.targeting[r, k]
            for i in range(m):
                f = cand[i]
                v = need[f]
                # Ties from the family's school and its services to this kind.
                hub = households.hub[r, f]
                via = view.school_to_kind[r, hub, k] if hub >= 0 else 0.0
                for k2 in range(K if n_engaged[r, f] > 0 else 0):   # most use no service
                    if engaged[r, f, k2] > 0:
                        via += view.between[r, k2, k]
                referral = view.follow[r] * v * via
                pressure = view.outreach[r, k] * v * ((1.0 - t) + 2.0 * t * v) + referral
                trust = families.trust[r, f]
                take = trust if takeup_power == 1.0 else trust ** takeup_power
                d = pressure / (1.0 + pressure) * take
                if d <= 0.0:
                    continue
                if uniform(draws.seek[r], f * K + k) < d:
                    s = n[k]
                    idx[k, s] = f
                    key[k, s] = -math.log(uniform(draws.priority[r], f * K + k)) / d
                    share[k, s] = referral / pressure if pressure > 0.0 else 0.0
                    n[k] = s + 1
        for k in range(K):
            cap = free[k]
            m = n[k]
            by_ref = 0.0
            if m > cap:
                order = np.argsort(key[k, :m])
                took = int(cap)
            else:
                order = np.arange(m)
                took = m
            for j in range(took):
                engaged[r, idx[k, order[j]], k] = rules.episode_months
                n_engaged[r, idx[k, order[j]]] += 1
                by_ref += share[k, order[j]]
            running[r, k] += took
            intake[r, k] = took
            intake_by_referral[r, k] = by_ref
    return intake, intake_by_referral


@nb.njit(cache=True, error_model="numpy")
def service_support(rules, view, families, households, caseload, support):
    """Monthly inputs to supported families and their children, and what the reporters
    need (sim.processes.services.support_numpy).

    support.family_support and child_support are written only for families supported now
    (the readers look at supported_now first): most families get nothing, and zeroing
    their rows every month was most of this kernel's memory traffic.
    family_contact[r, f] = mean value of the family's current contacts (0 if none), for
    trust. families.ever_supported is set for every family supported now. Returns, (R,)
    each: saturation, the share of families supported, the share of the neediest tenth
    supported, and the families supported for the first time (int64).
    """
    engaged, n_engaged = caseload.engaged, caseload.n_engaged
    family_table, child_table = view.family_effect, view.child_effect
    family_support, child_support = support.family_support, support.child_support
    family_effect, child_effect = rules.family_effect, rules.child_monthly_input
    ever_supported = families.ever_supported
    R, F, K = engaged.shape
    n_fc = family_table.shape[1]
    n_cc = child_table.shape[1]
    saturation = np.empty(R)
    supported_share = np.empty(R)
    reach_neediest = np.empty(R)
    first_supported = np.empty(R, dtype=np.int64)
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
                    w = view.quality_factor[r, k]
                    weight_sum += w
                    value += view.contact_value[r, k]
                    for j in range(n_fc):
                        family_support[r, f, j] += family_effect * w * family_table[k, j]
                    for j in range(n_cc):
                        child_support[r, f, j] += child_effect * w * child_table[k, j]
            support.family_contact[r, f] = value / n if n > 0 else 0.0
            support.supported_now[r, f] = n > 0
            if households.kids[r, f] > 0:
                parents += 1
                covered += min(weight_sum, 1.0)
            if n > 0:
                supported += 1
                if not ever_supported[r, f]:
                    ever_supported[r, f] = True
                    first += 1
            if families.neediest[r, f]:
                needy += 1
                if n > 0:
                    needy_supported += 1
        saturation[r] = covered / max(parents, 1)
        supported_share[r] = supported / max(F, 1)
        reach_neediest[r] = needy_supported / max(needy, 1)
        first_supported[r] = first
    return saturation, supported_share, reach_neediest, first_supported


@nb.njit(cache=True, error_model="numpy")
def services_month(rules, inputs, arrays):
    """A month of services: kind_totals, family_aggregates, service_discharge,
    service_intake and service_support in turn, in one compiled call so that the records
    cross from Python once a month. Returns service_intake's two results, then
    service_support's four."""
    i, a = inputs, arrays
    kind_totals(rules, i.providers, i.mods, i.layout, i.system, a.kind_view)
    family_aggregates(i.children, i.school_pos, a.caseload, a.households)
    service_discharge(a.caseload, a.kind_view.capacity_floor, i.discharge)
    intake, by_referral = service_intake(rules, a.kind_view, i.families, a.households, a.caseload,
                                         i.draws, a.work)
    saturation, supported_share, reach_neediest, first_supported = service_support(
        rules, a.kind_view, i.families, a.households, a.caseload, a.support)
    return intake, by_referral, saturation, supported_share, reach_neediest, first_supported
