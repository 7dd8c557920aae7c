"""The results contract: every folder placesim writes, written and read here only.

Each folder holds manifest.json: `kind` (run, compare, sweep or analysis), `format`
(FORMAT), `holds` (what the folder contains) and what was run (place, seeds, ...). A
reader names the kind it expects and refuses any other kind, an unknown format or a
folder without a manifest with one line (ResultsError). Every file is written to a
temporary name and renamed into place, so nothing half-written is ever read back.

- run (`placesim run`, and each scenario of a compare): config.yaml and the four tables
  of sim.run.RunResult, timeseries, milestones, network, organisations (Parquet);
- compare (`placesim compare`): one run folder per scenario, all on the same seeds, and
  summary.parquet / summary.csv (analysis.compare.summarise); `done` and `failed` say
  which scenarios finished;
- sweep (`placesim sweep`): design.parquet, data/<table>/task=NNNNNN.parquet and
  status/task=NNNNNN.json (a task is complete when its status exists);
- analysis (`placesim analyse`, in <sweep>/analysis/): per outcome, the sensitivity
  indices (<outcome>_indices.csv) and, for factorial designs, the tipping points.

`load` reads any of them, or a Hydra multirun folder of run folders, into one tidy table.
docs/results.md documents every file and column.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

MANIFEST = "manifest.json"
FORMAT = 2            # format 1 had run.json, compare.json or sweep.json instead of manifest.json
VERBS = {"run": "placesim run", "compare": "placesim compare", "sweep": "placesim sweep",
         "analysis": "placesim analyse"}
RUN_TABLES = ("timeseries", "milestones", "network", "organisations")
TABLES = ("timeseries", "milestones")          # the tables `load` reads (a sweep keeps only these)
SUMMARY_COLUMNS = ("scenario", "outcome", "label", "group", "unit", "median", "low", "high",
                   "diff_median", "diff_low", "diff_high", "extra_children", "extra_low", "extra_high",
                   "total_cost", "cost_per_extra_child_low", "cost_per_extra_child_high", "replicates")
INDEX_COLUMNS = ("ST", "S1", "mu_star", "spearman")   # the indices an analysis table may hold


class ResultsError(ValueError):
    """A folder that is not the results asked for, or cannot be read (one line)."""


# -- writing ------------------------------------------------------------------------------

def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """write(temporary path) then rename it to `path` (atomic on POSIX)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:                 # a full disk or a read-only folder: name the file
        Path(tmp).unlink(missing_ok=True)
        if exc.filename in (None, tmp):
            raise OSError(exc.errno, exc.strerror or str(exc).splitlines()[0], str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda p: df.to_parquet(p, index=False))


def write_csv(df: pd.DataFrame, path: Path, float_format: str = "%.6g") -> Path:
    return atomic_write(path, lambda p: df.to_csv(p, index=False, float_format=float_format))


def write_text(text: str, path: Path) -> Path:
    return atomic_write(path, lambda p: p.write_text(text))


def write_manifest(folder: Path, kind: str, holds: Sequence[str], **fields) -> dict:
    """Write <folder>/manifest.json for a folder of `kind`; returns the manifest."""
    if kind not in VERBS:
        raise ValueError(f"kind={kind!r}: one of {', '.join(VERBS)}")
    manifest = {"kind": kind, "format": FORMAT, "holds": list(holds), **fields}
    write_text(json.dumps(manifest, indent=2), Path(folder) / MANIFEST)
    return manifest


# -- reading manifests --------------------------------------------------------------------

_OLD_MANIFESTS = {"run.json": "run", "compare.json": "compare", "sweep.json": "sweep"}


def holds_results(folder: Path) -> bool:
    """Whether a folder holds placesim results of any kind or format (a manifest)."""
    return any((Path(folder) / name).exists() for name in (MANIFEST, *_OLD_MANIFESTS))


