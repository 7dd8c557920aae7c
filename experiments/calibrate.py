"""`placesim calibrate`: fit the uncertain numbers to seed 004 and keep the plausible sets.

`placesim calibrate calibration=seed004 [calibration.places=64 ...] [place overrides]`
history-matches the parameters that configs/calibration/seed004.yaml names to the targets
it names (seed 004 Table 2: per stage the mean and between-area sd of the share of
children reaching the old benchmark, over synthetic places), with one scikit-learn
Gaussian-process emulator per target and replicates treated as noise; keeps the
parameter sets not ruled out; validates them on what the fit did not use (R^2 and ranking
of the five indicators, bootstrapped over places; a PNG); writes the sets as the config
group `calibrated=<name>` (calibration.install=true writes configs/calibrated/<name>.yaml).
Every evaluation is appended to <out>/evaluations.csv as it finishes: run the same
command again after an interruption and only the missing ones run. docs/calibration.md
says why this method, with the toy benchmark's numbers.

`placesim calibrate [--replicates 24] [--years 20] [--areas]` (no calibration=): the
milestone thresholds re-derived on place=england_average, as before: each threshold is the
quantile of pooled latent scores that leaves the Table 2 mean share (EYFS 68.09%, KS2
65.68%, KS4 53.04%; EET at 18 and decay-free teeth at 5: the assumed national rates)
above it; --areas also compares 96 synthetic places with seed 004's spread and R^2.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import json
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.outcomes import MILESTONES, OUTCOMES

# Assumed national rates for the two milestones Table 2 does not cover (see sim/params.py).
OTHER_TARGETS = {"eet18": 0.85, "decay_free5": 0.77}


def targets() -> dict[str, float]:
    from configs.evidence import england_milestone_reference

    out = {k: v / 100.0 for k, v in england_milestone_reference().items()}
    out.update(OTHER_TARGETS)
    return out


def collect_scores(replicates: int, years: int, burn_in_years: int = 5) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per milestone, the latent scores of every child passing its age after the burn-in,
    pooled over replicates and months, with each child's replicate index (for a bootstrap
    over replicates: children of one replicate share its place)."""
    from configs.compose import compose_run_config
    from sim.model import PlaceModel

    rc = compose_run_config(["place=england_average"])
    model = PlaceModel(rc.place, rc.model, rc.england, list(range(1000, 1000 + replicates)))
    pooled: dict[str, list] = {k: [] for k in MILESTONES}
    for month in range(1, 12 * years + 1):
        model.step()
        if month <= 12 * burn_in_years:
            continue
        ch = model.state.children
        z = ch.score()
        for name in MILESTONES:
            at = ch.alive & (ch.age == OUTCOMES[name].age_months)
            pooled[name].append((z[at] @ np.array(OUTCOMES[name].score, dtype=float), np.nonzero(at)[0]))
    return {k: (np.concatenate([a for a, _ in v]), np.concatenate([r for _, r in v])) for k, v in pooled.items()}


def threshold_sd(values: np.ndarray, reps: np.ndarray, p: float, n_boot: int = 200, seed: int = 0) -> float:
    """Bootstrap sd over replicates of the p-quantile of the pooled scores."""
    rng = np.random.default_rng(seed)
    ids = np.unique(reps)
    rows = [values[reps == r] for r in ids]
    draws = [np.quantile(np.concatenate([rows[i] for i in rng.integers(len(ids), size=len(ids))]), p)
             for _ in range(n_boot)]
    return float(np.std(draws))


