"""Honest headlines (issue 22): an effect whose 90% interval includes zero is said to be
not distinguishable from no change, with the replicates that would tell an effect of
that size; a cost per additional child only as a range and only where the interval lies
above zero; one interval definition labelled alike; the same milestones and calendar
years in the terminal, summary.csv, the figures and the report."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES

SERIES = ("shared_purpose", "relationships", "evidence_data", "infrastructure", "capacity", "coordination",
          "tie_density", "partner_engagement", "norm_adoption", "reach_neediest", "mean_trust",
          "children_in_need", "mean_learning")


def _paired(extra_by_seed: dict[str, list[float]], cost: float = 1000.0) -> dict:
    """A compare's results where each scenario adds `extra` children to the baseline's
    reached count at every education milestone for each seed (100 assessed), costing
    `cost` a month."""
    def tables(extra, monthly):
        seeds = list(range(len(extra)))
        milestones = pd.DataFrame([{"seed": s, "year": 2020, "milestone": m, "group": "all",
                                    "reached": 50 + e, "assessed": 100, "share": (50 + e) / 100}
                                   for m in EDUCATION_MILESTONES for s, e in zip(seeds, extra)])
        ts = pd.DataFrame({"seed": seeds, "month": 12, "cost": monthly, **{c: 0.0 for c in SERIES}})
        return {"milestones": milestones, "timeseries": ts}
    n = len(next(iter(extra_by_seed.values())))
    return {"baseline": tables([0.0] * n, 0.0), **{k: tables(v, cost) for k, v in extra_by_seed.items()}}


def _verdicts(lines: list[str]) -> dict[tuple[str, str], str]:
    """{(scenario, milestone label): the verdict line under it} from the terminal's headline."""
    labels = {OUTCOMES[m].short_label: m for m in EDUCATION_MILESTONES}
    out, scenario = {}, None
    for i, line in enumerate(lines):
        m = re.match(r"  (\S+) \(costs ", line)
        if m:
            scenario = m.group(1)
        label = line.strip().split(":")[0]
        if line.startswith("    ") and label in labels:
            out[(scenario, labels[label])] = lines[i + 1].strip()
    return out


NOISY = [-6.0, -3.0, 0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 12.0, 14.0]     # median +4.5, interval around 0
CLEAR = [8.0, 9.0, 10.0, 10.0, 11.0, 11.0, 12.0, 12.0, 13.0, 14.0]
ZERO = [0.0] * 10


def test_a_compare_with_no_effect_says_so_and_gives_no_cost_per_child():
    """summary.csv carries no point cost per child (the old column gave one wherever the
    median was above zero, however wide the interval) and says in words that an effect
    of zero cannot be told from no change; the terminal prints no money per child."""
    from analysis.compare import summarise
    from experiments.compare import headline_lines

    summary = summarise(_paired({"zero": ZERO, "noisy": NOISY}))
    assert "cost_per_extra_child" not in summary.columns
    rows = summary[(summary["scenario"] != "baseline") & summary["outcome"].isin(EDUCATION_MILESTONES)]
    assert rows["cost_per_extra_child_low"].isna().all() and rows["cost_per_extra_child_high"].isna().all()
    assert rows["headline"].str.startswith("not distinguishable from no change with 10 replicates").all()
    verdicts = _verdicts(headline_lines(summary))
    assert set(verdicts) == {(s, m) for s in ("zero", "noisy") for m in EDUCATION_MILESTONES}
    assert all("£" not in v and "per additional child" not in v for v in verdicts.values())
    assert verdicts[("zero", "ks4")] == ("not distinguishable from no change with 10 replicates; "
                                         "the median effect is less than one child")


def test_an_effect_under_one_child_gets_no_replicates_figure():
    """A median that rounds to no child with a wide interval ("0 (-16 to +3)") is not
    given the millions of replicates that would tell it: that figure is no guide."""
    from analysis.compare import summarise

    tiny = [-16.0, -9.0, -4.0, -1.0, 0.0, 0.4, 1.0, 2.0, 2.5, 3.0]     # median +0.2
    row = summarise(_paired({"tiny": tiny})).set_index(["scenario", "outcome", "group"]).loc[("tiny", "ks4", "all")]
    assert row["replicates_needed"] > 10_000                             # what the old sentence printed
    assert row["headline"] == ("not distinguishable from no change with 10 replicates; "
                               "the median effect is less than one child")


