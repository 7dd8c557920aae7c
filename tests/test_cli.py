"""`placesim` end to end, as a user runs it (subprocess)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.results import RUN_TABLES, read_run
from conftest import CONFIGS, placesim, placesim_command, placesim_env

RUN = ["run", "place.population=600", "place.homes=250", "run.years=1", "run.replicates=2"]
PARQUET = RUN_TABLES
PLOTS = ("milestones", "outcomes", "system", "network")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def two_runs(once_across_workers):
    """The same small run twice, into two folders (done once for all xdist workers)."""

    def go(folder: Path):
        procs = {}
        for name in ("a", "b"):                      # two separate processes, side by side
            target = folder / name
            procs[name] = (target, subprocess.Popen(
                [*placesim_command(), *RUN, f"hydra.run.dir={target}"], cwd=folder, env=placesim_env(),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        out = []
        for name, (target, proc) in procs.items():
            stdout, stderr = proc.communicate(timeout=300)
            out.append({"dir": str(target), "returncode": proc.returncode,
                        "stdout": stdout, "stderr": stderr})
        return out

    return once_across_workers("cli-two-runs", go)


@pytest.mark.slow          # shares two full `placesim run`s (~10 s)
def test_run_exits_zero_and_prints_the_folder(two_runs):
    first = two_runs[0]
    assert first["returncode"] == 0, first["stderr"]
    assert first["dir"] in first["stdout"]
    assert "Traceback" not in first["stderr"]


@pytest.mark.slow          # shares two full `placesim run`s (~10 s)
def test_run_folder_has_every_result_file(two_runs):
    folder = Path(two_runs[0]["dir"])
    for name in ("config.yaml", "manifest.json", *(f"{t}.parquet" for t in PARQUET)):
        assert (folder / name).is_file(), name
    for name in PLOTS:
        png = folder / "plots" / f"{name}.png"
        assert png.is_file(), png
        data = png.read_bytes()
        assert len(data) > 1000 and data.startswith(PNG_SIGNATURE), png


@pytest.mark.slow          # shares two full `placesim run`s (~10 s)
def test_run_folder_contents_describe_the_run(two_runs):
    folder = Path(two_runs[0]["dir"])
    manifest = read_run(folder).manifest
    assert manifest["kind"] == "run" and manifest["seeds"] == [0, 1]
    assert manifest["months"] == 12
    ts = pd.read_parquet(folder / "timeseries.parquet")
    assert sorted(ts["seed"].unique().tolist()) == [0, 1]
    assert ts.groupby("seed")["month"].max().tolist() == [12, 12]
    ms = pd.read_parquet(folder / "milestones.parquet")
    assert {"seed", "year", "milestone", "group", "reached", "assessed", "share"} <= set(ms.columns)
    net = pd.read_parquet(folder / "network.parquet")
    orgs = pd.read_parquet(folder / "organisations.parquet")
    assert net["source"].max() < len(orgs) and net["target"].max() < len(orgs)
    config = (folder / "config.yaml").read_text()
    assert "population: 600" in config and "homes: 250" in config


@pytest.mark.slow          # shares two full `placesim run`s (~10 s)
def test_same_command_twice_gives_identical_results(two_runs):
    a, b = (Path(r["dir"]) for r in two_runs)
    assert two_runs[1]["returncode"] == 0, two_runs[1]["stderr"]
    for table in PARQUET:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{table}.parquet"),
                                      pd.read_parquet(b / f"{table}.parquet"), check_exact=True)
    assert (a / "config.yaml").read_text() == (b / "config.yaml").read_text()
    assert (a / "manifest.json").read_text() == (b / "manifest.json").read_text()


@pytest.mark.parametrize("override,key", [
    ("place=nowhere", "place"),
    ("place.population=-5", "place.population"),
    ("run.years=abc", "run.years"),
    ("foo.bar=1", "foo"),
])
def test_bad_input_is_one_line_on_stderr(tmp_path, override, key):
    p = placesim("run", override, f"hydra.run.dir={tmp_path / 'out'}", cwd=tmp_path)
    assert p.returncode != 0
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert key in lines[0]
    if key != "foo":                      # an unknown key has no value worth repeating
        assert override.split("=")[1] in lines[0]
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout
    assert not (tmp_path / "out" / "timeseries.parquet").exists()


def test_missing_preset_error_lists_the_presets(tmp_path):
    p = placesim("run", "place=nowhere", cwd=tmp_path)
    for preset in (q.stem for q in (CONFIGS / "place").glob("*.yaml")):
        assert preset in p.stderr


def test_help_lists_the_verbs():
    p = placesim("--help")
    assert p.returncode == 0
    from experiments.cli import VERBS

    for verb in VERBS:
        assert verb in p.stdout
    assert "run" in p.stdout


def test_unknown_verb_is_one_line():
    p = placesim("frobnicate")
    assert p.returncode != 0
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "frobnicate" in lines[0]
    assert "Traceback" not in p.stderr


def test_run_help_shows_configuration_groups_with_place_presets():
    p = placesim("run", "--help")
    assert p.returncode == 0, p.stderr
    assert "Configuration groups" in p.stdout
    groups = p.stdout.split("Configuration groups", 1)[1]
    place_line = next(ln for ln in groups.splitlines() if ln.startswith("place:"))
    for preset in (q.stem for q in (CONFIGS / "place").glob("*.yaml")):
        assert preset in place_line


def test_run_help_is_hydras_own_help_text(capsys):
    """`placesim run --help` is built without Hydra's slow help path; it must print
    exactly what Hydra's default help prints for the same overrides."""
    import hydra

    from configs.compose import CONFIG_DIR, register
    from experiments.hydra_entry import app_help

    register()
    app = hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(lambda cfg: None)
    saved = sys.argv
    sys.argv = ["run", "--help", "place=wallsend", "run.years=3"]
    try:
        with pytest.raises(SystemExit):
            app()
    finally:
        sys.argv = saved
    hydras = capsys.readouterr().out                 # Hydra names the app after this file
    assert hydras.startswith("test_cli is powered by Hydra.")
    assert "wallsend" in hydras and "years: 3" in hydras
    assert app_help("test_cli", ["place=wallsend", "run.years=3"]) + "\n" == hydras


