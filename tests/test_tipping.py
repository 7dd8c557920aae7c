"""analysis.tipping: finds a threshold where one exists, and says "none" where the
response is smooth (the old analysis reported the largest step of any curve)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.tipping import find_tipping, tipping_table

LEVELS = np.linspace(0.0, 1.0, 9)
X = np.repeat(LEVELS, 6)


def noisy(f, seed):
    return f(X) + np.random.default_rng(seed).normal(0.0, 0.05, X.size)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_known_threshold_is_found_within_its_interval(seed):
    threshold = 0.56                                  # between the levels 0.5 and 0.625
    r = find_tipping(X, noisy(lambda x: 0.3 * x + 0.3 * (x > threshold), seed), n_boot=199)
    assert r.verdict == "tipping point"
    assert r.interval_low <= threshold <= r.interval_high
    assert r.gap_low < threshold < r.gap_high
    assert r.jump == pytest.approx(0.3, abs=0.1)
    assert r.p_value < 0.05


@pytest.mark.parametrize("shape", [lambda x: 0.5 * x, lambda x: 1 - np.exp(-3 * x),
                                   lambda x: 1 / (1 + np.exp(-6 * (x - 0.5))), lambda x: 0 * x])
def test_a_smooth_response_has_no_tipping_point(shape):
    r = find_tipping(X, noisy(shape, 3), n_boot=199)
    assert r.verdict == "no tipping point found"
    assert np.isnan(r.gap_low) and "No tipping point" in r.sentence("d", "o")


def test_the_false_alarm_rate_is_near_the_level_asked():
    alarms = sum(find_tipping(X, noisy(lambda x: 1 - np.exp(-3 * x), 100 + s), n_boot=99, seed=s).verdict
                 == "tipping point" for s in range(40))
    assert alarms <= 6                                # 5% of 40 is 2; 6 would be a 15% rate


def test_too_few_levels_is_said_not_guessed():
    x = np.repeat([0.0, 1.0, 2.0, 3.0], 5)
    r = find_tipping(x, 0.2 * (x > 1.5) + np.random.default_rng(0).normal(0, 0.01, x.size))
    assert r.verdict == "too few levels to tell"


def test_table_per_driver_and_slice():
    runs = pd.DataFrame({"a": X, "b": 0.0, "value": noisy(lambda x: 0.4 * (x > 0.3), 5)})
    runs = pd.concat([runs, runs.assign(b=1.0, value=noisy(lambda x: 0.4 * x, 6))])
    table = tipping_table(runs, ["a", "b"], n_boot=99)
    by_a = table[table["driver"] == "a"].set_index(table[table["driver"] == "a"]["at"].map(lambda d: d["b"]))
    assert by_a.loc[0.0, "verdict"] == "tipping point"
    assert by_a.loc[1.0, "verdict"] == "no tipping point found"
    assert set(table[table["driver"] == "b"]["verdict"]) == {"too few levels to tell"}
