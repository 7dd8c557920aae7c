"""The bridge between Hydra and the model: the structured config schema, its
registration in Hydra's ConfigStore, and turning a composed config into plain
`sim.params` dataclasses (with one-line errors for anything a user can get wrong).

`sim` never imports Hydra; this module is the only place that knows both.
"""
from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

from sim.params import ModelParams, PlaceParams
from sim.registry import check, outside_plausible, param

CONFIG_DIR = Path(__file__).resolve().parent
PLACE_DIR = CONFIG_DIR / "place"
SCENARIO_DIR = CONFIG_DIR / "scenario"
SWEEP_DIR = CONFIG_DIR / "sweep"


@dataclass
class RunSettings:
    """How long, how many replicates, and how to batch them."""

    years: int = param(20, "years", 10, 30, "design brief section 2 (runs of 10-30 years)", "length of a run", hard=(1, 200))
    replicates: int = param(10, "replicates", 10, 1000, "assumption", "replicates per scenario, seeds seed .. seed+replicates-1", hard=(1, 1_000_000))
    start_year: int = param(2016, "calendar year", 2011, 2030, "seed 003 (the network launched in 2016)", "calendar year of month 0", hard=(1900, 2200))
    batch_size: int = param(64, "replicates", 1, 1024, "assumption", "replicates stepped side by side (memory vs speed; never changes results)", hard=(1, 100_000))
    plots: bool = True


@dataclass
class ScenarioSpec:
    """A named set of interventions: each entry has a `kind` (sim.interventions.KINDS)
    and that kind's settings (start_year, end_year, intensity, monthly_cost, ...)."""

    name: str = "baseline"
    description: str = "No added intervention: the place as it is."
    interventions: Dict[str, Dict[str, Any]] = field(default_factory=dict)


@dataclass
class SweepSpec:
    """A sampled design over registry parameters (configs/sweep/*.yaml; `placesim sweep`).

    parameters maps a registry key (model.*, place.*, or scenario.interventions.<name>.<field>)
    to an optional {low, high} (default: the registry's plausible range) or {values: [...]}
    for a full factorial.
    """

    name: str = "none"
    design: str = "latin_hypercube"      # full_factorial | latin_hypercube | sobol | morris
    samples: int = 16                    # LHS points; Sobol base N (power of 2); Morris trajectories
    levels: int = 3                      # full factorial: levels per parameter (if no values given)
    replicates: int = 4                  # runs per design point (seeds seed .. seed+replicates-1)
    parameters: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    engine: str = "joblib"               # joblib (one machine) | dask (a cluster, or a local one)
    workers: int = 0                     # 0: every local core
    scheduler: str = ""                  # dask: address of a running scheduler ("" = local cluster)
    points_per_task: int = 8             # design points a worker runs in one go (batching)
    allow_outside_range: bool = False    # permit ranges beyond the registry's plausible range
    mix: bool = False                    # resume into a folder written by a different config
    max_runs: int = 500_000              # refuse designs larger than this
    design_seed: int = 12345             # seed of the design sampler (SALib)
    paired: bool = False                 # also run the baseline (no intervention) at every point, same seeds


# The sweep's counts and their least values (a design of 0 points, or -3, is no design).
SWEEP_LEAST = {
    "samples": (1, "design points, Sobol base N or Morris trajectories"),
    "levels": (1, "levels per parameter of a full factorial"),
    "replicates": (1, "runs per design point"),
    "points_per_task": (1, "design points per task"),
    "workers": (0, "0 means every local core"),
    "max_runs": (1, "the largest design accepted"),
    "design_seed": (0, "seed of the design sampler"),
}


@dataclass
class InteractionSpec:
    """`placesim compare`'s interaction, named by hand (analysis/interaction.py): the whole
    and its parts, all among `scenarios`. Left empty, a whole is found by its interventions:
    one whose set equals the union of two or more other scenarios' sets."""

    whole: str = ""                      # a scenario of `scenarios` ("" = find wholes automatically)
    parts: List[str] = field(default_factory=list)   # at least two other scenarios of `scenarios`


@dataclass
class CompareSettings:
    """Settings of `placesim compare` beyond the scenarios it runs."""

    interaction: InteractionSpec = field(default_factory=InteractionSpec)


