"""The services kernels (sim.kernels.services) against the rules in plain NumPy
(sim.processes.services, the *_numpy functions), exactly, on small random states.

Each state has 2-3 replicates, a few families, children and organisations, with the edge
cases drawn in: inactive organisations, kinds with no organisation, places with no
school, families with no children, children at no school or at one outside the place,
ties of strength 0, kinds over capacity and kinds with no free place.
"""
from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from sim import orgs as O
from sim.kernels import services as KSV
from sim.params import ModelParams, Services, Trust
from sim.processes import services
from sim.rng import Streams
from sim.scratch import Scratch

K = O.N_SERVICE_KINDS
SEEDS = range(6)


def _rules(rng, takeup_power: float = 1.0) -> KSV.ServiceRules:
    return KSV.ServiceRules(
        funding=rng.uniform(0.5, 1.5), alignment_targeting=rng.uniform(0, 0.6),
        coordination_gain=rng.uniform(0, 0.6), outreach=rng.uniform(0.1, 3.0),
        referral_follow_through=rng.uniform(0.1, 0.8), eligibility=rng.uniform(0.05, 0.3),
        episode_months=int(rng.integers(2, 9)), family_effect=rng.uniform(0.5, 1.5),
        child_monthly_input=rng.uniform(0.01, 0.1), voice_gain=rng.uniform(0, 0.5),
        takeup_power=takeup_power)


def _kinds(rng, n_schools: int) -> np.ndarray:
    """Every service kind but one at least once (one is left out: a kind with no
    organisation), some twice, the schools and the core team, shuffled."""
    services_ = [k for k in O.SERVICE_KINDS if k != O.SERVICE_KINDS[rng.integers(K)]]
    services_ += list(rng.choice(services_, size=3))
    schools = list(rng.choice(O.SCHOOL_KINDS, size=n_schools))
    kinds = np.array(services_ + schools + [O.Kind.CORE_TEAM], dtype=np.int64)
    return kinds[rng.permutation(len(kinds))]


def _kind_inputs(rng, R: int, n_schools: int):
    lay = O.layout(_kinds(rng, n_schools))
    n = len(lay.kind_of)
    strength = rng.uniform(0, 1, (R, n, n)) * (rng.uniform(0, 1, (R, n, n)) < 0.5)
    strength = np.triu(strength, 1)
    strength = strength + strength.transpose(0, 2, 1)
    providers = KSV.Providers(capacity=rng.uniform(0, 6, (R, n)), active=rng.uniform(0, 1, (R, n)) < 0.8,
                              quality=rng.normal(0, 0.5, (R, n)), alignment=rng.uniform(0, 1, (R, n)),
                              targeting=rng.uniform(0, 1, (R, n)), strength=strength)
    mods = KSV.ProviderModifiers(capacity_add=rng.normal(0, 1, (R, n)), capacity_mult=rng.uniform(0.5, 1.5, (R, n)),
                                 quality_add=rng.normal(0, 0.2, (R, n)), targeting_add=rng.normal(0, 0.3, (R, n)),
                                 follow_add=rng.uniform(0, 0.3, R))
    layout = KSV.KindLayout(kind_of=lay.kind_of, membership=lay.membership,
                            kind_count=lay.kind_count, schools=lay.schools)
    system = KSV.SystemNow(data_maturity=rng.uniform(0, 1, R), voice=rng.uniform(0, 1, R))
    return lay, providers, mods, layout, system


def _compiled_view(rules, providers, mods, layout, system) -> KSV.KindView:
    R = providers.capacity.shape[0]
    view = services.empty_view(R, K, len(layout.schools))
    KSV.kind_totals(rules, providers, mods, layout, system, view)
    return view


MONTHLY = ("capacity", "capacity_floor", "targeting", "outreach", "follow", "quality_factor",
           "contact_value", "between", "school_to_kind")


@pytest.mark.parametrize("seed", SEEDS)
def test_kind_totals_is_the_kind_view_rule(seed):
    rng = np.random.default_rng(seed)
    R = 2 + seed % 2
    _, providers, mods, layout, system = _kind_inputs(rng, R, n_schools=seed % 3)   # 0: no school
    if seed == SEEDS[-1]:                                                             # no ties at all
        providers = providers._replace(strength=np.zeros_like(providers.strength))
    rules = _rules(rng)
    compiled = _compiled_view(rules, providers, mods, layout, system)
    stated = services.kind_view_numpy(rules, providers, mods, layout, system)
    for name in MONTHLY:
        np.testing.assert_array_equal(getattr(compiled, name), getattr(stated, name), err_msg=name)
    assert (compiled.capacity_floor >= 0).all() and (compiled.between.diagonal(0, 1, 2) == 0).all()


