"""The vectorised model and the per-agent Mesa reference (benchmarks/reference) agree in
distribution, and the comparison is sharp enough to catch one altered rule.

Setup: Pembury's preset scaled to 900 people in 470 homes (about 300 children, 18
organisations), 36 months from the same initial-state logic (the reference copies
`PlaceModel`'s starting state row by row, so only the monthly rules are compared). The
vectorised model runs seeds 0-35 in one batch; the reference runs seeds 10000-10035, one
Mesa model each, so the two samples are independent.

Quantities (benchmarks.reference.crosscheck.QUANTITIES): every milestone share over the
run (five milestones, for all children and for children in families in need) and, at
the last month, the family, service and network indicators and all six system
indicators and the stage.

Tolerance: a quantity disagrees when the two-sample Kolmogorov-Smirnov test *or* Welch's
t-test gives p < 0.001. With 39 quantities and two tests each, equal distributions fail
somewhere with probability below 0.08 (Bonferroni); every draw is seeded, so for a
given model version the outcome is fixed, not flaky. A quantity that is the same
constant in both samples (e.g. infrastructure = 0 without interventions) agrees.

Sensitivity: the same comparison against 10 runs of a reference whose organisation ties
decay twice as fast must flag the network quantities, and against 10 runs of one whose
families never adopt the norm must flag norm adoption (both by a wide margin).
"""
from __future__ import annotations

import os

import pytest

from benchmarks.reference import Alteration
from benchmarks.reference.crosscheck import (QUANTITIES, compare, run_references,
                                             run_vectorised)

OVERRIDES = ["place=pembury", "place.population=900", "place.homes=470"]
MONTHS = 36
N_SEEDS = 36
N_ALTERED = 10
ALPHA = 0.001
# Under pytest-xdist the other worker already uses the second core.
JOBS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def config():
    from configs.compose import compose_run_config

    return compose_run_config(OVERRIDES)


@pytest.fixture(scope="module")
def vectorised(config):
    return run_vectorised(config.place, config.model, config.england, list(range(N_SEEDS)), MONTHS)


def reference(config, n: int, alteration: Alteration | None = None):
    seeds = list(range(10_000, 10_000 + n))
    return run_references(config.place, config.model, config.england, seeds, MONTHS,
                          alteration, n_jobs=JOBS)


def test_every_quantity_is_compared(vectorised):
    missing = [q for q in QUANTITIES if q not in vectorised.columns]
    assert not missing, f"reporters gone from the model: {missing}"
    assert (vectorised["dropped"] == 0).all()


def test_reference_has_every_reporter_of_the_model():
    from benchmarks.reference.model import REPORTERS as REFERENCE_REPORTERS
    from sim.reporters import REPORTERS

    assert set(REPORTERS) == set(REFERENCE_REPORTERS), (
        "keep benchmarks/reference/model.py REPORTERS in step with sim/reporters.py: "
        f"missing {sorted(set(REPORTERS) - set(REFERENCE_REPORTERS))}, "
        f"extra {sorted(set(REFERENCE_REPORTERS) - set(REPORTERS))}")


def test_reference_agrees_in_distribution(config, vectorised):
    table = compare(vectorised, reference(config, N_SEEDS), alpha=ALPHA)
    bad = table.loc[~table.agree]
    assert bad.empty, "model and reference disagree:\n" + bad.to_string(index=False)


@pytest.mark.parametrize("alteration, expected", [
    (Alteration(tie_decay=2.0), {"tie_density", "mean_tie_strength", "relationships"}),
    (Alteration(norm_adoption=False), {"norm_adoption"}),
], ids=["double_tie_decay", "no_norm_adoption"])
def test_comparison_fails_when_a_rule_is_altered(config, vectorised, alteration, expected):
    table = compare(vectorised, reference(config, N_ALTERED, alteration), alpha=ALPHA)
    flagged = set(table.loc[~table.agree, "quantity"])
    assert expected <= flagged, f"altered rule not detected; flagged only {sorted(flagged)}"
