"""Child-school enrolment: a child joins a setting of the right level at each transition.

Levels by age: early years 2-3 (if the family takes it up), primary from 4 (reception),
secondary from 11, sixth form or college 16-18 (if the young person stays on). A child
keeps its school until the next transition. If the place has no school of a level the
child attends one outside the area (school index -2: average quality, no local ties).

The rule is stated in `enrol_numpy` (plain NumPy); `step` runs it compiled
(sim.kernels.schools.enrol); tests/test_rules_schools.py checks that the two agree
exactly. Equations: docs/ODD.md, "Schools".
"""
from __future__ import annotations

import numpy as np

from sim import orgs as O
from sim.kernels import schools as KS
from sim.kernels.schools import LevelSettings, Pupils, SchoolInputs, SchoolRules
from sim.params import Demography
from sim.rng import Streams, uniform_from_base
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


def school_rules(demography: Demography) -> SchoolRules:
    """The levels' entry ages and take-up (1 for compulsory levels, else the
    params.demography share named in LEVELS)."""
    return SchoolRules(entry_age=ENTRY_AGES,
                       takeup=np.array([1.0 if name is None else float(getattr(demography, name))
                                        for _, _, name in LEVELS]))


def enrol_numpy(rules: SchoolRules, settings: LevelSettings, pupils: Pupils,
                inputs: SchoolInputs) -> np.ndarray:
    """The rule in plain NumPy: the new school of every child (R, C), what
    sim.kernels.schools.enrol writes in place. Due: a living child at an entry age, or
    a newcomer (inputs.everyone: any child) old enough for the first level. Its level is
    the last whose entry age it has reached; it attends with the level's take-up (draw
    "schools.takeup" at its slot) and picks a setting uniformly (draw "schools.pick"),
    or one outside the area if the place has none; one who does not attend has none."""
    alive, age = pupils.alive, pupils.age
    old_enough = alive & (age >= rules.entry_age[0])
    due = alive & np.isin(age, rules.entry_age)
    if inputs.everyone:
        due |= old_enough
    else:
        newcomer = np.zeros_like(alive)
        newcomer[inputs.new_rep, inputs.new_slot] = True
        due |= newcomer & old_enough
    level = np.maximum(np.searchsorted(rules.entry_age, age, side="right") - 1, 0)
    C = alive.shape[1]
    takeup = rules.takeup[level]
    attends = (takeup >= 1.0) | (uniform_from_base(inputs.takeup_base, (C,)) < takeup)
    n = settings.count[level]
    pick = np.minimum((uniform_from_base(inputs.pick_base, (C,)) * n).astype(np.int64), n - 1)
    school = np.where(n > 0, settings.options[level, np.maximum(pick, 0)], OUTSIDE)
    return np.where(due, np.where(attends, school, NONE), pupils.school)


def step(state: State, rules: SchoolRules, streams: Streams, month: int, everyone: bool = False) -> None:
    """Enrol children at transition ages and newcomers; `everyone` at the start of a run
    (sim.kernels.schools.enrol; the rule: `enrol_numpy`). `rules` is
    school_rules(params.demography), built once per run."""
    ch = state.children
    options, count = state.place.school_levels, state.place.school_level_count
    new_rep, new_slot = (state.new_children if len(state.new_children)
                         else (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)))
    inputs = SchoolInputs(new_rep=np.asarray(new_rep, dtype=np.int64),
                          new_slot=np.asarray(new_slot, dtype=np.int64), everyone=bool(everyone),
                          takeup_base=streams.base("schools.takeup", month),
                          pick_base=streams.base("schools.pick", month))
    KS.enrol(rules, LevelSettings(options=options, count=count),
             Pupils(alive=ch.alive, age=ch.age, school=ch.school), inputs)