def _family_state(rng, R: int, F: int, C: int, lay: O.Layout):
    """Children (some dead, some at no school or at one outside the place, -2), families
    with their circumstances, and running episodes (int8) of some kinds."""
    schools = np.concatenate([lay.schools, [-1, -2]])
    children = KSV.ChildArrays(alive=rng.uniform(0, 1, (R, C)) < 0.7,
                               fam=rng.integers(0, F - 2, (R, C)).astype(np.int32),   # the last two: no children
                               age=rng.integers(0, 228, (R, C)).astype(np.int32),
                               ability=rng.normal(0, 1, (R, C, 3)), env=rng.normal(0, 0.5, (R, C, 3)),
                               school=rng.choice(schools, size=(R, C)).astype(np.int64))
    families = KSV.FamilyArrays(home_learning=rng.normal(-0.5, 1, (R, F)), stress=rng.uniform(0, 1, (R, F)),
                                debt=rng.uniform(0, 1, (R, F)), housing=rng.normal(0, 1, (R, F)),
                                workless=rng.uniform(0, 1, (R, F)) < 0.4, trust=rng.uniform(0, 1, (R, F)),
                                neediest=rng.uniform(0, 1, (R, F)) < 0.2,
                                ever_supported=rng.uniform(0, 1, (R, F)) < 0.3)
    engaged = np.where(rng.uniform(0, 1, (R, F, K)) < 0.25, rng.integers(1, 7, (R, F, K)), 0).astype(np.int8)
    return children, families, engaged


def _compiled_households(children, school_pos, engaged):
    R, F, _ = engaged.shape
    caseload = KSV.Caseload(engaged=engaged.copy(), n_engaged=np.empty((R, F), dtype=np.int8),
                            running=np.empty((R, K), dtype=np.int64))
    households = KSV.Households(*(np.full((R, F), np.nan) for _ in range(5)),
                                hub=np.full((R, F), 99, dtype=np.int64))
    KSV.family_aggregates(children, school_pos, caseload, households)
    return caseload, households


def _assert_records_equal(a, b, names=None):
    for name in names or a._fields:
        x, y = getattr(a, name), getattr(b, name)
        np.testing.assert_array_equal(x, y, err_msg=name)
        assert np.asarray(x).dtype == np.asarray(y).dtype, name


@pytest.mark.parametrize("seed", SEEDS)
def test_family_aggregates_is_the_household_count(seed):
    rng = np.random.default_rng(seed)
    R, F, C = 2 + seed % 2, 9, 20
    lay, *_ = _kind_inputs(rng, R, n_schools=seed % 3)
    children, _, engaged = _family_state(rng, R, F, C, lay)
    compiled = _compiled_households(children, lay.school_pos, engaged)
    stated = services.count_households_numpy(children, lay.school_pos, engaged)
    for a, b in zip(compiled, stated):
        _assert_records_equal(a, b)
    assert (compiled[1].kids[:, F - 2:] == 0).all() and (compiled[1].hub[:, F - 2:] == -1).all()


def _month_inputs(seed: int, F: int = 12, C: int = 24):
    """A month's inputs up to intake: rules, view, families, households and caseload after
    the count-down, and the streams."""
    rng = np.random.default_rng(seed)
    R = 2 + seed % 2
    lay, providers, mods, layout, system = _kind_inputs(rng, R, n_schools=seed % 3)
    rules = _rules(rng, takeup_power=1.0 if seed % 2 else rng.uniform(0.5, 2.0))
    view = _compiled_view(rules, providers, mods, layout, system)
    children, families, engaged = _family_state(rng, R, F, C, lay)
    caseload, households = _compiled_households(children, lay.school_pos, engaged)
    return rules, view, families, households, caseload, Streams(list(range(seed, seed + R)))


def _copy(caseload: KSV.Caseload) -> KSV.Caseload:
    return KSV.Caseload(*(a.copy() for a in caseload))


