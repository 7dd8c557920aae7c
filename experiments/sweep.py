"""`placesim sweep sweep=<name>`: sampled designs over registry parameters, in parallel,
resumable, streamed to disk.

- The design (full factorial, Latin hypercube, Sobol/Saltelli, Morris) comes from SALib
  (or itertools for a factorial) over the parameters the sweep config names, with
  ranges defaulting to the registry's plausible ranges.
- Every design point runs `replicates` replicates (seeds seed .. seed+R-1, the same at
  every point: common random numbers across the design).
- Points are grouped into tasks of `points_per_task`; a worker runs a task's replicates
  side by side (sim.run.simulate) and writes one Parquet file per table for the task,
  atomically. The engine is joblib on one machine or Dask for a cluster.
- `paired: true` also runs the baseline (no intervention) at every point on the same
  seeds (rows marked `arm`), so an analysis can take the paired effect, scenario minus
  baseline; `parameters: {uncertain: {}}` sweeps every registry parameter marked uncertain.
- Run the same command again after an interruption (Ctrl-C or kill -9) and only the
  tasks without a status file run; a point that raises is recorded and the sweep goes on.
Folder (analysis/results.py writes and reads it): manifest.json (with a hash of the
config), design.parquet, data/{timeseries,milestones}/task=NNNNNN.parquet,
status/task=NNNNNN.json.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import logging
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from experiments.hydra_entry import launch

log = logging.getLogger("placesim")
DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris")
ENGINES = ("joblib", "dask")


class SweepError(ValueError):
    """A user mistake in a sweep (one line)."""


@dataclass
class SweptParameter:
    key: str
    low: float
    high: float
    values: list | None
    integer: bool


# ----------------------------------------------------------------------------- design

def registry_spec(config, key: str):
    """(current value, Spec) of a registry key, or SweepError naming it."""
    from sim.interventions import KINDS

    parts = key.split(".")
    if parts[0] in ("model", "place") and len(parts) >= 2:
        obj = getattr(config, parts[0])
        for name in parts[1:-1]:
            obj = getattr(obj, name, None)
            if obj is None:
                break
        if obj is not None and dataclasses.is_dataclass(obj):
            f = next((f for f in dataclasses.fields(obj) if f.name == parts[-1]), None)
            if f is not None and "spec" in f.metadata:
                return getattr(obj, parts[-1]), f.metadata["spec"]
    if parts[0] == "scenario" and len(parts) == 4 and parts[1] == "interventions":
        entry = config.scenario.interventions.get(parts[2])
        if entry is None:
            raise SweepError(f"sweep.parameters.{key}: scenario {config.scenario.name!r} has no intervention {parts[2]!r}")
        cls = KINDS.get(entry.get("kind"))
        f = next((f for f in dataclasses.fields(cls) if f.name == parts[3]), None) if cls else None
        if f is not None and "spec" in f.metadata:
            return entry.get(parts[3], f.default), f.metadata["spec"]
    raise SweepError(f"sweep.parameters.{key}: not a parameter in the registry (see docs/parameters.md)")


RANGE_KEYS = {"low", "high", "values"}


def flatten(parameters: dict, prefix: str = "") -> dict[str, dict]:
    """{"model": {"ties": {"decay": {...}}}} and {"model.ties.decay": {...}} alike ->
    {"model.ties.decay": {...}} (a command-line override nests dotted keys)."""
    out = {}
    for key, value in parameters.items():
        name = f"{prefix}{key}"
        value = dict(value or {})
        if not value or set(value) & RANGE_KEYS:
            out[name] = value
        else:
            out.update(flatten(value, name + "."))
    return out


def uncertain_keys(config) -> list[str]:
    """Every model parameter the registry marks uncertain (sim.registry.Spec.uncertain)
    that has a plausible range to sweep: what `parameters: {uncertain: {}}` stands for."""
    from sim.registry import entries

    return [e.name for e in entries(config.model, "model.")
            if e.spec.uncertain and e.spec.low is not None and e.spec.high is not None and e.spec.low < e.spec.high
            and isinstance(e.value, (int, float)) and not isinstance(e.value, bool)]


def swept_parameters(config, spec) -> list[SweptParameter]:
    out = []
    named = flatten(spec.parameters)
    if "uncertain" in named:
        named = {**{k: {} for k in uncertain_keys(config)}, **{k: v for k, v in named.items() if k != "uncertain"}}
    for key, rng in named.items():
        rng = dict(rng or {})
        value, s = registry_spec(config, key)
        values = rng.get("values")
        low = rng.get("low", s.low if values is None else min(values))
        high = rng.get("high", s.high if values is None else max(values))
        if low is None or high is None:
            raise SweepError(f"sweep.parameters.{key}: the registry gives no range; give low and high")
        if low > high:
            raise SweepError(f"sweep.parameters.{key}: low={low} is above high={high}")
        for v in ([low, high] if values is None else values):
            if (s.hard_low is not None and v < s.hard_low) or (s.hard_high is not None and v > s.hard_high):
                raise SweepError(f"sweep.parameters.{key}={v}: outside the allowed [{s.hard_low}, {s.hard_high}] ({s.unit})")
            if s.low is not None and s.high is not None and not (s.low <= v <= s.high):
                if not spec.allow_outside_range:
                    raise SweepError(f"sweep.parameters.{key}={v}: outside the plausible range [{s.low}, {s.high}]; "
                                     f"add sweep.allow_outside_range=true to sweep it anyway")
                log.warning("sweep.parameters.%s=%s is outside the plausible range [%s, %s]", key, v, s.low, s.high)
        integer = isinstance(value, int) and not isinstance(value, bool)
        out.append(SweptParameter(key, float(low), float(high), values, integer))
    if not out:
        raise SweepError("sweep.parameters: empty; name at least one registry parameter")
    return out


def make_design(spec, params: list[SweptParameter]):
    """Design points as a DataFrame: column `point` and one column per parameter."""
    import numpy as np
    import pandas as pd

    if spec.design not in DESIGNS:
        raise SweepError(f"sweep.design={spec.design}: choose from {', '.join(DESIGNS)}")
    names = [p.key for p in params]
    problem = {"num_vars": len(params), "names": names, "bounds": [[p.low, p.high] for p in params]}
    D = len(params)
    if spec.design == "full_factorial":
        axes = [p.values if p.values is not None else list(np.linspace(p.low, p.high, spec.levels)) for p in params]
        n = math.prod(len(a) for a in axes)
        _check_size(spec, n)
        x = np.array(list(itertools.product(*axes)), dtype=float)
    elif spec.design == "latin_hypercube":
        from SALib.sample import latin

        _check_size(spec, spec.samples)
        x = latin.sample(problem, spec.samples, seed=spec.design_seed)
    elif spec.design == "sobol":
        from SALib.sample import sobol

        if spec.samples < 2 or spec.samples & (spec.samples - 1):
            raise SweepError(f"sweep.samples={spec.samples}: a Sobol design needs a power of 2 (e.g. 64, 128)")
        _check_size(spec, spec.samples * (D + 2))
        x = sobol.sample(problem, spec.samples, calc_second_order=False, seed=spec.design_seed)
    else:
        from SALib.sample import morris

        if D < 2:
            raise SweepError("sweep.parameters: a Morris design needs at least two parameters")
        _check_size(spec, spec.samples * (D + 1))
        x = morris.sample(problem, spec.samples, num_levels=4, seed=spec.design_seed)
    for j, p in enumerate(params):
        if p.integer:
            x[:, j] = np.round(x[:, j])
    df = pd.DataFrame(x, columns=names)
    df.insert(0, "point", np.arange(len(df)))
    return df


def _check_size(spec, points: int) -> None:
    runs = points * spec.replicates
    if runs > spec.max_runs:
        raise SweepError(f"sweep: {points} points x {spec.replicates} replicates = {runs} runs, "
                         f"more than sweep.max_runs={spec.max_runs}; lower sweep.samples or raise max_runs")


def apply_point(config, values: dict[str, float]):
    """A copy of the config with the point's values set."""
    cfg = copy.deepcopy(config)
    for key, value in values.items():
        parts = key.split(".")
        if parts[0] == "scenario":
            cfg.scenario.interventions[parts[2]][parts[3]] = value
            continue
        obj = getattr(cfg, parts[0])
        for name in parts[1:-1]:
            obj = getattr(obj, name)
        current = getattr(obj, parts[-1])
        setattr(obj, parts[-1], int(round(value)) if isinstance(current, int) and not isinstance(current, bool) else float(value))
    return cfg


