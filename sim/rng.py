"""Counter-based random numbers: one key per replicate, one stream per process.

Why not one `numpy.random.Generator` per replicate? Replicates are stepped side by side
as one batch of arrays (see docs/ODD.md, "Batching"), and a draw for replicate r must
not depend on how many other replicates share the batch. A counter-based generator
(Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3") gives exactly that:
each number is a hash of (replicate key, process, month, agent slot), so

- the same seed gives the same numbers in a batch of 1 or 1,000, on any launcher;
- each process has its own stream, so adding an intervention (which adds draws to
  *its* process only) does not shift the draws of any other process: scenarios run on
  common random numbers, as Starsim does with per-agent slots;
- drawing is one vectorised pass over the batch, no Python loop over replicates.

The hash is SplitMix64's finaliser (Steele et al. 2014), applied twice. Replicate keys
come from `numpy.random.SeedSequence(seed)`, so seeds are spread as NumPy spreads them.
"""
from __future__ import annotations

import functools
import zlib
from typing import Sequence

import numpy as np
from scipy.special import ndtri

from sim.kernels.hashing import stream_bases_at, uniforms_at

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0 ** -53


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (wrapping uint64 arithmetic)."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


def uniform_from_base(base: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Floats in (0, 1], shape (replicates, *shape): slot k of the stream whose
    per-replicate starts are `base` (Streams.base) at flat index k of `shape`, as a
    kernel's hashing.uniform(base[r], k) gives it; the readable statements of the rules
    draw with this."""
    width = int(np.prod(shape)) if shape else 1
    slots = (np.arange(width, dtype=np.uint64) + np.uint64(1)) * _GOLDEN
    words = _mix(np.asarray(base, dtype=np.uint64)[:, None] + slots[None, :])
    return (((words >> _S11).astype(np.float64) + 0.5) * _TO_UNIT).reshape((len(base), *shape))


@functools.lru_cache(maxsize=None)
def stream_id(name: str) -> int:
    """A stable 32-bit id for a named stream (Python's hash() is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


@functools.lru_cache(maxsize=256)
def _stream_ids(names: tuple[str, ...]) -> np.ndarray:
    """The ids of several streams as a uint64 array (read-only, shared)."""
    ids = np.array([stream_id(name) for name in names], dtype=np.uint64)
    ids.flags.writeable = False
    return ids


class Streams:
    """Random numbers for a batch of replicates, keyed by seed, stream name and month."""

    def __init__(self, seeds: Sequence[int]):
        self.seeds = np.asarray(seeds, dtype=np.int64)
        self.keys = np.array(
            [np.random.SeedSequence(int(s)).generate_state(1, np.uint64)[0] for s in self.seeds],
            dtype=np.uint64,
        )
        self._slot_cache: dict[int, np.ndarray] = {}

    @property
    def n(self) -> int:
        return len(self.keys)

    def _slots(self, width: int) -> np.ndarray:
        slots = self._slot_cache.get(width)
        if slots is None:
            slots = (np.arange(width, dtype=np.uint64) + np.uint64(1)) * _GOLDEN
            self._slot_cache[width] = slots
        return slots

    def base(self, name: str, month: int) -> np.ndarray:
        """(replicates,) uint64: the start of stream `name` in `month` for each replicate.

        Slot s of that stream is _mix(base + (s + 1) * golden); compiled kernels
        (sim.kernels) compute it the same way, bit for bit.
        """
        return self.bases([name], month)[0]

    def bits(self, name: str, month: int, width: int) -> np.ndarray:
        """uint64 array (replicates, width): one fresh word per replicate and slot."""
        return _mix(self.base(name, month)[:, None] + self._slots(width)[None, :])

    def uniform_at(self, name: str, month: int, rep: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """The same numbers as `uniform(name, month, ...)` would give at (rep, slot) pairs,
        computed only there: cheap when few agents need a draw."""
        base = self.base(name, month)
        slots = (np.asarray(slot, dtype=np.uint64) + np.uint64(1)) * _GOLDEN
        words = _mix(base[np.asarray(rep)] + slots)
        return ((words >> _S11).astype(np.float64) + 0.5) * _TO_UNIT

    def bases(self, names: Sequence[str], month: int) -> np.ndarray:
        """(len(names), replicates): `base` of several streams, for a kernel that draws
        from all of them."""
        return stream_bases_at(self.keys, _stream_ids(tuple(names)), month)

    def uniforms_at(self, names: Sequence[str], month: int, rep: np.ndarray,
                    slot: np.ndarray) -> np.ndarray:
        """(len(names), n): `uniform_at` of several streams at the same pairs, in one pass."""
        return uniforms_at(self.bases(names, month), np.asarray(rep, dtype=np.int64),
                           np.asarray(slot, dtype=np.int64))

    def normal_at(self, name: str, month: int, rep: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """Standard normals at (rep, slot) pairs; see `uniform_at`."""
        return ndtri(self.uniform_at(name, month, rep, slot))

    def uniform(self, name: str, month: int, shape: tuple[int, ...]) -> np.ndarray:
        """Floats in (0, 1], shape (replicates, *shape).

        (word + 0.5) / 2^53 rounds to exactly 1.0 for the largest word (chance 2^-53), so
        a rule that must always pass is written as such, not as a draw below 1.
        """
        width = int(np.prod(shape)) if shape else 1
        words = self.bits(name, month, width)
        u = ((words >> _S11).astype(np.float64) + 0.5) * _TO_UNIT
        return u.reshape((self.n, *shape))

    def normal(self, name: str, month: int, shape: tuple[int, ...]) -> np.ndarray:
        """Standard normal draws by inversion, shape (replicates, *shape)."""
        return ndtri(self.uniform(name, month, shape))
