"""Sensitivity and tipping-point analysis of a saved sweep (reads results, never runs the model).

- outcome per design point: the mean across replicates of either a milestone share over
  the run (sim/outcomes.py MILESTONES) or a time-series column averaged over the last
  year (`relationships`, `tie_density`, ...);
- Sobol designs: first-order and total indices (SALib.analyze.sobol) with 95% intervals;
- Morris designs: mu* and sigma of the elementary effects (SALib.analyze.morris);
- Latin hypercube and factorial designs: Spearman rank correlation of each parameter
  with the outcome;
- factorial designs: whether the outcome tips along each parameter (analysis.tipping: a
  jump a smooth response cannot give, tested on the replicates, or "none found").
"""
from __future__ import annotations

import pandas as pd

from analysis.results import SweepFolder
from analysis.tipping import tipping_table
from sim.outcomes import MILESTONES


class AnalysisError(ValueError):
    """An analysis the saved sweep cannot give (one line)."""


def outcome_by_run(sweep: SweepFolder, outcome: str) -> pd.DataFrame:
    """One row per run (point, seed) with the point's parameters and the run's `value`."""
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
    return per_run.merge(design, on="point", how="left")


def outcome_by_point(runs: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """The design table with a column `outcome`: the mean across replicates per point
    (NaN where a point has no finished run)."""
    y = runs.groupby("point")["value"].mean().rename("outcome")
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


def tipping(runs: pd.DataFrame, manifest: dict, outcome: str) -> pd.DataFrame:
    """For factorial designs: per parameter (at each level of the others), is there a
    tipping point, where, and how sure (analysis.tipping.tipping_table)."""
    return tipping_table(runs, list(manifest["parameters"]), outcome="value", label=outcome)
