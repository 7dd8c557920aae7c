"""The compiled informal pass (sim.kernels.informal) equals its readable statement.

The statement is plain NumPy: sim.processes.informal `informal_month_numpy`, which runs
families.families_numpy, trust.contact_numpy / trust_numpy and norms.norms_numpy in the
month's order, and families.settle_numpy and informal.settle_norms_numpy for the start
of a run. Small random states (every rule field a different random value, so that two
fields swapped at a call site show: a test swaps each pair of the norms' fields and sees
the comparison fail), a few families, some without ties, some supported now, some in
contact, some committed to the norm; then a real state mid-run.

Every output is compared exactly, except stress: its target is a logistic, and NumPy's
exp (SIMD code on CPUs with AVX-512) may differ in the last bit from the C library's exp
that the kernel calls, so stress is compared to 1e-14.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from sim.kernels import informal as KI
from sim.processes import families, informal
from sim.rng import Streams

CHANNELS = 5
FAMILY_FIELDS = ("workless", "debt", "home_learning", "informal_support", "evict_pending",
                 "trust", "norm", "local_norm", "committed")
# The norms' fields the kernel reads (the two lowerings reach it as one number per
# replicate, sim.processes.norms.lowering).
KERNEL_NORM_FIELDS = ("hysteresis", "abandon", "adoption_rate", "lapse", "spontaneous",
                      "stress_cost", "place_weight")


def _random_rules(rng) -> KI.InformalRules:
    """Every field its own value, in the range the parameter lives in."""
    def values(record, low, high):
        return record(**{name: float(rng.uniform(low, high)) for name in record._fields})

    fr = values(KI.FamilyRules, 0.05, 1.5)._replace(
        job_finding=float(rng.uniform(0.05, 0.5)), stress_intercept=float(rng.uniform(-2, -0.5)),
        eviction_rate=float(rng.uniform(0.5, 5.0)), full_support_ties=float(rng.integers(1, 5)))
    return KI.InformalRules(families=fr, trust=values(KI.TrustRules, 0.02, 0.4),
                            norms=_random_norm_rules(rng))


def _random_norm_rules(rng) -> KI.NormRules:
    """Chances large enough that a few families take every branch of the rule."""
    return KI.NormRules(hysteresis=float(rng.uniform(0.0, 0.3)),
                        abandon=float(rng.uniform(0.3, 0.6)),
                        adoption_rate=float(rng.uniform(0.4, 0.9)),
                        lapse=float(rng.uniform(0.05, 0.3)),
                        spontaneous=float(rng.uniform(0.05, 0.3)),
                        stress_cost=float(rng.uniform(0.05, 0.4)),
                        place_weight=float(rng.uniform(0.1, 0.9)),
                        saturation_lowering=float(rng.uniform(0.0, 0.3)),
                        voice_norm_lowering=float(rng.uniform(0.0, 0.3)))


def _random_ties(rng, R: int, F: int) -> sp.csr_matrix:
    """Block-diagonal undirected 0/1 ties; the last family of the first replicate has
    none, and perhaps a few more."""
    rows, cols = [], []
    for r in range(R):
        for a in range(F):
            for b in range(a + 1, F):
                if rng.random() < 0.35 and not (r == 0 and b == F - 1):
                    rows += [r * F + a, r * F + b]
                    cols += [r * F + b, r * F + a]
    ties = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(R * F, R * F))
    ties.sum_duplicates()
    ties.sort_indices()
    return ties


def _random_state(seed: int, R: int = 3, F: int = 7):
    rng = np.random.default_rng(seed)
    ties = _random_ties(rng, R, F)
    degree = np.asarray(ties.sum(axis=1)).reshape(R, F)
    norm = rng.random((R, F)) < 0.5
    # Thresholds at shares a family can hold exactly (k / degree), to test the boundary.
    share = np.where(degree > 0, rng.integers(0, 4, (R, F)) / np.maximum(degree, 1), 0.5)
    fa = KI.FamilyArrays(
        workless=rng.random((R, F)) < 0.4,
        debt=rng.choice([0.0, 0.3, 1.0], (R, F)) * rng.random((R, F)),
        stress=rng.random((R, F)), home_learning=rng.normal(0, 0.5, (R, F)),
        informal_support=rng.random((R, F)), evict_pending=rng.random((R, F)) < 0.5,
        trust=rng.random((R, F)), norm=norm, local_norm=np.full((R, F), np.nan),
        committed=rng.random((R, F)) < 0.2, housing=rng.normal(0, 1, (R, F)), deprivation=rng.normal(0, 1, (R, F)),
        poor_health=rng.random((R, F)) < 0.3, no_qualifications=rng.random((R, F)) < 0.3,
        norm_threshold=np.where(rng.random((R, F)) < 0.5, share, rng.random((R, F))))
    received = KI.Received(
        family_support=rng.choice([0.0, 0.5], (R, F, CHANNELS)) * rng.random((R, F, CHANNELS)),
        family_supported_now=rng.random((R, F)) < 0.5,
        family_contact=np.where(rng.random((R, F)) < 0.5, rng.random((R, F)), 0.0))
    lowering = rng.uniform(0.0, 0.3, R)
    lowering[0] = 0.0
    return fa, received, ties, degree, lowering, rng


def _month_both_ways(rules, fa, received, ties, degree, lowering, workless_rate, starting_trust,
                     seeds, month, kernel_rules=None):
    """(kernel's families, statement's families) after one month from the same state
    (the kernel given `kernel_rules` if set, to show that a wrong record is caught)."""
    R, F = fa.stress.shape
    streams = Streams(seeds)
    families_base, norms_base = streams.bases(("families", "norms.change"), month)
    replicates = KI.ReplicateValues(workless_rate=workless_rate, starting_trust=starting_trust,
                                    lowering=lowering, families_base=families_base,
                                    norms_base=norms_base)
    compiled, stated = copy.deepcopy(fa), copy.deepcopy(fa)
    KI.informal_month(kernel_rules or rules, compiled, received,
                      replicates, KI.InformalTies(ties.indptr, ties.indices, degree),
                      np.full((F, 3), np.nan))
    draws = informal.Draws(families=streams.uniform("families", month, (F, 2)),
                           norms=streams.uniform("norms.change", month, (F,)))
    informal.informal_month_numpy(rules, stated, received, replicates, ties, degree, draws)
    return compiled, stated


def _assert_same(compiled, stated, fields=FAMILY_FIELDS):
    for name in fields:
        np.testing.assert_array_equal(getattr(compiled, name), getattr(stated, name), err_msg=name)
    np.testing.assert_allclose(compiled.stress, stated.stress, rtol=0, atol=1e-14)


@pytest.mark.parametrize("seed", range(12))
def test_the_compiled_month_equals_the_statement_on_small_states(seed):
    fa, received, ties, degree, lowering, rng = _random_state(seed)
    R = fa.stress.shape[0]
    rules = _random_rules(rng)
    workless_rate = np.array([0.0, 0.3, 0.9])[:R]
    seeds = [seed, seed + 100, seed + 200][:R]
    compiled, stated = _month_both_ways(rules, fa, received, ties, degree, lowering, workless_rate,
                                        rng.random(R), seeds, month=seed + 1)
    _assert_same(compiled, stated)
    # The month moved every part (a test that compares two unchanged states proves nothing).
    for name in ("workless", "debt", "stress", "home_learning", "trust"):
        assert (getattr(compiled, name) != getattr(fa, name)).any(), name
    assert (degree == 0).any() and (degree > 0).any()


def _norm_branches(rules: KI.NormRules, before, after, lowering):
    """Counts of each branch of the norms' rule taken between `before` and `after` (the
    statement's families), from the view and thresholds the rule saw."""
    from sim.processes import norms

    holding = norms.holders(before.norm, before.committed)
    threshold = norms.thresholds(rules, before.norm_threshold, lowering, before.stress)
    seen = norms.view(rules, after.local_norm, norms.place_share(holding))
    free = ~before.committed
    gained, lost = free & ~holding & after.norm, free & holding & ~after.norm
    return {"pulled in by peers": (gained & (seen >= threshold)).sum(),
            "taken up alone": (gained & (seen < threshold)).sum(),
            "lapsed": (lost & (seen >= threshold - rules.hysteresis)).sum(),
            "abandoned below the margin": (lost & (seen < threshold - rules.hysteresis)).sum(),
            "held by commitment": (before.committed & ~before.norm & after.norm).sum(),
            "kept with support": (free & holding & after.norm & (seen >= threshold)).sum(),
            "not pulled in": (free & ~holding & ~after.norm & (seen >= threshold)).sum()}


