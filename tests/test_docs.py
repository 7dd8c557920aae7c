"""The documentation cannot drift from the code.

- docs/results.md names every column the model writes (timeseries, milestones, network,
  organisations, manifest.json); every reporter has one record in the table of outcomes
  (sim/outcomes.py), whose tables in docs/results.md are generated;
- docs/parameters.md and those tables are exactly what `placesim params` generates;
- docs/ODD.md names every registered place and model parameter and every process module.

A tiny place and one simulated year keep this fast (a few seconds).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TINY = ["place.population=600", "place.homes=250", "run.years=1", "run.replicates=2",
        "run.plots=false"]


def section(text: str, heading: str) -> str:
    """The text of a `## heading` section, up to the next `## ` heading."""
    m = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"docs/results.md has no section '## {heading}'"
    return m.group(1)


@pytest.fixture(scope="module")
def results_md() -> str:
    return (DOCS / "results.md").read_text()


@pytest.fixture(scope="module")
def resolved():
    from configs.compose import compose_run_config

    return compose_run_config(TINY)


@pytest.fixture(scope="module")
def result(resolved):
    from sim.run import simulate

    return simulate(resolved.place, resolved.model, resolved.england, resolved.seeds, months=12)


def test_every_reporter_has_one_outcome_record_and_the_six_areas_are_its_system_indicators():
    from sim.outcomes import MILESTONE, OUTCOMES, SYSTEM_AREAS
    from sim.reporters import REPORTERS, SYSTEM_INDICATORS

    series = [name for name, o in OUTCOMES.items() if o.kind != MILESTONE]
    assert set(series) == {*REPORTERS, "cost"}          # cost is added by sim.run, not a reporter
    assert tuple(SYSTEM_INDICATORS) == SYSTEM_AREAS


def test_every_reporter_is_documented_with_its_unit(results_md):
    from sim.outcomes import OUTCOMES
    from sim.reporters import REPORTERS

    ts = section(results_md, "timeseries.parquet")
    rows = {m.group(1): line for line in ts.splitlines()
            if (m := re.match(r"\| `([^`]+)` \|", line))}
    missing = [name for name in REPORTERS if name not in rows]
    assert not missing, f"reporters missing from docs/results.md: {missing}"
    for name in REPORTERS:
        unit = OUTCOMES[name].unit
        assert f"| {unit} |" in rows[name], f"{name}: unit '{unit}' (sim/outcomes.py) not in its row"


def test_every_written_column_is_documented(results_md, result):
    tables = {"timeseries.parquet": result.timeseries, "milestones.parquet": result.milestones,
              "network.parquet": result.network, "organisations.parquet": result.organisations}
    for heading, df in tables.items():
        text = section(results_md, heading)
        missing = [c for c in df.columns if f"`{c}`" not in text]
        assert not missing, f"{heading}: columns missing from docs/results.md: {missing}"


def test_every_milestone_and_kind_is_documented(results_md, result):
    from sim.orgs import Kind
    from sim.outcomes import MILESTONES, OUTCOMES

    ms = section(results_md, "milestones.parquet")
    for name in MILESTONES:
        assert f"`{name}`" in ms and OUTCOMES[name].label in ms, name
    orgs = section(results_md, "organisations.parquet")
    for kind in Kind:
        assert f"`{kind.name.lower()}`" in orgs, kind.name
    assert set(result.milestones["group"]) <= {"all", "in_need"}


def test_run_folder_files_and_manifest_are_documented(results_md, resolved, tmp_path):
    from experiments.run import execute

    execute(resolved, tmp_path)
    written = {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")}
    for name in written:
        assert name in results_md, f"{name} is written to the run folder but not in docs/results.md"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    text = section(results_md, "manifest.json")
    missing = [k for k in manifest if f"`{k}`" not in text]
    assert not missing, f"manifest.json keys missing from docs/results.md: {missing}"


def test_parameters_md_and_the_outcome_tables_are_up_to_date():
    from experiments.params_doc import main

    assert main(["--check"]) == 0, "docs/parameters.md or docs/results.md is out of date: run `placesim params`"


def test_an_outcome_edited_in_the_table_shows_in_the_generated_docs(monkeypatch, results_md):
    import dataclasses

    from experiments.params_doc import render_results
    from sim import outcomes

    ks4 = dataclasses.replace(outcomes.OUTCOMES["ks4"], label="Key Stage 4, relabelled")
    monkeypatch.setitem(outcomes.OUTCOMES, "ks4", ks4)
    assert "| `ks4` | Key Stage 4, relabelled | 192 months |" in render_results(results_md)


def test_evidence_classes():
    from configs.evidence import evidence_class, unlocated_seed_citations

    assert evidence_class("calibrated: England-average place reaches 68.09% (seed 004 Table 2)") == "calibrated"
    assert evidence_class("assumption (seed 004 L820-842: the indicators overlap)") == "assumption"
    assert evidence_class("seed 004 L2340-2344") == "seed"
    assert evidence_class("Centola & Macy 2007 (complex contagion)") == "cited paper"
    assert evidence_class("Sylva et al. 2004 (EPPE); seed 003 L1418-1425") == "seed + cited paper"
    assert evidence_class("design brief: children are 0-19") == "design choice"
    assert evidence_class("seed 003 (the network launched in 2016)") == "seed"
    assert unlocated_seed_citations("seed 003 (staff turnover)") == ["seed 003 (staff turnover)"]
    assert unlocated_seed_citations("seed 003 L433, L2266-2269") == []


def test_odd_names_every_parameter_and_process():
    from configs.compose import Config
    from sim.registry import entries

    odd = (DOCS / "ODD.md").read_text()
    keys = [e.name for e in entries(Config()) if e.name.startswith(("place.", "model."))]
    missing = [k for k in keys if f"`{k}`" not in odd]
    assert not missing, f"docs/ODD.md does not name these registry parameters: {missing}"
    processes = sorted(p.stem for p in (ROOT / "sim" / "processes").glob("*.py") if p.stem != "__init__")
    missing = [p for p in processes if f"sim/processes/{p}.py" not in odd]
    assert not missing, f"docs/ODD.md does not describe these process modules: {missing}"
