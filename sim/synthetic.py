"""Synthetic neighbourhoods: the five area indicators drawn like England's small areas.

Seed 004 Table 1 gives, for each indicator, the mean, the sd, the minimum and the
maximum across 32,482 LSOAs. The marginals are bounded and skewed (unemployment is
2.42 +- 2.08 with a floor of 0), so each is a Beta distribution rescaled to [min, max]
with the table's mean and sd (method of moments). The indicators overlap (seed 004
L820-842); they are joined by a Gaussian copula whose correlation is an assumption
(`PlaceParams.synthetic_correlation`). `sim` never reads files: the table arrives as an
`IndicatorTable` built by the config layer (configs/evidence.py) from configs/data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INDICATORS = ("health", "unemployment", "adult_education", "deprivation", "housing")
# +1 where a higher value means more disadvantage (seed 004 Table 1, column higher_is).
DISADVANTAGE_SIGN = np.array([-1.0, 1.0, 1.0, 1.0, 1.0])


@dataclass(frozen=True)
class IndicatorTable:
    """Mean, sd, min and max of each indicator across LSOAs, in INDICATORS order."""

    mean: tuple[float, ...]
    sd: tuple[float, ...]
    min: tuple[float, ...]
    max: tuple[float, ...]

    def beta_shapes(self) -> list[tuple[float, float]]:
        """Beta(a, b) on [min, max] matching each mean and sd (method of moments)."""
        shapes = []
        for m, s, lo, hi in zip(self.mean, self.sd, self.min, self.max):
            mu = (m - lo) / (hi - lo)
            var = (s / (hi - lo)) ** 2
            common = mu * (1 - mu) / var - 1
            shapes.append((mu * common, (1 - mu) * common))
        return shapes


def correlation_matrix(rho: float) -> np.ndarray:
    """Equicorrelated disadvantage, with health entering with the opposite sign."""
    sign = DISADVANTAGE_SIGN
    c = rho * np.outer(sign, sign)
    np.fill_diagonal(c, 1.0)
    return c


def cholesky(a: np.ndarray) -> np.ndarray:
    """Lower-triangular L with L L^T = a (Cholesky-Banachiewicz), in plain loops: LAPACK's
    result depends on the CPU in the last bits, and the matrix is 5 x 5."""
    n = a.shape[0]
    out = np.zeros_like(a, dtype=float)
    for i in range(n):
        for j in range(i + 1):
            total = float(a[i, j])
            for k in range(j):
                total -= out[i, k] * out[j, k]
            if i == j:
                if not total > 0.0:          # NaN too
                    raise ValueError(f"cholesky: matrix is not positive definite (pivot {i} is {total:g})")
                out[i, j] = math.sqrt(total)
            else:
                out[i, j] = total / out[j, j]
    return out


def draw_indicators(table: IndicatorTable, rho: float, z: np.ndarray) -> np.ndarray:
    """Map standard normals z (R, 5) to indicator values (R, 5) in Table 1 units."""
    from scipy import stats          # here, not at the top: only synthetic places need it (0.4 s to import)

    chol = cholesky(correlation_matrix(rho))
    # (z @ chol.T) as products and short sums: no BLAS, whose last bits depend on the CPU.
    u = stats.norm.cdf((z[:, None, :] * chol[None, :, :]).sum(axis=2))
    out = np.empty_like(u)
    for i, (a, b) in enumerate(table.beta_shapes()):
        out[:, i] = table.min[i] + (table.max[i] - table.min[i]) * stats.beta.ppf(u[:, i], a, b)
    return out