# ------------------------------------------------------------------------------ tasks

def run_task(job: dict) -> dict:
    """Run every point of one task; write its tables atomically. Runs in a worker."""
    import logging as _logging

    from analysis.results import require_finite, write_sweep_task
    from configs.compose import build_interventions, replicate_groups
    from experiments.memory import release_freed_memory
    from sim.run import simulate_groups

    _logging.getLogger("MESA").setLevel(_logging.WARNING)
    out = Path(job["out"])
    config, england, seeds = job["config"], job["england"], job["seeds"]
    months = 12 * config.run.years
    ts_parts, ms_parts, done, failed = [], [], [], {}
    for point, values in job["points"]:
        try:
            cfg = apply_point(config, values)
            scen = cfg.scenario
            res = simulate_groups(replicate_groups(cfg, seeds), england, months,
                           interventions=lambda s=scen: build_interventions(s),
                           batch_size=len(seeds), start_year=cfg.run.start_year, network_every=0)
            require_finite({"timeseries": res.timeseries, "milestones": res.milestones})
            ts = res.timeseries[res.timeseries["month"] % 12 == 0]
            extra = {"point": point, **values}
            if job.get("paired"):
                ts, ms = _paired_tables(res, cfg, england, seeds, months, extra)
                ts_parts.append(ts)
                ms_parts.append(ms)
            else:
                ts_parts.append(ts.assign(**extra))
                ms_parts.append(res.milestones.assign(**extra))
            done.append(point)
        except Exception as exc:  # record and go on
            failed[str(point)] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    status = {"task": job["task"], "done": done, "failed": failed, "runs": len(done) * len(seeds)}
    write_sweep_task(out, job["task"], {"timeseries": ts_parts, "milestones": ms_parts}, status)
    del ts_parts, ms_parts
    res = ts = None                       # the last point's tables too, before trimming
    release_freed_memory()
    return status


