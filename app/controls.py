"""The page's controls as plain values, bounded by the parameter registry.

Each numeric control is a `Knob` tied to one registered dataclass field of an
intervention (sim/interventions/*.py): its unit, plausible range and source come from the
field's `Spec`, so a slider can never leave the registry's range and its tooltip says
where the number comes from. `Choices` is the state of every control; `clamp` forces a
`Choices` into range (every change on the page passes through it);
`interventions_for` turns it into a scenario's interventions, in the format of
configs/scenario/*.yaml, and `scenario_yaml` / `save_scenario` write that file.

Costs follow the scenario presets (all assumptions, stated there): a core team costs
GBP 12,800 a month for three members at 140 hours (core_team.yaml), scaled by members
and hours; pilots as in pilot.yaml, as_it_happened_pembury.yaml and
early_learning_community.yaml (GBP 2,000 a month where no preset names one); data
sharing GBP 2,000 (data_sharing.yaml); local voice GBP 1,500 a month at co-creation
(local_voice.yaml), 1,000 at co-design (as_it_happened_pembury.yaml), 750 and 500 below;
an HCZ pipeline GBP 150,000 and an English zone 40,000 (hcz_saturation.yaml,
english_zone.yaml); shocks cost nothing.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.places import DEFAULT_PLACE, PLACES
from configs.compose import load_scenario
from sim.interventions.core_team import CoreTeam
from sim.interventions.data_sharing import DataSharing
from sim.interventions.hcz import HCZSaturation
from sim.interventions.local_voice import LADDER
from sim.interventions.pilots import CATALOGUE
from sim.interventions.shocks import KINDS as SHOCK_KINDS
from sim.interventions.shocks import Shock
from sim.registry import Spec

STRATEGIES = ("deep", "wide")
RUNGS = ("off",) + tuple(LADDER)
ZONES = ("none", "hcz", "english_zone")
SHOCKS = ("none",) + tuple(SHOCK_KINDS)

# The registry's cost of a core team, per member-hour (sim/interventions/core_team.py).
TEAM_COST_PER_MEMBER_HOUR = CoreTeam().monthly_cost / (CoreTeam().staff * CoreTeam().hours_per_person)
PILOT_COSTS = {"ready_for_school": 3500, "playbox": 2000, "debt_support": 2500, "oral_health": 1500,
               "strengthening_families": 2500}
PILOT_COST_DEFAULT = 2000
DATA_COST = 2000
VOICE_COSTS = {"inform": 500, "consult": 750, "co_design": 1000, "co_create": 1500}
ZONE_COSTS = {"hcz": 150000, "english_zone": 40000}

SAVED_MARK = "# Saved by `placesim app`"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def field_spec(cls: type, name: str) -> Spec:
    """The registry's Spec of one dataclass field."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            return f.metadata["spec"]
    raise KeyError(f"{cls.__name__}.{name}")


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


@dataclass(frozen=True)
class Knob:
    """A numeric control bound to a registered field (its plausible range, unit, source)."""

    cls: type
    field: str
    label: str
    step: float
    integer: bool = False
    in_run: str | None = None     # "start": must start before the run ends; "end": may end at its end

    @property
    def spec(self) -> Spec:
        return field_spec(self.cls, self.field)

    def bounds(self, years: int) -> tuple[float, float]:
        """The registry's plausible range, narrowed to the run for times."""
        lo, hi = float(self.spec.low), float(self.spec.high)
        if self.in_run == "start":
            hi = min(hi, years - self.step)
        elif self.in_run == "end":
            lo, hi = max(lo, self.step), min(hi, float(years))
        return lo, hi

    def clamp(self, value: Any, years: int) -> float | int:
        lo, hi = self.bounds(years)
        try:
            v = float(value)
        except (TypeError, ValueError):
            v = lo
        if not math.isfinite(v):
            v = lo
        v = min(max(v, lo), hi)
        v = lo + round((v - lo) / self.step) * self.step      # onto the slider's steps
        v = min(max(v, lo), hi)
        return int(round(v)) if self.integer else round(v, 6)

    def label_with_unit(self) -> str:
        """The slider's label: short enough for the sidebar (a time is "year of the run";
        the tooltip gives the registry's unit in full)."""
        return f"{self.label} ({'year of the run' if self.in_run else self.spec.unit})"

    def tooltip(self, years: int) -> str:
        """What the control means, its unit and its range, in plain words."""
        s = self.spec
        lo, hi = self.bounds(years)
        return f"{s.doc[0].upper() + s.doc[1:]}. Unit: {s.unit}. Range: {_num(lo)} to {_num(hi)}."

    def source(self, years: int) -> str:
        """Where the number comes from (shown behind the page's "details" toggle)."""
        s = self.spec
        lo, hi = self.bounds(years)
        narrowed = "" if (lo, hi) == (s.low, s.high) else \
            f" The plausible range is {_num(s.low)} to {_num(s.high)}, narrowed to a {years}-year run."
        return f"Source: {s.source}. In the model: {self.cls.__name__}.{self.field}.{narrowed}"