def test_the_statement_covers_every_branch_of_the_norms_and_eviction():
    """Over the random states, every branch of the norms and eviction rules is taken, so
    the equality above is not vacuous for them."""
    totals, evicted = {}, 0
    for seed in range(12):
        fa, received, ties, degree, lowering, rng = _random_state(seed)
        R = fa.stress.shape[0]
        rules = _random_rules(rng)
        _, stated = _month_both_ways(rules, fa, received, ties, degree, lowering, np.full(R, 0.2),
                                     rng.random(R), list(range(R)), month=3)
        for name, n in _norm_branches(rules.norms, fa, stated, lowering).items():
            totals[name] = totals.get(name, 0) + n
        evicted += stated.evict_pending.sum()
        assert (stated.norm[fa.committed]).all()          # a committed family holds it
    assert all(totals.values()), totals
    assert evicted


@pytest.mark.parametrize("first, second", list(itertools.combinations(KERNEL_NORM_FIELDS, 2)))
def test_two_norm_fields_swapped_are_caught(first, second):
    """The comparison has the power to catch a call site that feeds one field with
    another's value: with the two swapped for the kernel, some state disagrees."""
    caught = False
    for seed in range(12):
        fa, received, ties, degree, lowering, rng = _random_state(seed)
        R = fa.stress.shape[0]
        rules = _random_rules(rng)
        n = rules.norms
        swapped = rules._replace(norms=n._replace(**{first: getattr(n, second),
                                                     second: getattr(n, first)}))
        compiled, stated = _month_both_ways(rules, fa, received, ties, degree, lowering,
                                            np.full(R, 0.2), rng.random(R), list(range(R)),
                                            month=3, kernel_rules=swapped)
        if not np.array_equal(compiled.norm, stated.norm):
            caught = True
            break
    assert caught


