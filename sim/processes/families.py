"""Family circumstances: work, arrears, stress, home learning, informal support, eviction.

Stress and home learning relax toward targets set by the family's circumstances, its
informal support (seed 003 L2266-2269: most children rely on informal networks) and the
support it receives from services this month. Arrears build in workless or pressured
families; eviction (a move) becomes likely at high arrears (seed 003 L838-843).
Equations: docs/ODD.md, "Families".
"""
from __future__ import annotations

import numpy as np

from sim.kernels import informal as KI
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


def coefficients(params: ModelParams) -> np.ndarray:
    """The family coefficients in the order sim.kernels.informal_month expects."""
    fp, K = params.families, KI
    coef = np.zeros(K.N_FCOEF)
    coef[K.F_JOB], coef[K.F_DEBT_BUILD], coef[K.F_DEBT_REPAY] = fp.job_finding, fp.debt_build, fp.debt_repay
    coef[K.F_EVICT], coef[K.F_STRESS_RATE], coef[K.F_HLE_RATE] = fp.eviction_rate, fp.stress_rate, fp.hle_rate
    coef[K.F_BUFFER], coef[K.F_S0], coef[K.F_SDEP] = fp.informal_buffer, fp.stress_intercept, fp.stress_deprivation
    coef[K.F_SWORK], coef[K.F_SDEBT], coef[K.F_SHOUSE] = fp.stress_workless, fp.stress_debt, fp.stress_housing
    coef[K.F_SHEALTH], coef[K.F_H0], coef[K.F_HQUAL] = fp.stress_health, fp.hle_intercept, fp.hle_qualification
    coef[K.F_HSTRESS], coef[K.F_HDEP] = fp.hle_stress, fp.hle_deprivation
    coef[K.F_HNORM] = params.norms.hle_effect
    coef[K.F_HINFORMAL] = params.development.informal_support_effect
    coef[K.F_FULL_TIES] = FULL_SUPPORT_TIES
    return coef


def kernel_inputs(state: State, params: ModelParams, base: np.ndarray) -> tuple:
    """The families' arguments of KI.informal_month, in its order."""
    fa = state.families
    return (fa.workless, fa.debt, fa.stress, fa.home_learning, fa.informal_support, fa.housing,
            fa.deprivation, fa.poor_health, fa.no_qualifications, state.family_support,
            state.family_supported_now, state.place.workless_rate, coefficients(params), base,
            fa.evict_pending)


def settle(state: State, params: ModelParams, rounds: int = 6) -> None:
    """Put stress and home learning at their targets (start of a run; no time passes)."""
    from sim.processes import informal          # informal imports this module

    for _ in range(rounds):
        informal.run(state, params, None, 0, trust=False, norms=False, settle=True)


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    """Work, arrears, informal support, stress, home learning and eviction risk, in
    sim.kernels.informal_month (equations in docs/ODD.md 7.5). The model runs this
    together with trust and norms (sim.processes.informal)."""
    from sim.processes import informal          # informal imports this module

    informal.run(state, params, streams, month, trust=False, norms=False)
