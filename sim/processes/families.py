"""Family circumstances: work, arrears, stress, home learning, informal support, eviction.

Stress and home learning relax toward targets set by the family's circumstances, its
informal support (seed 003 L2266-2269: most children rely on informal networks) and the
support it receives from services this month. Arrears build in workless or pressured
families; eviction (a move) becomes likely at high arrears (seed 003 L838-843).
Equations: docs/ODD.md, "Families".
"""
from __future__ import annotations

import numpy as np

from sim import orgs as O
from sim.params import ModelParams
from sim.rng import Streams
from sim.state import State

FULL_SUPPORT_TIES = 4.0  # informal ties at which a family's informal support saturates


def neighbour_mean(state: State, values: np.ndarray) -> np.ndarray:
    """Mean of a family quantity (R, F) over each family's informal ties; a family with
    no ties is its own reference (nothing pulls it either way)."""
    ps = state.place
    total = (ps.family_ties @ values.ravel()).reshape(values.shape)
    return np.where(ps.degree > 0, total / np.maximum(ps.degree, 1), values)


def targets(state: State, params: ModelParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Informal support, and the stress and home-learning targets it implies (R, F)."""
    fa, ps = state.families, state.place
    fp = params.families
    sup = state.family_support
    # Informal support: what neighbours who are not themselves stressed can give.
    ties_scale = np.minimum(ps.degree / FULL_SUPPORT_TIES, 1.0)
    informal = ties_scale * neighbour_mean(state, 1.0 - fa.stress)
    # Stress target: logistic in circumstances, buffered by informal and service support.
    housing_now = fa.housing - sup[..., O.FC["housing"]]
    drive = (fp.stress_intercept + fp.stress_deprivation * fa.deprivation
             + fp.stress_workless * fa.workless + fp.stress_debt * fa.debt
             + fp.stress_housing * housing_now + fp.stress_health * fa.poor_health
             - fp.informal_buffer * informal - sup[..., O.FC["stress"]])
    target_stress = 1.0 / (1.0 + np.exp(-drive))
    # Home-learning target (SD): qualifications, stress, norms, informal and service support.
    target_hle = (fp.hle_intercept - fp.hle_qualification * fa.no_qualifications
                  - fp.hle_stress * fa.stress - fp.hle_deprivation * fa.deprivation
                  + params.norms.hle_effect * fa.norm
                  + params.development.informal_support_effect * informal
                  + sup[..., O.FC["hle"]])
    return informal, target_stress, target_hle


def settle(state: State, params: ModelParams, rounds: int = 6) -> None:
    """Put stress and home learning at their targets (start of a run; no time passes)."""
    fa = state.families
    for _ in range(rounds):
        fa.informal_support, fa.stress, _ = targets(state, params)
    _, _, fa.home_learning = targets(state, params)


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    fa, ps = state.families, state.place
    fp = params.families
    F = fa.deprivation.shape[1]
    sup = state.family_support
    u = streams.uniform("families", month, (F, 2))

    # Work: finding is helped by employment advice; losing keeps the place's rate stationary.
    rate = ps.workless_rate[:, None]
    finding = np.clip(fp.job_finding * (1 + sup[..., O.FC["work"]]), 0, 1)
    losing = fp.job_finding * rate / np.maximum(1 - rate, 1e-6)
    fa.workless = np.where(fa.workless, u[..., 0] >= finding, u[..., 0] < losing)

    # Arrears: build when workless or under housing pressure, repaid in work, cut by advice.
    pressure = fa.workless + 0.5 * np.clip(fa.housing, 0, None)
    fa.debt = np.clip(fa.debt + fp.debt_build * pressure - fp.debt_repay * (~fa.workless)
                      - sup[..., O.FC["debt"]], 0.0, 1.0)

    informal, target_stress, target_hle = targets(state, params)
    fa.informal_support = informal
    fa.stress += fp.stress_rate * (target_stress - fa.stress)
    fa.home_learning += fp.hle_rate * (target_hle - fa.home_learning)

    # Eviction at high arrears, softened by housing support; the move happens next month.
    evict_p = fp.eviction_rate * fa.debt ** 2 * np.exp(-sup[..., O.FC["housing"]])
    fa.evict_pending = u[..., 1] < evict_p
