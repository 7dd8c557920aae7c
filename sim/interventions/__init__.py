"""Interventions: one module each, one shared lifecycle (sim.interventions.base).

`KINDS` maps the `kind` a scenario names to its class (Starsim's InterventionDict idea);
`build(name, kind, settings)` makes one, refusing unknown kinds and unknown settings
with one line. Every class is a dataclass whose fields are registered parameters
(unit, range, source), so the registry and docs list them and `build` checks every
setting against them.
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
from sim.registry import checked_settings

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
    """One intervention from a scenario entry; InterventionError with one line if wrong.

    Every setting is checked against its field's declaration before the object exists
    (sim.registry.checked_settings: type, finite, hard limits), so a value an
    intervention would only use years into a run is refused before any work, and a new
    intervention class is checked as soon as its fields are declared."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise InterventionError(f"scenario.interventions.{name}.kind={kind}: unknown; choose from {', '.join(KINDS)}")
    cls = KINDS[kind]
    allowed = {f.name for f in dataclasses.fields(cls) if not f.name.startswith("_") and f.name != "name"}
    unknown = sorted(set(settings) - allowed, key=str)
    if unknown:
        raise InterventionError(f"scenario.interventions.{name}.{unknown[0]}: unknown setting for {kind}; "
                                f"allowed: {', '.join(sorted(allowed))}")
    settings, problems = checked_settings(cls, settings, f"scenario.interventions.{name}.")
    if problems:
        raise InterventionError(problems[0])
    try:
        return cls(name=name, **settings)
    except InterventionError as exc:        # a class's own check, e.g. a choice of strategy
        text = str(exc)
        if not text.startswith("scenario."):
            text = (f"scenario.interventions.{text}" if text.startswith(f"{name}.")
                    else f"scenario.interventions.{name}: {text}")
        raise InterventionError(text) from None
    except (TypeError, ValueError, KeyError) as exc:
        raise InterventionError(f"scenario.interventions.{name}: {exc}") from None


def ordered(interventions: list[Intervention]) -> list[Intervention]:
    kind_of = {cls: kind for kind, cls in KINDS.items()}
    return sorted(interventions, key=lambda iv: ORDER[kind_of[type(iv)]])

