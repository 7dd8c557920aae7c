"""Bad input and bad days (issue 20): every intervention setting is checked against its
declaration before any work; what the machine refuses (a read-only folder, a full disk, a
missing cluster, an unreachable scheduler) ends in one line; a refused command changes
nothing on disk; a reader skips and names a damaged file; no result is written with a
NaN or an infinite value; multirun jobs never share replicate seeds silently."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import resource
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import placesim, placesim_command, placesim_env

import analysis
from analysis import results as R

TINY = ["place.population=600", "place.homes=250", "run.years=1"]
IV = "scenario.interventions"


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    """The single line a refusal prints (fails on a traceback or several lines)."""
    assert proc.returncode != 0, proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "RuntimeWarning" not in ln
             and not ln.startswith("  ")]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _tiny_run():
    from configs.compose import compose_run_config

    return compose_run_config(["place.population=600", "place.homes=250"])


def compose_error(*overrides: str) -> str:
    from configs.compose import ConfigError, compose_run_config

    with pytest.raises(ConfigError) as exc:
        compose_run_config(list(overrides))
    text = str(exc.value)
    assert "\n" not in text
    return text


# -- every intervention setting, at composition -------------------------------------------

@pytest.mark.parametrize("overrides, key, allowed", [
    (["scenario=core_team", f"{IV}.team.start_year=nan"], "team.start_year=nan", "finite"),
    (["scenario=as_it_happened_pembury", f"+{IV}.voice.start_year=abc"], "voice.start_year='abc'", "not text"),
    (["scenario=as_it_happened_pembury", f"{IV}.voice.monthly_cost=[1,2]"], "voice.monthly_cost=[1, 2]", "not a list"),
    (["scenario=english_zone", f"{IV}.pipeline.monthly_cost=nan"], "pipeline.monthly_cost=nan", "finite"),
    (["scenario=english_zone", f"+{IV}.pipeline.quality=inf"], "pipeline.quality=inf", "finite"),
    (["scenario=english_zone", f"+{IV}.pipeline.english_share=nan"], "pipeline.english_share=nan", "finite"),
    (["scenario=english_zone", f"+{IV}.pipeline.english_share=true"], "pipeline.english_share=True", "not a boolean"),
    (["scenario=as_it_happened_pembury", f"+{IV}.team.hours_per_joint_work=nan"], "team.hours_per_joint_work=nan", "finite"),
    (["scenario=as_it_happened_pembury", f"+{IV}.team.hours_per_joint_work=0"], "team.hours_per_joint_work=0", "[1.0, inf]"),
    (["scenario=as_it_happened_pembury", f"+{IV}.team.staff=2.5"], "team.staff=2.5", "whole number"),
    (["scenario=as_it_happened_pembury", f"{IV}.ready_for_school.start_year=true"],
     "ready_for_school.start_year=True", "not a boolean"),
    (["scenario=as_it_happened_pembury", f"+{IV}.voice.rung=[1,2]"], "voice.rung=[1, 2]", "text"),
    ([f"+{IV}.merger.kind=shock", f"+{IV}.merger.shock=policy_churn", f"+{IV}.merger.churn_period_years=inf"],
     "merger.churn_period_years=inf", "finite"),
    ([f"+{IV}.agenda.kind=hardwiring", f"+{IV}.agenda.levers=2.5"], "agenda.levers=2.5", "whole number"),
])
def test_a_bad_intervention_setting_is_one_line_naming_key_value_and_what_is_allowed(overrides, key, allowed):
    text = compose_error(*overrides)
    assert text.startswith(f"{IV}.{key}:"), text
    assert allowed in text, text


def test_a_bad_value_for_an_intervention_that_starts_later_is_refused_before_the_run():
    # ready_for_school starts in year 1: a run of one year would never use the value.
    text = compose_error("scenario=as_it_happened_pembury", *TINY, f"+{IV}.ready_for_school.intensity=''")
    assert text.startswith(f"{IV}.ready_for_school.intensity='':") and "allowed [0.0, inf]" in text


def test_the_hour_share_refusal_says_which_shares_to_lower():
    text = compose_error("scenario=as_it_happened_pembury", f"+{IV}.team.share_data=0.9")
    assert "add up to 1.80" in text and "lower them by 0.80" in text
    assert text.index("share_data=0.9") < text.index("share_convening=0.2")      # largest first


def test_valid_settings_pass_and_a_swept_whole_number_becomes_an_int():
    from sim.interventions import build

    team = build("team", "core_team", {"staff": 4.0, "coalition_size": 6.0, "end_year": None, "strategy": "wide"})
    assert team.staff == 4 and isinstance(team.staff, int) and isinstance(team.coalition_size, int)
    assert team.end_year is None


def test_a_new_intervention_class_is_checked_from_its_declarations_alone(monkeypatch):
    """The check is generic: a class declared with the registry's helpers needs no code."""
    from sim import interventions
    from sim.interventions.base import Intervention, InterventionError
    from sim.registry import nonneg, param, prob

    @dataclasses.dataclass
    class Programme(Intervention):
        reach: float = prob(0.5, 0.2, 0.8, "assumption", "share of families reached")
        sessions: int = param(10, "sessions", 5, 20, "assumption", "sessions a family gets", hard=(1, 100))
        hours: float = nonneg(2.0, "hours", 1.0, 4.0, "assumption", "hours per session")
        label: str = "x"

    monkeypatch.setitem(interventions.KINDS, "programme_under_test", Programme)
    for settings, start in [({"reach": float("nan")}, "p.reach=nan: must be a finite number"),
                            ({"reach": 1.5}, "p.reach=1.5: outside the hard limits; allowed [0.0, 1.0]"),
                            ({"sessions": 2.5}, "p.sessions=2.5: expected a whole number"),
                            ({"sessions": True}, "p.sessions=True: expected one number, not a boolean"),
                            ({"hours": "2"}, "p.hours='2': expected one number, not text"),
                            ({"hours": [2]}, "p.hours=[2]: expected one number, not a list"),
                            ({"label": 3}, "p.label=3: expected a name")]:
        with pytest.raises(InterventionError) as exc:
            interventions.build("p", "programme_under_test", settings)
        assert str(exc.value).startswith(f"{IV}.{start}"), str(exc.value)
    assert interventions.build("p", "programme_under_test", {"reach": 0.3, "sessions": 12}).sessions == 12


