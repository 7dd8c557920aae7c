"""Does a push last? Over a grid of one or two drivers (e.g. core-team intensity x the
year it leaves, committed share x saturation), the probability that each system
indicator is still above its pre-intervention level N years after support ends, where
that probability crosses one half, and whether the crossing is a tipping point.

Per run: the indicator's level at month 0 (before any intervention) and its mean over
year N after the last intervention's end (`end_year`, or the end of a ramp); the run
*lasts* when the second is above the first by more than `margin`. Per grid point: the
share of replicates that last, with a Wilson interval (a binomial count, exact enough
at a handful of replicates and never outside 0-1).

The boundary: a logistic regression of lasting on the first driver (scaled to 0-1) at
each level of the second, so the boundary may move freely with it (a joint fit with an
interaction misplaced it when each level separates perfectly); a small ridge penalty
keeps it finite when the grid separates lasting from fading perfectly, which is what a
sharp threshold does. It is read where the fitted probability is one half. Its interval: the same fit on bootstrap resamples of the replicates within
each grid point (5th-95th percentile, clipped to the swept range).

A crossing is not a tipping point: a smooth rise crosses one half somewhere too. A
boundary is called a tipping point only where the jump test of analysis.tipping (a jump
in the run's change that a cubic in the driver cannot give, with a parametric bootstrap)
finds one along the first driver, at a level of 0.05 shared (Bonferroni) over the
levels of the second; otherwise the sentence says the probability changes smoothly.

Honest limits: with no push, a stationary indicator is above its month-0 level by
chance about half the time (give margin= to ask for more than noise); the jump test
needs six or more levels of the first driver and two replicates per point; a boundary
is a statement about the swept range only.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.tipping import MIN_LEVELS, find_tipping
from sim.outcomes import SYSTEM_AREAS

INDICATORS = (*SYSTEM_AREAS, "norm_adoption")
YEARS_AFTER = 5
CONFIDENCE = 0.95        # Wilson interval of a grid point's probability
BOUNDARY_BAND = (0.05, 0.95)   # bootstrap interval of the boundary
ALPHA = 0.05             # the jump test's level, shared over the slices along the second driver
RIDGE = 0.05             # penalty on the logistic slopes (drivers scaled to 0-1)


class LastingError(ValueError):
    """A lasting-probability analysis the results cannot give (one line)."""


class TippingVerdict(NamedTuple):
    """The answer for one indicator over the grid."""

    indicator: str
    verdict: str             # "tipping point", "no tipping point found" or "too few levels to tell"
    p_value: float           # smallest jump-test p-value over the slices (nan if untested)
    boundary: pd.DataFrame   # per level of the second driver (one row with one driver): at, boundary, low, high, crosses
    sentence: str


# -- per run --------------------------------------------------------------------------------------

def exit_month(interventions: dict) -> int:
    """The month the last intervention's support ends: its end_year, or the end of its
    ramp (start + 2 x ramp_years); LastingError when one never ends."""
    ends = []
    for name, iv in (interventions or {}).items():
        iv = iv or {}
        start = float(iv.get("start_year") or 0.0)
        if iv.get("end_year") is not None:
            ends.append(float(iv["end_year"]))
        elif iv.get("ramp_years") is not None:
            ends.append(start + 2 * float(iv["ramp_years"]))
        else:
            raise LastingError(f"intervention {name} has no end_year: support never ends, so nothing can be "
                               f"measured after it (e.g. scenario=core_team_exit5)")
    if not ends:
        raise LastingError("the scenario has no intervention: nothing ends to measure after")
    return int(round(12 * max(ends)))


def lasting_by_run(sweep, indicators=INDICATORS, years_after: int = YEARS_AFTER,
                   margin: float = 0.0) -> pd.DataFrame:
    """One row per run and indicator of a sweep: the drivers, `before` (month 0), `after`
    (mean over year `years_after` after support ends), `change` and `lasting`."""
    from analysis.hysteresis import point_config

    interventions = sweep.manifest.get("interventions")
    if interventions is None:
        raise LastingError(f"{sweep.folder}: a sweep written before its manifest held the scenario's "
                           f"interventions; run `placesim sweep` again")
    columns = sweep.columns("timeseries")
    missing = [c for c in indicators if c not in columns]
    if missing:
        raise LastingError(f"outcome={missing[0]}: not a time-series column of the sweep")
    names = list(sweep.manifest["parameters"])
    design = sweep.design()
    arm = [("arm", "==", "scenario")] if sweep.manifest.get("paired") else []
    ts = sweep.table("timeseries", columns=["point", "seed", "month", *indicators], filters=arm)
    last = int(ts["month"].max())
    exits = {int(p["point"]): exit_month(point_config(interventions, {n: float(p[n]) for n in names})
                                         ["scenario"]["interventions"]) for _, p in design.iterrows()}
    need = max(exits.values()) + 12 * years_after
    if need > last:
        raise LastingError(f"years_after={years_after}: the runs end at month {last}, before {years_after} years "
                           f"after support ends (month {need}); run.years={int(np.ceil(need / 12))} or more")
    ts = ts.assign(exit=ts["point"].map(exits))
    before = ts[ts["month"] == 0].groupby(["point", "seed"])[list(indicators)].mean()
    window = ts[(ts["month"] > ts["exit"] + 12 * (years_after - 1)) & (ts["month"] <= ts["exit"] + 12 * years_after)]
    after = window.groupby(["point", "seed"])[list(indicators)].mean()
    if before.empty:
        raise LastingError(f"{sweep.folder}: the time series has no month 0 (the level before any intervention)")
    long = (before.stack().rename("before").to_frame().join(after.stack().rename("after"), how="inner")
            .rename_axis(["point", "seed", "indicator"]).reset_index())
    long["change"] = long["after"] - long["before"]
    long["lasting"] = long["change"] > margin
    return long.merge(design[["point", *names]], on="point", how="left")


def _runs(runs_or_frame, indicator: str, years_after: int, margin: float) -> pd.DataFrame:
    """The per-run rows of one indicator, from a SweepFolder or a frame lasting_by_run made
    (or any frame with the drivers and `change`, and optionally `indicator` and `lasting`)."""
    if isinstance(runs_or_frame, pd.DataFrame):
        frame = runs_or_frame
        if "indicator" in frame.columns:
            frame = frame[frame["indicator"] == indicator]
        if "lasting" not in frame.columns:
            frame = frame.assign(lasting=frame["change"] > margin)
    else:
        frame = lasting_by_run(runs_or_frame, [indicator], years_after, margin)
    frame = frame.dropna(subset=["change"])
    if frame.empty:
        raise LastingError(f"{indicator}: no finished run to read")
    return frame


# -- probability per grid point -----------------------------------------------------------------

def wilson(k: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k successes in n trials."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + confidence / 2)
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def lasting_probability(runs_or_frame, drivers, indicator: str, years_after: int = YEARS_AFTER,
                        margin: float = 0.0) -> pd.DataFrame:
    """One row per grid point: the drivers, `indicator`, `probability` that the indicator is
    above its pre-intervention level `years_after` years after support ends, its 95%
    Wilson interval `low`-`high`, the replicates `n` and how many lasted (`lasting`)."""
    drivers = list(drivers)
    frame = _runs(runs_or_frame, indicator, years_after, margin)
    g = frame.groupby(drivers)["lasting"].agg(["sum", "size"]).reset_index()
    low, high = wilson(g["sum"], g["size"])
    return pd.DataFrame({**{d: g[d] for d in drivers}, "indicator": indicator,
                         "probability": g["sum"] / g["size"], "low": low, "high": high,
                         "n": g["size"].astype(int), "lasting": g["sum"].astype(int)})


# -- the boundary -------------------------------------------------------------------------------

def _logistic(u: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridge-penalised logistic regression of y on u (0-1) by Newton steps: (intercept, slope)."""
    X = np.column_stack([np.ones(len(u)), u])
    beta = np.zeros(2)
    penalty = np.array([0.0, RIDGE])
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(X @ beta, -30, 30)))
        grad = X.T @ (y - p) - penalty * beta
        hess = (X * (p * (1 - p))[:, None]).T @ X + np.diag(penalty) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def _crossing(beta: np.ndarray) -> float:
    """Scaled driver value where the fit is one half (nan where it does not depend on it)."""
    return float(-beta[0] / beta[1]) if abs(beta[1]) > 1e-12 else float("nan")


