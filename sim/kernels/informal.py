"""Families, trust and norms: the three processes that walk the informal ties.

Each takes a mean over every family's ties: families of last month's stress (what calm
neighbours can give), trust of trust after this month's contacts, norms of last month's
norms. None reads what another writes this month (families read the norm before norms
change it, as in the listed order), so the model runs all three in one call: a first
pass records what each family shows its neighbours, then one pass over the families
walks each one's ties for the three means and applies its three updates.
Each process's own step (sim/processes/families.py, trust.py, norms.py, and the process
tests) runs the same kernel with the other two switched off, so there is one copy of
each equation; tests/test_processes.py checks that one call equals the three in turn.
The equations are in those modules and docs/ODD.md 7.5-7.7.

The ties are the place's block-diagonal CSR matrix over the batch's R x F families (flat
index r * F + f), every weight 1 (sim.state.Place.family_ties), so the walk reads only
the structure; a sum over a row runs in index order, as scipy's matvec does, so a mean
is the same number as `family_ties @ values / degree` (1 x v is v exactly).
"""
from __future__ import annotations

import math

import numba as nb

from sim.kernels.hashing import uniform


# Indices into the coefficient vector built by sim.processes.families.coefficients().
(F_JOB, F_DEBT_BUILD, F_DEBT_REPAY, F_EVICT, F_STRESS_RATE, F_HLE_RATE, F_BUFFER, F_S0, F_SDEP,
 F_SWORK, F_SDEBT, F_SHOUSE, F_SHEALTH, F_H0, F_HQUAL, F_HSTRESS, F_HDEP, F_HNORM, F_HINFORMAL,
 F_FULL_TIES, N_FCOEF) = range(21)
# Family support channels (sim.orgs.FAMILY_CHANNELS).
CH_STRESS, CH_DEBT, CH_HOUSING, CH_HLE, CH_WORK = range(5)


