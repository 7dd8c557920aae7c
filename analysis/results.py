"""Read any results folder into one tidy DataFrame (`analysis.load(path)` calls `load` here).

- a run folder (run.json): its rows;
- a compare folder (compare.json): every scenario, with a `scenario` column;
- a Hydra multirun folder (multirun.yaml): every job, with one column per swept override;
- a sampled sweep (sweep.json): a Parquet dataset read with column pruning and filters,
  so a 10,000-run sweep loads only what is asked for; every swept parameter is a column.

table is "timeseries" (one row per run x time) or "milestones" (run x year x milestone x group).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pandas as pd

TABLES = ("timeseries", "milestones")


class LoadError(ValueError):
    """Not a results folder, or not the table asked for (one line)."""


def load(path, table: str = "timeseries", columns: Sequence[str] | None = None,
         filters=None) -> pd.DataFrame:
    """One tidy DataFrame from a run, compare, multirun or sweep folder."""
    path = Path(path)
    if table not in TABLES:
        raise LoadError(f"table={table!r}: choose from {', '.join(TABLES)}")
    if (path / "sweep.json").exists():
        return _load_sweep(path, table, columns, filters)
    if (path / "compare.json").exists():
        manifest = json.loads((path / "compare.json").read_text())
        parts = [_read(path / name / f"{table}.parquet", columns, filters).assign(scenario=name)
                 for name in manifest["done"]]
        return pd.concat(parts, ignore_index=True)
    if (path / "run.json").exists():
        return _read(path / f"{table}.parquet", columns, filters)
    if (path / "multirun.yaml").exists():
        return _load_multirun(path, table, columns, filters)
    raise LoadError(f"{path}: no run.json, compare.json, sweep.json or multirun.yaml; not a results folder")


def _read(file: Path, columns, filters) -> pd.DataFrame:
    if not file.exists():
        raise LoadError(f"{file}: missing")
    return pd.read_parquet(file, columns=list(columns) if columns else None, filters=filters)


def _load_multirun(path: Path, table, columns, filters) -> pd.DataFrame:
    import yaml

    parts = []
    for job in sorted(p for p in path.iterdir() if (p / "run.json").exists()):
        df = _read(job / f"{table}.parquet", columns, filters)
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text()) or []
        for item in overrides:
            key, _, value = item.partition("=")
            key = key.lstrip("+~")
            if not key.startswith("hydra") and key not in df.columns:   # the data's own columns win
                df[key] = yaml.safe_load(value) if value else value
        df["job"] = job.name
        parts.append(df)
    if not parts:
        raise LoadError(f"{path}: a multirun folder with no finished job")
    return pd.concat(parts, ignore_index=True)


def _load_sweep(path: Path, table, columns, filters) -> pd.DataFrame:
    import pyarrow.dataset as ds

    folder = path / "data" / table
    files = sorted(str(f) for f in folder.glob("task=*.parquet")) if folder.exists() else []
    if not files:
        raise LoadError(f"{path}: a sweep folder with no finished task yet")
    dataset = ds.dataset(files, format="parquet")
    expr = None
    if filters:
        for col, op, value in filters:
            term = {"==": ds.field(col) == value, "<": ds.field(col) < value, "<=": ds.field(col) <= value,
                    ">": ds.field(col) > value, ">=": ds.field(col) >= value,
                    "in": ds.field(col).isin(value)}[op]
            expr = term if expr is None else expr & term
    return dataset.to_table(columns=list(columns) if columns else None, filter=expr).to_pandas()


def sweep_manifest(path) -> dict:
    return json.loads((Path(path) / "sweep.json").read_text())
