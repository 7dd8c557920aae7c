"""`placesim app`: the strategy-session page, a live "what if" in a browser.

This module is the verb (argument parsing, startup, serving) and the live engine that
runs the model for the page; the page itself (controls, charts) is `analysis.app`.
Nothing heavy is imported at module level, so `placesim app --help` is instant and the
worker processes (which import this module) start light.

How the page answers within seconds (docs/app.md has the measurements):
- replicates run in a pool of worker processes (2 by default: one per core), started and
  warmed up (imports, compiled kernels) before the page is served;
- the baseline is computed once per place and seed set and cached seed by seed, so a
  change of a control runs only the scenario; scenario results are cached too (a room
  that goes back to an earlier setting gets it at once);
- the scenario's replicates are split across the workers, each running its share as one
  batch through `sim.run.simulate` (so any speed-up of the model carries over);
- the number of live replicates is chosen at startup from the measured speed so that one
  update fits the time budget (`--replicates auto`, the default): a faster model gets
  more replicates and narrower bands automatically;
- every run carries a generation number; a newer change bumps it and the stale run stops
  at its next simulated month (checked in `on_month`) instead of queueing;
- progress is counted in replicate-months in shared memory and read by the page.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import sys
import threading
import time
from typing import Any, Sequence

DEFAULT_PLACE = "pembury"
PLACES = ("pembury", "wallsend", "smallshaw_hurst", "synthetic", "england_average")
SLOTS = 64                      # concurrent page sessions that can cancel their own runs
NEVER = SLOTS                   # the generation slot of shared baseline runs (never cancelled)
MAX_REPLICATES = 16


class Cancelled(Exception):
    """Raised inside a worker when a newer change has made its run stale."""


class RunFailed(Exception):
    """A run that did not finish; the message is one line for the page."""


# -- worker side ------------------------------------------------------------------------

_W: dict[str, Any] = {}


def _worker_init(generations, progress) -> None:
    import logging

    logging.getLogger("MESA").setLevel(logging.WARNING)
    _W["gen"], _W["progress"] = generations, progress
    import sim.run  # noqa: F401  (import and load compiled kernels before the first job)


def _worker_warm(place, model, england) -> int:
    """Compile/load the model's kernels in this worker (a few months of one replicate)."""
    import os

    from sim.run import simulate

    simulate(place, model, england, [0], 2)
    return os.getpid()


def _worker_run(slot: int, gen: int, progress_slot: int, place, model, england, interventions: dict,
                seeds: list[int], months: int, start_year: int) -> dict:
    """One share of a run: `seeds` of one scenario, as one batch. Returns tidy frames.

    The run stops (Cancelled) as soon as generation `slot` moves past `gen`; months done
    are added to progress counter `progress_slot`."""
    from experiments.config import ScenarioSpec, build_interventions
    from sim.run import simulate

    generations, progress = _W["gen"], _W["progress"]
    if generations[slot] != gen:
        raise Cancelled()
    spec = ScenarioSpec(name="live", description="", interventions=interventions)
    build_interventions(spec)                       # a bad scenario fails here, in one line

    def on_month(n: int) -> None:
        with progress.get_lock():
            progress[progress_slot] += n
        if generations[slot] != gen:
            raise Cancelled()

    t0 = time.perf_counter()
    res = simulate(place, model, england, seeds, months,
                   interventions=lambda: build_interventions(spec), batch_size=max(1, len(seeds)),
                   start_year=start_year, on_month=on_month, network_every=12)
    return {"timeseries": res.timeseries, "milestones": res.milestones, "network": res.network,
            "organisations": res.organisations, "seconds": time.perf_counter() - t0}


# -- main side ---------------------------------------------------------------------------

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
    seeds: list[int]
    months: int
    start_year: int
    baseline: Frames
    scenario: Frames
    seconds: float           # wall time from submit to result (0 when served from cache)
    cached: bool


def _key(interventions: dict) -> str:
    return json.dumps(interventions, sort_keys=True, default=str)


