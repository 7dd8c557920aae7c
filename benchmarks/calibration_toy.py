"""Which calibration method: a toy with a known answer (docs/calibration.md).

A noisy simulator of three parameters in [0, 1] and four statistics, shaped like
placesim's calibration (means set mostly by a threshold, spreads by two spread
parameters, chance in every run). Targets are its noise-free outputs at a known point.
Each method gets the same budget of simulator runs:

- history matching: waves of Latin-hypercube points, scikit-learn Gaussian-process
  emulators with a white-noise term (the replicates), implausibility cut-off 3
  (analysis/calibration.py, the code `placesim calibrate` uses);
- Optuna (TPE) with `replicates` runs averaged inside each trial, minimising the sum of
  squared standardised misses; its "set" is the trials whose misses a chi-square test at
  95% does not reject;
- rejection ABC (plain NumPy, as a baseline: the same runs from the prior, the closest
  10% kept).

Printed per method, over `--repeats` toys: the distance of the set's centre (or best
point) from the truth, how often the truth lies inside the set's box, and the box's
share of the parameter space. Usage: python -m benchmarks.calibration_toy [--budget 120]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

NOISE = 0.5          # sd of one run's statistic (the replicate noise)
TRUTH = np.array([0.30, 0.60, 0.45])
DISCREPANCY = 0.25   # the model discrepancy allowed for (the toy has none, but a fit must not assume that)


def toy(theta: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Four statistics of parameters (n, 3) in [0, 1]; with rng, one noisy run each."""
    t, w, s = theta[:, 0], theta[:, 1], theta[:, 2]
    y = np.c_[60 + 30 * (0.5 - t) + 3 * w, 10 + 8 * w + 4 * s ** 2, 50 + 25 * (0.5 - t) - 2 * s, 12 + 6 * w * s + 3 * s]
    return y if rng is None else y + rng.normal(0, NOISE, y.shape)


def history_matching(budget: int, seed: int, waves: int = 3) -> np.ndarray:
    from scipy.stats import qmc

    from analysis.calibration import Emulators, implausibility

    rng = np.random.default_rng(seed)
    target = toy(TRUTH[None])[0]
    per_wave = budget // waves
    x = qmc.LatinHypercube(d=3, seed=seed).random(per_wave)
    y = toy(x, rng)
    kept = x
    for wave in range(1, waves + 1):
        em = Emulators.fit(x, y, ["a", "b", "c", "d"], seed=seed)
        cand = qmc.LatinHypercube(d=3, seed=seed + wave).random(20000)
        kept = cand[implausibility(em, cand, target, np.full(4, DISCREPANCY)).max(axis=1) < 3]
        if wave == waves or len(kept) == 0:
            break
        new = kept[rng.permutation(len(kept))[:per_wave]]
        x, y = np.r_[x, new], np.r_[y, toy(new, rng)]
    return kept


def optuna_replicates(budget: int, seed: int, replicates: int = 3) -> np.ndarray:
    import optuna
    from scipy import stats

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(seed)
    target = toy(TRUTH[None])[0]
    scale = np.sqrt(NOISE ** 2 / replicates + DISCREPANCY ** 2)

    def objective(trial):
        theta = np.array([[trial.suggest_float(n, 0, 1) for n in "tws"]])
        runs = toy(np.repeat(theta, replicates, axis=0), rng).mean(axis=0)
        return float((((runs - target) / scale) ** 2).sum())

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=budget // replicates)
    limit = stats.chi2.ppf(0.95, 4)
    good = [t for t in study.trials if t.value is not None and t.value < limit]
    best = study.best_trial
    pts = np.array([[t.params[n] for n in "tws"] for t in good]) if good else np.array([[best.params[n] for n in "tws"]])
    return pts


def rejection_abc(budget: int, seed: int, keep: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    target = toy(TRUTH[None])[0]
    x = rng.random((budget, 3))
    d = np.sqrt((((toy(x, rng) - target) / NOISE) ** 2).sum(axis=1))
    return x[np.argsort(d)[:max(1, int(keep * budget))]]


METHODS = {"history matching (GP emulators)": history_matching,
           "Optuna TPE, replicates in each trial": optuna_replicates,
           "rejection ABC (closest 10%)": rejection_abc}


def score(points: np.ndarray) -> tuple[float, bool, float]:
    """(distance of the centre from the truth, truth inside the box, box share of the space)."""
    if len(points) == 0:
        return float("nan"), False, 0.0
    lo, hi = points.min(axis=0), points.max(axis=0)
    return (float(np.linalg.norm(points.mean(axis=0) - TRUTH)), bool(np.all((lo <= TRUTH) & (TRUTH <= hi))),
            float(np.prod(hi - lo)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=120, help="simulator runs per method")
    parser.add_argument("--repeats", type=int, default=10, help="toys (seeds) per method")
    args = parser.parse_args(argv)
    print(f"Toy: 3 parameters, 4 statistics, noise sd {NOISE} per run, truth {TRUTH.tolist()}; "
          f"{args.budget} runs per method, {args.repeats} seeds")
    print(f"{'method':<40} {'centre error':>12} {'truth in box':>13} {'box share':>10} {'seconds':>8}")
    out = {}
    import importlib.util

    for name, method in METHODS.items():
        if method is optuna_replicates and importlib.util.find_spec("optuna") is None:
            print(f"{name:<40} skipped: optuna is not installed (pip install -e \".[bench]\")")
            continue
        t0 = time.perf_counter()
        scores = [score(method(args.budget, seed)) for seed in range(args.repeats)]
        secs = (time.perf_counter() - t0) / args.repeats
        err = np.nanmean([s[0] for s in scores])
        cover = np.mean([s[1] for s in scores])
        share = np.mean([s[2] for s in scores])
        out[name] = (err, cover, share)
        print(f"{name:<40} {err:12.3f} {100 * cover:12.0f}% {share:10.4f} {secs:8.2f}")
    return out


if __name__ == "__main__":
    main()
