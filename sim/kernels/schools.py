"""Schools: enrolment at transition ages and for newcomers, in one pass over children
(sim/processes/schools.py holds the rules and calls this)."""
from __future__ import annotations

import numba as nb

from sim.kernels.hashing import uniform

OUTSIDE, NONE = -2, -1


@nb.njit(inline="always", cache=True, error_model="numpy")
def _enrol_one(r, c, age, school, entry_ages, takeup, options, n_options, take_base, pick_base):
    a = age[r, c]
    level = -1
    for i in range(entry_ages.shape[0]):
        if entry_ages[i] <= a:
            level = i
    attends = takeup[level] >= 1.0 or uniform(take_base[r], c) < takeup[level]
    n = n_options[level]
    if n > 0:
        pick = options[level, min(int(uniform(pick_base[r], c) * n), n - 1)]
    else:
        pick = OUTSIDE
    school[r, c] = pick if attends else NONE


@nb.njit(cache=True, error_model="numpy")
def enrol(alive, age, school, new_rep, new_slot, everyone, entry_ages, takeup, options,
          n_options, take_base, pick_base):
    """Enrol children due this month: at an entry age of a level, newcomers old enough
    for a setting, or (`everyone`, the start of a run) every child old enough. A child
    attends with the level's take-up chance (draw at its slot) and picks one of the
    level's settings uniformly (a second draw), or one outside the area if there is none."""
    R, C = alive.shape
    for r in range(R):
        for c in range(C):
            if not alive[r, c]:
                continue
            a = age[r, c]
            due = a >= entry_ages[0] if everyone else False
            for i in range(entry_ages.shape[0]):
                if a == entry_ages[i]:
                    due = True
            if due:
                _enrol_one(r, c, age, school, entry_ages, takeup, options, n_options,
                           take_base, pick_base)
    if everyone:
        return
    for i in range(new_rep.shape[0]):
        r, c = new_rep[i], new_slot[i]
        if alive[r, c] and age[r, c] >= entry_ages[0]:
            _enrol_one(r, c, age, school, entry_ages, takeup, options, n_options,
                       take_base, pick_base)
