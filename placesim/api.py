"""`placesim.run` and `placesim.compare`: the command line's run and compare as Python calls.

Composition and validation are configs/compose.py's (`compose_run_config`), the refusal
of a place too big for the machine is experiments/hydra_entry.py's, and the work itself
is experiments/run.py's `execute` and experiments/compare.py's `run_compare` and
`write_summary`: a notebook and the command line cannot drift apart. Results come back
as tidy DataFrames; the files go to `folder` if one is given, else to a temporary folder
that is removed once the tables are read.
"""
from __future__ import annotations

import dataclasses
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from configs.compose import ConfigError


def _value(value: Any) -> str:
    """A Python value as a Hydra override's value (True -> true, [a, b] -> [a,b])."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_value(v) for v in value) + "]"
    return str(value)


def _overrides(named: Mapping[str, Any], overrides: Mapping[str, Any] | Iterable[str] | None) -> list[str]:
    """The keyword arguments given (None: the config's default) and any further
    overrides ({"model.ties.decay": 0.03} or ["model.ties.decay=0.03"]), as Hydra overrides."""
    out = [f"{key}={_value(v)}" for key, v in named.items() if v is not None]
    if isinstance(overrides, Mapping):
        out += [f"{key}={_value(v)}" for key, v in overrides.items()]
    elif overrides is not None:
        if isinstance(overrides, str):
            raise ConfigError(f"overrides={overrides!r}: expected a dict {{key: value}} or a list of 'key=value'")
        out += [str(o) for o in overrides]
    return out


def _resolve(overrides: list[str], folder: Path | None):
    """The typed config, refused in one line (ConfigError) as the command line refuses it."""
    from configs.compose import compose_run_config, plausibility_warnings
    from experiments.hydra_entry import memory_problem
    from sim.kernels.cache import prepare_kernels

    if folder is None and not any(o.lstrip("+").startswith("run.plots=") for o in overrides):
        overrides = [*overrides, "run.plots=false"]       # no one would see them
    resolved = compose_run_config(overrides)
    problem = memory_problem(resolved.config)
    if problem:
        raise ConfigError(problem)
    for note in plausibility_warnings(resolved.config):
        warnings.warn(note, stacklevel=3)
    prepare_kernels()                        # before any compiled kernel runs (as the command line)
    return resolved


class _Folder:
    """The folder results are written to: the caller's, or a temporary one removed on exit."""

    def __init__(self, folder):
        self.path = Path(folder) if folder is not None else None
        self._tmp = None

    def __enter__(self) -> Path:
        if self.path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="placesim_")
            return Path(self._tmp.name)
        self.path.mkdir(parents=True, exist_ok=True)
        return self.path

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


@dataclasses.dataclass
class RunResults:
    """One place and scenario over its replicates (sim.run.RunResult's tables; columns:
    docs/results.md). `folder` is where the files are, if a folder was given."""

    place: str
    scenario: str
    config: Any                        # configs.compose.Config, the typed config that ran
    timeseries: pd.DataFrame           # one row per replicate x month
    milestones: pd.DataFrame           # one row per replicate x year x milestone x group
    network: pd.DataFrame
    organisations: pd.DataFrame
    folder: Path | None = None

    def summary(self) -> pd.DataFrame:
        """Share of children reaching each milestone over the run: median, 90% interval
        over replicates (`low`, `high`) and replicates, per milestone and group."""
        from analysis.summarise import milestone_table

        return milestone_table(self.milestones)

    def __str__(self) -> str:
        from experiments.run import summary_lines

        return "\n".join([f"placesim run: {self.place} / {self.scenario}", *summary_lines(self)])

    def plot(self, kind: str = "milestones"):
        """A matplotlib Figure: 'milestones' (share reaching each, by year), 'outcomes'
        (the key time series) or 'system' (seed 003's six areas)."""
        from analysis.plots import MEDIAN_AND_BAND, milestones_over_time, timeseries_panels
        from configs.evidence import england_milestone_reference
        from sim.outcomes import KEY_SERIES, SYSTEM_AREAS

        if kind == "milestones":
            return milestones_over_time(self.milestones, england_milestone_reference(),
                                        title=f"{self.place}: children reaching each milestone ({MEDIAN_AND_BAND})")
        panels = {"outcomes": KEY_SERIES, "system": SYSTEM_AREAS}
        if kind not in panels:
            raise ConfigError(f"kind={kind!r}: choose from milestones, outcomes, system")
        return timeseries_panels(self.timeseries, panels[kind], title=f"{self.place}: {kind} over time")


def run(place: str | None = None, scenario: str | None = None, years: int | None = None,
        replicates: int | None = None, seed: int | None = None,
        overrides: Mapping[str, Any] | Iterable[str] | None = None, folder=None) -> RunResults:
    """`placesim run place=... scenario=... run.years=... run.replicates=... seed=...`.

    Arguments left as None take the config's default (configs/config.yaml); `overrides`
    sets any other key. Raises ConfigError (one line: key, value, what is allowed)."""
    from experiments.run import execute

    given = _overrides({"place": place, "scenario": scenario, "run.years": years,
                        "run.replicates": replicates, "seed": seed}, overrides)
    resolved = _resolve(given, folder)
    cfg = resolved.config
    with _Folder(folder) as out:
        result = execute(resolved, out, interventions=resolved.interventions, label=cfg.scenario.name)["result"]
    return RunResults(cfg.place.name, cfg.scenario.name, cfg, result.timeseries, result.milestones,
                      result.network, result.organisations, Path(folder) if folder is not None else None)


