"""Does the system remember how it got there? The path up against the path down of a
driver ramped slowly up and then down within each run (`ramp_years` on an intervention,
sim/interventions/base.py; configs/scenario/hcz_ramp.yaml).

Per replicate and indicator, both paths are read at `bins` evenly spaced driver levels
over the range both visit (linear interpolation between the months either side); at
each level the indicator on the way down minus on the way up is the loop's height there,
and the loop's width is the mean height (in the indicator's own units: about the area
between the two paths divided by the driver's range).
Positive: the way down stays above the way up (the push is remembered). The interval is
a t-interval over the replicates' widths (each replicate is one independent loop), so a
loop that closes gives an interval around zero, said as "closes within noise".

Honest limits: a smooth ramp leaves a loop even where the system has a single stable
state, if the indicator lags the driver (a rate effect, not bistability): a loop that
narrows when the ramp is slowed (a larger `ramp_years`) is lag, one that stays is
hysteresis. A stepped, quasi-static ramp (`ramp_steps`) removes the lag by design: each
level is held, and only the settled second half of each hold is read (its mean per
replicate), so the two paths are compared at rest; level 0 on the way up is the months
before the ramp. The table says how much the indicator still moved within the settled
halves and how fast the two paths were still closing on each other while held
(`closing_per_year`, at the level of the largest gap): levels where the paths still
closed faster than LAG_RATE of their gap a year are lag; a loop left only at such
levels is "loop, may be lag" (lengthen the holds).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.interventions.base import ramp_share
from sim.outcomes import SYSTEM_AREAS

INDICATORS = (*SYSTEM_AREAS, "norm_adoption")
CONFIDENCE = 0.95
BINS = 8
SETTLED_SHARE = 0.5     # of a held level, the last share read as settled (a stepped ramp)
LAG_RATE = 0.05         # a loop still closing faster than this share a year while held may be lag
TOLERANCE = 1e-9        # a width this small is rounding, not a loop


class HysteresisError(ValueError):
    """Results a hysteresis analysis cannot read (one line)."""


@dataclass(frozen=True)
class Ramp:
    """The ramped intervention of a run, as its config says."""

    intervention: str
    start_month: int
    ramp_months: float
    peak: float
    steps: int | None = None

    def driver(self, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(intensity, phase) per month; phase 'up', 'down' or '' outside the ramp."""
        into = np.asarray(months, dtype=float) - self.start_month
        level = np.array([self.peak * ramp_share(m, self.ramp_months, self.steps) for m in into])
        phase = np.where((into > 0) & (into <= self.ramp_months), "up",
                         np.where((into > self.ramp_months) & (into < 2 * self.ramp_months), "down", ""))
        return level, phase


def ramp_of(config: dict, where: str) -> Ramp:
    """The one intervention with `ramp_years` in a run's config (HysteresisError otherwise)."""
    interventions = ((config.get("scenario") or {}).get("interventions") or {})
    ramped = [(name, iv) for name, iv in interventions.items() if (iv or {}).get("ramp_years") is not None]
    if not ramped:
        raise HysteresisError(f"{where}: no intervention has a ramp (set ramp_years, e.g. scenario=hcz_ramp)")
    if len(ramped) > 1:
        raise HysteresisError(f"{where}: {len(ramped)} interventions have a ramp "
                              f"({', '.join(n for n, _ in ramped)}); give one driver")
    name, iv = ramped[0]
    start_month = int(round(float(iv.get("start_year") or 0.0) * 12)) + 1
    steps = iv.get("ramp_steps")
    return Ramp(name, start_month, 12.0 * float(iv["ramp_years"]), float(iv.get("intensity", 1.0)),
                None if steps is None else int(steps))


def paths(ts: pd.DataFrame, ramp: Ramp, indicators, bins: int = BINS) -> pd.DataFrame:
    """One row per (seed, indicator, phase, bin): the indicator on that path read at the
    bin's driver level, by linear interpolation between the months either side (so the
    two paths are compared at the same driver level however the months fall). The
    `bins` levels are spread evenly over the range both paths visit. `ts` has seed,
    month and the indicator columns. A stepped ramp is read at its held levels instead
    (`held_levels`), and `bins` is not used."""
    if ramp.steps is not None:
        return held_levels(ts, ramp, indicators)
    level, phase = ramp.driver(ts["month"].to_numpy())
    on = phase != ""
    if not on.any():
        raise HysteresisError("the results do not reach the ramp (run for at least 2 x ramp_years)")
    frame = ts.loc[on, ["seed", "month", *indicators]].assign(phase=phase[on], level=level[on])
    ranges = frame.groupby("phase")["level"].agg(["min", "max"])
    if not {"up", "down"} <= set(ranges.index):
        raise HysteresisError("the results hold only one side of the ramp (run for at least 2 x ramp_years)")
    lo, hi = ranges["min"].max(), ranges["max"].min()
    if not hi > lo:
        raise HysteresisError("the paths up and down share no range of the driver")
    grid = np.linspace(lo, hi, bins)
    rows = []
    for (seed, ph), g in frame.groupby(["seed", "phase"]):
        g = g.sort_values("level")
        for name in indicators:
            values = np.interp(grid, g["level"].to_numpy(), g[name].to_numpy(dtype=float))
            rows.append(pd.DataFrame({"seed": seed, "indicator": name, "phase": ph, "bin": np.arange(bins),
                                      "driver": grid, "value": values}))
    return pd.concat(rows, ignore_index=True)


