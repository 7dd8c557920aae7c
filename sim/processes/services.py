"""Services find, take on and support families, within capacity.

Each month, for each family-facing kind of service (sim.orgs.SERVICE_KINDS):
1. every family's need for that kind is read from its circumstances (orgs.NEED);
2. a family is identified by outreach (sharper with better targeting and data) or by a
   referral that travels only along organisation ties: from the services it already
   uses and from its children's school, in proportion to tie strength;
3. an identified, eligible family takes the offer with a probability rising with its
   trust in services;
4. an identified, willing family seeks support; if more seek than a kind has free
   places (services of one kind pool their caseload), places go to the most strongly
   identified by a weighted random race; a kind whose capacity fell ends surplus
   episodes at random, so no kind is ever over capacity;
5. supported families get monthly inputs (orgs.FAMILY_EFFECT, orgs.CHILD_EFFECT) scaled
   by service quality, handed to the family and development processes.

Each rule is stated in plain NumPy below, in the registry's names (the statement to
review): `kind_view_numpy` (each kind's capacity, targeting, ties and quality this
month), `count_households_numpy` (episodes run down; who lives in each family),
`discharge_numpy`, `need_numpy`, `eligible_numpy`, `demand_numpy` and `intake_numpy`
(intake within capacity), `support_numpy`. `step` runs the compiled kernels of
sim.kernels.services, which tests/test_rules_services.py checks against these exactly.
Equations: docs/ODD.md 7.4, "Services".
"""
from __future__ import annotations

import numpy as np

from sim.kernels import services as KSV
from sim import orgs as O
from sim.params import ModelParams
from sim.rng import Streams
from sim.registry import record
from sim.state import State


# Each kind's gate as its position in KSV.GATES (KindView.gate).
GATE_POSITION = np.array([KSV.GATES.index(O.GATE[k]) for k in O.SERVICE_KINDS], dtype=np.int64)


def service_rules(params: ModelParams) -> KSV.ServiceRules:
    """params.services (and the take-up and voice gains of params.trust) as the kernels'
    record; the monthly child input is the one at which a completed episode adds
    child_effect SD (docs/ODD.md 7.4)."""
    sp = params.services
    persistence = params.development.persistence
    return record(KSV.ServiceRules, sp, params.trust,
                  child_monthly_input=sp.child_effect / (1.0 - persistence ** sp.episode_months))

def quality_factor(quality):
    """How much a service of this quality (SD relative to England) does, relative to an
    average one: clip(1 + quality, 0, 2) (docs/ODD.md 7.4; pilots weigh their effect so)."""
    return np.clip(1.0 + quality, 0.0, 2.0)


def kind_tables() -> dict[str, np.ndarray]:
    """sim.orgs's fixed per-kind tables, as KindView's fields (rows in SERVICE_KINDS order)."""
    return dict(need_feature=O.NEED_FEATURE, need_weight=O.NEED_WEIGHT, gate=GATE_POSITION,
                family_effect=O.FAMILY_EFFECT,
                child_effect=O.CHILD_EFFECT.reshape(O.N_SERVICE_KINDS, -1))


def empty_view(R: int, K: int, n_schools: int) -> KSV.KindView:
    """A KindView whose monthly arrays kind_totals fills (school_to_kind stays zero for a
    place with no school)."""
    return KSV.KindView(
        capacity=np.empty((R, K)), capacity_floor=np.empty((R, K), dtype=np.int64),
        targeting=np.empty((R, K)), outreach=np.empty((R, K)), follow=np.empty(R),
        quality_factor=np.empty((R, K)), contact_value=np.empty((R, K)),
        between=np.empty((R, K, K)), school_to_kind=np.zeros((R, max(n_schools, 1), K)),
        **kind_tables())


def kind_records(state: State, lay: O.Layout) -> tuple:
    """The organisations, this month's modifiers, the kind layout and the system, as the
    records kind_totals reads."""
    og, mods = state.orgs, state.mods
    providers = KSV.Providers(capacity=og.capacity, active=og.active, quality=og.quality,
                              alignment=og.alignment, targeting=og.targeting,
                              strength=state.refresh_strength())
    modifiers = KSV.ProviderModifiers(capacity_add=mods.capacity_add, capacity_mult=mods.capacity_mult,
                                      quality_add=mods.quality_add, targeting_add=mods.targeting_add,
                                      follow_add=mods.follow_add)
    kinds = KSV.KindLayout(kind_of=lay.kind_of, membership=lay.membership,
                           kind_count=lay.kind_count, schools=lay.schools)
    system = KSV.SystemNow(data_maturity=state.data_maturity, voice=state.voice)
    return providers, modifiers, kinds, system


