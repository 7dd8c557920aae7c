"""The compiled tie month (sim.kernels.ties via sim.processes.ties.tie_month) against its
readable statement (tie_month_numpy): exactly the same numbers on small random states."""
from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.ties import TieElements, TieInputs, TieOrgs, TieRules
from sim.processes.ties import tie_month, tie_month_numpy
from sim.rng import Streams


def random_rules(rng: np.random.Generator, R: int) -> TieRules:
    """Every field a different value, so a field read in place of another shows; rates
    high enough that ties form, leave and are lost in a month."""
    return TieRules(
        formation=rng.uniform(0.05, 0.3), closure=rng.uniform(0.1, 0.5),
        embeddedness=rng.uniform(0.5, 3.0), champion_boost=rng.uniform(1.2, 3.0),
        joint_work_gain=rng.uniform(0.05, 0.3), decay=rng.uniform(0.05, 0.3),
        competition=rng.uniform(0.01, 0.1), champion_emergence=rng.uniform(0.1, 0.5),
        personal_share=rng.uniform(0.2, 0.8), new_tie_strength=rng.uniform(0.1, 0.3),
        removal=rng.uniform(0.1, 0.2), ordinary_work=rng.uniform(0.2, 0.8),
        shared_case_work=rng.uniform(0.1, 1.5), network_work=rng.uniform(1.0, 5.0),
        shared_infrastructure=rng.uniform(0.2, 2.0), turnover=rng.uniform(0.5, 1.0))


def symmetric(rng: np.random.Generator, R: int, n: int, density: float, low: float = 0.0) -> np.ndarray:
    x = np.where(rng.random((R, n, n)) < density, rng.uniform(low, 1.0, (R, n, n)), 0.0)
    x = np.triu(x, 1)
    return x + x.transpose(0, 2, 1)


def random_month(seed: int, R: int = 3, n: int = 7, density: float = 0.5):
    """Symmetric ties (some below the removal floor), a core team (organisation 0), some
    inactive organisations (their ties kept, to be lost), hardwiring, referrals, cluster
    work between two organisations, interventions' joint work and introductions."""
    rng = np.random.default_rng(seed)
    mask = symmetric(rng, R, n, density) > 0
    ties = TieElements(*(np.where(mask, rng.uniform(0.0, 1.0, (R, n, n)), 0.0) for _ in range(4)))
    for x in ties:                                     # symmetric, as the model keeps them
        x[:] = np.triu(x, 1) + np.triu(x, 1).transpose(0, 2, 1)
    active = rng.random((R, n)) < 0.8
    active[:, 0] = True
    active[0, :] = True                                # a replicate with everyone present
    orgs = TieOrgs(engagement=rng.random((R, n)), active=active,
                   hardwired=np.where(rng.random((R, n)) < 0.3, rng.random((R, n)), 0.0),
                   neutral=np.arange(n) == 0, champion=rng.random((R, n)) < 0.5)
    cluster = np.zeros((n, n))
    cluster[1, 2] = cluster[2, 1] = rng.uniform(0.1, 0.5)
    streams = Streams(list(range(seed, seed + R)))
    inputs = TieInputs(referral_share=np.where(rng.random((R, n)) < 0.5, rng.random((R, n)), 0.0),
                       cluster_work=cluster, joint_extra=symmetric(rng, R, n, 0.3) * 2.5,
                       introductions=symmetric(rng, R, n, 0.3) * 0.5, voice=rng.random(R),
                       data_maturity=rng.random(R),
                       turnover_base=streams.base("ties.turnover", 7),
                       form_base=streams.base("ties.form", 7),
                       monthly_turnover=rng.uniform(0.1, 0.6, R))
    return random_rules(rng, R), ties, orgs, inputs


def run_both(rules, ties, orgs, inputs):
    strength = 0.25 * (ties.trust + ties.reciprocity + ties.empathy + ties.equity)
    want_ties, want_champion, want = tie_month_numpy(rules, ties, orgs, inputs, strength)
    got_ties = TieElements(*(x.copy() for x in ties))
    got_orgs = orgs._replace(champion=orgs.champion.copy())
    got = tie_month(rules, got_ties, got_orgs, inputs, strength)
    return (got_ties, got_orgs.champion, got), (want_ties, want_champion, want)


@pytest.mark.parametrize("seed", range(12))
def test_kernel_equals_statement(seed):
    (got_ties, got_champion, got), (want_ties, want_champion, want) = run_both(*random_month(seed))
    for name in TieElements._fields:
        assert np.array_equal(getattr(got_ties, name), getattr(want_ties, name)), name
    assert np.array_equal(got_champion, want_champion)
    for name in got._fields:
        assert np.array_equal(getattr(got, name), getattr(want, name)), name


def test_the_random_states_exercise_every_rule():
    """Over the seeds above, ties form and are lost, champions leave, and some pairs are
    hardwired, idle and busy: otherwise the comparison would prove little."""
    formed = lost = left = 0
    for seed in range(12):
        _, (_, _, want) = run_both(*random_month(seed))
        formed, lost, left = formed + want.formed.sum(), lost + want.lost.sum(), left + want.champions_lost.sum()
    assert formed > 0 and lost > 0 and left > 0


def test_no_ties_and_all_inactive():
    """Edge cases: an empty network (only formation acts) and a replicate with every
    organisation gone (every tie lost, none formed)."""
    rules, ties, orgs, inputs = random_month(3, density=0.0)
    (got_ties, _, got), (want_ties, _, want) = run_both(rules, ties, orgs, inputs)
    assert np.array_equal(got.strength, want.strength) and np.array_equal(got.formed, want.formed)
    rules, ties, orgs, inputs = random_month(4, density=0.9)
    orgs.active[1] = False
    (got_ties, got_champion, got), (want_ties, want_champion, want) = run_both(rules, ties, orgs, inputs)
    assert np.array_equal(got.strength, want.strength) and np.array_equal(got.lost, want.lost)
    assert np.array_equal(got_champion, want_champion)
    assert got.strength[1].max() == 0.0 and got.formed[1] == 0 and not got_champion[1].any()


def test_network_work_adds_joint_work_on_ties_only_and_grows_with_infrastructure():
    """The increasing-returns term of the statement: more joint work on every tied pair
    with network work on, none on untied pairs, and more still with shared
    infrastructure (hardwiring, data maturity) counted."""
    rules, ties, orgs, inputs = random_month(5)
    strength = 0.25 * (ties.trust + ties.reciprocity + ties.empathy + ties.equity)
    tied = strength > 0

    def work(r):
        return tie_month_numpy(r, ties, orgs, inputs, strength)[2].work

    extra = work(rules) - work(rules._replace(network_work=0.0))
    assert (extra[tied] > 0).all() and (extra[~tied] == 0).all()
    bare = work(rules._replace(shared_infrastructure=0.0)) - work(rules._replace(network_work=0.0))
    assert (extra[tied] > bare[tied]).all()
