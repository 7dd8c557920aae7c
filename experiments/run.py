"""`placesim run`: replicates of one place (and scenario) -> a run folder.

The folder (analysis.results.write_run) holds manifest.json, config.yaml (the resolved
config), timeseries.parquet, milestones.parquet, network.parquet, organisations.parquet
and plots/*.png (docs/results.md documents every column).
"""
from __future__ import annotations

import logging
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from experiments.hydra_entry import launch, start_task
from experiments.memory import release_freed_memory
from sim.outcomes import EDUCATION_MILESTONES, KEY_SERIES, OUTCOMES, SYSTEM_AREAS

log = logging.getLogger("placesim")

@dataclass
class NoBar:
    """The progress bar where none is shown (it counts, like tqdm's `n`): a disabled tqdm
    would still create its multiprocessing lock, which starts multiprocessing's resource
    tracker (a second Python, about 0.1 s of CPU)."""

    total: int
    unit: str = "replicate-month"
    n: int = 0

    def __enter__(self) -> "NoBar":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int = 1) -> None:
        self.n += n


def progress_bar(total: int, desc: str):
    """tqdm with count, rate and ETA; none under CI=true or when not on a terminal."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") or not sys.stderr.isatty():
        return NoBar(total)
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="replicate-month", smoothing=0.1)


def execute(resolved, out: Path, interventions=None, label: str = "baseline", config_yaml: str | None = None) -> dict:
    """Run the replicates of a resolved config and write the run folder; returns paths.
    `config_yaml` is the resolved config as written to config.yaml, if the caller has it."""
    from omegaconf import OmegaConf

    from analysis.results import write_run
    from configs.compose import replicate_groups
    from sim.run import simulate_groups

    cfg = resolved.config
    if config_yaml is None:
        config_yaml = OmegaConf.to_yaml(OmegaConf.structured(cfg))
    months = 12 * cfg.run.years
    plotter = Plotter.start(out, cfg) if cfg.run.plots else None
    try:
        with progress_bar(months * len(resolved.seeds), f"{cfg.place.name} / {label}") as bar:
            result = simulate_groups(replicate_groups(cfg, resolved.seeds), resolved.england, months,
                              interventions=interventions, batch_size=cfg.run.batch_size,
                              start_year=cfg.run.start_year, on_month=bar.update)
        if plotter is not None:
            plotter.send(result)
        write_run(out, result, config_yaml, place=cfg.place.name,
                  scenario=label, seeds=resolved.seeds, months=months, start_year=cfg.run.start_year)
    finally:
        drawn = plotter is not None and plotter.finish()
    if cfg.run.plots and not drawn:
        plot_run(out, result, cfg)
    return {"result": result}


@dataclass
class Plotter:
    """A forked process that draws a run's figures: it imports matplotlib (about 0.3 s)
    while the parent simulates, takes the result through a pipe, and draws while the
    parent writes the tables. Where fork is missing or the process fails, `finish` says
    so and the parent draws the figures itself."""

    pid: int
    pipe: int                        # the write end; closing it without a result ends the child

    @classmethod
    def start(cls, out: Path, cfg) -> "Plotter | None":
        if not hasattr(os, "fork"):
            return None
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:                 # the child: never returns
            code = 1
            try:
                os.close(write)
                import analysis.plots  # noqa: F401  (while the parent simulates)
                with os.fdopen(read, "rb") as pipe:
                    result = pickle.load(pipe)
                plot_run(out, result, cfg)
                code = 0
            finally:
                os._exit(code)
        os.close(read)
        return cls(pid, write)

    def send(self, result) -> None:
        try:
            with os.fdopen(self.pipe, "wb") as pipe:
                pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:              # the child has gone (BrokenPipeError): finish() says so
            pass
        self.pipe = -1

    def finish(self) -> bool:
        """Wait for the child; True when it drew every figure."""
        if self.pipe >= 0:           # no result was sent (the run failed): let the child end
            os.close(self.pipe)
            self.pipe = -1
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1]) == 0


def plot_run(out: Path, result, cfg) -> None:
    from analysis.plots import MEDIAN_AND_BAND, milestones_over_time, network_picture, save, timeseries_panels
    from configs.evidence import england_milestone_reference

    place = cfg.place.name
    net = result.network
    first = int(result.timeseries["seed"].iloc[0])
    months = [int(net["month"].min()), int(result.timeseries["month"].max())]
    figures = [                # in pairs of about equal drawing time (draw_in_two_processes)
        (lambda: timeseries_panels(result.timeseries, KEY_SERIES, title=f"{place}: outcomes over time"),
         "outcomes.png"),
        (lambda: network_picture(net, result.organisations, first, months, cfg.run.start_year,
                                 title=f"{place}: organisation network, replicate seed {first}"),
         "network.png"),
        (lambda: milestones_over_time(result.milestones, england_milestone_reference(),
                                      title=f"{place}: children reaching each milestone ({MEDIAN_AND_BAND})"),
         "milestones.png"),
        (lambda: timeseries_panels(result.timeseries, SYSTEM_AREAS,
                                   title=f"{place}: system outcomes (seed 003's six areas)"),
         "system.png"),
    ]
    draw_in_two_processes([(lambda draw=draw, name=name: save(draw(), out / "plots" / name))
                           for draw, name in figures])


def draw_in_two_processes(jobs: list) -> None:
    """Run the figure-drawing jobs, the first half of them in a forked child: drawing is
    the last part of a short run, and otherwise single-threaded. Where fork is missing or
    the child fails, the parent draws everything left."""
    half = len(jobs) // 2
    child = os.fork() if hasattr(os, "fork") and half else -1
    if child == 0:                           # the child: the first half, then leave at once
        code = 1
        try:
            for job in jobs[:half]:
                job()
            code = 0
        finally:
            os._exit(code)
    for job in jobs[half:]:
        job()
    if child < 0 or os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0:
        for job in jobs[:half]:
            job()


def summary_lines(result) -> list[str]:
    from analysis.report.formatting import rounded
    from analysis.summarise import milestone_table
    from sim.outcomes import REPLICATE_BAND

    table = milestone_table(result.milestones)
    n = int(table["replicates"].max()) if len(table) else 0
    lines = [f"Share of children reaching each milestone over the run: median ({REPLICATE_BAND.wording}, "
             f"{n} replicate{'' if n == 1 else 's'}):"]
    for name in EDUCATION_MILESTONES:
        title = OUTCOMES[name].short_label
        row = table[(table["milestone"] == name) & (table["group"] == "all")]
        need = table[(table["milestone"] == name) & (table["group"] == "in_need")]
        if row.empty:
            continue
        r = row.iloc[0]
        mid, low, high = rounded(r["median"], r["low"], r["high"], signed=False, scale=100, most=1)
        text = f"  {title:<45} {mid}% ({low} to {high}%)"
        if not need.empty and need.iloc[0]["replicates"] > 0:
            n_mid = rounded(*need.iloc[0][["median", "low", "high"]], signed=False, scale=100, most=1)[0]
            text += f"   in need: {n_mid}%"
        lines.append(text)
    return lines


def task(cfg) -> None:
    from omegaconf import OmegaConf

    from analysis.results import run_is_current

    resolved, out = start_task("run", cfg)
    config_yaml = OmegaConf.to_yaml(OmegaConf.structured(resolved.config))
    if run_is_current(out, config_yaml):
        print(f"Already done (same config): {out}")
        return
    done = execute(resolved, out, interventions=resolved.interventions, label=resolved.config.scenario.name,
                   config_yaml=config_yaml)
    for line in summary_lines(done["result"]):
        print(line)
    print(f"Results written to {out}")
    del done
    release_freed_memory()          # a multirun worker runs many of these in turn


def main(argv: list[str]) -> int:
    return launch("run", argv, task)
