"""Sensitivity and tipping-point analysis of a saved sweep (reads results, never runs the model).

- outcome per design point: the mean across replicates of either a milestone share over
  the run (sim/outcomes.py MILESTONES) or a time-series column averaged over the last
  year (`relationships`, `tie_density`, ...);
- Sobol designs: first-order and total indices (SALib.analyze.sobol) with 95% intervals;
- Morris designs: mu* and sigma of the elementary effects (SALib.analyze.morris);
- Latin hypercube and factorial designs: Spearman rank correlation of each parameter
  with the outcome;
- factorial designs: whether the outcome tips along each parameter (analysis.tipping: a
  jump a smooth response cannot give, tested on the replicates, or "none found");
- paired sweeps (sweep.paired=true: the baseline beside the scenario on the same seeds at
  every point): the same indices on the *paired effect*, scenario minus baseline per
  seed, which takes out the noise the two share (`paired_by_run`, PAIRED_OUTCOMES).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.results import SweepFolder
from analysis.tipping import tipping_table
from sim.outcomes import MILESTONES


class AnalysisError(ValueError):
    """An analysis the saved sweep cannot give (one line)."""


def outcome_by_run(sweep: SweepFolder, outcome: str) -> pd.DataFrame:
    """One row per run (point, seed) with the point's parameters and the run's `value`."""
    design = sweep.design()
    arm = [("arm", "==", "scenario")] if sweep.manifest.get("paired") else []   # a paired sweep's scenario rows
    if outcome in MILESTONES:
        m = sweep.table("milestones", columns=["point", "seed", "reached", "assessed"],
                        filters=[("milestone", "==", outcome), ("group", "==", "all"), *arm])
        per_run = m.groupby(["point", "seed"])[["reached", "assessed"]].sum()
        per_run = (per_run["reached"] / per_run["assessed"]).rename("value").reset_index()
    else:
        if outcome not in sweep.columns("timeseries"):
            raise AnalysisError(f"outcome={outcome}: not a milestone or time-series column")
        ts = sweep.table("timeseries", columns=["point", "seed", "month", outcome], filters=arm)
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


# The paired outcomes beyond any milestone or time-series column (whose paired effect is
# the scenario's level minus the baseline's): name -> what the number is.
PAIRED_OUTCOMES = {
    "ks4_gap": "change in the gap to the England mean at KS4, percentage points (negative: the gap narrows)",
    "relationships_after_exit": "relationships 5 years after the scenario's spending stops, scenario minus "
                                "baseline (0-1 index)",
    "extra_per_million": "additional children reaching KS4 per GBP 1m spent (the reciprocal of the cost per "
                         "additional child, which has no value where the effect is zero or negative)",
}
DEFAULT_PAIRED = tuple(PAIRED_OUTCOMES)
YEARS_AFTER_EXIT = 5


def _milestone_shares(sweep: SweepFolder, milestone: str) -> pd.DataFrame:
    """(point, seed) rows with share_scenario, share_baseline and assessed_scenario."""
    m = sweep.table("milestones", columns=["point", "seed", "arm", "reached", "assessed"],
                    filters=[("milestone", "==", milestone), ("group", "==", "all")])
    per = m.groupby(["point", "seed", "arm"])[["reached", "assessed"]].sum()
    per["share"] = per["reached"] / per["assessed"]
    wide = per[["share", "assessed"]].unstack("arm")
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    return wide.reset_index()


def _series(sweep: SweepFolder, columns: list[str]) -> pd.DataFrame:
    return sweep.table("timeseries", columns=["point", "seed", "arm", "month", *columns])


def paired_by_run(sweep: SweepFolder, outcome: str) -> pd.DataFrame:
    """One row per run (point, seed) with the point's parameters and `value`, the paired
    effect: the scenario's outcome minus the baseline's on the same seed."""
    if not sweep.manifest.get("paired"):
        raise AnalysisError(f"{sweep.folder}: not a paired sweep; run it with sweep.paired=true "
                            f"(e.g. sweep=morris_paired) to have the baseline on the same seeds")
    if outcome in MILESTONES or outcome == "ks4_gap":
        shares = _milestone_shares(sweep, "ks4" if outcome == "ks4_gap" else outcome)
        diff = shares["share_scenario"] - shares["share_baseline"]
        value = -100.0 * diff if outcome == "ks4_gap" else diff
    elif outcome == "extra_per_million":
        shares = _milestone_shares(sweep, "ks4")
        ts = _series(sweep, ["cost_to_date"])
        spent = ts[ts["arm"] == "scenario"].groupby(["point", "seed"])["cost_to_date"].max().rename("spent")
        shares = shares.join(spent, on=["point", "seed"])
        if not (shares["spent"] > 0).all():
            raise AnalysisError("outcome=extra_per_million: a run of the scenario spent nothing; no cost per child")
        extra = (shares["share_scenario"] - shares["share_baseline"]) * shares["assessed_scenario"]
        value = 1e6 * extra / shares["spent"]
    elif outcome == "relationships_after_exit":
        shares = _after_exit(_series(sweep, ["relationships", "cost_to_date"]))
        value = shares["value"]
    elif outcome in sweep.columns("timeseries"):
        ts = _series(sweep, [outcome])
        last = ts[ts["month"] >= ts["month"].max() - 12]
        shares = last.groupby(["point", "seed", "arm"])[outcome].mean().unstack("arm").reset_index()
        value = shares["scenario"] - shares["baseline"]
    else:
        raise AnalysisError(f"outcome={outcome}: not a milestone, a time-series column or one of "
                            f"{', '.join(PAIRED_OUTCOMES)}")
    runs = shares[["point", "seed"]].assign(value=np.asarray(value, dtype=float))
    return runs.merge(sweep.design(), on="point", how="left")


def _after_exit(ts: pd.DataFrame) -> pd.DataFrame:
    """relationships YEARS_AFTER_EXIT years after the scenario's spending stops (the first
    yearly row at which cost_to_date has reached its final value), scenario minus baseline."""
    scen = ts[ts["arm"] == "scenario"].sort_values("month")
    final = scen.groupby(["point", "seed"])["cost_to_date"].transform("max")
    if not (final > 0).all():
        raise AnalysisError("outcome=relationships_after_exit: a run of the scenario spent nothing; no exit to "
                            "measure from")
    stopped = scen[scen["cost_to_date"] >= final].groupby(["point", "seed"])["month"].min()
    last = int(ts["month"].max())
    if (stopped >= last).any():
        raise AnalysisError("outcome=relationships_after_exit: the scenario is still spending at the end of some "
                            "runs; give it an end_year (e.g. scenario=core_team_exit5)")
    target = (stopped + 12 * YEARS_AFTER_EXIT).rename("target")
    if (target > last).any():
        need = int(np.ceil(target.max() / 12))
        raise AnalysisError(f"outcome=relationships_after_exit: the runs end at year {last // 12}, before "
                            f"{YEARS_AFTER_EXIT} years after exit; run.years={need} or more")
    wide = ts.pivot_table(index=["point", "seed", "month"], columns="arm", values="relationships").reset_index()
    wide = wide.join(target, on=["point", "seed"])
    at = wide[wide["month"] >= wide["target"]].sort_values("month").groupby(["point", "seed"]).first()
    return (at["scenario"] - at["baseline"]).rename("value").reset_index()


def uncertain_mark(parameter: str) -> bool | None:
    """The registry's uncertain mark of a model or place parameter (None for others)."""
    from sim.params import ModelParams
    from sim.registry import entries

    for e in entries(ModelParams(), "model."):
        if e.name == parameter:
            return bool(e.spec.uncertain)
    return None


