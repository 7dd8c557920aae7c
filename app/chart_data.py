"""Live results into what the page's charts draw. Pure pandas/NumPy (no Panel, no model).

Inputs are the tidy tables of `sim.run.RunResult` for the baseline and the scenario on
the same seeds (common random numbers), so every difference is paired seed by seed
before it is summarised, as `analysis.compare` does for saved comparisons:
- milestone trajectories: share of children assessed who reach each milestone, per
  year, median and REPLICATE_BAND (the 90% interval: 5th-95th percentile) over replicates, baseline and scenario;
- difference to baseline: additional children reaching each milestone, cumulative
  since the start, (share - baseline share) x children assessed, paired, median and
  PAIRED_INTERVAL (5-95%: the 90% interval of `placesim compare`);
- system indicators: seed 003's six areas, median and REPLICATE_BAND, every 6 months;
- the organisation network of the first replicate, a snapshot a year, each tie marked
  as new, strengthening, steady, weakening or lost since the year before;
- cost: cumulative spend and cost per additional child;
- does it tip? whether the gains outlast the support, by analysis/lasting.py's rule (the
  funders' report's), one line, only when the support ends within the run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.compare import certainty, cost_per_child_range
from analysis.style import OKABE_ITO, ring_layout
from analysis.summarise import quantiles
from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES, PAIRED_INTERVAL, REPLICATE_BAND, SYSTEM_AREAS

TIE_STATUS = ("new", "stronger", "steady", "weaker", "lost")
TIE_COLOURS = {"new": "#009E73", "stronger": "#0072B2", "steady": "#999999", "weaker": "#E69F00", "lost": "#D55E00"}
SCHOOLS = ("early_years", "primary", "secondary", "post16")
# The network's circles by what the organisation is, in words (its colour and legend entry).
# Colours apart from the ties' (TIE_COLOURS).
NODE_GROUPS = {"school or early years": OKABE_ITO[4], "service": OKABE_ITO[5],
               "community group": OKABE_ITO[6], "core team": OKABE_ITO[7]}
CHANGE = 0.02          # a tie is "stronger"/"weaker" when its strength moved more than this in a year


def age_label(milestone: str) -> str:
    """A milestone by the age it is assessed at ("Age 16"), for legends and narrow tables;
    the panels carry the table's label."""
    return f"Age {OUTCOMES[milestone].age_months // 12}"


def gbp(x: float) -> str:
    """Money as the page shows it: "GBP 1.23 m", "GBP 460,800"."""
    if not np.isfinite(x):
        return "n/a"
    return f"GBP {x / 1e6:,.2f} m" if abs(x) >= 1e6 else f"GBP {x:,.0f}"


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    idx = pd.MultiIndex.from_frame(df[keys]) if len(keys) > 1 else pd.Index(df[keys[0]])
    return df if idx.is_monotonic_increasing else df.sort_values(keys, kind="stable")


def milestone_cube(ms: pd.DataFrame, group: str = "all") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(seeds, years, share[seed, year, milestone], assessed[...]) for EDUCATION_MILESTONES,
    from the tidy milestones table (one row per seed x year x milestone x group)."""
    sel = _sorted(ms[(ms["group"] == group) & ms["milestone"].isin(EDUCATION_MILESTONES)],
                  ["seed", "year", "milestone"])
    seeds = np.unique(sel["seed"].to_numpy())
    years = np.unique(sel["year"].to_numpy())
    names = sorted(EDUCATION_MILESTONES)
    shape = (len(seeds), len(years), len(names))
    share = sel["share"].to_numpy(dtype=float).reshape(shape)
    assessed = sel["assessed"].to_numpy(dtype=float).reshape(shape)
    order = [names.index(m) for m in EDUCATION_MILESTONES]
    return seeds, years, share[:, :, order], assessed[:, :, order]


def series_matrix(ts: pd.DataFrame, column: str, presorted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(years, values[seed, month]) of one time-series column."""
    ts = ts if presorted else _sorted(ts, ["seed", "month"])
    n = len(np.unique(ts["seed"].to_numpy()))
    values = ts[column].to_numpy(dtype=float).reshape(n, -1)
    years = ts["year"].to_numpy(dtype=float)[:values.shape[1]]
    return years, values


