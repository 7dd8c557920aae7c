"""Calibration against seed 004: the statistics a fit compares with the seed's tables, the
history-matching emulators (scikit-learn Gaussian processes) and the validation on what
the fit does not use (R^2 and ranking of the five indicators, bootstrapped over places).

`experiments/calibrate.py` runs the simulations and writes the files; this module only
turns tables into numbers and figures.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.synthetic import INDICATORS

# Seed 004's stages and the model's milestone for each (configs.evidence.MILESTONE_OF_STAGE).
STAGE_LABEL = {"foundation_stage": "EYFS", "key_stage_2": "KS2", "key_stage_4": "KS4"}


# -- statistics of synthetic places --------------------------------------------------------

def area_shares(milestones: pd.DataFrame, milestone_of_stage: dict[str, str], first_year: int) -> pd.DataFrame:
    """One row per place (seed) x year x stage from `first_year` on: the % of the year's
    assessed children reaching the benchmark (seed 004's unit: an LSOA-year)."""
    ms = milestones[(milestones["group"] == "all") & (milestones["year"] >= first_year)]
    parts = []
    for stage, mil in milestone_of_stage.items():
        a = ms[ms["milestone"] == mil].groupby(["seed", "year"], as_index=False)[["reached", "assessed"]].sum()
        a = a[a["assessed"] > 0]
        parts.append(pd.DataFrame({"stage": stage, "seed": a["seed"], "year": a["year"],
                                   "share": 100.0 * a["reached"] / a["assessed"]}))
    return pd.concat(parts, ignore_index=True)


def target_names(stages: list[str]) -> list[str]:
    """Names of the fitted statistics: per stage the mean and the between-area sd."""
    return [f"{s}.{k}" for s in stages for k in ("mean", "sd")]


def target_stats(shares: pd.DataFrame, stages: list[str]) -> dict[str, float]:
    """Mean and sd of the shares over place-years, per stage (Table 2's mean and sd)."""
    out = {}
    for s in stages:
        y = shares.loc[shares["stage"] == s, "share"].to_numpy()
        out[f"{s}.mean"] = float(y.mean()) if len(y) else float("nan")
        out[f"{s}.sd"] = float(y.std(ddof=1)) if len(y) > 1 else float("nan")
    return out


def target_intervals(shares: pd.DataFrame, stages: list[str], n_boot: int = 400,
                     seed: int = 0) -> dict[str, tuple[float, float]]:
    """90% bootstrap interval of each target statistic (target_stats: per stage the mean
    and sd over place-years), resampling places (a place's years go together), as the
    validation's R^2 are: how sure the achieved means and spreads are."""
    rng = np.random.default_rng(seed)
    out = {}
    for s in stages:
        d = shares[shares["stage"] == s]
        y = d["share"].to_numpy()
        places, row_place = np.unique(d["seed"].to_numpy(), return_inverse=True)
        rows_of = [np.flatnonzero(row_place == i) for i in range(len(places))]
        means, sds = [], []
        for _ in range(n_boot):
            sample = y[np.concatenate([rows_of[i] for i in rng.integers(len(places), size=len(places))])]
            means.append(sample.mean())
            sds.append(sample.std(ddof=1))
        for name, values in (("mean", means), ("sd", sds)):
            out[f"{s}.{name}"] = ((float(np.quantile(values, 0.05)), float(np.quantile(values, 0.95)))
                                  if n_boot else (float("nan"), float("nan")))
    return out


def sampling_sd(shares: pd.DataFrame, stages: list[str], n_boot: int = 60, seed: int = 0) -> dict[str, float]:
    """Bootstrap sd over places of each fitted statistic: how far a statistic of these few
    places may sit from the same statistic over all of England's places. Every design point
    runs the same places (common random numbers), so this error is shared by the points
    and the emulators cannot see it; the implausibility adds it to the discrepancy."""
    rng = np.random.default_rng(seed)
    out = {}
    for s in stages:
        d = shares[shares["stage"] == s]
        y = d["share"].to_numpy()
        _, place = np.unique(d["seed"].to_numpy(), return_inverse=True)
        n = place.max() + 1
        means, sds = [], []
        for _ in range(n_boot):
            w = np.bincount(rng.integers(n, size=n), minlength=n)[place].astype(float)   # rows weighted by draws
            m = (w * y).sum() / w.sum()
            means.append(m)
            sds.append(np.sqrt((w * (y - m) ** 2).sum() / (w.sum() - 1)))
        out[f"{s}.mean"], out[f"{s}.sd"] = float(np.std(means)), float(np.std(sds))
    return out


def table1_check(indicators: np.ndarray, table) -> pd.DataFrame:
    """The generator against seed 004 Table 1: mean, sd, min, max per indicator, and the
    skew of the draws beside the skew of the Beta the table implies (Table 1 gives none)."""
    rows = []
    for i, name in enumerate(INDICATORS):
        x = indicators[:, i]
        a, b = table.beta_shapes()[i]
        rows.append({"indicator": name, "mean": x.mean(), "table_mean": table.mean[i], "sd": x.std(ddof=1),
                     "table_sd": table.sd[i], "min": x.min(), "table_min": table.min[i], "max": x.max(),
                     "table_max": table.max[i], "skew": stats.skew(x),
                     "beta_skew": float(stats.beta.stats(a, b, moments="s"))})
    return pd.DataFrame(rows)


def band_sources(calibrated_name: str, n_sets: int) -> str:
    """What a run's bands include, for reports: chance alone, or chance and the
    parameter uncertainty of a calibration's plausible sets (configs/calibrated)."""
    if calibrated_name == "none" or n_sets == 0:
        return "chance only (replicates differ by their random draws; parameters at the registry's values)"
    return (f"chance and parameter uncertainty (each replicate runs one of the {n_sets} plausible parameter "
            f"sets of calibrated={calibrated_name}, drawn by its seed)")


# -- validation: what the fit does not use ------------------------------------------------

def r2_and_correlations(y: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """R^2 of an OLS of y on the columns of x (with intercept), and each column's correlation."""
    X = np.c_[np.ones(len(y)), x]
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r2 = 1.0 - ((y - X @ beta) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    corr = np.array([np.corrcoef(x[:, i], y)[0, 1] for i in range(x.shape[1])])
    return float(r2), corr


def validation(shares: pd.DataFrame, indicators: pd.DataFrame, stages: list[str],
               n_boot: int = 400, seed: int = 0) -> pd.DataFrame:
    """Per stage: R^2 of the five indicators and each indicator's correlation with the
    share, with 90% bootstrap intervals resampling places (a place's years go together).

    `indicators` is indexed by seed, columns INDICATORS. One row per stage x statistic
    (r2 or an indicator), with estimate, low, high, and rank (1 = strongest |correlation|)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in stages:
        d = shares[shares["stage"] == s]
        y_all = d["share"].to_numpy()
        x_all = indicators.loc[d["seed"]].to_numpy()
        places, row_place = np.unique(d["seed"].to_numpy(), return_inverse=True)
        rows_of = [np.flatnonzero(row_place == i) for i in range(len(places))]

        def fit(sample):
            idx = np.concatenate([rows_of[i] for i in sample])
            return r2_and_correlations(y_all[idx], x_all[idx])
        r2, corr = fit(np.arange(len(places)))
        boot = [fit(rng.integers(len(places), size=len(places))) for _ in range(n_boot)]
        r2b = np.array([b[0] for b in boot])
        cb = np.array([b[1] for b in boot])
        rows.append({"stage": s, "statistic": "r2", "estimate": r2, "low": np.quantile(r2b, 0.05),
                     "high": np.quantile(r2b, 0.95), "rank": 0})
        order = np.argsort(-np.abs(corr))
        rank = np.empty(len(corr), dtype=int)
        rank[order] = np.arange(1, len(corr) + 1)
        for i, name in enumerate(INDICATORS):
            rows.append({"stage": s, "statistic": name, "estimate": corr[i], "low": np.quantile(cb[:, i], 0.05),
                         "high": np.quantile(cb[:, i], 0.95), "rank": int(rank[i])})
    return pd.DataFrame(rows)


def misses(valid: pd.DataFrame, seed_r2: dict[str, float]) -> list[str]:
    """Plain sentences on where the model misses seed 004 (R^2 outside its 90% interval;
    deprivation not the strongest correlate; the R^2 not rising from EYFS to KS4)."""
    lines = []
    r2 = valid[valid["statistic"] == "r2"].set_index("stage")
    for s, row in r2.iterrows():
        target = seed_r2[s]
        if not row["low"] <= target <= row["high"]:
            side = "too much" if row["low"] > target else "too little"
            lines.append(f"{STAGE_LABEL.get(s, s)}: the indicators explain {side} of the between-area variance "
                         f"(R^2 {row['estimate']:.2f}, 90% interval {row['low']:.2f}-{row['high']:.2f}; seed 004 {target:.2f})")
    for s in r2.index:
        top = valid[(valid["stage"] == s) & (valid["rank"] == 1)]["statistic"].iloc[0]
        if top != "deprivation":
            lines.append(f"{STAGE_LABEL.get(s, s)}: the strongest correlate is {top}, not deprivation as in seed 004")
        housing = valid[(valid["stage"] == s) & (valid["statistic"] == "housing")]["rank"].iloc[0]
        if housing <= 2:
            lines.append(f"{STAGE_LABEL.get(s, s)}: housing ranks {housing} of 5; seed 004 has it among the weakest")
    est = r2["estimate"]
    if len(est) >= 2 and not est.iloc[-1] > est.iloc[0]:
        lines.append("the R^2 does not rise from the first stage to the last (seed 004: 0.11 to 0.37)")
    return lines


def validation_figure(valid: pd.DataFrame, seed_r2: dict[str, float], title: str):
    """Two panels: R^2 per stage with its interval beside seed 004's, and each indicator's
    correlation per stage with its interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stages = list(dict.fromkeys(valid["stage"]))
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 2]})
    r2 = valid[valid["statistic"] == "r2"].set_index("stage").loc[stages]
    xs = np.arange(len(stages))
    a.errorbar(xs, r2["estimate"], yerr=[r2["estimate"] - r2["low"], r2["high"] - r2["estimate"]],
               fmt="o", capsize=4, label="model (90% bootstrap interval)")
    a.scatter(xs, [seed_r2[s] for s in stages], marker="x", color="black", zorder=3, label="seed 004")
    a.set_xticks(xs, [STAGE_LABEL.get(s, s) for s in stages])
    a.set_ylabel("R^2 of the five indicators")
    a.set_ylim(0, max(0.6, float(r2["high"].max()) + 0.05))
    a.legend(fontsize=8)
    width = 0.8 / len(INDICATORS)
    for i, name in enumerate(INDICATORS):
        c = valid[valid["statistic"] == name].set_index("stage").loc[stages]
        pos = xs + (i - (len(INDICATORS) - 1) / 2) * width
        b.bar(pos, c["estimate"].abs(), width, label=name.replace("_", " "))
        b.errorbar(pos, c["estimate"].abs(), yerr=[(c["estimate"].abs() - np.minimum(c["low"].abs(), c["high"].abs())).clip(0),
                                                 (np.maximum(c["low"].abs(), c["high"].abs()) - c["estimate"].abs()).clip(0)],
                   fmt="none", ecolor="black", capsize=2, lw=0.8)
    b.set_xticks(xs, [STAGE_LABEL.get(s, s) for s in stages])
    b.set_ylabel("|correlation| with the share reaching the benchmark")
    b.legend(fontsize=8, ncol=3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# -- history matching with Gaussian-process emulators ---------------------------------------

@dataclass
class Emulators:
    """One Gaussian process per statistic over parameters scaled to [0, 1]. A white-noise
    term takes the replicate (chance) variation, so the emulator's mean is the expected
    statistic and its variance excludes that noise."""

    models: list
    names: list[str]

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, names: list[str], seed: int = 0) -> "Emulators":
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        import warnings

        from sklearn.exceptions import ConvergenceWarning

        models = []
        d = x.shape[1]
        for j in range(y.shape[1]):
            kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.5), (0.05, 100.0))
                      + WhiteKernel(1e-2, (1e-6, 1.0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)   # a flat direction is an answer, not a fault
                models.append(gp.fit(x, y[:, j]))
        return cls(models, names)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, variance without the noise term), each (n, statistics)."""
        means, variances = [], []
        for gp in self.models:
            m, sd = gp.predict(x, return_std=True)
            noise = gp.kernel_.k2.noise_level * gp._y_train_std ** 2
            means.append(m)
            variances.append(np.maximum(sd ** 2 - noise, 1e-12))
        return np.array(means).T, np.array(variances).T

    def noise_sd(self) -> np.ndarray:
        """The replicate noise sd of each statistic, as the white-noise term estimates it."""
        return np.array([np.sqrt(gp.kernel_.k2.noise_level) * gp._y_train_std for gp in self.models])


def implausibility(emulators: Emulators, x: np.ndarray, target: np.ndarray, discrepancy_sd: np.ndarray) -> np.ndarray:
    """|target - emulator mean| / sqrt(emulator variance + discrepancy variance), per
    point and statistic (Vernon et al. 2010); a point is ruled out when the largest is
    above the cut-off (3, Pukelsheim's three-sigma rule)."""
    mean, var = emulators.predict(x)
    return np.abs(target[None, :] - mean) / np.sqrt(var + discrepancy_sd[None, :] ** 2)
