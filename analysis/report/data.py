"""The numbers behind the report's words, computed from a compare folder's results.

`Context` is what every section needs (scenarios in order, when each one's support runs,
the run's calendar years, the headline rows of the compare's summary); the rest are paired
computations over replicates (per seed, scenario minus baseline on the same seed).
A parameter "moves the headline" (`moving_guesses`) if, for a milestone outcome
(eyfs_gld, ks2, ks4, eet18: the headline milestones of every output; any outcome if none is a milestone), its total
Sobol index ST (or S1) is at least 0.05, its Morris mu* at least a tenth of the largest,
or its rank correlation at least 0.3 in size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.report.formatting import number, place_title
from analysis.report.inputs import CompareInputs
from analysis.summarise import quantiles
from sim.outcomes import EDUCATION_MILESTONES, PAIRED_INTERVAL, SYSTEM_AREAS

def moving_guesses(sensitivity: pd.DataFrame | None) -> dict[str, str]:
    """{parameter: "ST 0.31 for ks4"} for the parameters that move the headline (the
    rule is in the module docstring)."""
    if sensitivity is None or sensitivity.empty:
        return {}
    s = sensitivity
    headline = s[s["outcome"].isin(EDUCATION_MILESTONES)]
    s = (headline if not headline.empty else s).copy()
    s["size"] = s["value"].abs()
    out: dict[str, str] = {}
    for (outcome, index), g in s.groupby(["outcome", "index"], sort=False):
        cut = {"ST": 0.05, "S1": 0.05, "spearman": 0.3}.get(index, 0.1 * float(g["size"].max()))
        for r in g[g["size"] >= cut].sort_values("size", ascending=False).itertuples():
            text = f"{index} {number(r.value, 2)} for {outcome}"
            out[r.parameter] = f"{out[r.parameter]}; {text}" if r.parameter in out else text
    return out

@dataclass
class Support:
    """When a scenario's support runs, in years from the start (end None: to the end)."""

    start: float | None
    end: float | None
    team: bool
    yearly_cost: float

    @property
    def any(self) -> bool:
        return self.start is not None

    @property
    def first_month(self) -> int:
        return int(round((self.start or 0.0) * 12)) + 1

    def last_month(self, months: int) -> int:
        """The last month with support (the run's last month if it never ends)."""
        return months if self.end is None else min(int(round(self.end * 12)), months)


def support_of(cfg: dict) -> Support:
    ivs = ((cfg.get("scenario") or {}).get("interventions") or {})
    if not ivs:
        return Support(None, None, False, 0.0)
    team = {k: v for k, v in ivs.items() if (v or {}).get("kind") == "core_team"}
    chosen = team or ivs
    starts = [float((v or {}).get("start_year") or 0.0) for v in chosen.values()]
    ends = [(v or {}).get("end_year") for v in chosen.values()]
    end = None if any(e is None for e in ends) else max(float(e) for e in ends)
    yearly = sum(12 * float((v or {}).get("monthly_cost") or 0.0) * float((v or {}).get("intensity", 1.0) or 0.0)
                 for v in ivs.values())
    return Support(min(starts), end, bool(team), yearly)


def year_of_month(start_year: int, month: int) -> int:
    """The calendar year month m (1, 2, ...) of a run falls in; month 0 counts as the first."""
    return start_year + (max(int(month), 1) - 1) // 12


def calendar_span(start_year: int, first_month: int, last_month: int) -> str:
    a, b = year_of_month(start_year, first_month), year_of_month(start_year, last_month)
    return str(a) if a == b else f"{a}\u2013{b}"


def median_interval(values: np.ndarray) -> tuple[float, float, float]:
    """The median of paired differences over seeds and their PAIRED_INTERVAL (90%)."""
    median, low, high = quantiles(values, (0.5, PAIRED_INTERVAL.low, PAIRED_INTERVAL.high))
    return float(median), float(low), float(high)


