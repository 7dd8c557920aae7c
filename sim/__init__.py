"""placesim's model: a neighbourhood's children, families and organisations, monthly.

Nothing here reads files, parses command lines or plots (docs/ODD.md). The heavy
modules (NumPy kernels compiled with numba) load on first use, so that importing
`sim.params` (the registry) stays cheap for the command line's start-up.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "PlaceModel": "sim.model",
    "ModelParams": "sim.params",
    "PlaceParams": "sim.params",
    "RunResult": "sim.run",
    "simulate": "sim.run",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
