"""The results contract (analysis/results.py): every folder kind is written with a
versioned manifest, and a reader refuses the wrong kind, an unknown format, an older
layout or a compare without a baseline with one line. Small tables, no simulation."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

import analysis
from analysis import results as R


def tiny_result(seed: int = 0) -> SimpleNamespace:
    ts = pd.DataFrame({"seed": [seed, seed], "month": [0, 1], "year": [2016.0, 2016 + 1 / 12], "cost": [0.0, 5.0]})
    ms = pd.DataFrame({"seed": [seed], "year": [2016], "milestone": ["ks4"], "group": ["all"],
                       "reached": [3], "assessed": [4], "share": [0.75]})
    net = pd.DataFrame({"seed": [seed], "month": [0], "source": [0], "target": [1], "strength": [0.5]})
    orgs = pd.DataFrame({"index": [0, 1], "kind": ["primary", "core_team"], "label": ["Primary", "Core team"]})
    return SimpleNamespace(timeseries=ts, milestones=ms, network=net, organisations=orgs)


def write_tiny_run(folder, scenario="baseline"):
    return R.write_run(folder, tiny_result(), "seed: 0\n", place="pembury", scenario=scenario, seeds=[0],
                       months=1, start_year=2016)


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_a_run_folder_round_trips_with_its_manifest(tmp_path):
    manifest = write_tiny_run(tmp_path / "run")
    assert manifest["kind"] == "run" and manifest["format"] == R.FORMAT
    assert set(manifest["holds"]) == {p.name for p in (tmp_path / "run").iterdir()} - {"manifest.json"}
    run = R.read_run(tmp_path / "run")
    pd.testing.assert_frame_equal(run.table("milestones"), tiny_result().milestones)
    assert run.config() == {"seed": 0}
    assert R.run_is_current(tmp_path / "run", "seed: 0\n") and not R.run_is_current(tmp_path / "run", "seed: 1\n")
    assert list(analysis.load(tmp_path / "run")["month"]) == [0, 1]


def test_readers_refuse_the_wrong_kind_an_unknown_format_and_the_old_layout(tmp_path):
    write_tiny_run(tmp_path / "run")
    with pytest.raises(R.ResultsError) as exc:
        R.read_compare(tmp_path / "run")
    assert "of kind 'run', not a compare folder" in one_line(exc)
    with pytest.raises(R.ResultsError) as exc:
        R.read_sweep(tmp_path / "run")
    assert "not a sweep folder" in one_line(exc)

    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    (tmp_path / "run" / "manifest.json").write_text(json.dumps({**manifest, "format": R.FORMAT + 1}))
    with pytest.raises(R.ResultsError) as exc:
        R.read_run(tmp_path / "run")
    assert f"format {R.FORMAT + 1}" in one_line(exc) and "placesim run" in one_line(exc)

    old = tmp_path / "old"
    old.mkdir()
    (old / "compare.json").write_text(json.dumps({"kind": "compare", "format": 1}))
    with pytest.raises(R.ResultsError) as exc:
        analysis.load(old)
    assert "format 1 (compare.json)" in one_line(exc) and "placesim compare" in one_line(exc)

    for missing in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(R.ResultsError) as exc:
            R.read_run(missing)
        one_line(exc)


def test_a_compare_records_each_scenario_and_needs_its_baseline(tmp_path):
    folder = tmp_path / "cmp"
    manifest = R.start_compare(folder, place="pembury", seeds=[0], months=1, start_year=2016,
                               scenarios=["baseline", "team"], descriptions={"baseline": "", "team": ""})
    with pytest.raises(R.ResultsError) as exc:
        R.read_compare(folder)
    assert "without a finished baseline" in one_line(exc)
    manifest = R.record_scenario(folder, manifest, "baseline", "RuntimeError: broke")
    with pytest.raises(R.ResultsError) as exc:
        R.read_compare(folder)
    assert "it failed: RuntimeError: broke" in one_line(exc)

    write_tiny_run(folder / "baseline")
    write_tiny_run(folder / "team", "team")
    manifest["failed"].clear()
    manifest = R.record_scenario(folder, manifest, "baseline")
    manifest = R.record_scenario(folder, manifest, "team")
    cmp = R.read_compare(folder)
    assert list(cmp.results) == ["baseline", "team"] and cmp.summary is None
    assert cmp.config("team") == {"seed": 0}
    assert set(analysis.load(folder)["scenario"]) == {"baseline", "team"}
    assert "team/" in json.loads((folder / "manifest.json").read_text())["holds"]

    R.write_compare_summary(folder, pd.DataFrame({"scenario": ["baseline"]}))
    with pytest.raises(R.ResultsError) as exc:
        R.read_compare(folder)
    assert "summary.parquet lacks outcome" in one_line(exc)


def test_a_sweep_and_its_analysis(tmp_path):
    design = pd.DataFrame({"point": [0, 1], "model.ties.decay": [0.01, 0.02]})
    R.write_sweep(tmp_path, design, config_hash="abc", name="s", design="latin_hypercube",
                  parameters=["model.ties.decay"], points=2, replicates=1, seeds=[0])
    assert not R.sweep_task_done(tmp_path, 0)
    ts = pd.DataFrame({"point": [0], "seed": [0], "month": [0], "relationships": [0.2]})
    R.write_sweep_task(tmp_path, 0, {"timeseries": [ts, ts.assign(point=1)], "milestones": []}, {"task": 0})
    assert R.sweep_task_done(tmp_path, 0)
    sweep = R.read_sweep(tmp_path)
    pd.testing.assert_frame_equal(sweep.design(), design)
    assert list(sweep.table("timeseries", columns=["point"], filters=[("point", ">", 0)])["point"]) == [1]
    with pytest.raises(R.ResultsError) as exc:
        sweep.table("timeseries", columns=["nonsense"])
    assert "no column nonsense" in one_line(exc)
    with pytest.raises(R.ResultsError) as exc:
        R.read_analysis(tmp_path)
    assert "placesim analyse" in one_line(exc)
    assert R.read_analysis(tmp_path, required=False) is None

    indices = pd.DataFrame({"parameter": ["model.ties.decay"], "spearman": [0.4]})
    R.write_analysis(sweep, "ks4", indices)
    R.write_analysis(sweep, "relationships", indices.assign(spearman=-0.1))
    long = R.read_analysis(tmp_path)
    assert dict(zip(long["outcome"], long["value"])) == {"ks4": 0.4, "relationships": -0.1}
    only = R.read_analysis(tmp_path / "analysis" / "ks4_indices.csv")
    assert list(only["outcome"]) == ["ks4"]