def ranked_chart(table: pd.DataFrame):
    """One panel per outcome: parameters ranked by their index, assumptions and
    evidence-based numbers in two colours, intervals as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.style import OKABE_ITO

    outcomes = list(dict.fromkeys(table["outcome"]))
    metric = "ST" if "ST" in table.columns else "mu_star"
    conf = f"{metric}_conf"
    n = table.groupby("outcome").size().max()
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.5 * len(outcomes), max(3.0, 1.2 + 0.32 * n)), squeeze=False)
    for ax, name in zip(axes[0], outcomes):
        t = table[table["outcome"] == name].sort_values(metric, ascending=True)
        colours = [OKABE_ITO[3] if u else OKABE_ITO[0] for u in t["uncertain"]]
        ax.barh(t["parameter"], t[metric], xerr=t[conf] if conf in t.columns else None, color=colours,
                error_kw={"elinewidth": 0.8})
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("total-order Sobol index" if metric == "ST" else "Morris mu* (scaled to the largest)")
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(alpha=0.3, axis="x")
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=OKABE_ITO[3], label="assumption (uncertain)"),
                        Patch(color=OKABE_ITO[0], label="evidence-based")], loc="upper right", fontsize=8, ncol=2)
    fig.suptitle("Which numbers move the paired effect (scenario minus baseline, same seeds)?", x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    return fig