@pytest.mark.parametrize("override", ["run.plots=2", "sweep.mix=yes", "sweep.allow_outside_range=0"])
def test_a_switch_takes_only_true_or_false(override):
    assert compose_error(override) == f"{override}: expected a boolean (true or false)"


def test_multirun_with_cfg_is_one_line():
    line = one_error_line(placesim("run", "-m", "seed=0,10", "--cfg", "job"))
    assert line == "placesim run: error: -m and --cfg: give only one of -m, --cfg, --info"


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_sweep_of_no_samples_is_refused_at_composition(value):
    text = compose_error("sweep=ties_lhs", f"sweep.samples={value}")
    assert text.startswith(f"sweep.samples={value}: at least 1")


def test_overlapping_multirun_seeds_are_refused_with_seeds_that_do_not_overlap():
    from experiments.hydra_entry import seed_problem, validate

    for overrides, ok in [(["seed=0,1", "run.replicates=10"], False), (["seed=0,10", "run.replicates=10"], True),
                          (["seed=0,1", "run.replicates=1"], True), (["place=pembury,wallsend"], True),
                          (["seed=0,5", "run.replicates=3,6"], False)]:
        problem = seed_problem(overrides, validate(overrides))
        assert (problem is None) == ok, (overrides, problem)
    problem = seed_problem(["seed=0,1"], validate(["seed=0,1"]))
    assert "seed=0,10" in problem and "\n" not in problem


# -- results are finite, readers skip damaged files ----------------------------------------

def _fake_result(**nan_at):
    ts = pd.DataFrame({"seed": [0, 0], "month": [0, 1], "year": [2016.0, 2016 + 1 / 12], "children": [10.0, 11.0]})
    ms = pd.DataFrame({"seed": [0, 0], "year": [2016, 2016], "milestone": ["ks4", "ks2"], "group": ["all", "all"],
                       "reached": [0, 1], "assessed": [0, 2], "share": [np.nan, 0.5]})
    net = pd.DataFrame({"seed": [0], "month": [0], "strength": [0.2]})
    orgs = pd.DataFrame({"index": [0], "kind": ["primary"], "label": ["Primary"]})
    for col, value in nan_at.items():
        ts.loc[1, col] = value
    return type("Result", (), {"timeseries": ts, "milestones": ms, "network": net, "organisations": orgs})


def test_a_result_with_nan_or_inf_is_never_written(tmp_path):
    kw = dict(place="p", scenario="s", seeds=[0], months=1, start_year=2016)
    R.write_run(tmp_path / "ok", _fake_result(), "x: 1\n", **kw)        # a share with no child assessed is fine
    assert R.read_run(tmp_path / "ok").table("timeseries")["children"].tolist() == [10.0, 11.0]
    for value in (np.nan, np.inf):
        with pytest.raises(R.ResultsError) as exc:
            R.write_run(tmp_path / "bad", _fake_result(children=value), "x: 1\n", **kw)
        assert str(exc.value).startswith("timeseries.children: 1 of 2 values are NaN or infinite (first at seed 0, month 1")
        assert not (tmp_path / "bad").exists()


