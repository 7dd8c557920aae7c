"""Matrix products that give the same bits on every CPU.

BLAS (OpenBLAS, which NumPy's `@` calls) picks a kernel for the CPU it runs on, and
kernels sum in different orders and with or without fused multiply-add, so a product's
last bits depend on the machine: a run's organisation network came out different when
OpenBLAS was made to use an older CPU's kernels (docs/ODD.md 10.2). These loops sum every
entry over k in increasing order, a multiply then an add (numba does not fuse them
unless asked), so a result depends only on its inputs. A zero left factor is skipped:
adding 0 x b changes no sum. The inner loop runs along rows, which the compiler
vectorises without reordering any sum.
"""
from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, error_model="numpy")
def shared_times(B, A):
    """B.T @ A[r] for a (p, q) B and an (R, p, n) A -> (R, q, n), summed over p in
    increasing order (a membership matrix's transpose times per-replicate rows)."""
    p, q = B.shape
    R, _, n = A.shape
    out = np.zeros((R, q, n))
    for r in range(R):
        for k in range(p):
            for i in range(q):
                b = B[k, i]
                if b != 0.0:
                    for j in range(n):
                        out[r, i, j] += b * A[r, k, j]
    return out


TILE = 32   # transposed reads and writes in tiles, so a column walk stays in cache


@nb.njit(cache=True, error_model="numpy")
def is_symmetric(X):
    """Whether the square matrix X equals its transpose exactly."""
    n = X.shape[0]
    for i0 in range(0, n, TILE):
        for j0 in range(i0, n, TILE):
            for i in range(i0, min(i0 + TILE, n)):
                for j in range(max(j0, i + 1), min(j0 + TILE, n)):
                    if X[i, j] != X[j, i]:
                        return False
    return True


@nb.njit(cache=True, error_model="numpy")
def square(S):
    """S[r] @ S[r] for (R, n, n) S, every entry summed over k in increasing order. Where a
    replicate's S is exactly symmetric (organisation ties are), the upper triangle is
    summed and mirrored: (S S)[j, i] has the same products as (S S)[i, j] (a x b = b x a
    exactly) in the same order of k, so half the work gives the same numbers."""
    R, n, _ = S.shape
    out = np.zeros((R, n, n))
    for r in range(R):
        X = S[r]
        C = out[r]
        symmetric = is_symmetric(X)
        for i in range(n):
            start = i if symmetric else 0
            row = C[i, start:]                 # row slices: the loop below vectorises
            for k in range(n):
                a = X[i, k]
                if a != 0.0:
                    other = X[k, start:]
                    for j in range(n - start):
                        row[j] += a * other[j]
        if symmetric:
            for i0 in range(0, n, TILE):
                for j0 in range(i0, n, TILE):
                    for i in range(i0, min(i0 + TILE, n)):
                        for j in range(max(j0, i + 1), min(j0 + TILE, n)):
                            C[j, i] = C[i, j]
    return out


@nb.njit(cache=True, error_model="numpy")
def sum_by_group(A, group, n_groups):
    """(R, n, p) -> (R, n, n_groups): out[r, i, g] sums A[r, i, k] over the k with
    group[k] == g, in increasing k (group -1: in no group): A[r] @ M for the 0/1 matrix M
    of the groups, summed in that order (a x 1 is a; a x 0 adds nothing)."""
    R, n, p = A.shape
    out = np.zeros((R, n, n_groups))
    for r in range(R):
        for i in range(n):
            for k in range(p):
                g = group[k]
                if g >= 0:
                    out[r, i, g] += A[r, i, k]
    return out


@nb.njit(cache=True, error_model="numpy")
def matvec(A, v):
    """(R, n, p) @ (R, p) -> (R, n), each entry summed over k in increasing order."""
    R, n, p = A.shape
    out = np.zeros((R, n))
    for r in range(R):
        for i in range(n):
            total = 0.0
            for k in range(p):
                total += A[r, i, k] * v[r, k]
            out[r, i] = total
    return out


@nb.njit(inline="always", cache=True, error_model="numpy")
def _block_sum(a, lo, n):
    """NumPy's pairwise sum of a block of at most 128 (see row_sum)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    s0, s1, s2, s3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    s4, s5, s6, s7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        s0 += a[lo + i]
        s1 += a[lo + i + 1]
        s2 += a[lo + i + 2]
        s3 += a[lo + i + 3]
        s4 += a[lo + i + 4]
        s5 += a[lo + i + 5]
        s6 += a[lo + i + 6]
        s7 += a[lo + i + 7]
        i += 8
    res = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@nb.njit(cache=True, error_model="numpy")
def row_sum(a, lo, n):
    """a[lo:lo + n] summed as NumPy sums a row (`x.sum(axis=-1)` of a C-contiguous x):
    blocks of up to 128 with eight running sums each, joined as
    ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), the rest added in order (fewer
    than eight: in order); a longer row splits in two halves (the first a multiple of 8)
    whose sums are added. So a kernel can take a row sum NumPy used to take and give the
    same bits (tests/test_linalg.py checks it against NumPy for every length to 300).
    The halving runs on a task stack, not by recursion, which numba cannot cache."""
    if n <= 128:
        return _block_sum(a, lo, n)
    # Tasks: (0, start, length) sums a range, (1, 0, 0) adds the two values on top.
    kind = np.empty(128, dtype=np.int64)
    start = np.empty(128, dtype=np.int64)
    length = np.empty(128, dtype=np.int64)
    values = np.empty(64)
    kind[0], start[0], length[0] = 0, lo, n
    tasks = 1
    held = 0
    while tasks > 0:
        tasks -= 1
        if kind[tasks] == 1:
            held -= 1
            values[held - 1] = values[held - 1] + values[held]
            continue
        first, m = start[tasks], length[tasks]
        if m <= 128:
            values[held] = _block_sum(a, first, m)
            held += 1
            continue
        half = m // 2
        half -= half % 8
        # Run in order: the first half, the second, then their sum.
        kind[tasks], start[tasks], length[tasks] = 1, 0, 0
        kind[tasks + 1], start[tasks + 1], length[tasks + 1] = 0, first + half, m - half
        kind[tasks + 2], start[tasks + 2], length[tasks + 2] = 0, first, half
        tasks += 3
    return values[0]
