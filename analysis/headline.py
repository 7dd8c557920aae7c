"""The counts a funder reads (families reached, organisations engaged), as the model
counts them, beside seed 003's own figures per place (configs/data/seed003_headline_counts.csv,
each with its line), with the model's interval over replicates and a sentence saying
where the model is far off and why. Written by `placesim compare` (headline_counts.csv)
and quoted by the report.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from configs.evidence import seed003_counts

SEED_PERIOD_END = 2020.0   # seed 003 reports to 2019/20 (Pembury's figures: 2019, L459-460)
INTERVAL = (0.05, 0.95)    # 5th-95th percentile over replicates
FAR_OFF = 2.0              # a model median more than twice, or under half, the seed's figure

# Why a count differs from the seed's, by the model outcome it is set beside (docs/ODD.md 7.11).
WHY = {
    "organisations_ever_engaged": (
        "the model can engage at most {n_orgs} organisations it places in {place} (the "
        "preset's schools and at least one service of each kind, configs/place/{place}.yaml), "
        "while the seed counts partners beyond the neighbourhood too (borough services, "
        "funders, national partners: seed 003 L1679-1682)"),
    "families_reached": (
        "the model counts every family supported by any service (health visiting, GPs, "
        "children's centres, schools' partners), the seed only families taking part in "
        "Children's Community projects"),
    "children_reached": (
        "the model counts every child living in a family supported by any service, the seed "
        "children taking part in Children's Community projects and activities (youth "
        "activities and the community centre among them, L829-834, L436-439), which the "
        "model does not hold as services"),
}


def as_it_happened(names) -> list[str]:
    """The scenarios whose counts are set beside the seed's in the terminal and the
    report: the as-it-happened ones (every scenario if none is compared)."""
    names = list(names)
    return [n for n in names if n.startswith("as_it_happened")] or names


def organisation_count(run_folder) -> int | None:
    """Organisations other than the core team in a run folder's organisations table
    (analysis.results.RunFolder), or None where it cannot be read."""
    from analysis.results import ResultsError

    try:
        kinds = run_folder.table("organisations", columns=["kind"])["kind"]
    except (ResultsError, OSError, KeyError):
        return None
    return int((kinds != "core_team").sum())


def model_counts(timeseries: pd.DataFrame, outcome: str, end_year: float = SEED_PERIOD_END) -> tuple[float, float, float, float]:
    """(median, low, high, year) of a cumulative count at the last month up to end_year
    (the run's end if it stops before), over replicates."""
    ts = timeseries[timeseries["year"] <= end_year + 1e-9]
    if ts.empty:
        ts = timeseries
    last = ts[ts["month"] == ts["month"].max()]
    values = last[outcome].to_numpy(dtype=float)
    low, high = np.quantile(values, INTERVAL)
    return float(np.median(values)), float(low), float(high), float(last["year"].iloc[0])


def headline_table(place: str, results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per scenario x seed figure for this place and for the network (whose
    figures are three places together: this place's model count is one part of them)."""
    seed = seed003_counts()
    seed = seed[seed["place"].isin([place, "network"])]
    rows = []
    for scenario, ts in results.items():
        for _, s in seed.iterrows():
            row = {"scenario": scenario, "seed_place": s["place"], "measure": s["measure"],
                   "seed_value": s["value"], "seed_qualifier": s["qualifier"],
                   "seed_definition": s["seed_definition"], "seed_line": s["line"],
                   "seed_period": s["period"], "model_outcome": s["model_outcome"],
                   "model_median": np.nan, "model_low": np.nan, "model_high": np.nan,
                   "model_by_year": np.nan}
            if s["model_outcome"] and s["model_outcome"] in ts.columns:
                med, low, high, year = model_counts(ts, s["model_outcome"])
                row.update(model_median=med, model_low=low, model_high=high, model_by_year=year)
            rows.append(row)
    return pd.DataFrame(rows)


def far_off_sentences(table: pd.DataFrame, place: str, n_orgs: int | None = None) -> list[str]:
    """For this place's own figures: where the model's median is more than FAR_OFF times
    off the seed's, a sentence saying so and why."""
    out = []
    mine = table[(table["seed_place"] == place) & table["model_median"].notna()]
    for _, r in mine.iterrows():
        ratio = r["model_median"] / r["seed_value"] if r["seed_value"] else np.inf
        if 1 / FAR_OFF <= ratio <= FAR_OFF:
            continue
        why = WHY.get(r["model_outcome"], "the model does not define the count as the seed does")
        why = why.format(n_orgs="the" if n_orgs is None else f"the {n_orgs}", place=place)
        out.append(f"{r['scenario']}: the model's {r['measure'].replace('_', ' ')} "
                   f"({r['model_median']:,.0f}, {r['model_low']:,.0f}-{r['model_high']:,.0f}) is "
                   f"{'far above' if ratio > 1 else 'far below'} seed 003's {r['seed_value']:,} "
                   f"({r['seed_line']}): {why}.")
    return out


def period_text(year: float) -> str:
    """'to the end of 2019' for the model month 2020.0; 'to 2018.5' for a run that stops mid-year."""
    return f"to the end of {round(year) - 1}" if abs(year - round(year)) < 1e-6 else f"to {year:.1f}"


def headline_lines(table: pd.DataFrame, place: str, n_orgs: int | None = None) -> list[str]:
    """The terminal's lines: each counted figure, the model's beside the seed's."""
    counted = table[table["model_median"].notna()]
    if counted.empty:
        return []
    lines = ["Headline counts beside seed 003 (model: median, 5th-95th percentile over replicates):"]
    for _, r in counted.iterrows():
        where = "this place" if r["seed_place"] == place else "three places together"
        seed_text = f"{r['seed_qualifier'] + ' ' if r['seed_qualifier'] else ''}{r['seed_value']:,}"
        lines.append(f"  {r['scenario']}: {r['measure'].replace('_', ' ')} {period_text(r['model_by_year'])}: "
                     f"model {r['model_median']:,.0f} ({r['model_low']:,.0f}-{r['model_high']:,.0f}); "
                     f"seed {seed_text} ({where}, {r['seed_line']})")
    return lines + ["  " + s for s in far_off_sentences(table, place, n_orgs)]
