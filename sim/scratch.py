"""Work arrays that a batch reuses month after month."""
from __future__ import annotations

import numpy as np


class Scratch:
    """Named work arrays, allocated once per batch and handed to kernels each month.

    A large temporary allocated afresh every month comes back from the C allocator as
    new pages (glibc returns big blocks to the system when they are freed), and the page
    faults of first touching them cost more than the work done in them: about half a
    millisecond of a Wallsend month for the services' intake buffers alone. The contents
    of an array are whatever the last user left; a kernel must write before it reads.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != np.dtype(dtype):
            array = np.empty(shape, dtype=dtype)
            self._arrays[name] = array
        return array
