"""Is there a tipping point along a driver? A test that can answer "none".

A response that rises smoothly always has a largest step between neighbouring grid
levels, so "the largest step" cannot tell a threshold from a slope. Here a tipping point
is a jump in the outcome between two neighbouring levels of a driver that a smooth curve
through the levels cannot produce: the step model (a smooth curve plus a jump at one of
the gaps between levels) is compared with the smooth model alone (a cubic in the
driver, which follows linear, saturating and S-shaped responses that are gentle at the
grid's resolution).

The statistic is the largest drop in the replicate-weighted residual sum of squares of
the level means over every possible gap, divided by the pure-error variance between
replicates at the same level (a sup-F statistic, as in Andrews 1993 for a break at an
unknown point). Its null distribution comes from a parametric bootstrap under the smooth
fit (replicates redrawn from each level's own residuals), so the search over gaps is
paid for. Where a jump is found, its location's interval comes from a bootstrap of the
replicates under the step fit.

Honest limits: with fewer than six levels a cubic leaves no room to test a jump (said as
"too few levels"); a transition steeper than the grid spacing and one that is truly
discontinuous look the same (a finer grid tells them apart); a jump is a statement
about the swept range only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_LEVELS = 6          # a cubic (4 coefficients) plus a jump needs at least 6 levels to test
SMOOTH_DEGREE = 3


@dataclass(frozen=True)
class TippingResult:
    """The answer for one driver (at fixed values of any others)."""

    verdict: str            # "tipping point", "no tipping point found" or "too few levels to tell"
    p_value: float          # bootstrap p-value of the largest jump against a smooth response (nan if untested)
    gap_low: float          # driver level below the jump (nan if none)
    gap_high: float         # driver level above it
    jump: float             # outcome change across the gap beyond the smooth part (nan if none)
    interval_low: float     # 90% interval of the jump's location, as driver levels (nan if none)
    interval_high: float
    levels: int
    replicates: int

    def sentence(self, driver: str, outcome: str) -> str:
        if self.verdict == "tipping point":
            where = (f"between {self.gap_low:g} and {self.gap_high:g}"
                     if self.interval_low == self.gap_low and self.interval_high == self.gap_high
                     else f"between {self.gap_low:g} and {self.gap_high:g} "
                          f"(90% interval {self.interval_low:g} to {self.interval_high:g})")
            return (f"{outcome} tips along {driver} {where}: a jump of {self.jump:+.3g} that a smooth "
                    f"response cannot give (p = {self.p_value:.3f}).")
        if self.verdict == "too few levels to tell":
            if self.levels >= MIN_LEVELS:
                return (f"{driver}: {self.replicates} replicate(s) per level are too few to tell a tipping "
                        f"point from noise (need 2 or more).")
            return (f"{driver}: {self.levels} levels are too few to tell a tipping point from a smooth "
                    f"response (need {MIN_LEVELS}).")
        return (f"No tipping point found in {outcome} along {driver}: the response is as smooth as a "
                f"cubic curve allows (p = {self.p_value:.2f}).")


def _design(x: np.ndarray, gap: int | None) -> np.ndarray:
    """Columns of the smooth model (and of a jump after level index `gap`), x scaled to [-1, 1]."""
    lo, hi = x.min(), x.max()
    u = (2 * (x - lo) / (hi - lo) - 1) if hi > lo else np.zeros_like(x)
    cols = [u ** d for d in range(SMOOTH_DEGREE + 1)]
    if gap is not None:
        cols.append((np.arange(len(x)) > gap).astype(float))
    return np.column_stack(cols)


def _wls(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    resid = y - X @ beta
    return beta, float((w * resid ** 2).sum())


def _sup_f(levels: np.ndarray, means: np.ndarray, n: np.ndarray, pure_var: float):
    """Largest F over gaps, the gap and the jump coefficient."""
    _, rss0 = _wls(_design(levels, None), means, n)
    best = (-np.inf, -1, 0.0)
    for gap in range(len(levels) - 1):
        beta, rss1 = _wls(_design(levels, gap), means, n)
        f = (rss0 - rss1) / max(pure_var, 1e-300)
        if f > best[0]:
            best = (f, gap, float(beta[-1]))
    return best


def _summaries(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, float]:
    means = np.array([g.mean() for g in groups])
    n = np.array([len(g) for g in groups], dtype=float)
    ss = sum(((g - g.mean()) ** 2).sum() for g in groups)
    df = n.sum() - len(groups)
    return means, n, ss / df if df > 0 else np.nan


def find_tipping(x, y, *, n_boot: int = 499, alpha: float = 0.05, seed: int = 0) -> TippingResult:
    """Test for a jump along driver `x` in per-run outcomes `y` (one value per run).

    Each level needs at least two runs (the pure-error variance is what a jump is
    measured against). Deterministic for a given seed."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    levels = np.unique(x)
    groups = [y[x == v] for v in levels]
    reps = int(min((len(g) for g in groups), default=0))
    nan = float("nan")
    if len(levels) < MIN_LEVELS or reps < 2:
        return TippingResult("too few levels to tell", nan, nan, nan, nan, nan, nan, len(levels), reps)
    means, n, pure_var = _summaries(groups)
    if not pure_var > 0:   # replicates identical: any misfit would be infinitely significant
        pure_var = max(float(np.var(means)) * 1e-12, 1e-300)
    f_obs, gap, jump = _sup_f(levels, means, n, pure_var)

    rng = np.random.default_rng(seed)
    smooth_beta, _ = _wls(_design(levels, None), means, n)
    smooth_fit = _design(levels, None) @ smooth_beta
    resid = [g - g.mean() for g in groups]
    exceed = 0
    for _ in range(n_boot):
        boot = [smooth_fit[i] + rng.choice(resid[i], size=len(resid[i]), replace=True)
                * np.sqrt(len(resid[i]) / (len(resid[i]) - 1)) for i in range(len(levels))]
        bm, bn, bv = _summaries(boot)
        exceed += _sup_f(levels, bm, bn, bv if bv > 0 else pure_var)[0] >= f_obs
    p = float((exceed + 1) / (n_boot + 1))
    if p >= alpha:
        return TippingResult("no tipping point found", p, nan, nan, nan, nan, nan, len(levels), reps)

    step_beta, _ = _wls(_design(levels, gap), means, n)
    step_fit = _design(levels, gap) @ step_beta
    gaps = []
    for _ in range(n_boot):
        boot = [step_fit[i] + rng.choice(resid[i], size=len(resid[i]), replace=True) for i in range(len(levels))]
        bm, bn, bv = _summaries(boot)
        gaps.append(_sup_f(levels, bm, bn, bv if bv > 0 else pure_var)[1])
    lo_gap, hi_gap = np.quantile(gaps, [0.05, 0.95], method="inverted_cdf").astype(int)
    return TippingResult("tipping point", p, float(levels[gap]), float(levels[gap + 1]), jump,
                         float(levels[lo_gap]), float(levels[hi_gap + 1]), len(levels), reps)


def tipping_table(runs: pd.DataFrame, drivers: list[str], outcome: str = "value", label: str | None = None,
                  **kw) -> pd.DataFrame:
    """One row per driver and per combination of the other drivers' levels: the verdict,
    where the jump is and how sure. `runs` has one row per run: the drivers and `outcome`
    (named `label` in the sentences)."""
    rows = []
    for d in drivers:
        others = [o for o in drivers if o != d]
        groups = runs.groupby(others) if others else [((), runs)]
        for key, g in groups:
            r = find_tipping(g[d], g[outcome], **kw)
            rows.append({"driver": d, "at": dict(zip(others, np.atleast_1d(key))), "verdict": r.verdict,
                         "p_value": r.p_value, "below": r.gap_low, "above": r.gap_high, "jump": r.jump,
                         "interval_low": r.interval_low, "interval_high": r.interval_high,
                         "levels": r.levels, "replicates": r.replicates,
                         "sentence": r.sentence(d, label or outcome)})
    return pd.DataFrame(rows)