def area_check(replicates: int = 96, years: int = 8) -> None:
    """Synthetic places against seed 004: mean, between-area sd and R^2 of the five
    indicators for the yearly share reaching each benchmark (outputs, not inputs)."""
    import pandas as pd

    from analysis.calibration import area_shares, r2_and_correlations
    from configs.compose import compose_run_config
    from configs.evidence import MILESTONE_OF_STAGE, table2
    from sim.model import PlaceModel
    from sim.run import simulate
    from sim.synthetic import INDICATORS

    rc = compose_run_config(["place=synthetic"])
    seeds = list(range(replicates))
    res = simulate(rc.place, rc.model, rc.england, seeds, 12 * years, batch_size=replicates, network_every=0)
    ind = pd.DataFrame(PlaceModel(rc.place, rc.model, rc.england, seeds).state.place.indicators,
                       columns=list(INDICATORS), index=seeds)
    target = table2().set_index("stage")
    shares = area_shares(res.milestones, MILESTONE_OF_STAGE, rc.config.run.start_year + 2)
    print(f"Synthetic places ({replicates} draws, years 3-{years}) against seed 004 Table 2 (LSOA-years):")
    for stage, mil in MILESTONE_OF_STAGE.items():
        d = shares[shares["stage"] == stage]
        y = d["share"].to_numpy()
        r2, corr = r2_and_correlations(y, ind.loc[d["seed"]].to_numpy())
        ranked = ", ".join(f"{INDICATORS[i]} {corr[i]:+.2f}" for i in np.argsort(-np.abs(corr)))
        t = target.loc[stage]
        print(f"  {mil:<8} mean {y.mean():5.1f} (seed 004 {t['mean']:.1f})  sd {y.std():4.1f} ({t['sd']:.1f})  "
              f"R^2 {r2:.2f} ({t['r2_explained_by_indicators']:.2f})  correlations: {ranked}")


# ------------------------------------------------------------------ calibration=<name>

CALIBRATED_DIR = Path(__file__).resolve().parents[1] / "configs" / "calibrated"
TABLE2_COLUMNS = ("stage", "mean", "sd", "r2_explained_by_indicators")
TABLE1_COLUMNS = ("indicator", "mean", "sd", "min", "max")


class CalibrationError(ValueError):
    """A user mistake in a calibration (one line)."""


LEAST = {"places": 8, "years": 2, "waves": 1, "points_per_wave": 4, "candidates": 100, "sets": 1,
         "validation_places": 16, "bootstrap": 10, "workers": 1}


def resolve_calibration(overrides: list[str]):
    """(the ResolvedRun over synthetic places, its CalibrationSpec) from the command line's
    Hydra overrides (calibration=<name>, calibration.key=value, place and model keys)."""
    from configs.compose import ConfigError, compose_run_config

    try:
        rc = compose_run_config(["place=synthetic", *overrides])
    except ConfigError as exc:
        raise CalibrationError(str(exc)) from None
    spec = rc.config.calibration
    if spec.name == "none":
        raise CalibrationError("calibration=none: name a calibration, e.g. calibration=seed004 (configs/calibration/)")
    for key, least in LEAST.items():
        if getattr(spec, key) < least:
            raise CalibrationError(f"calibration.{key}={getattr(spec, key)}: at least {least}")
    if spec.burn_in_years >= spec.years:
        raise CalibrationError(f"calibration.burn_in_years={spec.burn_in_years}: must be below calibration.years={spec.years}")
    if not rc.place.synthetic:
        raise CalibrationError(f"place={rc.place.name}: a calibration needs synthetic places (place=synthetic)")
    return rc, spec


def read_target_table(key: str, name: str, required: tuple[str, ...]):
    """A target table from configs/data (or a path), with the columns it must have."""
    import pandas as pd

    from configs.evidence import DATA

    path = Path(name) if Path(name).is_absolute() or Path(name).exists() else DATA / name
    if not path.is_file():
        raise CalibrationError(f"calibration.targets.{key}={name}: no such file (looked in {DATA} and here)")
    try:
        df = pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one line
        raise CalibrationError(f"calibration.targets.{key}={name}: not a readable CSV ({type(exc).__name__})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CalibrationError(f"calibration.targets.{key}={name}: missing columns {', '.join(missing)} "
                               f"(needs {', '.join(required)})")
    return df


@dataclass
class Fitted:
    key: str
    low: float
    high: float
    integer: bool


