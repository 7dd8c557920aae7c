"""Does it tip? What is left of a scenario's gain once its support ends, by one rule that
the funders' report (analysis/report) and the page (app/) both use.

For each of seed 003's six system areas (sim/outcomes.py SYSTEM_AREAS) and norm adoption,
the gain is the scenario minus the baseline on the same seed (paired), averaged over a
year, and summarised as a median and PAIRED_INTERVAL (the 90% interval of the paired
differences). It is measured twice: in the last year of support, and in the year that
ends YEARS_AFTER years after support ends (or, in a shorter run, as many whole years
after as the run has). Then, per measure:

- STAYS: the gain after is above zero beyond noise (its interval lies above zero), and it
  was above zero in the last year of support;
- LATER: above zero after, though not clearly so while support ran;
- FADES: it was above zero in the last year of support, and after it can no longer be
  told apart from the baseline (its interval includes zero);
- NO_GAIN: not clearly above zero even in the last year of support, nor after;
- BELOW: below the baseline after, beyond noise.

A gain that stays is compared with itself at exit (paired, after minus at exit): "grew"
or "shrank" only where that interval excludes zero. Staying above the baseline for a few
years is not called tipping: it says how long a gain outlasts its support, not that it
sustains itself for good.

The answer is "too early to tell" when support still runs at the end of the run, or when
fewer than MIN_YEARS_AFTER whole years follow it; "cannot tell" with fewer than
MIN_REPLICATES replicates (with 4 paired replicates, all four on one side of zero by
chance has probability 1/8 under no effect, about the 90% interval's two tails; with 3 it
is 1/4). Both minimums are design choices, not evidence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.summarise import quantiles
from sim.outcomes import OUTCOMES, PAIRED_INTERVAL, SYSTEM_AREAS

MEASURES = SYSTEM_AREAS + ("norm_adoption",)
YEARS_AFTER = 5            # N: the years after support ends at which a gain is judged
MIN_YEARS_AFTER = 2        # fewer whole years after support ends: too early to tell
MIN_REPLICATES = 4         # fewer paired replicates: cannot tell
NOT_SUPPORT = ("shock",)   # intervention kinds that are not support (a shock's end is not an exit)

STAYS, LATER, FADES, NO_GAIN, BELOW = "stays", "later", "fades back", "no clear gain", "below"
ANSWERED, TOO_EARLY, TOO_FEW = "answered", "too early to tell", "too few replicates"

Interval = tuple  # (median, low, high)


# The sentence's names: short, and without "and" or commas, so that a list of them reads
# plainly; tables use the outcomes' labels (`measure_label`).
SENTENCE_NAMES = {"shared_purpose": "shared purpose", "relationships": "relationships",
                  "evidence_data": "use of evidence", "infrastructure": "infrastructure",
                  "capacity": "capacity for system change", "coordination": "coordination",
                  "norm_adoption": "norm adoption"}


def measure_name(measure: str) -> str:
    """A measure as the sentence names it (singular, lower case)."""
    return SENTENCE_NAMES.get(measure, measure.replace("_", " "))


def measure_label(measure: str) -> str:
    """A measure as a table labels it (sim/outcomes.py)."""
    return OUTCOMES[measure].short_label


def support_end(interventions: dict | None) -> float | None:
    """When the scenario's last support ends, in years from the start of the run; None when
    there is no support or some of it never ends (then nothing can be said about after)."""
    ends = [(v or {}).get("end_year") for v in (interventions or {}).values()
            if (v or {}).get("kind") not in NOT_SUPPORT]
    if not ends or any(e is None for e in ends):
        return None
    return max(float(e) for e in ends)


def _interval(values: np.ndarray) -> Interval:
    mid, low, high = quantiles(values, (0.5, PAIRED_INTERVAL.low, PAIRED_INTERVAL.high))
    return float(mid), float(low), float(high)


def _above(iv: Interval) -> bool:
    return iv[1] > 0


def _below(iv: Interval) -> bool:
    return iv[2] < 0


@dataclass(frozen=True)
class MeasureAnswer:
    """One measure's gain in the last year of support and after, and the verdict."""

    measure: str
    verdict: str          # STAYS, LATER, FADES, NO_GAIN or BELOW
    at_exit: Interval     # paired gain in the last year of support: median, low, high
    after: Interval       # paired gain `years_after` years after support ends
    change: Interval      # after minus at exit, paired
    trend: str            # "grew", "shrank" or "" (cannot tell, or not asked)


