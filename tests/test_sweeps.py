"""Sweeps: Hydra multirun on joblib and submitit (local), sampled SALib designs on joblib
and Dask, resuming after kill -9, bad input, and analysis.load on every folder kind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from conftest import placesim as run_placesim

import analysis
from analysis.results import folder_kind, read_analysis, read_sweep

TINY = ["place.population=600", "place.homes=250", "run.years=2"]


def placesim(*args, **kwargs):
    """The shared runner (conftest.placesim), failing on a non-zero exit unless told not to."""
    return run_placesim(*args, **{"check": True, **kwargs})


def sweep_args(folder, *extra):
    return ["sweep", "sweep=ties_lhs", "sweep.samples=6", "sweep.replicates=2", "sweep.points_per_task=2",
            "sweep.workers=2", *TINY, f"hydra.run.dir={folder}", *extra]


def test_lhs_sweep_runs_and_loads_with_parameter_columns(tmp_path):
    out = tmp_path / "lhs"
    proc = placesim(*sweep_args(out))
    assert "12 done, 0 failed, 0 skipped" in proc.stdout
    manifest = read_sweep(out).manifest
    df = analysis.load(out)
    assert set(manifest["parameters"]) <= set(df.columns)
    assert df.groupby(["point", "seed"]).ngroups == 12
    assert df.groupby(["point", "seed"]).size().eq(3).all()          # years 0, 1, 2
    design = pd.read_parquet(out / "design.parquet")
    for key in manifest["parameters"]:
        low, high = manifest["bounds"][key]
        assert design[key].between(low, high).all()
        assert design[key].nunique() == len(design)                   # LHS: all levels distinct
    # Column pruning and filters: only what is asked for is read.
    ks4 = analysis.load(out, table="milestones", columns=["point", "seed", "share"],
                        filters=[("milestone", "==", "ks4"), ("group", "==", "all")])
    assert list(ks4.columns) == ["point", "seed", "share"]
    assert len(ks4) == 12 * 2


def test_dask_local_cluster_gives_the_same_results_as_joblib(tmp_path):
    pytest.importorskip("dask.distributed")
    placesim(*sweep_args(tmp_path / "joblib"))
    placesim(*sweep_args(tmp_path / "dask", "sweep.engine=dask"))
    a = analysis.load(tmp_path / "joblib").sort_values(["point", "seed", "month"]).reset_index(drop=True)
    b = analysis.load(tmp_path / "dask").sort_values(["point", "seed", "month"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_a_killed_sweep_resumes_without_losing_or_repeating_runs(tmp_path):
    out = tmp_path / "killed"
    args = ["sweep", "sweep=ties_lhs", "sweep.samples=8", "sweep.replicates=2", "sweep.points_per_task=1",
            "sweep.workers=1", *TINY, f"hydra.run.dir={out}"]
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "CI": "true"}, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        if len(list((out / "status").glob("task=*.json"))) >= 2:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "status").glob("task=*.json")))
    assert 0 < finished < 8, "the kill should land mid-sweep"
    again = placesim(*args)
    assert f"{finished * 2} skipped" in again.stdout
    df = analysis.load(out)
    assert df.groupby(["point", "seed"]).ngroups == 16
    assert not df.duplicated(["point", "seed", "month"]).any()
    assert not list(out.rglob(".*.tmp"))


@pytest.mark.parametrize("override, message", [
    ("+sweep.parameters.model.ties.nonsense={}", "not a parameter in the registry"),
    ("+sweep.parameters.model.ties.decay={low: 0.0, high: 0.5}", "outside the plausible range"),
    ("sweep.design=sobol", "power of 2"),
    ("sweep.max_runs=5", "more than sweep.max_runs"),
    ("sweep.design=magic", "choose from"),
])
def test_bad_sweeps_are_one_line_and_run_nothing(tmp_path, override, message):
    out = tmp_path / "bad"
    proc = placesim(*sweep_args(out, override, "sweep.samples=6"), check=False)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "data").exists()


def test_outside_range_is_allowed_with_the_flag_and_a_different_config_is_refused(tmp_path):
    out = tmp_path / "flag"
    proc = placesim(*sweep_args(out, "+sweep.parameters.model.ties.decay={low: 0.01, high: 0.08}",
                                "sweep.allow_outside_range=true"))
    assert "0 failed" in proc.stdout
    other = placesim(*sweep_args(out, "+sweep.parameters.model.ties.decay={low: 0.01, high: 0.08}",
                                 "sweep.allow_outside_range=true", "run.years=3"), check=False)
    assert other.returncode != 0 and "different config" in other.stderr


def test_multirun_on_joblib_and_submitit_local_writes_every_job(tmp_path):
    for launcher in ("joblib", "slurm_local"):
        out = tmp_path / launcher
        placesim("run", "-m", "place=pembury", "seed=0,1", *TINY, "run.replicates=1", "run.plots=false",
                 f"hydra/launcher={launcher}", f"hydra.sweep.dir={out}", timeout=600)
        jobs = [p for p in out.iterdir() if folder_kind(p) == "run"]
        assert len(jobs) == 2
        for job in jobs:
            assert (job / "config.yaml").exists() and (job / "timeseries.parquet").exists()
        df = analysis.load(out)
        assert set(df["seed"]) == {0, 1}
    # Same seed, same numbers on either launcher.
    a = analysis.load(tmp_path / "joblib").sort_values(["seed", "month"]).reset_index(drop=True)
    b = analysis.load(tmp_path / "slurm_local").sort_values(["seed", "month"]).reset_index(drop=True)
    cols = [c for c in a.columns if c not in ("job",)]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_analyse_gives_morris_indices_and_factorial_tipping_points(tmp_path):
    morris = tmp_path / "morris"
    placesim("sweep", "sweep=morris_screen", "sweep.samples=2", "sweep.replicates=1", "sweep.workers=2",
             "sweep.points_per_task=4", *TINY, f"hydra.run.dir={morris}")
    proc = placesim("analyse", f"path={morris}", "outcome=relationships")
    table = pd.read_csv(morris / "analysis" / "relationships_indices.csv")
    assert {"parameter", "mu_star", "sigma"} <= set(table.columns)
    assert len(table) == len(read_sweep(morris).manifest["parameters"])
    assert (morris / "analysis" / "relationships_sensitivity.png").stat().st_size > 1000
    placesim("analyse", f"path={morris}", "outcome=ks4")              # the analysis manifest gathers both
    long = read_analysis(morris)
    assert set(long["outcome"]) == {"relationships", "ks4"} and set(long["index"]) == {"mu_star"}
    factorial = tmp_path / "factorial"
    placesim("sweep", "sweep=exit_factorial", "scenario=core_team_exit5", "sweep.replicates=1", "sweep.workers=2",
             "+sweep.parameters.scenario.interventions.team.intensity={values: [0.5, 2.0]}",
             "+sweep.parameters.scenario.interventions.team.end_year={values: [1, 2]}",
             *TINY, f"hydra.run.dir={factorial}")
    proc = placesim("analyse", f"path={factorial}", "outcome=relationships")
    # Two levels cannot tell a jump from a slope: said, not guessed (analysis.tipping).
    assert "too few to tell a tipping point" in proc.stdout and "Largest step" not in proc.stdout
    tips = pd.read_csv(factorial / "analysis" / "relationships_tipping.csv")
    assert set(tips["verdict"]) == {"too few levels to tell"} and len(tips) == 4
    assert (factorial / "analysis" / "relationships_tipping.png").stat().st_size > 1000
    bad = placesim("analyse", f"path={tmp_path}", check=False)
    assert bad.returncode == 2 and "not a sweep folder" in bad.stderr
    wrong = placesim("analyse", f"path={factorial / 'analysis'}", check=False)
    lines = [ln for ln in wrong.stderr.splitlines() if ln.strip()]
    assert wrong.returncode == 2 and len(lines) == 1 and "of kind 'analysis', not a sweep folder" in lines[0]