def _window_means(ts: pd.DataFrame, first: int, last: int, cols: list[str]) -> pd.DataFrame:
    w = ts[(ts["month"] >= first) & (ts["month"] <= last)]
    return w.groupby("seed")[cols].mean()


def extra_children_between(results: dict, scenario: str, first_year: int, last_year: int,
                           milestone: str, group: str = "all") -> np.ndarray:
    """Per seed: additional children reaching `milestone` in calendar years
    [first_year, last_year], paired with the baseline (share difference x assessed)."""
    def pick(m: pd.DataFrame) -> pd.DataFrame:
        m = m[(m["milestone"] == milestone) & (m["group"] == group)
              & (m["year"] >= first_year) & (m["year"] <= last_year)]
        return m.set_index(["seed", "year"])[["share", "assessed"]]

    s = pick(results[scenario]["milestones"])
    b = pick(results["baseline"]["milestones"])
    j = s.merge(b, left_index=True, right_index=True, how="inner", suffixes=("", "_base"))
    extra = ((j["share"] - j["share_base"]) * j["assessed"]).fillna(0.0)
    return extra.groupby(level="seed").sum().to_numpy()

# -- the context of a compare report -------------------------------------------------------------

@dataclass
class Context:
    inputs: CompareInputs
    names: list[str]
    others: list[str]
    index: dict[str, int]
    start_year: int
    years: float
    place: str
    place_name: str
    supports: dict[str, Support]
    exit_years: dict[str, tuple[int, float]]
    summary_all: pd.DataFrame

    @property
    def results(self) -> dict:
        return self.inputs.results

    @property
    def last_year(self) -> int:
        """The last calendar year the run covers (a run of 8 years from 2016 ends in 2023)."""
        return self.start_year + int(math.ceil(self.years - 1e-9)) - 1

    @property
    def period(self) -> str:
        return f"{self.start_year}\u2013{self.last_year}"

    @property
    def months(self) -> int:
        return int(self.inputs.manifest["months"])

    @property
    def replicates(self) -> int:
        return len(self.inputs.manifest["seeds"])


def context_of(inputs: CompareInputs) -> Context:
    m = inputs.manifest
    names = [n for n in m["scenarios"] if n in inputs.results]
    names = ["baseline"] + [n for n in names if n != "baseline"]
    order = list(m["scenarios"])
    index = {n: (order.index(n) if n in order else i) for i, n in enumerate(names)}
    supports = {n: support_of(inputs.configs[n]) for n in names}
    years = float(m["months"]) / 12
    start = int(m["start_year"])
    # Yearly values are drawn at their calendar year, so a boundary t years into the run
    # sits half a year before the point of calendar year start + t.
    exits = {n: (index[n], start + s.end - 0.5) for n, s in supports.items()
             if s.any and s.end is not None and s.end < years}
    s = inputs.summary
    summary_all = s[(s["group"] == "all") & s["outcome"].isin(EDUCATION_MILESTONES)]
    return Context(inputs, names, [n for n in names if n != "baseline"], index, start, years, m["place"],
                   place_title(m["place"]), supports, exits, summary_all)


def system_periods(ctx: Context, name: str) -> dict[str, Any]:
    """Per seed mean of the six areas (and their mean) before, during and after support."""
    cols = list(SYSTEM_AREAS)
    months = ctx.months
    sup = ctx.supports[name]
    end_m = sup.last_month(months)
    windows = {"before": (0, 0), "during": (max(end_m - 11, 1), end_m)}
    if end_m < months:
        windows["after"] = (months - 11, months)
    out = {}
    for key, (a, b) in windows.items():
        s = _window_means(ctx.results[name]["timeseries"], a, b, cols + ["stage"])
        base = _window_means(ctx.results["baseline"]["timeseries"], a, b, cols + ["stage"])
        s["mean6"] = s[cols].mean(axis=1)
        base["mean6"] = base[cols].mean(axis=1)
        j = s.merge(base, left_index=True, right_index=True, how="inner", suffixes=("", "_base"))
        out[key] = (j, a, b)
    return out


