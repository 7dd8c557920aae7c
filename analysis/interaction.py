"""Whether the whole was more than the sum of its parts: the interaction of a compare.

A *whole* is a scenario whose interventions are exactly those of two or more other
scenarios of the same compare (its *parts*) put together, each intervention in exactly one
part; the baseline must be there. The interaction on an outcome is, seed by seed,

    (whole - baseline) - sum over the parts of (part - baseline)

Every scenario of a compare ran on the same seeds with common random numbers, so replicate
i of the whole, of each part and of the baseline meet the same children and events: the
interaction is taken per seed (paired) before it is summarised, as a median with
sim/outcomes.py PAIRED_INTERVAL (the 5th-95th percentile of the paired values), and judged
by analysis.compare.certainty (the interval excludes zero, or it cannot be told from zero).

Wholes and parts are found from the interventions each scenario's config.yaml lists (each
one's settings with its kind's defaults filled in, so `kind: core_team` equals a core team
spelled out at its defaults), or named by hand with `compare.interaction.whole=NAME
compare.interaction.parts=[A,B]` (configs/compose.py InteractionSpec).

Outcomes: at area level, each milestone's share over the whole run (every group the
results hold) and analysis.compare.END_OUTCOMES (mean over the last year); at child level,
CHILD_OUTCOMES (mean over the last year) wherever the timeseries holds them.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, Sequence

import numpy as np
import pandas as pd

from analysis.compare import END_OUTCOMES, certainty, end_values, milestone_totals
from analysis.summarise import quantiles
from sim.outcomes import EDUCATION_MILESTONES, MILESTONE, OUTCOMES, PAIRED_INTERVAL

# Outcome series of children with and without barriers to learning: the interaction
# that seed 004 expects "at the level of individual children" (L1333-1338).
CHILD_OUTCOMES = ("score_with_barrier", "score_without_barrier")
COLUMNS = ("whole", "parts", "level", "outcome", "group", "label", "unit", "estimate", "low", "high",
           "whole_effect", "sum_of_parts", "n_replicates", "distinguishable", "replicates_needed", "verdict")
MORE, LESS, UNCLEAR = "more", "less", "unclear"


@dataclasses.dataclass(frozen=True)
class Structure:
    """A whole and the scenarios whose effects it is compared with the sum of."""

    whole: str
    parts: tuple[str, ...]

    @property
    def parts_text(self) -> str:
        return " + ".join(self.parts)


# -- finding wholes and parts --------------------------------------------------------------------

def _frozen(value: Any) -> Any:
    """A hashable copy of a setting (lists and dicts from YAML)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _settings(name: str, kind: Any, entry: dict) -> Any:
    """An intervention's settings with its kind's defaults filled in; the entry as written
    when this version cannot build it (a folder written by another version)."""
    from sim.interventions import InterventionError, build

    try:
        iv = build(name, kind, entry)
    except (InterventionError, TypeError, ValueError):
        return _frozen(entry)
    return _frozen({f.name: getattr(iv, f.name) for f in dataclasses.fields(iv)
                    if f.name != "name" and not f.name.startswith("_")})


def interventions_of(config: dict) -> Counter:
    """A scenario's interventions as a multiset of (kind, settings), from a run's config.yaml;
    the names the scenario gives its entries do not matter."""
    entries = ((config.get("scenario") or {}).get("interventions") or {})
    out: Counter = Counter()
    for name, entry in entries.items():
        entry = dict(entry or {})
        kind = entry.pop("kind", None)
        out[(kind, _settings(name, kind, entry))] += 1
    return out


def _exact_covers(target: Counter, candidates: list[tuple[str, Counter]]) -> list[tuple[str, ...]]:
    """Every choice of candidates whose interventions add up to `target` exactly."""
    found: list[tuple[str, ...]] = []

    def extend(start: int, remaining: Counter, chosen: list[str]) -> None:
        if not remaining:
            found.append(tuple(chosen))
            return
        for i in range(start, len(candidates)):
            name, c = candidates[i]
            if all(remaining[k] >= v for k, v in c.items()):
                extend(i + 1, remaining - c, chosen + [name])

    extend(0, target, [])
    return found