def milestone_bands(base_ms: pd.DataFrame, scen_ms: pd.DataFrame, group: str = "all") -> dict[str, dict]:
    """{milestone: {year, base_lo/mid/hi, scen_lo/mid/hi}} in percent of children assessed."""
    out = {m: {} for m in EDUCATION_MILESTONES}
    for tag, ms in (("base", base_ms), ("scen", scen_ms)):
        _, years, share, _ = milestone_cube(ms, group)
        lo, mid, hi = quantiles(share * 100.0, (REPLICATE_BAND.low, 0.5, REPLICATE_BAND.high))  # (year, milestone)
        for k, m in enumerate(EDUCATION_MILESTONES):
            out[m].update({"year": years.astype(float), f"{tag}_lo": lo[:, k], f"{tag}_mid": mid[:, k],
                           f"{tag}_hi": hi[:, k]})
    return out


def extra_children(base_ms: pd.DataFrame, scen_ms: pd.DataFrame, group: str = "all") -> dict[str, dict]:
    """{milestone: {year, mid, lo, hi}}: additional children reaching it, cumulative, paired
    seed by seed; `year` is the end of each year."""
    bs, by, bshare, _ = milestone_cube(base_ms, group)
    ss, sy, sshare, sassessed = milestone_cube(scen_ms, group)
    if not (np.array_equal(bs, ss) and np.array_equal(by, sy)):
        raise ValueError("baseline and scenario are not on the same seeds and years")
    extra = np.nan_to_num((sshare - bshare) * sassessed)            # (seed, year, milestone)
    cum = np.cumsum(extra, axis=1)
    lo, mid, hi = quantiles(cum, (PAIRED_INTERVAL.low, 0.5, PAIRED_INTERVAL.high))
    return {m: {"year": sy.astype(float) + 1.0, "lo": lo[:, k], "mid": mid[:, k], "hi": hi[:, k]}
            for k, m in enumerate(EDUCATION_MILESTONES)}


def series_bands(base_ts: pd.DataFrame, scen_ts: pd.DataFrame, column: str, every: int = 3,
                 presorted: bool = False) -> dict:
    """{year, base_lo/mid/hi, scen_lo/mid/hi} of one time-series column (every few months)."""
    cols = {}
    for tag, ts in (("base", base_ts), ("scen", scen_ts)):
        years, values = series_matrix(ts, column, presorted)
        lo, mid, hi = quantiles(values[:, ::every], (REPLICATE_BAND.low, 0.5, REPLICATE_BAND.high))
        cols.update({f"{tag}_lo": lo, f"{tag}_mid": mid, f"{tag}_hi": hi, "year": years[::every]})
    return cols


def system_bands(base_ts: pd.DataFrame, scen_ts: pd.DataFrame) -> dict[str, dict]:
    base_ts, scen_ts = _sorted(base_ts, ["seed", "month"]), _sorted(scen_ts, ["seed", "month"])
    return {c: series_bands(base_ts, scen_ts, c, every=6, presorted=True) for c in SYSTEM_AREAS}


@dataclass
class CostView:
    curve: dict                       # {year, cumulative} in GBP thousands
    total: float                      # GBP over the run
    rows: list = field(default_factory=list)   # per milestone: label, extra (mid, lo, hi), cost per child


def cost_view(scen_ts: pd.DataFrame, extra: dict[str, dict], replicates: int) -> CostView:
    first_seed = scen_ts["seed"].iloc[0]
    one = scen_ts[scen_ts["seed"] == first_seed].sort_values("month")
    monthly = one["cost"].to_numpy(dtype=float)              # the same in every replicate
    cumulative = np.cumsum(monthly)
    total = float(cumulative[-1]) if len(cumulative) else 0.0
    rows = []
    for m in EDUCATION_MILESTONES:
        e = extra[m]
        mid, lo, hi = (float(e[k][-1]) if len(e[k]) else float("nan") for k in ("mid", "lo", "hi"))
        per_low, per_high = cost_per_child_range(total, lo, hi)
        rows.append({"milestone": m, "label": age_label(m), "extra": mid, "low": lo, "high": hi,
                     "cost_per_child_low": per_low, "cost_per_child_high": per_high,
                     # as a compare's summary names them, for the one wording rule
                     "extra_low": lo, "extra_high": hi, "total_cost": total, "replicates": replicates,
                     **certainty(mid, lo, hi, replicates)})
    return CostView({"year": one["year"].to_numpy(dtype=float), "cumulative": cumulative / 1000.0}, total, rows)


