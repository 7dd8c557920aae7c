"""`placesim bench`: speed and memory of the vectorised model, side by side with the
per-agent Mesa reference (benchmarks/reference) and a NumPy floor, in one invocation.

Every measurement runs in a fresh subprocess pinned to one thread (OMP, OpenBLAS, MKL
and numba thread counts set to 1), after a warm-up that loads the compiled kernels, so
times exclude interpreter start-up and compilation and each size's peak memory is its
own. Model and reference workers alternate, so both see the same (shared, noisy)
machine. Times are CPU seconds of the worker (time.process_time), which for a
single-threaded process is its wall time on an idle core, so other jobs on a shared
machine inflate them much less than wall time; wall times are kept beside them (the
"wall/cpu" column shows how contended the machine was). The 2-core sweep is reported in
wall time, and as the rate the same work would reach on two free cores (from each
worker's CPU time). What each number means: benchmarks/README.md.

Usage:
    placesim bench                 # the full suite (about 10-15 minutes on 2 cores)
    placesim bench --quick         # a fast subset (about 2 minutes)
    placesim bench --out DIR       # default outputs/bench/<timestamp>/
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

MARK = "@@BENCH-RESULT@@"
THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1", "CI": "true"}
# Reference methods timed as each process of the model's month (sim.model.MONTH; the
# reference has no interventions): benchmarks/reference/model.py.
REFERENCE_METHODS = {"demography": ("demography",), "schools": ("enrol",), "services": ("services",),
                     "informal": ("families_month", "trust_month", "norms"),
                     "development": ("development",), "ties": ("partnership_ties",),
                     "engagement": ("engagement",), "system": ("system",)}
WARM_UP = ["place=pembury", "place.population=600", "place.homes=250"]
SOURCE_ROOT = Path(__file__).resolve().parent.parent   # the checkout this bench belongs to
MONTHS_20Y = 240


def size_overrides(population: int) -> list[str]:
    """Pembury and Wallsend as they are; larger sizes scale Wallsend (people per home kept)."""
    if population == 2400:
        return ["place=pembury"]
    if population == 45000:
        return ["place=wallsend"]
    homes = int(round(population * 20000 / 45000))
    return ["place=wallsend", f"place.population={population}", f"place.homes={homes}"]


def size_label(population: int) -> str:
    return {2400: "pembury 2.4k", 45000: "wallsend 45k"}.get(population, f"{population // 1000}k")


@dataclass
class Plan:
    """How much of each measurement to do."""

    sizes: tuple[int, ...] = (2400, 45000, 100_000, 500_000)
    model_months: dict = field(default_factory=lambda: {2400: 240, 45000: 240, 100_000: 240, 500_000: 240})
    reference_months: dict = field(default_factory=lambda: {2400: 12, 45000: 3, 100_000: 2, 500_000: 1})
    presets: tuple[str, ...] = ("pembury", "wallsend", "smallshaw_hurst")
    preset_repeats: int = 3
    sweep_n: int = 1000
    sweep_batch: int = 64
    profile_months: int = 60
    floor_repeats: int = 7
    help_repeats: int = 5


QUICK = Plan(model_months={2400: 60, 45000: 60, 100_000: 24, 500_000: 12},
             reference_months={2400: 6, 45000: 2}, preset_repeats=1, sweep_n=128,
             profile_months=24, floor_repeats=5, help_repeats=3)

# Targets: (key, description, comparison, threshold, unit).
TARGETS = (
    ("wallsend_20y_s", "Wallsend 20 years on one core, excluding start-up", "<=", 0.25, "s"),
    ("run_help_s", "`placesim run --help` well under 1 s (read: at most 0.5 s)", "<=", 0.5, "s"),
    ("speedup_wallsend", "faster per agent-month than the Mesa reference at Wallsend size", ">=", 300.0, "x"),
    ("floor_ratio_wallsend", "within 10x of the NumPy floor (Wallsend)", "<=", 10.0, "x"),
    ("size500k_20y_s", "500,000 people, 20 years", "<=", 10.0, "s"),
    ("size500k_peak_gb", "500,000 people, peak resident memory", "<=", 2.0, "GB"),
    ("scaling_exponent", "cost ~ population^b (log-log fit over the sizes)", "<=", 1.1, ""),
)


# ----------------------------------------------------------------------------- workers
# Each runs in its own subprocess: `python -m benchmarks.bench --worker '<json spec>'`.

def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def _config(overrides):
    from configs.compose import compose_run_config

    return compose_run_config(list(overrides))


def _warm_up() -> None:
    """Load the compiled kernels (numba's on-disk cache) and touch every code path once."""
    from sim.model import PlaceModel

    cfg = _config(WARM_UP)
    model = PlaceModel(cfg.place, cfg.model, cfg.england, [12345])
    for _ in range(2):
        model.step()


def state_arrays(state) -> list:
    """Every writable NumPy array of the model's state (sparse matrices by their data
    arrays); the place's read-only lookups (Place.layout and the like) are left out."""
    import numpy as np
    import scipy.sparse as sp

    seen, out = set(), []

    def add(value):
        if isinstance(value, np.ndarray):
            if value.size and value.flags.writeable and id(value) not in seen:
                seen.add(id(value))
                out.append(value)
        elif sp.issparse(value):
            for part in (value.data, value.indices, value.indptr):
                add(part)
        elif isinstance(value, (list, tuple)):
            for v in value:
                add(v)
        elif is_dataclass(value) and not isinstance(value, type):
            for f in fields(value):
                add(getattr(value, f.name))

    add(state)
    return out


def floor_month(arrays) -> None:
    """The floor: one NumPy pass that reads and writes every state array once."""
    import numpy as np

    for a in arrays:
        if a.dtype == bool:
            np.logical_xor(a, False, out=a)
        else:
            np.add(a, 0, out=a)


def time_floor(state, repeats: int) -> dict:
    arrays = state_arrays(state)
    times = []
    for _ in range(repeats):
        t0 = cpu()
        floor_month(arrays)
        times.append(cpu() - t0)
    return dict(floor_s=min(times), floor_arrays=len(arrays),
                floor_bytes=int(sum(a.nbytes for a in arrays)))


cpu = time.process_time   # CPU seconds of this process: its wall time on an idle core


class Timers:
    """Accumulated CPU seconds per name; `wrap` makes a timed version of a callable."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, fn):
        seconds = self.seconds
        seconds.setdefault(name, 0.0)

        def timed(*args, **kwargs):
            t0 = cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] += cpu() - t0

        timed.__wrapped__ = fn
        return timed


def time_schedule(model, timers: Timers) -> None:
    """Time each process of this model's month (sim.model.MONTH, by name) and its
    collection, as a profiler would; the timers are the model's own, nothing global."""
    model.schedule = tuple(p._replace(run=timers.wrap(p.name, p.run)) for p in model.schedule)
    model.datacollector.collect = timers.wrap("collect", model.datacollector.collect)


def process_names(summary: dict) -> list[str]:
    """The processes as the model workers timed them: the month's, in order, then
    "collect" and "other" (the rest of the month)."""
    for row in summary["per_size"].values():
        return list(row["process_ms"])
    return []


def worker_model(spec: dict) -> dict:
    """Step the vectorised model at one size, with per-process timers, then the floor."""
    from sim.model import PlaceModel

    _warm_up()
    cfg = _config(spec["overrides"])
    gc.collect()
    base_rss = rss_mb()
    t0 = cpu()
    model = PlaceModel(cfg.place, cfg.model, cfg.england, [0])
    init_s = cpu() - t0
    timers = Timers()
    time_schedule(model, timers)
    step_s, step_wall, children = 0.0, 0.0, 0
    months = int(spec["months"])
    for _ in range(months):
        t0, w0 = cpu(), time.perf_counter()
        model.step()
        step_s += cpu() - t0
        step_wall += time.perf_counter() - w0
        children += int(model.state.children.alive.sum())
    st = model.state
    n_fam = st.families.deprivation.shape[1]
    n_org = len(st.orgs.kind)
    out = dict(population=cfg.place.population, homes=cfg.place.homes, months=months,
               init_s=init_s, step_s=step_s, step_wall_s=step_wall, process_s=timers.seconds,
               children=children / months, families=n_fam, organisations=n_org,
               agents=children / months + n_fam + n_org, base_rss_mb=base_rss)
    out.update(time_floor(st, int(spec.get("floor_repeats", 7))))
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def worker_reference(spec: dict) -> dict:
    """Step the Mesa reference at one size for a few months, timing each process."""
    from benchmarks.reference.model import ReferenceModel, initial_state

    _warm_up()
    cfg = _config(spec["overrides"])
    state = initial_state(cfg.place, cfg.model, cfg.england, 0)   # the shared initial state
    gc.collect()
    base_rss = rss_mb()
    t0 = cpu()
    model = ReferenceModel(cfg.place, cfg.model, cfg.england, 0, initial=state)
    init_s = cpu() - t0
    del state
    gc.collect()
    timers = Timers()
    for name, methods in REFERENCE_METHODS.items():
        for method in methods:
            setattr(model, method, timers.wrap(name, getattr(model, method)))
    model.datacollector.collect = timers.wrap("collect", model.datacollector.collect)
    months = int(spec["months"])
    step_s, step_wall, agents = 0.0, 0.0, 0
    for _ in range(months):
        t0, w0 = cpu(), time.perf_counter()
        model.step()
        step_s += cpu() - t0
        step_wall += time.perf_counter() - w0
        agents += len(model.agents)
    return dict(population=cfg.place.population, months=months, init_s=init_s, step_s=step_s,
                step_wall_s=step_wall,
                process_s=timers.seconds, agents=agents / months, base_rss_mb=base_rss,
                peak_rss_mb=peak_rss_mb())


def worker_simulate(spec: dict) -> dict:
    """20-year runs of a preset through sim.run.simulate (one replicate each)."""
    from sim.run import simulate

    _warm_up()
    cfg = _config(spec["overrides"])
    times, walls = [], []
    for i in range(int(spec["repeats"])):
        t0, w0 = cpu(), time.perf_counter()
        result = simulate(cfg.place, cfg.model, cfg.england, [i], int(spec["months"]))
        times.append(cpu() - t0)
        walls.append(time.perf_counter() - w0)
    agents = float(result.timeseries["children"].mean()) + cfg.place.homes + len(result.organisations)
    return dict(population=cfg.place.population, agents=agents, times=times, best_s=min(times),
                walls=walls, best_wall_s=min(walls), peak_rss_mb=peak_rss_mb())


def _sweep_part(place, params, england, seeds, months, batch_size) -> tuple[int, float]:
    """One worker's share of a sweep: (time-series rows made, CPU seconds)."""
    from sim.run import simulate

    t0 = cpu()
    result = simulate(place, params, england, list(seeds), months, batch_size=batch_size)
    return len(result.timeseries), cpu() - t0


def worker_sweep(spec: dict) -> dict:
    """N Pembury 20-year runs, batched, on `jobs` cores (joblib workers, each warmed up)."""
    import numpy as np

    _warm_up()
    cfg = _config(["place=pembury"])
    n, jobs, months, batch = int(spec["n"]), int(spec["jobs"]), int(spec["months"]), int(spec["batch"])
    seeds = list(range(n))
    if jobs == 1:
        t0 = time.perf_counter()
        rows, busy = _sweep_part(cfg.place, cfg.model, cfg.england, seeds, months, batch)
        seconds = time.perf_counter() - t0
    else:
        from joblib import Parallel, delayed

        with Parallel(n_jobs=jobs) as parallel:
            parallel(delayed(_sweep_part)(cfg.place, cfg.model, cfg.england, [10**6 + k], 2, 1)
                     for k in range(jobs))                     # warm the workers up
            t0 = time.perf_counter()
            parts = parallel(delayed(_sweep_part)(cfg.place, cfg.model, cfg.england, list(part), months, batch)
                             for part in np.array_split(np.array(seeds), jobs))
            seconds = time.perf_counter() - t0
        rows, busy = sum(p[0] for p in parts), max(p[1] for p in parts)
    return dict(n=n, jobs=jobs, months=months, seconds=seconds, runs_per_s=n / seconds,
                cpu_s=busy, runs_per_s_free=n / busy, rows=rows, peak_rss_mb=peak_rss_mb())


def worker_profile(spec: dict) -> dict:
    """A pyinstrument profile of one process (or the whole month) at one size."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return dict(available=False)
    from sim.model import PlaceModel

    _warm_up()
    cfg = _config(spec["overrides"])
    model = PlaceModel(cfg.place, cfg.model, cfg.england, [0])
    model.step()
    profiler = Profiler(interval=0.0002)
    process = spec.get("process")
    if process and process != "collect":
        chosen = next(p for p in model.schedule if p.name == process)

        def profiled(*args):
            profiler.start()
            try:
                return chosen.run(*args)
            finally:
                profiler.stop()

        model.schedule = tuple(p._replace(run=profiled) if p is chosen else p for p in model.schedule)
        for _ in range(int(spec["months"])):
            model.step()
    else:
        profiler.start()
        for _ in range(int(spec["months"])):
            model.step()
        profiler.stop()
    out = Path(spec["out"])
    stem = out / f"profile_{spec['label']}_{process or 'month'}"
    stem.with_suffix(".html").write_text(profiler.output_html())
    text = profiler.output_text(unicode=False, color=False)
    stem.with_suffix(".txt").write_text(text)
    return dict(available=True, html=str(stem.with_suffix(".html")), txt=str(stem.with_suffix(".txt")),
                text=text)


WORKERS = {"model": worker_model, "reference": worker_reference, "simulate": worker_simulate,
           "sweep": worker_sweep, "profile": worker_profile}


def run_worker(kind: str, spec: dict, timeout: float = 3600) -> dict:
    """Run a worker in a fresh single-threaded subprocess; its result dict (or an error)."""
    env = {**os.environ, **THREAD_ENV}
    payload = json.dumps({"kind": kind, **spec})
    t0 = time.perf_counter()
    try:
        # From the folder this file's package sits in, so a worker runs the same code as
        # this process (not another checkout an editable install may point at).
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--worker", payload],
                              capture_output=True, text=True, env=env, timeout=timeout,
                              cwd=SOURCE_ROOT)
    except subprocess.TimeoutExpired:
        return dict(error=f"timed out after {timeout:.0f} s")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return dict(error=" | ".join(tail) or f"exit code {proc.returncode}")
    result = json.loads(lines[-1][len(MARK):])
    result["wall_s"] = time.perf_counter() - t0
    return result


# ------------------------------------------------------------------------------ suite

def time_run_help(repeats: int) -> dict:
    exe = shutil.which("placesim")
    cmd = [exe, "run", "--help"] if exe else [sys.executable, "-m", "experiments.cli", "run", "--help"]
    import resource

    times, cpus = [], []
    ok = True
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        ok = ok and proc.returncode == 0
    return dict(first_s=times[0], best_s=min(times), median_s=sorted(times)[len(times) // 2],
                best_cpu_s=min(cpus), ok=ok, command=" ".join(cmd[-3:]))


def fit_exponent(populations, costs) -> float:
    import numpy as np

    pts = [(p, c) for p, c in zip(populations, costs) if c and c > 0 and math.isfinite(c)]
    if len(pts) < 2:
        return float("nan")
    x = np.log([p for p, _ in pts])
    y = np.log([c for _, c in pts])
    return float(np.polyfit(x, y, 1)[0])


def machine_info() -> dict:
    import mesa
    import numba
    import numpy as np

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = ""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=SOURCE_ROOT).stdout.strip()
    except OSError:
        pass
    return dict(python=platform.python_version(), numpy=np.__version__, numba=numba.__version__,
                mesa=mesa.__version__, cpu=cpu, cores=os.cpu_count(), commit=commit,
                openblas_coretype=os.environ.get("OPENBLAS_CORETYPE", ""),
                load_start=os.getloadavg()[0])


def say(msg: str) -> None:
    print(msg, flush=True)


def run_suite(plan: Plan, out: Path, do_reference: bool = True, do_profile: bool = True) -> dict:
    res: dict = dict(machine=machine_info(), sizes={}, reference={}, presets={}, sweep={}, notes=[])
    t_start = time.perf_counter()

    say("[1/6] `placesim run --help`")
    res["run_help"] = time_run_help(plan.help_repeats)

    say("[2/6] sizes: the model (per-process timers, floor, peak memory) and the reference, alternating")
    for pop in plan.sizes:
        ov = size_overrides(pop)
        months = plan.model_months.get(pop, 12)
        say(f"  model      {size_label(pop):>13}: {months} months ...")
        r = run_worker("model", dict(overrides=ov, months=months, floor_repeats=plan.floor_repeats))
        res["sizes"][pop] = r
        if "error" in r:
            say(f"    error: {r['error']}")
        else:
            say(f"    {1e3 * r['step_s'] / months:.2f} ms/month, floor {1e3 * r['floor_s']:.3f} ms, "
                f"peak {r['peak_rss_mb']:.0f} MB")
        ref_months = plan.reference_months.get(pop, 0) if do_reference else 0
        if ref_months:
            say(f"  reference  {size_label(pop):>13}: {ref_months} months ...")
            rr = run_worker("reference", dict(overrides=ov, months=ref_months))
            res["reference"][pop] = rr
            if "error" in rr:
                say(f"    error: {rr['error']}")
            else:
                say(f"    {rr['step_s'] / ref_months:.2f} s/month, peak {rr['peak_rss_mb']:.0f} MB")

    say("[3/6] 20-year runs of the presets (sim.run.simulate, one replicate)")
    for preset in plan.presets:
        r = run_worker("simulate", dict(overrides=[f"place={preset}"], months=MONTHS_20Y,
                                        repeats=plan.preset_repeats))
        res["presets"][preset] = r
        say(f"  {preset}: " + (r["error"] if "error" in r else f"best {r['best_s']:.2f} s"))

    say(f"[4/6] sweep throughput: {plan.sweep_n} Pembury 20-year runs, 1 and 2 cores")
    for jobs in (1, 2):
        r = run_worker("sweep", dict(n=plan.sweep_n, jobs=jobs, months=MONTHS_20Y, batch=plan.sweep_batch))
        res["sweep"][jobs] = r
        say(f"  {jobs} core(s): " + (r["error"] if "error" in r else
                                     f"{r['seconds']:.1f} s, {r['runs_per_s']:.2f} runs/s"))

    summary = summarise(res, plan)
    res["summary"] = summary
    say("[5/6] profile of the slowest process")
    res["profiles"] = {}
    if do_profile:
        slowest = summary.get("slowest_process_wallsend")
        for label, pop in (("wallsend", 45000),):
            if slowest:
                r = run_worker("profile", dict(overrides=size_overrides(pop), months=plan.profile_months,
                                               process=slowest, label=label, out=str(out)))
                res["profiles"][f"{label}_{slowest}"] = r
                say(f"  {label} {slowest}: " + (r.get("txt", "") if r.get("available") else
                                                r.get("error", "pyinstrument not installed")))
            r = run_worker("profile", dict(overrides=size_overrides(pop), months=plan.profile_months,
                                           process=None, label=label, out=str(out)))
            res["profiles"][f"{label}_month"] = r
    res["machine"]["load_end"] = os.getloadavg()[0]
    res["machine"]["suite_s"] = time.perf_counter() - t_start
    say("[6/6] writing the table, CSV and plot")
    return res


# --------------------------------------------------------------------------- analysis

def summarise(res: dict, plan: Plan) -> dict:
    """Derived figures: per agent-month costs, speedups, floor ratios, exponent, targets."""
    s: dict = {"per_size": {}}
    pops, model_cost = [], []
    for pop, r in res["sizes"].items():
        if "error" in r:
            continue
        month_s = r["step_s"] / r["months"]
        row = dict(population=pop, agents=r["agents"], model_ms_month=1e3 * month_s,
                   wall_per_cpu=r["step_wall_s"] / max(r["step_s"], 1e-12),
                   model_ns_agent_month=1e9 * month_s / r["agents"],
                   model_20y_s=month_s * MONTHS_20Y, model_20y_measured=r["months"] >= MONTHS_20Y,
                   floor_ms_month=1e3 * r["floor_s"], floor_ratio=month_s / r["floor_s"],
                   floor_mb=r["floor_bytes"] / 2**20, peak_mb=r["peak_rss_mb"],
                   base_mb=r["base_rss_mb"], init_s=r["init_s"], organisations=r["organisations"],
                   process_ms={k: 1e3 * v / r["months"] for k, v in r["process_s"].items()})
        row["process_ms"]["other"] = max(row["model_ms_month"] - sum(row["process_ms"].values()), 0.0)
        rr = res["reference"].get(pop)
        if rr and "error" not in rr:
            ref_month = rr["step_s"] / rr["months"]
            row.update(ref_ms_month=1e3 * ref_month, ref_ns_agent_month=1e9 * ref_month / rr["agents"],
                       ref_agents=rr["agents"], ref_peak_mb=rr["peak_rss_mb"], ref_months=rr["months"],
                       ref_process_ms={k: 1e3 * v / rr["months"] for k, v in rr["process_s"].items()})
            row["speedup"] = row["ref_ns_agent_month"] / row["model_ns_agent_month"]
            row["ref_20y_s"] = ref_month * MONTHS_20Y
        s["per_size"][pop] = row
        pops.append(pop)
        model_cost.append(month_s)
    s["exponent"] = fit_exponent(pops, model_cost)
    s["exponent_top"] = fit_exponent(pops[-2:], model_cost[-2:]) if len(pops) > 2 else float("nan")
    ref_pops = [p for p in pops if "ref_ms_month" in s["per_size"][p]]
    s["reference_exponent"] = fit_exponent(ref_pops, [s["per_size"][p]["ref_ms_month"] for p in ref_pops])
    # Reference cost per agent-month used to put the other figures side by side: the
    # measurement at the nearest size.
    def ref_ns(pop):
        if not ref_pops:
            return None
        nearest = min(ref_pops, key=lambda p: abs(math.log(p / pop)))
        return s["per_size"][nearest]["ref_ns_agent_month"]

    s["presets"] = {}
    for preset, r in res["presets"].items():
        if "error" in r:
            continue
        pop = r["population"]
        agents = r["agents"]
        row = dict(population=pop, agents=agents, best_s=r["best_s"], best_wall_s=r["best_wall_s"],
                   times=r["times"])
        if agents and ref_ns(pop):
            row["ref_20y_s"] = ref_ns(pop) * 1e-9 * agents * MONTHS_20Y
            row["speedup"] = row["ref_20y_s"] / r["best_s"]
        s["presets"][preset] = row
    s["sweep"] = {}
    pembury = s["per_size"].get(2400)
    for jobs, r in res["sweep"].items():
        if "error" in r:
            continue
        row = dict(n=r["n"], seconds=r["seconds"], runs_per_s=r["runs_per_s"],
                   runs_per_s_free=r["runs_per_s_free"])
        if pembury and ref_ns(2400):
            ref_run_s = ref_ns(2400) * 1e-9 * pembury["agents"] * MONTHS_20Y
            row["ref_runs_per_s"] = jobs / ref_run_s          # reference runs in parallel, one per core
            row["speedup"] = row["runs_per_s_free"] / row["ref_runs_per_s"]
        s["sweep"][jobs] = row
    if 1 in s["sweep"] and 2 in s["sweep"]:
        s["sweep_parallel_gain"] = s["sweep"][2]["runs_per_s"] / s["sweep"][1]["runs_per_s"]
        s["sweep_parallel_gain_free"] = s["sweep"][2]["runs_per_s_free"] / s["sweep"][1]["runs_per_s_free"]
    # Targets.
    w = s["per_size"].get(45000, {})
    big = s["per_size"].get(500_000, {})
    measured = {
        "wallsend_20y_s": s["presets"].get("wallsend", {}).get("best_s", w.get("model_20y_s")),
        "run_help_s": res.get("run_help", {}).get("best_cpu_s"),
        "speedup_wallsend": w.get("speedup"),
        "floor_ratio_wallsend": w.get("floor_ratio"),
        "size500k_20y_s": big.get("model_20y_s"),
        "size500k_peak_gb": big["peak_mb"] / 1024 if big else None,
        "scaling_exponent": s["exponent"],
    }
    notes = {"size500k_20y_s": "CPU s" + ("" if big.get("model_20y_measured", True) else ", extrapolated from a shorter run"),
             "wallsend_20y_s": "CPU s, sim.run.simulate, best of repeats",
             "run_help_s": "CPU s of the subprocess (wall in the line above)"}
    s["targets"] = []
    for key, text, op, threshold, unit in TARGETS:
        value = measured.get(key)
        ok = None
        if value is not None and math.isfinite(value):
            ok = value <= threshold if op == "<=" else value < threshold if op == "<" else value >= threshold
        s["targets"].append(dict(key=key, target=text, op=op, threshold=threshold, unit=unit,
                                 value=value, met=ok, note=notes.get(key, "")))
    if w.get("process_ms"):
        procs = {k: v for k, v in w["process_ms"].items() if k != "other"}
        s["slowest_process_wallsend"] = max(procs, key=procs.get)
    return s


def fmt(v, digits=3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def table_text(res: dict) -> str:
    s = res["summary"]
    m = res["machine"]
    lines = [f"placesim bench  commit {m.get('commit', '')}  {m.get('cpu', '')}  {m.get('cores')} cores  "
             f"python {m['python']} numpy {m['numpy']} numba {m['numba']} mesa {m['mesa']}",
             f"load average {m['load_start']:.2f} at start, {m.get('load_end', float('nan')):.2f} at end "
             f"(2 cores: above ~1 another job shared the machine); suite {m.get('suite_s', 0):.0f} s", ""]
    lines.append("Per size (one replicate, one core; CPU time, wall/cpu > 1 means the machine was shared).")
    lines.append("ns/agent-month = time per month / (children + families + organisations);")
    lines.append("speedup = reference ns/agent-month / model ns/agent-month; x floor = model month / floor month;")
    lines.append("peak MB = the worker's VmHWM; own MB = peak minus the resident size before the place was built.")
    hdr = ("size", "agents", "orgs", "model ms/mo", "wall/cpu", "model ns/ag-mo", "ref ms/mo", "ref ns/ag-mo",
           "speedup", "floor ms/mo", "x floor", "20y s", "peak MB", "own MB", "ref peak MB")
    rows = []
    for pop, r in s["per_size"].items():
        rows.append((size_label(pop), fmt(int(r["agents"])), fmt(r["organisations"]), fmt(r["model_ms_month"]),
                     fmt(r["wall_per_cpu"], 2),
                     fmt(r["model_ns_agent_month"]), fmt(r.get("ref_ms_month")), fmt(r.get("ref_ns_agent_month")),
                     fmt(r.get("speedup")), fmt(r["floor_ms_month"]), fmt(r["floor_ratio"]),
                     fmt(r["model_20y_s"]) + ("" if r["model_20y_measured"] else "*"), fmt(r["peak_mb"]),
                     fmt(r["peak_mb"] - r["base_mb"]), fmt(r.get("ref_peak_mb"))))
    lines += grid(hdr, rows)
    extrapolated = any(not r["model_20y_measured"] for r in s["per_size"].values())
    lines.append(("  * extrapolated from a shorter run. " if extrapolated else "  ") + "Reference rows: measured over "
                 + ", ".join(f"{size_label(p)} {r['ref_months']} mo" for p, r in s["per_size"].items() if "ref_months" in r)
                 + f". Scaling exponent b (cost ~ population^b): model {fmt(s['exponent'])} over all sizes "
                 f"({fmt(s['exponent_top'])} between the two largest), reference {fmt(s['reference_exponent'])}.")
    lines.append("")
    lines.append("Where a month goes: ms per month per process (model | reference | reference/model).")
    procs = process_names(s)
    hdr = ("process",) + tuple(size_label(p) for p in s["per_size"])
    rows = []
    for name in procs:
        cells = [name]
        for pop, r in s["per_size"].items():
            mv = r["process_ms"].get(name)
            rv = r.get("ref_process_ms", {}).get(name)
            cell = fmt(mv)
            if rv is not None:
                cell += f" | {fmt(rv)} | {fmt(rv / mv if mv else None)}x"
            cells.append(cell)
        rows.append(tuple(cells))
    lines += grid(hdr, rows)
    lines.append("")
    lines.append("20-year runs of the presets (sim.run.simulate, one replicate, best of repeats; "
                 "reference = its measured ns/agent-month x agents x 240).")
    rows = [(p, fmt(r["population"]), fmt(r["best_s"]), fmt(r["best_wall_s"]), fmt(r.get("ref_20y_s")),
             fmt(r.get("speedup"))) for p, r in s["presets"].items()]
    lines += grid(("preset", "people", "model CPU s", "model wall s", "reference s (est.)", "speedup"), rows)
    lines.append("")
    lines.append("Sweep throughput: Pembury 20-year runs, sim.run.simulate batched "
                 "(2 cores: joblib, each worker half the seeds; reference: one run per core).")
    lines.append("  runs/s = runs / wall seconds here; 'free cores' = runs / the busiest worker's CPU seconds.")
    rows = [(f"{j} core{'s' if j > 1 else ''}", fmt(r["n"]), fmt(r["seconds"]), fmt(r["runs_per_s"]),
             fmt(r["runs_per_s_free"]), fmt(r.get("ref_runs_per_s")), fmt(r.get("speedup")))
            for j, r in s["sweep"].items()]
    lines += grid(("cores", "runs", "wall s", "runs/s", "runs/s free cores", "ref runs/s (est.)", "speedup"), rows)
    if "sweep_parallel_gain" in s:
        lines.append(f"  2 cores / 1 core: {s['sweep_parallel_gain']:.2f}x here, "
                     f"{s['sweep_parallel_gain_free']:.2f}x on free cores")
    rh = res.get("run_help", {})
    lines.append("")
    lines.append(f"`placesim run --help`: CPU {fmt(rh.get('best_cpu_s'))} s (best); wall: first {fmt(rh.get('first_s'))} s, "
                 f"best {fmt(rh.get('best_s'))} s, median {fmt(rh.get('median_s'))} s "
                 "(a subprocess, interpreter start-up included)")
    lines.append("")
    lines.append("Targets")
    rows = [(t["target"], f"{t['op']} {fmt(t['threshold'])} {t['unit']}".strip(), fmt(t["value"]),
             "PASS" if t["met"] else ("MISS" if t["met"] is False else "n/a"), t["note"])
            for t in s["targets"]]
    lines += grid(("target", "goal", "measured", "", "note"), rows)
    missed = [t for t in s["targets"] if t["met"] is False]
    w = s["per_size"].get(45000)
    if missed and w:
        lines.append("")
        lines.append("Missed targets: where the model's time goes at Wallsend size (ms per month):")
        total = w["model_ms_month"]
        for name, v in sorted(w["process_ms"].items(), key=lambda kv: -kv[1]):
            lines.append(f"  {name:<12} {v:8.3f} ms  {100 * v / total:5.1f}%")
        big = s["per_size"].get(500_000)
        if big:
            lines.append("  at 500k: " + ", ".join(f"{k} {v:.1f}" for k, v in
                                                  sorted(big["process_ms"].items(), key=lambda kv: -kv[1])[:5]) + " ms")
        prof = [p for p in res.get("profiles", {}).values() if p.get("available")]
        if prof:
            lines.append("  profiles: " + ", ".join(Path(p["html"]).name for p in prof))
        elif res.get("profiles") is not None:
            lines.append("  (pip install pyinstrument for a profile of the slowest process)")
    return "\n".join(lines) + "\n"


def grid(header, rows) -> list[str]:
    cols = list(zip(header, *rows)) if rows else [(h,) for h in header]
    widths = [max(len(str(c)) for c in col) for col in cols]
    out = ["  " + "  ".join(str(h).ljust(w) for h, w in zip(header, widths))]
    out.append("  " + "  ".join("-" * w for w in widths))
    for row in rows:
        out.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    return out


def tidy_rows(res: dict) -> list[dict]:
    """Every number as one CSV row: section, item, metric, value, unit."""
    s = res["summary"]
    rows = []

    def add(section, item, metric, value, unit=""):
        rows.append(dict(section=section, item=item, metric=metric, value=value, unit=unit))

    units = dict(agents="agents", model_ms_month="ms", model_ns_agent_month="ns", model_20y_s="s", wall_per_cpu="x",
                 floor_ms_month="ms", floor_ratio="x", floor_mb="MB", peak_mb="MB", base_mb="MB",
                 init_s="s", ref_ms_month="ms", ref_ns_agent_month="ns", ref_agents="agents",
                 ref_peak_mb="MB", speedup="x", ref_20y_s="s", ref_months="months",
                 organisations="organisations", population="people", model_20y_measured="bool")
    for pop, r in s["per_size"].items():
        for k, v in r.items():
            if k in ("process_ms", "ref_process_ms"):
                for name, ms in v.items():
                    add("process", f"{pop}", f"{'reference' if k.startswith('ref') else 'model'}.{name}", ms, "ms/month")
            else:
                add("size", f"{pop}", k, v, units.get(k, ""))
    add("scaling", "model", "exponent", s["exponent"])
    add("scaling", "model", "exponent_two_largest", s["exponent_top"])
    add("scaling", "reference", "exponent", s["reference_exponent"])
    for p, r in s["presets"].items():
        for k in ("population", "agents", "best_s", "best_wall_s", "ref_20y_s", "speedup"):
            if k in r:
                add("preset_20y", p, k, r[k], units.get(k, "s"))
    for j, r in s["sweep"].items():
        for k, v in r.items():
            add("sweep", f"{j}_cores", k, v, {"seconds": "s", "runs_per_s": "runs/s", "ref_runs_per_s": "runs/s",
                                              "runs_per_s_free": "runs/s",
                                              "speedup": "x", "n": "runs"}.get(k, ""))
    for k, v in res.get("run_help", {}).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            add("run_help", "placesim run --help", k, v, "s")
    for t in s["targets"]:
        add("target", t["key"], "value", t["value"], t["unit"])
        add("target", t["key"], "met", t["met"], "bool")
    for k, v in res["machine"].items():
        add("machine", k, "value", v)
    return rows


def plot(res: dict, path: Path) -> None:
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    s = res["summary"]
    per = s["per_size"]
    pops = list(per)
    fig, axes = plt.subplots(2, 3, figsize=(19, 10.5), layout="constrained")

    ax = axes[0, 0]                                     # cost per month by size
    ax.loglog(pops, [per[p]["model_ms_month"] for p in pops], "o-", label=f"model (b = {s['exponent']:.2f})")
    ax.loglog(pops, [per[p]["floor_ms_month"] for p in pops], "s--", label="NumPy floor: one pass over the state")
    rp = [p for p in pops if "ref_ms_month" in per[p]]
    if rp:
        ax.loglog(rp, [per[p]["ref_ms_month"] for p in rp], "^-", label="Mesa reference")
    ax.set_xticks(pops, [size_label(p) for p in pops], fontsize=8)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_ylabel("ms per simulated month (one core)")
    ax.set_title("Cost per month by size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)

    ax = axes[0, 1]                                     # shares of the model's month
    names = process_names(s)
    bottom = np.zeros(len(pops))
    cmap = plt.get_cmap("tab20")
    for i, n in enumerate(names):
        share = np.array([per[p]["process_ms"].get(n, 0.0) / per[p]["model_ms_month"] for p in pops])
        ax.bar(range(len(pops)), share, bottom=bottom, label=n, color=cmap(i))
        bottom += share
    ax.set_xticks(range(len(pops)), [f"{size_label(p)}\n{per[p]['model_ms_month']:.3g} ms" for p in pops], fontsize=8)
    ax.set_ylabel("share of the model's month")
    ax.set_title("Where the model's month goes")
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    ax = axes[0, 2]                                     # per process, model vs reference
    ref_pop = 45000 if "ref_process_ms" in per.get(45000, {}) else next(
        (p for p in pops if "ref_process_ms" in per[p]), None)
    if ref_pop:
        r = per[ref_pop]
        x = np.arange(len(names))
        ax.bar(x - 0.2, [r["process_ms"].get(n, 0.0) for n in names], 0.4, label="model")
        ax.bar(x + 0.2, [r["ref_process_ms"].get(n, 0.0) for n in names], 0.4, label="Mesa reference")
        ax.set_yscale("log")
        ax.set_xticks(x, names, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("ms per month")
        ax.set_title(f"Per process at {size_label(ref_pop)}")
        ax.legend(fontsize=8)
    else:
        ax.axis("off")

    ax = axes[1, 0]                                     # speedup per size
    sp = [p for p in pops if "speedup" in per[p]]
    ax.bar(range(len(sp)), [per[p]["speedup"] for p in sp], color="tab:green")
    for i, p in enumerate(sp):
        ax.text(i, per[p]["speedup"], f"{per[p]['speedup']:.3g}x", ha="center", va="bottom", fontsize=9)
    ax.axhline(300, color="k", ls=":", lw=1, label="target at Wallsend: 300x")
    ax.set_xticks(range(len(sp)), [size_label(p) for p in sp], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(bottom=1)
    ax.set_ylabel("reference / model, per agent-month")
    ax.set_title("Speedup over the Mesa reference")
    ax.legend(fontsize=8)

    ax = axes[1, 1]                                     # sweep throughput
    jobs = list(s["sweep"])
    ax.bar([j - 0.2 for j in jobs], [s["sweep"][j]["runs_per_s"] for j in jobs], 0.4, label="model (wall)")
    ax.plot([j - 0.2 for j in jobs], [s["sweep"][j]["runs_per_s_free"] for j in jobs], "k_", ms=30, mew=2,
            label="model on free cores (CPU time)")
    if all("ref_runs_per_s" in s["sweep"][j] for j in jobs):
        ax.bar([j + 0.2 for j in jobs], [s["sweep"][j]["ref_runs_per_s"] for j in jobs], 0.4,
               label="Mesa reference (estimated)")
    for j in jobs:
        ax.text(j - 0.2, s["sweep"][j]["runs_per_s"], f"{s['sweep'][j]['runs_per_s']:.3g}", ha="center",
                va="bottom", fontsize=9)
    ax.set_yscale("log")
    ax.set_xticks(jobs, [f"{j} core{'s' if j > 1 else ''}" for j in jobs])
    n = next(iter(s["sweep"].values()))["n"] if s["sweep"] else 0
    ax.set_ylabel("Pembury 20-year runs per second")
    ax.set_title(f"Sweep throughput ({n} runs)")
    ax.legend(fontsize=8)

    ax = axes[1, 2]                                     # targets
    tg = [t for t in s["targets"] if t["value"] is not None and math.isfinite(t["value"])]
    ratio = [t["value"] / t["threshold"] if t["op"] != ">=" else t["threshold"] / max(t["value"], 1e-12) for t in tg]
    ax.barh(range(len(tg)), ratio, color=["tab:green" if t["met"] else "tab:red" for t in tg])
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())   # no overlapping labels
    ax.set_yticks(range(len(tg)), ["\n".join(textwrap.wrap(t["target"], 34)) +
                                   f"\n{fmt(t['value'])} {t['unit']} (goal {t['op']} {fmt(t['threshold'])})"
                                   for t in tg], fontsize=7)
    ax.set_xlabel("how far from the goal (< 1: met)")
    ax.set_title("Targets")
    m = res["machine"]
    fig.suptitle(f"placesim bench, commit {m.get('commit', '')}: {m.get('cpu', '')}, {m.get('cores')} cores, "
                 f"load average {m['load_start']:.1f} at start", fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_outputs(res: dict, out: Path) -> str:
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    text = table_text(res)
    (out / "table.txt").write_text(text)
    pd.DataFrame(tidy_rows(res)).to_csv(out / "bench.csv", index=False)
    for p in res.get("profiles", {}).values():
        p.pop("text", None)
    (out / "bench.json").write_text(json.dumps(res, indent=1, default=str))
    plot(res, out / "bench.png")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="placesim bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer months, repeats and runs (about 2 minutes)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default outputs/bench/<timestamp>/)")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="populations to time (default 2400 45000 100000 500000)")
    parser.add_argument("--sweep-n", type=int, default=None, help="runs in the sweep throughput test (default 1000, --quick 64)")
    parser.add_argument("--no-reference", action="store_true", help="skip the Mesa reference")
    parser.add_argument("--no-profile", action="store_true", help="skip the pyinstrument profile")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        result = WORKERS[spec.pop("kind")](spec)
        print(MARK + json.dumps(result, default=float), flush=True)
        return 0
    plan = QUICK if args.quick else Plan()
    if args.sizes:
        plan.sizes = tuple(args.sizes)
    if args.sweep_n:
        plan.sweep_n = args.sweep_n
    out = (args.out or Path("outputs") / "bench" / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    say(f"placesim bench{' --quick' if args.quick else ''}: writing to {out}")
    res = run_suite(plan, out, do_reference=not args.no_reference, do_profile=not args.no_profile)
    text = write_outputs(res, out)
    print()
    print(text)
    print(f"wrote {out / 'table.txt'}, {out / 'bench.csv'}, {out / 'bench.json'}, {out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