def folder_kind(folder: Path) -> str | None:
    """The kind a folder's manifest names, or None when it has no readable manifest."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def read_manifest(folder: Path, kind: str | Sequence[str]) -> dict:
    """The manifest of a folder of `kind` (or one of several kinds); ResultsError (one
    line) for anything else."""
    folder = Path(folder)
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    wanted = " or ".join(kinds)
    run_it = " or ".join(f"`{VERBS[k]}`" for k in kinds)
    if not folder.exists():
        raise ResultsError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ResultsError(f"{folder}: not a folder; give the folder {run_it} wrote")
    path = folder / MANIFEST
    if not path.exists():
        old = next((name for name in _OLD_MANIFESTS if (folder / name).exists()), None)
        if old:
            raise ResultsError(f"{folder}: a {_OLD_MANIFESTS[old]!r} folder of results format 1 ({old}), "
                               f"written by an older placesim; this version reads format {FORMAT}: "
                               f"run `{VERBS[_OLD_MANIFESTS[old]]}` again")
        raise ResultsError(f"{folder}: no {MANIFEST}; not a {wanted} folder (run {run_it})")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{folder}: {MANIFEST} cannot be read ({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") not in VERBS:
        raise ResultsError(f"{folder}: {MANIFEST} is not a placesim manifest")
    if manifest["kind"] not in kinds:
        raise ResultsError(f"{folder}: a folder of kind {manifest['kind']!r}, not a {wanted} folder (run {run_it})")
    if manifest.get("format") != FORMAT:
        raise ResultsError(f"{folder}: a {manifest['kind']!r} folder of results format {manifest.get('format')!r}; "
                           f"this version reads format {FORMAT}: run `{VERBS[manifest['kind']]}` again")
    return manifest


def _read_table(file: Path, columns=None, filters=None) -> pd.DataFrame:
    if not file.exists():
        raise ResultsError(f"{file}: missing (an interrupted or incomplete folder)")
    try:
        return pd.read_parquet(file, columns=list(columns) if columns else None, filters=filters)
    except Exception as exc:  # noqa: BLE001 - an unreadable table is one line
        raise ResultsError(f"{file}: cannot be read ({type(exc).__name__}: {exc})") from None


# -- the finite-results invariant ---------------------------------------------------------

def nonfinite(tables: dict[str, pd.DataFrame]) -> str | None:
    """One line naming the first series with a NaN or an infinite value, or None when
    every number is finite. A milestone's `share` is NaN by definition where no child
    was assessed (docs/results.md), and only there."""
    import numpy as np

    for name, df in tables.items():
        for col in df.columns:
            values = df[col]
            if not pd.api.types.is_float_dtype(values):
                continue
            bad = ~np.isfinite(values.to_numpy(dtype=float))
            if col == "share" and "assessed" in df.columns:
                bad &= df["assessed"].to_numpy() > 0
            if bad.any():
                first = df.loc[bad].iloc[0]
                where = ", ".join(f"{k} {first[k]:g}" for k in ("seed", "month", "year") if k in df.columns)
                return (f"{name}.{col}: {int(bad.sum())} of {len(bad)} values are NaN or infinite (first at "
                        f"{where}); results must be finite, so none were written: check the values given to "
                        f"the model and the scenario")
    return None


def require_finite(tables: dict[str, pd.DataFrame]) -> None:
    """ResultsError (one line naming the series) unless every result is finite."""
    problem = nonfinite(tables)
    if problem:
        raise ResultsError(problem)


# -- run folders --------------------------------------------------------------------------

def write_run(folder: Path, result, config_yaml: str, *, place: str, scenario: str, seeds: Sequence[int],
              months: int, start_year: int) -> dict:
    """A run folder: config.yaml, the tables of `result` (sim.run.RunResult), the manifest
    last; nothing at all when a result is not finite (ResultsError)."""
    folder = Path(folder)
    require_finite({table: getattr(result, table) for table in RUN_TABLES})
    write_text(config_yaml, folder / "config.yaml")
    for table in RUN_TABLES:
        write_parquet(getattr(result, table), folder / f"{table}.parquet")
    return write_manifest(folder, "run", ["config.yaml", *(f"{t}.parquet" for t in RUN_TABLES)],
                          place=place, scenario=scenario, seeds=list(seeds), months=months,
                          start_year=start_year)


def run_is_current(folder: Path, config_yaml: str) -> bool:
    """A finished run folder written by the same config (a rerun of a multirun skips it)."""
    folder = Path(folder)
    return (folder_kind(folder) == "run" and (folder / "config.yaml").exists()
            and (folder / "config.yaml").read_text() == config_yaml)


@dataclass
class RunFolder:
    folder: Path
    manifest: dict

    def table(self, name: str, columns=None, filters=None) -> pd.DataFrame:
        if name not in RUN_TABLES:
            raise ResultsError(f"table={name!r}: choose from {', '.join(RUN_TABLES)}")
        return _read_table(self.folder / f"{name}.parquet", columns, filters)

    def config(self) -> dict:
        import yaml

        try:
            return yaml.safe_load((self.folder / "config.yaml").read_text()) or {}
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{self.folder}: config.yaml cannot be read ({type(exc).__name__})") from None


def read_run(folder: Path) -> RunFolder:
    return RunFolder(Path(folder), read_manifest(folder, "run"))


# -- compare folders ----------------------------------------------------------------------

def start_compare(folder: Path, *, place: str, seeds: Sequence[int], months: int, start_year: int,
                  scenarios: Sequence[str], descriptions: dict[str, str]) -> dict:
    """The manifest of a compare about to run: no scenario done yet."""
    return write_manifest(folder, "compare", _compare_holds([]), place=place, seeds=list(seeds),
                          months=months, start_year=start_year, scenarios=list(scenarios),
                          descriptions=dict(descriptions), done=[], failed={})


def record_scenario(folder: Path, manifest: dict, name: str, error: str | None = None) -> dict:
    """Mark a scenario done (its run folder is written) or failed (one-line error)."""
    if error is None:
        manifest["done"].append(name)
    else:
        manifest["failed"][name] = error
    manifest["holds"] = _compare_holds(manifest["done"])
    fields = {k: v for k, v in manifest.items() if k not in ("kind", "format", "holds")}
    return write_manifest(folder, "compare", manifest["holds"], **fields)


def _compare_holds(done: Sequence[str]) -> list[str]:
    return [f"{name}/" for name in done] + ["summary.parquet", "summary.csv"]


def write_compare_summary(folder: Path, summary: pd.DataFrame) -> None:
    """summary.parquet (exact) and summary.csv (six significant digits, for people)."""
    write_parquet(summary, Path(folder) / "summary.parquet")
    write_csv(summary, Path(folder) / "summary.csv")


@dataclass
class CompareFolder:
    folder: Path
    manifest: dict
    results: dict[str, dict[str, pd.DataFrame]]   # {scenario: {"timeseries": df, "milestones": df}}, done ones
    summary: pd.DataFrame | None                  # None for an interrupted compare (no summary written)

    def config(self, scenario: str) -> dict:
        return RunFolder(self.folder / scenario, self.manifest).config()


def read_compare(folder: Path, with_summary: bool = True) -> CompareFolder:
    """A compare folder with every finished scenario; it must have a finished baseline."""
    folder = Path(folder)
    manifest = read_manifest(folder, "compare")
    if "baseline" not in manifest["done"]:
        why = manifest["failed"].get("baseline")
        raise ResultsError(f"{folder}: a compare without a finished baseline" + (f" (it failed: {why})" if why else "")
                           + "; nothing to measure the scenarios against")
    results = {}
    for name in manifest["done"]:
        run = read_run(folder / name)
        results[name] = {"timeseries": run.table("timeseries"), "milestones": run.table("milestones")}
    summary = None
    if with_summary and (folder / "summary.parquet").exists():
        summary = _read_table(folder / "summary.parquet")
        missing = [c for c in SUMMARY_COLUMNS if c not in summary.columns]
        if missing:
            raise ResultsError(f"{folder}: summary.parquet lacks {', '.join(missing)}; run `placesim compare` again")
    return CompareFolder(folder, manifest, results, summary)


# -- sweep folders ------------------------------------------------------------------------

def task_name(task: int) -> str:
    return f"task={task:06d}"


def write_sweep(folder: Path, design_table: pd.DataFrame, **fields) -> dict:
    """A sweep's design points (design.parquet) and manifest (design, parameters, seeds,
    config hash, ...)."""
    folder = Path(folder)
    for tmp in folder.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)                         # leftovers of a killed write
    write_parquet(design_table, folder / "design.parquet")
    return write_manifest(folder, "sweep", ["design.parquet", "data/timeseries/", "data/milestones/", "status/"],
                          **fields)


def write_sweep_task(folder: Path, task: int, parts: dict[str, list[pd.DataFrame]], status: dict) -> None:
    """One task's tables, each the concatenation of its points' parts (one table in memory
    at a time; none when every point failed), then its status: last, as the status marks
    the task complete."""
    name = task_name(task)
    for table, frames in parts.items():
        if frames:
            write_parquet(pd.concat(frames, ignore_index=True), Path(folder) / "data" / table / f"{name}.parquet")
    write_text(json.dumps(status), Path(folder) / "status" / f"{name}.json")


def parquet_problem(file: Path) -> str | None:
    """Why a Parquet file cannot be read (its footer and schema), or None if it can; a
    truncated or corrupted file (a disk that filled up, a copy cut short) is named, not read."""
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(file).schema_arrow
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def sweep_task_done(folder: Path, task: int) -> bool:
    """A task is done when its status file reads and each of its tables reads; a task with
    a damaged file runs again (and its files are replaced)."""
    folder = Path(folder)
    name = task_name(task)
    try:
        status = json.loads((folder / "status" / f"{name}.json").read_text())
    except (OSError, ValueError):
        return False
    for table in TABLES:
        file = folder / "data" / table / f"{name}.parquet"
        if file.exists() and parquet_problem(file):
            return False
        if not file.exists() and isinstance(status, dict) and status.get("done"):
            return False
    return True


class SkippedFileWarning(UserWarning):
    """A result file a reader skipped because it cannot be read (named in the message)."""


@dataclass
class SweepFolder:
    folder: Path
    manifest: dict

    def __post_init__(self) -> None:
        self.skipped: list[str] = []       # unreadable task files the reader left out
        self._readable: dict[str, list[Path]] = {}

    def design(self) -> pd.DataFrame:
        return _read_table(self.folder / "design.parquet")

    def _dataset(self, name: str):
        import pyarrow.dataset as ds

        if name not in TABLES:
            raise ResultsError(f"table={name!r}: choose from {', '.join(TABLES)}")
        if name not in self._readable:
            self._readable[name] = self._readable_files(name)
        files = self._readable[name]
        if not files:
            raise ResultsError(f"{self.folder}: a sweep folder with no finished task yet"
                               + (f" ({len(self.skipped)} unreadable task files)" if self.skipped else ""))
        return ds.dataset([str(f) for f in files], format="parquet")

    def _readable_files(self, name: str) -> list[Path]:
        """The table's task files that read; the others are named (self.skipped and a
        SkippedFileWarning) and left out, so one damaged file never fails an analysis."""
        import warnings

        part = self.folder / "data" / name
        files, bad = [], []
        for f in sorted(part.glob("task=*.parquet")) if part.exists() else []:
            problem = parquet_problem(f)
            if problem:
                bad.append(f"{f.relative_to(self.folder)} ({problem})")
            else:
                files.append(f)
        if bad:
            self.skipped += bad
            warnings.warn(f"{self.folder}: skipped {len(bad)} unreadable task file(s): {'; '.join(bad)}; "
                          f"run the same `placesim sweep` command again to redo them", SkippedFileWarning,
                          stacklevel=4)
        return files

    def columns(self, name: str) -> list[str]:
        return self._dataset(name).schema.names

    def table(self, name: str, columns=None, filters=None) -> pd.DataFrame:
        """The finished tasks' rows of a table, reading only the columns and rows asked for."""
        import pyarrow.dataset as ds

        dataset = self._dataset(name)
        missing = [c for c in columns or () if c not in dataset.schema.names]
        if missing:
            raise ResultsError(f"{self.folder}: the sweep's {name} table has no column {', '.join(missing)}")
        expr = None
        for col, op, value in filters or ():
            field = ds.field(col)
            term = {"==": lambda: field == value, "<": lambda: field < value, "<=": lambda: field <= value,
                    ">": lambda: field > value, ">=": lambda: field >= value,
                    "in": lambda: field.isin(value)}[op]()
            expr = term if expr is None else expr & term
        return dataset.to_table(columns=list(columns) if columns else None, filter=expr).to_pandas()