KNOBS: dict[str, Knob] = {
    "staff": Knob(CoreTeam, "staff", "Core-team members", 1, integer=True),
    "hours": Knob(CoreTeam, "hours_per_person", "Hours each", 5),
    "arrival": Knob(CoreTeam, "start_year", "Team arrives", 0.5, in_run="start"),
    "exit": Knob(CoreTeam, "end_year", "Team leaves", 0.5, in_run="end"),
    "data": Knob(DataSharing, "ceiling", "Data maturity reachable", 0.05),
    "teeth": Knob(HCZSaturation, "teeth", "Governance teeth", 0.05),
    "shock_year": Knob(Shock, "start_year", "Shock starts", 0.5, in_run="start"),
    "shock_size": Knob(Shock, "magnitude", "Shock size", 0.05),
}

# Tooltips of the controls that are choices, not numbers: what they mean in plain words,
# then where it comes from (shown behind the page's "details" toggle).
CHOICE_TEXT = {
    "place": "Which neighbourhood the model runs. A new place computes its baseline once; after that it "
             "is remembered. Unit: a place.",
    "team": "A small core team that links local services and people: two or three staff. It costs about "
            "£12,800 a month for three people at 140 hours each, more or less with people and hours. "
            "Unit: on or off.",
    "strategy": "Deep: work closely with the few most engaged partners. Wide: work with every organisation. "
                "Unit: deep or wide.",
    "leaves": "Whether the team leaves during the run: funders often commit up to five years to a "
              "ten-year vision. Off: the team stays to the end. Unit: on or off.",
    "pilots": "Small programmes tried while the core team is there (the whole run if there is no team). "
              "None chosen: no pilots. Monthly costs: "
              + ", ".join(f"{k.replace('_', ' ')} £{v:,}" for k, v in PILOT_COSTS.items())
              + f", others £{PILOT_COST_DEFAULT:,}. Unit: programmes.",
    "data_sharing": "Agreements to share data between services, so that the team's data work can go from "
                    "dashboards to shared intelligence. About £2,000 a month; the slider below sets how far "
                    "it can go. Unit: on or off.",
    "voice": "How much local people shape the work: inform, consult, co-design or co-create. £500 to "
             "£1,500 a month by step. Unit: a step of the ladder.",
    "zone": "A children's zone: 'hcz' runs its own schools and services (about £150,000 a month); "
            "'english_zone' can only connect partners, who may walk away unless governance has teeth "
            "(about £40,000 a month). Unit: a kind of zone.",
    "shock": "Something that goes wrong from the shock year on: a funding cut, staff turnover, services "
             "closing, a key person leaving, upheaval at the host organisation, or policy that keeps "
             "changing. Unit: a kind of shock.",
}
CHOICE_SOURCE = {
    "place": "Source: the place presets, configs/place/*.yaml, each number cited there.",
    "team": "Source: seed 003 L1562 ('a two- or three-person team'); seed 001. Cost: assumption, "
            "configs/scenario/core_team.yaml.",
    "strategy": "Source: seed 003 challenge 4. In the model: CoreTeam.strategy.",
    "leaves": "Source: seed 003 L1667-1668 ('up to five years'), L747.",
    "pilots": "Source: seed 003's catalogue of pilots (sim/interventions/pilots.py). Costs: assumptions, "
              "the scenario presets.",
    "data_sharing": "Source: seed 003 key learning 5. Cost: assumption, configs/scenario/data_sharing.yaml.",
    "voice": "Source: seed 003 L2257; seed 002's Children's Places Programme. In the model: LocalVoice.rung. "
             "Costs: assumptions, configs/scenario/local_voice.yaml.",
    "zone": "Source: seed 004. Costs: assumptions, configs/scenario/hcz_saturation.yaml and english_zone.yaml. "
            "In the model: HCZSaturation.variant.",
    "shock": "Source: seed 003 and seed 004. In the model: Shock.shock.",
}


