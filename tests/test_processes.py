"""Each monthly process, alone, on a tiny hand-built state with a known answer.

A real state comes from sim.place.build_state for a 40-person place (12 homes, one
school of each level, one service of each kind); the arrays a test is about are then
overwritten with known values and ONE process step is called directly.
"""
from __future__ import annotations

import copy

import dataclasses

import numpy as np
import pytest

from conftest import replace, set_family_ties
from sim import orgs as O
from sim.params import (Demography, Development, Engagement, Families, ModelParams, Norms,
                        Services, Ties, Trust)
from sim.processes import (demography, development, engagement, informal, schools, services,
                           ties)
from sim.outcomes import GROUPS, MILESTONES


def demography_step(state, params, place, streams, month):
    """demography.step with the record the model builds once per run."""
    homes = state.families.deprivation.shape[1]
    demography.step(state, demography.demography_rules(params, place, state.place, homes),
                    params, streams, month)


def _params(**groups) -> ModelParams:
    return dataclasses.replace(ModelParams(), **groups)


def _org(state, kind) -> int:
    return int(np.flatnonzero(state.orgs.kind == kind)[0])


def _only_children(state, slots, ages, fams):
    """Make exactly these child slots alive, with these ages and families (every replicate)."""
    ch = state.children
    ch.alive[:] = False
    ch.school[:] = -1
    ch.alive[:, slots] = True
    ch.age[:, slots] = ages
    ch.fam[:, slots] = fams


# == demography ==============================================================================

@pytest.fixture
def still_place(tiny_place):
    """The tiny place with no moves (births are switched off per test via the state)."""
    return replace(tiny_place, mobility=0.0)


def test_ageing_adds_a_month_and_a_child_reaching_228_months_leaves(tiny, still_place):
    state, params, streams = tiny(replicates=2, place=still_place)
    state.place.births_per_month = 0.0
    _only_children(state, [0, 1, 2, 3], [0, 100, 226, 227], [0, 1, 2, 3])
    demography_step(state, params, still_place, streams, 1)
    ch = state.children
    np.testing.assert_array_equal(ch.age[:, :3], [[1, 101, 227]] * 2)
    np.testing.assert_array_equal(ch.alive[:, :4], [[True, True, True, False]] * 2)
    np.testing.assert_array_equal(state.flows.left_at_19, [1, 1])
    for flow in ("births", "moved_in", "moved_out", "dropped", "evictions", "families_moved"):
        np.testing.assert_array_equal(getattr(state.flows, flow), [0, 0], err_msg=flow)
    demography_step(state, params, still_place, streams, 2)          # 227 -> 228: leaves
    np.testing.assert_array_equal(ch.alive[:, :4], [[True, True, False, False]] * 2)
    np.testing.assert_array_equal(ch.age[:, :2], [[2, 102]] * 2)
    np.testing.assert_array_equal(state.flows.left_at_19, [1, 1])


def test_evicted_family_moves_out_with_its_children_and_a_newcomer_takes_the_home(tiny, still_place):
    state, params, streams = tiny(replicates=1, place=still_place)
    state.place.births_per_month = 0.0
    _only_children(state, [0, 1, 2], [30, 40, 50], [3, 3, 4])
    fa = state.families
    fa.evict_pending[:] = False
    fa.evict_pending[0, 3] = True
    fa.deprivation[0, 3] = 99.0                     # a marker the newcomer will not carry
    fa.engaged[0, 3, :] = 4
    fa.engaged[0, 4, :] = 4
    demography_step(state, params, still_place, streams, 1)
    fl, ch = state.flows, state.children
    assert fl.evictions[0] == 1 and fl.families_moved[0] == 1
    assert fl.moved_out[0] == 2
    assert ch.alive[0, 2] and ch.fam[0, 2] == 4 and ch.age[0, 2] == 51   # the neighbour's child stays
    assert fa.deprivation[0, 3] != 99.0             # a newcomer family was drawn
    assert not fa.evict_pending.any()
    assert (fa.engaged[0, 3] == 0).all()            # the newcomer starts with no services
    assert (fa.engaged[0, 4] == 4).all()            # the neighbours keep theirs
    # the evicted children are gone; whoever else is alive arrived with the newcomers
    assert ch.alive[0].sum() == 1 + fl.moved_in[0]
    arrived = [c for c in np.flatnonzero(ch.alive[0]) if c != 2]
    assert (ch.fam[0, arrived] == 3).all()
    assert all(tuple(x) in set(zip(*map(list, state.new_children))) for x in [(0, c) for c in arrived])
    assert fl.births[0] == 0 and fl.dropped[0] == 0


def test_births_fill_free_slots_and_the_rest_are_dropped(tiny, still_place):
    state, params, streams = tiny(replicates=1, place=still_place)
    F = state.families.deprivation.shape[1]
    C = state.children.alive.shape[1]
    state.place.births_per_month = 2.0 * F           # every home has a baby this month
    _only_children(state, list(range(C - 5)), 10, 0)  # five free slots
    demography_step(state, params, still_place, streams, 1)
    fl, ch = state.flows, state.children
    assert fl.births[0] == 5
    assert fl.dropped[0] == F - 5
    assert ch.alive.all()
    new = np.arange(C - 5, C)
    np.testing.assert_array_equal(ch.age[0, new], 0)
    np.testing.assert_array_equal(ch.school[0, new], -1)
    np.testing.assert_array_equal(ch.env[0, new], 0.0)
    np.testing.assert_array_equal(ch.support_months[0, new], 0)
    assert len(set(ch.fam[0, new].tolist())) == 5     # one baby per home