@dataclass(frozen=True)
class TipAnswer:
    """The answer for one scenario: whether its gains outlast its support."""

    status: str                     # ANSWERED, TOO_EARLY or TOO_FEW
    end: float                      # support ends, years from the start
    months: int                     # the run's length
    years_after: int                # whole years after support ends that were judged (0 if too early)
    replicates: int
    measures: tuple[MeasureAnswer, ...] = ()

    @property
    def end_month(self) -> int:
        return int(round(self.end * 12))

    def by_verdict(self, verdict: str) -> list[MeasureAnswer]:
        return [m for m in self.measures if m.verdict == verdict]

    def sentence(self, start_year: int | None = None) -> str:
        """One plain sentence that claims no more than the intervals allow."""
        from analysis.report.formatting import years_text

        after_end = max(self.months - self.end_month, 0) / 12
        when = ""
        if start_year is not None:
            when = f" (in {_calendar_year(start_year, self.end_month)})"
        if self.status == TOO_EARLY:
            if self.end_month >= self.months:
                return "Too early to tell: the support is still running when the run ends."
            return (f"Too early to tell: the run ends {years_text(round(after_end, 1))} after the support "
                    f"ends{when}; at least {MIN_YEARS_AFTER} are needed to see whether its gains last "
                    f"(a longer run: run.years={int(np.ceil(self.end)) + YEARS_AFTER}).")
        if self.status == TOO_FEW:
            n = self.replicates
            return (f"Cannot tell yet: {n} replicate{' is' if n == 1 else 's are'} too "
                    f"few to tell a lasting gain from noise (at least {MIN_REPLICATES} are needed).")
        k = self.years_after
        clauses = []
        stays = self.by_verdict(STAYS)
        for trend, tail in (("grew", ", by more than when the support ended"),
                            ("shrank", ", by less than when the support ended"),
                            ("", "")):
            group = [m for m in stays if m.trend == trend]
            if group:
                clauses.append(f"{_names(group)} {_verb(group, 'stays', 'stay')} above the baseline{tail}")
        for verdict, one, many in (
                (LATER, "rises above the baseline only after the support ends",
                 "rise above the baseline only after the support ends"),
                (FADES, "fades back: it can no longer be told apart from the baseline",
                 "fade back: they can no longer be told apart from the baseline"),
                (BELOW, "ends below the baseline", "end below the baseline"),
                (NO_GAIN, "showed no gain beyond noise even in the last year of support",
                 "showed no gain beyond noise even in the last year of support")):
            group = self.by_verdict(verdict)
            if group:
                clauses.append(f"{_names(group)} {one if len(group) == 1 else many}")
        short = f" (the run ends then; {YEARS_AFTER} years would need run.years=" \
                f"{int(np.ceil(self.end)) + YEARS_AFTER})" if k < YEARS_AFTER else ""
        head = f"{years_text(k).capitalize()} after the support ends{short}, "
        if start_year is not None:
            head = (f"By {_calendar_year(start_year, self.end_month + 12 * k)}, {years_text(k)} after the support "
                    f"ends in {_calendar_year(start_year, self.end_month)}{short}, ")
        text = head + "; ".join(clauses)
        return (text + f" (paired differences to the baseline over {self.replicates} replicates, "
                "judged by their 90% interval).")

    def table(self) -> pd.DataFrame:
        """One row per measure: the gain at exit and after (median, low, high), the verdict."""
        rows = []
        for m in self.measures:
            rows.append({"measure": m.measure, "label": measure_label(m.measure),
                         "at_exit": m.at_exit[0], "at_exit_low": m.at_exit[1], "at_exit_high": m.at_exit[2],
                         "after": m.after[0], "after_low": m.after[1], "after_high": m.after[2],
                         "change": m.change[0], "change_low": m.change[1], "change_high": m.change[2],
                         "trend": m.trend, "verdict": m.verdict})
        return pd.DataFrame(rows)


def _calendar_year(start_year: int, month: int) -> int:
    return start_year + (max(int(month), 1) - 1) // 12


def _names(group: list[MeasureAnswer]) -> str:
    names = [measure_name(m.measure) for m in group]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _verb(group: list, one: str, many: str) -> str:
    return one if len(group) == 1 else many


def _year_means(ts: pd.DataFrame, last_month: int, columns: list[str]) -> pd.DataFrame:
    """Per seed, the mean of `columns` over the 12 months ending at `last_month`."""
    w = ts[(ts["month"] > last_month - 12) & (ts["month"] <= last_month)]
    return w.groupby("seed")[columns].mean()


def verdict_of(at_exit: Interval, after: Interval) -> str:
    """The rule of the module docstring, for one measure."""
    if _above(after):
        return STAYS if _above(at_exit) else LATER
    if _below(after):
        return BELOW
    return FADES if _above(at_exit) else NO_GAIN


def tip_answer(baseline: pd.DataFrame, scenario: pd.DataFrame, end: float | None,
               years_after: int = YEARS_AFTER, measures=MEASURES) -> TipAnswer | None:
    """Whether a scenario's gains outlast its support (None when support never ends).

    `baseline` and `scenario` are time-series tables (seed, month and the measures'
    columns) on the same seeds; `end` is when support ends, in years from the start."""
    if end is None:
        return None
    months = int(max(baseline["month"].max(), scenario["month"].max()))
    seeds = np.intersect1d(baseline["seed"].unique(), scenario["seed"].unique())
    end_m = int(round(float(end) * 12))
    k = min(int(years_after), max(months - end_m, 0) // 12)
    if end_m >= months or k < MIN_YEARS_AFTER:
        return TipAnswer(TOO_EARLY, float(end), months, 0, len(seeds))
    if len(seeds) < MIN_REPLICATES:
        return TipAnswer(TOO_FEW, float(end), months, k, len(seeds))
    cols = [c for c in measures if c in scenario.columns and c in baseline.columns]
    at_s, at_b = _year_means(scenario, end_m, cols), _year_means(baseline, end_m, cols)
    af_s, af_b = _year_means(scenario, end_m + 12 * k, cols), _year_means(baseline, end_m + 12 * k, cols)
    gain_at = (at_s - at_b).reindex(seeds)
    gain_after = (af_s - af_b).reindex(seeds)
    answers = []
    for c in cols:
        at, after = gain_at[c].to_numpy(), gain_after[c].to_numpy()
        iv_at, iv_after, iv_change = _interval(at), _interval(after), _interval(after - at)
        verdict = verdict_of(iv_at, iv_after)
        trend = ""
        if verdict == STAYS:
            trend = "grew" if _above(iv_change) else "shrank" if _below(iv_change) else ""
        answers.append(MeasureAnswer(c, verdict, iv_at, iv_after, iv_change, trend))
    return TipAnswer(ANSWERED, float(end), months, k, len(seeds), tuple(answers))
