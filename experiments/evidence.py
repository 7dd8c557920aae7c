"""Read the seed tables (configs/data, verbatim copies of ../shared/data) for the model."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from sim.synthetic import INDICATORS, IndicatorTable

DATA = Path(__file__).resolve().parent.parent / "configs" / "data"


@lru_cache(maxsize=None)
def table1() -> IndicatorTable:
    """Seed 004 Table 1 as an IndicatorTable, in sim.synthetic.INDICATORS order."""
    df = pd.read_csv(DATA / "seed004_table1_indicators.csv").set_index("indicator").loc[list(INDICATORS)]
    return IndicatorTable(tuple(df["mean"]), tuple(df["sd"]), tuple(df["min"]), tuple(df["max"]))


@lru_cache(maxsize=None)
def table2() -> pd.DataFrame:
    """Seed 004 Table 2: share of children reaching each benchmark across LSOAs (%)."""
    return pd.read_csv(DATA / "seed004_table2_attainment.csv")


MILESTONE_OF_STAGE = {"foundation_stage": "eyfs_gld", "key_stage_2": "ks2", "key_stage_4": "ks4"}


def england_milestone_reference() -> dict[str, float]:
    """Seed 004 Table 2 means (% reaching the benchmark), keyed by milestone name."""
    t = table2()
    return {MILESTONE_OF_STAGE[s]: float(m) for s, m in zip(t["stage"], t["mean"])}