def boundary(frame: pd.DataFrame, drivers, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Where the fitted probability of lasting crosses one half along drivers[0], per level
    of drivers[1] (one row if one driver): a logistic regression in drivers[0] at each
    level of the second (the boundary may move freely with it), `boundary` and its
    bootstrap interval `low`-`high` in the driver's units (clipped to the swept range, and
    never narrower than the grid levels either side of the boundary), `crosses`: "inside",
    "above everywhere" or "below everywhere" (the fit's side over the range), and the
    fit's `slope` (per unit of the range), and the `floor`: the share that lasts at the
lowest level of drivers[0] (by chance or drift where that level is no push at all)."""
    drivers = list(drivers)
    x = frame[drivers[0]].to_numpy(dtype=float)
    grid = np.unique(x)
    lo, span = grid[0], (grid[-1] - grid[0]) or 1.0
    slices = list(frame.groupby(drivers[1])) if len(drivers) == 2 else [(np.nan, frame)]
    rng = np.random.default_rng(seed)
    rows = []
    for level, part in slices:
        u = (part[drivers[0]].to_numpy(dtype=float) - lo) / span
        y = part["lasting"].to_numpy(dtype=float)
        beta = _logistic(u, y)
        ends = beta[0] + beta[1] * np.array([(grid[0] - lo) / span, 1.0])
        point = _crossing(beta)
        crosses = ("inside" if (ends[0] > 0) != (ends[1] > 0) and np.isfinite(point)
                   else "above everywhere" if ends.min() > 0 else "below everywhere")
        group = part.groupby(drivers[0]).ngroup().to_numpy()
        cells = [np.flatnonzero(group == g) for g in range(group.max() + 1)]
        boots = []
        for _ in range(n_boot):
            take = np.concatenate([rng.choice(c, size=len(c), replace=True) for c in cells])
            b = _crossing(_logistic(u[take], y[take]))
            boots.append(b if np.isfinite(b) else 0.5)
        b_lo, b_hi = lo + np.quantile(np.clip(boots, 0, 1), BOUNDARY_BAND) * span
        at = lo + float(np.clip(point, 0, 1)) * span if crosses == "inside" else np.nan
        if crosses == "inside":     # the grid cannot place it closer than the levels either side
            b_lo = min(b_lo, grid[grid <= at].max(initial=grid[0]))
            b_hi = max(b_hi, grid[grid >= at].min(initial=grid[-1]))
        floor = float(y[u == u.min()].mean())
        rows.append({"at": float(level), "boundary": at, "low": float(b_lo), "high": float(b_hi),
                     "crosses": crosses, "slope": float(beta[1]), "floor": floor})
    return pd.DataFrame(rows)


def _short(key: str) -> str:
    """A label in sentences and on axes: the last two parts of a sweep key (champions.share, norms.threshold_mean)."""
    return ".".join(key.split(".")[-2:])

# -- the verdict --------------------------------------------------------------------------------

def tipping_verdict(runs_or_frame, drivers, indicator: str, years_after: int = YEARS_AFTER, margin: float = 0.0,
                    n_boot: int = 199, seed: int = 0) -> TippingVerdict:
    """Is the boundary of lasting a tipping point? The jump test (analysis.tipping) on the
    runs' change along drivers[0] at each level of drivers[1], and the fitted boundary,
    said in one sentence."""
    drivers = list(drivers)
    if not 1 <= len(drivers) <= 2:
        raise LastingError(f"a grid of one or two drivers is needed, not {len(drivers)} ({', '.join(drivers)})")
    frame = _runs(runs_or_frame, indicator, years_after, margin)
    edge = boundary(frame, drivers, n_boot=n_boot, seed=seed)
    slices = list(frame.groupby(drivers[1])) if len(drivers) == 2 else [(None, frame)]
    tests = [(at, find_tipping(part[drivers[0]], part["change"], n_boot=n_boot, alpha=ALPHA / len(slices),
                               seed=seed)) for at, part in slices]
    found = [(at, r) for at, r in tests if r.verdict == "tipping point"]
    tested = [r for _, r in tests if r.verdict != "too few levels to tell"]
    p_value = min((r.p_value for r in tested), default=float("nan"))
    what = f"the chance that {indicator} stays above its pre-intervention level {years_after} years after support ends"
    d0, d1 = _short(drivers[0]), _short(drivers[-1])

    def where(row) -> str:
        at = f" at {d1}={row['at']:g}" if len(drivers) == 2 else ""
        floor = f" ({row['floor']:.0%} already at its lowest level: chance or drift)" if row["floor"] >= 0.25 else ""
        if row["crosses"] == "inside":
            return (f"crosses one half at {d0}={row['boundary']:.3g} (90% interval {row['low']:.3g} to "
                    f"{row['high']:.3g}){at}{floor}")
        return f"stays {row['crosses'].replace(' everywhere', ' one half')} over the range{at}{floor}"

    crossings = "; ".join(where(r) for _, r in edge.iterrows())
    if found:
        jumps = "; ".join(f"between {r.gap_low:g} and {r.gap_high:g}" + (f" at {d1}={at:g}" if at is not None
                                                                         else "") + f" (p = {r.p_value:.3f})"
                          for at, r in found)
        sentence = (f"{indicator} tips along {d0}: the jump test finds a jump a smooth response cannot give {jumps}; "
                    f"{what} {crossings}.")
        return TippingVerdict(indicator, "tipping point", p_value, edge, sentence)
    if not tested:
        levels = frame[drivers[0]].nunique()
        reps = int(frame.groupby(drivers).size().min())
        why = (f"{levels} levels of {d0} are too few" if levels < MIN_LEVELS
               else f"{reps} replicate(s) per point are too few")
        sentence = (f"{indicator}: {why} to tell a tipping point from a smooth response (need {MIN_LEVELS} levels "
                    f"and 2 replicates); {what} {crossings}.")
        return TippingVerdict(indicator, "too few levels to tell", p_value, edge, sentence)
    inside = edge[edge["crosses"] == "inside"]
    trend = ("changes smoothly" if inside.empty else "rises smoothly" if (inside["slope"] > 0).mean() >= 0.5
             else "falls smoothly")
    sentence = (f"No tipping point found in {indicator} along {d0}: {what} {trend} "
                f"(jump test p = {p_value:.2f}) and {crossings}.")
    return TippingVerdict(indicator, "no tipping point found", p_value, edge, sentence)


# -- the figure ---------------------------------------------------------------------------------


def lasting_figure(probabilities: pd.DataFrame, verdicts: list[TippingVerdict], drivers, years_after: int):
    """Two drivers: a heat map of the probability per indicator with the boundary (and its
    interval) drawn; one driver: the probability with its interval and the boundary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.style import OKABE_ITO

    drivers = list(drivers)
    cols = min(4, len(verdicts))
    rows = int(np.ceil(len(verdicts) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.8 * cols, 3.5 * rows), squeeze=False, layout="constrained")
    image = None
    for ax, v in zip(axes.ravel(), verdicts):
        part = probabilities[probabilities["indicator"] == v.indicator]
        xs = np.sort(part[drivers[0]].unique())
        position = lambda value: np.interp(value, xs, np.arange(len(xs)))   # noqa: E731 (level -> column)
        if len(drivers) == 2:
            ys = np.sort(part[drivers[1]].unique())
            grid = part.pivot_table(index=drivers[1], columns=drivers[0], values="probability").reindex(
                index=ys, columns=xs)
            image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1)
            ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
            ax.set_ylabel(_short(drivers[1]), fontsize=8)
            edge = v.boundary
            rows_y = np.interp(edge["at"], ys, np.arange(len(ys)))
            inside = edge["crosses"] == "inside"
            ax.errorbar(position(edge.loc[inside, "boundary"]), rows_y[inside.to_numpy()],
                        xerr=[position(edge.loc[inside, "boundary"]) - position(edge.loc[inside, "low"]),
                              position(edge.loc[inside, "high"]) - position(edge.loc[inside, "boundary"])],
                        fmt="o-" if v.verdict == "tipping point" else "o--", color="white", capsize=3, ms=4)
        else:
            part = part.sort_values(drivers[0])
            at = np.arange(len(xs))
            ax.errorbar(at, part["probability"], yerr=[part["probability"] - part["low"],
                                                       part["high"] - part["probability"]],
                        fmt="o-", color=OKABE_ITO[0], capsize=3)
            ax.axhline(0.5, color="grey", linewidth=0.8)
            row = v.boundary.iloc[0]
            if row["crosses"] == "inside":
                ax.axvspan(position(row["low"]), position(row["high"]), color=OKABE_ITO[3], alpha=0.2, linewidth=0)
                ax.axvline(position(row["boundary"]), color=OKABE_ITO[3],
                           linestyle="-" if v.verdict == "tipping point" else "--")
            ax.set_ylim(-0.02, 1.02)
            ax.set_ylabel("probability it lasts", fontsize=8)
            ax.grid(alpha=0.3)
        ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs], fontsize=7)
        ax.set_xlabel(_short(drivers[0]), fontsize=8)
        label = {"tipping point": "tips", "no tipping point found": "no tipping point",
                 "too few levels to tell": "too few levels to tell"}[v.verdict]
        ax.set_title(f"{v.indicator}: {label}", fontsize=9)
    for ax in axes.ravel()[len(verdicts):]:
        ax.set_visible(False)
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="probability it lasts")
    fig.suptitle(f"Still above the pre-intervention level {years_after} years after support ends\n"
                 f"(boundary: probability one half, 90% interval; solid where the jump test finds a tipping point)",
                 fontsize=9)
    return fig