def family_records(state: State) -> tuple[KSV.ChildArrays, KSV.FamilyArrays]:
    """The children and the families' circumstances, as the kernels' records."""
    ch, fa = state.children, state.families
    children = KSV.ChildArrays(alive=ch.alive, fam=ch.fam, age=ch.age, ability=ch.ability,
                               env=ch.env, school=ch.school)
    families = KSV.FamilyArrays(home_learning=fa.home_learning, stress=fa.stress, debt=fa.debt,
                                housing=fa.housing, workless=fa.workless, trust=fa.trust,
                                neediest=fa.neediest, ever_supported=fa.ever_supported)
    return children, families


def _households(scratch, R: int, F: int) -> KSV.Households:
    """The work arrays family_aggregates fills."""
    return KSV.Households(*(scratch.get(f"services.{name}", (R, F)) for name in KSV.Households._fields[:-1]),
                          hub=scratch.get("services.hub", (R, F), np.int64))


def _intake_work(scratch, F: int, K: int) -> KSV.IntakeWork:
    """The work arrays of KSV.service_intake (see its docstring)."""
    return KSV.IntakeWork(
        feats=scratch.get("intake.feats", (len(O.FEATURES), F)),
        gates=scratch.get("intake.gates", (len(KSV.GATES), F), np.bool_),
        need=scratch.get("intake.need", (F,)), cand=scratch.get("intake.cand", (F,), np.int32),
        idx=scratch.get("intake.idx", (K, F), np.int32), key=scratch.get("intake.key", (K, F)),
        share=scratch.get("intake.share", (K, F)))


# == The rules in plain NumPy ==================================================================
# The statement to review, in the registry's names; the compiled kernels of
# sim.kernels.services do the same, and tests/test_rules_services.py checks them against
# these functions exactly. Nothing here changes its inputs; each returns what the month
# makes of them. Equations: docs/ODD.md 7.4.

def kind_view_numpy(rules: KSV.ServiceRules, providers: KSV.Providers, mods: KSV.ProviderModifiers,
                    layout: KSV.KindLayout, system: KSV.SystemNow) -> KSV.KindView:
    """Each service kind this month (KSV.kind_totals): capacity, quality and targeting
    summed over its organisations, the ties between kinds and from each school, and what
    data maturity, coordination and voice make of them."""
    R, n_orgs = providers.capacity.shape
    K = len(layout.kind_count)
    active = providers.active.astype(float)
    cap = (np.maximum(providers.capacity + mods.capacity_add, 0.0) * mods.capacity_mult
           * active * rules.funding)
    quality_now = providers.quality + mods.quality_add
    aimed = np.clip(providers.targeting + mods.targeting_add, 0.0, 1.0) * active
    # Sums over each kind's organisations, in increasing order (loops over a few dozen
    # organisations; S @ membership in the same order of terms).
    capacity, weighted, n_active = np.zeros((R, K)), np.zeros((R, K)), np.zeros((R, K))
    aligned, aimed_k = np.zeros((R, K)), np.zeros((R, K))
    to_kind = np.zeros((R, n_orgs, K))              # tie strength from each organisation to a kind
    for o in np.flatnonzero(layout.kind_of >= 0):
        k = layout.kind_of[o]
        capacity[:, k] += cap[:, o]
        weighted[:, k] += cap[:, o] * quality_now[:, o]
        n_active[:, k] += active[:, o]
        aligned[:, k] += providers.alignment[:, o] * active[:, o]
        aimed_k[:, k] += aimed[:, o]
        to_kind[:, :, k] += providers.strength[:, :, o]
    quality = np.where(capacity > 0, weighted / np.maximum(capacity, 1e-12), 0.0)
    n = np.maximum(n_active, 1.0)
    targeting = np.clip(aimed_k / n + rules.alignment_targeting * (aligned / n), 0.0, 1.0)
    # Mean tie strength between the organisations of two kinds; none within a kind.
    shared = np.zeros((R, K, K))
    for o in np.flatnonzero(layout.kind_of >= 0):
        shared[:, layout.kind_of[o], :] += to_kind[:, o, :]
    between = shared / (layout.kind_count[:, None] * layout.kind_count[None, :])
    between[:, np.arange(K), np.arange(K)] = 0.0
    # Coordination frees capacity: fewer duplicated contacts where kinds are tied.
    coordination = between.sum(axis=2) / max(K - 1, 1)
    capacity = capacity * (1.0 + rules.coordination_gain * coordination)
    maturity = system.data_maturity[:, None]
    school_to_kind = np.zeros((R, max(len(layout.schools), 1), K))
    school_to_kind[:, :len(layout.schools)] = to_kind[:, layout.schools, :] / layout.kind_count
    return KSV.KindView(
        capacity=capacity, capacity_floor=np.floor(capacity).astype(np.int64),
        targeting=targeting + (1.0 - targeting) * 0.5 * maturity,
        outreach=np.broadcast_to(rules.outreach * (1.0 + maturity), (R, K)),
        follow=rules.referral_follow_through * (1.0 + system.data_maturity) + mods.follow_add,
        quality_factor=quality_factor(quality),
        contact_value=np.clip(0.5 + 0.5 * quality + rules.voice_gain * system.voice[:, None], 0.0, 1.0),
        between=between, school_to_kind=school_to_kind, **kind_tables())