def tip_line(base_ts: pd.DataFrame, scen_ts: pd.DataFrame, interventions: dict, start_year: int,
             replicates: int, total: int) -> str | None:
    """"Does it tip?" in plain words for the page (analysis/lasting.py), saying how many of
    the replicates it rests on while they still come in; None when support never ends."""
    from analysis.lasting import support_end, tip_answer

    answer = tip_answer(base_ts, scen_ts, support_end(interventions))
    if answer is None:
        return None
    text = answer.sentence(start_year)
    if replicates < total:
        text += f" From {replicates} of {total} replicates so far: still uncertain."
    return text


# -- the organisation network ---------------------------------------------------------------

class NetworkHistory:
    """One replicate's organisation ties at every snapshot, as dense strength matrices."""

    def __init__(self, network: pd.DataFrame, seed: int, n_orgs: int):
        net = network[network["seed"] == seed]
        self.months = np.unique(net["month"].to_numpy()).astype(int)
        k = np.searchsorted(self.months, net["month"].to_numpy())
        self.strength = np.zeros((len(self.months), n_orgs, n_orgs))
        self.strength[k, net["source"].to_numpy(dtype=int), net["target"].to_numpy(dtype=int)] = \
            net["strength"].to_numpy(dtype=float)

    def nearest(self, month: int) -> int:
        return int(self.months[np.argmin(np.abs(self.months - month))]) if len(self.months) else 0

    def changes(self, month: int) -> pd.DataFrame:
        """Ties at `month` (and those lost since the snapshot before), each with `status`:
        new, stronger, steady, weaker or lost (the first snapshot: all steady)."""
        k = int(np.searchsorted(self.months, month))
        now = self.strength[k]
        before = self.strength[k - 1] if k > 0 else now
        i, j = np.nonzero((now > 0) | (before > 0))
        a, b = now[i, j], before[i, j]
        status = np.select([a == 0, b == 0, a - b > CHANGE, a - b < -CHANGE],
                           ["lost", "new", "stronger", "weaker"], default="steady")
        return pd.DataFrame({"source": i, "target": j, "strength": np.where(a > 0, a, b),
                             "status": status, "change": a - b})


def network_edges(changes: pd.DataFrame, organisations: pd.DataFrame) -> dict:
    """Columns for drawing one snapshot: xs, ys, width, colour, status, names."""
    x, y = ring_layout(organisations)
    labels = organisations.sort_values("index")["label"].to_numpy()
    s = changes["source"].to_numpy(dtype=int)
    t = changes["target"].to_numpy(dtype=int)
    strength = changes["strength"].to_numpy(dtype=float)
    status = changes["status"].to_numpy()
    return {
        "xs": [[x[a], x[b]] for a, b in zip(s, t)],
        "ys": [[y[a], y[b]] for a, b in zip(s, t)],
        "width": 0.5 + 6.0 * strength,
        "alpha": np.where(status == "lost", 0.7, 0.35 + 0.6 * strength),
        "colour": [TIE_COLOURS[v] for v in status],
        "status": list(status),
        "strength": np.round(strength, 3),
        "pair": [f"{labels[a]} - {labels[b]}" for a, b in zip(s, t)],
    }


def settled(before: dict, after: dict, share: float) -> bool:
    """Whether no range {name: (low, high)} moved either end by more than `share` of its
    width (at least one child) between two pictures of the same scenario."""
    for name, (lo, hi) in after.items():
        if name not in before:
            return False
        lo0, hi0 = before[name]
        width = max(hi - lo, 1.0)
        if not (abs(lo - lo0) <= share * width and abs(hi - hi0) <= share * width):
            return False
    return True


def network_counts(changes: pd.DataFrame) -> dict[str, int]:
    counts = changes["status"].value_counts()
    return {k: int(counts.get(k, 0)) for k in TIE_STATUS}


def node_group(kind: str) -> str:
    if kind in SCHOOLS:
        return "school or early years"
    return {"community_group": "community group", "core_team": "core team"}.get(kind, "service")


def node_columns(organisations: pd.DataFrame, changes: pd.DataFrame) -> dict:
    orgs = organisations.sort_values("index")
    x, y = ring_layout(orgs)
    live = changes[changes["status"] != "lost"]
    strength = np.bincount(np.r_[live["source"], live["target"]].astype(int),
                           weights=np.r_[live["strength"], live["strength"]], minlength=len(orgs))
    groups = [node_group(k) for k in orgs["kind"]]
    return {"x": x, "y": y, "size": 10 + 6 * np.sqrt(strength), "kind": orgs["kind"].tolist(),
            "kind_label": groups, "label": orgs["label"].tolist(), "colour": [NODE_GROUPS[g] for g in groups],
            "ties": np.round(strength, 2)}
