"""How sure each number is: the seed tables (configs/data, verbatim copies of
../shared/data) and the evidence class of every registry source, with the formatting of
a registry entry. Read by `placesim params`, the report and the page alike."""
from __future__ import annotations

import re
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sim.registry import Spec
from sim.synthetic import INDICATORS, IndicatorTable

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def table1() -> IndicatorTable:
    """Seed 004 Table 1 as an IndicatorTable, in sim.synthetic.INDICATORS order."""
    df = pd.read_csv(DATA / "seed004_table1_indicators.csv").set_index("indicator").loc[list(INDICATORS)]
    return IndicatorTable(tuple(df["mean"]), tuple(df["sd"]), tuple(df["min"]), tuple(df["max"]))


@lru_cache(maxsize=None)
def table2() -> pd.DataFrame:
    """Seed 004 Table 2: share of children reaching each benchmark across LSOAs (%)."""
    return pd.read_csv(DATA / "seed004_table2_attainment.csv")


@lru_cache(maxsize=None)
def seed003_counts() -> pd.DataFrame:
    """Seed 003's headline counts (families reached, organisations engaged, ...), per
    place ("network": the three places together), each with its seed line; model_outcome
    names the timeseries column it is set beside (empty: the model does not count it)."""
    df = pd.read_csv(DATA / "seed003_headline_counts.csv", dtype={"qualifier": str, "model_outcome": str})
    return df.fillna({"qualifier": "", "model_outcome": ""})


MILESTONE_OF_STAGE = {"foundation_stage": "eyfs_gld", "key_stage_2": "ks2", "key_stage_4": "ks4"}


def england_milestone_reference() -> dict[str, float]:
    """Seed 004 Table 2 means (% reaching the benchmark), keyed by milestone name."""
    t = table2()
    return {MILESTONE_OF_STAGE[s]: float(m) for s, m in zip(t["stage"], t["mean"])}


# -- evidence classes ---------------------------------------------------------------

CLASSES = OrderedDict([
    ("seed", "a number or mechanism taken from the seed documents (../shared/seeds), cited by line"),
    ("cited paper", "published research or official statistics, cited by author and year or agency"),
    ("calibrated", "set so that the model reproduces a target (the target is named in the source)"),
    ("assumption", "a modelling guess; the sensitivity analysis should tell whether it matters"),
    ("design choice", "a scope decision of the design brief, a scenario choice or a user's setting"),
    ("other", "the source text names no evidence of the kinds above (see the source column)"),
])
_SEED = re.compile(r"\bseed 00\d\b", re.I)
_AUTHOR_YEAR = re.compile(r"[A-Z][\w'\-]+(?: et al\.?| (?:&|and) [A-Z][\w'\-]+)?,? \(?(?:19|20)\d\d\b")
_AGENCY = re.compile(r"\b(?:DfE|ONS|NHS(?: Digital)?|PHE|English Housing Survey)\b")
_LOCATOR = re.compile(r"\bL\d+|\bTable \d|key learning|exploration area|challenge \d|section", re.I)


def evidence_class(source: str) -> str:
    """The evidence class of a registry source text (see CLASSES).

    A source that starts with "calibrated" or "assumption" is that, whatever it cites
    in passing; otherwise it is "seed" and/or "cited paper" by what it cites.
    """
    s = source.strip()
    low = s.lower()
    if low.startswith("calibrated"):
        return "calibrated"
    if low.startswith("assumption"):
        return "assumption"
    kinds = []
    if _SEED.search(s):
        kinds.append("seed")
    if _AUTHOR_YEAR.search(s) or _AGENCY.search(s):
        kinds.append("cited paper")
    if kinds:
        return " + ".join(kinds)
    if low.startswith(("design brief", "user choice", "scenario choice")):
        return "design choice"
    return "other"


def unlocated_seed_citations(source: str) -> list[str]:
    """Parts of a source that cite a seed without a line, table or section."""
    parts = [p.strip() for p in source.split(";")]
    return [p for p in parts if _SEED.search(p) and not _LOCATOR.search(p)]


# -- formatting a registry entry ---------------------------------------------------------

def fmt(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str) and not value:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return str(int(value)) if abs(value) >= 1 or value == 0 else repr(value)
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def plausible(spec: Spec) -> str:
    if spec.low is None and spec.high is None:
        return "-"
    if spec.low == spec.high:
        return f"{fmt(spec.low)} (fixed)"
    return f"{fmt(spec.low)} to {fmt(spec.high)}"


def hard(spec: Spec) -> str:
    lo, hi = spec.hard_low, spec.hard_high
    if lo is None and hi is None:
        return "none"
    if hi is None:
        return f">= {fmt(lo)}"
    if lo is None:
        return f"<= {fmt(hi)}"
    return f"[{fmt(lo)}, {fmt(hi)}]"
