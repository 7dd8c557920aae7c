"""Compiled inner loops (numba) for the processes that touch every family, child or
family x service each month.

Why: at neighbourhood sizes a month is dominated by the number of array passes, not by
arithmetic; these kernels do in one pass what NumPy needs tens of passes for
(docs/ODD.md, "Performance decisions"). Each implements exactly the equations written
in the sim/processes module that calls it, and draws random numbers with the same
counter-based hash as sim.rng (bit-identical).

One module per process (informal.py serves families, trust and norms, which walk the
same informal ties); this package re-exports their kernels and index constants so
processes call `kernels.<name>`.
"""
from sim.kernels.hashing import GOLDEN, mix, stream_bases_at, uniform, uniforms_at
from sim.kernels.services import (A_HEALTH_DEF, A_KIDS, A_TEEN, A_WELLBEING_DEF, A_YOUNG,
                                  G_ANY, G_CHILDREN, G_TEEN, G_YOUNG, N_AGG,
                                  family_aggregates, kind_totals, service_discharge,
                                  service_intake, service_support)
from sim.kernels.development import (C_CROSS, C_DEP, C_HDEP, C_HLE, C_HOUSING, C_HPOOR,
                                     C_INFORMAL, C_NBHD, C_QUAL, C_SCHOOL, C_STRESS, C_WORK,
                                     N_COEF, child_input, child_inputs, development_month,
                                     family_inputs)
from sim.kernels.informal import (CH_DEBT, CH_HLE, CH_HOUSING, CH_STRESS, CH_WORK, F_BUFFER,
                                  F_DEBT_BUILD, F_DEBT_REPAY, F_EVICT, F_FULL_TIES, F_H0,
                                  F_HDEP, F_HINFORMAL, F_HLE_RATE, F_HNORM, F_HQUAL,
                                  F_HSTRESS, F_JOB, F_S0, F_SDEBT, F_SDEP, F_SHEALTH,
                                  F_SHOUSE, F_STRESS_RATE, F_SWORK, N_FCOEF, informal_month)

__all__ = ["GOLDEN", "mix", "stream_bases_at", "uniform", "uniforms_at", "A_HEALTH_DEF",
           "A_KIDS", "A_TEEN", "A_WELLBEING_DEF", "A_YOUNG", "G_ANY", "G_CHILDREN",
           "G_TEEN", "G_YOUNG", "N_AGG", "family_aggregates", "kind_totals", "service_discharge",
           "service_intake", "service_support", "C_CROSS", "C_DEP", "C_HDEP", "C_HLE",
           "C_HOUSING", "C_HPOOR", "C_INFORMAL", "C_NBHD", "C_QUAL", "C_SCHOOL",
           "C_STRESS", "C_WORK", "N_COEF", "child_input", "child_inputs",
           "development_month", "family_inputs", "CH_DEBT", "CH_HLE", "CH_HOUSING",
           "CH_STRESS", "CH_WORK", "F_BUFFER", "F_DEBT_BUILD", "F_DEBT_REPAY", "F_EVICT",
           "F_FULL_TIES", "F_H0", "F_HDEP", "F_HINFORMAL", "F_HLE_RATE", "F_HNORM",
           "F_HQUAL", "F_HSTRESS", "F_JOB", "F_S0", "F_SDEBT", "F_SDEP", "F_SHEALTH",
           "F_SHOUSE", "F_STRESS_RATE", "F_SWORK", "N_FCOEF", "informal_month"]
