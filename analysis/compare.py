"""Compare scenarios of a compare folder (analysis.results.read_compare): paired
differences to baseline, costs, cost per additional child. Reads only saved results.

Every scenario ran on the same seeds with common random numbers, so differences are
taken seed by seed (paired) before they are summarised: a difference's interval is
sim/outcomes.py PAIRED_INTERVAL (the 5th-95th percentile of the paired differences),
a level's band REPLICATE_BAND (the 5th-95th percentile of replicates: one
definition, labelled "90% interval" in every output).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.summarise import quantiles
from sim.outcomes import OUTCOMES, PAIRED_INTERVAL, REPLICATE_BAND, SYSTEM_AREAS

# Time-series outcomes summarised over the last year of the run.
END_OUTCOMES = SYSTEM_AREAS + ("tie_density", "partner_engagement", "norm_adoption",
                               "reach_neediest", "mean_trust", "children_in_need", "mean_learning")


def _spread(prefix: str, values: np.ndarray, band) -> dict[str, float]:
    """{prefix + "median", prefix + "low", prefix + "high"}: the median and the band."""
    mid, low, high = _median_band(values, band)
    return {f"{prefix}median": mid, f"{prefix}low": low, f"{prefix}high": high}


def _median_band(values: np.ndarray, band) -> tuple[float, float, float]:
    """The median and `band`'s quantiles of the replicates' values (missing ones ignored)."""
    return tuple(float(q) for q in quantiles(values, (0.5, band.low, band.high)))


def milestone_totals(milestones: pd.DataFrame) -> pd.DataFrame:
    """Per seed, milestone and group: children reaching and assessed over the whole run."""
    t = milestones.groupby(["seed", "milestone", "group"], observed=True)[["reached", "assessed"]].sum()
    t["share"] = t["reached"] / t["assessed"].where(t["assessed"] > 0)
    return t.reset_index()


def end_values(ts: pd.DataFrame, months: int = 12, columns=END_OUTCOMES) -> pd.DataFrame:
    """Per seed, the mean of each of `columns` over the last `months` months."""
    last = ts[ts["month"] > ts["month"].max() - months]
    return last.groupby("seed")[list(columns)].mean()


def certainty(median: float, low: float, high: float, replicates: int) -> dict[str, float]:
    """Whether a paired difference can be told apart from no change (its 90% interval
    excludes zero) and, where it cannot, about how many replicates would make an
    interval that narrow around an effect this size exclude zero (the interval's width
    shrinks as one over the square root of the replicates; NaN when the median is 0)."""
    distinguishable = bool(low > 0 or high < 0)
    needed = np.nan
    if not distinguishable and median != 0 and np.isfinite(high - low):
        needed = float(np.ceil(replicates * ((high - low) / 2 / abs(median)) ** 2))
    return {"distinguishable": distinguishable, "replicates_needed": needed}


def cost_per_child_range(total_cost: float, extra_low: float, extra_high: float) -> tuple[float, float]:
    """Cost per additional child at the two ends of the children's 90% interval, only where
    that interval lies above zero (NaN, NaN otherwise: no cost per child can be given)."""
    if not (extra_low > 0 and total_cost > 0):
        return np.nan, np.nan
    return total_cost / extra_high, total_cost / extra_low


def summarise(results: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """One row per scenario x outcome x group (tidy), from CompareFolder.results."""
    base = results["baseline"]
    base_m = milestone_totals(base["milestones"]).set_index(["seed", "milestone", "group"])
    base_end = end_values(base["timeseries"])
    rows = []
    for name, res in results.items():
        ts = res["timeseries"]
        cost = ts.groupby("seed")["cost"].sum()
        m = milestone_totals(res["milestones"]).set_index(["seed", "milestone", "group"])
        joined = m.join(base_m.add_suffix("_base"), how="inner")
        for (milestone, group), g in joined.groupby(level=["milestone", "group"]):
            share = g["share"].to_numpy()
            diff = (g["share"] - g["share_base"]).to_numpy()
            extra = (diff * g["assessed"]).to_numpy()
            seeds = g.index.get_level_values("seed")
            total_cost = cost.reindex(seeds).to_numpy()
            extra_med, extra_low, extra_high = _median_band(extra, PAIRED_INTERVAL)
            cost_med = float(quantiles(total_cost, 0.5))
            per_child_low, per_child_high = cost_per_child_range(cost_med, extra_low, extra_high)
            rows.append(dict(
                scenario=name, outcome=milestone, label=OUTCOMES[milestone].label, group=group,
                unit=OUTCOMES[milestone].unit, **_spread("", share, REPLICATE_BAND),
                **_spread("diff_", diff, PAIRED_INTERVAL), extra_children=extra_med, extra_low=extra_low,
                extra_high=extra_high, total_cost=cost_med,
                cost_per_extra_child_low=per_child_low, cost_per_extra_child_high=per_child_high,
                replicates=len(g), **certainty(extra_med, extra_low, extra_high, len(g))))
        end = end_values(ts)
        paired = end.join(base_end.add_suffix("_base"), how="inner")
        for col in END_OUTCOMES:
            v = paired[col].to_numpy()
            d = (paired[col] - paired[col + "_base"]).to_numpy()
            rows.append(dict(
                scenario=name, outcome=col, label=OUTCOMES[col].label + " (last year of the run)", group="all",
                unit=OUTCOMES[col].unit, **_spread("", v, REPLICATE_BAND), **_spread("diff_", d, PAIRED_INTERVAL),
                extra_children=np.nan, extra_low=np.nan, extra_high=np.nan,
                total_cost=float(quantiles(cost.to_numpy(), 0.5)),
                cost_per_extra_child_low=np.nan, cost_per_extra_child_high=np.nan,
                replicates=len(paired), **certainty(*_median_band(d, PAIRED_INTERVAL), len(paired))))
    out = pd.DataFrame(rows)
    out["headline"] = [headline_text(r) for _, r in out.iterrows()]
    return out


def headline_text(row) -> str:
    """summary.csv's `headline`: the honest-headline sentence of one row, worded as the
    terminal, the report and the page word it (analysis.report.formatting)."""
    from analysis.report.formatting import cost_or_uncertainty_text, difference_text

    if row["scenario"] == "baseline":
        return "the comparison"
    return cost_or_uncertainty_text(row) if np.isfinite(row["extra_children"]) else difference_text(row)


def yearly_milestone_differences(results: dict[str, dict[str, pd.DataFrame]], group: str = "all") -> pd.DataFrame:
    """Per scenario, seed, year and milestone: share minus the baseline's share (paired)."""
    base = results["baseline"]["milestones"]
    base = base[base["group"] == group].set_index(["seed", "year", "milestone"])["share"]
    parts = []
    for name, res in results.items():
        m = res["milestones"]
        m = m[m["group"] == group].set_index(["seed", "year", "milestone"])["share"]
        d = (m - base).rename("diff").reset_index()
        d["scenario"] = name
        parts.append(d)
    return pd.concat(parts, ignore_index=True)