def detect(interventions: dict[str, Counter]) -> list[Structure]:
    """Wholes and their parts among the scenarios (in their order; the baseline excluded).
    Where a whole can be split in several ways, the split into the most parts is kept (the
    first, in the compare's order, among equals)."""
    if "baseline" not in interventions:
        return []
    names = [n for n, ivs in interventions.items() if n != "baseline" and ivs]
    out = []
    for whole in names:
        size = sum(interventions[whole].values())
        candidates = [(n, interventions[n]) for n in names
                      if n != whole and sum(interventions[n].values()) < size]
        covers = [c for c in _exact_covers(interventions[whole], candidates) if len(c) >= 2]
        if covers:
            out.append(Structure(whole, max(covers, key=len)))
    return out


def structures(configs: dict[str, dict]) -> list[Structure]:
    """The wholes of a compare: the ones named by hand in its config
    (compare.interaction), else those found by their interventions. A hand-named
    structure whose scenarios did not all finish is left out."""
    base = configs.get("baseline") or {}
    named = ((base.get("compare") or {}).get("interaction") or {})
    if named.get("whole"):
        s = Structure(str(named["whole"]), tuple(str(p) for p in named.get("parts") or ()))
        return [s] if "baseline" in configs and all(n in configs for n in (s.whole, *s.parts)) else []
    return detect({name: interventions_of(cfg) for name, cfg in configs.items()})


# -- the paired interaction ----------------------------------------------------------------------

def seed_values(res: dict[str, pd.DataFrame], child_outcomes: Sequence[str] = CHILD_OUTCOMES) -> pd.DataFrame:
    """Per seed (rows), one column per (level, outcome, group): milestone shares over the
    whole run, and END_OUTCOMES and the child-level outcomes the timeseries holds over its
    last year."""
    m = milestone_totals(res["milestones"])
    frames = [m.assign(level="area").rename(columns={"milestone": "outcome", "share": "value"})]
    ts = res["timeseries"]
    area = [c for c in END_OUTCOMES if c in ts.columns]
    child = [c for c in child_outcomes if c in ts.columns and c not in area]
    if area or child:
        end = end_values(ts, columns=area + child).reset_index()
        long = end.melt(id_vars="seed", var_name="outcome", value_name="value")
        long["group"] = "all"
        long["level"] = np.where(long["outcome"].isin(child), "child", "area")
        frames.append(long)
    long = pd.concat([f[["seed", "level", "outcome", "group", "value"]] for f in frames], ignore_index=True)
    wide = long.pivot(index="seed", columns=["level", "outcome", "group"], values="value")
    return wide[sorted(wide.columns, key=_column_order)]


def _column_order(column: tuple[str, str, str]) -> tuple:
    """Area before child; milestones, then series, in sim/outcomes.py's order; groups as written."""
    level, outcome, group = column
    known = list(OUTCOMES)
    return (level != "area", known.index(outcome) if outcome in known else len(known), outcome, group != "all", group)


def verdict(estimate: float, low: float, high: float, n: int) -> str:
    """The interaction in plain words, never claiming more than its interval supports."""
    if n == 0 or not np.isfinite(estimate):
        return "not available: no replicate has this outcome in every scenario"
    c = certainty(estimate, low, high, n)
    if c["distinguishable"]:
        return "more than the sum of its parts" if low > 0 else "less than the sum of its parts"
    needed = c["replicates_needed"]
    more = f"; about {int(needed):,} would be needed for an interaction this size" if needed == needed else ""
    return f"cannot be told from the sum of its parts with {n} replicates{more}"