def _paired_tables(res, cfg, england, seeds, months, extra):
    """A paired point: the baseline (no intervention) on the same seeds beside the
    scenario, rows told apart by `arm`, and `cost_to_date` (the scenario's spending
    summed over every month so far, which the yearly rows would otherwise miss)."""
    from configs.compose import replicate_groups
    from sim.run import simulate_groups

    base = simulate_groups(replicate_groups(cfg, seeds), england, months, interventions=None,
                    batch_size=len(seeds), start_year=cfg.run.start_year, network_every=0)
    ts_parts, ms_parts = [], []
    for arm, r in (("scenario", res), ("baseline", base)):
        ts = r.timeseries.assign(cost_to_date=r.timeseries.groupby("seed")["cost"].cumsum())
        ts_parts.append(ts[ts["month"] % 12 == 0].assign(arm=arm, **extra))
        ms_parts.append(r.milestones.assign(arm=arm, **extra))
    import pandas as pd

    return pd.concat(ts_parts, ignore_index=True), pd.concat(ms_parts, ignore_index=True)


def config_hash(config) -> str:
    """Hash of everything that determines results (not the engine or worker count)."""
    from omegaconf import OmegaConf

    cfg = copy.deepcopy(config)
    cfg.sweep.engine, cfg.sweep.workers, cfg.sweep.scheduler, cfg.sweep.mix = "", 0, "", False
    cfg.run.plots, cfg.run.batch_size = True, 0
    text = OmegaConf.to_yaml(OmegaConf.structured(cfg))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare(resolved, out: Path, before_writing=lambda: None):
    """Design, manifest and the list of tasks still to run. Every check comes first;
    `before_writing()` runs once they have passed, before anything is written."""
    from analysis.results import ResultsError, holds_results, read_manifest, sweep_task_done, write_sweep

    spec = resolved.config.sweep
    if spec.name == "none":
        raise SweepError("sweep: name a sweep config, e.g. sweep=ties_lhs (see configs/sweep/)")
    if spec.engine not in ENGINES:
        raise SweepError(f"sweep.engine={spec.engine}: choose from {', '.join(ENGINES)}")
    if spec.replicates < 1 or spec.points_per_task < 1:
        raise SweepError("sweep.replicates and sweep.points_per_task must be at least 1")
    params = swept_parameters(resolved.config, spec)
    both = [p.key for p in params if p.key in resolved.config.calibrated.parameters]
    if both:
        raise SweepError(f"sweep.parameters.{both[0]}: also set per replicate by calibrated={resolved.config.calibrated.name}; "
                         f"sweep it with calibrated=none, or sweep other parameters")
    design = make_design(spec, params)
    digest = config_hash(resolved.config)
    if holds_results(out):
        try:
            old = read_manifest(out, "sweep")
        except ResultsError as exc:
            raise SweepError(f"{exc}; use a new folder") from None
        if old.get("config_hash") != digest and not spec.mix:
            raise SweepError(f"{out}: holds a sweep written by a different config (hash {old.get('config_hash')} "
                             f"vs {digest}); use a new folder, or sweep.mix=true to add to it anyway")
    n_tasks = math.ceil(len(design) / spec.points_per_task)
    before_writing()
    manifest = write_sweep(out, design, config_hash=digest, name=spec.name, design=spec.design,
                           parameters=[p.key for p in params], points=len(design), replicates=spec.replicates,
                           seeds=resolved.seeds[:spec.replicates], tasks=n_tasks,
                           place=resolved.config.place.name, scenario=resolved.config.scenario.name,
                           years=resolved.config.run.years, bounds={p.key: [p.low, p.high] for p in params},
                           paired=bool(spec.paired),
                           interventions={name: {k: v if isinstance(v, (int, float, str, bool, type(None))) else str(v)
                                                 for k, v in dict(entry).items()}
                                          for name, entry in resolved.config.scenario.interventions.items()})
    seeds = [resolved.config.seed + i for i in range(spec.replicates)]
    jobs, skipped = [], 0
    keys = [p.key for p in params]
    for task in range(n_tasks):
        rows = design.iloc[task * spec.points_per_task:(task + 1) * spec.points_per_task]
        if sweep_task_done(out, task):
            skipped += len(rows) * len(seeds)
            continue
        points = [(int(r["point"]), {k: float(r[k]) for k in keys}) for _, r in rows.iterrows()]
        jobs.append({"task": task, "points": points, "config": resolved.config,
                     "england": resolved.england, "seeds": seeds, "out": str(out), "paired": bool(spec.paired)})
    return manifest, jobs, skipped