class Job:
    """One requested update of a page: the baseline parts it waits for (shared, never
    cancelled: every later update of that place needs them) and its scenario parts."""

    def __init__(self, engine: "LiveEngine", slot: int, gen: int, place: str, interventions: dict,
                 seeds: list[int], months: int):
        self.engine, self.slot, self.gen = engine, slot, gen
        self.place, self.interventions, self.seeds, self.months = place, interventions, seeds, months
        self.t0 = time.perf_counter()
        self.baseline_parts: list[Any] = []                  # futures (shared)
        self.parts: list[Any] = []                           # this job's scenario futures
        self.total = 0
        self.result: LiveResult | None = None
        self.error: str | None = None
        self.cancelled = False

    @property
    def finished(self) -> bool:
        if self.result is not None or self.error is not None or self.cancelled:
            return True
        if all(f.done() for f in self.baseline_parts + self.parts):
            self._collect()
            return True
        return False

    def progress(self) -> float:
        if self.total == 0:
            return 1.0
        return max(0.0, min(1.0, self.engine.progress[self.slot] / self.total))

    def cancel(self) -> None:
        """Stop this job's scenario parts (the running ones stop at their next month)."""
        self.cancelled = True
        for f in self.parts:
            f.cancel()

    def _collect(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        scen_parts = []
        try:
            for fut in self.baseline_parts:
                fut.result()
                self.engine._baseline_done(self.place, self.months, fut)   # idempotent
            for fut in self.parts:
                out = fut.result()
                self.engine.note_speed(len(set(out["timeseries"]["seed"])), self.months, out["seconds"])
                scen_parts.append(Frames(out["timeseries"], out["milestones"], out["network"],
                                         out["organisations"]))
        except Cancelled:
            self.cancelled = True
            return
        except BrokenProcessPool:
            self.engine.restart_pool()
            self.error = ("the run failed: a worker process stopped unexpectedly; "
                          "the workers were restarted, change a control to try again")
            return
        except Exception as exc:  # noqa: BLE001  the page shows one line and keeps the last picture
            self.error = "the run failed: " + one_line(exc)
            return
        base = self.engine.cached_baseline(self.place, self.months, self.seeds)
        if base is None:
            self.error = "the run failed: the baseline did not finish; change a control to try again"
            return
        scenario = Frames.concat(scen_parts) if scen_parts else base
        self.result = LiveResult(self.place, self.interventions, self.seeds, self.months,
                                 self.engine.start_year, base, scenario,
                                 time.perf_counter() - self.t0, cached=False)
        self.engine.store_scenario(self.result)


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class LiveEngine:
    """Worker pool, caches and cancellation for the page's live runs."""

    def __init__(self, years: int = 20, replicates: int | None = None, seed: int = 0,
                 workers: int = 2, start_year: int = 2016, budget: float = 1.5):
        import multiprocessing as mp

        self.years, self.months, self.seed = years, 12 * years, seed
        self.workers, self.start_year, self.budget = max(1, workers), start_year, budget
        self.fixed_replicates = replicates
        self.replicates: dict[str, int] = {}
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

    # pool ----------------------------------------------------------------------------
    def _new_pool(self):
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_worker_init,
                                   initargs=(self.generations, self.progress))

    @property
    def pool(self):
        with self._lock:
            if self._pool is None:
                self._pool = self._new_pool()
            return self._pool

    def restart_pool(self) -> None:
        with self._lock:
            old, self._pool = self._pool, None
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
        """(PlaceParams, ModelParams, england table) of a place preset, composed once."""
        if place not in self._resolved:
            from experiments.config import compose_run_config

            r = compose_run_config([f"place={place}", f"seed={self.seed}", f"run.years={self.years}",
                                    f"run.start_year={self.start_year}"])
            self._resolved[place] = (r.place, r.model, r.england)
        return self._resolved[place]

    def population(self, place: str) -> int:
        return int(self.resolve(place)[0].population)

    def replicates_for(self, place: str) -> int:
        if self.fixed_replicates:
            return self.fixed_replicates
        if place not in self.replicates:
            base = self.replicates.get(DEFAULT_PLACE, 2 * self.workers)
            ratio = self.population(DEFAULT_PLACE) / max(self.population(place), 1)
            r = int(base * min(1.0, ratio) // self.workers) * self.workers
            self.replicates[place] = max(self.workers, r)
        return self.replicates[place]

    def seeds_for(self, place: str) -> list[int]:
        return [self.seed + i for i in range(self.replicates_for(place))]

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

    # running -------------------------------------------------------------------------
    def _chunks(self, seeds: list[int]) -> list[list[int]]:
        n = min(self.workers, len(seeds))
        return [seeds[i::n] for i in range(n)]

    def submit(self, slot: int, place: str, interventions: dict) -> Job:
        """Start an update for a page; the page's previous run is cancelled first."""
        gen = self.generations[slot] + 1
        self.generations[slot] = gen
        with self.progress.get_lock():
            self.progress[slot] = 0
        seeds = self.seeds_for(place)
        job = Job(self, slot, gen, place, interventions, seeds, self.months)
        key = (place, self.months, tuple(seeds), _key(interventions))
        hit = self._scenarios.get(key)
        if hit is not None and self.cached_baseline(place, self.months, seeds) is not None:
            job.result = dataclasses.replace(hit, seconds=0.0, cached=True)
            return job
        p, m, e = self.resolve(place)
        pool = self.pool
        # Baseline seeds neither cached nor already running: one shared part per worker.
        with self._lock:
            running = {s: f for s, f in self._inflight.items() if not f.done()}
            self._inflight = running
        wanted = [s for s in seeds if (place, self.months, s) not in self._baseline]
        missing = [s for s in wanted if (place, self.months, s) not in running]
        for chunk in self._chunks(missing):
            fut = pool.submit(_worker_run, NEVER, 0, slot, p, m, e, {}, chunk, self.months, self.start_year)
            fut.add_done_callback(lambda f, place=place, months=self.months: self._baseline_done(place, months, f))
            for s in chunk:
                self._inflight[(place, self.months, s)] = fut
            job.total += len(chunk) * self.months
        job.baseline_parts = list({id(f): f for f in (self._inflight[(place, self.months, s)] for s in wanted)}.values())
        if interventions:
            for chunk in self._chunks(seeds):
                job.parts.append(pool.submit(_worker_run, slot, gen, slot, p, m, e, interventions, chunk,
                                             self.months, self.start_year))
                job.total += len(chunk) * self.months
        return job

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

    def run_blocking(self, slot: int, place: str, interventions: dict, timeout: float = 600) -> LiveResult:
        """Submit and wait (startup and tests)."""
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

    def warm_up(self, say=print) -> None:
        """Start the workers, load the model in each, resolve every place preset."""
        t0 = time.perf_counter()
        p, m, e = self.resolve(DEFAULT_PLACE)
        futs = [self.pool.submit(_worker_warm, p, m, e) for _ in range(self.workers)]
        for place in PLACES:                       # composing is quicker while the workers start
            self.resolve(place)
        self.worker_pids = sorted({f.result() for f in futs})
        say(f"  {self.workers} worker processes ready in {time.perf_counter() - t0:.1f} s")

    def calibrate(self, slot: int, say=print) -> int:
        """Choose the live replicates so that one update of the default place fits the budget.

        Runs the baseline of the default place with 2 replicates per worker (which it
        keeps), then grows the count while the measured time says it still fits."""
        if self.fixed_replicates:
            self.replicates[DEFAULT_PLACE] = self.fixed_replicates
            return self.fixed_replicates
        per = 2
        self.replicates[DEFAULT_PLACE] = per * self.workers
        self.run_blocking(slot, DEFAULT_PLACE, {})
        part = max(s for r, _, s in self.speed[-self.workers:])
        # Conservative: time assumed to grow in proportion to replicates per batch
        # (batches grow sublinearly in practice).
        while per * 2 * self.workers <= MAX_REPLICATES and part * 2 <= self.budget:
            per *= 2
            part *= 2
        if part > self.budget and per > 1:
            per = 1
        self.replicates[DEFAULT_PLACE] = per * self.workers
        say(f"  live view: {per * self.workers} replicates x {self.years} years per scenario "
            f"(a batch of {per} per worker took {max(s for r, _, s in self.speed[-self.workers:]):.2f} s "
            f"for 2; budget {self.budget:.1f} s)")
        return per * self.workers


# -- the verb ------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="placesim app",
        description="The strategy-session page: a local web page with sliders for what a room argues "
                    "about (core team, pilots, data, local voice, governance teeth, shocks); each change "
                    "runs paired replicates against the baseline in the background and redraws the "
                    "outcomes, the difference to baseline, the organisation network, the system "
                    "indicators and the cost. Works with no network; serves only on this machine.")
    p.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006; 0 picks a free one)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: only this machine can connect)")
    p.add_argument("--no-show", action="store_true", help="do not open a browser window")
    p.add_argument("--place", default=DEFAULT_PLACE, choices=PLACES, help="place the page opens with")
    p.add_argument("--years", type=int, default=20, help="years simulated in the live view (default 20)")
    p.add_argument("--replicates", default="auto",
                   help="replicates per scenario in the live view: a number, or 'auto' (default) to fit "
                        "the time budget on this machine")
    p.add_argument("--budget", type=float, default=1.5,
                   help="seconds of simulation one update may take when choosing replicates (default 1.5)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first replicate (default 0)")
    p.add_argument("--scenario-dir", default=None,
                   help="where 'Save this scenario' writes (default: configs/scenario, so that "
                        "`placesim run scenario=NAME` and `placesim compare` find it by name)")
    p.add_argument("--runs-dir", default="outputs",
                   help="folder searched for compare folders to open (default: outputs)")
    return p