@dataclass
class CalibratedSets:
    """Plausible parameter sets from a calibration (configs/calibrated/*.yaml, written by
    `placesim calibrate calibration=<name>`): each replicate uses the set its seed draws
    (`set_of_seed`), so bands carry parameter uncertainty as well as chance. `none`: no
    sets, every replicate runs the registry's values (results as before)."""

    name: str = "none"                                      # configs/calibrated/<name>.yaml
    description: str = ""                                   # what the sets were fitted to
    parameters: List[str] = field(default_factory=list)   # registry keys, model.* or place.*
    sets: List[List[float]] = field(default_factory=list)  # one value per parameter, per set


@dataclass
class CalibrationTargets:
    """What a calibration fits (configs/calibration/*.yaml `targets:`)."""

    table1: str = "seed004_table1_indicators.csv"   # configs/data/ or a path: indicator, mean, sd, min, max (checked)
    table2: str = "seed004_table2_attainment.csv"   # configs/data/ or a path: stage, mean, sd fitted; r2 validates
    stages: List[str] = field(default_factory=lambda: ["foundation_stage", "key_stage_2", "key_stage_4"])
    vintage: str = ""                    # the benchmarks' definitions and when they applied
    discrepancy_mean: float = 1.0        # points allowed for model discrepancy, per stage mean
    discrepancy_sd: float = 1.0          # points allowed for model discrepancy, per between-area sd


@dataclass
class CalibrationSpec:
    """`placesim calibrate calibration=<name>` (configs/calibration/*.yaml; docs/calibration.md)."""

    name: str = "none"                   # none: no fit (placesim calibrate re-derives the thresholds)
    description: str = ""
    parameters: List[str] = field(default_factory=list)   # registry keys marked uncertain, or [uncertain]
    targets: CalibrationTargets = field(default_factory=CalibrationTargets)
    places: int = 128                    # synthetic places (replicates) per evaluation
    years: int = 7                       # years simulated per evaluation
    burn_in_years: int = 2               # years before shares are counted
    waves: int = 3                       # history-matching waves
    points_per_wave: int = 40            # parameter sets run per wave
    candidates: int = 20000              # points the emulators screen per wave
    cutoff: float = 3.0                  # largest implausibility kept
    sets: int = 20                       # plausible sets written to configs/calibrated/<name>.yaml
    validation_places: int = 1536        # fresh places for the validation
    bootstrap: int = 400                 # bootstrap resamples of places for the validation intervals
    seed: int = 20240                    # seed of places, designs and the choice of sets
    workers: int = 2                     # parallel simulations
    out: str = ""                        # folder of evaluations and results ("" = outputs/calibrate/<name>)
    install: bool = False                # also write configs/calibrated/<name>.yaml


@dataclass
class Config:
    """Everything a run needs. YAML in configs/ fills it; Hydra type-checks it."""

    place: PlaceParams = field(default_factory=PlaceParams)
    model: ModelParams = field(default_factory=ModelParams)
    run: RunSettings = field(default_factory=RunSettings)
    scenario: ScenarioSpec = field(default_factory=ScenarioSpec)
    scenarios: List[str] = field(default_factory=lambda: ["baseline", "core_team", "core_team_exit"])
    compare: CompareSettings = field(default_factory=CompareSettings)
    sweep: SweepSpec = field(default_factory=SweepSpec)
    calibrated: CalibratedSets = field(default_factory=CalibratedSets)
    calibration: CalibrationSpec = field(default_factory=CalibrationSpec)
    seed: int = param(0, "seed", 0, 2**31 - 1, "user choice", "seed of the first replicate", hard=(0, 2**63 - 1))


class ConfigError(ValueError):
    """A user mistake in the configuration, reported as one line."""