@pytest.mark.parametrize("seed", SEEDS)
def test_service_discharge_is_the_discharge_rule(seed):
    rules, view, families, households, caseload, streams = _month_inputs(seed)
    R, F, _ = caseload.engaged.shape
    # Capacity falls below the caseload for about half the kinds (a cut, a closure).
    floor = np.where(np.random.default_rng(seed).uniform(0, 1, (R, K)) < 0.5,
                     caseload.running // 2, view.capacity_floor)
    compiled = _copy(caseload)
    KSV.service_discharge(compiled, floor, streams.base("services.discharge", 3))
    stated = services.discharge_numpy(caseload, floor, streams.uniform("services.discharge", 3, (F, K)))
    _assert_records_equal(compiled, stated)
    np.testing.assert_array_equal(compiled.running, np.minimum(caseload.running, floor))
    np.testing.assert_array_equal(compiled.running, (compiled.engaged > 0).sum(axis=1))


@pytest.mark.parametrize("seed", SEEDS)
def test_service_intake_is_the_intake_rule(seed):
    rules, view, families, households, caseload, streams = _month_inputs(seed)
    R, F, _ = caseload.engaged.shape
    # Some kinds full (no free place); in one replicate every kind is.
    floor = view.capacity_floor.copy()
    floor[:, ::3] = caseload.running[:, ::3]
    floor[-1] = np.minimum(floor[-1], caseload.running[-1])
    view = view._replace(capacity_floor=floor)
    compiled = _copy(caseload)
    draws = KSV.IntakeDraws(seek=streams.base("services.intake", 4),
                            priority=streams.base("services.priority", 4))
    work = services._intake_work(Scratch(), F, K)
    intake, by_referral = KSV.service_intake(rules, view, families, households, compiled, draws, work)
    stated, stated_intake, stated_by_referral = services.intake_numpy(
        rules, view, families, households, caseload, streams.uniform("services.intake", 4, (F, K)),
        streams.uniform("services.priority", 4, (F, K)))
    _assert_records_equal(compiled, stated)
    np.testing.assert_array_equal(intake, stated_intake)
    # The kernel adds the referral shares one at a time; NumPy sums more than eight pairwise.
    np.testing.assert_allclose(by_referral, stated_by_referral, rtol=0, atol=1e-12)
    assert (intake[-1] == 0).all() and (intake[:, ::3] == 0).all()
    assert (compiled.running <= np.maximum(floor, caseload.running)).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_intake_is_the_seekers_up_to_the_free_places(seed):
    """Every kind with a free place takes as many seekers as it has places, no more."""
    rules, view, families, households, caseload, streams = _month_inputs(seed, F=40, C=80)
    need = services.need_numpy(view, families, households)
    demand, _, _ = services.demand_numpy(rules, view, families, households, caseload.engaged, need)
    seeks = (services.eligible_numpy(rules, view, households, caseload.engaged, need)
             & (streams.uniform("services.intake", 4, (40, K)) < demand))
    free = np.maximum(view.capacity_floor - caseload.running, 0)
    _, intake, _ = services.intake_numpy(rules, view, families, households, caseload,
                                         streams.uniform("services.intake", 4, (40, K)),
                                         streams.uniform("services.priority", 4, (40, K)))
    np.testing.assert_array_equal(intake, np.where(free > 0, np.minimum(seeks.sum(axis=1), free), 0))


@pytest.mark.parametrize("seed", SEEDS)
def test_service_support_is_the_support_rule(seed):
    rules, view, families, households, caseload, _ = _month_inputs(seed)
    R, F, _ = caseload.engaged.shape
    support = KSV.Support(family_support=np.full((R, F, view.family_effect.shape[1]), np.nan),
                          child_support=np.full((R, F, view.child_effect.shape[1]), np.nan),
                          family_contact=np.full((R, F), np.nan), supported_now=np.zeros((R, F), bool))
    compiled_families = families._replace(ever_supported=families.ever_supported.copy())
    saturation, share, reach, first = KSV.service_support(rules, view, compiled_families, households,
                                                          caseload, support)
    stated, ever, s_saturation, s_share, s_reach, s_first = services.support_numpy(
        rules, view, families, households, caseload)
    now = stated.supported_now
    np.testing.assert_array_equal(support.supported_now, now)
    assert now.any() and not now.all()
    # Support rows are written only for families supported now (readers skip the rest).
    np.testing.assert_array_equal(support.family_support[now], stated.family_support[now])
    np.testing.assert_array_equal(support.child_support[now], stated.child_support[now])
    np.testing.assert_array_equal(support.family_contact, stated.family_contact)
    np.testing.assert_array_equal(compiled_families.ever_supported, ever)
    np.testing.assert_array_equal(share, s_share)
    np.testing.assert_array_equal(reach, s_reach)
    np.testing.assert_array_equal(first, s_first)
    # The kernel adds the families one at a time; NumPy sums more than eight pairwise.
    np.testing.assert_allclose(saturation, s_saturation, rtol=0, atol=1e-12)


def test_rules_record_carries_the_registry_values_by_name():
    params = dataclasses.replace(
        ModelParams(),
        services=Services(**{f.name: 0.11 + 0.01 * i for i, f in enumerate(dataclasses.fields(Services))
                             if f.name != "episode_months"}, episode_months=7),
        trust=dataclasses.replace(Trust(), voice_gain=0.37, takeup_power=1.7))
    rules = services.service_rules(params)
    for name in KSV.ServiceRules._fields:
        if hasattr(params.services, name):
            assert getattr(rules, name) == getattr(params.services, name), name
    assert (rules.voice_gain, rules.takeup_power) == (0.37, 1.7)
    p = params.development.persistence
    assert rules.child_monthly_input == params.services.child_effect / (1 - p ** 7)


def test_step_is_the_month_of_rules(tiny):
    """services.step on a built state gives what the rules, chained, give."""
    params = dataclasses.replace(ModelParams(), services=Services(outreach=2.0))
    state, params, streams = tiny(replicates=3, params=params)
    rng = np.random.default_rng(1)
    fa = state.families
    serving = O.layout(state.orgs.kind).is_service
    state.orgs.capacity[:, serving] = rng.uniform(0.5, 3.0, (3, serving.sum()))   # a few places each
    fa.engaged[:] = np.where(rng.uniform(0, 1, fa.engaged.shape) < 0.2, 3, 0)
    fa.stress[:] = rng.uniform(0, 1, fa.stress.shape)
    fa.trust[:] = rng.uniform(0.5, 1, fa.trust.shape)
    before = copy.deepcopy(state)
    month = 5
    services.step(state, services.service_rules(params), streams, month)

    lay = O.layout(before.orgs.kind)
    R, F = fa.stress.shape
    rules = services.service_rules(params)
    view = services.kind_view_numpy(rules, *services.kind_records(before, lay))
    children, families = services.family_records(before)
    caseload, households = services.count_households_numpy(children, lay.school_pos, before.families.engaged)
    caseload = services.discharge_numpy(caseload, view.capacity_floor,
                                        streams.uniform("services.discharge", month, (F, K)))
    caseload, intake, by_referral = services.intake_numpy(
        rules, view, families, households, caseload, streams.uniform("services.intake", month, (F, K)),
        streams.uniform("services.priority", month, (F, K)))
    support, ever, saturation, share, reach, first = services.support_numpy(
        rules, view, families, households, caseload)

    np.testing.assert_array_equal(state.families.engaged, caseload.engaged)
    np.testing.assert_array_equal(state.flows.intake, intake)
    np.testing.assert_allclose(state.flows.intake_by_referral, by_referral, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(state.kind_capacity, view.capacity)
    now = support.supported_now
    np.testing.assert_array_equal(state.family_supported_now, now)
    np.testing.assert_array_equal(state.family_support[now], support.family_support[now])
    np.testing.assert_array_equal(state.child_support.reshape(R, F, -1)[now], support.child_support[now])
    np.testing.assert_array_equal(state.family_contact, support.family_contact)
    np.testing.assert_array_equal(state.families.ever_supported, ever)
    np.testing.assert_array_equal(state.families_supported, share)
    np.testing.assert_array_equal(state.reach_neediest, reach)
    np.testing.assert_array_equal(state.flows.first_supported, first)
    np.testing.assert_allclose(state.saturation, saturation, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(state.capacity_used,
                                  caseload.running.sum(axis=1) / np.maximum(view.capacity_floor.sum(axis=1), 1))
    assert intake.sum() > 0 and now.any()


def test_records_carry_the_state_arrays_by_name(tiny):
    """The step's records hold the state's arrays under the state's names (a swap at a
    call site would feed one array to the other's rule)."""
    state, _, _ = tiny(replicates=2)
    lay = state.place.layout
    providers, mods, layout, system = services.kind_records(state, lay)
    children, families = services.family_records(state)
    for record, source in ((providers, state.orgs), (mods, state.mods), (children, state.children),
                           (families, state.families), (layout, lay),
                           (system, state)):
        for name in record._fields:
            if name != "strength":
                assert getattr(record, name) is getattr(source, name), name
    np.testing.assert_array_equal(providers.strength, state.orgs.strength())