# Seconds to wait for a named Dask scheduler before saying it does not answer.
SCHEDULER_TIMEOUT = 10


def connect(spec):
    """(client, cluster or None) for the Dask engine: the named scheduler, or a local
    cluster; SweepError (one line) when Dask is missing or the scheduler does not answer.
    Called before anything is written."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SweepError("sweep.engine=dask: needs dask[distributed], not installed; "
                         "pip install -e \".[sweep]\" (or use sweep.engine=joblib)") from None
    if spec.scheduler:
        try:
            return Client(spec.scheduler, timeout=SCHEDULER_TIMEOUT), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise SweepError(f"sweep.scheduler={spec.scheduler}: no Dask scheduler answered within "
                             f"{SCHEDULER_TIMEOUT} s ({type(exc).__name__}); start one (`dask scheduler`) and "
                             f"its workers, or leave sweep.scheduler empty for a cluster on this machine") from None
    workers = spec.workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1")
    return Client(cluster), cluster


def execute(jobs: list[dict], spec, total_runs: int, progress, client=None) -> tuple[int, int]:
    """Run the jobs on the chosen engine (Dask through `client`), streaming completions
    to the progress bar."""
    done = failed = 0
    if not jobs:
        return done, failed
    workers = spec.workers or os.cpu_count() or 1
    if spec.engine == "joblib":
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=min(workers, len(jobs)), return_as="generator_unordered")(
            delayed(run_task)(job) for job in jobs)
    else:
        from dask.distributed import as_completed

        results = (fut.result() for fut in as_completed(client.map(run_task, jobs, pure=False)))
    for status in results:
        done += status["runs"]
        failed += len(status["failed"]) * len(jobs[0]["seeds"])
        progress.update(status["runs"] + len(status["failed"]) * len(jobs[0]["seeds"]))
    return done, failed


def task(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig

    from configs.compose import ConfigError, resolve
    from experiments.hydra_entry import write_hydra_records
    from experiments.run import progress_bar

    logging.getLogger("MESA").setLevel(logging.WARNING)
    client = cluster = None

    def before_writing():
        nonlocal client, cluster
        if spec.engine == "dask":
            client, cluster = connect(spec)
        write_hydra_records(cfg)

    try:
        try:
            resolved = resolve(cfg)
            out = Path(HydraConfig.get().runtime.output_dir)
            spec = resolved.config.sweep
            manifest, jobs, skipped = prepare(resolved, out, before_writing)
        except (ConfigError, SweepError) as exc:
            print(f"placesim sweep: error: {exc}", file=sys.stderr)
            raise SystemExit(2)
        total = manifest["points"] * manifest["replicates"]
        t0 = time.perf_counter()
        with progress_bar(total, f"sweep {spec.name}") as bar:
            bar.unit = "run"
            bar.update(skipped)
            done, failed = execute(jobs, spec, total, bar, client)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    elapsed = time.perf_counter() - t0
    rate = done / elapsed if elapsed > 0 else float("nan")
    print(f"Sweep {spec.name}: {manifest['points']} points x {manifest['replicates']} replicates = {total} runs: "
          f"{done} done, {failed} failed, {skipped} skipped (already on disk); {rate:.1f} runs/s")
    print(f"Results written to {out}  (load with analysis.load('{out}'))")
    if failed:
        raise SystemExit(1)


def main(argv: list[str]) -> int:
    return launch("sweep", argv, task, records_after_checks=True)