def register() -> None:
    """Store the schema so configs/config.yaml can name it in its defaults list."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="placesim_schema", node=Config)


def to_params(cfg: Any) -> Config:
    """A composed DictConfig -> the plain dataclasses, validated against the registry."""
    from omegaconf import OmegaConf

    try:
        obj = OmegaConf.to_object(cfg)
    except Exception as exc:  # omegaconf raises several types for a bad value
        raise ConfigError(one_line(exc)) from None
    problems = check(obj.place, "place.") + check(obj.model, "model.") + check(obj.run, "run.")
    problems += [p for p in check(obj, "") if p.startswith("seed")]
    if obj.place.homes > obj.place.population:
        problems.append(f"place.homes={obj.place.homes}: must not exceed place.population={obj.place.population}")
    problems += interaction_problems(obj.compare.interaction, obj.scenarios)
    problems += [f"sweep.{key}={getattr(obj.sweep, key)}: at least {least} ({what})"
                 for key, (least, what) in SWEEP_LEAST.items() if getattr(obj.sweep, key) < least]
    problems += calibrated_problems(obj)
    if problems:
        raise ConfigError(problems[0])
    check_hosting(obj.place, build_interventions(obj.scenario), obj.model)   # refuse before anything runs
    for name in obj.scenarios:
        check_hosting(obj.place, build_interventions(load_scenario(name)), obj.model)
    return obj


def calibrated_problems(obj: Config) -> list[str]:
    """One line per calibrated set that names an unknown key, has the wrong length or a
    value outside its key's hard limits."""
    from sim.registry import allowed_range

    cal, problems = obj.calibrated, []
    if cal.name != "none" and not cal.sets:
        return [f"calibrated={cal.name}: holds no parameter sets; rerun placesim calibrate calibration={cal.name}"]
    for key in cal.parameters:
        if registered_field(obj, key) is None:
            problems.append(f"calibrated.parameters: {key} is not a model.* or place.* parameter in the registry")
    for i, values in enumerate(cal.sets):
        if len(values) != len(cal.parameters):
            problems.append(f"calibrated.sets[{i}]: {len(values)} values for {len(cal.parameters)} parameters")
            continue
        for key, v in zip(cal.parameters, values):
            f = registered_field(obj, key)
            spec = f.metadata["spec"] if f is not None else None
            if spec and ((spec.hard_low is not None and v < spec.hard_low) or (spec.hard_high is not None and v > spec.hard_high)):
                problems.append(f"calibrated.sets[{i}]: {key}={v} outside {allowed_range(spec)}")
    return problems


def registered_field(obj: Config, key: str):
    """The dataclass field of a registry key `model.*` / `place.*` (None if there is none)."""
    parts = key.split(".")
    if parts[0] not in ("model", "place") or len(parts) < 2:
        return None
    holder = getattr(obj, parts[0])
    for name in parts[1:-1]:
        holder = getattr(holder, name, None)
        if not dataclasses.is_dataclass(holder):
            return None
    f = next((f for f in dataclasses.fields(holder) if f.name == parts[-1]), None)
    return f if f is not None and "spec" in f.metadata else None


def set_of_seed(seed: int, n_sets: int) -> int:
    """Which plausible set replicate `seed` uses: a draw keyed by the seed alone, so a
    replicate keeps its set in run, compare and sweep alike (scenarios stay paired)."""
    import numpy as np

    return int(np.random.default_rng([int(seed), 0xCA1B]).integers(n_sets))


def replicate_groups(config: Config, seeds: List[int]) -> list[tuple[PlaceParams, ModelParams, list[int]]]:
    """(place, model, seeds) per plausible set in use: one group with the config's own
    parameters when `calibrated=none`."""
    cal = config.calibrated
    if not cal.sets:
        return [(config.place, config.model, list(seeds))]
    by_set: dict[int, list[int]] = {}
    for s in seeds:
        by_set.setdefault(set_of_seed(s, len(cal.sets)), []).append(int(s))
    groups = []
    for i, group in sorted(by_set.items()):
        params = {"place": copy.deepcopy(config.place), "model": copy.deepcopy(config.model)}
        for key, value in zip(cal.parameters, cal.sets[i]):
            parts = key.split(".")
            holder = params[parts[0]]
            for name in parts[1:-1]:
                holder = getattr(holder, name)
            current = getattr(holder, parts[-1])
            setattr(holder, parts[-1], int(round(value)) if isinstance(current, int) and not isinstance(current, bool) else float(value))
        groups.append((params["place"], params["model"], group))
    return groups