def test_every_home_with_adults_has_its_baby_when_slots_are_free(tiny, still_place):
    state, params, streams = tiny(replicates=2, place=still_place)
    F = state.families.deprivation.shape[1]
    state.place.births_per_month = 2.0 * F
    _only_children(state, [0], [10], [0])
    demography_step(state, params, still_place, streams, 1)
    np.testing.assert_array_equal(state.flows.births, [F, F])
    np.testing.assert_array_equal(state.flows.dropped, [0, 0])
    np.testing.assert_array_equal(state.children.alive.sum(axis=1), [F + 1, F + 1])


# == schools =================================================================================

def test_children_enrol_at_each_transition_age(tiny):
    params = _params(demography=Demography(early_years_uptake=1.0, post16_participation=0.0))
    state, params, streams = tiny(params=params)
    ey, pri, sec, p16 = (_org(state, k) for k in O.SCHOOL_KINDS)
    _only_children(state, [0, 1, 2, 3, 4, 5], [24, 48, 132, 192, 23, 60], [0, 1, 2, 3, 4, 5])
    state.children.school[0, 5] = pri                # mid-primary: keeps its school
    state.new_children = ()
    schools.step(state, schools.school_rules(params.demography), streams, 1)
    np.testing.assert_array_equal(state.children.school[0, :6], [ey, pri, sec, -1, -1, pri])
    # with full post-16 participation and no early-years take-up
    params = _params(demography=Demography(early_years_uptake=0.0, post16_participation=1.0))
    state.children.school[:] = -1
    schools.step(state, schools.school_rules(params.demography), streams, 2)
    np.testing.assert_array_equal(state.children.school[0, :4], [-1, pri, sec, p16])


def test_newcomers_enrol_at_the_level_for_their_age(tiny):
    state, params, streams = tiny()
    pri, sec = _org(state, O.Kind.PRIMARY), _org(state, O.Kind.SECONDARY)
    _only_children(state, [0, 1, 2], [70, 150, 70], [0, 1, 2])
    state.new_children = (np.array([0, 0]), np.array([0, 1]))   # slot 2 is not new
    schools.step(state, schools.school_rules(params.demography), streams, 3)
    np.testing.assert_array_equal(state.children.school[0, :3], [pri, sec, -1])


def test_no_local_school_of_a_level_means_a_school_outside_the_area(tiny, tiny_place):
    place = replace(tiny_place, primary_schools=0)
    state, params, streams = tiny(place=place)
    _only_children(state, [0], [48], [0])
    schools.step(state, schools.school_rules(params.demography), streams, 1)
    assert state.children.school[0, 0] == schools.OUTSIDE == -2


def test_school_choice_spreads_over_the_schools_of_a_level(tiny, tiny_place):
    place = replace(tiny_place, primary_schools=3, population=400, homes=150)
    state, params, streams = tiny(place=place)
    primaries = np.flatnonzero(state.orgs.kind == O.Kind.PRIMARY)
    C = state.children.alive.shape[1]
    _only_children(state, list(range(C)), 48, 0)
    schools.step(state, schools.school_rules(params.demography), streams, 1)
    chosen = state.children.school[0]
    assert set(chosen.tolist()) == set(primaries.tolist())


# == services ================================================================================

def _services_setup(tiny, capacity: float, replicates: int = 16, needy=range(10), outreach=50.0):
    """Only employment and debt advice has capacity; the listed homes need it badly."""
    params = _params(services=replace(Services(), outreach=outreach))
    state, params, streams = tiny(replicates=replicates, params=params)
    og, fa = state.orgs, state.families
    k = O.SERVICE_KINDS.index(O.Kind.MONEY_ADVICE)
    money = _org(state, O.Kind.MONEY_ADVICE)
    for kind in O.SERVICE_KINDS:
        og.capacity[:, og.kind == kind] = 0.0
    og.capacity[:, money] = capacity
    for e in (og.trust, og.reciprocity, og.empathy, og.equity):   # no referrals, no coordination
        e[:] = 0.0
    state.refresh_strength()
    fa.engaged[:] = 0
    fa.trust[:] = 1.0
    fa.debt[:] = 0.0
    fa.workless[:] = False
    fa.housing[:] = -1.0
    fa.stress[:] = 0.0
    needy = list(needy)
    fa.debt[:, needy] = 1.0
    fa.workless[:, needy] = True
    return state, params, streams, k, needy


def test_service_with_capacity_two_takes_on_at_most_two_of_ten_eligible(tiny):
    state, params, streams, k, needy = _services_setup(tiny, capacity=2.5)
    services.step(state, services.service_rules(params), streams, 1)
    intake = state.flows.intake
    caseload = (state.families.engaged > 0).sum(axis=1)
    assert (intake[:, k] <= 2).all()
    assert (caseload[:, k] <= 2).all()
    np.testing.assert_array_equal(caseload[:, k], intake[:, k])
    assert (intake[:, k] == 2).any()                     # the cap binds, not something else
    others = [i for i in range(O.N_SERVICE_KINDS) if i != k]
    assert (intake[:, others] == 0).all()               # no capacity, no intake
    engaged = state.families.engaged[..., k]
    assert set(np.unique(engaged).tolist()) <= {0, params.services.episode_months}
    not_needy = [f for f in range(engaged.shape[1]) if f not in needy]
    assert (engaged[:, not_needy] == 0).all()            # below eligibility: never served


