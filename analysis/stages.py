"""Months to each of seed 003's stages, per place, with intervals from the replicates.

Which place moves faster (seed 003 L1644-1656: "different contexts enable different
speeds of progress") is an output: a place with prior partnership starts with ties but
also with entrenched routines and gatekeeping; one without starts thin but open
(docs/ODD.md 7.14). For each run (a place and a scenario) and each stage above the
first, a replicate's time is the first month its `stage` reporter reaches that stage;
a replicate that never does within the run is censored (counted as later than the run).
The median is taken over replicates with censored ones last, and its interval is a
percentile bootstrap over replicates (so a median beyond the run reads "later than").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.reporters import STAGES

BOOTSTRAP = 2000
LEVEL = 0.9


def months_to_stage(timeseries: pd.DataFrame) -> pd.DataFrame:
    """(seed x stage 2..4): the first month (>= 1) each replicate's stage reaches it, NaN
    if never. `timeseries` needs the columns seed, month, stage."""
    ts = timeseries[timeseries["month"] >= 1]
    seeds = np.sort(ts["seed"].unique())
    out = pd.DataFrame(index=pd.Index(seeds, name="seed"))
    for level in range(2, len(STAGES) + 1):
        reached = ts[ts["stage"] >= level].groupby("seed")["month"].min()
        out[level] = reached.reindex(seeds).to_numpy(dtype=float)
    return out


def _median(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """The median with censored replicates (inf) last: the lower middle order statistic,
    inf when half or more never reached the stage."""
    ordered = np.sort(values, axis=axis)
    return np.take(ordered, (values.shape[axis] - 1) // 2, axis=axis)


def summarise(times: dict[str, pd.DataFrame], horizon: dict[str, int], seed: int = 0) -> pd.DataFrame:
    """One row per run label and stage: replicates, how many reached it, the median months
    to it and a LEVEL bootstrap interval (inf: later than the run's `horizon` months)."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, table in times.items():
        for level in table.columns:
            t = np.where(np.isnan(table[level].to_numpy()), np.inf, table[level].to_numpy())
            n = len(t)
            draws = _median(t[rng.integers(0, n, (BOOTSTRAP, n))], axis=1)
            low, high = np.quantile(draws, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], method="inverted_cdf")
            rows.append(dict(run=label, stage=int(level), stage_name=STAGES[int(level) - 1],
                             replicates=n, reached=int(np.isfinite(t).sum()), months=int(horizon[label]),
                             median_months=float(_median(t)), low=float(low), high=float(high)))
    return pd.DataFrame(rows)


def _months(value: float, horizon: int) -> str:
    return f">{horizon}" if not np.isfinite(value) else f"{value:.0f}"


def sentences(summary: pd.DataFrame) -> list[str]:
    """One line per run and stage, and which run reached each stage first (by median)."""
    lines = []
    for _, row in summary.iterrows():
        if not np.isfinite(row["low"]):
            when = f"not within its {row['months']} months"
        else:
            when = (f"in {_months(row['median_months'], row['months'])} months ({LEVEL:.0%} interval "
                    f"{_months(row['low'], row['months'])} to {_months(row['high'], row['months'])})")
        lines.append(f"{row['run']}: stage {row['stage']} ({row['stage_name']}) {when}; "
                     f"{row['reached']} of {row['replicates']} replicates reached it")
    if summary["run"].nunique() > 1:
        for level, part in summary.groupby("stage"):
            finite = part[np.isfinite(part["median_months"])]
            if finite.empty:
                lines.append(f"Stage {level}: no run reached it in half its replicates.")
                continue
            first = finite.sort_values("median_months").iloc[0]
            clear = all(first["high"] < other["low"] for _, other in part.iterrows() if other["run"] != first["run"])
            lines.append(f"Stage {level}: {first['run']} first"
                         + ("" if clear else " (the intervals overlap: not told apart)") + ".")
    return lines