def read_sweep(folder: Path) -> SweepFolder:
    return SweepFolder(Path(folder), read_manifest(folder, "sweep"))


# -- analysis folders (<sweep>/analysis/) -------------------------------------------------

def analysis_folder(sweep: Path) -> Path:
    return Path(sweep) / "analysis"


def write_analysis(sweep: SweepFolder, outcome: str, indices: pd.DataFrame,
                   tipping: pd.DataFrame | None = None, figure: str | None = None,
                   tipping_figure: str | None = None) -> Path:
    """<sweep>/analysis/<outcome>_indices.csv (and _tipping.csv) and the folder's manifest,
    which lists every outcome analysed so far. `figure` and `tipping_figure` name files the
    caller wrote there."""
    out = analysis_folder(sweep.folder)
    write_csv(indices, out / f"{outcome}_indices.csv", "%.4g")
    files = {"indices": f"{outcome}_indices.csv"}
    if tipping is not None and not tipping.empty:
        write_csv(tipping, out / f"{outcome}_tipping.csv", "%.4g")
        files["tipping"] = f"{outcome}_tipping.csv"
    if figure:
        files["figure"] = figure
    if tipping_figure:
        files["tipping_figure"] = tipping_figure
    outcomes = read_manifest(out, "analysis")["outcomes"] if folder_kind(out) == "analysis" else {}
    outcomes[outcome] = files
    write_manifest(out, "analysis", sorted(f for o in outcomes.values() for f in o.values()),
                   sweep=sweep.manifest["name"], design=sweep.manifest["design"],
                   config_hash=sweep.manifest["config_hash"], outcomes=outcomes)
    return out