def count_households_numpy(children: KSV.ChildArrays, school_pos: np.ndarray,
                           engaged: np.ndarray) -> tuple[KSV.Caseload, KSV.Households]:
    """Episodes run down by a month (KSV.family_aggregates); who lives in each family:
    children, under-5s, 11-18s, the children's health and wellbeing deficits, and the
    local school of its child in the highest slot (-1 if none)."""
    R, F, K = engaged.shape
    engaged = engaged - (engaged > 0)
    caseload = KSV.Caseload(engaged=engaged, n_engaged=(engaged > 0).sum(axis=2).astype(np.int8),
                            running=(engaged > 0).sum(axis=1))
    rep = np.broadcast_to(np.arange(R)[:, None], children.alive.shape)
    home = (rep * F + children.fam)[children.alive]          # each child's family, in slot order

    def per_family(value) -> np.ndarray:
        return np.bincount(home, weights=np.asarray(value, dtype=float)[children.alive],
                           minlength=R * F).reshape(R, F)

    score = children.ability + children.env
    slot = np.broadcast_to(np.arange(children.alive.shape[1]), children.alive.shape)
    at_school = children.alive & (children.school >= 0)
    last_slot = np.full(R * F, -1)
    np.maximum.at(last_slot, (rep * F + children.fam)[at_school], slot[at_school])
    last_slot = last_slot.reshape(R, F)
    school = np.take_along_axis(children.school, np.maximum(last_slot, 0), axis=1)
    households = KSV.Households(
        kids=per_family(np.ones(children.alive.shape)), young=per_family(children.age < 60),
        teen=per_family(children.age >= 132),
        health_deficit=per_family(np.maximum(-score[..., 1], 0.0)),
        wellbeing_deficit=per_family(np.maximum(-score[..., 2], 0.0)),
        hub=np.where(last_slot >= 0, school_pos[np.maximum(school, 0)], -1))
    return caseload, households


def discharge_numpy(caseload: KSV.Caseload, capacity_floor: np.ndarray,
                    u_discharge: np.ndarray) -> KSV.Caseload:
    """Where a kind runs more episodes than its whole places (KSV.service_discharge), the
    surplus episodes with the smallest draws U["services.discharge"] (R, F, K) end."""
    engaged = caseload.engaged
    surplus = np.maximum(caseload.running - capacity_floor, 0)           # (R, K)
    key = np.where(engaged > 0, u_discharge, np.inf)
    rank = key.argsort(axis=1).argsort(axis=1)                           # 0 = smallest draw
    ends = (engaged > 0) & (rank < surplus[:, None, :])
    engaged = np.where(ends, 0, engaged).astype(engaged.dtype)
    return KSV.Caseload(engaged=engaged,
                        n_engaged=caseload.n_engaged - ends.sum(axis=2).astype(np.int8),
                        running=caseload.running - ends.sum(axis=1))


def need_numpy(view: KSV.KindView, families: KSV.FamilyArrays,
               households: KSV.Households) -> np.ndarray:
    """need[r, f, k] = clip(sum_j NEED[k, j] x feature_j, 0, 1), the features in
    sim.orgs.FEATURES order, each in [0, 1]."""
    per_kid = np.maximum(households.kids, 1.0)
    features = (
        (households.young > 0).astype(float),                            # young
        (households.teen > 0).astype(float),                             # teen
        np.clip(-families.home_learning / 2.0, 0.0, 1.0),                # hle_deficit
        np.clip(households.health_deficit / per_kid / 1.5, 0.0, 1.0),    # health_deficit
        np.clip(households.wellbeing_deficit / per_kid / 1.5, 0.0, 1.0),  # wellbeing_deficit
        families.stress,                                                 # stress
        families.debt,                                                   # debt
        np.clip((families.housing + 1.0) / 3.0, 0.0, 1.0),               # housing
        families.workless.astype(float),                                 # workless
    )
    K = len(view.gate)
    need = np.zeros((*families.stress.shape, K))
    for k in range(K):
        for feature, weight in zip(view.need_feature[k], view.need_weight[k]):
            need[..., k] += features[feature] * weight
    return np.clip(need, 0.0, 1.0)


