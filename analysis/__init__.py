"""Results in, tables and figures out. `analysis.load(path)` reads any results folder
(analysis/results.py, the one module that writes and reads result folders)."""
from __future__ import annotations


def load(path, table: str = "timeseries", columns=None, filters=None):
    """One tidy DataFrame from a run, compare, multirun or sweep folder (analysis.results.load)."""
    from analysis.results import load as _load

    return _load(path, table=table, columns=columns, filters=filters)


__all__ = ["load"]