def fitted_parameters(config, spec) -> list[Fitted]:
    """The parameters to fit with their plausible ranges; CalibrationError for a key that
    is not in the registry, not marked uncertain (or calibrated), or has no range."""
    from experiments.sweep import SweepError, registry_spec, uncertain_keys

    names = list(spec.parameters)
    if "uncertain" in names:
        names = [n for n in names if n != "uncertain"] + [k for k in uncertain_keys(config) if k not in names]
    if not names:
        raise CalibrationError("calibration.parameters: empty; name registry parameters marked uncertain, or [uncertain]")
    out = []
    for key in names:
        try:
            value, s = registry_spec(config, key)
        except SweepError:
            raise CalibrationError(f"calibration.parameters: {key} is not a parameter in the registry "
                                   f"(see docs/parameters.md)") from None
        if key.split(".")[0] not in ("model", "place"):
            raise CalibrationError(f"calibration.parameters: {key}: only model.* and place.* parameters can be fitted")
        if not (s.uncertain or s.source.lower().startswith("calibrated")):
            raise CalibrationError(f"calibration.parameters: {key} is not marked uncertain in the registry "
                                   f"(source: {s.source.split(';')[0][:60]}); fit only uncertain or calibrated parameters")
        if s.low is None or s.high is None or not s.low < s.high:
            raise CalibrationError(f"calibration.parameters: {key} has no plausible range in the registry to fit within")
        out.append(Fitted(key, float(s.low), float(s.high), isinstance(value, int) and not isinstance(value, bool)))
    return out


def to_values(params: list[Fitted], unit) -> dict[str, float]:
    """A point of the unit cube as registry values."""
    out = {}
    for p, u in zip(params, unit):
        v = p.low + float(u) * (p.high - p.low)
        out[p.key] = float(round(v)) if p.integer else v
    return out


def evaluate(job: dict) -> dict:
    """Run one parameter set over the job's synthetic places; the fitted statistics."""
    import logging as _logging

    from analysis.calibration import area_shares, sampling_sd, target_stats
    from configs.evidence import MILESTONE_OF_STAGE
    from experiments.sweep import apply_point
    from sim.run import simulate

    _logging.getLogger("MESA").setLevel(_logging.WARNING)
    cfg = apply_point(job["config"], job["values"])
    res = simulate(cfg.place, cfg.model, job["england"], job["seeds"], job["months"],
                   batch_size=len(job["seeds"]), start_year=cfg.run.start_year, network_every=0)
    shares = area_shares(res.milestones, {s: MILESTONE_OF_STAGE[s] for s in job["stages"]}, job["first_year"])
    se = {f"{k}.se": v for k, v in sampling_sd(shares, job["stages"], seed=job["point"]).items()}
    return {"wave": job["wave"], "point": job["point"], **job["values"], **target_stats(shares, job["stages"]), **se}


def spec_hash(config) -> str:
    """Hash of what determines the evaluations (not the workers, the folder, install, or
    what happens after the fit)."""
    from omegaconf import OmegaConf

    spec = dataclasses.replace(config.calibration, workers=0, out="", install=False, sets=0, validation_places=0,
                               bootstrap=0, description="",
                               targets=dataclasses.replace(config.calibration.targets, vintage=""))
    cfg = dataclasses.replace(config, calibration=spec)
    cfg.run.plots, cfg.run.batch_size = True, 0
    text = OmegaConf.to_yaml(OmegaConf.structured(cfg))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def lhs(n: int, d: int, seed: int):
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, seed=seed).random(n)


def run_evaluations(jobs: list[dict], workers: int, on_done) -> None:
    """Evaluate the jobs (joblib over `workers` processes), calling on_done per result."""
    if not jobs:
        return
    if workers <= 1:
        for job in jobs:
            on_done(evaluate(job))
        return
    from joblib import Parallel, delayed

    for row in Parallel(n_jobs=min(workers, len(jobs)), return_as="generator_unordered")(delayed(evaluate)(j) for j in jobs):
        on_done(row)