def demand_numpy(rules: KSV.ServiceRules, view: KSV.KindView, families: KSV.FamilyArrays,
                 households: KSV.Households, engaged: np.ndarray,
                 need: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Identification and take-up: (demand, referral, pressure), each (R, F, K). A
    referral comes only along ties: from the family's children's school and from the
    kinds it is already engaged with."""
    R, F, K = engaged.shape
    hub = households.hub
    via = np.where(hub[..., None] >= 0,
                   view.school_to_kind[np.arange(R)[:, None], np.maximum(hub, 0)], 0.0)
    for used in range(K):
        via = via + np.where(engaged[:, :, used, None] > 0, view.between[:, None, used, :], 0.0)
    t = view.targeting[:, None, :]
    referral = view.follow[:, None, None] * need * via
    pressure = view.outreach[:, None, :] * need * ((1.0 - t) + 2.0 * t * need) + referral
    take = families.trust[..., None] ** rules.takeup_power
    return pressure / (1.0 + pressure) * take, referral, pressure


def eligible_numpy(rules: KSV.ServiceRules, view: KSV.KindView, households: KSV.Households,
                   engaged: np.ndarray, need: np.ndarray) -> np.ndarray:
    """(R, F, K) bool: no running episode of the kind, inside its gate (KSV.GATES), need
    above params.services.eligibility."""
    gates = {"any": np.ones(households.kids.shape, dtype=bool), "children": households.kids != 0,
             "young": households.young > 0, "teen": households.teen > 0}
    inside = np.stack([gates[KSV.GATES[g]] for g in view.gate], axis=-1)
    return (engaged == 0) & inside & (need > rules.eligibility)


def intake_numpy(rules: KSV.ServiceRules, view: KSV.KindView, families: KSV.FamilyArrays,
                 households: KSV.Households, caseload: KSV.Caseload, u_seek: np.ndarray,
                 u_priority: np.ndarray) -> tuple[KSV.Caseload, np.ndarray, np.ndarray]:
    """Need, identification, seeking and intake within capacity (KSV.service_intake):
    the new caseload, the intake (R, K) and the expected number of it by referral.

    An eligible family seeks support when U["services.intake"] < demand; where more seek
    than a kind has free places, the free places go to the seekers with the smallest
    -ln U["services.priority"] / demand (an exponential race). Places are given once
    every kind has chosen, so this month's intake is no referral source this month."""
    engaged = caseload.engaged
    R, F, K = engaged.shape
    need = need_numpy(view, families, households)
    demand, referral, pressure = demand_numpy(rules, view, families, households, engaged, need)
    free = np.maximum(view.capacity_floor - caseload.running, 0)
    seeks = (eligible_numpy(rules, view, households, engaged, need) & (free[:, None, :] > 0)
             & (demand > 0.0) & (u_seek < demand))
    with np.errstate(divide="ignore", invalid="ignore"):
        race = -np.log(u_priority) / demand
        by_referral_share = np.where(pressure > 0.0, referral / pressure, 0.0)
    taken = np.zeros_like(seeks)
    by_referral = np.zeros((R, K))
    for r in range(R):
        for k in range(K):
            seekers = np.flatnonzero(seeks[r, :, k])
            if len(seekers) > free[r, k]:
                seekers = seekers[np.argsort(race[r, seekers, k])][:free[r, k]]
            taken[r, seekers, k] = True
            # Summed in the kernel's order; NumPy sums more than eight terms pairwise.
            by_referral[r, k] = by_referral_share[r, seekers, k].sum()
    intake = taken.sum(axis=1)
    caseload = KSV.Caseload(engaged=np.where(taken, rules.episode_months, engaged).astype(engaged.dtype),
                            n_engaged=caseload.n_engaged + taken.sum(axis=2).astype(np.int8),
                            running=caseload.running + intake)
    return caseload, intake, by_referral


def support_numpy(rules: KSV.ServiceRules, view: KSV.KindView, families: KSV.FamilyArrays,
                  households: KSV.Households, caseload: KSV.Caseload) -> tuple:
    """Monthly inputs to supported families and their children (KSV.service_support):
    (Support, ever_supported, saturation, share of families supported, share of the
    neediest tenth supported, families supported for the first time). A family engaged
    with no kind gets 0 here (the kernel leaves its rows alone; readers skip them)."""
    on = caseload.engaged > 0                                            # (R, F, K)
    R, F, K = on.shape
    family_support = np.zeros((R, F, view.family_effect.shape[1]))
    child_support = np.zeros((R, F, view.child_effect.shape[1]))
    weight_sum, value = np.zeros((R, F)), np.zeros((R, F))
    for k in range(K):                  # each kind the family uses adds, in kind order
        quality_factor = np.where(on[..., k], view.quality_factor[:, None, k], 0.0)
        weight_sum += quality_factor
        value += np.where(on[..., k], view.contact_value[:, None, k], 0.0)
        family_support += rules.family_effect * quality_factor[..., None] * view.family_effect[k]
        child_support += rules.child_monthly_input * quality_factor[..., None] * view.child_effect[k]
    n_kinds = on.sum(axis=2)
    supported_now = n_kinds > 0
    with_children = households.kids > 0
    saturation = (np.where(with_children, np.minimum(weight_sum, 1.0), 0.0).sum(axis=1)
                  / np.maximum(with_children.sum(axis=1), 1))
    first = supported_now & ~families.ever_supported
    support = KSV.Support(family_support=family_support, child_support=child_support,
                          family_contact=np.where(supported_now, value / np.maximum(n_kinds, 1), 0.0),
                          supported_now=supported_now)
    return (support, families.ever_supported | supported_now, saturation,
            *reach_shares(supported_now, families.neediest), first.sum(axis=1))


def reach_shares(supported: np.ndarray, neediest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R,) shares of families supported now, and of the neediest tenth supported now."""
    return (supported.sum(axis=1) / max(supported.shape[1], 1),
            (supported & neediest).sum(axis=1) / np.maximum(neediest.sum(axis=1), 1))


def step(state: State, rules: KSV.ServiceRules, streams: Streams, month: int) -> None:
    """A month of services, by the compiled kernels (the same rules as the *_numpy
    functions above); `rules` is service_rules(params), built once per run."""
    fa = state.families
    R, F = fa.deprivation.shape
    K = O.N_SERVICE_KINDS
    lay = state.place.layout
    children, families = family_records(state)
    discharge, seek, priority = streams.bases(("services.discharge", "services.intake",
                                               "services.priority"), month)
    inputs = KSV.MonthInputs(*kind_records(state, lay), children=children, families=families,
                             school_pos=lay.school_pos, discharge=discharge,
                             draws=KSV.IntakeDraws(seek=seek, priority=priority))
    # The caseload as episodes run down (a family still engaged is not a candidate), who
    # is in each family, and the monthly support for families and their children
    # (child_support: a view, written in place).
    if not state.child_support.flags.c_contiguous:
        state.child_support = np.ascontiguousarray(state.child_support)
    arrays = KSV.MonthArrays(
        kind_view=empty_view(R, K, len(lay.schools)), households=_households(state.scratch, R, F),
        caseload=KSV.Caseload(engaged=fa.engaged, running=np.empty((R, K), dtype=np.int64),
                              n_engaged=state.scratch.get("services.n_engaged", (R, F), np.int8)),
        work=_intake_work(state.scratch, F, K),
        support=KSV.Support(family_support=state.family_support,
                            child_support=state.child_support.reshape(R, F, -1),
                            family_contact=state.family_contact,
                            supported_now=state.family_supported_now))
    (state.flows.intake, state.flows.intake_by_referral, state.saturation,
     state.families_supported, state.reach_neediest,
     state.flows.first_supported) = KSV.services_month(rules, inputs, arrays)
    view, caseload = arrays.kind_view, arrays.caseload
    state.kind_capacity = view.capacity
    state.capacity_used = caseload.running.sum(axis=1) / np.maximum(view.capacity_floor.sum(axis=1), 1)
    if state.programmes_active:
        merge_programmes(state)


def merge_programmes(state: State) -> None:
    """Programmes' support joins the services' (sim/interventions/programme.py): a family
    on a programme's caseload counts as supported, its children get the programme's
    input on top of any service's, and the shares of families supported and of the
    neediest tenth reached count it. A family only a programme supports gets no family
    support from services (its rows are cleared: they are read only where supported)."""
    fa = state.families
    only = state.programme_supported & ~state.family_supported_now
    state.family_support[only] = 0.0
    state.child_support[only] = 0.0
    state.family_contact[only] = 0.0
    state.child_support += state.programme_child_support
    state.family_supported_now |= state.programme_supported
    state.families_supported, state.reach_neediest = reach_shares(state.family_supported_now, fa.neediest)