def _check(args) -> str | None:
    if not (0 <= args.port <= 65535):
        return f"--port={args.port}: allowed [0, 65535]"
    if not (1 <= args.years <= 30):
        return f"--years={args.years}: allowed [1, 30] (years)"
    if args.replicates != "auto":
        try:
            n = int(args.replicates)
        except ValueError:
            return f"--replicates={args.replicates}: expected a number or 'auto'"
        if not (1 <= n <= 64):
            return f"--replicates={n}: allowed [1, 64]"
    if not (1 <= args.workers <= 16):
        return f"--workers={args.workers}: allowed [1, 16]"
    if not (0.1 <= args.budget <= 60):
        return f"--budget={args.budget}: allowed [0.1, 60] (seconds)"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    problem = _check(args)
    if problem:
        print(f"placesim app: error: {problem}", file=sys.stderr)
        return 2
    if args.address not in ("127.0.0.1", "localhost", "::1"):
        print(f"placesim app: note: listening on {args.address}; anyone who can reach it can use the page",
              file=sys.stderr)
    import logging
    import os

    logging.getLogger("MESA").setLevel(logging.WARNING)
    os.environ.setdefault("BOKEH_RESOURCES", "server")        # every script from this server
    say = lambda text: print(text, flush=True)  # noqa: E731
    say(f"placesim app: starting ({args.workers} workers, {args.years} years)")
    engine = LiveEngine(years=args.years, replicates=None if args.replicates == "auto" else int(args.replicates),
                        seed=args.seed, workers=args.workers, budget=args.budget)
    try:
        engine.warm_up(say)
        slot = engine.acquire_slot()
        engine.calibrate(slot, say) if args.place == DEFAULT_PLACE else None
        from analysis.app.controls import Choices, interventions_for

        t0 = time.perf_counter()
        engine.run_blocking(slot, args.place, {})
        default = interventions_for(Choices(place=args.place), args.years)
        engine.run_blocking(slot, args.place, default)
        engine.release_slot(slot)
        say(f"  baseline and the default scenario for {args.place}: "
            f"{engine.replicates_for(args.place)} replicates in {time.perf_counter() - t0:.1f} s")
        from analysis.app.page import serve

        return serve(engine, args, say)
    except KeyboardInterrupt:
        return 130
    finally:
        engine.shutdown()


if __name__ == "__main__":
    sys.exit(main())
