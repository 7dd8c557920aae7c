"""Sensitivity and tipping-point analysis of a saved sweep (reads results, never runs the model).

- outcome per design point: the mean across replicates of either a milestone share over
  the run (sim/outcomes.py MILESTONES) or a time-series column averaged over the last
  year (`relationships`, `tie_density`, ...);
- Sobol designs: first-order and total indices (SALib.analyze.sobol) with 95% intervals;
- Morris designs: mu* and sigma of the elementary effects (SALib.analyze.morris);
- Latin hypercube and factorial designs: Spearman rank correlation of each parameter
  with the outcome, and for a factorial of one or two parameters the outcome surface,
  with the largest step between neighbouring levels marked as a candidate tipping point.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.results import SweepFolder
from sim.outcomes import MILESTONES


class AnalysisError(ValueError):
    """An analysis the saved sweep cannot give (one line)."""


def outcome_by_point(sweep: SweepFolder, outcome: str) -> pd.DataFrame:
    """The design table with a column `outcome`: its mean across replicates per point."""
    design = sweep.design()
    if outcome in MILESTONES:
        m = sweep.table("milestones", columns=["point", "seed", "reached", "assessed"],
                        filters=[("milestone", "==", outcome), ("group", "==", "all")])
        per_run = m.groupby(["point", "seed"])[["reached", "assessed"]].sum()
        per_run = (per_run["reached"] / per_run["assessed"]).rename("value").reset_index()
    else:
        if outcome not in sweep.columns("timeseries"):
            raise AnalysisError(f"outcome={outcome}: not a milestone or time-series column")
        ts = sweep.table("timeseries", columns=["point", "seed", "month", outcome])
        last = ts[ts["month"] >= ts["month"].max() - 12]
        per_run = last.groupby(["point", "seed"])[outcome].mean().rename("value").reset_index()
    y = per_run.groupby("point")["value"].mean().rename("outcome")
    return design.set_index("point").join(y, how="left")


def indices(table: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """One row per parameter with the indices the design supports."""
    names = manifest["parameters"]
    bounds = [manifest["bounds"][n] for n in names]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    complete = table.dropna(subset=["outcome"])
    y = complete["outcome"].to_numpy()
    design = manifest["design"]
    if design == "sobol":
        if len(complete) != len(table):
            raise AnalysisError("a Sobol analysis needs every design point; some are missing or failed")
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False)
        return pd.DataFrame({"parameter": names, "S1": res["S1"], "S1_conf": res["S1_conf"],
                             "ST": res["ST"], "ST_conf": res["ST_conf"]}).sort_values("ST", ascending=False)
    if design == "morris":
        if len(complete) != len(table):
            raise AnalysisError("a Morris analysis needs every trajectory; some points are missing or failed")
        from SALib.analyze import morris

        res = morris.analyze(problem, complete[names].to_numpy(), y, num_levels=4)
        return pd.DataFrame({"parameter": names, "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
                             "sigma": res["sigma"]}).sort_values("mu_star", ascending=False)
    rows = []
    for n in names:
        rho = complete[n].rank().corr(complete["outcome"].rank())
        rows.append({"parameter": n, "spearman": rho})
    return pd.DataFrame(rows).sort_values("spearman", key=abs, ascending=False)


def tipping(table: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """For factorial designs: the largest jump in the outcome between neighbouring levels."""
    names = manifest["parameters"]
    rows = []
    for n in names:
        others = [o for o in names if o != n]
        groups = table.groupby(others) if others else [((), table)]
        for key, g in groups:
            g = g.sort_values(n)
            if len(g) < 2:
                continue
            step = g["outcome"].diff().abs()
            i = step.idxmax()
            pos = g.index.get_loc(i)
            rows.append({"parameter": n, "at": {o: v for o, v in zip(others, np.atleast_1d(key))},
                         "from": g[n].iloc[pos - 1], "to": g[n].iloc[pos], "jump": step.max(),
                         "outcome_before": g["outcome"].iloc[pos - 1], "outcome_after": g["outcome"].iloc[pos]})
    return pd.DataFrame(rows).sort_values("jump", ascending=False) if rows else pd.DataFrame()
