"""The live engine: runs the model for the page in background worker processes.

The page (app/controller.py) hands it a place and a scenario's interventions and polls
the `Job` it gets back; the workers run app/workers.py.

How the page answers within seconds (docs/app.md has the measurements):
- replicates run in a pool of worker processes (2 by default: one per core), started and
  warmed up (imports, compiled kernels) before the page is served;
- the baseline is computed once per place and seed set and cached seed by seed, so a
  change of a control runs only the scenario; scenario results are cached too (a room
  that goes back to an earlier setting gets it at once);
- the scenario's replicates are split across the workers, each running its share as one
  batch through `sim.run.simulate` (so any speed-up of the model carries over);
- an update comes in waves: the first wave's size is chosen at startup from the measured
  speed so that it fits the time budget (`--first auto`, the default), so a faster model
  puts more replicates into the first picture; each later wave doubles the replicates
  drawn, and the bands narrow on the page as they come in;
- every run carries a generation number; a newer change bumps it and the stale run stops
  at its next simulated month (checked in `on_month`) instead of queueing;
- progress is counted in replicate-months in shared memory and read by the page.
"""
from __future__ import annotations

import collections
import dataclasses
import json
import threading
import time
from typing import Any, Sequence

from app.places import DEFAULT_PLACE, PLACES
from app.workers import Cancelled, RunFailed, first_line, worker_init, worker_pid, worker_run

SLOTS = 64                      # concurrent page sessions that can cancel their own runs
NEVER = SLOTS                   # the generation slot of shared baseline runs (never cancelled)
BATCH_SLOPE = 0.15              # at least this much longer per extra replicate in a batch (measured)


@dataclasses.dataclass
class Frames:
    """Results of one scenario over a seed set (the same shape as sim.run.RunResult)."""

    timeseries: Any
    milestones: Any
    network: Any
    organisations: Any

    @staticmethod
    def concat(parts: Sequence["Frames"]) -> "Frames":
        import pandas as pd

        def cat(attr):
            df = pd.concat([getattr(p, attr) for p in parts], ignore_index=True)
            return df.sort_values([c for c in ("seed", "month", "year", "milestone", "group", "source", "target")
                                   if c in df.columns], kind="stable").reset_index(drop=True)

        return Frames(cat("timeseries"), cat("milestones"), cat("network"), parts[0].organisations)

    def split(self) -> dict[int, "Frames"]:
        """{seed: Frames of that seed alone}."""
        ts, ms, net = (dict(tuple(df.groupby("seed", sort=False))) for df in
                       (self.timeseries, self.milestones, self.network))
        return {int(s): Frames(ts[s], ms[s], net.get(s, self.network.iloc[:0]), self.organisations)
                for s in ts}


@dataclasses.dataclass
class LiveResult:
    place: str
    interventions: dict
    seeds: list[int]         # the replicates in this result (a prefix of the full set while refining)
    months: int
    start_year: int
    baseline: Frames
    scenario: Frames
    seconds: float           # wall time from submit to this result (0 when served from cache)
    cached: bool
    complete: bool = True    # False for the first waves of a run that is still refining


def _key(interventions: dict) -> str:
    return json.dumps(interventions, sort_keys=True, default=str)


