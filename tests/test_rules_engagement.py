"""The compiled engagement kernels (sim.kernels.engagement) against their readable
statement (sim.processes.engagement): exactly the same numbers on small random states."""
from __future__ import annotations

import numpy as np
import pytest

from sim.kernels import engagement as KE
from sim.kernels.engagement import EngagementInputs, EngagementOrgs, EngagementRules
from sim.processes.engagement import engagement_month_numpy, tie_capital_numpy


def random_month(seed: int, R: int = 3, n: int = 9, density: float = 0.5):
    """Symmetric ties, a core team (organisation 0), inactive organisations, some starting
    ties (legacy) stronger than today's, hardwiring, progress and momentum either way.
    Every rule field a different value, so a field read in place of another shows."""
    rng = np.random.default_rng(seed)
    s = np.where(rng.random((R, n, n)) < density, rng.random((R, n, n)), 0.0)
    strength = np.triu(s, 1) + np.triu(s, 1).transpose(0, 2, 1)
    active = rng.random((R, n)) < 0.8
    active[:, 0] = rng.random(R) < 0.7
    rules = EngagementRules(base=rng.uniform(0.0, 0.4), need_motivation=rng.uniform(0.0, 0.3),
                            network_value=rng.uniform(0.1, 1.0), progress_gain=rng.uniform(0.5, 3.0),
                            rate=rng.uniform(0.02, 0.15), alignment_rate=rng.uniform(0.1, 0.5),
                            entrenchment=rng.uniform(0.1, 0.8), culture_lift=rng.uniform(0.0, 0.4),
                            openness_lift=rng.uniform(0.0, 1.0))
    orgs = EngagementOrgs(active=active, neutral=np.arange(n) == 0,
                          hardwired=np.where(rng.random((R, n)) < 0.4, rng.random((R, n)), 0.0),
                          legacy_total=rng.uniform(0.0, 3.0, (R, n)), engagement=rng.random((R, n)),
                          alignment=rng.random((R, n)) * (rng.random((R, n)) < 0.6))
    capital = rng.random(R)
    inputs = EngagementInputs(area_z=rng.normal(0.0, 1.0, R), progress=rng.random(R) * 0.2,
                              capital=capital, capital_before=capital + rng.normal(0.0, 0.1, R))
    return rules, orgs, inputs, strength


def run_both(rules, orgs, inputs, strength):
    total, capital = KE.tie_capital(strength, orgs.active)
    want_total, want_capital = tie_capital_numpy(strength, orgs.active)
    assert np.array_equal(total, want_total) and np.array_equal(capital, want_capital)
    want = engagement_month_numpy(rules, orgs, inputs, strength, want_total)
    got = orgs._replace(engagement=orgs.engagement.copy(), alignment=orgs.alignment.copy())
    KE.engagement_month(rules, got, inputs, strength, total)
    return (got.engagement, got.alignment), want


@pytest.mark.parametrize("seed", range(10))
def test_kernel_equals_statement(seed):
    (engagement, alignment), (want_engagement, want_alignment) = run_both(*random_month(seed))
    assert np.array_equal(engagement, want_engagement)
    assert np.array_equal(alignment, want_alignment)


def test_the_random_states_exercise_every_rule():
    """Alignment rises somewhere and erodes somewhere; the core team is set to its
    activity; inactive organisations have no engagement."""
    rose = eroded = False
    for seed in range(10):
        rules, orgs, inputs, strength = random_month(seed)
        _, (engagement, alignment) = run_both(rules, orgs, inputs, strength)
        others = ~orgs.neutral[None, :] & orgs.active
        rose |= (alignment > orgs.alignment)[others].any()
        eroded |= (alignment < orgs.alignment)[others].any()
        assert np.array_equal(engagement[:, 0], orgs.active[:, 0] * 1.0)
        assert np.array_equal(alignment[:, 0], orgs.active[:, 0] * 1.0)
        assert not engagement[~orgs.active].any()
    assert rose and eroded


def test_no_ties_and_many_partners():
    """Edge cases: no ties at all (no pull, totals 0) and more partners than a row sum's
    first block (NumPy sums rows of more than 8 in eight running sums)."""
    for density, n in ((0.0, 5), (0.9, 40)):
        rules, orgs, inputs, strength = random_month(5, n=n, density=density)
        (engagement, alignment), (want_engagement, want_alignment) = run_both(rules, orgs, inputs, strength)
        assert np.array_equal(engagement, want_engagement) and np.array_equal(alignment, want_alignment)