@dataclasses.dataclass
class CompareResults:
    """Scenarios against the baseline on the same seeds (paired). `summary` is the
    compare's summary.csv (one row per scenario x outcome x group; docs/results.md);
    `headlines` its education milestones for all children, with the honest-headline
    sentence in `headline`."""

    place: str
    scenarios: list[str]
    summary: pd.DataFrame
    timeseries: pd.DataFrame           # every scenario's, with a `scenario` column
    milestones: pd.DataFrame           # every scenario's, with a `scenario` column
    failed: dict[str, str]             # scenario -> one-line error, for any that failed
    folder: Path | None = None

    @property
    def headlines(self) -> pd.DataFrame:
        from sim.outcomes import EDUCATION_MILESTONES

        s = self.summary
        s = s[(s["group"] == "all") & s["outcome"].isin(EDUCATION_MILESTONES) & (s["scenario"] != "baseline")]
        order = {m: i for i, m in enumerate(EDUCATION_MILESTONES)}
        s = s.sort_values("outcome", key=lambda c: c.map(order), kind="stable")
        s = s.sort_values("scenario", key=lambda c: c.map({n: i for i, n in enumerate(self.scenarios)}), kind="stable")
        return s[["scenario", "outcome", "label", "extra_children", "extra_low", "extra_high", "replicates",
                  "distinguishable", "replicates_needed", "cost_per_extra_child_low", "cost_per_extra_child_high",
                  "total_cost", "headline"]].reset_index(drop=True)

    def __str__(self) -> str:
        from experiments.compare import headline_lines

        return "\n".join(headline_lines(self.summary))

    def _results(self) -> dict[str, dict[str, pd.DataFrame]]:
        return {name: {"timeseries": self.timeseries[self.timeseries["scenario"] == name].drop(columns="scenario"),
                       "milestones": self.milestones[self.milestones["scenario"] == name].drop(columns="scenario")}
                for name in self.scenarios}

    def plot(self, kind: str = "milestones"):
        """A matplotlib Figure: 'milestones' (share reaching each, by scenario),
        'difference' (paired difference to baseline by year) or 'cost' (cost against
        additional children)."""
        from analysis.compare import yearly_milestone_differences
        from analysis.plots import cost_effect, difference_over_time, scenario_milestones

        if kind == "milestones":
            return scenario_milestones(self._results(),
                                       title=f"{self.place}: children reaching each milestone by scenario")
        if kind == "difference":
            return difference_over_time(yearly_milestone_differences(self._results()),
                                        title=f"{self.place}: difference to baseline on the same seeds")
        if kind == "cost":
            return cost_effect(self.summary, title=f"{self.place}: cost against additional children")
        raise ConfigError(f"kind={kind!r}: choose from milestones, difference, cost")


def compare(place: str | None = None, scenarios: Iterable[str] | None = None, years: int | None = None,
            replicates: int | None = None, seed: int | None = None,
            overrides: Mapping[str, Any] | Iterable[str] | None = None, folder=None) -> CompareResults:
    """`placesim compare place=... 'scenarios=[...]' run.years=... run.replicates=...`:
    every scenario on the same seeds (the baseline is added if missing), summarised.

    A scenario that fails is reported in `failed` (and warned); a failed baseline raises
    RuntimeError. Raises ConfigError for a user mistake, as `run`."""
    from analysis.results import read_compare
    from experiments.compare import run_compare, write_summary

    names = list(scenarios) if scenarios is not None else None
    if isinstance(scenarios, str):
        raise ConfigError(f"scenarios={scenarios!r}: expected a list of scenario names, "
                          f"e.g. ['baseline', '{scenarios}']")
    given = _overrides({"place": place, "scenarios": names, "run.years": years,
                        "run.replicates": replicates, "seed": seed}, overrides)
    resolved = _resolve(given, folder)
    with _Folder(folder) as out:
        manifest = run_compare(resolved, out)
        if "baseline" not in manifest["done"]:
            raise RuntimeError(f"the baseline failed ({manifest['failed'].get('baseline')}); no differences to report")
        summary = write_summary(out, plots=folder is not None and resolved.config.run.plots)
        done = read_compare(out, with_summary=False).results
    for name, error in manifest["failed"].items():
        warnings.warn(f"scenario {name} failed: {error}", stacklevel=2)
    ts = pd.concat([r["timeseries"].assign(scenario=n) for n, r in done.items()], ignore_index=True)
    ms = pd.concat([r["milestones"].assign(scenario=n) for n, r in done.items()], ignore_index=True)
    return CompareResults(resolved.config.place.name, list(done), summary, ts, ms, dict(manifest["failed"]),
                          Path(folder) if folder is not None else None)