def test_full_service_takes_no_one_and_episodes_run_down(tiny):
    state, params, streams, k, needy = _services_setup(tiny, capacity=2.5)
    fa = state.families
    fa.engaged[:, 0, k] = 3          # two running episodes fill the service
    fa.engaged[:, 1, k] = 3
    fa.engaged[:, 2, k] = 1          # an episode in its last month ends now
    services.step(state, services.service_rules(params), streams, 1)
    assert (state.flows.intake[:, k] == 0).all()
    np.testing.assert_array_equal(fa.engaged[:, :3, k], [[2, 2, 0]] * fa.engaged.shape[0])


def test_no_capacity_no_intake_and_no_support(tiny):
    state, params, streams, k, needy = _services_setup(tiny, capacity=0.0)
    services.step(state, services.service_rules(params), streams, 1)
    assert (state.flows.intake == 0).all()
    assert not state.family_supported_now.any()
    # Support rows are read only where a family is supported now: whatever an unsupported
    # family's row holds, its month comes out the same.
    stale = copy.deepcopy(state)
    stale.family_support[:] = 99.0
    stale.child_support[:] = 99.0
    informal.step(state, informal.rules(params), streams, 2)
    informal.step(stale, informal.rules(params), streams, 2)
    development.step(state, development.rules(params), development.milestone_rules(state, params),
                     streams, 2)
    development.step(stale, development.rules(params), development.milestone_rules(stale, params),
                     streams, 2)
    for name in ("stress", "debt", "home_learning", "workless", "evict_pending"):
        np.testing.assert_array_equal(getattr(stale.families, name), getattr(state.families, name))
    np.testing.assert_array_equal(stale.children.env, state.children.env)


def test_equally_needy_families_have_equal_chances_whatever_their_home(tiny):
    state, params, streams, k, needy = _services_setup(tiny, capacity=2.5, replicates=1000)
    services.step(state, services.service_rules(params), streams, 1)
    taken = (state.families.engaged[..., k] > 0).mean(axis=0)[needy]
    first, last = taken[:5].mean(), taken[5:].mean()
    assert last > 0.8 * first, f"homes 0-4: {first:.3f}, homes 5-9: {last:.3f}"


def test_free_places_are_filled_when_demand_far_exceeds_them(tiny):
    state, params, streams, k, needy = _services_setup(tiny, capacity=2.5, replicates=400)
    services.step(state, services.service_rules(params), streams, 1)
    assert state.flows.intake[:, k].mean() >= 1.9


def test_caseload_stays_within_capacity_when_capacity_falls(tiny):
    state, params, streams, k, needy = _services_setup(tiny, capacity=4.5, replicates=2)
    fa = state.families
    fa.engaged[:, :4, k] = params.services.episode_months     # full at 4
    money = _org(state, O.Kind.MONEY_ADVICE)
    state.orgs.capacity[:, money] = 2.5                       # capacity falls to 2
    services.step(state, services.service_rules(params), streams, 1)
    caseload = (fa.engaged[..., k] > 0).sum(axis=1)
    assert (caseload <= np.floor(state.kind_capacity[:, k])).all()


# == families ================================================================================

def test_arrears_build_when_workless_and_are_repaid_in_work(tiny):
    fp = replace(Families(), job_finding=0.0, debt_build=0.03, debt_repay=0.02)
    state, params, streams = tiny(params=_params(families=fp))
    fa = state.families
    state.family_support[:] = 0.0
    fa.housing[:] = 0.0
    fa.debt[:] = 0.5
    fa.workless[:] = False
    fa.workless[0, :6] = True
    informal.step(state, informal.rules(params), streams, 1)
    np.testing.assert_array_equal(fa.workless[0, :6], True)       # no one finds or loses work
    np.testing.assert_array_equal(fa.workless[0, 6:], False)
    np.testing.assert_allclose(fa.debt[0, :6], 0.53, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fa.debt[0, 6:], 0.48, rtol=0, atol=1e-12)


def test_eviction_follows_arrears(tiny):
    fp = replace(Families(), job_finding=0.0, eviction_rate=1e6)
    state, params, streams = tiny(params=_params(families=fp))
    fa = state.families
    state.family_support[:] = 0.0
    fa.housing[:] = 0.0
    fa.workless[:] = True
    fa.debt[:] = 0.0
    fa.workless[0, :4] = False                     # working, no arrears: stays at 0
    fa.debt[0, 4:] = 1.0                           # workless at full arrears
    informal.step(state, informal.rules(params), streams, 1)
    np.testing.assert_array_equal(fa.evict_pending[0, :4], False)
    np.testing.assert_array_equal(fa.evict_pending[0, 4:], True)


def test_informal_support_buffers_stress(tiny):
    """Two identical families: the one with calm neighbours has a lower stress target,
    unless informal_buffer is 0."""
    state, params, streams = tiny()
    set_family_ties(state, [(0, 2), (0, 3), (0, 4), (0, 5)])   # home 1 is isolated
    fa = state.families
    for name in ("deprivation", "housing", "debt", "home_learning"):
        getattr(fa, name)[:] = 0.0
    for name in ("workless", "no_qualifications", "poor_health", "norm"):
        getattr(fa, name)[:] = False
    fa.stress[:] = 0.2
    state.family_support[:] = 0.0
    start = copy.deepcopy(state)
    informal.settle_families(state, params, rounds=1)     # one round: stress <- its target
    support, target = fa.informal_support, fa.stress
    assert support[0, 0] > 0 and support[0, 1] == 0
    assert target[0, 0] < target[0, 1]
    no_buffer = _params(families=replace(Families(), informal_buffer=0.0))
    informal.settle_families(start, no_buffer, rounds=1)
    target0 = start.families.stress
    assert target0[0, 0] == pytest.approx(target0[0, 1], abs=1e-15)