def fit(rc, out: Path, quiet: bool = False) -> dict:
    """History matching in waves; returns the emulators, the plausible sets and what was printed."""
    import numpy as np
    import pandas as pd

    from analysis.calibration import Emulators, implausibility, target_names
    from experiments.run import progress_bar

    config = rc.config
    spec = config.calibration
    params = fitted_parameters(config, spec)
    t2 = read_target_table("table2", spec.targets.table2, TABLE2_COLUMNS).set_index("stage")
    read_target_table("table1", spec.targets.table1, TABLE1_COLUMNS)
    from configs.evidence import MILESTONE_OF_STAGE

    unknown = [s for s in spec.targets.stages if s not in MILESTONE_OF_STAGE or s not in t2.index]
    if unknown or not spec.targets.stages:
        raise CalibrationError(f"calibration.targets.stages={list(spec.targets.stages)}: choose from "
                               f"{', '.join(s for s in MILESTONE_OF_STAGE if s in t2.index)}")
    names = target_names(list(spec.targets.stages))
    target = np.array([float(t2.loc[n.split('.')[0], n.split('.')[1]]) for n in names])
    discrepancy = np.array([spec.targets.discrepancy_mean if n.endswith(".mean") else spec.targets.discrepancy_sd
                            for n in names])
    keys = [p.key for p in params]
    columns = ["wave", "point", *keys, *names, *(n + ".se" for n in names)]

    digest = spec_hash(config)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path, evals_path = out / "manifest.json", out / "evaluations.csv"
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        if old.get("hash") != digest:
            raise CalibrationError(f"calibration.out={out}: holds a calibration with different settings "
                                   f"(hash {old.get('hash')} vs {digest}); use a new calibration.out")
    manifest_path.write_text(json.dumps({"hash": digest, "name": spec.name, "parameters": keys,
                                         "targets": dict(zip(names, target.tolist()))}, indent=1))
    done = pd.read_csv(evals_path) if evals_path.exists() else pd.DataFrame(columns=columns)
    seeds = [spec.seed + i for i in range(spec.places)]
    base_job = {"config": config, "england": rc.england, "seeds": seeds, "months": 12 * spec.years,
                "first_year": config.run.start_year + spec.burn_in_years, "stages": list(spec.targets.stages)}
    d = len(params)
    log_lines: list[str] = []

    def say(line: str) -> None:
        log_lines.append(line)
        if not quiet:
            print(line, flush=True)

    def emulate(frame):
        x = np.array([[(frame[k].iloc[i] - p.low) / (p.high - p.low) for k, p in zip(keys, params)]
                      for i in range(len(frame))])
        return Emulators.fit(x, frame[names].to_numpy(dtype=float), names, seed=spec.seed)

    def plausible_points(em, wave, runs):
        """Candidates screened by the emulators: a Latin hypercube over the whole space
        (its kept share is the share of the space not ruled out), then, while few are
        kept, points scattered around the kept ones (a small region is otherwise found
        by a handful of points). Returns (candidates, largest implausibility, all, share)."""
        rng = np.random.default_rng(spec.seed + 2000 + wave)
        sampling = runs[[n + ".se" for n in names]].to_numpy(dtype=float).mean(axis=0)
        scale = np.sqrt(discrepancy ** 2 + sampling ** 2)
        cand = lhs(spec.candidates, d, spec.seed + 1000 + wave)
        imp = implausibility(em, cand, target, scale)
        share = float((imp.max(axis=1) < spec.cutoff).mean())
        want = max(spec.points_per_wave, 10 * spec.sets)
        for _ in range(4):
            ok = imp.max(axis=1) < spec.cutoff
            if not ok.any() or ok.sum() >= want:
                break
            kept = cand[ok]
            spread = 0.5 * kept.std(axis=0) + 0.02
            new = np.clip(kept[rng.integers(len(kept), size=spec.candidates)]
                          + rng.normal(0.0, 1.0, (spec.candidates, d)) * spread, 0.0, 1.0)
            cand, imp = np.r_[cand, new], np.r_[imp, implausibility(em, new, target, scale)]
        return cand, imp.max(axis=1), imp, share

    total = spec.waves * spec.points_per_wave
    with progress_bar(total, f"calibrate {spec.name}") as bar:
        bar.unit = "evaluation"
        for wave in range(1, spec.waves + 1):
            if wave == 1:
                design = lhs(spec.points_per_wave, d, spec.seed)
            else:
                earlier = done[done["wave"] < wave]      # as when first run, also on resume
                em = emulate(earlier)
                cand, worst, _, share = plausible_points(em, wave, earlier)
                kept = cand[worst < spec.cutoff]
                say(f"wave {wave}: {100 * share:.2f}% of the parameter space not ruled out; "
                    f"{len(kept)} candidate sets kept to run from")
                if len(kept) == 0:
                    break
                pick = np.random.default_rng(spec.seed + wave).permutation(len(kept))[:spec.points_per_wave]
                design = kept[pick]
            have = set(done.loc[done["wave"] == wave, "point"].astype(int)) if len(done) else set()
            bar.update(len(have))
            jobs = [{**base_job, "wave": wave, "point": i, "values": to_values(params, u)}
                    for i, u in enumerate(design) if i not in have]
            rows = []

            def on_done(row):
                rows.append(row)
                pd.DataFrame([row])[columns].to_csv(
                    evals_path, mode="a", header=not evals_path.exists(), index=False)
                bar.update(1)
            run_evaluations(jobs, spec.workers, on_done)
            if rows:
                done = pd.concat([done, pd.DataFrame(rows)[columns]], ignore_index=True)
            done = done.astype({"wave": int, "point": int})
            bar.total = bar.n + (spec.waves - wave) * spec.points_per_wave
    em = emulate(done)
    cand, worst, imp, share = plausible_points(em, spec.waves + 1, done)
    keep = worst < spec.cutoff
    say(f"after {spec.waves} waves ({len(done)} evaluations of {spec.places} places): {100 * share:.2f}% of the "
        f"parameter space not ruled out; {keep.sum()} plausible sets found to choose from")
    noise, sampling = em.noise_sd(), done[[n + ".se" for n in names]].to_numpy(dtype=float).mean(axis=0)
    say(f"chance in each statistic over {spec.places} places: between design points (the emulators' noise term) "
        + ", ".join(f"{n} {v:.2f}" for n, v in zip(names, noise))
        + "; of these places against all places (bootstrap, added to the discrepancy) "
        + ", ".join(f"{v:.2f}" for v in sampling))
    if not keep.any():
        closest = imp[np.argmin(worst)]
        j = int(np.argmax(closest))
        raise CalibrationError(f"calibration={spec.name}: no parameter set reproduces the targets within the "
                               f"cut-off {spec.cutoff}; the nearest misses {names[j]} by {closest[j]:.1f} sd "
                               f"(widen the ranges, add a parameter, or raise the discrepancy)")
    kept = cand[keep]
    chosen = kept[np.random.default_rng(spec.seed + 99).permutation(len(kept))[:spec.sets]]
    sets = [to_values(params, u) for u in chosen]
    ranges = {p.key: (p.low + kept[:, i].min() * (p.high - p.low), p.low + kept[:, i].max() * (p.high - p.low))
              for i, p in enumerate(params)}
    mean, _ = em.predict(chosen)
    return {"resolved": rc, "params": params, "names": names, "target": target, "sets": sets, "ranges": ranges,
            "evaluations": done, "emulated": mean, "lines": log_lines, "table2": t2, "discrepancy": discrepancy}


