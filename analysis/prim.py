"""Scenario discovery: where in parameter space do the team's gains last after it leaves?

Each run of a sweep is one case: its point's parameters, and whether the gain lasted
(`lasting`): on a paired sweep, the indicator 5 years after the scenario's spending stops
above the baseline's on the same seed by more than `threshold`
(analysis.sensitivity.paired_by_run, relationships_after_exit); otherwise the indicator's
last-year level above its level at the start of the run by more than `threshold`.
PRIM (Friedman and Fisher 1999; ema_workbench's implementation) peels the parameter box
towards the cases where it lasted; each step of the peeling trajectory trades coverage
(the share of all lasting cases inside the box) against density (the share of cases in
the box that last). The box reported is the densest with a coverage of at least
MIN_COVERAGE, so it still speaks for most of the lasting cases.

Honest limits: a box is a description of the sweep's runs, not a guarantee; with few
runs its edges move with the replicates; a parameter the box restricts only a little
is reported as restricted all the same (its limits say by how much).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

MIN_COVERAGE = 0.5
MIN_DENSITY = 0.8       # ema_workbench's threshold: a box must reach this density to be found
PEEL_ALPHA = 0.05


class PrimError(ValueError):
    """A scenario discovery the data cannot give (one line)."""


def gain_by_run(sweep, name: str) -> pd.DataFrame:
    """Per run of an unpaired sweep: the indicator's last-year mean minus its value at
    the start, with the point's parameters (column `value`)."""
    if name not in sweep.columns("timeseries"):
        raise PrimError(f"outcome={name}: not a time-series column")
    ts = sweep.table("timeseries", columns=["point", "seed", "month", name])
    first = ts[ts["month"] == ts["month"].min()].set_index(["point", "seed"])[name]
    last = ts[ts["month"] >= ts["month"].max() - 12].groupby(["point", "seed"])[name].mean()
    gain = (last - first).rename("value").reset_index()
    return gain.merge(sweep.design(), on="point", how="left")


def discover(x: pd.DataFrame, lasting: np.ndarray, min_coverage: float = MIN_COVERAGE):
    """(trajectory, box, chosen): the peeling trajectory (coverage, density, mass,
    res_dim per step), the chosen box's limits (parameter, low, high, restricted, and the
    full range) and the index of the chosen step."""
    lasting = np.asarray(lasting, dtype=bool)
    if lasting.all() or not lasting.any():
        raise PrimError(f"the gains last in {'every' if lasting.all() else 'no'} run: no box to find")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        finder = prim.Prim(x.reset_index(drop=True), lasting, threshold=MIN_DENSITY, peel_alpha=PEEL_ALPHA)
        box = finder.find_box()
    if box is None:
        raise PrimError(f"PRIM found no box where the gains last in at least {MIN_DENSITY:.0%} of runs")
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(drop=True)
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(eligible["density"].idxmax()) if len(eligible) else 0
    first, limits = box.box_lims[0], box.box_lims[chosen]
    rows = []
    for name in x.columns:
        lo, hi = float(limits[name].iloc[0]), float(limits[name].iloc[1])
        full_lo, full_hi = float(first[name].iloc[0]), float(first[name].iloc[1])
        rows.append({"parameter": name, "low": lo, "high": hi, "range_low": full_lo, "range_high": full_hi,
                     "restricted": bool(lo > full_lo or hi < full_hi)})
    return trajectory.assign(chosen=trajectory.index == chosen), pd.DataFrame(rows), chosen


def sentences(trajectory: pd.DataFrame, box: pd.DataFrame, chosen: int, lasting: np.ndarray, what: str) -> list[str]:
    """The answer in plain sentences."""
    share = float(np.mean(lasting))
    step = trajectory.iloc[chosen]
    out = [f"The gains last ({what}) in {share:.0%} of the {len(lasting)} runs."]
    limits = []
    for _, r in box[box["restricted"]].iterrows():
        if r["low"] > r["range_low"] and r["high"] < r["range_high"]:
            limits.append(f"{r['parameter']} is between {r['low']:.3g} and {r['high']:.3g}")
        elif r["low"] > r["range_low"]:
            limits.append(f"{r['parameter']} is above {r['low']:.3g}")
        else:
            limits.append(f"{r['parameter']} is below {r['high']:.3g}")
    if not limits:
        out.append("PRIM found no box denser than the whole sweep: no region of these parameters where the "
                   "gains last more often than anywhere else.")
        return out
    out.append(f"Where {' and '.join(limits)}, they last in {step['density']:.0%} of runs (density); that box "
               f"holds {step['coverage']:.0%} of all the runs where they last (coverage) and "
               f"{step['mass']:.0%} of all runs.")
    free = box.loc[~box["restricted"], "parameter"].tolist()
    if free:
        out.append(f"Within it, {', '.join(free)} can take any value swept.")
    return out


def tradeoff_figure(trajectory: pd.DataFrame, title: str):
    """Coverage against density along the peeling trajectory, the chosen box marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.style import OKABE_ITO

    fig, ax = plt.subplots(figsize=(5.5, 4))
    sc = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis", s=18)
    fig.colorbar(sc, ax=ax, label="parameters restricted")
    pick = trajectory[trajectory["chosen"]]
    ax.scatter(pick["coverage"], pick["density"], s=120, facecolors="none", edgecolors=OKABE_ITO[3], linewidths=2,
               label="box reported")
    ax.set_xlabel("coverage (share of lasting runs inside the box)")
    ax.set_ylabel("density (share of runs in the box that last)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