# == trust ===================================================================================

EDGES = [(0, 1), (0, 2), (3, 4), (5, 6), (6, 7), (7, 8), (9, 10), (10, 11)]


def _neighbours(F, edges):
    nb = {f: [] for f in range(F)}
    for a, b in edges:
        nb[a].append(b)
        nb[b].append(a)
    return nb


def test_trust_moves_toward_neighbours_mean_by_exactly_the_spread_rate(tiny):
    params = _params(trust=replace(Trust(), contact_gain=0.0, relapse=0.0, spread=0.05))
    state, params, streams = tiny(replicates=2, params=params)
    set_family_ties(state, EDGES)
    F = state.families.trust.shape[1]
    start = np.linspace(0.05, 0.95, F)
    state.families.trust[:] = start
    state.family_contact[:] = 0.0
    informal.step(state, informal.rules(params), streams, 1)
    nb = _neighbours(F, EDGES)
    expected = np.array([start[f] + 0.05 * (np.mean(start[nb[f]]) - start[f]) for f in range(F)])
    np.testing.assert_allclose(state.families.trust, [expected, expected], rtol=0, atol=1e-12)


def test_good_contacts_raise_trust_and_relapse_pulls_it_back(tiny):
    params = _params(trust=replace(Trust(), contact_gain=0.1, relapse=0.0, spread=0.0))
    state, params, streams = tiny(params=params)
    fa = state.families
    fa.trust[:] = 0.5
    state.family_contact[:] = 0.0
    state.family_contact[0, 0] = 0.9
    informal.step(state, informal.rules(params), streams, 1)
    assert fa.trust[0, 0] == pytest.approx(0.54, abs=1e-12)
    np.testing.assert_allclose(fa.trust[0, 1:], 0.5, rtol=0, atol=1e-12)
    params = _params(trust=replace(Trust(), contact_gain=0.0, relapse=0.1, spread=0.0))
    state.place.starting_trust[:] = 0.3
    fa.trust[:] = 0.5
    informal.step(state, informal.rules(params), streams, 1)
    np.testing.assert_allclose(fa.trust[0], 0.48, rtol=0, atol=1e-12)


def test_isolated_family_trust_is_not_pulled_toward_zero(tiny):
    params = _params(trust=replace(Trust(), contact_gain=0.0, relapse=0.0, spread=0.05))
    state, params, streams = tiny(params=params)
    set_family_ties(state, [(0, 1)])                 # homes 2.. have no ties
    state.families.trust[:] = 0.6
    state.family_contact[:] = 0.0
    informal.step(state, informal.rules(params), streams, 1)
    np.testing.assert_allclose(state.families.trust[0, 2:], 0.6, rtol=0, atol=1e-12)


# == norms ===================================================================================

@pytest.fixture
def norm_state(tiny, tiny_place):
    place = replace(tiny_place, population=60, homes=20)

    def make(**norm_params):
        # The threshold rule alone: peers pull in at once, no lapse, no spontaneous
        # take-up, no stress cost, the view is the ties' share (ODD 7.7).
        params = _params(norms=replace(Norms(), saturation_lowering=0.4, adoption_rate=1.0,
                                       lapse=0.0, spontaneous=0.0, stress_cost=0.0,
                                       place_weight=0.0, **norm_params))
        state, params, streams = tiny(place=place, params=params)
        set_family_ties(state, [(0, 1), (0, 2), (0, 3),          # A: all ties hold it
                                (4, 5), (4, 6), (4, 7),          # B: one of three
                                (8, 9), (8, 10),                 # C: adopter at 1/2
                                (11, 12), (11, 13),              # D: adopter at 0/2
                                (14, 15), (14, 16)])             # E: 1/2, for saturation
        fa = state.families
        fa.norm[:] = False
        fa.norm[0, [1, 2, 3, 5, 9, 8, 11, 15]] = True
        fa.norm_threshold[:] = 0.9
        fa.norm_threshold[0, [0, 4, 8, 11, 14]] = [0.7, 0.5, 0.55, 0.55, 0.7]
        state.saturation[:] = 0.0
        state.voice[:] = 0.0
        return state, params, streams

    return make


def test_complex_contagion_adoption_and_hysteresis(norm_state):
    state, params, streams = norm_state(abandon=1.0, hysteresis=0.1)
    informal.step(state, informal.rules(params), streams, 1)
    fa = state.families
    assert fa.norm[0, 0]            # A: 3/3 >= 0.7, adopts
    assert not fa.norm[0, 4]        # B: 1/3 < 0.5, does not
    assert fa.norm[0, 8]            # C: 1/2 below 0.55 but above 0.55 - 0.1: keeps it
    assert not fa.norm[0, 11]       # D: 0/2 < 0.45 and abandon=1: gives it up
    assert not fa.norm[0, 14]       # E: 1/2 < 0.7 without saturation
    np.testing.assert_allclose(state.local_norm[0, [0, 4, 8, 11, 14]], [1.0, 1 / 3, 0.5, 0.0, 0.5])


def test_adopter_keeps_the_norm_when_abandon_is_zero(norm_state):
    state, params, streams = norm_state(abandon=0.0, hysteresis=0.1)
    informal.step(state, informal.rules(params), streams, 1)
    assert state.families.norm[0, 11]


def test_saturation_lowers_the_adoption_threshold(norm_state):
    state, params, streams = norm_state(abandon=0.0, hysteresis=0.1)
    state.saturation[:] = 0.5       # threshold 0.7 - 0.4 * 0.5 = 0.5 <= 1/2
    informal.step(state, informal.rules(params), streams, 1)
    fa = state.families
    assert fa.norm[0, 14]           # E: 1/2 >= 0.7 - 0.2
    assert fa.norm[0, 4]            # B: 1/3 >= 0.5 - 0.2
    assert not fa.norm[0, 16]       # tied only to a non-adopter: 0 < 0.9 - 0.2


