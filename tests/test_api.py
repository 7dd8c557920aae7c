"""The Python API (`import placesim`): the same composition, validation and results as
the command line, tidy tables, figures, and the quickstart notebook run cell by cell."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import placesim
from experiments import cli

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"place.population": 800, "place.homes": 350}


def test_run_gives_the_command_lines_results(tmp_path):
    """placesim.run and `placesim run` with the same settings give identical tables."""
    assert cli.main(["run", "place=pembury", "scenario=core_team", "run.years=2", "run.replicates=2",
                     "place.population=800", "place.homes=350", "run.plots=false",
                     f"hydra.run.dir={tmp_path / 'cli'}"]) == 0
    r = placesim.run(place="pembury", scenario="core_team", years=2, replicates=2, overrides=SMALL)
    assert (r.place, r.scenario, r.folder) == ("pembury", "core_team", None)
    for table in ("timeseries", "milestones"):
        pd.testing.assert_frame_equal(getattr(r, table), pd.read_parquet(tmp_path / "cli" / f"{table}.parquet"))
    summary = r.summary()
    assert {"milestone", "group", "median", "low", "high", "replicates"} <= set(summary.columns)
    assert "90% interval" in str(r)
    assert r.plot().axes and r.plot("system").axes


def test_compare_returns_the_summary_it_writes(tmp_path):
    """With a folder, the files are the command line's (a report can be made from them);
    the tables returned are those files' contents."""
    from analysis.results import read_compare

    c = placesim.compare(place="pembury", scenarios=["core_team"], years=2, replicates=2, overrides=SMALL,
                         folder=tmp_path / "c")
    assert c.scenarios == ["baseline", "core_team"] and not c.failed
    saved = read_compare(tmp_path / "c")
    pd.testing.assert_frame_equal(c.summary, saved.summary)
    assert set(c.timeseries["scenario"]) == {"baseline", "core_team"}
    h = c.headlines
    assert list(h["outcome"]) == ["eyfs_gld", "ks2", "ks4", "eet18"] and h["headline"].str.len().gt(0).all()
    assert str(c).splitlines()[0].startswith("Additional children reaching each milestone")
    for kind in ("milestones", "difference", "cost"):
        assert c.plot(kind).axes


@pytest.mark.parametrize("kwargs, argv", [
    ({"place": "nowhere"}, ["place=nowhere"]),
    ({"replicates": 0}, ["run.replicates=0"]),
    ({"overrides": {"model.ties.decay": 3}}, ["model.ties.decay=3"]),
    ({"overrides": ["model.no_such_key=1"]}, ["model.no_such_key=1"]),
])
def test_a_mistake_raises_the_command_lines_one_line(kwargs, argv, capsys):
    """The exception's message is what `placesim run` prints after 'error: '."""
    with pytest.raises(placesim.ConfigError) as err:
        placesim.run(**kwargs)
    assert cli.main(["run", *argv]) == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in str(err.value) and line == f"placesim run: error: {err.value}"


def test_compare_refuses_a_bare_string_and_an_unknown_scenario():
    with pytest.raises(placesim.ConfigError, match=r"scenarios='core_team': expected a list"):
        placesim.compare(scenarios="core_team")
    with pytest.raises(placesim.ConfigError, match=r"'nope' is not a scenario preset; choose from .*core_team"):
        placesim.compare(scenarios=["nope"])


def test_the_quickstart_notebook_runs_cell_by_cell(monkeypatch, tmp_path):
    """docs/examples/quickstart.ipynb: every code cell, in order, in one namespace (as a
    kernel runs them; nbclient is not a dependency), from a scratch working folder."""
    import matplotlib.pyplot as plt

    notebook = json.loads((ROOT / "docs" / "examples" / "quickstart.ipynb").read_text())
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert cells
    for cell in cells:
        exec(compile("".join(cell["source"]), "quickstart.ipynb", "exec"), namespace)
    plt.close("all")
    assert isinstance(namespace["r"], placesim.RunResults) and isinstance(namespace["c"], placesim.CompareResults)
    assert set(namespace["c"].headlines["scenario"]) == {"core_team", "core_team_exit"}
    assert not list(tmp_path.iterdir())                  # no folder given: nothing left behind
