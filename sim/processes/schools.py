"""Child-school enrolment: a child joins a setting of the right level at each transition.

Levels by age: early years 2-3 (if the family takes it up), primary from 4 (reception),
secondary from 11, sixth form or college 16-18 (if the young person stays on). A child
keeps its school until the next transition. If the place has no school of a level the
child attends one outside the area (school index -2: average quality, no local ties).
"""
from __future__ import annotations

import numpy as np

from sim import orgs as O
from sim.kernels import schools as KS
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
OUTSIDE = KS.OUTSIDE
NONE = KS.NONE


def level_members(kinds: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(kinds == kind) for _, kind, _ in LEVELS]


def level_table(kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Settings of each level as a padded (levels, most) table and the count per level;
    a place's list of organisations is fixed, so it is worked out once, when the place is
    built (`Place.school_levels`, `Place.school_level_count`)."""
    members = level_members(np.asarray(kinds).astype(np.int64))
    table = np.zeros((len(LEVELS), max(1, max(len(m) for m in members))), dtype=np.int64)
    for i, m in enumerate(members):
        table[i, :len(m)] = m
    counts = np.array([len(m) for m in members], dtype=np.int64)
    table.flags.writeable = counts.flags.writeable = False
    return table, counts


ENTRY_AGES = np.array([lv[0] for lv in LEVELS], dtype=np.int64)


def step(state: State, params: ModelParams, streams: Streams, month: int, everyone: bool = False) -> None:
    """Enrol children at transition ages and newcomers; `everyone` at the start of a run
    (sim.kernels.schools.enrol). Compulsory levels have take-up 1: every child attends."""
    ch = state.children
    options, n_options = state.place.school_levels, state.place.school_level_count
    takeup = np.array([1.0 if name is None else getattr(params.demography, name)
                       for _, _, name in LEVELS])
    new_rep, new_slot = (state.new_children if len(state.new_children)
                         else (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)))
    KS.enrol(ch.alive, ch.age, ch.school, np.asarray(new_rep, dtype=np.int64),
             np.asarray(new_slot, dtype=np.int64), everyone, ENTRY_AGES, takeup, options,
             n_options, streams.base("schools.takeup", month), streams.base("schools.pick", month))