# == organisation ties =======================================================================

QUIET_TIES = dict(ordinary_work=0.0, shared_case_work=0.0, cluster_work=0.0, embeddedness=0.0,
                  competition=0.0, turnover=0.0, champion_emergence=0.0, formation=0.0,
                  closure=0.0, decay=0.025, removal=0.1, network_work=0.0)


def _set_tie(og, i, j, value):
    for e in (og.trust, og.reciprocity, og.empathy, og.equity):
        e[:, i, j] = e[:, j, i] = value


def _ties_state(tiny, **changes):
    params = _params(ties=replace(Ties(), **{**QUIET_TIES, **changes}))
    state, params, streams = tiny(replicates=2, params=params)
    og = state.orgs
    for e in (og.trust, og.reciprocity, og.empathy, og.equity, og.legacy):
        e[:] = 0.0
    og.hardwired[:] = 0.0
    og.champion[:] = False
    state.cluster_work[:] = 0.0
    state.joint_extra[:] = 0.0
    state.introductions[:] = 0.0
    return state, params, streams


def test_without_joint_work_tie_elements_decay_by_exactly_one_minus_decay(tiny):
    state, params, streams = _ties_state(tiny)
    og = state.orgs
    _set_tie(og, 0, 1, 0.5)
    _set_tie(og, 2, 3, 0.105)
    for month in range(1, 4):
        ties.step(state, ties.tie_rules(params.ties), streams, month)
        for e in (og.trust, og.reciprocity, og.empathy, og.equity):
            np.testing.assert_allclose(e[:, 0, 1], 0.5 * 0.975 ** month, rtol=1e-12)
            np.testing.assert_allclose(e[:, 1, 0], 0.5 * 0.975 ** month, rtol=1e-12)
        if month == 1:
            # 0.105 * 0.975 = 0.102 is still above the removal floor of 0.1
            np.testing.assert_allclose(og.trust[:, 2, 3], 0.105 * 0.975, rtol=1e-12)
        else:
            # 0.0998 fell below it: the tie is dropped (all four elements)
            for e in (og.trust, og.reciprocity, og.empathy, og.equity):
                assert (e[:, 2, 3] == 0).all() and (e[:, 3, 2] == 0).all()
    assert state.flows.ties_lost is not None
    # no tie formed anywhere else
    tied = og.strength() > 0
    expected = np.zeros_like(tied)
    expected[:, 0, 1] = expected[:, 1, 0] = True
    np.testing.assert_array_equal(tied, expected)


def test_ties_of_inactive_organisations_are_removed(tiny):
    state, params, streams = _ties_state(tiny, decay=0.0)
    og = state.orgs
    _set_tie(og, 0, 1, 0.5)          # both active: kept
    _set_tie(og, 4, 5, 0.5)          # both inactive: removed
    _set_tie(og, 6, 7, 0.5)          # one end inactive: removed
    og.active[:, [4, 5, 7]] = False
    ties.step(state, ties.tie_rules(params.ties), streams, 1)
    s = og.strength()
    assert (s[:, 0, 1] == 0.5).all()
    assert (s[:, 4, 5] == 0).all() and (s[:, 5, 4] == 0).all()
    assert (s[:, 6, 7] == 0).all() and (s[:, 7, 6] == 0).all()
    np.testing.assert_array_equal(state.flows.ties_lost, [2, 2])


def test_competition_spares_the_neutral_core_team(tiny):
    state, params, streams = _ties_state(tiny, decay=0.0, competition=0.1)
    og = state.orgs
    core = _org(state, O.Kind.CORE_TEAM)
    og.active[:, core] = True
    _set_tie(og, 0, 1, 0.5)
    _set_tie(og, 0, core, 0.5)
    ties.step(state, ties.tie_rules(params.ties), streams, 1)
    np.testing.assert_allclose(og.trust[:, 0, 1], 0.45, rtol=1e-12)
    np.testing.assert_allclose(og.trust[:, 0, core], 0.5, rtol=1e-12)


def test_a_leaving_champion_takes_the_personal_share_unless_hardwired(tiny):
    state, params, streams = _ties_state(tiny, decay=0.0, turnover=24.0, personal_share=0.5)
    og = state.orgs
    og.champion[:, [0, 1, 4, 5]] = True
    og.hardwired[:, [4, 5]] = 1.0
    _set_tie(og, 0, 1, 0.6)
    _set_tie(og, 2, 3, 0.6)          # no champions: untouched
    _set_tie(og, 4, 5, 0.6)          # champions leave, but the tie is hardwired
    ties.step(state, ties.tie_rules(params.ties), streams, 1)
    assert not og.champion[:, [0, 1, 4, 5]].any()
    np.testing.assert_array_equal(state.flows.champions_lost, [4, 4])
    np.testing.assert_allclose(og.trust[:, 0, 1], 0.3, rtol=1e-12)
    np.testing.assert_allclose(og.empathy[:, 0, 1], 0.3, rtol=1e-12)
    np.testing.assert_allclose(og.reciprocity[:, 0, 1], 0.6, rtol=1e-12)
    np.testing.assert_allclose(og.equity[:, 0, 1], 0.6, rtol=1e-12)
    for e in (og.trust, og.reciprocity, og.empathy, og.equity):
        np.testing.assert_allclose(e[:, 2, 3], 0.6, rtol=1e-12)
        np.testing.assert_allclose(e[:, 4, 5], 0.6, rtol=1e-12)