def validate(spec, result: dict, out: Path, quiet: bool = False) -> dict:
    """Fresh places, each drawing a kept set by its seed (as runs with calibrated=<name>
    do): the fitted statistics achieved, Table 1 by the generator, and the validation."""
    import pandas as pd

    from analysis.calibration import (STAGE_LABEL, area_shares, misses, table1_check, target_intervals, target_stats,
                                      validation, validation_figure)
    from analysis.plots import save
    from configs.compose import replicate_groups
    from configs.evidence import MILESTONE_OF_STAGE, table1
    from sim.run import simulate_groups
    from sim.rng import Streams
    from sim.synthetic import INDICATORS, draw_indicators

    rc = result["resolved"]
    keys = [p.key for p in result["params"]]
    config = copy.deepcopy(rc.config)
    config = dataclasses.replace(config, calibrated=dataclasses.replace(
        rc.config.calibrated, name=spec.name, parameters=keys, sets=[[s[k] for k in keys] for s in result["sets"]]))
    seeds = [spec.seed + 1_000_000 + i for i in range(spec.validation_places)]
    groups = replicate_groups(config, seeds)
    res = simulate_groups(groups, rc.england, 12 * spec.years, batch_size=128, start_year=config.run.start_year,
                          network_every=0)
    ind = pd.concat([pd.DataFrame(draw_indicators(rc.england, place.synthetic_correlation,
                                                  Streams(s).normal("place.indicators", 0, (len(INDICATORS),))),
                                  columns=list(INDICATORS), index=s) for place, _, s in groups]).sort_index()
    stages = list(spec.targets.stages)
    shares = area_shares(res.milestones, {s: MILESTONE_OF_STAGE[s] for s in stages},
                         config.run.start_year + spec.burn_in_years)
    achieved = target_stats(shares, stages)
    sure = target_intervals(shares, stages, n_boot=spec.bootstrap, seed=spec.seed)
    valid = validation(shares, ind, stages, n_boot=spec.bootstrap, seed=spec.seed)
    t2 = result["table2"]
    seed_r2 = {s: float(t2.loc[s, "r2_explained_by_indicators"]) for s in stages}
    lines = [f"Validation: {spec.validation_places} fresh synthetic places, each on the kept set its seed draws "
             f"(years {spec.burn_in_years + 1}-{spec.years}, one-year shares; 90% bootstrap intervals over places):"]
    for s in stages:
        r2 = valid[(valid["stage"] == s) & (valid["statistic"] == "r2")].iloc[0]
        cors = valid[(valid["stage"] == s) & (valid["statistic"] != "r2")].sort_values("rank")
        ranked = ", ".join(f"{r.statistic} {r.estimate:+.2f} [{r.low:+.2f}, {r.high:+.2f}]" for r in cors.itertuples())
        (m_lo, m_hi), (s_lo, s_hi) = sure[s + ".mean"], sure[s + ".sd"]
        lines.append(f"  {STAGE_LABEL[s]:<4} fitted: mean {achieved[s + '.mean']:5.1f} [{m_lo:.1f}, {m_hi:.1f}] "
                     f"(seed 004 {t2.loc[s, 'mean']:.1f}), sd {achieved[s + '.sd']:4.1f} [{s_lo:.1f}, {s_hi:.1f}] "
                     f"({t2.loc[s, 'sd']:.1f});  not fitted: R^2 {r2.estimate:.2f} "
                     f"[{r2.low:.2f}, {r2.high:.2f}] (seed 004 {seed_r2[s]:.2f})")
        lines.append(f"       correlations, strongest first: {ranked}")
    miss = [f"{STAGE_LABEL[n.split('.')[0]]} {'mean' if n.endswith('.mean') else 'between-area sd'} "
            f"{achieved[n]:.1f} against {t:.1f} (a fitted target missed by more than twice the discrepancy allowed)"
            for n, t, disc in zip(result["names"], result["target"], result["discrepancy"])
            if abs(achieved[n] - t) > 2 * disc] + misses(valid, seed_r2)
    lines.append("Where the model misses seed 004: " + ("; ".join(miss) if miss else "nowhere these checks can tell"))
    t1 = table1_check(ind.to_numpy(), table1())
    lines.append("Table 1 by the generator (these places; the table's value in brackets):")
    for r in t1.itertuples():
        lines.append(f"  {r.indicator:<16} mean {r.mean:6.2f} ({r.table_mean:.2f})  sd {r.sd:5.2f} ({r.table_sd:.2f})  "
                     f"range {r.min:5.2f}-{r.max:5.2f} ({r.table_min:.2f}-{r.table_max:.2f})  skew {r.skew:+.2f} "
                     f"(the Beta's {r.beta_skew:+.2f})")
    for line in lines:
        if not quiet:
            print(line)
    save(validation_figure(valid, seed_r2, f"calibrated={spec.name}: validation on what the fit did not use "
                                           f"({spec.validation_places} places)"), out / "validation.png")
    valid.to_csv(out / "validation.csv", index=False)
    t1.to_csv(out / "table1_check.csv", index=False)
    return {"validation": valid, "achieved": achieved, "table1": t1, "lines": lines, "misses": miss}


