"""Schools, compiled: enrolment at transition ages and for newcomers, in one pass over
children. The readable statement of the same rule is `enrol_numpy` in
sim/processes/schools.py, which builds these records and calls the kernel;
tests/test_rules_schools.py checks that the two agree exactly."""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform

OUTSIDE, NONE = -2, -1


class SchoolRules(NamedTuple):
    """The levels (sim.processes.schools.LEVELS) as the kernel takes them."""

    entry_age: np.ndarray      # (levels,) int64: first month of age, increasing
    takeup: np.ndarray         # (levels,) share attending: 1 if compulsory, else
    #                            params.demography.early_years_uptake / post16_participation


class LevelSettings(NamedTuple):
    """The place's settings of each level (sim.processes.schools.level_table)."""

    options: np.ndarray        # (levels, most) int64: organisation indices, padded
    count: np.ndarray          # (levels,) int64: how many of each row are settings


class Pupils(NamedTuple):
    """Children (R, C); school is written in place."""

    alive: np.ndarray
    age: np.ndarray
    school: np.ndarray


class SchoolInputs(NamedTuple):
    """Who is due besides children at an entry age, and the draws."""

    new_rep: np.ndarray        # (n,) int64: replicate of each child born or arrived this month
    new_slot: np.ndarray       # (n,) int64: its slot
    everyone: bool             # the start of a run: every child old enough is due
    takeup_base: np.ndarray    # (R,) uint64: stream "schools.takeup" (Streams.base)
    pick_base: np.ndarray      # (R,) uint64: stream "schools.pick"


@nb.njit(inline="always", cache=True, error_model="numpy")
def _enrol_one(r, c, rules, settings, pupils, inputs):
    a = pupils.age[r, c]
    level = -1
    for i in range(rules.entry_age.shape[0]):
        if rules.entry_age[i] <= a:
            level = i
    takeup = rules.takeup[level]
    attends = takeup >= 1.0 or uniform(inputs.takeup_base[r], c) < takeup
    n = settings.count[level]
    if n > 0:
        pick = settings.options[level, min(int(uniform(inputs.pick_base[r], c) * n), n - 1)]
    else:
        pick = OUTSIDE
    pupils.school[r, c] = pick if attends else NONE


@nb.njit(cache=True, error_model="numpy")
def enrol(rules, settings, pupils, inputs):
    """Enrol children due this month: at an entry age of a level, newcomers old enough
    for a setting, or (inputs.everyone, the start of a run) every child old enough. A
    child attends with the level's take-up chance (draw at its slot) and picks one of the
    level's settings uniformly (a second draw), or one outside the area if there is none."""
    alive, age, entry_age = pupils.alive, pupils.age, rules.entry_age
    R, C = alive.shape
    for r in range(R):
        for c in range(C):
            if not alive[r, c]:
                continue
            a = age[r, c]
            due = a >= entry_age[0] if inputs.everyone else False
            for i in range(entry_age.shape[0]):
                if a == entry_age[i]:
                    due = True
            if due:
                _enrol_one(r, c, rules, settings, pupils, inputs)
    if inputs.everyone:
        return
    for i in range(inputs.new_rep.shape[0]):
        r, c = inputs.new_rep[i], inputs.new_slot[i]
        if alive[r, c] and age[r, c] >= entry_age[0]:
            _enrol_one(r, c, rules, settings, pupils, inputs)
