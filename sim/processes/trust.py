"""Trust in services: good contacts raise it, it spreads along informal ties, and it
drifts back toward the place's starting level (its history of initiatives that came and
went, seed 003 L2022). Being listened to (local voice) adds to a contact's value.
Equations: docs/ODD.md, "Trust".
"""
from __future__ import annotations

import numpy as np

from sim.params import ModelParams
from sim.processes.families import neighbour_mean
from sim.state import State


def step(state: State, params: ModelParams) -> None:
    fa = state.families
    tp = params.trust
    value = state.family_contact                       # 0 where no current contact
    in_contact = value > 0
    fa.trust += tp.contact_gain * in_contact * (value - fa.trust)
    fa.trust += tp.spread * (neighbour_mean(state, fa.trust) - fa.trust)
    fa.trust += tp.relapse * (state.place.starting_trust[:, None] - fa.trust)
    np.clip(fa.trust, 0.0, 1.0, out=fa.trust)
