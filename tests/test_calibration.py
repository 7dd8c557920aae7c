"""`placesim calibrate calibration=<name>` and the `calibrated=<name>` config group:
bad input is one line, plausible sets reach runs per replicate without changing how a
replicate's numbers come about, and a small fit recovers parameters the model itself
generated the targets from."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from configs.compose import ConfigError, compose_run_config, replicate_groups, set_of_seed
from experiments import calibrate
from sim.run import simulate_groups
from sim.run import simulate

SMALL = ["place.population=600", "place.homes=250"]


def one_error_line(capsys, argv) -> str:
    assert calibrate.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_unknown_calibration_is_one_line_naming_the_choices(capsys):
    err = one_error_line(capsys, ["calibration=nonesuch"])
    assert "calibration=nonesuch" in err and "seed004" in err and "small" in err


def test_target_file_with_missing_columns_is_one_line(capsys, tmp_path):
    bad = tmp_path / "t2.csv"
    pd.DataFrame({"stage": ["key_stage_2"], "mean": [65.0]}).to_csv(bad, index=False)
    err = one_error_line(capsys, ["calibration=small", f"calibration.targets.table2={bad}",
                                  f"calibration.out={tmp_path / 'out'}"])
    assert "calibration.targets.table2" in err and "missing columns sd, r2_explained_by_indicators" in err


def test_parameter_not_marked_uncertain_is_one_line(capsys, tmp_path):
    err = one_error_line(capsys, ["calibration=small", "calibration.parameters=[model.development.deprivation_effect]",
                                  f"calibration.out={tmp_path / 'out'}"])
    assert "model.development.deprivation_effect is not marked uncertain" in err


def test_unknown_parameter_and_bad_count_are_one_line(capsys, tmp_path):
    err = one_error_line(capsys, ["calibration=small", "calibration.parameters=[model.no_such.thing]",
                                  f"calibration.out={tmp_path / 'out'}"])
    assert "model.no_such.thing is not a parameter in the registry" in err
    err = one_error_line(capsys, ["calibration=small", "calibration.places=2"])
    assert "calibration.places=2: at least 8" in err


def test_calibrated_none_is_the_default_and_one_group_of_the_registry_values():
    rc = compose_run_config(SMALL)
    assert rc.config.calibrated.name == "none"
    [(place, model, seeds)] = replicate_groups(rc.config, [3, 1, 2])
    assert place is rc.place and model is rc.model and seeds == [3, 1, 2]


def test_each_replicate_draws_its_set_by_its_seed_alone():
    rc = compose_run_config(SMALL)
    cal = dataclasses.replace(rc.config.calibrated, name="t", parameters=["model.families.area_weight"],
                              sets=[[0.25], [0.45]])
    config = dataclasses.replace(rc.config, calibrated=cal)
    seeds = list(range(40))
    groups = replicate_groups(config, seeds)
    used = {s: m.families.area_weight for _, m, group in groups for s in group}
    assert sorted(used) == seeds
    assert set(used.values()) == {0.25, 0.45}                    # both sets drawn among 40 seeds
    assert all(used[s] == [0.25, 0.45][set_of_seed(s, 2)] for s in seeds)
    again = {s: m.families.area_weight for _, m, group in replicate_groups(config, seeds[::-1]) for s in group}
    assert again == used                                          # by seed, not by position
    assert rc.model.families.area_weight == 0.35                  # the config itself is untouched


def test_grouped_replicates_equal_each_run_alone():
    """Splitting replicates over sets changes no number: each group's replicates are what
    simulate gives for those seeds and parameters, joined in seed order."""
    rc = compose_run_config(SMALL)
    cal = dataclasses.replace(rc.config.calibrated, name="t", parameters=["model.families.area_weight"],
                              sets=[[0.25], [0.45]])
    config = dataclasses.replace(rc.config, calibrated=cal)
    groups = replicate_groups(config, [0, 1, 4, 5])
    assert len(groups) == 2
    joined = simulate_groups(groups, rc.england, 13, network_every=0)
    assert list(joined.timeseries["seed"].drop_duplicates()) == [0, 1, 4, 5]
    for place, model, seeds in groups:
        alone = simulate(place, model, rc.england, seeds, 13, network_every=0)
        mine = joined.milestones[joined.milestones["seed"].isin(seeds)].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.milestones)


def test_calibrated_group_refuses_a_set_of_the_wrong_length():
    with pytest.raises(ConfigError, match=r"calibrated.sets\[0\]: 1 values for 2 parameters"):
        compose_run_config(SMALL + ["calibrated.name=x", "calibrated.parameters=[model.families.area_weight,"
                                    "place.synthetic_school_sd]", "calibrated.sets=[[0.3]]"])


def test_installed_calibration_composes_and_its_sets_lie_in_the_registry_ranges():
    rc = compose_run_config(SMALL + ["calibrated=seed004"])
    cal = rc.config.calibrated
    assert cal.name == "seed004" and len(cal.sets) >= 2
    from experiments.sweep import registry_spec

    for i, key in enumerate(cal.parameters):
        _, spec = registry_spec(rc.config, key)
        values = [s[i] for s in cal.sets]
        assert spec.low <= min(values) and max(values) <= spec.high


def test_small_fit_recovers_the_parameters_the_targets_came_from(tmp_path):
    """Targets made by the model at a known point; the fit's stated ranges hold that point
    and pin the threshold more tightly than its registry range."""
    from analysis.calibration import area_shares, target_stats
    from configs.evidence import MILESTONE_OF_STAGE
    from experiments.sweep import apply_point

    truth = {"model.milestones.threshold_ks2": -0.15, "model.families.area_weight": 0.5}
    rc = compose_run_config(["place=synthetic"])
    cfg = apply_point(rc.config, truth)
    res = simulate(cfg.place, cfg.model, rc.england, list(range(500, 596)), 12 * 4, batch_size=96, network_every=0)
    shares = area_shares(res.milestones, {"key_stage_2": MILESTONE_OF_STAGE["key_stage_2"]}, cfg.run.start_year + 2)
    made = target_stats(shares, ["key_stage_2"])
    table = tmp_path / "made.csv"
    pd.DataFrame({"stage": ["key_stage_2"], "mean": [made["key_stage_2.mean"]], "sd": [made["key_stage_2.sd"]],
                  "r2_explained_by_indicators": [0.2]}).to_csv(table, index=False)
    rc, spec = calibrate.resolve_calibration(["calibration=small", f"calibration.targets.table2={table}",
                                              "calibration.places=32", "calibration.years=4",
                                              "calibration.points_per_wave=10"])
    result = calibrate.fit(rc, tmp_path / "fit", quiet=True)
    for key, value in truth.items():
        lo, hi = result["ranges"][key]
        assert lo <= value <= hi, (key, value, lo, hi)
    lo, hi = result["ranges"]["model.milestones.threshold_ks2"]
    assert hi - lo < 0.5 * 1.5                                   # half the registry range (-1 to 0.5) or less
    # resuming: the same call again runs nothing new and states the same ranges
    again = calibrate.fit(rc, tmp_path / "fit", quiet=True)
    assert len(again["evaluations"]) == len(result["evaluations"])
    assert again["ranges"] == result["ranges"]
    # interrupted in the second wave: the rerun runs the same points as the first run did
    part = tmp_path / "part"
    part.mkdir()
    rows = (tmp_path / "fit" / "evaluations.csv").read_text().splitlines()
    (part / "evaluations.csv").write_text("\n".join(rows[:15]) + "\n")        # header, wave 1, 4 of wave 2
    resumed = calibrate.fit(rc, part, quiet=True)
    key = ["wave", "point", *truth]
    pd.testing.assert_frame_equal(resumed["evaluations"][key].sort_values(["wave", "point"]).reset_index(drop=True),
                                  result["evaluations"][key].sort_values(["wave", "point"]).reset_index(drop=True),
                                  check_dtype=False)
    # the sets it keeps run in the model as calibrated parameter sets
    text = calibrate.calibrated_yaml(spec, result)
    assert text.count("\n  - [") == len(result["sets"]) >= 2


def test_history_matching_on_the_toy_keeps_the_known_answer():
    """benchmarks/calibration_toy.py: the method `placesim calibrate` uses keeps the toy's
    true parameters among its plausible sets and rules out most of the space."""
    from benchmarks.calibration_toy import history_matching, score

    error, inside, share = score(history_matching(budget=60, seed=3))
    assert inside and share < 0.25 and error < 0.2


def test_a_sweep_may_not_sweep_a_parameter_the_calibrated_sets_set(tmp_path):
    from experiments.sweep import SweepError, prepare

    rc = compose_run_config(SMALL + ["calibrated=seed004", "sweep=ties_lhs"])
    sweep = dataclasses.replace(rc.config.sweep, parameters={"model.families.area_weight": {}})
    rc.config.sweep = sweep
    with pytest.raises(SweepError, match=r"sweep.parameters.model.families.area_weight: also set per replicate by "
                                         r"calibrated=seed004"):
        prepare(rc, tmp_path / "sweep")
    assert not any((tmp_path / "sweep").glob("*"))


def test_band_sources_says_whether_bands_carry_parameter_uncertainty():
    from analysis.calibration import band_sources

    assert band_sources("none", 0).startswith("chance only")
    text = band_sources("seed004", 20)
    assert "parameter uncertainty" in text and "20 plausible parameter sets of calibrated=seed004" in text


def test_threshold_sd_counts_replicates_not_children():
    """Children of one replicate share its place: when replicates differ, the threshold's
    sd is that of the replicates, far above what as many independent children give."""
    rng = np.random.default_rng(1)
    reps = np.repeat(np.arange(10), 500)
    shared = rng.normal(0, 1, 10)[reps] + rng.normal(0, 0.1, reps.size)
    alone = rng.normal(0, 1, reps.size)
    assert calibrate.threshold_sd(shared, reps, 0.5) > 4 * calibrate.threshold_sd(alone, reps, 0.5)


def test_the_achieved_means_and_spreads_carry_bootstrap_intervals_that_narrow_with_places():
    """target_intervals: each stage's mean and sd over place-years with a 90% interval
    from resampling places; it holds the estimate and narrows with four times the places."""
    from analysis.calibration import target_intervals, target_stats

    def shares(n_places):
        rng = np.random.default_rng(n_places)
        level = rng.normal(60, 12, n_places)
        return pd.DataFrame({"seed": np.repeat(np.arange(n_places), 3), "stage": "key_stage_2",
                             "share": np.repeat(level, 3) + rng.normal(0, 4, 3 * n_places)})

    widths = {}
    for n in (50, 200):
        s = shares(n)
        point, sure = target_stats(s, ["key_stage_2"]), target_intervals(s, ["key_stage_2"], n_boot=300)
        for stat in ("key_stage_2.mean", "key_stage_2.sd"):
            low, high = sure[stat]
            assert low <= point[stat] <= high
        widths[n] = sure["key_stage_2.mean"][1] - sure["key_stage_2.mean"][0]
    assert widths[200] < 0.7 * widths[50]
