"""Families: a month of work, arrears, informal support, stress, home learning, eviction."""
from __future__ import annotations

import math

import numba as nb

from sim.kernels.hashing import uniform
from sim.kernels.social import neighbour_mean


# Indices into the coefficient vector built by sim.processes.families.coefficients().
(F_JOB, F_DEBT_BUILD, F_DEBT_REPAY, F_EVICT, F_STRESS_RATE, F_HLE_RATE, F_BUFFER, F_S0, F_SDEP,
 F_SWORK, F_SDEBT, F_SHOUSE, F_SHEALTH, F_H0, F_HQUAL, F_HSTRESS, F_HDEP, F_HNORM, F_HINFORMAL,
 F_FULL_TIES, N_FCOEF) = range(21)
# Family support channels (sim.orgs.FAMILY_CHANNELS).
CH_STRESS, CH_DEBT, CH_HOUSING, CH_HLE, CH_WORK = range(5)


@nb.njit(cache=True, error_model="numpy")
def family_month(workless, debt, stress, hle, informal, housing, deprivation, poor_health,
                 no_qual, norm, indptr, indices, data, degree, sup, supported, workless_rate, coef,
                 base, evict_pending, settle, unstressed, neighbours_unstressed):
    """A month of family circumstances in one pass (docs/ODD.md 7.5).

    Informal ties are the place's CSR matrix (sim.kernels.social). Services' support `sup`
    is read only for families `supported` now (zero for the others). Work and arrears
    move; informal support is what non-stressed neighbours can give;
    stress and home learning relax toward their targets; eviction risk from arrears.
    With `settle`, only informal support, stress and home learning are set (to their
    targets): the start of a run, no draws and no time passing.
    """
    R, F = stress.shape
    for r in range(R):
        for f in range(F):
            unstressed[r, f] = 1.0 - stress[r, f]
        for f in range(F):
            neighbours_unstressed[r, f] = neighbour_mean(r, f, indptr, indices, data, degree, unstressed)
        rate = workless_rate[r]
        losing = coef[F_JOB] * rate / max(1.0 - rate, 1e-6)
        for f in range(F):
            if supported[r, f]:
                s_stress, s_debt, s_housing = sup[r, f, CH_STRESS], sup[r, f, CH_DEBT], sup[r, f, CH_HOUSING]
                s_hle, s_work = sup[r, f, CH_HLE], sup[r, f, CH_WORK]
            else:
                s_stress = s_debt = s_housing = s_hle = s_work = 0.0
            if not settle:
                u0 = uniform(base[r], 2 * f)
                finding = min(max(coef[F_JOB] * (1.0 + s_work), 0.0), 1.0)
                if workless[r, f]:
                    workless[r, f] = u0 >= finding
                else:
                    workless[r, f] = u0 < losing
                pressure = (1.0 if workless[r, f] else 0.0) + 0.5 * max(housing[r, f], 0.0)
                repay = 0.0 if workless[r, f] else coef[F_DEBT_REPAY]
                debt[r, f] = min(max(debt[r, f] + coef[F_DEBT_BUILD] * pressure - repay
                                     - s_debt, 0.0), 1.0)
            ties_scale = min(degree[r, f] / coef[F_FULL_TIES], 1.0)
            inf = ties_scale * neighbours_unstressed[r, f]
            informal[r, f] = inf
            drive = (coef[F_S0] + coef[F_SDEP] * deprivation[r, f]
                     + coef[F_SWORK] * (1.0 if workless[r, f] else 0.0) + coef[F_SDEBT] * debt[r, f]
                     + coef[F_SHOUSE] * (housing[r, f] - s_housing)
                     + coef[F_SHEALTH] * (1.0 if poor_health[r, f] else 0.0)
                     - coef[F_BUFFER] * inf - s_stress)
            target_stress = 1.0 / (1.0 + math.exp(-drive))
            target_hle = (coef[F_H0] - coef[F_HQUAL] * (1.0 if no_qual[r, f] else 0.0)
                          - coef[F_HSTRESS] * stress[r, f] - coef[F_HDEP] * deprivation[r, f]
                          + coef[F_HNORM] * (1.0 if norm[r, f] else 0.0)
                          + coef[F_HINFORMAL] * inf + s_hle)
            if settle:
                stress[r, f] = target_stress
                hle[r, f] = target_hle
                continue
            stress[r, f] += coef[F_STRESS_RATE] * (target_stress - stress[r, f])
            hle[r, f] += coef[F_HLE_RATE] * (target_hle - hle[r, f])
            # No arrears, no eviction risk (a draw can never fall below 0): skip the draw.
            if debt[r, f] > 0.0:
                housing_help = s_housing
                evict_p = coef[F_EVICT] * debt[r, f] * debt[r, f] * (
                    math.exp(-housing_help) if housing_help != 0.0 else 1.0)
                evict_pending[r, f] = uniform(base[r], 2 * f + 1) < evict_p
            else:
                evict_pending[r, f] = False
