"""Early warnings: do fluctuations grow and slow before a transition (critical slowing
down, Scheffer et al. 2009)?

Two statistics of an indicator's fluctuations, after its slow trend is taken out (the
residual from a centred Gaussian-weighted rolling mean): the rolling variance and the
rolling lag-1 autocorrelation over a window; their trend is Kendall's tau (scipy).

- along a driver (a factorial sweep, `along_driver`): each run's mean rolling statistic
  at each level of the driver below the tipping point that analysis.tipping finds, and
  Kendall's tau of the statistic against the level: do the fluctuations grow as the
  driver approaches the threshold?
- over time (one run or compare folder, `over_time`): the rolling statistics of each
  replicate up to the transition (the month the replicates' mean moves most over a
  window), tau against time per replicate, and a t-test of the replicates' taus (the
  rolling values of one series overlap, so one series' own p-value would overstate).

Why not ewstools (2.1.3, the maintained early-warning library): it installs on Python
3.11 but imports plotly, lmfit, arch and EntropyHub when loaded, five more dependencies
for two statistics pandas computes in a line each; its rolling window and Gaussian
detrending are what is done here. Honest limits: a sweep keeps one row a year, so a run
of 20 years gives a short series; a rise must show over the replicates' average, and
"rose" means a positive tau with p < 0.05, not a forecast.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

ALPHA = 0.05


def residuals(values: np.ndarray, bandwidth: int) -> np.ndarray:
    """The series minus its trend: a centred Gaussian-weighted rolling mean with a standard
    deviation of `bandwidth` points (ewstools' Gaussian detrending, in pandas)."""
    s = pd.Series(np.asarray(values, dtype=float))
    trend = s.rolling(4 * bandwidth + 1, center=True, min_periods=1, win_type="gaussian").mean(std=bandwidth)
    return (s - trend).to_numpy()


def rolling_stats(values: np.ndarray, window: int, bandwidth: int | None = None) -> pd.DataFrame:
    """Rolling variance and lag-1 autocorrelation of the detrended series (NaN until a
    window is full; a window with no variation has no autocorrelation)."""
    r = pd.Series(residuals(values, bandwidth or window))
    var = r.rolling(window).var()
    ac1 = r.rolling(window).apply(_ac1, raw=True)
    return pd.DataFrame({"variance": var, "ac1": ac1})


def _ac1(x: np.ndarray) -> float:
    a, b = x[:-1] - x[:-1].mean(), x[1:] - x[1:].mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else np.nan


def kendall(x, y) -> tuple[float, float]:
    """Kendall's tau of y against x and its p-value (NaN with fewer than 3 finite pairs)."""
    from scipy.stats import kendalltau

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(y[ok]) == 0:
        return np.nan, np.nan
    res = kendalltau(x[ok], y[ok])
    return float(res.statistic), float(res.pvalue)


def _verdict(tau: float, p: float) -> str:
    if not np.isfinite(tau):
        return "cannot tell"
    return "rose" if tau > 0 and p < ALPHA else ("fell" if tau < 0 and p < ALPHA else "no clear trend")


def along_driver(ts: pd.DataFrame, driver: str, indicator: str, below: float | None, window: int) -> pd.DataFrame:
    """Per level of `driver` (at or below `below`, the last level before the tipping
    point; all levels if None): the runs' mean rolling variance and AC1 of `indicator`.
    `ts` has point, seed, month, the driver and the indicator, yearly rows."""
    part = ts if below is None else ts[ts[driver] <= below + 1e-12]
    rows = []
    for (point, seed), g in part.sort_values("month").groupby(["point", "seed"]):
        stats = rolling_stats(g[indicator].to_numpy(), window)
        rows.append({"point": point, "seed": seed, "level": float(g[driver].iloc[0]),
                     "variance": stats["variance"].mean(), "ac1": stats["ac1"].mean()})
    per_run = pd.DataFrame(rows)
    return per_run.groupby("level", as_index=False)[["variance", "ac1"]].mean().assign(
        runs=per_run.groupby("level").size().to_numpy())


def trend_rows(levels: pd.DataFrame, x: str, label: str) -> list[dict]:
    """Kendall's tau of each statistic against `x`, with a verdict."""
    out = []
    for stat in ("variance", "ac1"):
        tau, p = kendall(levels[x], levels[stat])
        out.append({"statistic": stat, "kendall_tau": tau, "p_value": p, "verdict": _verdict(tau, p),
                    "points": int(levels[stat].notna().sum()), "over": label})
    return out


def over_time(ts: pd.DataFrame, indicator: str, window: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Rolling statistics per replicate up to the transition (the start of the `window`
    rows over which the replicates' mean changes most): their mean over replicates, the
    rows of every replicate (column `seed`), and that month."""
    mean = ts.groupby("month")[indicator].mean().sort_index()
    change = mean.diff(window).abs()
    # the start of the window over which the mean changes most: what comes after is the change itself
    transition = (int(mean.index[mean.index.get_loc(change.idxmax()) - window]) if change.notna().any()
                  else int(mean.index.max()))
    before = ts[ts["month"] <= transition].sort_values("month")
    parts = []
    for seed, g in before.groupby("seed"):
        stats = rolling_stats(g[indicator].to_numpy(), window)
        parts.append(stats.assign(month=g["month"].to_numpy(), seed=seed))
    per = pd.concat(parts, ignore_index=True)
    return per.groupby("month", as_index=False)[["variance", "ac1"]].mean(), per, transition


def trend_over_replicates(per: pd.DataFrame, label: str) -> list[dict]:
    """Kendall's tau against time per replicate, averaged; the p-value is a one-sample
    t-test of the replicates' taus against 0. Overlapping windows make neighbouring
    rolling values depend on each other, so a tau's own p-value over one series
    overstates the evidence; the replicates are independent."""
    from scipy import stats

    out = []
    for stat in ("variance", "ac1"):
        taus = np.array([kendall(g["month"], g[stat])[0] for _, g in per.groupby("seed")])
        taus = taus[np.isfinite(taus)]
        if len(taus) >= 2 and taus.std(ddof=1) > 0:
            tau, p = float(taus.mean()), float(stats.ttest_1samp(taus, 0.0).pvalue)
        else:
            tau, p = (float(taus.mean()) if len(taus) else np.nan), np.nan
        out.append({"statistic": stat, "kendall_tau": tau, "p_value": p,
                    "verdict": _verdict(tau, p) if np.isfinite(p) else "cannot tell",
                    "points": len(taus), "over": label})
    return out


def warning_figure(panels: list[tuple[str, pd.DataFrame, str, float | None]]):
    """One row per (title, table, x column, tipping level or None): variance and AC1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.style import OKABE_ITO

    fig, axes = plt.subplots(len(panels), 2, figsize=(9, 2.8 * len(panels)), squeeze=False)
    for row, (title, table, x, mark) in enumerate(panels):
        for col, stat in enumerate(("variance", "ac1")):
            ax = axes[row, col]
            ax.plot(table[x], table[stat], color=OKABE_ITO[col], marker="o", ms=3)
            if mark is not None:
                ax.axvline(mark, color=OKABE_ITO[3], linestyle="--", label="tipping point")
                ax.legend(fontsize=7)
            ax.set_title(f"{title}: rolling {'variance' if stat == 'variance' else 'lag-1 autocorrelation'}",
                         fontsize=9)
            ax.set_xlabel(x)
            ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