def held_levels(ts: pd.DataFrame, ramp: Ramp, indicators) -> pd.DataFrame:
    """A stepped ramp: one row per (seed, indicator, phase, level) with the mean of the
    settled part of each hold (its last SETTLED_SHARE) as `value`, and `drift`, that
    part's second half minus its first half (how far it was still moving, over
    `drift_months`). Level 0 on the way up is the same share of a hold's length just
    before the ramp (the settled baseline), when the run has that many months before it;
    the peak, visited on the way up only, has no partner and is left out."""
    months = ts["month"].to_numpy()
    hold = ramp.ramp_months / ramp.steps
    settled_months = SETTLED_SHARE * hold
    into = months - ramp.start_month                       # the ramp's first month is 0
    level, phase = ramp.driver(months)
    # months into the current hold, counted so that a hold's settled part is its last settled_months
    to_end = np.where(into <= 0, -into, np.ceil(into / hold) * hold - into)      # months left in the hold
    before = (into <= 0) & (months.min() <= ramp.start_month - settled_months)
    phase = np.where(before, "up", phase)
    settled = (to_end < settled_months) & (phase != "") & (level < ramp.peak - 1e-12)
    late = to_end < settled_months / 2
    frame = ts.loc[settled, ["seed", *indicators]].assign(phase=phase[settled], level=np.round(level[settled], 9),
                                                          late=late[settled])
    if not {"up", "down"} <= set(frame["phase"]):
        raise HysteresisError("the results hold only one side of the ramp (run for at least 2 x ramp_years)")
    shared = sorted(set(frame.loc[frame.phase == "up", "level"]) & set(frame.loc[frame.phase == "down", "level"]))
    if not shared:
        raise HysteresisError("the paths up and down share no held level of the driver")
    frame = frame[frame["level"].isin(shared)]
    keys = ["seed", "phase", "level"]
    rows = []
    for name in indicators:
        out = pd.DataFrame({"value": frame.groupby(keys)[name].mean(),
                            "drift": (frame[frame.late].groupby(keys)[name].mean()
                                      - frame[~frame.late].groupby(keys)[name].mean())}).reset_index()
        rows.append(out.assign(indicator=name, bin=out["level"].map({lv: k for k, lv in enumerate(shared)}),
                               drift_months=settled_months / 2).rename(columns={"level": "driver"}))
    return pd.concat(rows, ignore_index=True)[["seed", "indicator", "phase", "bin", "driver", "value", "drift",
                                               "drift_months"]]


def closing_rates(binned: pd.DataFrame, indicator: str) -> pd.Series:
    """A stepped ramp: per held level (driver), how fast the two paths were still
    approaching each other while it was held, as a share of their gap a year. The way
    up moved by its `drift` and the way down by its own within `drift_months` (means
    over replicates); (drift up - drift down) x sign(gap) is the part of the gap that
    closed. Near 0 where both paths had settled (apart: memory; together: no loop);
    large where the holds were too short for the indicator to settle (lag)."""
    g = binned[binned["indicator"] == indicator].groupby(["driver", "phase"])[["value", "drift", "drift_months"]].mean()
    wide = g.unstack("phase")
    gap = wide[("value", "down")] - wide[("value", "up")]
    closed = (wide[("drift", "up")] - wide[("drift", "down")]) * np.sign(gap)
    per_year = closed * 12.0 / wide[[("drift_months", "up"), ("drift_months", "down")]].mean(axis=1)
    return (per_year / gap.abs().where(gap.abs() > TOLERANCE)).rename("closing_per_year")