def test_the_command_line_keeps_numba_off_intel_svml(monkeypatch, capsys):
    """With icc_rt installed numba would take SVML's CPU-specific exp and log (ODD 10.2);
    every verb sets NUMBA_DISABLE_INTEL_SVML before numba is imported."""
    import os

    from experiments import cli

    monkeypatch.delenv("NUMBA_DISABLE_INTEL_SVML", raising=False)
    try:
        cli.main(["run", "--help"])
    except SystemExit:
        pass
    assert "Configuration groups" in capsys.readouterr().out
    assert os.environ["NUMBA_DISABLE_INTEL_SVML"] == "1"


@pytest.mark.parametrize("verb, package, extra", [("report", "weasyprint", "report"), ("app", "panel", "app")])
def test_a_verb_without_its_extra_says_what_to_install_before_any_work(monkeypatch, capsys, verb, package, extra):
    """After a bare `pip install -e .`, a verb that needs an extra is one line naming the
    packages and the install command, not a traceback (the missing package is simulated)."""
    import importlib.util

    from experiments import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == package else real(name, *a))
    started = []
    monkeypatch.setattr("sim.kernels.cache.prepare_kernels", lambda: started.append(True))
    assert cli.main([verb, "path=nowhere"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and package in err[0] and f'.[{extra}]' in err[0]
    assert not started                                  # refused before any work


def test_analyse_prim_without_its_extra_says_what_to_install_before_reading_anything(monkeypatch, capsys, tmp_path):
    """`placesim analyse prim` needs the 'analysis' extra (ema_workbench): one line naming
    it and the install command, before the sweep folder is even looked at."""
    import importlib.util

    from experiments import analyse

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ema_workbench" else real(name, *a))
    monkeypatch.setattr("analysis.results.read_sweep", lambda *a: pytest.fail("read before refusing"))
    assert analyse.main(["prim", f"path={tmp_path / 'nowhere'}"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and "ema_workbench" in err[0] and '.[analysis]' in err[0]
