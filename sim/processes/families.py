"""Family circumstances: work, arrears, stress, home learning, informal support, eviction.

Stress and home learning relax toward targets set by the family's circumstances, its
informal support (seed 003 L2266-2269: most children rely on informal networks) and the
support it receives from services this month. Arrears build in workless or pressured
families; eviction (a move) becomes likely at high arrears (seed 003 L838-843).

The rule in plain NumPy is `families_numpy` (and `settle_numpy` for the start of a run);
the model runs it compiled, with trust and norms in one walk over the informal ties
(sim.processes.informal, sim.kernels.informal). Equations: docs/ODD.md, "Families".
"""
from __future__ import annotations

import numpy as np

from sim.kernels.informal import (CH_DEBT, CH_HLE, CH_HOUSING, CH_STRESS, CH_WORK, FamilyArrays,
                                  FamilyRules, Received)
from sim.params import ModelParams
from sim.registry import record

FULL_SUPPORT_TIES = 4.0  # informal ties at which a family's informal support saturates


def rules(params: ModelParams) -> FamilyRules:
    """The families' parameters as the kernel takes them (with the norms' and
    development's effects of home learning and informal support)."""
    return record(FamilyRules, params.families, params.norms, params.development,
                  full_support_ties=FULL_SUPPORT_TIES)

def support_now(received: Received) -> dict[str, np.ndarray]:
    """This month's support by channel, (R, F) each; zero where a family is not supported
    now (whatever its row holds)."""
    now = received.family_supported_now
    return {name: np.where(now, received.family_support[..., ch], 0.0)
            for name, ch in (("stress", CH_STRESS), ("debt", CH_DEBT), ("housing", CH_HOUSING),
                             ("hle", CH_HLE), ("work", CH_WORK))}


def targets_numpy(rules: FamilyRules, fa: FamilyArrays, workless: np.ndarray, debt: np.ndarray,
                  informal: np.ndarray,
                  sup: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Target stress and home learning, from this month's work, arrears and informal
    support and last month's stress."""
    drive = (rules.stress_intercept
             + rules.stress_deprivation * fa.deprivation
             + rules.stress_workless * workless
             + rules.stress_debt * debt
             + rules.stress_housing * (fa.housing - sup["housing"])
             + rules.stress_health * fa.poor_health
             - rules.informal_buffer * informal
             - sup["stress"])
    stress_target = 1.0 / (1.0 + np.exp(-drive))
    hle_target = (rules.hle_intercept
                  - rules.hle_qualification * fa.no_qualifications
                  - rules.hle_stress * fa.stress
                  - rules.hle_deprivation * fa.deprivation
                  + rules.hle_effect * fa.norm
                  + rules.informal_support_effect * informal
                  + sup["hle"])
    return stress_target, hle_target


def informal_support_numpy(rules: FamilyRules, degree: np.ndarray,
                           mean_unstressed: np.ndarray) -> np.ndarray:
    """What calm neighbours can give: the ties' mean of 1 - stress, scaled by the number
    of ties up to FULL_SUPPORT_TIES."""
    return np.minimum(degree / rules.full_support_ties, 1.0) * mean_unstressed


def families_numpy(rules: FamilyRules, fa: FamilyArrays, received: Received,
                   workless_rate: np.ndarray, degree: np.ndarray, mean_unstressed: np.ndarray,
                   draws: np.ndarray) -> None:
    """A month of the families, in place (ODD 7.5). `mean_unstressed` is the ties' mean of
    last month's 1 - stress; `draws` (R, F, 2) are the "families" stream's uniforms, [..., 0]
    for work and [..., 1] for eviction."""
    sup = support_now(received)
    finding = np.clip(rules.job_finding * (1.0 + sup["work"]), 0.0, 1.0)
    losing = (rules.job_finding * workless_rate / np.maximum(1.0 - workless_rate, 1e-6))[:, None]
    workless = np.where(fa.workless, draws[..., 0] >= finding, draws[..., 0] < losing)
    pressure = workless + 0.5 * np.maximum(fa.housing, 0.0)
    repay = np.where(workless, 0.0, rules.debt_repay)
    debt = np.clip(fa.debt + rules.debt_build * pressure - repay - sup["debt"], 0.0, 1.0)
    informal = informal_support_numpy(rules, degree, mean_unstressed)
    stress_target, hle_target = targets_numpy(rules, fa, workless, debt, informal, sup)
    evict_chance = rules.eviction_rate * debt * debt * np.exp(-sup["housing"])
    fa.workless[:] = workless
    fa.debt[:] = debt
    fa.informal_support[:] = informal
    fa.stress[:] = fa.stress + rules.stress_rate * (stress_target - fa.stress)
    fa.home_learning[:] = fa.home_learning + rules.hle_rate * (hle_target - fa.home_learning)
    fa.evict_pending[:] = draws[..., 1] < evict_chance


def settle_numpy(rules: FamilyRules, fa: FamilyArrays, received: Received, degree: np.ndarray,
                 mean_unstressed: np.ndarray) -> None:
    """One round of the start of a run, in place (ODD 5.7): informal support, stress and
    home learning at their targets, work and arrears as they are; no draws."""
    sup = support_now(received)
    informal = informal_support_numpy(rules, degree, mean_unstressed)
    stress_target, hle_target = targets_numpy(rules, fa, fa.workless, fa.debt, informal, sup)
    fa.informal_support[:] = informal
    fa.stress[:] = stress_target
    fa.home_learning[:] = hle_target
