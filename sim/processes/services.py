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
Equations: docs/ODD.md, "Services".
"""
from __future__ import annotations

import numpy as np

from sim.kernels import services as KSV
from sim import orgs as O
from sim.params import ModelParams
from sim.rng import Streams
from sim.state import State


# Each kind's gate as its position in KSV.GATES (KindView.gate).
GATE_POSITION = np.array([KSV.GATES.index(O.GATE[k]) for k in O.SERVICE_KINDS], dtype=np.int64)


def service_rules(params: ModelParams) -> KSV.ServiceRules:
    """params.services (and the take-up and voice gains of params.trust) as the kernels'
    record; the monthly child input is the one at which a completed episode adds
    child_effect SD (docs/ODD.md 7.4)."""
    sp = params.services
    persistence = params.development.persistence
    return KSV.ServiceRules(
        funding=float(sp.funding), alignment_targeting=float(sp.alignment_targeting),
        coordination_gain=float(sp.coordination_gain), outreach=float(sp.outreach),
        referral_follow_through=float(sp.referral_follow_through),
        eligibility=float(sp.eligibility), episode_months=int(sp.episode_months),
        family_effect=float(sp.family_effect),
        child_monthly_input=float(sp.child_effect / (1.0 - persistence ** sp.episode_months)),
        voice_gain=float(params.trust.voice_gain), takeup_power=float(params.trust.takeup_power))


def empty_view(R: int, K: int, n_schools: int) -> KSV.KindView:
    """A KindView whose monthly arrays kind_totals fills (school_to_kind stays zero for a
    place with no school), with sim.orgs's per-kind tables."""
    return KSV.KindView(
        capacity=np.empty((R, K)), capacity_floor=np.empty((R, K), dtype=np.int64),
        targeting=np.empty((R, K)), outreach=np.empty((R, K)), follow=np.empty(R),
        quality_factor=np.empty((R, K)), contact_value=np.empty((R, K)),
        between=np.empty((R, K, K)), school_to_kind=np.zeros((R, max(n_schools, 1), K)),
        need_feature=O.NEED_FEATURE, need_weight=O.NEED_WEIGHT, gate=GATE_POSITION,
        family_effect=O.FAMILY_EFFECT, child_effect=O.CHILD_EFFECT.reshape(len(O.SERVICE_KINDS), -1))


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


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    fa = state.families
    R, F = fa.deprivation.shape
    K = O.N_SERVICE_KINDS
    lay = O.layout(state.orgs.kind)
    rules = service_rules(params)
    view = empty_view(R, K, len(lay.schools))
    KSV.kind_totals(rules, *kind_records(state, lay), view)
    children, families = family_records(state)

    # Episodes run down (a family still engaged is not a candidate); who is in each family.
    households = _households(state.scratch, R, F)
    caseload = KSV.Caseload(engaged=fa.engaged, running=np.empty((R, K), dtype=np.int64),
                            n_engaged=state.scratch.get("services.n_engaged", (R, F), np.int8))
    KSV.family_aggregates(children, lay.school_pos, caseload, households)

    # Never over capacity: end surplus episodes where capacity fell.
    KSV.service_discharge(caseload, view.capacity_floor, streams.base("services.discharge", month))

    draws = KSV.IntakeDraws(seek=streams.base("services.intake", month),
                            priority=streams.base("services.priority", month))
    state.flows.intake, state.flows.intake_by_referral = KSV.service_intake(
        rules, view, families, households, caseload, draws, _intake_work(state.scratch, F, K))

    # Monthly support for families and their children, scaled by quality.
    if not state.child_support.flags.c_contiguous:
        state.child_support = np.ascontiguousarray(state.child_support)
    support = KSV.Support(family_support=state.family_support,
                          child_support=state.child_support.reshape(R, F, -1),   # a view: written in place
                          family_contact=state.family_contact,
                          supported_now=state.family_supported_now)
    (state.saturation, state.families_supported, state.reach_neediest,
     state.flows.first_supported) = KSV.service_support(rules, view, families, households, caseload, support)
    state.kind_capacity = view.capacity
    state.capacity_used = caseload.running.sum(axis=1) / np.maximum(view.capacity_floor.sum(axis=1), 1)
