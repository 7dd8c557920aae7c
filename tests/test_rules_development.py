"""The compiled development kernels against their readable statement
(sim/processes/development.py, *_numpy) on small random states: every output equal."""
from __future__ import annotations

import copy
import dataclasses
import types

import numpy as np
import pytest

from sim.kernels import development as KDV
from sim.processes import development as dev
from sim.outcomes import MILESTONES, OUTCOMES

R, F, C, N = 3, 5, 14, 4
BANDS = len(dev.BAND_EDGES) + 1


def random_rules(rng) -> KDV.DevelopmentRules:
    """Every field a different value, so that two fields swapped at a call site show."""
    # From a generator of their own, so that adding a field leaves the states drawn after alone.
    own = np.random.default_rng(rng.integers(2**32))
    values = own.uniform(0.05, 0.6, len(KDV.DevelopmentRules._fields))
    rules = KDV.DevelopmentRules(*(float(v) for v in values))
    # Cuts where some children fall on each side of them.
    return rules._replace(persistence=float(rng.uniform(0.9, 0.99)),
                          chronic_cut=float(rng.uniform(-0.5, 0.0)),
                          crisis_stress=float(rng.uniform(0.7, 0.9)),
                          crisis_wellbeing=float(rng.uniform(-1.5, -0.8)))


def random_milestones(rng) -> KDV.MilestoneRules:
    spec = dev.milestone_spec(dev.ModelParams())
    return KDV.MilestoneRules(
        age=spec.age, weight=spec.weight, threshold=rng.normal(0.0, 0.5, len(MILESTONES)),
        exclusion_rate_now=0.3, exclusion_wellbeing_slope=0.8, admission_rate=0.2,
        admission_wellbeing_slope=1.1, severe_stress=0.6)       # high rates: events happen


def random_state(rng):
    """A small state: some empty slots, a replicate with no children, children at every
    milestone age, out of school and at schools of kinds that do and do not exclude,
    new children, supported and unsupported families."""
    alive = rng.random((R, C)) < 0.75
    alive[2] = False                                    # a replicate without children
    ages = np.array(sorted({OUTCOMES[m].age_months for m in MILESTONES}) + [0, 59, 119, 120, 227])
    age = rng.choice(ages, (R, C)).astype(np.int32)
    age[:, :4] = rng.integers(0, 228, (R, 4))
    children = KDV.ChildArrays(
        alive=alive, fresh=rng.random((R, C)) < 0.3,
        fam=rng.integers(0, F, (R, C)).astype(np.int32),
        school=rng.integers(-1, N, (R, C)).astype(np.int32),
        age=age, ability=rng.normal(0, 0.8, (R, C, 3)), env=rng.normal(0, 0.6, (R, C, 3)),
        support_boost=np.zeros((R, C, 3)),
        support_months=rng.integers(0, 5, (R, C)).astype(np.int32),
        support_domains=rng.integers(0, 8, (R, C)).astype(np.int8),
        school_add=np.where(rng.random((R, C)) < 0.3, rng.normal(0.3, 0.2, (R, C)), 0.0),
        care=rng.random((R, C)) < 0.2,
        barrier_months=rng.integers(0, 5, (R, C)).astype(np.int32))
    families = KDV.FamilyConditions(
        deprivation=rng.normal(0, 1, (R, F)), no_qualifications=rng.random((R, F)) < 0.4,
        workless=rng.random((R, F)) < 0.4, home_learning=rng.normal(0, 1, (R, F)),
        stress=rng.random((R, F)), housing=rng.normal(0, 1, (R, F)),
        informal_support=rng.random((R, F)), poor_health=rng.random((R, F)) < 0.3,
        local_norm=rng.random((R, F)))
    child_support = rng.normal(0, 0.3, (R, F, BANDS * 3))
    child_support[rng.random(child_support.shape) < 0.4] = 0.0
    around = KDV.Surroundings(
        band_edges=dev.BAND_EDGES, quality=rng.normal(0, 1, (R, N)), child_support=child_support,
        family_supported=rng.random((R, F)) < 0.5, family_part=np.empty((R, F, 3)),
        exclusion_factor=np.array([0.0, 0.05, 1.0, 0.0]), in_need=rng.random((R, F)) < 0.4,
        stress=families.stress, health_care=rng.random((R, F)) < 0.4,
        crisis_support=rng.random((R, F)) < 0.4)
    draws = KDV.DevelopmentDraws(noise=rng.integers(0, 2**63, R, dtype=np.uint64),
                                 events=rng.integers(0, 2**63, R, dtype=np.uint64))
    # Fading support gains on about half the children (drawn last: the draws above stay as they were).
    boost = np.where(rng.random((R, C, 3)) < 0.5, rng.normal(0, 0.2, (R, C, 3)), 0.0)
    return children._replace(support_boost=boost), families, around, draws


def tallies() -> KDV.DevelopmentTallies:
    """Filled with rubbish: both sides must overwrite every entry."""
    return KDV.DevelopmentTallies(milestone_counts=np.full((R, len(MILESTONES), 2, 2), 99, np.int64),
                                  events=np.full((R, 2), 99, np.int64), summary=np.full((R, KDV.SUMMARY_COLUMNS), 9.0))


