"""Run the vectorised model and the Mesa reference over many seeds and compare the
distributions of their end-of-run quantities (used by tests/test_reference_crosscheck.py
and `python -m benchmarks.reference.crosscheck` for a readable table)."""
from __future__ import annotations

import argparse
import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from benchmarks.reference.model import Alteration, milestone_totals, run_reference
from sim.outcomes import GROUPS, MILESTONES

# What is compared: every milestone share (whole run, all children and children in
# families in need) and, at the last month, the main family, service and system indicators.
MILESTONE_KEYS = tuple(m if g == "all" else f"{m}.{g}" for m in MILESTONES for g in GROUPS)
INDICATOR_KEYS = (
    "children", "mean_learning", "mean_health", "mean_wellbeing", "learning_under5",
    "health_under5", "workless_share",
    "mean_stress", "mean_debt", "mean_home_learning", "mean_trust", "norm_adoption",
    "families_supported", "reach_neediest", "service_saturation", "capacity_used",
    "children_in_need", "tie_density", "mean_tie_strength", "champions_share",
    "partner_engagement", "organisations_engaged", "shared_purpose", "relationships", "evidence_data",
    "infrastructure", "capacity", "coordination", "stage",
)
QUANTITIES = MILESTONE_KEYS + INDICATOR_KEYS


def run_vectorised(place, params, england, seeds: Sequence[int], months: int) -> pd.DataFrame:
    """One row per seed: last-month reporters and whole-run milestone shares."""
    from sim.model import PlaceModel

    model = PlaceModel(place, params, england, list(seeds))
    counts = np.zeros((len(seeds), len(MILESTONES), len(GROUPS), 2), dtype=np.int64)
    for _ in range(months):
        model.step()
        counts += model.state.flows.milestone_counts
    rows = []
    for r, seed in enumerate(seeds):
        row = {name: float(np.asarray(values[-1])[r]) for name, values in model.datacollector.model_vars.items()}
        nested = {m: {g: counts[r, i, j].tolist() for j, g in enumerate(GROUPS)} for i, m in enumerate(MILESTONES)}
        row.update(milestone_totals(nested))
        row["seed"] = seed
        rows.append(row)
    return pd.DataFrame(rows)


def run_references(place, params, england, seeds: Sequence[int], months: int,
                   alteration: Alteration | None = None, n_jobs: int = 2) -> pd.DataFrame:
    """One row per seed from the Mesa reference, seeds spread over `n_jobs` processes."""
    if n_jobs > 1 and len(seeds) > 1:
        from joblib import Parallel, delayed

        rows = Parallel(n_jobs=n_jobs)(
            delayed(run_reference)(place, params, england, s, months, alteration) for s in seeds)
    else:
        rows = [run_reference(place, params, england, s, months, alteration) for s in seeds]
    return pd.DataFrame(rows)


def compare(a: pd.DataFrame, b: pd.DataFrame, quantities: Sequence[str] = QUANTITIES,
            alpha: float = 0.001) -> pd.DataFrame:
    """Two-sample tests per quantity: Kolmogorov-Smirnov and Welch's t.

    A quantity disagrees when either p-value is below `alpha`. Quantities that are the
    same constant in both samples agree; a constant in one sample and not the other, or
    two different constants, disagree.
    """
    rows = []
    for q in quantities:
        x = a[q].dropna().to_numpy(float)
        y = b[q].dropna().to_numpy(float)
        row = dict(quantity=q, mean_a=x.mean(), mean_b=y.mean(), sd_a=x.std(ddof=1), sd_b=y.std(ddof=1),
                   n_a=len(x), n_b=len(y))
        if len(x) < 3 or len(y) < 3:
            row.update(ks_p=math.nan, welch_p=math.nan, agree=False)
        elif np.ptp(x) == 0 and np.ptp(y) == 0:
            same = np.isclose(x[0], y[0])
            row.update(ks_p=1.0 if same else 0.0, welch_p=1.0 if same else 0.0, agree=bool(same))
        else:
            ks_p = stats.ks_2samp(x, y).pvalue
            welch_p = stats.ttest_ind(x, y, equal_var=False).pvalue
            row.update(ks_p=ks_p, welch_p=welch_p, agree=bool(min(ks_p, welch_p) >= alpha))
        sd = math.sqrt((row["sd_a"] ** 2 + row["sd_b"] ** 2) / 2) if len(x) > 1 and len(y) > 1 else math.nan
        row["std_diff"] = (row["mean_b"] - row["mean_a"]) / sd if sd and sd > 0 else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cross-check the vectorised model against the Mesa reference.")
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--population", type=int, default=900)
    parser.add_argument("--homes", type=int, default=470)
    parser.add_argument("--place", default="pembury")
    parser.add_argument("--tie-decay", type=float, default=1.0)
    parser.add_argument("--no-norm-adoption", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    from configs.compose import compose_run_config

    cfg = compose_run_config([f"place={args.place}", f"place.population={args.population}",
                              f"place.homes={args.homes}"])
    seeds_a = list(range(args.seeds))
    seeds_b = list(range(10_000, 10_000 + args.seeds))
    a = run_vectorised(cfg.place, cfg.model, cfg.england, seeds_a, args.months)
    b = run_references(cfg.place, cfg.model, cfg.england, seeds_b, args.months,
                       Alteration(tie_decay=args.tie_decay, norm_adoption=not args.no_norm_adoption),
                       n_jobs=args.jobs)
    table = compare(a, b)
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"disagree: {list(table.loc[~table.agree, 'quantity'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