def yaml_float(v: float) -> str:
    """A float YAML reads as a float (6 significant digits; `0` would be an int)."""
    text = f"{v:.6g}"
    return text if any(c in text for c in ".en") else text + ".0"


def calibrated_yaml(spec, result: dict) -> str:
    """The config group file configs/calibrated/<name>.yaml."""
    keys = [p.key for p in result["params"]]
    ranges = "\n".join(f"#   {k}: {lo:.4g} to {hi:.4g}" for k, (lo, hi) in result["ranges"].items())
    sets = "\n".join("  - [" + ", ".join(yaml_float(s[k]) for k in keys) + "]" for s in result["sets"])
    return (f"# Plausible parameter sets written by `placesim calibrate calibration={spec.name}`\n"
            f"# ({len(result['evaluations'])} evaluations of {spec.places} synthetic places, {spec.waves} waves of history\n"
            f"# matching; docs/calibration.md). Each replicate uses the set its seed draws\n"
            f"# (configs.compose.set_of_seed), so bands include parameter uncertainty as well as chance.\n"
            + textwrap.fill(f"Targets: {spec.targets.table2} (per stage mean and between-area sd); "
                            f"{spec.targets.vintage}", 92, initial_indent="# ", subsequent_indent="# ") + "\n"
            f"# Ranges not ruled out:\n{ranges}\n"
            f"name: {spec.name}\n"
            f"description: \"{len(result['sets'])} plausible sets fitted to {spec.description}\"\n"
            f"parameters: [{', '.join(keys)}]\n"
            f"sets:\n{sets}\n")