def interaction_rows(values: dict[str, pd.DataFrame], s: Structure) -> list[dict]:
    """One row per outcome of the structure: the paired interaction, summarised."""
    frames = [values[n] for n in ("baseline", s.whole, *s.parts)]
    seeds = frames[0].index
    cols = frames[0].columns
    for f in frames[1:]:
        seeds = seeds.intersection(f.index)
        cols = cols.intersection(f.columns, sort=False)
    base, whole, *parts = (f.loc[seeds, cols] for f in frames)
    whole_effect = whole - base
    sum_of_parts = sum((p - base for p in parts), start=0 * base)
    interaction = whole_effect - sum_of_parts
    # Rounding in the sums is no interaction: what is below it counts as zero.
    size = pd.concat([f.abs() for f in (base, whole, *parts)]).groupby(level=0).max().max()
    interaction = interaction.mask(interaction.abs() <= 1e-12 * (1.0 + size), 0.0)
    rows = []
    for col in cols:
        level, outcome, group = col
        v = interaction[col].to_numpy(dtype=float)
        n = int(np.isfinite(v).sum())
        est, low, high = (float(q) for q in quantiles(v, (0.5, PAIRED_INTERVAL.low, PAIRED_INTERVAL.high)))
        known = OUTCOMES.get(outcome)
        rows.append(dict(
            whole=s.whole, parts=s.parts_text, level=level, outcome=outcome, group=group,
            label=known.label if known else outcome, unit=known.unit if known else "",
            estimate=est, low=low, high=high,
            whole_effect=float(quantiles(whole_effect[col].to_numpy(dtype=float), 0.5)),
            sum_of_parts=float(quantiles(sum_of_parts[col].to_numpy(dtype=float), 0.5)),
            n_replicates=n, **(certainty(est, low, high, n) if n else
                               {"distinguishable": False, "replicates_needed": np.nan}),
            verdict=verdict(est, low, high, n)))
    return rows


def interaction_table(results: dict[str, dict[str, pd.DataFrame]], configs: dict[str, dict],
                      child_outcomes: Sequence[str] = CHILD_OUTCOMES) -> pd.DataFrame:
    """One row per whole x outcome x group (COLUMNS); empty when the compare has no whole."""
    found = structures({n: c for n, c in configs.items() if n in results})
    if not found:
        return pd.DataFrame(columns=list(COLUMNS))
    values = {n: seed_values(results[n], child_outcomes) for n in {x for s in found for x in
                                                                    ("baseline", s.whole, *s.parts)}}
    rows = [r for s in found for r in interaction_rows(values, s)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


# -- in words ------------------------------------------------------------------------------------

def headline_rows(table: pd.DataFrame, whole: str) -> pd.DataFrame:
    """The rows a whole's verdict is told from: the education milestones (all children) and
    the child-level outcomes the results hold."""
    t = table[(table["whole"] == whole) & (table["group"] == "all")]
    t = t[t["outcome"].isin(EDUCATION_MILESTONES) | (t["level"] == "child")]
    return t[t["n_replicates"] > 0]


def direction(row: Any) -> str:
    """MORE, LESS or UNCLEAR (the interval includes zero)."""
    if row["distinguishable"]:
        return MORE if row["low"] > 0 else LESS
    return UNCLEAR


def scale_of(outcome: str) -> tuple[float, str]:
    """How an outcome's interaction is printed: milestone shares in percentage points."""
    o = OUTCOMES.get(outcome)
    if o is not None and o.kind == MILESTONE:
        return 100.0, "percentage points"
    return 1.0, o.unit if o is not None else ""


def headline_lines(table: pd.DataFrame) -> list[str]:
    """The terminal's lines: per whole, each headline outcome's interaction and the verdict."""
    from analysis.report.formatting import interval_text

    if table.empty:
        return []
    n = int(table["n_replicates"].max())
    lines = [f"Interaction: the whole's effect minus the sum of its parts' effects, median "
             f"({PAIRED_INTERVAL.wording}, {n} paired replicates; milestones in percentage points):"]
    for whole in dict.fromkeys(table["whole"]):
        rows = headline_rows(table, whole)
        if rows.empty:
            continue
        parts = rows["parts"].iloc[0]
        bits = []
        for _, r in rows.iterrows():
            scale, _unit = scale_of(r["outcome"])
            bits.append(f"{r['outcome']} {interval_text(r['estimate'], r['low'], r['high'], scale=scale, default=1)}")
        lines.append(f"  {whole} = {parts}: {', '.join(bits)}: {verdict_summary(rows)}")
    return lines


def verdict_summary(rows: pd.DataFrame) -> str:
    """"more than the sum of its parts on ks4; cannot be told from it on eyfs_gld, ks2"."""
    kinds = {MORE: "more than the sum of its parts", LESS: "less than the sum of its parts",
             UNCLEAR: "cannot be told from the sum of its parts"}
    by = {k: [r["outcome"] for _, r in rows.iterrows() if direction(r) == k] for k in kinds}
    said = [k for k in kinds if by[k]]
    if len(said) == 1:
        return kinds[said[0]] + (" on every one" if len(rows) > 1 else "")
    return "; ".join(f"{kinds[k]} on {', '.join(by[k])}" for k in said)
