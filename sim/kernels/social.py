"""Families' informal ties: the neighbour mean, trust spreading, norms by complex
contagion (sim/processes/trust.py and norms.py hold the equations and call these).

The ties are the place's block-diagonal CSR matrix over the batch's R x F families
(flat index r * F + f); a sum over a row runs in index order, as scipy's matvec does,
so the numbers are the same as `family_ties @ values`.
"""
from __future__ import annotations

import numba as nb

from sim.kernels.hashing import uniform


@nb.njit(inline="always", cache=True, error_model="numpy")
def neighbour_mean(r, f, indptr, indices, data, degree, values):
    """Mean of `values` (R, F) over the ties of family f of replicate r; its own value
    if it has none."""
    F = values.shape[1]
    i = r * F + f
    offset = r * F
    total = 0.0
    for jj in range(indptr[i], indptr[i + 1]):
        total += data[jj] * values[r, indices[jj] - offset]
    d = degree[r, f]
    return total / max(d, 1.0) if d > 0 else values[r, f]


@nb.njit(cache=True, error_model="numpy")
def trust_month(trust, contact, starting, gain, spread, relapse, indptr, indices, data,
                degree, scratch):
    """Trust moves toward the value of a current contact, then toward its ties' mean
    (after everyone's contact), then relapses toward the place's starting level; 0-1.
    trust, contact, degree, scratch: (R, F); starting: (R,)."""
    R, F = trust.shape
    for r in range(R):
        for f in range(F):
            v = contact[r, f]
            if v > 0:
                trust[r, f] += gain * (v - trust[r, f])
        for f in range(F):
            scratch[r, f] = neighbour_mean(r, f, indptr, indices, data, degree, trust)
        for f in range(F):
            t = trust[r, f] + spread * (scratch[r, f] - trust[r, f])
            t += relapse * (starting[r] - t)
            trust[r, f] = min(max(t, 0.0), 1.0)


@nb.njit(cache=True, error_model="numpy")
def norms_month(norm, threshold, lowering, hysteresis, abandon, base, indptr, indices, data,
                degree, local, as_float):
    """Complex contagion: a family adopts when the share of its ties holding the norm
    reaches its threshold (lowered per replicate by `lowering`); an adopter whose share
    falls `hysteresis` below it gives the norm up with chance `abandon` (draw at slot f of
    `base`). Everyone reads last month's norms. Writes `local` (share per family).
    norm, threshold, degree, local, as_float: (R, F); lowering, base: (R,)."""
    R, F = norm.shape
    for r in range(R):
        for f in range(F):
            as_float[r, f] = 1.0 if norm[r, f] else 0.0
        for f in range(F):
            local[r, f] = neighbour_mean(r, f, indptr, indices, data, degree, as_float)
        for f in range(F):
            t = threshold[r, f] - lowering[r]
            if not norm[r, f]:
                norm[r, f] = local[r, f] >= t
            elif local[r, f] < t - hysteresis and uniform(base[r], f) < abandon:
                norm[r, f] = False