@pytest.mark.parametrize("seed", range(4))
def test_family_part_equals_its_statement(seed):
    rng = np.random.default_rng(seed)
    rules = random_rules(rng)
    _, families, _, _ = random_state(rng)
    out = np.empty((R, F, 3))
    KDV.family_inputs(rules, families, out)
    assert np.array_equal(out, dev.family_part_numpy(rules, families))


@pytest.mark.parametrize("seed", range(4))
def test_child_inputs_equal_their_statement(seed):
    rng = np.random.default_rng(seed)
    rules = random_rules(rng)
    children, families, around, _ = random_state(rng)
    KDV.family_inputs(rules, families, around.family_part)
    out = np.full((R, C, 3), 9.0)
    KDV.child_inputs(rules, children, around, out)
    expected, _, _, _ = dev.child_inputs_numpy(rules, children, around)
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("per_child", [True, False])
def test_development_month_equals_its_statement(seed, per_child):
    rng = np.random.default_rng(seed)
    rules, milestones = random_rules(rng), random_milestones(rng)
    children, families, around, draws = random_state(rng)
    if not per_child:                   # no programme: (R, 0) per-child arrays, nothing read
        children = children._replace(school_add=np.zeros((R, 0)), care=np.zeros((R, 0), dtype=bool))
    KDV.family_inputs(rules, families, around.family_part)
    compiled_children, compiled = copy.deepcopy(children), tallies()
    stated_children, stated = copy.deepcopy(children), tallies()
    KDV.development_month(rules, milestones, compiled_children, around, draws, compiled)
    dev.development_month_numpy(rules, milestones, stated_children, around, draws, stated)
    for name in KDV.ChildArrays._fields:
        assert np.array_equal(getattr(compiled_children, name), getattr(stated_children, name)), name
    assert np.array_equal(compiled.milestone_counts, stated.milestone_counts)
    assert np.array_equal(compiled.events, stated.events)
    # The kernel sums scores child by child, NumPy pairwise: the same to rounding.
    np.testing.assert_allclose(compiled.summary, stated.summary, rtol=0, atol=1e-12)
    counts = [KDV.S_COUNT, KDV.S_U5_COUNT, KDV.S_SEVERE_STRESS, KDV.S_BARRIER_COUNT,
              KDV.S_FREE_COUNT, KDV.S_BARRIER_UNMANAGED]
    assert np.array_equal(compiled.summary[:, counts], stated.summary[:, counts])
    # the state exercises what it should
    assert compiled.milestone_counts[:, :, 0, 1].sum() > 0 and compiled.events.sum() > 0
    assert not np.array_equal(compiled_children.support_domains, children.support_domains)
    moved = compiled_children.support_boost != children.support_boost
    assert moved.any() and (compiled_children.support_boost != 0.0).any()     # boosts build and fade
    assert compiled.summary[:, KDV.S_BARRIER_UNMANAGED].sum() > 0       # barriers took learning
    assert compiled.summary[:, KDV.S_FREE_COUNT].sum() > 0


def test_the_settled_share_is_the_kernels_integer_power():
    age = np.arange(0, 229, dtype=np.int32)
    assert np.array_equal(KDV.settled_shares(0.985, age), 1.0 - dev.integer_power(0.985, age))


def distinct(group):
    """A parameter group with every float field a different value."""
    values = {f.name: 0.11 + 0.013 * i for i, f in enumerate(dataclasses.fields(group))
              if isinstance(getattr(group, f.name), float)}
    return dataclasses.replace(group, **values)


def test_the_records_carry_the_registrys_values_under_its_names():
    """A record field is params.<group>.<same name>: two fields swapped where the record
    is built fail here (the comparisons above take the record as given)."""
    base = dev.ModelParams()
    params = dataclasses.replace(base, development=distinct(base.development),
                                 milestones=distinct(base.milestones))
    rules = dev.rules(params)
    for name in KDV.DevelopmentRules._fields:
        if name not in ("noise_scale", "chronic_cut"):
            assert getattr(rules, name) == getattr(params.development, name), name
    assert rules.noise_scale == params.development.noise_sd * np.sqrt(12.0)
    from statistics import NormalDist
    assert rules.chronic_cut == (params.development.ability_sd
                                 * NormalDist().inv_cdf(params.development.chronic_prevalence))
    state = types.SimpleNamespace(exclusion_multiplier=1.7)
    milestone_rules = dev.milestone_rules(state, params)
    for name in ("exclusion_wellbeing_slope", "admission_rate", "admission_wellbeing_slope"):
        assert getattr(milestone_rules, name) == getattr(params.milestones, name), name
    assert milestone_rules.exclusion_rate_now == params.milestones.exclusion_rate * 1.7
    assert list(milestone_rules.threshold) == [params.milestones.threshold_eyfs,
                                               params.milestones.threshold_ks2,
                                               params.milestones.threshold_ks4,
                                               params.milestones.threshold_eet,
                                               params.milestones.threshold_decay_free]