def interaction_problems(spec: InteractionSpec, scenarios: List[str]) -> list[str]:
    """What is wrong with a hand-named whole and parts (one line each): every name must be a
    compared scenario other than the baseline, the whole not among its parts, two parts or more."""
    if not spec.whole and not spec.parts:
        return []
    compared = [n for n in dict.fromkeys(scenarios) if n != "baseline"]
    choices = ", ".join(compared) or "none (add scenarios to `scenarios`)"
    if not spec.whole:
        return [f"compare.interaction.whole: not set; name the scenario that combines "
                f"compare.interaction.parts=[{','.join(spec.parts)}] (one of {choices})"]
    problems = []
    for key, name in [("whole", spec.whole)] + [("parts", p) for p in spec.parts]:
        if name == "baseline":
            problems.append(f"compare.interaction.{key}=baseline: every effect is measured against the baseline, "
                            f"so it cannot be a whole or a part; choose from {choices}")
        elif name not in compared:
            problems.append(f"compare.interaction.{key}={name}: not among the compared scenarios; choose from {choices}")
    if spec.whole in spec.parts:
        problems.append(f"compare.interaction.parts=[{','.join(spec.parts)}]: contains the whole "
                        f"({spec.whole}); the parts are the other scenarios it combines")
    if len(set(spec.parts)) < 2:
        problems.append(f"compare.interaction.parts=[{','.join(spec.parts)}]: name at least two different "
                        f"scenarios whose effects add up to compare.interaction.whole={spec.whole}")
    return problems


def check_hosting(place: PlaceParams, interventions: list, params: ModelParams) -> None:
    """ConfigError if the place cannot host an intervention (e.g. a pilot's partners, a
    lottery with no losers)."""
    from sim.interventions import InterventionError
    from sim.place import org_kinds

    kinds = org_kinds(place)
    for iv in interventions:
        try:
            iv.check_place(kinds, place.name)
            iv.check_scale(place, params)
        except InterventionError as exc:
            raise ConfigError(str(exc)) from None


def build_interventions(scenario: ScenarioSpec) -> list:
    """Fresh intervention objects for a scenario (ConfigError with one line if wrong)."""
    from sim.interventions import InterventionError, build

    out = []
    for name, entry in scenario.interventions.items():
        entry = dict(entry)
        kind = entry.pop("kind", None)
        if kind is None:
            raise ConfigError(f"scenario.interventions.{name}.kind: missing; every intervention names its kind")
        try:
            out.append(build(name, kind, entry))
        except InterventionError as exc:
            raise ConfigError(str(exc)) from None
    return out


def scenario_file(name: str) -> Path:
    return CONFIG_DIR / "scenario" / f"{name}.yaml"


def load_scenario(name: str) -> ScenarioSpec:
    """A scenario preset by name (for `compare`), type-checked; ConfigError if missing."""
    from omegaconf import OmegaConf

    path = scenario_file(name)
    if not path.exists():
        choices = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml")))
        raise ConfigError(f"scenarios: '{name}' is not a scenario preset; choose from {choices}")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(ScenarioSpec), OmegaConf.load(path))
        spec = OmegaConf.to_object(merged)
    except Exception as exc:
        raise ConfigError(f"scenario {name}: {one_line(exc)}") from None
    build_interventions(spec)
    return spec


def plausibility_warnings(obj: Config) -> list[str]:
    return outside_plausible(obj.place, "place.") + outside_plausible(obj.model, "model.")


_AVAILABLE = re.compile(r"Available options in '[^']+':\s*(.*?)(?:\nConfig search path|$)", re.S)


def one_line(exc: BaseException) -> str:
    """Boil a Hydra/OmegaConf exception down to: key, value, what is allowed."""
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    full = text + ("\n" + str(cause) if cause else "")
    m = re.search(r"Could not find '([^/']+)/([^']+)'", full)
    if m:
        group, name = m.groups()
        opts = _AVAILABLE.search(full)
        choices = ", ".join(o.strip() for o in opts.group(1).split("\n") if o.strip()) if opts else ""
        return f"{group}={name}: no such preset; choose from {choices}" if choices else f"{group}={name}: no such preset"
    m = re.search(r"Could not override '(scenario\.interventions\.[^']+)'", full)
    if m:
        return (f"{m.group(1)}: not set in this scenario; add it with +{m.group(1)}=VALUE "
                f"(settings of each kind: docs/parameters.md)")
    m = re.search(r"Could not append to config\. An item is already at '([^']+)'", full)
    if m:
        return f"{m.group(1)}: already set; set it without '+' ({m.group(1)}=VALUE)"
    m = re.search(r"Key '([^']+)' (?:is )?not in (?:struct|'\w+').*?full_key: (\S+)", full, re.S)
    if m:
        return f"{m.group(2)}: unknown key (see docs/parameters.md for every key)"
    m = re.search(r"Value '([^']*)' (?:of type '\w+' )?could not be converted to (\w+).*?full_key: (\S+)", full, re.S)
    if m:
        value, kind, key = m.groups()
        return f"{key}={value}: expected {kind.lower()}"
    m = re.search(r"Value '([^']*)' is not a valid bool.*?full_key: (\S+)", full, re.S)
    if m:
        return f"{m.group(2)}={m.group(1)}: expected a boolean (true or false)"
    m = re.search(r"Invalid value '([^']*)', expected one of \[([^\]]*)\].*?full_key: (\S+)", full, re.S)
    if m:
        value, allowed, key = m.groups()
        return f"{key}={value}: expected one of {allowed}"
    m = re.search(r"full_key: (\S+)", full)
    first = next((ln.strip() for ln in full.splitlines() if ln.strip()), "invalid configuration")
    if m:
        return f"{m.group(1)}: {first}"
    return first


