"""The compiled indicator passes against their readable statement
(sim/kernels/indicators.py, *_numpy) on small random states: every indicator equal."""
from __future__ import annotations

import numpy as np
import pytest

from sim.kernels import indicators as KI

R, N, F, C = 3, 7, 9, 12


def random_partners(rng, N=N) -> KI.Partners:
    """Ties of random strength (some absent, one replicate with none), inactive
    organisations, one neutral core team, a replicate whose only active one is it."""
    strength = rng.random((R, N, N)) * (rng.random((R, N, N)) < 0.5)
    strength[1] = 0.0
    active = rng.random((R, N)) < 0.8
    active[2] = False
    active[2, N - 1] = True
    neutral = np.zeros(N, dtype=bool)
    neutral[N - 1] = True
    return KI.Partners(strength=strength, active=active, neutral=neutral,
                       engagement=rng.random((R, N)), champion=rng.random((R, N)) < 0.4,
                       alignment=rng.random((R, N)), hardwired=rng.random((R, N)))


def random_households(rng, F=F) -> KI.Households:
    return KI.Households(
        alive=rng.random((R, C)) < 0.6, adults=rng.integers(0, 3, (R, F)).astype(np.int32),
        workless=rng.random((R, F)) < 0.3, in_need=rng.random((R, F)) < 0.2,
        norm=rng.random((R, F)) < 0.5, stress=rng.random((R, F)), debt=rng.random((R, F)),
        home_learning=rng.normal(0, 1, (R, F)), trust=rng.random((R, F)))


@pytest.mark.parametrize("seed, n", [(0, N), (1, N), (2, N), (3, 20), (4, 150)])
def test_org_indicators_equal_their_statement(seed, n):
    """n = 150: sums long enough for NumPy's pairwise blocks (row_sum follows them)."""
    partners = random_partners(np.random.default_rng(seed), n)
    compiled = KI.org_indicators(partners)
    assert np.array_equal(compiled, KI.org_indicators_numpy(partners))
    assert compiled[0, KI.I_TIE_DENSITY] > 0 and compiled[1, KI.I_MEAN_STRENGTH] == 0.0


@pytest.mark.parametrize("seed, homes", [(0, F), (1, F), (2, 40), (3, 300)])
def test_family_indicators_equal_their_statement(seed, homes):
    households = random_households(np.random.default_rng(seed), homes)
    assert np.array_equal(KI.family_indicators(households), KI.family_indicators_numpy(households))


def test_a_field_read_in_the_wrong_place_shows():
    """The comparison can fail: the same arrays under swapped names give other numbers."""
    partners = random_partners(np.random.default_rng(0))
    swapped = partners._replace(alignment=partners.hardwired, hardwired=partners.alignment)
    assert not np.array_equal(KI.org_indicators(swapped), KI.org_indicators_numpy(partners))