class Job:
    """One requested update of a page, in waves of replicates: the first wave (a few
    replicates per worker) is drawn as soon as it is done, later waves refine the bands.

    Baseline parts are shared and never cancelled (every later update of the place needs
    them); the scenario parts stop when the page's generation moves on."""

    def __init__(self, engine: "LiveEngine", slot: int, gen: int, place: str, interventions: dict,
                 waves: list[list[int]], months: int):
        self.engine, self.slot, self.gen = engine, slot, gen
        self.place, self.interventions, self.months = place, interventions, months
        self.waves = waves
        self.seeds = [s for w in waves for s in w]
        self.t0 = time.perf_counter()
        self.baseline_parts: list[list[Any]] = [[] for _ in waves]     # shared futures per wave
        self.parts: list[list[Any]] = [[] for _ in waves]              # this job's futures per wave
        self.total = 0
        self.result: LiveResult | None = None                          # the full result
        self.partial: LiveResult | None = None                         # the latest finished waves
        self.waves_done = 0
        self.error: str | None = None
        self.cancelled = False
        self._scen: list[Frames] = []

    @property
    def finished(self) -> bool:
        """Whether nothing more will come (checks, and collects finished waves)."""
        if self.result is not None or self.error is not None or self.cancelled:
            return True
        while self.waves_done < len(self.waves):
            w = self.waves_done
            if not all(f.done() for f in self.baseline_parts[w] + self.parts[w]):
                return False
            if not self._collect(w):
                return True
            self.waves_done += 1
        return True

    def progress(self) -> float:
        if self.total == 0:
            return 1.0
        return max(0.0, min(1.0, self.engine.progress[self.slot] / self.total))

    def cancel(self) -> None:
        """Stop this job's scenario parts (a running one stops at its next month)."""
        self.cancelled = True
        for wave in self.parts:
            for f in wave:
                f.cancel()

    def _collect(self, w: int) -> bool:
        from concurrent.futures.process import BrokenProcessPool

        try:
            for fut in self.baseline_parts[w]:
                fut.result()
                self.engine._baseline_done(self.place, self.months, fut)   # idempotent
            for fut in self.parts[w]:
                out = fut.result()
                self.engine.note_speed(len(set(out["timeseries"]["seed"])), self.months, out["seconds"])
                self._scen.append(Frames(out["timeseries"], out["milestones"], out["network"],
                                         out["organisations"]))
        except Cancelled:
            self.cancelled = True
            return False
        except BrokenProcessPool:
            self.engine.restart_pool()
            self.error = ("the run failed: a worker process stopped unexpectedly; "
                          "the workers were restarted, change a control to try again")
            return False
        except Exception as exc:  # noqa: BLE001  the page shows one line and keeps the last picture
            self.error = "the run failed: " + first_line(exc)
            return False
        seeds = [s for wave in self.waves[:w + 1] for s in wave]
        base = self.engine.cached_baseline(self.place, self.months, seeds)
        if base is None:
            self.error = "the run failed: the baseline did not finish; change a control to try again"
            return False
        scenario = Frames.concat(self._scen) if self._scen else base
        complete = w == len(self.waves) - 1
        res = LiveResult(self.place, self.interventions, seeds, self.months, self.engine.start_year,
                         base, scenario, time.perf_counter() - self.t0, cached=False, complete=complete)
        self.partial = res
        if complete:
            self.result = res
            self.engine.store_scenario(res)
        return True


