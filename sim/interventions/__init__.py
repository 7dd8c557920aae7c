"""Interventions: one module each, one shared lifecycle (sim.interventions.base).

`KINDS` maps the `kind` a scenario names to its class (Starsim's InterventionDict idea);
`build(name, kind, settings)` makes one, refusing unknown kinds and unknown settings
with one line. Every class is a dataclass whose fields are registered parameters
(unit, range, source), so the registry and docs list them.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from sim.interventions.base import Intervention, InterventionError
from sim.interventions.committed_minority import CommittedMinority
from sim.interventions.core_team import CoreTeam
from sim.interventions.data_sharing import DataSharing
from sim.interventions.hardwiring import Hardwiring
from sim.interventions.hcz import HCZSaturation
from sim.interventions.local_voice import LocalVoice
from sim.interventions.pilots import Pilot
from sim.interventions.programme import Programme
from sim.interventions.promise_academy import PromiseAcademy
from sim.interventions.shocks import Shock

KINDS: dict[str, type[Intervention]] = {
    "core_team": CoreTeam,
    "pilot": Pilot,
    "data_sharing": DataSharing,
    "local_voice": LocalVoice,
    "hardwiring": Hardwiring,
    "hcz_saturation": HCZSaturation,
    "programme": Programme,
    "promise_academy": PromiseAcademy,
    "shock": Shock,
    "committed_minority": CommittedMinority,
}
# Applied in this order each month, whatever the scenario's order: the core team first,
# because pilots read the hours it gives them.
ORDER = {kind: i for i, kind in enumerate(KINDS)}


def build(name: str, kind: str, settings: dict[str, Any]) -> Intervention:
    """One intervention from a scenario entry; InterventionError with one line if wrong."""
    if kind not in KINDS:
        raise InterventionError(f"scenario.interventions.{name}.kind={kind}: unknown; choose from {', '.join(KINDS)}")
    cls = KINDS[kind]
    allowed = {f.name for f in dataclasses.fields(cls) if not f.name.startswith("_") and f.name != "name"}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise InterventionError(f"scenario.interventions.{name}.{unknown[0]}: unknown setting for {kind}; "
                                f"allowed: {', '.join(sorted(allowed))}")
    for key, value in settings.items():
        f = next(f for f in dataclasses.fields(cls) if f.name == key)
        spec = f.metadata.get("spec")
        if spec is not None and value is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            if (spec.hard_low is not None and value < spec.hard_low) or (spec.hard_high is not None and value > spec.hard_high):
                lo = "-inf" if spec.hard_low is None else spec.hard_low
                hi = "inf" if spec.hard_high is None else spec.hard_high
                raise InterventionError(f"scenario.interventions.{name}.{key}={value}: allowed [{lo}, {hi}] ({spec.unit})")
    try:
        return cls(name=name, **settings)
    except TypeError as exc:
        raise InterventionError(f"scenario.interventions.{name}: {exc}") from None


def ordered(interventions: list[Intervention]) -> list[Intervention]:
    kind_of = {cls: kind for kind, cls in KINDS.items()}
    return sorted(interventions, key=lambda iv: ORDER[kind_of[type(iv)]])

