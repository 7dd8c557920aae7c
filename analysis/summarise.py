"""Reduce replicates to a median and a 10-90% band (Covasim's MultiSim.reduce idea),
as tidy tables. Works on saved results only."""
from __future__ import annotations

import pandas as pd

LOW, HIGH = 0.1, 0.9


def band(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Median and 10-90% quantiles of `value` across replicates, per `by` group."""
    g = df.groupby(by, observed=True)[value]
    out = pd.DataFrame({"median": g.median(), "low": g.quantile(LOW), "high": g.quantile(HIGH),
                        "replicates": g.count()})
    return out.reset_index()


def milestone_shares(milestones: pd.DataFrame, group: str = "all") -> pd.DataFrame:
    """Per replicate and milestone, the share reaching it over the whole run."""
    m = milestones[milestones["group"] == group]
    tot = m.groupby(["seed", "milestone"], observed=True)[["reached", "assessed"]].sum().reset_index()
    tot["share"] = tot["reached"] / tot["assessed"].where(tot["assessed"] > 0)
    return tot


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """Median and 10-90% band of the whole-run share reaching each milestone, by group."""
    parts = []
    for group in milestones["group"].unique():
        shares = milestone_shares(milestones, group)
        b = band(shares, ["milestone"], "share")
        b.insert(1, "group", group)
        parts.append(b)
    return pd.concat(parts, ignore_index=True)
