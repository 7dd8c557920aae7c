"""Reading the folder the report is made from, through the results contract
(analysis/results.py): a compare folder (its manifest, each finished scenario's tables
and config, and summary.parquet: the numbers the report quotes, exactly as `placesim
compare` wrote them), or a sweep folder with its resolved config. Sensitivity (which
guesses move the headline) comes from `placesim analyse`'s analysis folder: a sweep
folder is reported through its own; a compare report reads one with
`sensitivity=<sweep folder or indices file>` (or finds one in its own `analysis/`).

A folder the report cannot use raises ReportError with one line naming the folder and
what is missing.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.results import ResultsError, folder_kind, read_analysis, read_compare, read_manifest, read_sweep


class ReportError(ValueError):
    """A folder the report cannot be made from (one line naming the folder and what is missing)."""


@dataclass
class CompareInputs:
    folder: Path
    manifest: dict
    summary: pd.DataFrame
    results: dict[str, dict[str, pd.DataFrame]]
    configs: dict[str, dict]
    sensitivity: pd.DataFrame | None = None


@dataclass
class SweepInputs:
    folder: Path
    manifest: dict
    sensitivity: pd.DataFrame


def read_inputs(folder: Path | str, sensitivity: Path | str | None = None) -> CompareInputs | SweepInputs:
    """Check a folder and read what the report needs; ReportError (one line) if it cannot."""
    folder = Path(folder)
    if folder_kind(folder) == "run":
        raise ReportError(f"{folder}: holds a single run; the report compares scenarios: run `placesim compare`")
    try:
        if read_manifest(folder, ("compare", "sweep"))["kind"] == "sweep":
            sweep = read_sweep(folder)
            return SweepInputs(folder, sweep.manifest, read_analysis(sensitivity or folder))
        return _read_compare(folder, sensitivity)
    except ResultsError as exc:
        raise ReportError(str(exc)) from None


def _read_compare(folder: Path, sensitivity: Path | str | None) -> CompareInputs:
    compare = read_compare(folder)                # a compare folder with a finished baseline, or one line
    if len(compare.results) < 2:
        raise ReportError(f"{folder}: only the baseline finished; no scenario to report on")
    if sensitivity:
        sens = read_analysis(Path(sensitivity))
    else:                                          # an analysis of its own, if it has one
        own = folder / "analysis"
        sens = read_analysis(own) if folder_kind(own) == "analysis" else None
    summary = compare.summary
    if summary is None:    # an interrupted compare: the same summary, made in memory (nothing is written)
        from analysis.compare import summarise

        summary = summarise(compare.results)
    configs = {name: compare.config(name) for name in compare.results}
    return CompareInputs(folder, compare.manifest, summary, compare.results, configs, sens)


def sweep_config(inputs: SweepInputs) -> dict:
    """The sweep's resolved config (Hydra's .hydra/config.yaml), or its scenario preset."""
    import yaml

    path = inputs.folder / ".hydra" / "config.yaml"
    if path.exists():
        try:
            return yaml.safe_load(path.read_text()) or {}
        except Exception:  # noqa: BLE001 - fall back to the preset
            pass
    try:
        from configs.compose import load_scenario

        spec = load_scenario(str(inputs.manifest.get("scenario") or "baseline"))
        return {"scenario": dataclasses.asdict(spec)}
    except Exception:  # noqa: BLE001 - a scenario this version does not know
        return {}

