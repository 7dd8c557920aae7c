"""The chance a push lasts after support ends, its boundary, and whether that boundary is
a tipping point (analysis.tipping_probability; issue 18), on synthetic runs with a known
answer and on the real model; and the hysteresis loop of the real model with its
increasing-returns mechanisms off and on (analysis.hysteresis).

Honesty: a known threshold is found within its interval; a smooth response and a model
with the mechanisms off give "no tipping point found"; every model setting a real run
uses lies inside its registered plausible range (sim.registry), checked here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.tipping_probability import LastingError, lasting_probability, tipping_verdict, wilson

LEVELS = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
THRESHOLD = 1.75        # between two levels


def synthetic_runs(response, replicates=8, others=(None,), noise=0.05, seed=1) -> pd.DataFrame:
    """One row per run: driver(s), the change of an indicator after support ends."""
    rng = np.random.default_rng(seed)
    rows = []
    for other in others:
        for x in LEVELS:
            for r in range(replicates):
                row = {"intensity": x, "change": response(x, other) + rng.normal(0, noise)}
                if other is not None:
                    row["end_year"] = other
                rows.append(row)
    return pd.DataFrame(rows)


def step(x, other=None):
    return 0.3 if x > (THRESHOLD if other in (None, 3) else THRESHOLD + 1.0) else -0.3


def test_wilson_interval_holds_the_share_and_stays_in_0_1():
    low, high = wilson(np.array([0, 3, 8]), np.array([8, 8, 8]))
    assert low[0] == 0 and 0 < high[0] < 0.5 and low[1] < 3 / 8 < high[1] and high[2] == 1 and low[2] > 0.5


def test_probability_per_point_counts_the_runs_that_last():
    runs = synthetic_runs(step)
    table = lasting_probability(runs, ["intensity"], "relationships")
    assert list(table["n"]) == [8] * len(LEVELS)
    assert (table.loc[table["intensity"] < THRESHOLD, "probability"] == 0).all()
    assert (table.loc[table["intensity"] > THRESHOLD, "probability"] == 1).all()
    assert ((table["low"] <= table["probability"]) & (table["probability"] <= table["high"])).all()


def test_a_known_threshold_is_found_within_its_interval():
    v = tipping_verdict(synthetic_runs(step), ["intensity"], "relationships")
    row = v.boundary.iloc[0]
    assert v.verdict == "tipping point" and row["crosses"] == "inside"
    assert row["low"] <= THRESHOLD <= row["high"] and 1.5 <= row["boundary"] <= 2.0
    assert "tips along intensity" in v.sentence and "between 1.5 and 2" in v.sentence


def test_a_known_threshold_that_moves_with_the_second_driver_is_found_at_each_level():
    v = tipping_verdict(synthetic_runs(step, replicates=6, others=(3, 6)), ["intensity", "end_year"], "relationships")
    assert v.verdict == "tipping point"
    for at, truth in ((3, THRESHOLD), (6, THRESHOLD + 1.0)):
        row = v.boundary.set_index("at").loc[at]
        assert row["crosses"] == "inside" and row["low"] <= truth <= row["high"], (at, row.to_dict())


def test_a_smooth_rise_crosses_one_half_but_is_no_tipping_point():
    runs = synthetic_runs(lambda x, _: -0.3 + 0.2 * x, noise=0.15)
    v = tipping_verdict(runs, ["intensity"], "relationships")
    assert v.verdict == "no tipping point found", v.sentence
    assert v.sentence.startswith("No tipping point found") and "rises smoothly" in v.sentence
    assert v.boundary.iloc[0]["crosses"] == "inside"      # the crossing is reported, not called a tipping point


def test_too_few_levels_say_so():
    runs = synthetic_runs(step)
    v = tipping_verdict(runs[runs["intensity"] <= 2.0], ["intensity"], "relationships")
    assert v.verdict == "too few levels to tell" and "too few" in v.sentence


def test_three_drivers_are_one_line():
    runs = synthetic_runs(step).assign(a=1.0, b=2.0)
    with pytest.raises(LastingError, match="one or two drivers"):
        tipping_verdict(runs, ["intensity", "a", "b"], "relationships")


def grid_sweep(folder, years=10, end_year=3):
    """A full-factorial sweep (team intensity x a second driver) whose relationships sit
    at 0.3 until the team leaves, then at 0.5 where intensity > THRESHOLD and a little below
    0.3 (0.25) below it; norm adoption never moves (noise only)."""
    from analysis.results import write_sweep, write_sweep_task

    names = ["scenario.interventions.team.intensity", "model.ties.removal"]
    design = pd.DataFrame([(x, r) for x in LEVELS for r in (0.05, 0.15)], columns=names)
    design.insert(0, "point", np.arange(len(design)))
    rng = np.random.default_rng(3)
    parts = []
    months = 12 * np.arange(years + 1)
    for _, p in design.iterrows():
        for seed in range(4):
            level = np.where(months <= 12 * end_year, 0.3, 0.5 if p[names[0]] > THRESHOLD else 0.25)
            parts.append(pd.DataFrame({"point": int(p["point"]), "seed": seed, "month": months,
                                       names[0]: p[names[0]], names[1]: p[names[1]],
                                       "relationships": level + rng.normal(0, 0.01, len(months)),
                                       "norm_adoption": 0.3 + rng.normal(0, 0.01, len(months))}))
    ms = pd.DataFrame({"point": design["point"], "seed": 0, "milestone": "ks4", "group": "all", "reached": 1,
                       "assessed": 2, names[0]: design[names[0]], names[1]: design[names[1]]})
    write_sweep(folder, design, config_hash="x", name="grid", design="full_factorial", parameters=names,
                points=len(design), replicates=4, seeds=list(range(4)), tasks=1, place="x", scenario="s",
                years=years, bounds={n: [0.0, 4.0] for n in names},
                interventions={"team": {"kind": "core_team", "start_year": 0, "end_year": end_year}})
    write_sweep_task(folder, 0, {"timeseries": [pd.concat(parts)], "milestones": [ms]},
                     {"task": 0, "done": design["point"].tolist(), "failed": {}, "runs": 1})
    return folder


def test_the_command_writes_probabilities_boundary_and_heat_map_and_says_which_tips(tmp_path, capsys):
    from experiments import analyse

    grid_sweep(tmp_path)
    assert analyse.main(["tipping", f"path={tmp_path}", "outcome=relationships"]) == 0
    out = capsys.readouterr().out
    assert "relationships tips along team.intensity" in out
    assert "No tipping point found in norm_adoption" in out
    table = pd.read_csv(tmp_path / "analysis" / "lasting_probability.csv")
    assert set(table["indicator"]) == {"relationships", "norm_adoption"}
    assert {"probability", "low", "high", "n"} <= set(table.columns) and (table["n"] == 4).all()
    edges = pd.read_csv(tmp_path / "analysis" / "lasting_boundary.csv").set_index("indicator")
    rel = edges.loc["relationships"]
    assert (rel["verdict"] == "tipping point").all() and ((rel["low"] <= THRESHOLD) & (THRESHOLD <= rel["high"])).all()
    assert (tmp_path / "analysis" / "lasting_probability.png").exists()


def test_a_sweep_that_ends_too_soon_is_one_line(tmp_path, capsys):
    from experiments import analyse

    grid_sweep(tmp_path, years=6)
    assert analyse.main(["tipping", f"path={tmp_path}", "outcome=relationships", "years_after=5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "years_after=5" in err[0] and "run.years=8" in err[0]


# -- the real model ------------------------------------------------------------------------------

# Increasing returns off, each in range: collaboration's (network work, the network's
# value to engagement, embeddedness; docs/ODD.md 7.9) and the norms' (a restoring force
# strong against the peers' pull, 7.7).
OFF = ["model.ties.network_work=0", "model.engagement.network_value=0", "model.ties.embeddedness=0",
       "model.norms.lapse=0.05"]
BISTABLE_NORMS = ["model.norms.threshold_mean=0.8", "model.norms.saturation_lowering=0.8"]


def _ts(overrides, scenario, years, seeds, changes):
    from configs.compose import build_interventions, compose_run_config
    from sim.registry import outside_plausible
    from sim.run import simulate

    rc = compose_run_config(["place=pembury", f"scenario={scenario}", *overrides])
    spec = rc.config.scenario
    for name, change in changes.items():
        spec.interventions[name].update(change)
    assert outside_plausible(rc.model, "model.") == []
    for intervention in build_interventions(spec):
        assert outside_plausible(intervention) == [], intervention.name
    return simulate(rc.place, rc.model, rc.england, seeds, 12 * years,
                    interventions=lambda: build_interventions(spec), network_every=0).timeseries


def test_with_the_mechanisms_off_a_team_grid_finds_no_tipping_point():
    """A tiny real grid: team intensity at six levels, 2 replicates, the mechanisms off."""
    rows = []
    for intensity in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0):
        ts = _ts(OFF, "core_team_exit", 5, [41, 42], {"team": {"intensity": intensity, "end_year": 2}})
        before = ts[ts["month"] == 0].set_index("seed")["relationships"]
        after = ts[(ts["month"] > 48) & (ts["month"] <= 60)].groupby("seed")["relationships"].mean()
        for s in before.index:
            rows.append({"intensity": intensity, "change": after[s] - before[s]})
    v = tipping_verdict(pd.DataFrame(rows), ["intensity"], "relationships", years_after=3)
    assert v.verdict == "no tipping point found", v.sentence


def test_hysteresis_loop_of_the_real_model_off_and_on():
    """The HCZ zone stepped up and down on Pembury (scenario hcz_ramp: 5 settled years,
    then four levels up and four down, each held 5 years), 6 replicates, the settled
    paths compared. With the increasing returns off, the loops of relationships and
    norm adoption close within noise; at the defaults (Pembury's norms are bistable and
    collaboration has a self-sustaining state, docs/ODD.md 7.7, 7.9) both stay open,
    the way down above the way up, most at no intensity at all: the place remembers."""
    from analysis.hysteresis import loops, paths, ramp_of
    from configs.compose import compose_run_config

    pipeline = dict(compose_run_config(["scenario=hcz_ramp"]).config.scenario.interventions["pipeline"])
    ramp = ramp_of({"scenario": {"interventions": {"pipeline": pipeline}}}, "hcz_ramp")
    seeds = [11, 12, 13, 14, 15, 16]
    indicators = ["relationships", "norm_adoption"]
    tables = {}
    for label, overrides in (("off", OFF), ("on", [])):
        ts = _ts(overrides, "hcz_ramp", 46, seeds, {})
        tables[label] = loops(paths(ts, ramp, indicators)).set_index("indicator")
    for name in indicators:
        assert tables["off"].loc[name, "verdict"] == "closes within noise", (name, tables["off"].loc[name].to_dict())
        assert tables["on"].loc[name, "verdict"] == "loop", (name, tables["on"].loc[name].to_dict())
        assert tables["on"].loc[name, "width_low"] > 0.1 and tables["on"].loc[name, "at_driver"] == 0


def test_either_return_of_collaboration_alone_leaves_no_settled_memory():
    """docs/ODD.md 7.9 (which returns make memory): network work without embeddedness, or
    embeddedness without network work, leaves relationships no loop whose paths settle
    apart (within noise, or still closing while held: lag), where both together do
    (test_hysteresis_loop_of_the_real_model_off_and_on). Both settings in range."""
    from analysis.hysteresis import loops, paths, ramp_of
    from configs.compose import compose_run_config

    pipeline = dict(compose_run_config(["scenario=hcz_ramp"]).config.scenario.interventions["pipeline"])
    ramp = ramp_of({"scenario": {"interventions": {"pipeline": pipeline}}}, "hcz_ramp")
    for alone in (["model.ties.embeddedness=0", "model.engagement.network_value=0"],
                  ["model.ties.network_work=0", "model.engagement.network_value=0"]):
        ts = _ts(alone, "hcz_ramp", 46, [11, 12, 13, 14], {})
        row = loops(paths(ts, ramp, ["relationships"])).iloc[0]
        assert row["verdict"] in ("closes within noise", "loop, may be lag"), (alone, row.to_dict())