def calibrate(argv: list[str]) -> int:
    try:
        rc, spec = resolve_calibration(argv)
        out = Path(spec.out or f"outputs/calibrate/{spec.name}")
        result = fit(rc, out)
    except CalibrationError as exc:
        print(f"placesim calibrate: error: {exc}", file=sys.stderr)
        return 2
    print(f"Plausible ranges (not ruled out, cut-off {spec.cutoff}):")
    for key, (lo, hi) in result["ranges"].items():
        p = next(p for p in result["params"] if p.key == key)
        print(f"  {key:<36} {lo:8.4g} to {hi:8.4g}   (registry range {p.low:g} to {p.high:g})")
    validate(spec, result, out)
    text = calibrated_yaml(spec, result)
    (out / "calibrated.yaml").write_text(text)
    print(f"Sets written to {out / 'calibrated.yaml'}; figure {out / 'validation.png'}")
    if spec.install:
        (CALIBRATED_DIR / f"{spec.name}.yaml").write_text(text)
        print(f"Installed as calibrated={spec.name} ({CALIBRATED_DIR / (spec.name + '.yaml')})")
    else:
        print(f"Use it in runs: rerun with calibration.install=true, or copy it to configs/calibrated/{spec.name}.yaml")
    return 0


def main(argv: list[str]) -> int:
    if any("=" in a and not a.startswith("-") for a in argv):      # Hydra overrides: calibration=<name> ...
        return calibrate(argv)
    parser = argparse.ArgumentParser(prog="placesim calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=24)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--areas", action="store_true", help="also compare synthetic places with seed 004's spread and R^2")
    args = parser.parse_args(argv)
    scores = collect_scores(args.replicates, args.years)
    goal = targets()
    print("Thresholds for sim/params.py (Milestones), calibrated on place=england_average:")
    from sim.params import ModelParams

    registered = ModelParams().milestones
    for name, (values, reps) in scores.items():
        p = 1 - goal[name]
        thr = float(np.quantile(values, p))
        key = OUTCOMES[name].threshold.removeprefix("model.milestones.")
        se = threshold_sd(values, reps, p)
        now = getattr(registered, key)
        verdict = ("within chance: keep the registered value" if abs(thr - now) <= 2 * se
                   else "beyond chance: put the new value in sim/params.py (or fit it: calibration=seed004)")
        print(f"  {key:<22} = {thr:+.3f} (+- {se:.3f})  registered {now:+.3f}, {verdict}; target {100 * goal[name]:.2f}%  "
              f"(n = {len(values)} children in {len(np.unique(reps))} replicates; score mean {values.mean():+.3f}, "
              f"sd {values.std():.3f})")
    if args.areas:
        area_check()
    return 0
