"""Does it tip? (analysis/lasting.py): the one rule the report and the page use, on
synthetic time series whose answer is known, and its sentence, which must never claim
more than the paired intervals allow."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis import lasting as L
from sim.outcomes import SYSTEM_AREAS

SEEDS = 8


def frames(gain, years: int = 12, seeds: int = SEEDS, noise: float = 0.03):
    """(baseline, scenario) time series: every measure's baseline drifts per seed; the
    scenario adds `gain(month, seed)` to the same seed's baseline (paired)."""
    rng = np.random.default_rng(1)
    rows_b, rows_s = [], []
    months = np.arange(0, 12 * years + 1)
    for s in range(seeds):
        level = 0.3 + noise * rng.standard_normal((len(months), len(L.MEASURES)))
        g = np.array([gain(m, s) for m in months])[:, None]
        for tag, rows, values in (("b", rows_b, level), ("s", rows_s, level + g)):
            df = pd.DataFrame(values, columns=list(L.MEASURES))
            df.insert(0, "month", months)
            df.insert(0, "seed", s)
            rows.append(df)
    return pd.concat(rows_b, ignore_index=True), pd.concat(rows_s, ignore_index=True)


def spread(s: int) -> float:
    """A per-seed offset symmetric around zero: an interval over seeds that includes zero."""
    return 0.02 * (s - (SEEDS - 1) / 2) / ((SEEDS - 1) / 2)


END = 4.0      # support ends after 4 years (month 48)


def during(m: int) -> bool:
    return 1 <= m <= 12 * END


def test_a_gain_that_stays_is_said_to_stay():
    base, scen = frames(lambda m, s: 0.2 if during(m) else 0.15 + 0.01 * (s % 3))
    a = L.tip_answer(base, scen, END)
    assert a.status == L.ANSWERED and a.years_after == L.YEARS_AFTER
    assert {m.verdict for m in a.measures} == {L.STAYS}
    assert all(m.trend == "shrank" for m in a.measures)             # 0.15-0.17 after, 0.2 at exit
    text = a.sentence(2016)
    assert "stay above the baseline, by less than when the support ended" in text
    assert text.startswith("By 2024, 5 years after the support ends in 2019, ")
    assert "8 replicates" in text


def test_a_gain_that_fades_is_said_to_fade_back():
    base, scen = frames(lambda m, s: 0.2 if during(m) else spread(s))
    a = L.tip_answer(base, scen, END)
    assert {m.verdict for m in a.measures} == {L.FADES}
    for m in a.measures:
        assert m.after[1] <= 0 <= m.after[2]                         # the interval includes zero
    text = a.sentence()
    assert "fade back: they can no longer be told apart from the baseline" in text
    assert "stay" not in text


def test_a_mixture_names_each_measure_under_its_own_verdict():
    def gain(m, s):
        return 0.2 if during(m) else 0.0

    base, scen = frames(gain)
    # relationships alone keeps its gain; everything else fades (per-seed spread around 0)
    scen.loc[scen["month"] > 12 * END, "relationships"] += 0.1
    for col in L.MEASURES:
        if col != "relationships":
            scen.loc[scen["month"] > 12 * END, col] += scen.loc[scen["month"] > 12 * END, "seed"].map(spread)
    a = L.tip_answer(base, scen, END)
    verdicts = {m.measure: m.verdict for m in a.measures}
    assert verdicts["relationships"] == L.STAYS
    assert all(v == L.FADES for k, v in verdicts.items() if k != "relationships")
    text = a.sentence()
    assert "relationships stays above the baseline" in text
    assert "shared purpose, use of evidence, infrastructure" in text and "fade back" in text


def test_support_still_running_or_too_few_years_after_is_too_early():
    base, scen = frames(lambda m, s: 0.2 if m >= 1 else 0.0, years=6)
    still = L.tip_answer(base, scen, 6.0)
    assert still.status == L.TOO_EARLY and not still.measures
    assert still.sentence().startswith("Too early to tell: the support is still running")
    soon = L.tip_answer(base, scen, 5.0)                                  # one year after
    assert soon.status == L.TOO_EARLY
    assert "Too early to tell" in soon.sentence() and "run.years=10" in soon.sentence()
    assert L.tip_answer(base, scen, None) is None                         # support never ends: no question


def test_a_shorter_run_judges_as_many_whole_years_as_it_has_and_says_so():
    base, scen = frames(lambda m, s: 0.2 if during(m) else 0.15, years=7)
    a = L.tip_answer(base, scen, END)
    assert a.status == L.ANSWERED and a.years_after == 3
    assert a.sentence().startswith("3 years after the support ends (the run ends then")


def test_too_few_replicates_cannot_tell():
    base, scen = frames(lambda m, s: 0.2 if m >= 1 else 0.0, seeds=L.MIN_REPLICATES - 1)
    a = L.tip_answer(base, scen, END)
    assert a.status == L.TOO_FEW
    assert a.sentence().startswith("Cannot tell yet")


def test_no_gain_even_during_support_is_not_called_fading():
    base, scen = frames(lambda m, s: spread(s))
    a = L.tip_answer(base, scen, END)
    assert {m.verdict for m in a.measures} == {L.NO_GAIN}
    assert "fade" not in a.sentence() and "no gain beyond noise" in a.sentence()


