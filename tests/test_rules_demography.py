"""The compiled demography kernels against their readable statement
(sim/processes/demography.py, *_numpy) on small random states: every output equal."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.kernels import demography as KD
from sim.processes import demography as dem

R, F, C = 3, 6, 10


def random_state(rng, leave_age=228):
    """Children of every age (some about to leave), empty slots (none free in replicate
    1, so requests there are dropped), evictions due, homes without adults."""
    alive = rng.random((R, C)) < 0.6
    alive[1] = True
    age = rng.integers(0, leave_age, (R, C)).astype(np.int32)
    age[:, 0] = leave_age - 1
    rules = KD.DemographyRules(leave_age_months=leave_age, monthly_move_chance=0.35,
                               monthly_birth_chance=0.3,
                               arrival_cdf=dem._arrival_cdf(1.5, dem.MAX_ARRIVING_CHILDREN))
    children = KD.ChildSlots(
        alive=alive, age=age, fam=rng.integers(0, F, (R, C)).astype(np.int32),
        school=rng.integers(-1, 4, (R, C)).astype(np.int32),
        support_months=rng.integers(0, 9, (R, C)).astype(np.int32),
        support_domains=rng.integers(0, 8, (R, C)).astype(np.int8),
        env=rng.normal(0, 1, (R, C, 3)))
    homes = KD.Homes(evict_pending=rng.random((R, F)) < 0.2, moving=np.zeros((R, F), dtype=bool),
                     adults=rng.integers(0, 3, (R, F)).astype(np.int32))
    draws = KD.DemographyDraws(
        families=rng.integers(0, 2**63, R, dtype=np.uint64),
        arrivals=rng.integers(0, 2**63, R, dtype=np.uint64),
        arrival_ages=rng.integers(0, 2**63, (dem.MAX_ARRIVING_CHILDREN, R), dtype=np.uint64))
    return rules, children, homes, draws


def places(n):
    return KD.SlotPairs(rep=np.full(n, -1, np.int64), slot=np.full(n, -1, np.int64))


def assert_records_equal(a, b):
    for name in a._fields:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def both_sides(seed):
    """leave_and_move then arrive, as step runs them, compiled and stated."""
    rng = np.random.default_rng(seed)
    rules, children, homes, draws = random_state(rng)
    sides = []
    for leave_and_move, arrive in ((KD.leave_and_move, KD.arrive),
                                   (dem.leave_and_move_numpy, dem.arrive_numpy)):
        ch, hm = copy.deepcopy(children), copy.deepcopy(homes)
        counts = KD.DemographyCounts(*np.zeros((len(KD.DemographyCounts._fields), R), np.int64))
        moved, placed_at = places(R * F), places(R * C)
        n_moved = leave_and_move(rules, ch, hm, draws, counts, moved)
        n_placed = arrive(rules, ch, hm, draws, counts, placed_at)
        sides.append((ch, hm, counts, moved, placed_at, n_moved, n_placed))
    return sides


@pytest.mark.parametrize("seed", range(6))
def test_a_month_of_demography_equals_its_statement(seed):
    (ch_a, hm_a, counts_a, moved_a, placed_a, n_moved_a, n_placed_a), \
        (ch_b, hm_b, counts_b, moved_b, placed_b, n_moved_b, n_placed_b) = both_sides(seed)
    assert (n_moved_a, n_placed_a) == (n_moved_b, n_placed_b)
    assert_records_equal(ch_a, ch_b)
    assert_records_equal(hm_a, hm_b)
    assert_records_equal(counts_a, counts_b)
    assert np.array_equal(moved_a.rep[:n_moved_a], moved_b.rep[:n_moved_b])
    assert np.array_equal(moved_a.slot[:n_moved_a], moved_b.slot[:n_moved_b])
    assert np.array_equal(placed_a.rep[:n_placed_a], placed_b.rep[:n_placed_b])
    assert np.array_equal(placed_a.slot[:n_placed_a], placed_b.slot[:n_placed_b])


def test_the_random_states_have_every_kind_of_event():
    """Leavers, evictions, moves out, births, arrivals and dropped requests all occur."""
    total = sum(np.array(both_sides(seed)[0][2]).sum(axis=1) for seed in range(6))
    assert (total > 0).all(), total


@pytest.mark.parametrize("seed", range(4))
def test_drawn_and_settled_newcomers_equal_their_statement(seed):
    rng = np.random.default_rng(seed)
    n = 12
    flat = rng.choice(R * F, n, replace=False)
    at = KD.SlotPairs(rep=flat // F, slot=flat % F)
    z, u = rng.normal(0, 1, (7, n)), rng.random((4, n))
    values = rng.uniform(0.05, 0.9, len(KD.FamilyDrawRules._fields))
    rules = KD.FamilyDrawRules(*(float(v) for v in values))._replace(initial_share=0.3,
                                                                     second_adult_share=0.7)
    levels = KD.PlaceLevels(*(rng.normal(0, 1, R) for _ in KD.PlaceLevels._fields))
    kinds = {"in_need": bool, "workless": bool, "no_qualifications": bool, "poor_health": bool,
             "norm": bool, "adults": np.int32}
    out = KD.DrawnFamilies(**{name: np.zeros((R, F), dtype=kinds.get(name, float))
                              for name in KD.DrawnFamilies._fields})
    compiled, stated = copy.deepcopy(out), copy.deepcopy(out)
    KD.draw_families(at, z, u, rules, levels, compiled)
    dem.draw_families_numpy(at, z, u, rules, levels, stated)
    assert_records_equal(compiled, stated)
    assert compiled.workless.any() and compiled.norm.any() and (compiled.adults == 2).any()

    families = KD.NewcomerArrays(
        engaged=rng.integers(0, 5, (R, F, 4)).astype(np.int8), informal_support=rng.random((R, F)),
        ever_supported=rng.random((R, F)) < 0.5, neediest=rng.random((R, F)) < 0.5,
        deprivation=rng.normal(0, 1, (R, F)), neediest_cut=rng.normal(0, 0.5, (R, 1)))
    compiled, stated = copy.deepcopy(families), copy.deepcopy(families)
    KD.settle_newcomers(at, compiled)
    dem.settle_newcomers_numpy(at, stated)
    assert_records_equal(compiled, stated)


def test_the_rules_carry_the_registrys_values_under_its_names(tiny_place):
    """Fields built where they should be: two swapped at the call site fail here."""
    import dataclasses
    import types

    from sim.params import Demography, ModelParams

    params = ModelParams(demography=dataclasses.replace(Demography(), leave_age_months=200))
    place = dataclasses.replace(tiny_place, mobility=0.2)
    place_state = types.SimpleNamespace(births_per_month=0.3, children_per_home=1.4)
    rules = dem.demography_rules(params, place, place_state, homes=12)
    assert rules.leave_age_months == 200
    assert rules.monthly_move_chance == pytest.approx(1 - 0.8 ** (1 / 12), rel=1e-15)
    assert rules.monthly_birth_chance == pytest.approx(0.3 / 12, rel=1e-15)
    assert rules.arrival_cdf[-1] == pytest.approx(1.0)
    assert rules.arrival_cdf[0] == pytest.approx(np.exp(-1.4), rel=1e-12)