def test_joint_work_strengthens_a_tie_and_stops_its_decay(tiny):
    state, params, streams = _ties_state(tiny, joint_work_gain=0.06)
    og = state.orgs
    _set_tie(og, 0, 1, 0.4)
    _set_tie(og, 2, 3, 0.4)
    state.joint_extra[:, 0, 1] = state.joint_extra[:, 1, 0] = 1.0
    ties.step(state, ties.tie_rules(params.ties), streams, 1)
    for e in (og.trust, og.reciprocity, og.empathy):
        np.testing.assert_allclose(e[:, 0, 1], 0.4 + 0.06 * 0.6, rtol=1e-12)
    np.testing.assert_allclose(og.trust[:, 2, 3], 0.4 * 0.975, rtol=1e-12)


# == engagement ==============================================================================

def test_engagement_relaxes_toward_its_target_and_alignment_erodes_unless_hardwired(tiny):
    ep = replace(Engagement(), base=0.15, need_motivation=0.1, culture=0.5, rate=0.05,
                 progress_gain=1.5, alignment_rate=0.02)
    state, params, streams = tiny(replicates=2, params=_params(engagement=ep))
    og = state.orgs
    for e in (og.trust, og.reciprocity, og.empathy, og.equity, og.legacy):
        e[:] = 0.0                                  # no relationship capital, no momentum
    state.refresh_strength()
    state.strength_history.clear()
    state.progress[:] = 0.0
    state.place.area_z[:] = [1.0, -1.0]
    state.place.partnership = 0.2
    og.engagement[:] = 0.5
    og.alignment[:] = 0.4
    og.hardwired[:] = 0.0
    og.hardwired[:, 1] = 1.0
    og.active[:, 2] = False
    core = _org(state, O.Kind.CORE_TEAM)
    engagement.step(state, engagement.engagement_rules(params, state.place.partnership))
    target = np.array([0.15 + 0.1 + 0.1, 0.15 - 0.1 + 0.1])       # 0.35, 0.15
    expected = 0.5 + 0.05 * (target - 0.5)
    np.testing.assert_allclose(og.engagement[:, 0], expected, rtol=1e-12)
    assert (og.engagement[:, 2] == 0).all()                          # inactive
    np.testing.assert_allclose(og.alignment[:, 0], 0.4 * (1 - 0.1 * 0.02), rtol=1e-12)
    np.testing.assert_allclose(og.alignment[:, 1], 0.4, rtol=1e-12)  # hardwired: no erosion
    np.testing.assert_array_equal(og.alignment[:, core], og.active[:, core].astype(float))


def test_visible_progress_raises_engagement(tiny):
    """Two identical places; the one whose partners see progress engages more."""
    after = []
    for progress in (0.0, 0.5):
        state, params, streams = tiny()
        state.orgs.engagement[:] = 0.2
        state.strength_history.clear()
        state.progress[:] = progress
        engagement.step(state, engagement.engagement_rules(params, state.place.partnership))
        after.append(state.orgs.engagement[0].copy())
        members = state.orgs.active[0] & ~state.orgs.neutral
    assert (after[1][members] > after[0][members]).all()
    # by exactly rate x progress_gain x progress where neither target is clipped at 1
    ep = params.engagement
    gap = after[1][members] - after[0][members]
    assert gap.max() <= ep.rate * ep.progress_gain * 0.5 + 1e-12


# == development =============================================================================

NO_INPUTS = {f: 0.0 for f in ("deprivation_effect", "qualification_effect", "workless_effect",
                              "home_learning_effect", "school_effect", "neighbourhood_effect",
                              "stress_effect", "cross_domain", "health_poor_effect",
                              "health_deprivation_effect", "housing_effect",
                              "informal_support_effect", "barrier_strength", "school_day_value",
                              "complementarity", "health_stress_effect", "health_housing_effect")}


def test_env_moves_to_p_env_plus_one_minus_p_input_without_noise(tiny):
    p = 0.9
    dev = replace(Development(), persistence=p, noise_sd=0.0, **NO_INPUTS)
    state, params, streams = tiny(replicates=2, params=_params(development=dev))
    ch = state.children
    support = np.array([0.4, -0.2, 0.1])            # learning, health, wellbeing input
    state.child_support[:] = support                # every family, every age band
    state.family_supported_now[:] = True            # as services leave it when they support
    ch.env[:] = np.array([1.0, 0.5, -0.5])
    for month in (1, 2):
        before = ch.env.copy()
        development.step(state, development.rules(params), development.milestone_rules(state, params),
                         streams, month)
        expected = p * before + (1 - p) * support
        np.testing.assert_allclose(ch.env[ch.alive], expected[ch.alive], rtol=0, atol=1e-12)


def _two_children(tiny, cross_domain):
    """Two 7-year-olds in the same family and school, one with a health deficit."""
    dev = replace(Development(), cross_domain=cross_domain, noise_sd=0.0, barrier_strength=0.0,
                  complementarity=0.0)
    state, params, streams = tiny(params=_params(development=dev))
    ch = state.children
    _only_children(state, [0, 1], [84, 84], [0, 0])
    ch.school[0, [0, 1]] = _org(state, O.Kind.PRIMARY)
    ch.ability[0, [0, 1]] = 0.0
    ch.env[0, [0, 1]] = 0.0
    ch.ability[0, 1, 1] = -2.0          # child 1: health 2 SD below the mean
    state.child_support[:] = 0.0
    return state, params, streams