@dataclass
class Choices:
    """What the room has chosen; defaults are the core_team preset (a three-person team that stays)."""

    place: str = DEFAULT_PLACE
    team: bool = True
    staff: int = 3
    hours: float = 140.0
    strategy: str = "deep"
    arrival: float = 0.0
    leaves: bool = False
    exit: float = 5.0
    pilots: tuple = ()
    data_sharing: bool = False
    data: float = 1.0
    voice: str = "off"
    zone: str = "none"
    teeth: float = 0.0
    shock: str = "none"
    shock_year: float = 3.0
    shock_size: float = 0.3


def clamp(c: Choices, years: int) -> Choices:
    """`c` with every value inside the registry's range (and the run), choices valid."""
    out = dataclasses.replace(c)
    for key, knob in KNOBS.items():
        setattr(out, key, knob.clamp(getattr(c, key), years))
    if out.exit <= out.arrival:                      # the team leaves after it arrives
        out.exit = KNOBS["exit"].clamp(out.arrival + KNOBS["exit"].step, years)
        if out.exit <= out.arrival:
            out.arrival = KNOBS["arrival"].clamp(out.exit - KNOBS["arrival"].step, years)
    out.place = c.place if c.place in PLACES else PLACES[0]
    out.strategy = c.strategy if c.strategy in STRATEGIES else STRATEGIES[0]
    out.voice = c.voice if c.voice in RUNGS else "off"
    out.zone = c.zone if c.zone in ZONES else "none"
    out.shock = c.shock if c.shock in SHOCKS else "none"
    out.pilots = tuple(p for p in dict.fromkeys(c.pilots or ()) if p in CATALOGUE)
    out.team, out.leaves, out.data_sharing = bool(c.team), bool(c.leaves), bool(c.data_sharing)
    return out


def team_cost(c: Choices) -> float:
    return round(TEAM_COST_PER_MEMBER_HOUR * c.staff * c.hours)


def interventions_for(c: Choices, years: int) -> dict[str, dict[str, Any]]:
    """The scenario's interventions (configs/scenario/*.yaml format) for these choices."""
    c = clamp(c, years)
    out: dict[str, dict[str, Any]] = {}
    start = c.arrival if c.team else 0.0
    end = c.exit if (c.team and c.leaves) else None
    if c.team:
        out["team"] = {"kind": "core_team", "start_year": c.arrival, "end_year": end,
                       "monthly_cost": team_cost(c), "staff": c.staff,
                       "hours_per_person": c.hours, "strategy": c.strategy}
    for prog in c.pilots:
        out[prog] = {"kind": "pilot", "programme": prog, "start_year": start, "end_year": end,
                     "monthly_cost": PILOT_COSTS.get(prog, PILOT_COST_DEFAULT)}
    if c.data_sharing:
        out["data"] = {"kind": "data_sharing", "start_year": start, "end_year": end,
                       "ceiling": c.data, "monthly_cost": DATA_COST}
    if c.voice != "off":
        out["voice"] = {"kind": "local_voice", "start_year": start, "end_year": end,
                        "rung": c.voice, "monthly_cost": VOICE_COSTS[c.voice]}
    if c.zone != "none":
        # The zone and its programmes as the scenario presets define them (the English
        # zone's own core team is the page's team, above).
        preset = load_scenario("hcz_saturation" if c.zone == "hcz" else "english_zone")
        for name, entry in preset.interventions.items():
            if entry.get("kind") != "core_team":
                out[name] = dict(entry)
        if c.zone == "english_zone":
            out["pipeline"]["teeth"] = c.teeth
    if c.shock != "none":
        out["shock"] = {"kind": "shock", "shock": c.shock, "start_year": c.shock_year,
                        "magnitude": c.shock_size}
    return out


