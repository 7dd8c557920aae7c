"""What the network was worth in a shock (seed 003 L352-357: in COVID-19 the teams
"co-created hubs for support and information and mobilised funding").

In a funding cut or a closure the partnership's response makes good a share of the
capacity the shock cuts and mobilises funds (sim/interventions/shocks.py, docs/ODD.md
8.5); the model reports both each month (`made_good`, `crisis_funds`). Per scenario
with such a shock and per replicate: the mean share made good over the shock's months
and the funds mobilised in all; the interval is the replicates' 90% interval
(sim.outcomes.REPLICATE_BAND). A scenario without such a shock gives no row.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.outcomes import REPLICATE_BAND

CAPACITY_SHOCKS = ("funding_cut", "closure")
COLUMNS = ("scenario", "intervention", "shock", "magnitude", "first_month", "last_month", "network_response",
           "made_good", "made_good_low", "made_good_high", "funds", "funds_low", "funds_high", "replicates")


@dataclass(frozen=True)
class Window:
    """A capacity shock as a scenario's config sets it."""

    intervention: str
    shock: str
    magnitude: float
    first_month: int
    last_month: float            # inf: to the end of the run
    network_response: float


def windows(config: dict) -> list[Window]:
    """The funding cuts and closures of a run's config (months as the model counts them)."""
    interventions = ((config.get("scenario") or {}).get("interventions") or {})
    out = []
    for name, iv in interventions.items():
        iv = iv or {}
        if iv.get("kind") != "shock" or iv.get("shock", "funding_cut") not in CAPACITY_SHOCKS:
            continue
        start = int(round(float(iv.get("start_year") or 0.0) * 12)) + 1
        end = iv.get("end_year")
        last = float("inf") if end is None else int(round(float(end) * 12))
        out.append(Window(name, iv.get("shock", "funding_cut"), float(iv.get("magnitude", 0.3)), start, last,
                          float(iv.get("network_response", 0.5))))
    return out


def worth_rows(scenario: str, ts: pd.DataFrame, config: dict) -> list[dict]:
    """One row per capacity shock of a scenario: the share made good and the funds."""
    rows = []
    for w in windows(config):
        during = ts[(ts["month"] >= w.first_month) & (ts["month"] <= w.last_month)]
        if during.empty or "made_good" not in during:
            continue
        per_seed = during.groupby("seed").agg(made_good=("made_good", "mean"), funds=("crisis_funds", "sum"))
        q = per_seed.quantile([REPLICATE_BAND.low, 0.5, REPLICATE_BAND.high])
        rows.append({"scenario": scenario, "intervention": w.intervention, "shock": w.shock, "magnitude": w.magnitude,
                     "first_month": w.first_month, "last_month": int(during["month"].max()),
                     "network_response": w.network_response,
                     "made_good": q.loc[0.5, "made_good"], "made_good_low": q.loc[REPLICATE_BAND.low, "made_good"],
                     "made_good_high": q.loc[REPLICATE_BAND.high, "made_good"],
                     "funds": q.loc[0.5, "funds"], "funds_low": q.loc[REPLICATE_BAND.low, "funds"],
                     "funds_high": q.loc[REPLICATE_BAND.high, "funds"], "replicates": len(per_seed)})
    return rows


def worth_table(results: dict[str, dict[str, pd.DataFrame]], configs: dict[str, dict]) -> pd.DataFrame:
    """One row per scenario x capacity shock (COLUMNS); empty when no scenario has one."""
    rows = [r for name, res in results.items() if name in configs
            for r in worth_rows(name, res["timeseries"], configs[name])]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def sentence(row) -> str:
    """What the network was worth in one shock, in words (money to two significant figures)."""
    from analysis.report.formatting import label, money

    what = "funding cut" if row["shock"] == "funding_cut" else "closure"
    months = int(row["last_month"] - row["first_month"] + 1)
    if row["network_response"] <= 0:
        return (f"{label(row['scenario'])}: in its {what} ({row['magnitude']:.0%} of capacity, {months} months) the "
                f"partnership's response was switched off (network_response 0), so the shock hit in full.")
    return (f"{label(row['scenario'])}: in its {what} ({row['magnitude']:.0%} of capacity, {months} months) the partnership "
            f"made good {row['made_good']:.0%} of the capacity cut ({REPLICATE_BAND.wording.split(':')[0]} "
            f"{row['made_good_low']:.0%} to {row['made_good_high']:.0%}) and mobilised about {money(row['funds'], 2)} "
            f"({money(row['funds_low'], 2)} to {money(row['funds_high'], 2)}); a weaker, less aligned network makes good "
            f"less (docs/ODD.md 8.5).")


def headline_lines(table: pd.DataFrame) -> list[str]:
    """The terminal's lines: one per scenario x capacity shock."""
    if table.empty:
        return []
    return ["What the network was worth in the shock:"] + [f"  {sentence(r)}" for _, r in table.iterrows()]
