"""Child development in three interacting domains, and the milestones they pass.

Each domain score is a fixed individual component plus an environmental component
that moves, month by month, toward the current inputs of family, school, services and
neighbourhood: env <- p * env + (1 - p) * input + noise. The environmental part is
therefore a weighted sum of everything that happened, month after month, and gains
fade when support stops (Bailey et al. 2017). Domains interact (seed 004: "a problem in
health can compound a problem in education"): a health or wellbeing deficit lowers the
learning input *and* damps what learning support achieves, so support in several
domains at once is super-additive; `Development.cross_domain = 0` switches this off.
Equations: docs/ODD.md, "Development" and "Milestones".
"""
from __future__ import annotations

import functools

import numpy as np

from sim.kernels import development as KDV
from sim import orgs as O
from sim.params import ModelParams
from sim.rng import Streams
from sim.outcomes import MILESTONES, OUTCOMES
from sim.state import SEVERE_STRESS, State

L, H, W = 0, 1, 2
BAND_EDGES = np.array([b[1] for b in O.AGE_BANDS[:-1]], dtype=np.int64)
SQRT12 = np.sqrt(12.0)


def family_of(values: np.ndarray, fam: np.ndarray) -> np.ndarray:
    """Gather a family quantity (R, F) for each child (R, C)."""
    return np.take_along_axis(values, fam, axis=1)


def coefficients(params: ModelParams) -> np.ndarray:
    """The development coefficients in the order sim.kernels expects."""
    dv = params.development
    coef = np.zeros(KDV.N_COEF)
    coef[KDV.C_DEP] = dv.deprivation_effect
    coef[KDV.C_QUAL] = dv.qualification_effect
    coef[KDV.C_WORK] = dv.workless_effect
    coef[KDV.C_HLE] = dv.home_learning_effect
    coef[KDV.C_SCHOOL] = dv.school_effect
    coef[KDV.C_NBHD] = dv.neighbourhood_effect
    coef[KDV.C_CROSS] = dv.cross_domain
    coef[KDV.C_HDEP] = dv.health_deprivation_effect
    coef[KDV.C_HPOOR] = dv.health_poor_effect
    coef[KDV.C_STRESS] = dv.stress_effect
    coef[KDV.C_HOUSING] = dv.housing_effect
    coef[KDV.C_INFORMAL] = dv.informal_support_effect
    return coef


def family_part(state: State, params: ModelParams) -> np.ndarray:
    """(R, F, 3): the family and neighbourhood part of each child's input (a work array of
    State.scratch: valid until the next call)."""
    fa = state.families
    out = state.scratch.get("development.family_part", (*fa.deprivation.shape, 3))
    KDV.family_inputs(coefficients(params), fa.deprivation, fa.no_qualifications,
                          fa.workless, fa.home_learning, fa.stress, fa.housing,
                          fa.informal_support, fa.poor_health, state.local_norm, out)
    return out


def inputs(state: State, params: ModelParams) -> np.ndarray:
    """The environmental input (R, C, 3) each living child receives this month."""
    ch = state.children
    out = np.empty(ch.env.shape)
    KDV.child_inputs(ch.alive, ch.fam, ch.school, ch.age, ch.ability, ch.env,
                         coefficients(params), BAND_EDGES, state.quality_now(),
                         state.child_support.reshape(*state.child_support.shape[:2], -1),
                         state.family_supported_now, family_part(state, params), out)
    return out


def milestone_spec(params: ModelParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per milestone (MILESTONES order): age in months, score weights (L, H, W), threshold,
    as the table of outcomes (sim/outcomes.py) defines them."""
    ms = [OUTCOMES[m] for m in MILESTONES]
    return (np.array([o.age_months for o in ms], dtype=np.int64),
            np.array([o.score for o in ms], dtype=float),
            np.array([getattr(params.milestones, o.threshold.removeprefix("model.milestones.")) for o in ms]))


def exclusion_factor(kinds: np.ndarray) -> np.ndarray:
    """Relative exclusion hazard by school kind: secondary 1, primary 0.05, others 0."""
    return _exclusion_factor(*O.kinds_key(kinds))


@functools.lru_cache(maxsize=64)
def _exclusion_factor(dtype: str, data: bytes) -> np.ndarray:
    kinds = np.frombuffer(data, dtype=dtype)
    factor = np.where(kinds == O.Kind.SECONDARY, 1.0, np.where(kinds == O.Kind.PRIMARY, 0.05, 0.0))
    factor.flags.writeable = False          # shared between models
    return factor


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    ch = state.children
    dv, mp = params.development, params.milestones
    fresh = np.zeros_like(ch.alive)
    if len(state.new_children):
        fresh[state.new_children] = True
    supported = state.family_supported_now
    events = np.zeros((ch.alive.shape[0], 2), dtype=np.int64)
    KDV.development_month(
        ch.alive, fresh, ch.fam, ch.school, ch.age, ch.ability, ch.env, ch.support_months,
        ch.support_domains, coefficients(params), BAND_EDGES, state.quality_now(),
        state.child_support.reshape(*state.child_support.shape[:2], -1), supported,
        family_part(state, params), dv.persistence, dv.noise_sd * SQRT12,
        streams.base("development.noise", month),
        *milestone_spec(params), state.families.in_need, state.flows.milestone_counts,
        exclusion_factor(state.orgs.kind), mp.exclusion_rate * state.exclusion_multiplier,
        mp.exclusion_wellbeing_slope, mp.admission_rate, mp.admission_wellbeing_slope,
        streams.base("development.events", month), events, state.families.stress, SEVERE_STRESS,
        state.child_summary)
    state.flows.exclusions = events[:, 0]
    state.flows.admissions = events[:, 1]
