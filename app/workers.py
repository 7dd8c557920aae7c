"""What runs inside the engine's worker processes: one share of a live run at a time.

Workers are spawned processes that import only this module until their first job, so
they start light; the model is loaded (every compiled kernel, each intervention) by
`worker_init` before the first job. A run stops (Cancelled) at its next simulated month
once its page has asked for something newer.
"""
from __future__ import annotations

import time
from typing import Any

WORKER_NICE = 5                 # workers yield the CPU to the page's server and the browser


class Cancelled(Exception):
    """Raised inside a worker when a newer change has made its run stale."""


class RunFailed(Exception):
    """A run that did not finish; the message is one line for the page."""


_WORKER: dict[str, Any] = {}      # this worker's shared counters, and why its model did not start


def worker_init(generations, progress, warm: tuple | None = None) -> None:
    """Set up a worker: shared counters, quiet Mesa, and the model's every code path
    loaded (compiled kernels, each intervention, yearly events) before the first job."""
    import logging
    import os

    try:
        os.nice(WORKER_NICE)     # the page's own process (and the browser) come first: no freezing
    except (AttributeError, OSError):
        pass
    logging.getLogger("MESA").setLevel(logging.WARNING)
    _WORKER["gen"], _WORKER["progress"] = generations, progress
    if warm is not None:
        try:
            from configs.compose import ScenarioSpec, build_interventions
            from sim.run import simulate

            place, model, england, interventions = warm
            spec = ScenarioSpec(name="warm", description="", interventions=interventions)
            simulate(place, model, england, [0], 13, interventions=lambda: build_interventions(spec))
        except Exception as exc:  # noqa: BLE001  reported in one line by every job of this worker
            _WORKER["init_error"] = first_line(exc)


def worker_pid() -> tuple[int, str | None]:
    import os

    return os.getpid(), _WORKER.get("init_error")


def worker_run(slot: int, gen: int, progress_slot: int, groups: list, england, interventions: dict,
               months: int, start_year: int) -> dict:
    """One share of a run: the seeds of `groups` ((place, model, seeds) per calibrated
    parameter set in use; configs.compose.replicate_groups) of one scenario, each group as
    one batch. Returns tidy frames.

    The run stops (Cancelled) as soon as generation `slot` moves past `gen`; months done
    are added to progress counter `progress_slot`."""
    from configs.compose import ScenarioSpec, build_interventions
    from sim.run import simulate_groups

    generations, progress = _WORKER["gen"], _WORKER["progress"]
    if "init_error" in _WORKER:
        raise RunFailed(f"the model did not start in a worker: {_WORKER['init_error']}")
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
    seeds = [s for _, _, group in groups for s in group]
    res = simulate_groups(groups, england, months, interventions=lambda: build_interventions(spec),
                          batch_size=max(1, len(seeds)), start_year=start_year, on_month=on_month,
                          network_every=12)
    return {"timeseries": res.timeseries, "milestones": res.milestones, "network": res.network,
            "organisations": res.organisations, "seconds": time.perf_counter() - t0}


def first_line(exc: BaseException) -> str:
    """An exception as the page shows it: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
