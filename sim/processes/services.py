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


GATE_CODE = np.array([{"any": KSV.G_ANY, "children": KSV.G_CHILDREN,
                       "young": KSV.G_YOUNG, "teen": KSV.G_TEEN}[O.GATE[k]]
                      for k in O.SERVICE_KINDS], dtype=np.int64)


def kind_view(state: State, lay: O.Layout, params: ModelParams) -> dict[str, np.ndarray]:
    """This month's view of each service kind (KSV.kind_totals): capacity (R, K) and its
    floor, targeting and outreach sharpened by data maturity, referral follow-through
    (R,), the support factor and contact value of its quality, the ties between kinds
    (R, K, K) and each school's ties to each kind (R, schools, K)."""
    og, mods, sp = state.orgs, state.mods, params.services
    R, K = og.capacity.shape[0], lay.membership.shape[1]
    view = {name: np.empty((R, K)) for name in ("capacity", "targeting", "outreach",
                                                "quality_factor", "contact_value")}
    view["cap_floor"] = np.empty((R, K), dtype=np.int64)
    view["follow"] = np.empty(R)
    view["school_to_kind"] = np.zeros((R, max(len(lay.schools), 1), K))
    view["between"] = KSV.kind_totals(
        og.capacity, mods.capacity_add, mods.capacity_mult, og.active, sp.funding, og.quality,
        mods.quality_add, og.alignment, og.targeting, mods.targeting_add, sp.alignment_targeting,
        lay.kind_of, lay.membership, lay.kind_count, state.refresh_strength(), lay.schools,
        state.data_maturity, sp.outreach, sp.referral_follow_through, mods.follow_add,
        state.voice, params.trust.voice_gain, sp.coordination_gain,
        view["capacity"], view["cap_floor"], view["targeting"], view["outreach"], view["follow"],
        view["quality_factor"], view["contact_value"], view["school_to_kind"])
    return view


def _intake_work(scratch, F: int, K: int) -> tuple:
    """The work arrays of KSV.service_intake (see its docstring)."""
    return (scratch.get("intake.feats", (len(O.FEATURES), F)), scratch.get("intake.gates", (4, F), np.bool_),
            scratch.get("intake.need", (F,)), scratch.get("intake.cand", (F,), np.int32),
            scratch.get("intake.idx", (K, F), np.int32), scratch.get("intake.key", (K, F)),
            scratch.get("intake.share", (K, F)))


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    fa, og, ch = state.families, state.orgs, state.children
    params_all, sp = params, params.services
    R, F = fa.deprivation.shape
    K = O.N_SERVICE_KINDS
    lay = state.place.layout
    school_pos = lay.school_pos
    view = kind_view(state, lay, params)

    # Episodes run down (a family still engaged is not a candidate); who is in each family.
    agg = state.scratch.get("services.agg", (R, F, KSV.N_AGG))
    hub_pos = state.scratch.get("services.hub", (R, F), np.int64)
    active_now = np.empty((R, K), dtype=np.int64)
    n_engaged = state.scratch.get("services.n_engaged", (R, F), np.int8)
    KSV.family_aggregates(ch.alive, ch.fam, ch.age, ch.ability, ch.env, ch.school,
                              school_pos, fa.engaged, agg, hub_pos, active_now, n_engaged)

    # Never over capacity: end surplus episodes where capacity fell; count free places.
    cap_floor = view["cap_floor"]
    KSV.service_discharge(fa.engaged, cap_floor, streams.base("services.discharge", month), active_now,
                              n_engaged)
    free = np.maximum(cap_floor - active_now, 0)

    intake = np.zeros((R, K), dtype=np.int64)
    by_referral = np.zeros((R, K))
    KSV.service_intake(agg, fa.home_learning, fa.stress, fa.debt, fa.housing, fa.workless,
                           O.NEED_FEATURE, O.NEED_WEIGHT, GATE_CODE, fa.engaged, view["outreach"],
                           view["targeting"], view["between"], view["school_to_kind"], hub_pos,
                           view["follow"], fa.trust,
                           params.trust.takeup_power, sp.eligibility, free,
                           streams.base("services.intake", month), streams.base("services.priority", month),
                           sp.episode_months, intake, by_referral, n_engaged,
                           *_intake_work(state.scratch, F, K))
    state.flows.intake = intake
    state.flows.intake_by_referral = by_referral

    # Monthly support for families and their children, scaled by quality.
    if not state.child_support.flags.c_contiguous:
        state.child_support = np.ascontiguousarray(state.child_support)
    child_support = state.child_support.reshape(R, F, -1)      # a view: written in place
    summary = np.empty((R, 5))
    # A completed episode adds child_effect SD: the monthly input that achieves it.
    persistence = params_all.development.persistence
    child_input = sp.child_effect / (1.0 - persistence ** sp.episode_months)
    KSV.service_support(fa.engaged, view["quality_factor"], view["contact_value"], O.FAMILY_EFFECT,
                            O.CHILD_EFFECT.reshape(K, -1), sp.family_effect, child_input,
                            agg, fa.neediest, state.family_support, child_support,
                            state.family_contact, state.family_supported_now, fa.ever_supported,
                            summary, n_engaged)
    state.flows.first_supported = summary[:, 4].astype(np.int64)
    state.saturation = summary[:, 0]
    state.families_supported = summary[:, 1]
    state.reach_neediest = summary[:, 2]
    state.kind_capacity = view["capacity"]
    state.capacity_used = (active_now + intake).sum(axis=1) / np.maximum(cap_floor.sum(axis=1), 1)