def _t_interval(x: np.ndarray) -> tuple[float, float, float]:
    from scipy import stats

    x = x[np.isfinite(x)]
    if len(x) < 2:
        return (float(x.mean()) if len(x) else np.nan, np.nan, np.nan)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def loops(binned: pd.DataFrame, driver_name: str = "the driver") -> pd.DataFrame:
    """One row per indicator: the loop's width with its interval, the largest height and
    where, the replicates and a verdict with a sentence."""
    wide = binned.pivot_table(index=["indicator", "seed", "bin", "driver"], columns="phase", values="value")
    if not {"up", "down"} <= set(wide.columns):
        raise HysteresisError("the results hold only one side of the ramp (run for at least 2 x ramp_years)")
    wide = wide.dropna(subset=["up", "down"]).reset_index()
    wide["height"] = wide["down"] - wide["up"]
    rows = []
    for indicator, g in wide.groupby("indicator", sort=False):
        per_seed = g.groupby("seed")["height"].mean().to_numpy()
        width, low, high = _t_interval(per_seed)
        by_bin = g.groupby("driver")["height"].mean()
        at = float(by_bin.abs().idxmax())
        rates = closing_rates(binned, indicator) if "drift" in binned else pd.Series(dtype=float)
        lagging = [float(d) for d, r in rates.items() if r > LAG_RATE]
        if not np.isfinite(low):
            verdict = "too few replicates to tell"
            sentence = f"{indicator}: {len(per_seed)} replicate(s) are too few to put an interval on the loop (need 2)."
        elif (low > 0 or high < 0) and max(abs(low), abs(high)) > TOLERANCE:
            verdict = "loop"
            sentence = (f"{indicator} follows a different path down than up along {driver_name}: the way down is "
                        f"{width:+.3g} on average ({CONFIDENCE:.0%} interval {low:+.3g} to {high:+.3g}), "
                        f"most at {at:.3g}.")
            if lagging:
                settled = g[~g["driver"].isin(lagging)].groupby("seed")["height"].mean().to_numpy()
                s_width, s_low, s_high = _t_interval(settled) if len(settled) else (np.nan, np.nan, np.nan)
                where = ", ".join(f"{d:.3g}" for d in lagging)
                if np.isfinite(s_low) and (s_low > 0 or s_high < 0) and max(abs(s_low), abs(s_high)) > TOLERANCE:
                    sentence = sentence[:-1] + (f"; at {where} the paths were still closing on each other while held "
                                                f"(lag), at the other levels they had settled apart.")
                else:
                    verdict = "loop, may be lag"
                    sentence = sentence[:-1] + (f"; but at {where} the paths were still closing on each other by more "
                                                f"than {LAG_RATE:.0%} of the gap a year while held, and without those "
                                                f"levels no loop is left: it may be lag (lengthen ramp_years).")
        else:
            verdict = "closes within noise"
            sentence = (f"{indicator}: the loop closes within noise along {driver_name} (width {width:+.3g}, "
                        f"{CONFIDENCE:.0%} interval {low:+.3g} to {high:+.3g}).")
        closing = float(rates.get(at, np.nan)) if len(rates) else np.nan
        rows.append({"indicator": indicator, "width": width, "width_low": low, "width_high": high,
                     "max_height": float(by_bin.loc[at]), "at_driver": at, "bins": int(g["bin"].nunique()),
                     "replicates": len(per_seed), "closing_per_year": closing, "verdict": verdict, "sentence": sentence})
    return pd.DataFrame(rows)


def path_summary(binned: pd.DataFrame) -> pd.DataFrame:
    """The paths across replicates: mean and 90% interval (REPLICATE_BAND, as every output)
    per indicator, phase, driver."""
    from sim.outcomes import REPLICATE_BAND

    g = binned.groupby(["indicator", "phase", "driver"])["value"]
    return pd.DataFrame({"mean": g.mean(), "low": g.quantile(REPLICATE_BAND.low),
                         "high": g.quantile(REPLICATE_BAND.high),
                         "replicates": g.size()}).reset_index()


def loop_figure(summary: pd.DataFrame, table: pd.DataFrame, driver_name: str):
    """One panel per indicator: the path up and the path down (mean, 90% interval)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.style import OKABE_ITO

    names = list(table["indicator"])
    cols = min(3, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        for phase, colour, style in (("up", OKABE_ITO[0], "-"), ("down", OKABE_ITO[3], "--")):
            s = summary[(summary["indicator"] == name) & (summary["phase"] == phase)].sort_values("driver")
            ax.fill_between(s["driver"], s["low"], s["high"], color=colour, alpha=0.2, linewidth=0)
            ax.plot(s["driver"], s["mean"], color=colour, linestyle=style, marker="o", ms=3,
                    label=f"path {phase}")
        row = table[table["indicator"] == name].iloc[0]
        ax.set_title(f"{name}\nwidth {row['width']:+.3g} [{row['width_low']:+.3g}, {row['width_high']:+.3g}]",
                     fontsize=9)
        ax.set_xlabel(driver_name)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Hysteresis: the path down against the path up "
                 "(mean, 90% interval: 5th-95th percentile of replicates)")
    fig.tight_layout()
    return fig


def point_config(interventions: dict, values: dict) -> dict:
    """A sweep point's scenario as a run's config: the sweep's interventions (its
    manifest) with the point's `scenario.interventions.<name>.<field>` values set."""
    out = {name: dict(entry or {}) for name, entry in interventions.items()}
    for key, value in values.items():
        parts = key.split(".")
        if parts[0] == "scenario" and len(parts) == 4 and parts[2] in out:
            out[parts[2]][parts[3]] = value
    return {"scenario": {"interventions": out}}


def width_figure(table: pd.DataFrame, parameter: str):
    """A sweep: one panel per indicator, the loop's width and interval against a parameter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.style import OKABE_ITO

    names = list(dict.fromkeys(table["indicator"]))
    cols = min(3, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        t = table[table["indicator"] == name].sort_values(parameter)
        ax.errorbar(t[parameter], t["width"], yerr=[t["width"] - t["width_low"], t["width_high"] - t["width"]],
                    fmt="o", color=OKABE_ITO[0], capsize=3)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(parameter)
        ax.set_ylabel("loop width (down minus up)")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.suptitle("Hysteresis across the sweep: the loop's width with its 95% interval")
    fig.tight_layout()
    return fig