def test_the_same_sentence_in_the_terminal_summary_csv_and_the_report():
    """One rule, one wording: the replicates needed for an effect of this size, rounded;
    a cost per child as a range of two-significant-figure amounts where the interval lies above zero."""
    from analysis.compare import summarise
    from analysis.report.formatting import cost_or_uncertainty_text
    from experiments.compare import headline_lines

    summary = summarise(_paired({"noisy": [v + 0.3 for v in NOISY], "clear": CLEAR}))
    lines = headline_lines(summary)
    verdicts = _verdicts(lines)
    counts = [ln for ln in lines if ln.endswith(" children")]
    assert len(counts) == 8 and not any(re.search(r"\d\.\d", ln) for ln in counts)     # whole children
    rows = summary[summary["group"] == "all"].set_index(["scenario", "outcome"])
    for key, verdict in verdicts.items():
        assert verdict == rows.loc[key, "headline"] == cost_or_uncertainty_text(rows.loc[key])
    noisy = verdicts[("noisy", "ks4")]
    needed = int(re.search(r"about ([\d,]+) replicates would be needed", noisy).group(1).replace(",", ""))
    assert needed > 10 and needed == float(f"{rows.loc[('noisy', 'ks4'), 'replicates_needed']:.2g}")
    clear = verdicts[("clear", "ks4")]
    low, high = re.fullmatch(r"£([\d,.]+) to £([\d,.]+)", clear).groups()
    for amount in (low, high):
        digits = amount.replace(",", "").replace(".", "").strip("0")
        assert len(digits) <= 2, clear                                  # two significant figures


def test_one_interval_definition_labelled_alike():
    """The spread over replicates and the paired interval are both the 5th-95th
    percentile, and every output calls it a 90% interval (run said "[10%-90%]")."""
    from analysis.summarise import band
    from experiments.run import summary_lines
    from sim.outcomes import PAIRED_INTERVAL, REPLICATE_BAND

    assert (REPLICATE_BAND.low, REPLICATE_BAND.high) == (PAIRED_INTERVAL.low, PAIRED_INTERVAL.high) == (0.05, 0.95)
    assert REPLICATE_BAND.wording.startswith("90% interval") and PAIRED_INTERVAL.wording.startswith("90% interval")
    results = _paired({"clear": CLEAR})

    class Result:
        milestones = results["clear"]["milestones"]

    header = summary_lines(Result())[0]
    assert "90% interval" in header and "10" not in header.replace("10 replicates", "")
    b = band(Result.milestones, ["milestone"], "share").iloc[0]
    assert b["low"] == np.quantile(np.array(CLEAR) / 100 + 0.5, 0.05)


def test_the_figures_show_the_headline_milestones_and_label_their_bands():
    """The same four milestones as the terminal and the page, the band named in the legend."""
    from analysis.compare import summarise, yearly_milestone_differences
    from analysis.plots import difference_over_time, scenario_milestones
    from experiments.compare import headline_lines
    from sim.outcomes import PAIRED_INTERVAL, REPLICATE_BAND

    results = _paired({"clear": CLEAR})
    for fig, band in ((scenario_milestones(results), REPLICATE_BAND),
                      (difference_over_time(yearly_milestone_differences(results)), PAIRED_INTERVAL)):
        titles = [ax.get_title().replace("\n", " ") for ax in fig.axes if ax.get_title()]
        assert titles == [OUTCOMES[m].short_label for m in EDUCATION_MILESTONES]
        assert band.wording in fig.legends[0].get_title().get_text()
    assert {m for _, m in _verdicts(headline_lines(summarise(results)))} == set(EDUCATION_MILESTONES)


def test_time_series_figures_end_in_the_last_calendar_year_of_the_run():
    """A 2-year run from 2016 covers 2016-2017 (the report's period): the figure's last
    year is 2017, not 2018 (month 24 is the end of 2017)."""
    from analysis.plots import timeseries_panels

    months = np.arange(0, 25)
    ts = pd.DataFrame({"seed": 0, "month": months, "year": 2016 + months / 12, "relationships": months / 24.0})
    fig = timeseries_panels(ts, ["relationships"])
    xs = np.concatenate([line.get_xdata() for line in fig.axes[0].get_lines()])
    assert xs.min() == 2016 and xs.max() == 2017


def test_rounding_to_significant_figures_works_at_any_magnitude():
    """The page met a cost of about 1e-300 (an effect of almost nothing): rounding must
    not raise (decimal.InvalidOperation) however small or large the value."""
    from analysis.report.formatting import money, significant

    assert significant(1.234e-300, 2) == 1.2e-300
    assert significant(9.99e40, 2) == 1e41
    assert significant(-0.000456, 2) == -0.00046
    assert money(1e-250) == "£0"
    from analysis.report.formatting import number

    assert number(1.5e40, 0).startswith("15,000,000,000") and number(-2.5, 0) == "−3"
