"""sim.processes.system.step (no kernel: the rules are stated there) against the
equations of docs/ODD.md 7.11, written out per replicate, on small random states."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from sim.kernels.development import SUMMARY_COLUMNS
import pytest

from sim.params import ModelParams, System
from sim.processes import system


def random_state(seed: int, R: int = 6):
    """Hours or none, ceilings above and below the current values, voice and data
    maturity anywhere in [0, 1]; every parameter a different value."""
    rng = np.random.default_rng(seed)
    params = ModelParams(system=dataclasses.replace(
        System(), data_baseline=rng.uniform(0.0, 0.3), data_gain=rng.uniform(0.01, 0.5),
        data_decay=rng.uniform(0.0, 0.1), voice_gain=rng.uniform(0.01, 0.5),
        voice_decay=rng.uniform(0.0, 0.1), children_hours_to_residents=rng.uniform(0.0, 1.0),
        voice_openness=rng.uniform(0.0, 1.5)))
    state = SimpleNamespace(
        data_maturity=rng.random(R), voice=rng.random(R), children_voice=rng.random(R),
        data_work=np.where(rng.random(R) < 0.7, rng.uniform(0.0, 400.0, R), 0.0),
        community_hours=np.where(rng.random(R) < 0.7, rng.uniform(0.0, 400.0, R), 0.0),
        children_share_now=np.where(rng.random(R) < 0.5, rng.uniform(0.0, 0.6, R), 0.0),
        data_ceiling=rng.uniform(0.3, 1.0, R), voice_ceiling=rng.uniform(0.0, 1.0, R),
        flows=SimpleNamespace(first_supported=rng.integers(0, 5, R)),
        families_reached=np.zeros(R, dtype=np.int64), orgs_ever_engaged=np.zeros((R, 4), dtype=bool),
        orgs=SimpleNamespace(engagement=rng.random((R, 4)), active=rng.random((R, 4)) < 0.8,
                             neutral=np.array([False, False, False, True])),
        child_summary=np.zeros((R, SUMMARY_COLUMNS)), children_reached=np.zeros(R, dtype=np.int64),
        place=SimpleNamespace(partnership=rng.uniform(0.0, 0.8)))
    return state, params


def odd_7_11(state, p: System, r: int) -> tuple[float, float, float]:
    """docs/ODD.md 7.11 for replicate r, line by line."""
    dm, v, cv = state.data_maturity[r], state.voice[r], state.children_voice[r]
    dm = dm + min(p.data_gain * state.data_work[r] / 100 * (0.5 + 0.5 * v), 1) * max(state.data_ceiling[r] - dm, 0)
    dm = dm - p.data_decay * (dm - p.data_baseline)
    gain = p.voice_gain * (1 + p.voice_openness * (1 - state.place.partnership))
    h_children = state.community_hours[r] * state.children_share_now[r]
    h_residents = state.community_hours[r] - h_children * (1 - p.children_hours_to_residents)
    v = v + min(gain * h_residents / 100, 1) * max(state.voice_ceiling[r] - v, 0)
    v = v - p.voice_decay * v
    cv = cv + min(gain * h_children / 100, 1) * max(state.voice_ceiling[r] - cv, 0)
    cv = cv - p.voice_decay * cv
    return min(max(dm, 0.0), 1.0), min(max(v, 0.0), 1.0), min(max(cv, 0.0), 1.0)


@pytest.mark.parametrize("seed", range(6))
def test_step_follows_the_odd_equations(seed):
    state, params = random_state(seed)
    want = [odd_7_11(state, params.system, r) for r in range(len(state.voice))]
    system.step(state, params)
    assert np.array_equal(state.data_maturity, [dm for dm, _, _ in want])
    assert np.array_equal(state.voice, [v for _, v, _ in want])
    assert np.array_equal(state.children_voice, [cv for _, _, cv in want])


def test_without_hours_data_maturity_stays_at_its_baseline_and_voice_at_zero():
    state, params = random_state(0)
    state.data_work[:] = state.community_hours[:] = 0.0
    state.data_maturity[:] = params.system.data_baseline
    state.voice[:] = state.children_voice[:] = 0.0
    for _ in range(24):
        system.step(state, params)
    assert np.all(state.data_maturity == params.system.data_baseline) and not state.voice.any()
    assert not state.children_voice.any()