def test_no_ties_at_all_and_nothing_received():
    fa, received, ties, degree, lowering, rng = _random_state(5, R=2, F=4)
    none = sp.csr_matrix((8, 8))
    quiet = KI.Received(family_support=received.family_support,
                        family_supported_now=np.zeros_like(received.family_supported_now),
                        family_contact=np.zeros_like(received.family_contact))
    compiled, stated = _month_both_ways(_random_rules(rng), fa, quiet, none, np.zeros((2, 4)),
                                        lowering, np.full(2, 0.1), np.full(2, 0.4), [1, 2], month=7)
    _assert_same(compiled, stated)
    np.testing.assert_array_equal(compiled.informal_support, 0.0)     # no ties, no support


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_settle_round_equals_the_statement(seed):
    fa, received, ties, degree, lowering, rng = _random_state(seed)
    F = fa.stress.shape[1]
    rules = _random_rules(rng).families
    compiled, stated = copy.deepcopy(fa), copy.deepcopy(fa)
    KI.settle_families(rules, compiled, received,
                       KI.InformalTies(ties.indptr, ties.indices, degree), np.full((F, 3), np.nan))
    families.settle_numpy(rules, stated, received, degree,
                          informal.neighbour_mean(ties, degree, 1.0 - fa.stress))
    _assert_same(compiled, stated)
    for name in ("workless", "debt", "trust", "norm", "evict_pending", "committed"):  # left as they were
        np.testing.assert_array_equal(getattr(compiled, name), getattr(fa, name), err_msg=name)


