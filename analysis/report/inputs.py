"""Reading and checking a folder the report is made from.

It reads only saved results: compare.json, summary.csv (the numbers the report quotes,
exactly as `placesim compare` wrote them), each scenario's timeseries.parquet,
milestones.parquet and config.yaml; or a sweep folder's sweep.json and resolved config.
Sensitivity (which guesses move the headline) comes from `placesim analyse`: the tables
`<sweep folder>/analysis/<outcome>_indices.csv` (a `parameter` column, a registry key
such as `model.ties.decay`, and ST/S1 for Sobol designs, mu_star for Morris, spearman
for Latin hypercube and factorial designs). A sweep folder is reported through its own
tables; a compare report reads them with `sensitivity=<sweep folder or indices file>`
(or finds them in its own `analysis/` folder).

A folder the report cannot use raises ReportError with one line naming the folder and
what is missing.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.outcomes import SYSTEM_AREAS

SUMMARY_COLUMNS = ("scenario", "outcome", "group", "median", "low", "high", "diff_median", "diff_low",
                   "diff_high", "extra_children", "extra_low", "extra_high", "total_cost",
                   "cost_per_extra_child", "replicates")
MANIFEST_KEYS = ("place", "seeds", "months", "start_year", "scenarios", "done")
MILESTONE_COLUMNS = ("seed", "year", "milestone", "group", "reached", "assessed", "share")
# Index columns of `placesim analyse` tables, in order of preference.
SENSITIVITY_INDICES = ("ST", "mu_star", "S1", "spearman")


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
    if not folder.exists():
        raise ReportError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a folder; give the folder `placesim compare` or `placesim sweep` wrote")
    if (folder / "compare.json").exists():
        return _read_compare(folder, read_sensitivity(sensitivity if sensitivity else folder,
                                                      required=bool(sensitivity)))
    if (folder / "sweep.json").exists():
        manifest = _json(folder / "sweep.json", folder)
        if manifest.get("format", 1) != 1 or manifest.get("kind", "sweep") != "sweep":
            raise ReportError(f"{folder}: sweep.json is format {manifest.get('format')!r} of kind "
                              f"{manifest.get('kind')!r}, written by an incompatible placesim; this version reads "
                              "sweep format 1")
        sens = read_sensitivity(sensitivity if sensitivity else folder, required=bool(sensitivity))
        if sens is None:
            raise ReportError(f"{folder}: a sweep with no sensitivity results (no analysis/<outcome>_indices.csv); "
                              f"run `placesim analyse path={folder} outcome=ks4` first")
        return SweepInputs(folder, manifest, sens)
    hint = ""
    if (folder / "run.json").exists():
        hint = " (it holds a single run; the report compares scenarios: run `placesim compare`)"
    raise ReportError(f"{folder}: holds no compare or sweep results (no compare.json or sweep.json){hint}")


def _json(path: Path, folder: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ReportError(f"{folder}: {path.name} cannot be read ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{folder}: {path.name} is not a placesim manifest")
    return data


def _read_compare(folder: Path, sensitivity: pd.DataFrame | None) -> CompareInputs:
    import yaml

    manifest = _json(folder / "compare.json", folder)
    if manifest.get("format") != 1 or manifest.get("kind", "compare") != "compare":
        raise ReportError(f"{folder}: compare.json is format {manifest.get('format')!r}, written by an incompatible "
                          "placesim (this version reads compare format 1); re-run `placesim compare`")
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        raise ReportError(f"{folder}: compare.json lacks {', '.join(missing)}: written by an older, incompatible "
                          "placesim; re-run `placesim compare`")
    done = list(manifest["done"])
    if "baseline" not in done:
        why = manifest.get("failed", {}).get("baseline")
        raise ReportError(f"{folder}: a compare without a finished baseline"
                          + (f" (it failed: {why})" if why else "")
                          + "; nothing to measure the scenarios against")
    if len(done) < 2:
        raise ReportError(f"{folder}: only the baseline finished; no scenario to report on")
    results, configs = {}, {}
    for name in done:
        sub = folder / name
        for f in ("timeseries.parquet", "milestones.parquet", "config.yaml"):
            if not (sub / f).exists():
                raise ReportError(f"{folder}: scenario {name} has no {f} (an interrupted or older compare)")
        try:
            ts = pd.read_parquet(sub / "timeseries.parquet")
            ms = pd.read_parquet(sub / "milestones.parquet")
            cfg = yaml.safe_load((sub / "config.yaml").read_text()) or {}
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one line
            raise ReportError(f"{folder}: scenario {name}'s results cannot be read ({type(exc).__name__})") from None
        _need(folder, f"{name}/timeseries.parquet", ts.columns, ("seed", "month", "cost", "stage", *SYSTEM_AREAS))
        _need(folder, f"{name}/milestones.parquet", ms.columns, MILESTONE_COLUMNS)
        results[name] = {"timeseries": ts, "milestones": ms}
        configs[name] = cfg
    summary_path = folder / "summary.csv"
    if summary_path.exists():
        summary = pd.read_csv(summary_path)
        _need(folder, "summary.csv", summary.columns, SUMMARY_COLUMNS)
    else:  # an interrupted compare: the same summary, made in memory (nothing is written)
        from analysis.compare import summarise

        summary = summarise(results)
    if "baseline" not in set(summary["scenario"]):
        raise ReportError(f"{folder}: summary.csv has no baseline rows; nothing to measure the scenarios against")
    return CompareInputs(folder, manifest, summary, results, configs, sensitivity)


def _need(folder: Path, what: str, have: Any, need: tuple[str, ...]) -> None:
    missing = [c for c in need if c not in set(have)]
    if missing:
        raise ReportError(f"{folder}: {what} lacks {', '.join(missing)}: written by an older, incompatible "
                          "placesim; re-run `placesim compare`")


def read_sensitivity(source: Path | str, required: bool = False) -> pd.DataFrame | None:
    """The sensitivity tables of `placesim analyse` as one long table (parameter, outcome,
    index, value, file): from an indices file, or a folder's analysis/*_indices.csv."""
    source = Path(source)
    if source.is_dir():
        files = sorted((source / "analysis").glob("*_indices.csv")) + sorted(source.glob("*_indices.csv"))
    elif source.exists():
        files = [source]
    else:
        raise ReportError(f"{source}: no such sensitivity file or folder")
    if not files:
        if required:
            raise ReportError(f"{source}: holds no sensitivity results (analysis/<outcome>_indices.csv); "
                              f"run `placesim analyse path={source} outcome=ks4`")
        return None
    parts = []
    for path in files:
        try:
            df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable table is one line
            raise ReportError(f"{path}: cannot be read ({type(exc).__name__})") from None
        index = next((c for c in SENSITIVITY_INDICES if c in df.columns), None)
        if "parameter" not in df.columns or index is None:
            raise ReportError(f"{path}: not a sensitivity table (needs a 'parameter' column and one of "
                              f"{', '.join(SENSITIVITY_INDICES)}; written by `placesim analyse`)")
        outcome = df["outcome"].astype(str) if "outcome" in df.columns else path.stem.removesuffix("_indices")
        parts.append(pd.DataFrame({"parameter": df["parameter"].astype(str), "outcome": outcome,
                                   "index": index, "value": pd.to_numeric(df[index], errors="coerce"),
                                   "file": path.name}))
    return pd.concat(parts, ignore_index=True).dropna(subset=["value"])

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

