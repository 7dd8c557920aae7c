"""Child-school enrolment: a child joins a setting of the right level at each transition.

Levels by age: early years 2-3 (if the family takes it up), primary from 4 (reception),
secondary from 11, sixth form or college 16-18 (if the young person stays on). A child
keeps its school until the next transition. If the place has no school of a level the
child attends one outside the area (school index -2: average quality, no local ties).
"""
from __future__ import annotations

import numpy as np

from sim import orgs as O
from sim.params import ModelParams
from sim.rng import Streams
from sim.state import State

# (first month of age, kind, optional: take-up parameter name or None for compulsory)
LEVELS = (
    (24, O.Kind.EARLY_YEARS, "early_years_uptake"),
    (48, O.Kind.PRIMARY, None),
    (132, O.Kind.SECONDARY, None),
    (192, O.Kind.POST16, "post16_participation"),
)
OUTSIDE = -2
NONE = -1


def level_members(kinds: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(kinds == kind) for _, kind, _ in LEVELS]


def step(state: State, params: ModelParams, streams: Streams, month: int, everyone: bool = False) -> None:
    """Enrol children at transition ages and newcomers; `everyone` at the start of a run."""
    ch = state.children
    members = level_members(state.orgs.kind)
    entry_ages = np.array([lv[0] for lv in LEVELS])
    # Children at a transition age this month, plus newcomers old enough for a setting.
    newcomer = np.zeros_like(ch.alive)
    if len(state.new_children):
        newcomer[state.new_children] = True
    at_transition = np.isin(ch.age, entry_ages)
    due = ch.alive & (at_transition | (newcomer & (ch.age >= entry_ages[0])))
    if everyone:
        due = ch.alive & (ch.age >= entry_ages[0])
    rep, slot = np.nonzero(due)
    if not len(rep):
        return
    age = ch.age[rep, slot]
    level = np.searchsorted(entry_ages, age, side="right") - 1
    u_take = streams.uniform_at("schools.takeup", month, rep, slot)
    u_pick = streams.uniform_at("schools.pick", month, rep, slot)
    school = np.full(len(rep), NONE, dtype=np.int32)
    for i, (_, _, takeup) in enumerate(LEVELS):
        here = level == i
        if not here.any():
            continue
        attends = np.ones(here.sum(), dtype=bool)
        if takeup is not None:
            attends = u_take[here] < getattr(params.demography, takeup)
        options = members[i]
        if len(options):
            pick = options[np.minimum((u_pick[here] * len(options)).astype(int), len(options) - 1)]
        else:
            pick = np.full(here.sum(), OUTSIDE)
        school[here] = np.where(attends, pick, NONE)
    ch.school[rep, slot] = school
