"""The interaction of a compare (analysis/interaction.py): the whole minus the sum of its
parts, paired by seed; finding wholes and parts; naming them by hand; saying it in words."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from conftest import placesim

from analysis.interaction import (CHILD_OUTCOMES, Structure, detect, headline_lines, headline_rows,
                                  interaction_table, interventions_of, structures)
from analysis.report.text import interaction_sentence
from configs.compose import load_scenario

SERIES = ("mean_learning", "learning_under5")
TEAM = {"kind": "core_team"}
PILOT = {"kind": "pilot", "programme": "ready_for_school", "end_year": 3}
DATA = {"kind": "data_sharing"}


def config(**interventions) -> dict:
    """A run's config.yaml as read back: just the scenario's interventions."""
    return {"scenario": {"interventions": interventions}}


def preset(name: str) -> dict:
    return {"scenario": dataclasses.asdict(load_scenario(name))}


def tables(ks4_share: np.ndarray, series: dict[str, np.ndarray], reverse: bool = False) -> dict:
    """One scenario's milestones and timeseries: a KS4 share per seed (1000 assessed) and,
    per seed, a constant value of each series over one year."""
    seeds = np.arange(len(ks4_share))
    milestones = pd.DataFrame({"seed": seeds, "year": 2020, "milestone": "ks4", "group": "all",
                               "reached": ks4_share * 1000, "assessed": 1000.0})
    ts = pd.DataFrame([{"seed": s, "month": m, "cost": 0.0, **{c: v[s] for c, v in series.items()}}
                       for s in seeds for m in range(1, 13)])
    if reverse:                                   # rows in another order: pairing must go by seed
        milestones, ts = milestones.iloc[::-1], ts.iloc[::-1]
    return {"milestones": milestones.reset_index(drop=True), "timeseries": ts.reset_index(drop=True)}


def crn_results(effects: dict[str, float], replicates: int = 20, seed: int = 1,
                columns=SERIES) -> dict:
    """Common random numbers: every scenario shares each replicate's noise (large) and adds
    its own fixed effect, so only a paired computation sees the effects through the noise."""
    noise = np.random.default_rng(seed).normal(0.0, 0.1, replicates)
    out = {}
    for i, (name, effect) in enumerate(effects.items()):
        series = {c: noise * (k + 1) + effect * (k + 1) for k, c in enumerate(columns)}
        out[name] = tables(0.5 + noise + effect, series, reverse=i % 2 == 1)
    return out


CONFIGS = {"baseline": config(), "team": config(team=TEAM), "pilot": config(rfs=PILOT),
           "both": config(team=TEAM, rfs=PILOT)}


# -- the paired interval --------------------------------------------------------------------------

def test_the_interval_is_taken_on_replicate_paired_differences():
    """Shared noise of SD 0.1 per replicate, a planted interaction of 0.02: paired by seed it
    is exact; any unpaired summary (or pairing by row position: half the scenarios' rows are
    in reverse order) would give an interval of about +-0.2 around it, including zero."""
    results = crn_results({"baseline": 0.0, "team": 0.03, "pilot": 0.01, "both": 0.06})
    table = interaction_table(results, CONFIGS, child_outcomes=())
    ks4 = table[(table["outcome"] == "ks4") & (table["group"] == "all")].iloc[0]
    assert (ks4["whole"], ks4["parts"]) == ("both", "team + pilot")
    assert ks4["estimate"] == pytest.approx(0.02) and ks4["low"] == pytest.approx(0.02)
    assert ks4["high"] == pytest.approx(0.02) and ks4["n_replicates"] == 20
    assert ks4["whole_effect"] == pytest.approx(0.06) and ks4["sum_of_parts"] == pytest.approx(0.04)
    assert ks4["distinguishable"] and ks4["verdict"] == "more than the sum of its parts"
    unpaired = (np.quantile(results["both"]["milestones"]["reached"] / 1000, 0.95)
                - np.quantile(results["baseline"]["milestones"]["reached"] / 1000, 0.05))
    assert unpaired > 0.2           # what the same data give when the pairing is dropped


def test_an_interaction_within_noise_is_not_claimed():
    rng = np.random.default_rng(3)
    results = crn_results({"baseline": 0.0, "team": 0.03, "pilot": 0.01, "both": 0.04})
    for name in ("team", "both"):   # noise of each scenario's own, so the interaction is noise
        results[name]["milestones"]["reached"] += rng.normal(0, 5, 20)
    row = interaction_table(results, CONFIGS, child_outcomes=()).query("outcome == 'ks4'").iloc[0]
    assert row["low"] < 0 < row["high"] and not row["distinguishable"]
    assert row["verdict"].startswith("cannot be told from the sum of its parts with 20 replicates")
    sentence = interaction_sentence(headline_rows(interaction_table(results, CONFIGS, child_outcomes=()), "both"))
    assert sentence.startswith("Whether Both was more than the sum of its parts (team and pilot) cannot be told")
    assert "percentage points" not in sentence       # no amount is quoted for what cannot be told


def test_less_than_the_sum_and_child_level_outcomes_when_the_results_hold_them():
    """Milestone shares saturate: a whole can be less than its parts. The child-level rows are
    any outcome key asked for that the timeseries holds (CHILD_OUTCOMES by default)."""
    results = crn_results({"baseline": 0.0, "team": 0.03, "pilot": 0.02, "both": 0.04},
                          columns=("mean_learning", CHILD_OUTCOMES[0]))
    table = interaction_table(results, CONFIGS)
    child = table[table["level"] == "child"]
    assert list(child["outcome"]) == [CHILD_OUTCOMES[0]]          # the other one is not in the results
    assert child["estimate"].iloc[0] == pytest.approx(-0.02) and child["verdict"].iloc[0].startswith("less")
    assert set(table[table["level"] == "area"]["outcome"]) == {"ks4", "mean_learning"}
    rows = headline_rows(table, "both")
    assert set(rows["outcome"]) == {"ks4", CHILD_OUTCOMES[0]}
    sentence = interaction_sentence(rows)
    assert sentence.startswith("Both was less than the sum of its parts (team and pilot) for Key Stage 4")
    assert "Key Stage 4 at 16 (5 A*-C incl. Eng. & maths) by \u22121" in sentence
    assert "percentage points (90% interval \u22121" in sentence and "with a barrier to learning by \u22120.02" in sentence
    lines = headline_lines(table)
    assert len(lines) == 2 and lines[1].startswith("  both = team + pilot: ks4 \u22121")
    assert lines[1].endswith("less than the sum of its parts on every one")
    existing = interaction_table(results, CONFIGS, child_outcomes=("learning_under5", "mean_learning"))
    assert existing[existing["level"] == "child"].empty      # an area outcome stays at area level
    ours = crn_results({"baseline": 0.0, "team": 0.03, "pilot": 0.02, "both": 0.04})
    under5 = interaction_table(ours, CONFIGS, child_outcomes=("learning_under5",))
    assert list(under5[under5["level"] == "child"]["outcome"]) == ["learning_under5"]


# -- wholes and parts ------------------------------------------------------------------------------

def test_detection_finds_the_whole_and_its_parts_among_the_presets():
    names = ["baseline", "core_team", "pilot", "core_team_exit", "core_team_pilot"]
    found = structures({n: preset(n) for n in names})
    assert found == [Structure("core_team_pilot", ("core_team", "pilot"))]
    # An entry at its defaults equals one spelled out; entry names do not matter.
    assert interventions_of(config(x=TEAM)) == interventions_of(preset("core_team"))
    assert interventions_of(config(team=TEAM)) != interventions_of(preset("core_team_exit"))


def test_the_finest_split_is_kept_and_overlapping_parts_are_no_split():
    sets = {n: interventions_of(c) for n, c in {
        "baseline": config(), "a": config(t=TEAM), "b": config(p=PILOT), "c": config(d=DATA),
        "ab": config(t=TEAM, p=PILOT), "abc": config(t=TEAM, p=PILOT, d=DATA)}.items()}
    assert detect(sets) == [Structure("ab", ("a", "b")), Structure("abc", ("a", "b", "c"))]
    overlapping = {"baseline": sets["baseline"], "ab": sets["ab"], "abc": sets["abc"],
                   "ac": interventions_of(config(t=TEAM, d=DATA))}
    assert detect(overlapping) == []             # ab and ac share the team: not the sum of parts
    assert detect({k: v for k, v in sets.items() if k != "baseline"}) == []


def test_no_interaction_without_a_whole_and_parts():
    names = ["baseline", "core_team", "core_team_exit", "data_sharing"]
    configs = {n: preset(n) for n in names}
    assert structures(configs) == []
    results = crn_results({n: 0.01 * i for i, n in enumerate(names)})
    table = interaction_table(results, configs)
    assert table.empty and headline_lines(table) == []


def test_a_whole_named_by_hand_replaces_detection():
    named = {"baseline": {**config(), "compare": {"interaction": {"whole": "team", "parts": ["pilot", "both"]}}},
             **{n: c for n, c in CONFIGS.items() if n != "baseline"}}
    assert structures(named) == [Structure("team", ("pilot", "both"))]
    results = crn_results({"baseline": 0.0, "team": 0.03, "pilot": 0.01, "both": 0.06})
    row = interaction_table(results, named, child_outcomes=()).query("outcome == 'ks4'").iloc[0]
    assert row["parts"] == "pilot + both" and row["estimate"] == pytest.approx(0.03 - 0.01 - 0.06)
    unfinished = {n: c for n, c in named.items() if n != "both"}
    assert structures(unfinished) == []


@pytest.mark.parametrize("args, message", [
    (["compare.interaction.whole=nope", "compare.interaction.parts=[core_team,pilot]"],
     "compare.interaction.whole=nope: not among the compared scenarios; choose from core_team, pilot"),
    (["compare.interaction.whole=core_team", "compare.interaction.parts=[pilot,core_team_exit]"],
     "compare.interaction.parts=core_team_exit: not among the compared scenarios"),
    (["compare.interaction.whole=core_team", "compare.interaction.parts=[pilot]"], "name at least two"),
    (["compare.interaction.parts=[core_team,pilot]"], "compare.interaction.whole: not set"),
    (["compare.interaction.whole=pilot", "compare.interaction.parts=[baseline,core_team]"],
     "compare.interaction.parts=baseline: every effect is measured against the baseline"),
])
def test_a_bad_whole_or_part_is_one_line_and_runs_nothing(tmp_path, args, message):
    proc = placesim("compare", "place=pembury", "run.years=2", "run.replicates=2",
                    "scenarios=[baseline,core_team,pilot]", *args, f"hydra.run.dir={tmp_path / 'x'}")
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "x").exists()


# -- end to end ------------------------------------------------------------------------------------

def test_compare_writes_interaction_csv_and_a_headline_line(tmp_path):
    out = tmp_path / "c"
    proc = placesim("compare", "place=pembury", "run.years=2", "run.replicates=4", "run.plots=false",
                    "scenarios=[baseline,core_team,pilot,core_team_pilot]", f"hydra.run.dir={out}", timeout=900)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "interaction.csv")
    assert set(table["whole"]) == {"core_team_pilot"} and set(table["parts"]) == {"core_team + pilot"}
    assert (table["n_replicates"].max() == 4) and not table.duplicated(["whole", "outcome", "group"]).any()
    assert {"ks4", "eyfs_gld", "relationships"} <= set(table["outcome"])
    assert table["verdict"].str.match(r"(more|less) than the sum of its parts|cannot be told|not available").all()
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("  core_team_pilot = core_team + pilot: "))
    assert "eyfs_gld" in line and "ks4" in line
    rel = table[(table["outcome"] == "relationships")].iloc[0]
    assert rel["whole_effect"] > 0 and rel["sum_of_parts"] > 0 and np.isfinite(rel["estimate"])
    # The report's sentence agrees with the table: an amount only where the interval excludes zero.
    from analysis.report.data import context_of
    from analysis.report.inputs import read_inputs
    from analysis.report.text import interaction_sentences

    sentences = interaction_sentences(context_of(read_inputs(out)))
    assert len(sentences) == 1 and "sum of its parts (core team and pilot)" in sentences[0]
    headline = table[table["outcome"].isin(["eyfs_gld", "ks2", "ks4", "eet18", *CHILD_OUTCOMES])
                     & (table["group"] == "all")]
    told = headline["verdict"].str.startswith(("more", "less"))
    assert sentences[0].startswith("Whether Core team pilot") == (not told.any())