@nb.njit(cache=True, error_model="numpy")
def informal_month(run_families, run_trust, run_norms, settle,
                   workless, debt, stress, hle, informal, housing, deprivation, poor_health,
                   no_qual, sup, supported, workless_rate, coef, family_base, evict_pending,
                   trust, contact, starting, gain, spread, relapse,
                   norm, threshold, lowering, hysteresis, abandon, norm_base, local,
                   indptr, indices, degree, shown):
    """A month of the processes switched on, in the order families, trust, norms.

    Families (docs/ODD.md 7.5): work and arrears move; informal support is what
    non-stressed neighbours can give; stress and home learning relax toward their
    targets; eviction risk from arrears. Services' support `sup` is read only for families
    `supported` now. With `settle`, only informal support, stress and home learning are
    set (to their targets): the start of a run, no draws and no time passing.
    Trust (7.6): moves toward the value of a current contact, then toward its ties' mean
    (after everyone's contact), then relapses toward the place's starting level; 0-1.
    Norms (7.7): a family adopts when the share `local` of its ties holding the norm
    reaches its threshold (lowered per replicate by `lowering`); an adopter whose share
    falls `hysteresis` below it gives the norm up with chance `abandon` (draw at slot f
    of `norm_base`).
    Family arrays are (R, F); sup (R, F, channels); workless_rate, starting, lowering and
    the bases (R,). Work arrays: shown (F, 3), what each family of the replicate being
    walked shows its neighbours (1 - stress, trust, norm), side by side so that a tie is
    one read (7% faster than three arrays).
    """
    R, F = stress.shape
    # The coefficients as locals: stores to the family arrays might alias `coef`, so
    # the compiler reloaded every coef[...] after each one (7% of the kernel).
    (job_rate, debt_build, debt_repay, evict_rate, stress_rate,
     hle_rate, buffer, stress0, stress_dep, stress_work,
     stress_debt, stress_housing, stress_health, hle0, hle_qual,
     hle_stress, hle_dep, hle_norm, hle_informal, full_ties) = (
        coef[F_JOB], coef[F_DEBT_BUILD], coef[F_DEBT_REPAY], coef[F_EVICT], coef[F_STRESS_RATE],
        coef[F_HLE_RATE], coef[F_BUFFER], coef[F_S0], coef[F_SDEP], coef[F_SWORK],
        coef[F_SDEBT], coef[F_SHOUSE], coef[F_SHEALTH], coef[F_H0], coef[F_HQUAL],
        coef[F_HSTRESS], coef[F_HDEP], coef[F_HNORM], coef[F_HINFORMAL], coef[F_FULL_TIES])
    for r in range(R):
        # What the neighbours show: last month's stress and norms, trust after contact.
        for f in range(F):
            if run_trust:
                v = contact[r, f]
                if v > 0:
                    trust[r, f] += gain * (v - trust[r, f])
            shown[f, 0] = 1.0 - stress[r, f]
            shown[f, 1] = trust[r, f]
            shown[f, 2] = 1.0 if norm[r, f] else 0.0
        # One pass: a family's walk over its ties takes all three means (side by side in
        # `shown`, one read per tie), then its updates; a switched-off process's means
        # are never read into state.
        offset = r * F
        rate = workless_rate[r]
        fbase, nbase, lower, start_trust = family_base[r], norm_base[r], lowering[r], starting[r]
        losing = job_rate * rate / max(1.0 - rate, 1e-6)
        for f in range(F):
            # The family's neighbour means: the walk reads only `shown`, fixed above, so
            # each family is updated as soon as its means are known.
            i = offset + f
            total_u = 0.0
            total_t = 0.0
            total_n = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                g = indices[jj] - offset
                total_u += shown[g, 0]
                total_t += shown[g, 1]
                total_n += shown[g, 2]
            d = degree[r, f]
            if d > 0:                  # a family with no ties is its own reference
                mean_unstressed = total_u / max(d, 1.0)
                mean_trust = total_t / max(d, 1.0)
                share_norm = total_n / max(d, 1.0)
            else:
                mean_unstressed = shown[f, 0]
                mean_trust = shown[f, 1]
                share_norm = shown[f, 2]
            local[r, f] = share_norm
            if run_families:
                if supported[r, f]:
                    s_stress, s_debt, s_housing = sup[r, f, CH_STRESS], sup[r, f, CH_DEBT], sup[r, f, CH_HOUSING]
                    s_hle, s_work = sup[r, f, CH_HLE], sup[r, f, CH_WORK]
                else:
                    s_stress = s_debt = s_housing = s_hle = s_work = 0.0
                # Values read once into locals and stored once (a store might alias
                # any array, so a re-read after it goes to memory again).
                out_of_work = workless[r, f]
                arrears = debt[r, f]
                housing_f = housing[r, f]
                stress_f = stress[r, f]
                if not settle:
                    u0 = uniform(fbase, 2 * f)
                    finding = min(max(job_rate * (1.0 + s_work), 0.0), 1.0)
                    out_of_work = u0 >= finding if out_of_work else u0 < losing
                    workless[r, f] = out_of_work
                    pressure = (1.0 if out_of_work else 0.0) + 0.5 * max(housing_f, 0.0)
                    repay = 0.0 if out_of_work else debt_repay
                    arrears = min(max(arrears + debt_build * pressure - repay - s_debt, 0.0), 1.0)
                    debt[r, f] = arrears
                ties_scale = min(degree[r, f] / full_ties, 1.0)
                inf = ties_scale * mean_unstressed
                informal[r, f] = inf
                dep = deprivation[r, f]
                drive = (stress0 + stress_dep * dep
                         + stress_work * (1.0 if out_of_work else 0.0) + stress_debt * arrears
                         + stress_housing * (housing_f - s_housing)
                         + stress_health * (1.0 if poor_health[r, f] else 0.0)
                         - buffer * inf - s_stress)
                target_stress = 1.0 / (1.0 + math.exp(-drive))
                target_hle = (hle0 - hle_qual * (1.0 if no_qual[r, f] else 0.0)
                              - hle_stress * stress_f - hle_dep * dep
                              + hle_norm * (1.0 if norm[r, f] else 0.0)
                              + hle_informal * inf + s_hle)
                if settle:
                    stress[r, f] = target_stress
                    hle[r, f] = target_hle
                else:
                    stress[r, f] = stress_f + stress_rate * (target_stress - stress_f)
                    hle[r, f] += hle_rate * (target_hle - hle[r, f])
                    # No arrears, no eviction risk: the chance is 0 and a draw is never
                    # below 0. Every family draws (no branch on arrears, a coin toss).
                    evict_p = evict_rate * arrears * arrears * (
                        math.exp(-s_housing) if s_housing != 0.0 else 1.0)
                    evict_pending[r, f] = uniform(fbase, 2 * f + 1) < evict_p
            if run_trust:
                t = trust[r, f] + spread * (mean_trust - trust[r, f])
                t += relapse * (start_trust - t)
                trust[r, f] = min(max(t, 0.0), 1.0)
            if run_norms:
                t = threshold[r, f] - lower
                if not norm[r, f]:
                    norm[r, f] = share_norm >= t
                elif share_norm < t - hysteresis and uniform(nbase, f) < abandon:
                    norm[r, f] = False
