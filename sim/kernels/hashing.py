"""The counter-based hash of sim.rng, compiled: kernels draw the same numbers, bit for bit."""
from __future__ import annotations

import numba as nb
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S30, S27, S31, S11, S20 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11), np.uint64(20)
ONE = np.uint64(1)
TO_UNIT = 2.0 ** -53


@nb.njit(inline="always", cache=True, error_model="numpy")
def mix(x):
    x = x ^ (x >> S30)
    x = x * M1
    x = x ^ (x >> S27)
    x = x * M2
    return x ^ (x >> S31)


@nb.njit(inline="always", cache=True, error_model="numpy")
def uniform(base, slot):
    """Slot `slot` of a stream whose per-replicate start is `base` (see Streams.base)."""
    word = mix(base + (np.uint64(slot) + ONE) * GOLDEN)
    return (float(word >> S11) + 0.5) * TO_UNIT


@nb.njit(cache=True, error_model="numpy")
def stream_bases_at(keys, stream_ids, month):
    """(S, R): the bases of S streams (ids from sim.rng.stream_id) in `month` for every
    replicate key, mix(key ^ salt word) (sim.rng.Streams.base), salt words included:
    stream bases are needed ~30 times a month, and a process that draws from ten
    streams makes one call."""
    out = np.empty((stream_ids.shape[0], keys.shape[0]), dtype=np.uint64)
    low = np.uint64(month & 0xFFFFF)          # the month's low 20 bits, two's complement
    for s in range(stream_ids.shape[0]):
        salt = mix(((stream_ids[s] << S20) ^ low) + GOLDEN)
        for r in range(keys.shape[0]):
            out[s, r] = mix(keys[r] ^ salt)
    return out


@nb.njit(cache=True, error_model="numpy")
def uniforms_at(bases, rep, slot):
    """(S, n) uniforms of S streams (bases (S, R)) at n (replicate, slot) pairs: what
    sim.rng.Streams.uniform_at gives stream by stream, in one call."""
    S, n = bases.shape[0], rep.shape[0]
    out = np.empty((S, n))
    for s in range(S):
        for i in range(n):
            out[s, i] = uniform(bases[s, rep[i]], slot[i])
    return out