class LiveEngine:
    """Worker pool, caches and cancellation for the page's live runs.

    replicates: paired replicates per scenario once refined (default 8);
    first: replicates per worker in the first wave, drawn first (None: chosen at startup
        from the measured speed so that the first wave fits `budget` seconds).
    """

    def __init__(self, years: int = 20, replicates: int = 8, first: int | None = None, seed: int = 0,
                 workers: int = 2, start_year: int = 2016, budget: float = 1.5, calibrated: str = "none"):
        import multiprocessing as mp

        self.calibrated = calibrated        # configs/calibrated/<name>: parameter sets drawn by seed
        self.years, self.months, self.seed = years, 12 * years, seed
        self.workers, self.start_year, self.budget = max(1, workers), start_year, budget
        self.replicates = max(1, replicates)
        self.first = first
        self._ctx = mp.get_context("spawn")
        self.generations = self._ctx.Array("q", SLOTS + 1, lock=False)
        self.progress = self._ctx.Array("q", SLOTS)
        self._pool = None
        self._lock = threading.Lock()
        self._store_lock = threading.Lock()
        self._free_slots = list(range(SLOTS))
        self._resolved: dict[str, Any] = {}
        self._baseline: dict[tuple[str, int, int], Frames] = {}
        self._inflight: dict[tuple[str, int, int], Any] = {}
        self._scenarios: collections.OrderedDict[tuple, LiveResult] = collections.OrderedDict()
        self.speed: list[tuple[int, int, float]] = []       # (replicates, months, seconds) per part
        self.worker_pids: list[int] = []
        self._warm = None

    # pool ----------------------------------------------------------------------------
    def _new_pool(self):
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=worker_init,
                                   initargs=(self.generations, self.progress, self._warm))

    @property
    def pool(self):
        with self._lock:
            if self._pool is None:
                self._pool = self._new_pool()
            return self._pool

    def restart_pool(self) -> None:
        with self._lock:
            old, self._pool = self._pool, None
            self._inflight = {}
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        for s in range(SLOTS + 1):
            self.generations[s] += 1
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # places --------------------------------------------------------------------------
    def resolve(self, place: str):
        """(PlaceParams, ModelParams, england table, config) of a place preset, composed
        once, with the engine's calibrated parameter sets (`calibrated`)."""
        if place not in self._resolved:
            from configs.compose import compose_run_config

            r = compose_run_config([f"place={place}", f"seed={self.seed}", f"run.years={self.years}",
                                    f"run.start_year={self.start_year}", f"calibrated={self.calibrated}"])
            self._resolved[place] = (r.place, r.model, r.england, r.config)
        return self._resolved[place]

    def groups(self, place: str, seeds: list[int]) -> list:
        """(place, model, seeds) per calibrated parameter set the seeds draw (one group with
        the registry's values when calibrated=none), as run, compare and sweep group them."""
        from configs.compose import replicate_groups

        return replicate_groups(self.resolve(place)[3], seeds)

    def bands_include(self, place: str) -> str:
        """What the page's ranges include: chance, or chance and parameter uncertainty."""
        from analysis.calibration import band_sources

        return band_sources(self.calibrated, len(self.resolve(place)[3].calibrated.sets))

    def population(self, place: str) -> int:
        return int(self.resolve(place)[0].population)

    def waves_for(self, place: str) -> list[list[int]]:
        """The replicate seeds in waves: the first wave `first` per worker (fewer for a
        bigger place), then waves that double the replicates drawn, so that the page
        shows the ranges narrowing (and says "still uncertain" until they settle)."""
        seeds = [self.seed + i for i in range(self.replicates)]
        per = self.first or 1
        ratio = self.population(DEFAULT_PLACE) / max(self.population(place), 1)
        per = max(1, int(per * min(1.0, ratio)))
        waves, done = [], 0
        size = per * self.workers
        while done < len(seeds):
            waves.append(seeds[done:done + size])
            done += size
            size = done                       # the next wave doubles what is drawn
        return waves

    # sessions ------------------------------------------------------------------------
    def acquire_slot(self) -> int:
        with self._lock:
            if not self._free_slots:
                raise RuntimeError(f"more than {SLOTS} pages open at once")
            return self._free_slots.pop(0)

    def release_slot(self, slot: int) -> None:
        self.generations[slot] += 1          # stop whatever that page had running
        with self._lock:
            self._free_slots.append(slot)

    # caches --------------------------------------------------------------------------
    def store_baseline(self, place: str, months: int, frames: Frames) -> None:
        for seed, one in frames.split().items():
            self._baseline[(place, months, seed)] = one

    def cached_baseline(self, place: str, months: int, seeds: list[int]) -> Frames | None:
        parts = [self._baseline.get((place, months, s)) for s in seeds]
        return None if any(p is None for p in parts) else Frames.concat(parts)

    def store_scenario(self, result: LiveResult) -> None:
        key = (result.place, result.months, tuple(result.seeds), _key(result.interventions))
        self._scenarios[key] = result
        self._scenarios.move_to_end(key)
        while len(self._scenarios) > 32:
            self._scenarios.popitem(last=False)

    def note_speed(self, replicates: int, months: int, seconds: float) -> None:
        self.speed.append((replicates, months, seconds))
        del self.speed[:-50]

    def _baseline_done(self, place: str, months: int, fut) -> None:
        """Cache a finished baseline part (from its done-callback or a job, once)."""
        if fut.cancelled() or fut.exception() is not None:
            return
        with self._store_lock:
            if getattr(fut, "_placesim_stored", False):
                return
            out = fut.result()
            self.note_speed(len(set(out["timeseries"]["seed"])), months, out["seconds"])
            self.store_baseline(place, months, Frames(out["timeseries"], out["milestones"], out["network"],
                                                      out["organisations"]))
            fut._placesim_stored = True

    # running -------------------------------------------------------------------------
    def _chunks(self, seeds: list[int]) -> list[list[int]]:
        n = min(self.workers, len(seeds))
        return [seeds[i::n] for i in range(n)]

    def submit(self, slot: int, place: str, interventions: dict) -> Job:
        """Start an update for a page; the page's previous run is cancelled first. A pool
        whose worker died while idle is replaced once."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self._submit(slot, place, interventions)
        except BrokenProcessPool:
            self.restart_pool()
            return self._submit(slot, place, interventions)

    def _submit(self, slot: int, place: str, interventions: dict) -> Job:
        gen = self.generations[slot] + 1
        self.generations[slot] = gen
        with self.progress.get_lock():
            self.progress[slot] = 0
        waves = self.waves_for(place)
        job = Job(self, slot, gen, place, interventions, waves, self.months)
        key = (place, self.months, tuple(job.seeds), _key(interventions))
        hit = self._scenarios.get(key)
        if hit is not None and self.cached_baseline(place, self.months, job.seeds) is not None:
            job.result = job.partial = dataclasses.replace(hit, seconds=0.0, cached=True)
            job.waves_done = len(waves)
            return job
        e = self.resolve(place)[2]
        pool = self.pool
        with self._lock:
            self._inflight = {k: f for k, f in self._inflight.items() if not f.done()}
        for w, wave in enumerate(waves):
            # Baseline seeds neither cached nor already running: shared parts, one per worker.
            wanted = [s for s in wave if (place, self.months, s) not in self._baseline]
            missing = [s for s in wanted if (place, self.months, s) not in self._inflight]
            for chunk in self._chunks(missing):
                fut = pool.submit(worker_run, NEVER, 0, slot, self.groups(place, chunk), e, {}, self.months,
                                  self.start_year)
                fut.add_done_callback(lambda f, pl=place, mo=self.months: self._baseline_done(pl, mo, f))
                for s in chunk:
                    self._inflight[(place, self.months, s)] = fut
                job.total += len(chunk) * self.months
            futs = {id(f): f for f in (self._inflight.get((place, self.months, s)) for s in wanted) if f is not None}
            job.baseline_parts[w] = list(futs.values())
            if interventions:
                for chunk in self._chunks(wave):
                    job.parts[w].append(pool.submit(worker_run, slot, gen, slot, self.groups(place, chunk), e,
                                                    interventions, self.months, self.start_year))
                    job.total += len(chunk) * self.months
        return job

    def run_blocking(self, slot: int, place: str, interventions: dict, timeout: float = 600) -> LiveResult:
        """Submit and wait for the whole run (startup and tests)."""
        job = self.submit(slot, place, interventions)
        deadline = time.monotonic() + timeout
        while not job.finished:
            if time.monotonic() > deadline:
                job.cancel()
                raise RunFailed("the run timed out")
            time.sleep(0.02)
        if job.error:
            raise RunFailed(job.error)
        if job.cancelled:
            raise RunFailed("the run was cancelled")
        return job.result

    def warm_up(self, say=print, timeout: float = 300) -> None:
        """Resolve every place preset, start the workers and wait until each has loaded
        the model (its initializer runs 13 months with every intervention switched on)."""
        from app.controls import everything_on

        t0 = time.perf_counter()
        p, m, e, _ = self.resolve(DEFAULT_PLACE)
        self._warm = (p, m, e, everything_on(self.years))
        futs = [self.pool.submit(worker_pid) for _ in range(self.workers)]
        for place in PLACES:                       # composing while the workers start
            self.resolve(place)
        answers = {f.result(timeout=timeout) for f in futs}
        while len({p for p, _ in answers}) < self.workers and time.perf_counter() - t0 < timeout:
            answers |= {f.result(timeout=timeout) for f in [self.pool.submit(worker_pid) for _ in range(self.workers)]}
            time.sleep(0.05)
        errors = sorted({e for _, e in answers if e})
        if errors:
            raise RunFailed(f"the model did not start in a worker: {errors[0]}")
        self.worker_pids = sorted({p for p, _ in answers})
        say(f"  {self.workers} worker processes ready in {time.perf_counter() - t0:.1f} s")

    def calibrate(self, slot: int, say=print) -> None:
        """Compute the default place's baseline (first one replicate per worker, then the
        rest) and, unless fixed, choose the first wave's size from the measured times so
        that it fits the budget: the faster the model, the more replicates come first.

        Time of a part of q replicates in one batch: t1 x (1 + s (q - 1)), where t1 is the
        measured time of one replicate (with every worker busy, as in a real update) and s
        the measured extra share per replicate, at least BATCH_SLOPE (batches of 1, 2 and 4
        Pembury replicates took 1.2, 1.36 and 1.72 s on one core: s = 0.13 to 0.15)."""
        if self.first is not None:
            return
        self.first = 1
        t0 = time.perf_counter()
        self.run_blocking(slot, DEFAULT_PLACE, {})
        parts = [(r, sec) for r, mo, sec in self.speed if mo == self.months]
        one = max((sec for r, sec in parts if r == 1), default=time.perf_counter() - t0)
        slope = BATCH_SLOPE
        big = [(r, sec) for r, sec in parts if r > 1]
        if big:
            r2, s2 = max(big)
            slope = max(slope, (s2 / one - 1) / (r2 - 1))
        per = 1
        while 2 * per * self.workers <= self.replicates and one * (1 + slope * (2 * per - 1)) <= self.budget:
            per *= 2
        self.first = per
        say(f"  measured: one replicate x {self.years} years took {one:.2f} s per worker "
            f"(+{100 * slope:.0f}% per extra replicate in a batch); first picture from {per * self.workers} "
            f"of {self.replicates} replicates ({per} per worker; budget {self.budget:.1f} s)")