def test_without_cross_domain_a_health_deficit_leaves_the_learning_input_unchanged(tiny):
    state, params, streams = _two_children(tiny, cross_domain=0.0)
    x = development.inputs(state, params)
    assert x[0, 0, 0] == pytest.approx(x[0, 1, 0], abs=1e-15)
    state.child_support[0, 0, 1, 0] = 0.5           # learning support for the family
    state.family_supported_now[0, 0] = True
    x = development.inputs(state, params)
    assert x[0, 0, 0] == pytest.approx(x[0, 1, 0], abs=1e-15)


def test_with_cross_domain_a_health_deficit_lowers_learning_and_what_support_achieves(tiny):
    c = 0.25
    state, params, streams = _two_children(tiny, cross_domain=c)
    x = development.inputs(state, params)
    deficit = 0.5 * (2.0 + 0.0)                     # mean of the health and wellbeing deficits
    assert x[0, 0, 0] - x[0, 1, 0] == pytest.approx(c * deficit, abs=1e-12)
    # learning support achieves less for the child with the deficit: cumulative effects
    gain_ok, gain_deficit = x[0, 0, 0], x[0, 1, 0]
    state.child_support[0, 0, 1, 0] = 0.5           # learning support for the family
    state.family_supported_now[0, 0] = True
    y = development.inputs(state, params)
    assert y[0, 0, 0] - gain_ok == pytest.approx(0.5, abs=1e-12)
    assert y[0, 1, 0] - gain_deficit == pytest.approx(0.5 * (1 - c * deficit), abs=1e-12)
    # and over months the learning scores part
    development.step(state, development.rules(params), development.milestone_rules(state, params),
                     streams, 1)
    assert state.children.env[0, 1, 0] < state.children.env[0, 0, 0]


def _barrier_pair(tiny, **development_values):
    """Two 7-year-olds in one family and school (value added 0.4), the second with a
    chronic condition (health ability below the cut); nothing else differs."""
    dev = replace(Development(), noise_sd=0.0, cross_domain=0.0, complementarity=0.0,
                  crisis_stress=0.99, **development_values)
    state, params, streams = tiny(params=_params(development=dev))
    _only_children(state, [0, 1], [84, 84], [0, 0])
    school = _org(state, O.Kind.PRIMARY)
    state.children.school[0, [0, 1]] = school
    state.orgs.quality[0, school] = 0.4
    state.children.ability[0, [0, 1]] = 0.0
    state.children.env[0, [0, 1]] = 0.0
    state.children.ability[0, 1, 1] = development.rules(params).chronic_cut - 0.1
    state.families.engaged[:] = 0
    state.families.stress[:] = 0.0
    return state, params, streams


def test_an_unmanaged_barrier_takes_its_share_of_school_and_care_restores_it(tiny):
    b, day = 0.3, 0.2
    state, params, streams = _barrier_pair(tiny, barrier_strength=b, school_day_value=day)
    x = development.inputs(state, params)
    school_gain = params.development.school_effect * 0.4
    assert x[0, 0, 0] - x[0, 1, 0] == pytest.approx(b * (school_gain + day), abs=1e-12)
    # The family's GP manages the condition: the child learns as the other does.
    state.families.engaged[0, 0, development.HEALTH_CARE_KINDS[0]] = 5
    x = development.inputs(state, params)
    assert x[0, 0, 0] == pytest.approx(x[0, 1, 0], abs=1e-15)
    # So does care at school (a Promise Academy's on-site health care).
    state.families.engaged[:] = 0
    state.n_programmes = 1                              # a programme gives per-child care
    state.child_care[0, 1] = True
    x = development.inputs(state, params)
    assert x[0, 0, 0] == pytest.approx(x[0, 1, 0], abs=1e-15)


def test_without_barrier_strength_a_chronic_condition_costs_no_learning(tiny):
    state, params, streams = _barrier_pair(tiny, barrier_strength=0.0, school_day_value=0.3)
    x = development.inputs(state, params)
    assert x[0, 0, 0] == pytest.approx(x[0, 1, 0], abs=1e-15)


def test_a_crisis_at_home_is_a_barrier_that_family_support_manages(tiny):
    state, params, streams = _barrier_pair(tiny, barrier_strength=0.3, school_day_value=0.2)
    state.children.ability[0, 1, 1] = 0.0               # no chronic condition
    fam_b = 1
    state.children.fam[0, 1] = fam_b
    state.families.stress[0, fam_b] = 0.995            # above crisis_stress
    x = development.inputs(state, params)
    state.families.engaged[0, fam_b, development.CRISIS_SUPPORT_KINDS[0]] = 3
    y = development.inputs(state, params)
    school_gain = params.development.school_effect * 0.4
    assert y[0, 1, 0] - x[0, 1, 0] == pytest.approx(0.3 * (school_gain + 0.2), abs=1e-12)


def test_complementarity_raises_the_return_to_school_for_children_who_learned_more(tiny):
    state, params, streams = _barrier_pair(tiny, barrier_strength=0.0, school_day_value=0.0)
    state.children.ability[0, 1, 1] = 0.0
    state.children.env[0, 0, 0] = 1.0                   # child 0 has learned 1 SD more
    flat = development.inputs(state, params)
    comp = 0.2
    params = _params(development=replace(params.development, complementarity=comp))
    x = development.inputs(state, params)
    school_gain = params.development.school_effect * 0.4
    assert x[0, 0, 0] - flat[0, 0, 0] == pytest.approx(comp * 1.0 * school_gain, abs=1e-12)
    assert x[0, 1, 0] == pytest.approx(flat[0, 1, 0], abs=1e-15)