def _tiny_sweep(folder: Path, extra: str = "run.years=1", **kw) -> subprocess.CompletedProcess:
    return placesim("sweep", "sweep=ties_lhs", "sweep.samples=4", "sweep.replicates=2", "sweep.points_per_task=1",
                    "sweep.workers=1", *TINY, extra, f"hydra.run.dir={folder}", **kw)


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_input") / "sweep"
    _tiny_sweep(folder, check=True)
    return folder


@pytest.mark.slow
def test_a_refused_sweep_changes_nothing_in_an_existing_folder(sweep_folder, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(sweep_folder, folder)
    before = _snapshot(folder)
    assert ".hydra/config.yaml" in before
    for extra in ("run.years=2", "sweep.design=magic", "sweep.samples=0"):
        one_error_line(_tiny_sweep(folder, extra=extra))
        after = _snapshot(folder)
        after.pop("sweep.log", None), before.pop("sweep.log", None)      # Hydra's log, opened to append
        assert after == before, extra


@pytest.mark.slow
def test_a_truncated_task_file_is_skipped_named_and_redone(sweep_folder, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(sweep_folder, folder)
    damaged = folder / "data" / "timeseries" / "task=000001.parquet"
    damaged.write_bytes(damaged.read_bytes()[:500])
    assert not R.sweep_task_done(folder, 1) and R.sweep_task_done(folder, 0)
    with pytest.warns(R.SkippedFileWarning, match="task=000001"):
        df = analysis.load(folder)
    assert sorted(df["point"].unique()) == [0, 2, 3]
    proc = placesim("analyse", f"path={folder}", "outcome=children")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "skipped data/timeseries/task=000001.parquet" in proc.stderr
    again = _tiny_sweep(folder, check=True)
    assert "2 done, 0 failed, 6 skipped" in again.stdout
    assert sorted(analysis.load(folder)["point"].unique()) == [0, 1, 2, 3]


@pytest.mark.slow
@pytest.mark.parametrize("outcome", ["happiness", "month", "seed", "point", "model.ties.decay", ""])
def test_analyse_refuses_an_unknown_outcome_in_one_line(sweep_folder, outcome):
    line = one_error_line(placesim("analyse", f"path={sweep_folder}", f"outcome={outcome}"))
    assert line.startswith(f"placesim analyse: error: outcome={outcome}: not an outcome; choose a milestone")


# -- what the machine refuses ---------------------------------------------------------------

def _as_unprivileged() -> list[str]:
    """A prefix that makes a read-only folder read-only for the command: root ignores
    permissions, so as root the command runs without the capability to override them."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: no folder is read-only for root")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _run(args, prefix=(), limit_bytes=None, limit_memory=None, timeout=600) -> subprocess.CompletedProcess:
    """placesim ARGS, with files limited to `limit_bytes` (a disk filling up) or the
    address space to `limit_memory` (a machine without that much memory)."""
    def limit():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    return subprocess.run([*prefix, *placesim_command(), *args], capture_output=True, text=True, timeout=timeout,
                          env=placesim_env(), preexec_fn=limit if limit_bytes or limit_memory else None)


@pytest.fixture(scope="module")
def warm_kernels():
    """Compile (and cache) the kernels first: under a file size limit numba could not
    write its cache, and the refusal tested would be that one instead."""
    from sim.run import simulate

    run = _tiny_run()
    simulate(run.place, run.model, run.england, [0], 1)


@pytest.fixture
def read_only(tmp_path):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ["run", *TINY, "run.replicates=1"],
    ["compare", *TINY, "run.replicates=1"],
    ["sweep", "sweep=ties_lhs", "sweep.samples=2", "sweep.replicates=1", *TINY],
    ["run", "-m", "seed=0,1", *TINY, "run.replicates=1"],
])
def test_an_output_folder_under_a_read_only_folder_is_one_line(read_only, args):
    key = "hydra.sweep.dir" if "-m" in args else "hydra.run.dir"
    proc = _run([*args, f"{key}={read_only / 'out'}"], prefix=_as_unprivileged())
    line = one_error_line(proc)
    assert f"{key}={read_only / 'out'}" in line and "read-only" in line
    assert list(read_only.iterdir()) == []


@pytest.mark.slow
def test_analyse_of_a_read_only_sweep_folder_is_one_line(sweep_folder, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(sweep_folder, folder)
    for p in [folder, *folder.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    try:
        proc = _run(["analyse", f"path={folder}", "outcome=ks4"], prefix=_as_unprivileged())
        line = one_error_line(proc)
        assert "cannot be written" in line and "analysis" in line
    finally:
        for p in [folder, *folder.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)


@pytest.mark.slow
def test_a_full_disk_ends_a_run_in_one_line_with_no_result_half_written(tmp_path, warm_kernels):
    out = tmp_path / "run"
    proc = _run(["run", *TINY, "run.replicates=2", f"hydra.run.dir={out}"], limit_bytes=20_000)
    line = one_error_line(proc)
    assert "timeseries.parquet: cannot be written, the disk is full" in line
    assert R.folder_kind(out) is None                                 # no manifest: not taken for a result
    assert not (out / "timeseries.parquet").exists() and not list(out.rglob(".*.tmp"))


@pytest.mark.slow
def test_a_sweep_on_a_full_disk_stops_in_one_line_and_resumes(tmp_path, warm_kernels):
    out = tmp_path / "sweep"
    args = ["sweep", "sweep=ties_lhs", "sweep.samples=4", "sweep.replicates=2", "sweep.points_per_task=1",
            "sweep.workers=1", *TINY, f"hydra.run.dir={out}"]
    line = one_error_line(_run(args, limit_bytes=16_000))
    assert "cannot be written, the disk is full" in line and "task=" in line
    assert not list(out.rglob(".*.tmp"))
    for status in (out / "status").glob("task=*.json"):            # a status means its files read
        assert R.sweep_task_done(out, int(status.stem.split("=")[1]))
    again = placesim(*args)
    assert again.returncode == 0 and "0 failed" in again.stdout, again.stderr
    assert analysis.load(out).groupby(["point", "seed"]).ngroups == 8


@pytest.mark.slow
def test_a_multirun_on_slurm_without_slurm_is_one_line(tmp_path):
    if shutil.which("sbatch"):
        pytest.skip("SLURM is installed here")
    line = one_error_line(placesim("run", "-m", "hydra/launcher=slurm", "seed=0,1", *TINY, "run.replicates=1",
                                   f"hydra.sweep.dir={tmp_path / 'm'}"))
    assert "hydra/launcher=slurm: no SLURM on this machine" in line
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_a_dask_sweep_with_no_scheduler_is_one_line_and_writes_no_results(tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "dask"
    line = one_error_line(placesim("sweep", "sweep=ties_lhs", "sweep.samples=2", "sweep.replicates=1", *TINY,
                                   "sweep.engine=dask", "sweep.scheduler=tcp://127.0.0.1:9", f"hydra.run.dir={out}"))
    assert "sweep.scheduler=tcp://127.0.0.1:9: no Dask scheduler answered" in line
    assert not R.holds_results(out) and not (out / ".hydra").exists()


@pytest.mark.slow
def test_an_overlapping_multirun_is_refused_before_any_job(tmp_path):
    line = one_error_line(placesim("run", "-m", "seed=0,1", *TINY, "run.replicates=2",
                                   f"hydra.sweep.dir={tmp_path / 'm'}"))
    assert "jobs would share replicate seeds" in line and "seed=0,2" in line
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_a_run_whose_results_are_not_finite_writes_nothing(tmp_path):
    # A pilot with no support hours and no core team divides 0 by 0; refused at
    # composition once the field's hard limit excludes 0, else caught when the run ends.
    out = tmp_path / "nan"
    line = one_error_line(placesim("run", *TINY, "run.replicates=1", f"+{IV}.p.kind=pilot",
                                   f"+{IV}.p.support_hours=0", f"hydra.run.dir={out}"))
    assert "NaN or infinite" in line or f"{IV}.p.support_hours=0" in line
    assert not R.holds_results(out) and not (out / "timeseries.parquet").exists()


@pytest.mark.slow
def test_a_place_too_big_for_the_memory_is_one_line(tmp_path, warm_kernels):
    out = tmp_path / "huge"
    proc = _run(["run", "place.population=100000000", "place.homes=40000000", "run.years=1", "run.replicates=1",
                 f"hydra.run.dir={out}"], limit_memory=3 * 2**30)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "WARNING" not in ln]   # plausibility notes
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and len(lines) == 1, proc.stderr
    # Refused up front from the estimate (experiments.hydra_entry.memory_problem), or, if the
    # estimate let it through, when the allocation failed.
    assert ("GB" in lines[0] or "needs more memory than this machine can give" in lines[0]) \
        and "place.population" in lines[0]
    assert not R.holds_results(out)