def read_analysis(source: Path, required: bool = True) -> pd.DataFrame | None:
    """Every sensitivity table of an analysis folder, as one long table (parameter,
    outcome, index, value, file). `source` is a sweep folder, its analysis folder, or one
    <outcome>_indices.csv in it. None when a sweep has no analysis and not `required`."""
    source = Path(source)
    only = None
    if source.is_file():
        source, only = source.parent, source.name
    elif folder_kind(source) != "analysis" and holds_results(source):
        read_sweep(source)                                  # a current sweep folder, or one line
        if not analysis_folder(source).exists():
            if not required:
                return None
            raise ResultsError(f"{source}: a sweep with no sensitivity results (no analysis/); "
                               f"run `placesim analyse path={source} outcome=ks4` first")
        source = analysis_folder(source)
    manifest = read_manifest(source, "analysis")
    parts = []
    for outcome, files in manifest["outcomes"].items():
        if only is not None and files["indices"] != only:
            continue
        df = pd.read_csv(source / files["indices"])
        index = next((c for c in INDEX_COLUMNS if c in df.columns), None)
        if "parameter" not in df.columns or index is None:
            raise ResultsError(f"{source / files['indices']}: not a sensitivity table (needs 'parameter' and one of "
                               f"{', '.join(INDEX_COLUMNS)})")
        parts.append(pd.DataFrame({"parameter": df["parameter"].astype(str), "outcome": outcome, "index": index,
                                   "value": pd.to_numeric(df[index], errors="coerce"),
                                   "file": files["indices"]}))
    if not parts:
        raise ResultsError(f"{source}: no sensitivity table" + (f" {only}" if only else "")
                           + "; run `placesim analyse` first")
    return pd.concat(parts, ignore_index=True).dropna(subset=["value"])


