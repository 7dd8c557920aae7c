"""Reduce replicates to a median and a band (Covasim's MultiSim.reduce idea), as tidy
tables. Works on saved results only. The band's quantiles and wording are the table of
outcomes' (sim/outcomes.py REPLICATE_BAND, PAIRED_INTERVAL); `quantiles` is the one
helper every summary, the report and the page use."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from sim.outcomes import REPLICATE_BAND


def quantiles(values, qs, axis: int = 0) -> np.ndarray:
    """Quantiles `qs` of `values` along `axis` (the replicates), ignoring missing values
    (NaN: a year with no one assessed); NaN where every value is missing."""
    values = np.asarray(values, dtype=float)
    if values.shape[axis] == 0:
        shape = np.shape(qs) + values.shape[:axis] + values.shape[axis + 1:]
        return np.full(shape, np.nan) if shape else np.float64(np.nan)
    if not np.isnan(values).any():
        return np.quantile(values, qs, axis=axis)            # vectorised: the common case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # all-NaN slices
        return np.nanquantile(values, qs, axis=axis)


def band(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Median, REPLICATE_BAND's low and high quantiles (`low`, `high`) and the number of
    replicates of `value`, per `by` group."""
    g = df.groupby(by, observed=True)[value]
    out = pd.DataFrame({"median": g.median(), "low": g.quantile(REPLICATE_BAND.low),
                        "high": g.quantile(REPLICATE_BAND.high), "replicates": g.count()})
    return out.reset_index()


def milestone_shares(milestones: pd.DataFrame, group: str = "all") -> pd.DataFrame:
    """Per replicate and milestone, the share reaching it over the whole run."""
    m = milestones[milestones["group"] == group]
    tot = m.groupby(["seed", "milestone"], observed=True)[["reached", "assessed"]].sum().reset_index()
    tot["share"] = tot["reached"] / tot["assessed"].where(tot["assessed"] > 0)
    return tot


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """Median and band of the whole-run share reaching each milestone, by group."""
    parts = []
    for group in milestones["group"].unique():
        shares = milestone_shares(milestones, group)
        b = band(shares, ["milestone"], "share")
        b.insert(1, "group", group)
        parts.append(b)
    return pd.concat(parts, ignore_index=True)
