"""The compiled enrolment (sim.kernels.schools.enrol) against its readable statement
(sim.processes.schools.enrol_numpy): exactly the same schools on small random states."""
from __future__ import annotations

import numpy as np
import pytest

from sim.kernels import schools as KS
from sim.kernels.schools import LevelSettings, Pupils, SchoolInputs, SchoolRules
from sim.processes.schools import ENTRY_AGES, enrol_numpy
from sim.rng import Streams


def random_month(seed: int, everyone: bool, R: int = 3, C: int = 80, no_settings: int | None = None):
    """Many children at an entry age, some a month either side, some too young; dead
    slots; newcomers (some too young, some dead, one listed twice); take-up 1 and below 1;
    a level with no setting in the place (its children go outside)."""
    rng = np.random.default_rng(seed)
    ages = np.concatenate([ENTRY_AGES, ENTRY_AGES - 1, ENTRY_AGES + 1, [0, 10, 60, 150, 200, 227]])
    age = rng.choice(ages, (R, C)).astype(np.int32)
    alive = rng.random((R, C)) < 0.85
    school = rng.integers(-2, 6, (R, C)).astype(np.int32)
    counts = rng.integers(1, 4, len(ENTRY_AGES))
    counts[rng.integers(len(ENTRY_AGES)) if no_settings is None else no_settings] = 0
    options = np.zeros((len(ENTRY_AGES), counts.max()), dtype=np.int64)
    for level, n in enumerate(counts):
        options[level, :n] = rng.choice(12, n, replace=False)
    takeup = np.array([rng.uniform(0.3, 0.9), 1.0, 1.0, rng.uniform(0.3, 0.9)])
    n_new = 15
    new_rep, new_slot = rng.integers(0, R, n_new), rng.integers(0, C, n_new)
    new_rep[-1], new_slot[-1] = new_rep[0], new_slot[0]
    streams = Streams(list(range(seed, seed + R)))
    inputs = SchoolInputs(new_rep=new_rep.astype(np.int64), new_slot=new_slot.astype(np.int64),
                          everyone=everyone, takeup_base=streams.base("schools.takeup", 5),
                          pick_base=streams.base("schools.pick", 5))
    return (SchoolRules(entry_age=ENTRY_AGES, takeup=takeup),
            LevelSettings(options=options, count=counts.astype(np.int64)),
            Pupils(alive=alive, age=age, school=school), inputs)


def run_both(rules, settings, pupils, inputs):
    want = enrol_numpy(rules, settings, pupils, inputs)
    got = pupils._replace(school=pupils.school.copy())
    KS.enrol(rules, settings, got, inputs)
    return got.school, want


@pytest.mark.parametrize("everyone", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_kernel_equals_statement(seed, everyone):
    school, want = run_both(*random_month(seed, everyone))
    assert np.array_equal(school, want)


def test_the_random_states_exercise_every_rule():
    """Children are enrolled, some decline, some go outside the area, and the dead and
    those not due keep what they had."""
    rules, settings, pupils, inputs = random_month(1, False, no_settings=1)
    school, _ = run_both(rules, settings, pupils, inputs)
    changed = school != pupils.school
    assert changed.any() and (school[changed] == KS.NONE).any() and (school[changed] == KS.OUTSIDE).any()
    assert np.array_equal(school[~pupils.alive], pupils.school[~pupils.alive])
    not_due = pupils.alive & ~np.isin(pupils.age, ENTRY_AGES)
    not_due[inputs.new_rep, inputs.new_slot] = False
    assert np.array_equal(school[not_due], pupils.school[not_due])


def test_no_newcomers():
    rules, settings, pupils, inputs = random_month(2, False)
    inputs = inputs._replace(new_rep=np.empty(0, dtype=np.int64), new_slot=np.empty(0, dtype=np.int64))
    school, want = run_both(rules, settings, pupils, inputs)
    assert np.array_equal(school, want)