# -- one tidy table from any folder ---------------------------------------------------------

def load(path, table: str = "timeseries", columns: Sequence[str] | None = None,
         filters=None) -> pd.DataFrame:
    """One tidy DataFrame from a run, compare, sweep or Hydra multirun folder:
    a compare adds a `scenario` column, a multirun `job` and one column per swept
    override, a sweep `point` and the parameters (read with column pruning and filters)."""
    path = Path(path)
    if table not in TABLES:
        raise ResultsError(f"table={table!r}: choose from {', '.join(TABLES)}")
    if (path / "multirun.yaml").exists() and not (path / MANIFEST).exists():
        return _load_multirun(path, table, columns, filters)
    manifest = read_manifest(path, ("run", "compare", "sweep"))
    if manifest["kind"] == "sweep":
        return SweepFolder(path, manifest).table(table, columns, filters)
    if manifest["kind"] == "compare":
        parts = [read_run(path / name).table(table, columns, filters).assign(scenario=name)
                 for name in manifest["done"]]
        if not parts:
            raise ResultsError(f"{path}: a compare folder with no finished scenario")
        return pd.concat(parts, ignore_index=True)
    return RunFolder(path, manifest).table(table, columns, filters)


def _load_multirun(path: Path, table, columns, filters) -> pd.DataFrame:
    import yaml

    import warnings

    parts = []
    for job in sorted(p for p in path.iterdir() if folder_kind(p) == "run"):
        try:
            df = read_run(job).table(table, columns, filters)
        except ResultsError as exc:        # one damaged job never hides the others
            warnings.warn(f"skipped job {job.name}: {exc}", SkippedFileWarning, stacklevel=3)
            continue
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text()) or []
        for item in overrides:
            key, _, value = item.partition("=")
            key = key.lstrip("+~")
            if not key.startswith("hydra") and key not in df.columns:   # the data's own columns win
                df[key] = yaml.safe_load(value) if value else value
        df["job"] = job.name
        parts.append(df)
    if not parts:
        raise ResultsError(f"{path}: a multirun folder with no finished job")
    return pd.concat(parts, ignore_index=True)