def test_a_gain_below_the_baseline_is_said_so():
    base, scen = frames(lambda m, s: 0.2 if during(m) else -0.1)
    assert {m.verdict for m in L.tip_answer(base, scen, END).measures} == {L.BELOW}


@pytest.mark.parametrize("seed", range(25))
def test_the_sentence_never_claims_more_than_the_intervals_allow(seed):
    """Random gains: a measure is said to stay only where its after-interval lies above
    zero, to fade only where it includes zero, and the word tipping is never used."""
    rng = np.random.default_rng(seed)
    at, after, sd = rng.normal(0.05, 0.05, len(L.MEASURES)), rng.normal(0.0, 0.05, len(L.MEASURES)), 0.03
    offsets = rng.normal(0, sd, (SEEDS, len(L.MEASURES)))
    base, scen = frames(lambda m, s: 0.0, noise=0.0)
    for k, col in enumerate(L.MEASURES):
        d = np.where(scen["month"] <= 12 * END, at[k], after[k]) + offsets[scen["seed"], k]
        scen[col] += np.where(scen["month"] >= 1, d, 0.0)
    a = L.tip_answer(base, scen, END)
    text = a.sentence()
    assert not re.search(r"\btip", text, re.IGNORECASE)
    for m in a.measures:
        low, high = m.after[1], m.after[2]
        name = L.measure_name(m.measure)
        if m.verdict in (L.STAYS, L.LATER):
            assert low > 0
        elif m.verdict == L.BELOW:
            assert high < 0
        else:
            assert low <= 0 <= high
        if m.trend == "grew":
            assert m.change[1] > 0
        if m.trend == "shrank":
            assert m.change[2] < 0
        # each measure is named once, in the clause of its own verdict
        clause = next(c for c in text.split("; ") if name in c)
        said_stays = "above the baseline" in clause
        assert said_stays == (m.verdict in (L.STAYS, L.LATER))


def test_support_end_ignores_shocks_and_needs_every_support_to_end():
    assert L.support_end({"team": {"kind": "core_team", "end_year": 5},
                          "shock": {"kind": "shock", "start_year": 3}}) == 5.0
    assert L.support_end({"team": {"kind": "core_team", "end_year": 5},
                          "pilot": {"kind": "pilot", "end_year": 7}}) == 7.0
    assert L.support_end({"team": {"kind": "core_team", "end_year": None},
                          "pilot": {"kind": "pilot", "end_year": 3}}) is None
    assert L.support_end({}) is None
    assert set(SYSTEM_AREAS) < set(L.MEASURES)


# -- the report and the page use the same rule ---------------------------------------------------

def _report_context(base, scen, interventions):
    """What the report's does_it_tip reads of its Context: configs, results, start year."""
    from types import SimpleNamespace

    configs = {"baseline": {"scenario": {"interventions": {}}},
               "leaves": {"scenario": {"interventions": interventions}}}
    results = {"baseline": {"timeseries": base}, "leaves": {"timeseries": scen}}
    return SimpleNamespace(inputs=SimpleNamespace(configs=configs), results=results, start_year=2016)


def test_the_report_shows_the_answer_and_its_table_only_where_support_ends():
    from analysis.report.text import does_it_tip

    base, scen = frames(lambda m, s: 0.2 if during(m) else 0.15 + 0.01 * (s % 3))
    team = {"team": {"kind": "core_team", "start_year": 0, "end_year": END}}
    tip = does_it_tip(_report_context(base, scen, team), "leaves")
    assert tip["sentence"] == L.tip_answer(base, scen, END).sentence(2016)
    assert "stays above the baseline; smaller than at exit" in tip["table"]
    assert "gain 5 years after support ends (2024)" in tip["table"]
    assert "+0.200 (+0.200 to +0.200)" in tip["table"]               # the gain in the last year of support
    forever = {"team": {"kind": "core_team", "start_year": 0, "end_year": None}}
    assert does_it_tip(_report_context(base, scen, forever), "leaves") is None
    late = {"team": {"kind": "core_team", "start_year": 0, "end_year": 11}}
    early = does_it_tip(_report_context(base, scen, late), "leaves")
    assert early["table"] is None and early["sentence"].startswith("Too early to tell")


def test_the_page_line_is_the_same_answer_and_says_when_replicates_are_still_coming():
    from app import chart_data as R

    base, scen = frames(lambda m, s: 0.2 if during(m) else spread(s))
    team = {"team": {"kind": "core_team", "start_year": 0, "end_year": END},
            "shock": {"kind": "shock", "start_year": 2.0}}
    line = R.tip_line(base, scen, team, 2016, SEEDS, SEEDS)
    assert line == L.tip_answer(base, scen, END).sentence(2016)
    assert "fade back" in line
    partial = R.tip_line(base, scen, team, 2016, SEEDS, 2 * SEEDS)
    assert partial.endswith(f"From {SEEDS} of {2 * SEEDS} replicates so far: still uncertain.")
    assert R.tip_line(base, scen, {"team": {"kind": "core_team", "end_year": None}}, 2016, SEEDS, SEEDS) is None
    few_b, few_s = frames(lambda m, s: 0.2 if during(m) else 0.1, seeds=2)
    assert R.tip_line(few_b, few_s, team, 2016, 2, 8).startswith("Cannot tell yet: 2 replicates are too few")
