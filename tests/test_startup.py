"""Start-up: a verb imports what it needs and nothing heavier (issue 22: every command paid
about 15 s before a 1-year run was done). Times are measured by benchmarks/startup.py,
never asserted here; these tests check which modules a cold interpreter loads."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_the_command_line_and_its_help_load_no_model_and_no_plotting():
    mods = loaded_after("import experiments.cli, experiments.run")
    for heavy in ("matplotlib", "numba", "mesa", "scipy", "pandas", "panel", "bokeh", "sim.model"):
        assert heavy not in mods, heavy


def test_the_model_loads_without_plotting_or_scipy_stats():
    """A run needs the model; scipy.stats (only synthetic places draw from it) and
    matplotlib (only the figures) are loaded where they are used."""
    mods = loaded_after("import sim.run, configs.compose")
    assert "sim.model" in mods
    for heavy in ("matplotlib", "scipy.stats", "panel", "bokeh", "pyarrow.parquet"):
        assert heavy not in mods, heavy


def test_a_synthetic_place_still_draws_its_indicators():
    """scipy.stats moved into the function that uses it: the draw still works, in range."""
    import numpy as np

    from configs.evidence import table1
    from sim.synthetic import draw_indicators

    table = table1()
    values = draw_indicators(table, 0.5, np.random.default_rng(0).standard_normal((50, 5)))
    assert values.shape == (50, 5)
    assert np.all(values >= np.array(table.min)) and np.all(values <= np.array(table.max))


def test_a_runs_figures_are_all_drawn_even_when_the_second_process_fails(tmp_path):
    """plot_run draws half of the figures in a forked child; if that child fails, the
    parent draws them itself, so a run folder never lacks a figure."""
    from experiments.run import draw_in_two_processes

    parent = os.getpid()

    def job(name: str, fails_in_child: bool = False):
        def draw():
            if fails_in_child and os.getpid() != parent:
                raise RuntimeError("a figure failed in the child")
            (tmp_path / name).write_text(str(os.getpid()))
        return draw

    draw_in_two_processes([job("a", fails_in_child=True), job("b"), job("c"), job("d")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c", "d"]
    assert (tmp_path / "a").read_text() == str(parent)           # redrawn by the parent
    assert (tmp_path / "c").read_text() == str(parent)           # the parent's own half


def test_the_plotting_process_reports_failure_and_ends_when_no_result_comes(tmp_path):
    """execute() draws in the parent when the forked plotter says it failed, and a run
    that fails before its result exists leaves no plotter waiting on the pipe."""
    from experiments.run import Plotter

    failing = Plotter.start(tmp_path, cfg=None)
    failing.send("not a run result")                 # plot_run fails on it in the child
    assert failing.finish() is False
    assert not (tmp_path / "plots").exists()
    abandoned = Plotter.start(tmp_path, cfg=None)
    assert abandoned.finish() is False               # the pipe closes: the child ends at once


def test_a_plain_run_composes_its_config_once_and_keeps_hydras_records(tmp_path):
    """`placesim run` checks the config and runs from one composition (Hydra's own path
    composed it three times), and still writes the .hydra/ records and run.log."""
    code = f"""
import sys
from hydra._internal.config_loader_impl import ConfigLoaderImpl
calls = []
original = ConfigLoaderImpl.load_configuration
def counted(self, *args, **kwargs):
    calls.append(1)
    return original(self, *args, **kwargs)
ConfigLoaderImpl.load_configuration = counted
from experiments.cli import main
status = main(["run", "place=pembury", "run.years=1", "run.replicates=1", "run.plots=false",
               "hydra.run.dir={tmp_path}"])
print("compositions", len(calls), "status", status)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CI="true")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.splitlines()[-1] == "compositions 1 status 0"
    for record in ("config.yaml", "hydra.yaml", "overrides.yaml"):
        assert (tmp_path / ".hydra" / record).exists(), record
    assert "hydra.mode=RUN" in (tmp_path / ".hydra" / "hydra.yaml").read_text()
    assert (tmp_path / "run.log").exists() and (tmp_path / "timeseries.parquet").exists()


def test_only_the_whole_program_skips_the_collectors_final_passes():
    """The console script (main() reading sys.argv) stops the garbage collector before
    exit; a Python caller passing its own arguments keeps it."""
    code = """
import gc, io, sys, contextlib
from experiments.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["run", "--help"])
    as_caller = gc.isenabled()
    sys.argv = ["placesim", "run", "--help"]
    main()
print(as_caller, gc.isenabled())
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_the_collector_paused_for_start_up_runs_again_during_the_model_run(tmp_path):
    """The command line pauses the garbage collector while it imports and composes; the
    task resumes it, so the model's run and the writing of results are collected as usual."""
    code = f"""
import gc, sys
import experiments.run as run
during = []
original = run.execute
def execute(*args, **kwargs):
    during.append(gc.isenabled())
    return original(*args, **kwargs)
run.execute = execute
from experiments.cli import main
sys.argv = ["placesim", "run", "place=pembury", "run.years=1", "run.replicates=1", "run.plots=false",
            "hydra.run.dir={tmp_path}"]
status = main()
print("collector during the run", during, "status", status)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CI="true")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.splitlines()[-1] == "collector during the run [True] status 0"