def describe(c: Choices, years: int) -> str:
    """One sentence for a scenario's description."""
    c = clamp(c, years)
    parts = []
    if c.team:
        stay = f"leaves in year {_num(c.exit)}" if c.leaves else "stays"
        parts.append(f"a {c.staff}-person core team ({_num(c.hours)} h a month each, going {c.strategy}) "
                     f"arrives in year {_num(c.arrival)} and {stay}")
    else:
        parts.append("no core team")
    if c.pilots:
        parts.append("pilots: " + ", ".join(c.pilots))
    if c.data_sharing:
        parts.append(f"data sharing up to maturity {_num(c.data)}")
    if c.voice != "off":
        parts.append(f"local voice at {c.voice}")
    if c.zone != "none":
        zone = {"hcz": "an HCZ-style pipeline", "english_zone": "an English children's zone"}[c.zone]
        parts.append(zone + (f" with governance teeth {_num(c.teeth)}" if c.zone == "english_zone" else ""))
    if c.shock != "none":
        parts.append(f"a {c.shock} shock (size {_num(c.shock_size)}) from year {_num(c.shock_year)}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def scenario_document(c: Choices, years: int, name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "description": description or describe(c, years),
            "interventions": interventions_for(c, years)}


def scenario_yaml(c: Choices, years: int, name: str, description: str = "",
                  now: _dt.datetime | None = None) -> str:
    """The scenario file, in the format of configs/scenario/*.yaml, with a header saying
    how it was made and how to run it (the place is not part of a scenario)."""
    import yaml

    c = clamp(c, years)
    doc = scenario_document(c, years, name, description)
    stamp = (now or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    header = (f"{SAVED_MARK} on {stamp}, for place={c.place} over {years} years.\n"
              f"# Run it:     placesim run place={c.place} scenario={name} run.years={years}\n"
              f"# Compare it: placesim compare place={c.place} 'scenarios=[baseline,{name}]' run.years={years}\n"
              f"# Costs are assumptions from the scenario presets (see app/controls.py).\n")
    return header + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)


class SaveError(ValueError):
    """A scenario that cannot be saved under that name (one line)."""


def default_scenario_dir() -> Path:
    """configs/scenario: where `placesim run scenario=NAME` and `compare` find presets."""
    from configs import compose as config

    return Path(config.CONFIG_DIR) / "scenario"


def save_scenario(c: Choices, years: int, name: str, description: str = "",
                  folder: Path | str | None = None) -> Path:
    """Write `<folder>/<name>.yaml` (folder: configs/scenario, where `placesim run
    scenario=NAME` and `placesim compare` look). Refuses a bad name and will not
    overwrite a preset that the app did not write. The file is checked the way `run`
    and `compare` load it before it is written."""
    name = (name or "").strip()
    if not NAME.match(name):
        raise SaveError(f"name '{name}': use lower-case letters, digits and _ (starting with a letter)")
    folder = Path(folder) if folder is not None else default_scenario_dir()
    path = folder / f"{name}.yaml"
    if path.exists() and SAVED_MARK not in path.read_text().splitlines()[0]:
        raise SaveError(f"{path.name} is a preset this page did not write; choose another name")
    text = scenario_yaml(c, years, name, description)
    check_scenario_text(text)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def check_scenario_text(text: str) -> None:
    """Load a scenario file's text as `placesim run`/`compare` do (OmegaConf merge into
    ScenarioSpec, then building every intervention); raise SaveError with one line."""
    from omegaconf import OmegaConf

    from configs.compose import ConfigError, ScenarioSpec, build_interventions, one_line

    try:
        merged = OmegaConf.merge(OmegaConf.structured(ScenarioSpec), OmegaConf.create(text))
        spec = OmegaConf.to_object(merged)
        build_interventions(spec)
    except ConfigError as exc:
        raise SaveError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001
        raise SaveError(one_line(exc)) from None


def everything_on(years: int) -> dict[str, dict[str, Any]]:
    """Every kind of intervention at once (to load every code path before the first run)."""
    c = Choices(team=True, leaves=True, exit=1.0, pilots=tuple(CATALOGUE), data_sharing=True, voice="co_create",
                zone="english_zone", teeth=0.5, shock="key_person", shock_year=0.5)
    return interventions_for(c, years)
