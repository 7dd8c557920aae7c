"""sim.kernels.linalg: products summed in one fixed order, so every CPU gets the same bits."""
from __future__ import annotations

import numpy as np
import numba as nb
import pytest

from sim.kernels import linalg


def _sequential(A, B):
    """A @ B with every entry summed over k in increasing order, in plain Python floats."""
    n, p = A.shape
    q = B.shape[1]
    out = np.zeros((n, q))
    for i in range(n):
        for j in range(q):
            total = 0.0
            for k in range(p):
                total += float(A[i, k]) * float(B[k, j])
            out[i, j] = total
    return out


def _square_reference(S):
    return np.stack([_sequential(S[r], S[r]) for r in range(S.shape[0])])


@pytest.fixture
def sparse_rows():
    rng = np.random.default_rng(3)
    A = rng.random((2, 13, 13)) * (rng.random((2, 13, 13)) < 0.4)
    A[1, 4] = 0.0                                   # an organisation with no ties
    return A


def test_products_are_the_sequential_sum_bit_for_bit(sparse_rows):
    A = sparse_rows
    group = np.array([0, 2, -1, 1, 0, 0, 2, -1, 1, 1, 0, 2, 2])      # -1: in no group
    onehot = (group[:, None] == np.arange(3)[None, :]).astype(float)
    v = np.random.default_rng(5).random((2, 13))
    for r in range(2):
        assert np.array_equal(linalg.sum_by_group(A, group, 3)[r], _sequential(A[r], onehot))
        assert np.array_equal(linalg.shared_times(onehot, A)[r], _sequential(onehot.T, A[r]))
        assert np.array_equal(linalg.matvec(A, v)[r], _sequential(A[r], v[r][:, None])[:, 0])
    assert np.allclose(linalg.square(A), A @ A, rtol=1e-13, atol=0)


def test_square_of_a_symmetric_matrix_mirrors_the_same_numbers(sparse_rows):
    S = np.triu(sparse_rows) + np.triu(sparse_rows, 1).transpose(0, 2, 1)
    squared = linalg.square(S)
    assert np.array_equal(squared, _square_reference(S))
    assert np.array_equal(squared, squared.transpose(0, 2, 1))
    # Not symmetric: the full product, not a mirrored half.
    assert np.array_equal(linalg.square(sparse_rows), _square_reference(sparse_rows))
    assert not np.array_equal(linalg.square(sparse_rows), linalg.square(sparse_rows).transpose(0, 2, 1))


def test_square_checks_symmetry_and_mirrors_across_tiles():
    """70 organisations: more than two of square's 32 x 32 tiles each way."""
    rng = np.random.default_rng(11)
    A = rng.random((1, 70, 70)) * (rng.random((1, 70, 70)) < 0.5)
    S = np.triu(A) + np.triu(A, 1).transpose(0, 2, 1)
    squared = linalg.square(S)
    assert np.array_equal(squared, _square_reference(S))
    assert np.array_equal(squared, squared.transpose(0, 2, 1))
    lopsided = S.copy()
    lopsided[0, 1, 69] += 0.25                    # one asymmetric pair, in a far tile
    assert np.array_equal(linalg.square(lopsided), _square_reference(lopsided))


@nb.njit(cache=False)
def _row_sums(x):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = linalg.row_sum(x[i], 0, x.shape[1])
    return out


def test_row_sum_is_numpys_row_sum_bit_for_bit():
    """Kernels take over row sums NumPy used to do (per-kind coordination, organisations'
    tie totals); the model's results stay the same only while row_sum keeps NumPy's
    pairwise order. A NumPy that sums rows differently fails here first."""
    rng = np.random.default_rng(3)
    for n in list(range(0, 300)) + [1000, 4099]:
        x = rng.standard_normal((64, n)) * rng.lognormal(0.0, 3.0, (64, 1))
        np.testing.assert_array_equal(_row_sums(x), x.sum(axis=1), err_msg=f"length {n}")
        if n >= 16:     # and it is not the plain running sum (which NumPy's cumsum is)
            assert not np.array_equal(_row_sums(x), np.cumsum(x, axis=1)[:, -1]), n