def test_milestones_count_who_passes_the_threshold_at_the_assessment_age(tiny):
    p = 0.9
    dev = replace(Development(), persistence=p, noise_sd=0.0, **NO_INPUTS)
    state, params, streams = tiny(params=_params(development=dev))
    ch, fa = state.children, state.families
    _only_children(state, [0, 1, 2], [60, 60, 61], [0, 1, 2])
    state.child_support[:] = 0.0
    ch.env[0] = 0.0
    ch.ability[0, :3] = 0.0
    ch.ability[0, 0, 0] = 1.0          # above the EYFS threshold
    ch.ability[0, 1, 0] = -1.0         # below it
    ch.ability[0, 2, 0] = 1.0          # one month too old: not assessed
    ch.ability[0, :3, 1] = 1.0         # all free of decay
    fa.in_need[:] = False
    fa.in_need[0, 0] = True
    development.step(state, development.rules(params), development.milestone_rules(state, params),
                     streams, 1)
    counts = state.flows.milestone_counts[0]
    eyfs, decay = MILESTONES.index("eyfs_gld"), MILESTONES.index("decay_free5")
    everyone, need = GROUPS.index("all"), GROUPS.index("in_need")
    np.testing.assert_array_equal(counts[eyfs, everyone], [1, 2])
    np.testing.assert_array_equal(counts[eyfs, need], [1, 1])
    np.testing.assert_array_equal(counts[decay, everyone], [2, 2])
    others = [i for i, m in enumerate(MILESTONES) if m not in ("eyfs_gld", "decay_free5")]
    assert (counts[others] == 0).all()


def test_exclusions_only_in_school_and_admissions_only_from_age_10(tiny):
    from sim.params import Milestones

    state, params, streams = tiny()
    ch = state.children
    pri, sec, ey = (_org(state, k) for k in (O.Kind.PRIMARY, O.Kind.SECONDARY, O.Kind.EARLY_YEARS))
    _only_children(state, [0, 1, 2, 3, 4], [30, 80, 150, 150, 100], [0, 1, 2, 3, 4])
    ch.school[0, :5] = [ey, pri, sec, -1, pri]
    certain = dataclasses.replace(params, milestones=replace(Milestones(), exclusion_rate=1e9, admission_rate=0.0))
    development.step(state, development.rules(certain), development.milestone_rules(state, certain),
                     streams, 1)
    assert state.flows.exclusions[0] == 3           # primary x2 and secondary; not EY, not out of school
    assert state.flows.admissions[0] == 0
    never = dataclasses.replace(params, milestones=replace(Milestones(), exclusion_rate=0.0, admission_rate=1e9))
    development.step(state, development.rules(never), development.milestone_rules(state, never),
                     streams, 2)
    assert state.flows.exclusions[0] == 0
    assert state.flows.admissions[0] == 2           # the two aged 150 months (>= 120)


# == initialisation (sim.place.build_state) ==================================================

PRESETS = ("england_average", "pembury", "smallshaw_hurst", "synthetic", "wallsend")


@pytest.mark.parametrize("preset", PRESETS)
def test_the_built_place_matches_its_preset(preset):
    from configs.compose import compose_run_config
    from sim.place import build_state
    from sim.rng import Streams

    r = compose_run_config([f"place={preset}"])
    pl = r.place
    state = build_state(pl, r.model, r.england, Streams([0, 1]))
    ch, fa, og = state.children, state.families, state.orgs
    assert fa.deprivation.shape == (2, pl.homes)
    np.testing.assert_array_equal(ch.alive.sum(axis=1), round(pl.population * pl.child_share))
    population = ch.alive.sum(axis=1) + fa.adults.sum(axis=1)
    assert (np.abs(population - pl.population) <= 0.03 * pl.population).all(), population
    counts = {k: int((og.kind == k).sum()) for k in O.Kind}
    assert counts[O.Kind.EARLY_YEARS] == pl.early_years_settings
    assert counts[O.Kind.PRIMARY] == pl.primary_schools
    assert counts[O.Kind.SECONDARY] == pl.secondary_schools
    assert counts[O.Kind.POST16] == pl.post16_colleges
    assert counts[O.Kind.CORE_TEAM] == 1
    assert all(counts[k] >= 1 for k in O.SERVICE_KINDS)
    core = og.kind == O.Kind.CORE_TEAM
    assert not og.active[:, core].any() and og.active[:, ~core].all()   # no core team yet
    ages = ch.age[ch.alive]
    assert ages.min() >= 0 and ages.max() < 228


def test_share_in_need_places_the_family_distribution():
    from configs.compose import compose_run_config
    from sim.place import build_state
    from sim.rng import Streams

    r = compose_run_config(["place=wallsend"])
    state = build_state(r.place, r.model, r.england, Streams([0, 1]))
    assert state.families.in_need.mean() == pytest.approx(r.place.share_in_need, abs=0.01)


def test_in_need_share_of_an_england_average_place_follows_the_need_cut():
    """At the England mean of every indicator the family deprivation is N(0, sd), so the
    share above need_cut is 1 - Phi(need_cut / within_area_sd) (ODD, Initialisation)."""
    from scipy.stats import norm

    from configs.compose import compose_run_config
    from sim.place import build_state
    from sim.rng import Streams

    r = compose_run_config(["place=england_average"])
    state = build_state(r.place, r.model, r.england, Streams(list(range(8))))
    fp = r.model.families
    expected = 1 - norm.cdf(fp.need_cut / fp.within_area_sd)
    assert state.families.in_need.mean() == pytest.approx(expected, abs=0.015)
