"""Trust in services: good contacts raise it, it spreads along informal ties, and it
drifts back toward the place's starting level (its history of initiatives that came and
went, seed 003 L2022). Being listened to (local voice) adds to a contact's value.
Equations: docs/ODD.md, "Trust".
"""
from __future__ import annotations

from sim.params import ModelParams
from sim.state import State


def kernel_inputs(state: State, params: ModelParams) -> tuple:
    """Trust's arguments of kernels.informal_month, in its order."""
    tp = params.trust
    return (state.families.trust, state.family_contact, state.place.starting_trust,
            tp.contact_gain, tp.spread, tp.relapse)


def step(state: State, params: ModelParams) -> None:
    """Contact, spread along informal ties, relapse (sim.kernels.informal_month). The model
    runs this together with families and norms (sim.processes.informal)."""
    from sim.processes import informal          # informal imports this module

    informal.run(state, params, None, 0, families=False, norms=False)
