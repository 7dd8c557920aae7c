"""One browser tab's state, and what happens when a control moves. No Panel here.

A change of any control clamps the choices into the registry's ranges, cancels the
tab's running update and submits a new one to the engine (app/engine.py). The layout
(app/layout.py) calls `poll` every 50 ms with its own drawing function: each time a wave
of replicates is done the charts are redrawn from one result (a first picture from a few
replicates, then narrower bands). A failed update keeps, or puts back, the last run that
worked, and leaves one line in `error`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from app.controls import Choices, clamp, interventions_for, save_scenario, scenario_yaml
from app.saved import SavedComparison, find_compare_folders, open_compare_folder

DEBUG = bool(os.environ.get("PLACESIM_APP_DEBUG"))      # timings of each redraw on stdout


def fingerprint(place: str, interventions: dict) -> str:
    """A short name of what a picture shows (the status line carries the drawn one and the
    one the controls ask for: the browser test checks they agree)."""
    text = json.dumps([place, interventions], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclasses.dataclass(frozen=True)
class Status:
    """What the status line says, and the numbers it carries for the browser test."""

    place: str
    replicates: int
    what: str
    drawn: str                 # fingerprint of the picture on the charts
    wanted: str                # fingerprint of what the controls ask for
    runs: int
    latency: float
    complete: float
    cancelled: int
    failed: int
    running: bool


class PageController:
    """The state of one tab: the choices, the update running, the picture drawn."""

    def __init__(self, engine, years: int, place: str, scenario_dir: str | None = None,
                 runs_dir: str = "outputs"):
        self.engine, self.years = engine, years
        self.scenario_dir, self.runs_dir = scenario_dir, runs_dir
        self.slot = engine.acquire_slot()
        self.choices = clamp(Choices(place=place), years)
        self.job = None
        self.changed_at = time.perf_counter()
        self.runs = 0
        self.cancelled = 0
        self.failed = 0
        self.last_latency = float("nan")
        self.last_complete = float("nan")
        self.first_latency_pending = False
        self.drawn = None              # the result on the charts
        self.last_good = None          # the last run that finished: what a failed run falls back to
        self.error: str | None = None  # one line while the charts show an older run than asked for
        self.running = False
        self.progress = 0.0
        self.closed = False
        self._io = ThreadPoolExecutor(1, thread_name_prefix="placesim-open")
        self._open_future = None

    # -- a control moved -----------------------------------------------------------------
    def choose(self, values: dict) -> tuple[Choices, bool]:
        """Some controls moved: (the choices clamped into range, whether clamping changed
        them, so the widgets must show the mended values); a new update is submitted."""
        raw = dataclasses.replace(self.choices, **values)
        self.choices = clamp(raw, self.years)
        self.submit()
        return self.choices, self.choices != raw

    def submit(self) -> None:
        """Cancel the running update (if any) and start one for the current choices."""
        c = self.choices
        if self.job is not None and not self.job.finished:
            self.job.cancel()
            self.cancelled += 1
        self.last_complete = float("nan")
        self.changed_at = time.perf_counter()
        self.first_latency_pending = True
        try:
            self.job = self.engine.submit(self.slot, c.place, interventions_for(c, self.years))
        except Exception as exc:  # noqa: BLE001
            self.job = None
            self._fail("the run could not start: " + str(exc).splitlines()[0])
            return
        if not self.job.finished:
            self.running, self.progress = True, 0.0

    def poll(self, draw: Callable) -> None:
        """Collect the waves that are done and `draw` the newest; when the update ends,
        keep the last run that worked if it failed."""
        job = self.job
        if self.closed or job is None:
            return
        done = job.finished                     # collects the waves that are done
        if job.partial is not None and job.partial is not self.drawn:
            t_draw = time.perf_counter()
            try:
                draw(job.partial)
            except Exception as exc:  # noqa: BLE001  keep the last good picture
                job.cancel()
                self.job = None
                self._fail("the charts could not be drawn: " + str(exc).splitlines()[0])
                return
            self.drawn = job.partial
            if DEBUG:
                print(f"[app] wave of {len(job.partial.seeds)} replicates collected at "
                      f"{t_draw - self.changed_at:.2f} s, drawn in {time.perf_counter() - t_draw:.3f} s", flush=True)
            if job.partial is job.result or self.first_latency_pending:
                now = time.perf_counter() - self.changed_at
                if self.first_latency_pending:
                    self.last_latency, self.first_latency_pending = now, False
                    self.runs += 1
                if job.partial.complete:
                    self.last_complete = now
            self.error = None
        if not done:
            self.progress = job.progress()
            return
        self.job = None
        self.running = False
        if job.error:
            # A failed run may have drawn its first waves already; the page promises the
            # last run that worked, so that goes back up.
            if self.last_good is not None and self.drawn is not self.last_good:
                draw(self.last_good)
                self.drawn = self.last_good
            self._fail(job.error)
            return
        if job.result is not None:
            self.last_good = job.result

    def _fail(self, message: str) -> None:
        self.failed += 1
        self.running = False
        self.error = message.splitlines()[0]

    def status(self) -> Status:
        r = self.drawn
        reps = len(r.seeds) if r else 0
        total = self.engine.replicates
        if self.running and r is not None and not r.complete and not self.first_latency_pending:
            what = f"First picture in {self.last_latency:.1f} s from {reps} of {total} runs; more coming in"
        elif self.running:
            what = "Working out your change..."
        elif r is not None and r.cached:
            what = "Shown at once: worked out earlier"
        elif math.isfinite(self.last_latency):
            what = (f"First picture in {self.last_latency:.1f} s, all {reps} runs in {self.last_complete:.1f} s"
                    if math.isfinite(self.last_complete) and reps == total else
                    f"Drawn in {self.last_latency:.1f} s")
        else:
            what = "Ready"
        wanted = self.choices
        return Status(place=r.place if r else self.choices.place, replicates=reps, what=what,
                      drawn=fingerprint(r.place, r.interventions) if r else "",
                      wanted=fingerprint(wanted.place, interventions_for(wanted, self.years)),
                      runs=self.runs, latency=self.last_latency, complete=self.last_complete,
                      cancelled=self.cancelled, failed=self.failed, running=self.running)

    # -- save and open -------------------------------------------------------------------
    def save(self, name: str, description: str) -> Path:
        """Write the choices as a scenario file (SaveError with one line if it cannot)."""
        return save_scenario(self.choices, self.years, name, description, self.scenario_dir)

    def scenario_text(self, name: str, description: str) -> str:
        return scenario_yaml(self.choices, self.years, name, description)

    def compare_folders(self) -> list[str]:
        return find_compare_folders(Path(self.runs_dir))

    def open_folder(self, folder: str) -> None:
        """Start reading a saved comparison in the background (`opened` collects it)."""
        self._open_future = self._io.submit(open_compare_folder, Path(folder))

    def opened(self) -> SavedComparison | None:
        """The saved comparison once read, else None; raises (one line) if it could not be read."""
        fut = self._open_future
        if fut is None or not fut.done():
            return None
        self._open_future = None
        return fut.result()

    def close(self) -> None:
        self.closed = True
        if self.job is not None:
            self.job.cancel()
        self.engine.release_slot(self.slot)
        self._io.shutdown(wait=False, cancel_futures=True)