@dataclass
class ResolvedRun:
    """What `compose_run_config` returns: typed parameters plus the seed tables."""

    config: Config
    england: Any

    @property
    def place(self) -> PlaceParams:
        return self.config.place

    @property
    def model(self) -> ModelParams:
        return self.config.model

    @property
    def run(self) -> RunSettings:
        return self.config.run

    def interventions(self) -> list:
        return build_interventions(self.config.scenario)

    @property
    def seeds(self) -> list[int]:
        return [self.config.seed + i for i in range(self.config.run.replicates)]


def resolve(cfg: Any) -> ResolvedRun:
    from configs.evidence import table1

    return ResolvedRun(to_params(cfg), table1())


# Where `+key=value` may add a key the schema does not have: free-form dictionaries.
APPENDABLE = ("scenario.interventions.", "sweep.parameters.")


def check_appends(overrides: list[str]) -> None:
    """Refuse `+key=value` outside the free-form dictionaries (the schema would keep the
    stray key and the model would silently ignore it)."""
    for o in overrides:
        if o.startswith("+") and not o.lstrip("+").startswith(APPENDABLE):
            key = o.lstrip("+").split("=")[0]
            raise ConfigError(f"{key}: '+' adds new keys only under "
                              f"{' or '.join(a.rstrip('.') for a in APPENDABLE)}; an existing key is set "
                              f"without '+', and any other key is unknown (every key: docs/parameters.md)")


def check_booleans(overrides: list[str]) -> None:
    """Refuse a switch given anything but true or false (OmegaConf would take `run.plots=2`
    for true without a word)."""
    import typing

    for o in overrides:
        key, sep, value = o.lstrip("+~").partition("=")
        cls, kind = Config, None
        for part in key.split("."):
            hints = typing.get_type_hints(cls) if dataclasses.is_dataclass(cls) else {}
            kind = hints.get(part)
            cls = kind
        if kind is bool and sep:
            for v in value.split(","):
                if v.strip().lower() not in ("true", "false"):
                    raise ConfigError(f"{key}={v.strip()}: expected a boolean (true or false)")


def compose(overrides: list[str], config_name: str = "config", with_hydra: bool = False) -> Any:
    """Compose the Hydra config from Python (tests, benchmarks, the app); `with_hydra`
    keeps the `hydra` node, for a command that runs its task from this composition."""
    check_appends([o for o in overrides if not o.lstrip("+~").startswith("hydra")])
    check_booleans([o for o in overrides if not o.lstrip("+~").startswith("hydra")])
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
            return hydra_compose(config_name=config_name, overrides=list(overrides), return_hydra_config=with_hydra)
    except Exception as exc:
        raise ConfigError(one_line(exc)) from None
    finally:
        GlobalHydra.instance().clear()


def compose_run_config(overrides: list[str]) -> ResolvedRun:
    return resolve(compose(overrides))


# -- comments of the YAML presets (their documentation) ------------------------------------

def yaml_comments(path: Path) -> dict[str, str]:
    """`dotted.key -> trailing comment` of a simple block-style YAML file. A child without
    its own comment inherits its parent's (e.g. the `indicators:` line)."""
    out: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in path.read_text().splitlines():
        m = re.match(r"^(\s*)([A-Za-z_][\w]*)\s*:\s*([^#]*?)\s*(?:#\s*(.*))?$", line)
        if not m:
            continue
        indent, key, _value, comment = len(m.group(1)), m.group(2), m.group(3), m.group(4) or ""
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        dotted = f"{parent}.{key}" if parent else key
        out[dotted] = comment.strip() or (out.get(parent, "") if parent else "")
        stack.append((indent, dotted))
    return out


def yaml_header(path: Path) -> str:
    """The leading comment block of a YAML file, as one paragraph."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)
