"""placesim compare: paired scenarios, the summary table, plots, costs, bad input, and
a scenario that fails halfway keeping the ones that finished."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from conftest import placesim as run_placesim

from analysis.results import read_compare, read_run
from configs.compose import ScenarioSpec, compose_run_config

SMALL = ["place.population=800", "place.homes=350", "run.years=3", "run.replicates=3"]


def placesim(*args, **kwargs):
    """The shared runner (conftest.placesim), failing on a non-zero exit unless told not to."""
    return run_placesim(*args, **{"check": True, **kwargs})


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "c"
    placesim("compare", *SMALL, "scenarios=[baseline,core_team,core_team_exit]", f"hydra.run.dir={out}")
    return out


def test_compare_writes_summary_plots_and_one_run_per_scenario(compare_folder):
    folder = read_compare(compare_folder)
    manifest = folder.manifest
    assert manifest["done"] == ["baseline", "core_team", "core_team_exit"] and not manifest["failed"]
    assert list(folder.results) == manifest["done"]
    for name in manifest["done"]:
        assert read_run(compare_folder / name).manifest["scenario"] == name
    for png in ("milestones_by_scenario", "difference_to_baseline", "cost_effect", "system_by_scenario"):
        assert (compare_folder / "plots" / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv = pd.read_csv(compare_folder / "summary.csv")
    parquet = folder.summary
    assert len(csv) == len(parquet)
    assert not csv.duplicated(["scenario", "outcome", "group"]).any()
    base = csv[csv["scenario"] == "baseline"]
    assert (base["diff_median"].abs() < 1e-12).all() and (base["total_cost"] == 0).all()


def test_paired_runs_share_seeds_and_costs_add_up(compare_folder):
    ts = {n: pd.read_parquet(compare_folder / n / "timeseries.parquet") for n in ("baseline", "core_team", "core_team_exit")}
    assert set(ts["baseline"]["seed"]) == set(ts["core_team"]["seed"]) == {0, 1, 2}
    # Common random numbers: before the team arrives nothing differs.
    month0 = {n: t[t["month"] == 0].drop(columns=["cost"]).reset_index(drop=True) for n, t in ts.items()}
    pd.testing.assert_frame_equal(month0["baseline"], month0["core_team"])
    csv = pd.read_csv(compare_folder / "summary.csv")
    stays = csv[csv["scenario"] == "core_team"]["total_cost"].iloc[0]
    leaves = csv[csv["scenario"] == "core_team_exit"]["total_cost"].iloc[0]
    assert stays == pytest.approx(ts["core_team"].groupby("seed")["cost"].sum().median())
    assert leaves == pytest.approx(stays)          # a 3-year run: the exit at 3 years changes nothing yet
    # System outcomes move with a team present (relationships, last year of the run).
    rel = csv[(csv["outcome"] == "relationships") & (csv["scenario"] == "core_team")].iloc[0]
    assert rel["diff_low"] > 0


@pytest.mark.parametrize("args, message", [
    (["scenarios=[baseline,nope]"], "is not a scenario preset"),
    (["scenario=core_team", "+scenario.interventions.x.kind=magic"], "unknown; choose from"),
    (["scenario=core_team", "+scenario.interventions.team.monthly_cost=-5"], "allowed [0.0, inf]"),
    (["scenario=core_team", "scenario.interventions.team.start_year=5", "scenario.interventions.team.end_year=2"],
     "must be after start_year"),
    (["scenario=core_team", "+scenario.interventions.team.intensity=-1"], "allowed [0.0, inf]"),
    (["place=synthetic", "place.early_years_settings=0", "scenarios=[baseline,pilot]"], "needs a partner"),
])
def test_bad_scenarios_are_one_line_and_run_nothing(tmp_path, args, message):
    proc = placesim("compare", *SMALL, *args, f"hydra.run.dir={tmp_path / 'x'}", check=False)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "x" / "manifest.json").exists()


def test_a_scenario_that_fails_halfway_keeps_the_others(tmp_path, monkeypatch):
    import configs.compose as config
    from experiments.compare import run_compare, write_summary
    from sim import interventions
    from sim.interventions.base import Intervention

    @dataclass
    class Breaks(Intervention):
        def apply(self, model, month):
            if month == 6:
                raise RuntimeError("broken on purpose")

    monkeypatch.setitem(interventions.KINDS, "breaks", Breaks)
    monkeypatch.setitem(interventions.ORDER, "breaks", 99)
    real = config.load_scenario
    monkeypatch.setattr(config, "load_scenario", lambda name: ScenarioSpec(
        name="broken", interventions={"b": {"kind": "breaks"}}) if name == "broken" else real(name))
    resolved = compose_run_config(SMALL + ["run.years=1", "run.plots=false"])
    resolved.config.scenarios = ["baseline", "broken", "core_team"]
    manifest = run_compare(resolved, tmp_path)
    assert manifest["done"] == ["baseline", "core_team"]
    assert "broken on purpose" in manifest["failed"]["broken"]
    summary = write_summary(tmp_path)
    assert set(summary["scenario"]) == {"baseline", "core_team"}


def test_the_one_quantile_helper_ignores_missing_values_and_keeps_axes():
    import numpy as np

    from analysis.summarise import quantiles

    wide = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])   # replicates x years
    lo, mid, hi = quantiles(wide, (0.1, 0.5, 0.9))
    assert mid[0] == 2.0 and np.isnan(mid[1])                  # a year nobody was assessed stays missing
    assert lo[0] == np.quantile([1.0, 2.0, 3.0], 0.1) and hi[0] == np.quantile([1.0, 2.0, 3.0], 0.9)
    assert float(quantiles([4.0, 1.0, np.nan], 0.5)) == 2.5
    assert np.isnan(quantiles(np.array([]), 0.5)) and quantiles(np.empty((0, 3)), (0.1, 0.9)).shape == (2, 3)