def test_the_compiled_month_equals_the_statement_mid_run(compose_small):
    """On a place mid-run (scenario core_team), with services' support and contacts."""
    from sim.model import PlaceModel
    from sim.processes import demography, norms, schools, services

    run = compose_small("scenario=core_team")
    model = PlaceModel(run.place, run.model, run.england, [0, 1, 2], run.interventions())
    for _ in range(6):
        model.step()
    st, p, rs, month = model.state, model.params, model.streams, 7
    demography.step(st, demography.demography_rules(p, model.place, st.place,
                                                    st.families.deprivation.shape[1]), p, rs, month)
    schools.step(st, schools.school_rules(p.demography), rs, month)
    services.step(st, services.service_rules(p), rs, month)
    assert st.family_supported_now.any() and (st.family_contact > 0).any()
    st.committed[:, ::9] = True                     # as a committed_minority would set it
    ps = st.place
    fa = informal.family_arrays(st, np.full(st.families.stress.shape, np.nan))
    compiled, stated = _month_both_ways(informal.rules(p), fa, informal.received(st),
                                        ps.family_ties, ps.degree, norms.lowering(st, norms.rules(p)),
                                        ps.workless_rate, ps.starting_trust, model.seeds, month)
    _assert_same(compiled, stated)
    # And the model's own step is that kernel.
    informal.step(st, informal.rules(p), rs, month)
    _assert_same(informal.family_arrays(st, st.local_norm), compiled)


def test_a_record_is_built_from_the_registry_by_name():
    """Each rule field is the parameter of the same name: with every parameter a value of
    its own, a field fed from the wrong parameter would show."""
    from sim.params import ModelParams

    params, k = ModelParams(), 0
    for group in ("families", "trust", "norms", "development"):
        numbers = {}
        for f in dataclasses.fields(getattr(params, group)):
            if isinstance(getattr(getattr(params, group), f.name), float):
                k += 1
                numbers[f.name] = 0.001 * k
        renumbered = dataclasses.replace(getattr(params, group), **numbers)
        params = dataclasses.replace(params, **{group: renumbered})
    rules = informal.rules(params)
    for record, group in ((rules.families, params.families), (rules.trust, params.trust),
                          (rules.norms, params.norms)):
        own = {f.name for f in dataclasses.fields(group)} & set(record._fields)
        assert own, type(record).__name__
        for name in own:
            assert getattr(record, name) == getattr(group, name), name
    assert rules.families.hle_effect == params.norms.hle_effect
    assert rules.families.informal_support_effect == params.development.informal_support_effect
    assert rules.families.full_support_ties == families.FULL_SUPPORT_TIES


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_norm_settling_equals_the_statement(seed):
    """Months of the norms alone before the start, with turnover (ODD 5.7)."""
    fa, _, ties, degree, lowering, rng = _random_state(seed)
    R, F = fa.norm.shape
    rules = _random_norm_rules(rng)
    streams = Streams([seed, seed + 100, seed + 200][:R])
    months = 5
    bases = np.stack([streams.bases(("norms.change", "norms.settle.turnover"), -1 - k)
                      for k in range(months)])
    settle = KI.NormSettle(move_chance=0.2, initial_share=float(rng.uniform(0.2, 0.6)),
                           lowering=lowering, norms_bases=np.ascontiguousarray(bases[:, 0]),
                           turnover_bases=np.ascontiguousarray(bases[:, 1]))
    compiled, stated = copy.deepcopy(fa), copy.deepcopy(fa)
    KI.settle_norms(rules, compiled.norm, compiled.committed, compiled.norm_threshold,
                    compiled.stress, KI.InformalTies(ties.indptr, ties.indices, degree), settle,
                    np.full(F, np.nan))
    informal.settle_norms_numpy(rules, stated.norm, stated.committed, stated.norm_threshold,
                                stated.stress, ties, degree, settle, streams)
    np.testing.assert_array_equal(compiled.norm, stated.norm)
    assert (compiled.norm != fa.norm).any()
    assert compiled.norm[fa.committed].all()
    for name in ("norm_threshold", "stress", "committed"):          # read, never written
        np.testing.assert_array_equal(getattr(compiled, name), getattr(fa, name), err_msg=name)
