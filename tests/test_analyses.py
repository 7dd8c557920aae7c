"""The analyses of issue 18 on synthetic results with a known answer (hysteresis,
early warnings, paired sensitivity, PRIM), the ramp schedule they read, and the CLI's
one-line errors. No model run: every folder is written here, so the file stays fast."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.hysteresis import LAG_RATE, Ramp, loops, paths
from analysis.results import write_manifest, write_parquet, write_text
from experiments import analyse
from sim.interventions import InterventionError, build
from sim.interventions.base import ramp_share

# -- the ramp schedule (sim/interventions/base.py) ---------------------------------------------


def test_ramp_share_is_a_triangle():
    assert [ramp_share(m, 12) for m in (-1, 0, 6, 12, 18, 24, 30)] == [0, 0, 0.5, 1, 0.5, 0, 0]


def test_a_ramped_intervention_scales_its_intensity_and_cost_month_by_month():
    iv = build("zone", "hcz_saturation", {"intensity": 2.0, "ramp_years": 1.0, "monthly_cost": 100.0})
    assert iv.intensity_at(iv.start_month + 6) == pytest.approx(1.0)
    assert iv.intensity_at(iv.start_month + 12) == pytest.approx(2.0)
    assert iv.cost(iv.start_month + 18) == pytest.approx(100.0)
    assert iv.cost(iv.start_month + 30) == 0.0
    plain = build("zone", "hcz_saturation", {"intensity": 2.0, "monthly_cost": 100.0})
    assert plain.intensity_at(50) == 2.0 and plain.cost(50) == 200.0


@pytest.mark.parametrize("settings, key", [({"ramp_years": 0.0}, "ramp_years"),
                                           ({"ramp_years": 5.0, "end_year": 8.0}, "end_year"),
                                           ({"ramp_years": -1.0}, "ramp_years")])
def test_a_ramp_that_cannot_be_is_one_line(settings, key):
    with pytest.raises(InterventionError, match=key):
        build("zone", "hcz_saturation", settings)


# -- hysteresis ------------------------------------------------------------------------------------

RAMP = Ramp("zone", start_month=1, ramp_months=120.0, peak=1.0)
MONTHS = np.arange(0, 241)


def synthetic_ramp(seeds, response, noise=0.03):
    """A run's timeseries whose indicator `x` is response(driver, phase) plus noise."""
    level, phase = RAMP.driver(MONTHS)
    parts = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        parts.append(pd.DataFrame({"seed": seed, "month": MONTHS,
                                   "x": response(level, phase) + rng.normal(0, noise, len(MONTHS))}))
    return pd.concat(parts, ignore_index=True)


def bistable(level, phase):
    """Switches on at 0.6 on the way up and off at 0.3 on the way down: a loop of height 1
    over 0.3 of the driver's range of 1, so a width of 0.3."""
    return np.where(phase == "down", (level > 0.3).astype(float), (level > 0.6).astype(float))


def test_no_hysteresis_gives_a_loop_of_width_zero_within_noise():
    table = loops(paths(synthetic_ramp(range(8), lambda level, phase: 0.2 + 0.5 * level), RAMP, ["x"], 10))
    row = table.iloc[0]
    assert row["verdict"] == "closes within noise"
    assert row["width_low"] < 0 < row["width_high"]
    assert abs(row["width"]) < 0.02


def test_a_known_loop_is_measured_within_its_interval():
    table = loops(paths(synthetic_ramp(range(8), bistable), RAMP, ["x"], 10))
    row = table.iloc[0]
    assert row["verdict"] == "loop"
    assert row["width_low"] <= 0.3 <= row["width_high"]
    assert 0.3 < row["at_driver"] < 0.6 and row["max_height"] == pytest.approx(1.0, abs=0.05)


def test_the_loop_false_alarm_rate_is_near_the_level_asked():
    alarms = 0
    for k in range(40):
        ts = synthetic_ramp(range(100 * k, 100 * k + 4), lambda level, phase: 0.2 + 0.5 * level ** 2)
        alarms += loops(paths(ts, RAMP, ["x"], 10)).iloc[0]["verdict"] == "loop"
    assert alarms <= 6                                # 5% of 40 is 2; 6 would be a 15% rate


STEPPED = Ramp("zone", start_month=61, ramp_months=120.0, peak=1.0, steps=4)     # holds of 30 months
LONG = np.arange(0, 320)


def lagging(ramp, seeds, tau, noise=0.01):
    """An indicator that relaxes toward 0.2 + 0.5 x driver with time constant `tau`
    months: one stable state, so any loop is lag."""
    level, _ = ramp.driver(LONG)
    parts = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        x = np.empty(len(LONG))
        x[0] = 0.2
        for t in range(1, len(LONG)):
            x[t] = x[t - 1] + (0.2 + 0.5 * level[t] - x[t - 1]) / tau
        parts.append(pd.DataFrame({"seed": seed, "month": LONG, "x": x + rng.normal(0, noise, len(LONG))}))
    return pd.concat(parts, ignore_index=True)


def test_a_stepped_ramp_tells_lag_from_memory_where_a_smooth_one_cannot():
    smooth = Ramp("zone", start_month=61, ramp_months=120.0, peak=1.0)
    assert loops(paths(lagging(smooth, range(6), tau=3.0), smooth, ["x"])).iloc[0]["verdict"] == "loop"
    settled = loops(paths(lagging(STEPPED, range(6), tau=3.0), STEPPED, ["x"])).iloc[0]
    assert settled["verdict"] == "closes within noise", settled.to_dict()
    assert settled["bins"] == 4                     # levels 0 (before the ramp), 1/4, 1/2, 3/4


def test_a_stepped_ramp_says_when_its_holds_are_too_short():
    slow = loops(paths(lagging(STEPPED, range(6), tau=40.0), STEPPED, ["x"])).iloc[0]
    assert slow["verdict"] == "loop, may be lag" and slow["closing_per_year"] > LAG_RATE, slow.to_dict()
    assert "lengthen ramp_years" in slow["sentence"]


def test_a_stepped_ramp_measures_a_known_loop():
    level, phase = STEPPED.driver(LONG)
    phase = np.where(LONG < STEPPED.start_month, "up", phase)
    parts = [pd.DataFrame({"seed": seed, "month": LONG,
                           "x": bistable(level, phase) + np.random.default_rng(seed).normal(0, 0.03, len(LONG))})
             for seed in range(6)]
    row = loops(paths(pd.concat(parts), STEPPED, ["x"])).iloc[0]
    # held levels 0, 1/4, 1/2, 3/4: on at 1/2 only on the way down (off above 0.3), so a mean height of 1/4
    assert row["verdict"] == "loop" and row["width_low"] <= 0.25 <= row["width_high"], row.to_dict()
    assert row["at_driver"] == 0.5


def fake_run(folder, ts, interventions):
    config = {"scenario": {"name": "ramp", "interventions": interventions}}
    write_text(yaml.safe_dump(config), folder / "config.yaml")
    write_parquet(ts, folder / "timeseries.parquet")
    write_manifest(folder, "run", ["config.yaml", "timeseries.parquet"], place="x", scenario="ramp",
                   seeds=sorted(ts["seed"].unique().tolist()), months=int(ts["month"].max()), start_year=2016)


def test_the_hysteresis_command_reads_a_run_and_writes_csv_and_png(tmp_path, capsys):
    ts = synthetic_ramp(range(4), bistable).rename(columns={"x": "relationships"})
    fake_run(tmp_path, ts, {"zone": {"kind": "hcz_saturation", "intensity": 1.0, "ramp_years": 10.0}})
    assert analyse.main(["hysteresis", f"path={tmp_path}", "outcome=relationships"]) == 0
    out = capsys.readouterr().out
    assert "relationships follows a different path down than up" in out
    table = pd.read_csv(tmp_path / "analysis" / "hysteresis.csv")
    assert table.loc[0, "verdict"] == "loop" and (tmp_path / "analysis" / "hysteresis.png").exists()
    paths_csv = pd.read_csv(tmp_path / "analysis" / "hysteresis_paths.csv")
    assert set(paths_csv["phase"]) == {"up", "down"}


def test_hysteresis_on_a_run_without_a_ramp_is_one_line(tmp_path, capsys):
    ts = synthetic_ramp(range(2), bistable).rename(columns={"x": "relationships"})
    fake_run(tmp_path, ts, {"zone": {"kind": "hcz_saturation", "intensity": 1.0}})
    assert analyse.main(["hysteresis", f"path={tmp_path}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no intervention has a ramp" in err[0]


def test_unknown_kind_and_key_are_one_line(tmp_path, capsys):
    for argv, needle in ((["tipping_points", "path=x"], "kind=tipping_points"),
                         (["hysteresis", "path=x", "colour=red"], "colour=red")):
        with pytest.raises(SystemExit) as exc:
            analyse.main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0]


# -- the registry's uncertain mark -------------------------------------------------------------------


def test_uncertain_defaults_from_the_source_and_can_be_set():
    from sim.registry import Spec

    assert Spec("x", 0, 1, "assumption: a guess", "d").uncertain is True
    assert Spec("x", 0, 1, "seed 004 L10", "d").uncertain is False
    assert Spec("x", 0, 1, "seed 004 L10", "d", uncertain=True).uncertain is True


def test_the_uncertain_keyword_names_every_marked_parameter_with_a_range():
    from types import SimpleNamespace

    from experiments.sweep import uncertain_keys
    from sim.params import ModelParams
    from sim.registry import entries

    keys = uncertain_keys(SimpleNamespace(model=ModelParams()))
    marked = {e.name: e.spec for e in entries(ModelParams(), "model.") if e.spec.uncertain}
    assert keys and set(keys) <= set(marked)
    assert all(marked[k].low < marked[k].high for k in keys)


# -- paired sensitivity ---------------------------------------------------------------------------

NAMES = ["model.a", "model.b", "model.c"]
SEEDS = [0, 1, 2, 3]


def synthetic_sweep(folder, design_name="morris", samples=6, paired=True):
    """A paired sweep whose effects are known: KS4 rises with a (0.1) and b (0.02), not c;
    relationships 5 years after a 2-year team rise with c only. The baseline shares each
    seed's noise with the scenario, which the paired effect takes out."""
    from SALib.sample import morris, sobol

    from analysis.results import write_sweep, write_sweep_task

    problem = {"num_vars": 3, "names": NAMES, "bounds": [[0.0, 1.0]] * 3}
    x = (morris.sample(problem, samples, num_levels=4, seed=1) if design_name == "morris"
         else sobol.sample(problem, samples, calc_second_order=False, seed=1))
    design = pd.DataFrame(x, columns=NAMES)
    design.insert(0, "point", np.arange(len(design)))
    months = np.arange(0, 121, 12)
    ts_parts, ms_parts = [], []
    for _, p in design.iterrows():
        a, b, c = p[NAMES]
        for seed in SEEDS:
            noise = np.random.default_rng(seed * 1000 + int(p["point"])).normal(0, 0.05)
            for arm, lift, keep in (("scenario", 0.1 * a + 0.02 * b, 0.3 * c), ("baseline", 0.0, 0.0)):
                share = 0.5 + noise + lift
                ms_parts.append(pd.DataFrame({"point": int(p["point"]), "seed": seed, "arm": arm, "milestone": "ks4",
                                              "group": "all", "reached": [share * 1000], "assessed": [1000]}))
                spent = np.minimum(months, 24) * 1000.0 if arm == "scenario" else 0.0 * months
                ts_parts.append(pd.DataFrame({"point": int(p["point"]), "seed": seed, "arm": arm, "month": months,
                                              "relationships": 0.2 + noise + keep * (months > 24),
                                              "cost_to_date": spent}))
    write_sweep(folder, design, config_hash="x", name="synthetic", design=design_name, parameters=NAMES,
                points=len(design), replicates=len(SEEDS), seeds=SEEDS, tasks=1, place="x", scenario="team",
                years=10, bounds={n: [0.0, 1.0] for n in NAMES}, paired=paired)
    write_sweep_task(folder, 0, {"timeseries": [pd.concat(ts_parts)], "milestones": [pd.concat(ms_parts)]},
                     {"task": 0, "done": design["point"].tolist(), "failed": {}, "runs": len(design) * len(SEEDS)})
    return folder


def test_paired_morris_ranks_the_known_drivers_of_each_effect(tmp_path, capsys):
    synthetic_sweep(tmp_path)
    assert analyse.main(["sensitivity", f"path={tmp_path}"]) == 0
    table = pd.read_csv(tmp_path / "analysis" / "sensitivity_paired.csv")
    first = table[table["rank"] == 1].set_index("outcome")["parameter"]
    assert first["ks4_gap"] == "model.a" and first["extra_per_million"] == "model.a"
    assert first["relationships_after_exit"] == "model.c"
    gap = table[table["outcome"] == "ks4_gap"].set_index("parameter")
    assert gap.loc["model.a", "mu_star"] == pytest.approx(10.0, rel=0.05)   # 0.1 of a share, in points
    assert gap.loc["model.c", "mu_star"] < 1e-6                             # the paired effect has no seed noise
    assert (tmp_path / "analysis" / "sensitivity_paired.png").exists()
    assert "model.a" in yaml.safe_load((tmp_path / "analysis" / "sensitivity_top.yaml").read_text())["parameters"]


def test_paired_sobol_gives_indices_with_intervals(tmp_path):
    synthetic_sweep(tmp_path, "sobol", samples=64)
    assert analyse.main(["sensitivity", f"path={tmp_path}", "outcome=ks4_gap"]) == 0
    t = pd.read_csv(tmp_path / "analysis" / "sensitivity_paired.csv").set_index("parameter")
    assert t.loc["model.a", "ST"] > 0.8 and t.loc["model.c", "ST"] < 0.05
    assert (t["ST_conf"] >= 0).all()


def test_sensitivity_on_an_unpaired_sweep_is_one_line(tmp_path, capsys):
    synthetic_sweep(tmp_path, paired=False)
    assert analyse.main(["sensitivity", f"path={tmp_path}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sweep.paired=true" in err[0]


# -- early warnings --------------------------------------------------------------------------------

LEVELS = np.round(np.arange(0.0, 1.2, 0.1), 2)
THRESHOLD = 0.75


def factorial_sweep(folder, phi_of, seeds=range(8), years=60):
    """A factorial sweep over one driver `model.d` whose runs are AR(1) fluctuations
    (coefficient phi_of(d)) around 0.2 below THRESHOLD and 0.6 above it."""
    from analysis.results import write_sweep, write_sweep_task

    design = pd.DataFrame({"point": np.arange(len(LEVELS)), "model.d": LEVELS})
    parts = []
    for point, d in zip(design["point"], LEVELS):
        for seed in seeds:
            rng = np.random.default_rng(1000 * seed + point)
            e = rng.normal(0, 0.01, years)
            x = np.zeros(years)
            x[0] = e[0] / np.sqrt(1 - phi_of(d) ** 2)          # from the stationary distribution
            for t in range(1, years):
                x[t] = phi_of(d) * x[t - 1] + e[t]
            parts.append(pd.DataFrame({"point": point, "seed": seed, "month": 12 * np.arange(years), "model.d": d,
                                       "relationships": (0.6 if d > THRESHOLD else 0.2) + x}))
    ms = pd.DataFrame({"point": design["point"], "seed": 0, "milestone": "ks4", "group": "all",
                       "reached": 1, "assessed": 2, "model.d": LEVELS})
    write_sweep(folder, design, config_hash="x", name="grid", design="full_factorial", parameters=["model.d"],
                points=len(design), replicates=len(list(seeds)), seeds=list(seeds), tasks=1, place="x",
                scenario="s", years=years, bounds={"model.d": [0.0, 1.1]})
    write_sweep_task(folder, 0, {"timeseries": [pd.concat(parts)], "milestones": [ms]},
                     {"task": 0, "done": design["point"].tolist(), "failed": {}, "runs": 1})
    return folder


def test_fluctuations_that_grow_and_slow_before_the_tipping_point_are_found(tmp_path, capsys):
    factorial_sweep(tmp_path, lambda d: min(d, THRESHOLD) * 1.2)
    assert analyse.main(["warning", f"path={tmp_path}", "outcome=relationships", "window=10"]) == 0
    table = pd.read_csv(tmp_path / "analysis" / "relationships_warning.csv").set_index("statistic")
    assert set(table["tipping"]) == {"tipping point"} and (table["tipping_below"] < THRESHOLD).all()
    assert table.loc["variance", "verdict"] == "rose" and table.loc["ac1", "verdict"] == "rose"
    assert "Before the tipping point along model.d" in capsys.readouterr().out
    assert (tmp_path / "analysis" / "relationships_warning.png").exists()


def test_steady_fluctuations_give_no_warning(tmp_path):
    factorial_sweep(tmp_path, lambda d: 0.3)
    assert analyse.main(["warning", f"path={tmp_path}", "outcome=relationships", "window=10"]) == 0
    table = pd.read_csv(tmp_path / "analysis" / "relationships_warning.csv")
    assert set(table["tipping"]) == {"tipping point"}
    assert "rose" not in set(table["verdict"])


def test_rolling_statistics_match_their_definitions():
    from analysis.warning import kendall, rolling_stats

    x = np.random.default_rng(0).normal(0, 1, 200)
    stats = rolling_stats(x, 50, bandwidth=1000)     # a bandwidth far beyond the series: the trend is nearly flat
    assert stats["variance"].iloc[-1] == pytest.approx(np.var(x[-50:] - x[-50:].mean(), ddof=1), rel=0.05)
    assert abs(stats["ac1"].iloc[-1]) < 0.3
    assert kendall([1, 2, 3, 4], [1, 2, 3, 5])[0] == pytest.approx(1.0)


# -- PRIM ------------------------------------------------------------------------------------------


def lhs_sweep(folder, n=300):
    """An unpaired sweep where relationships gain 0.1 by the end exactly where a < 0.4 and
    b > 0.5, and lose a little elsewhere."""
    from analysis.results import write_sweep, write_sweep_task

    rng = np.random.default_rng(3)
    design = pd.DataFrame(rng.uniform(0, 1, (n, 3)), columns=NAMES)
    design.insert(0, "point", np.arange(n))
    inside = (design["model.a"] < 0.4) & (design["model.b"] > 0.5)
    end = np.where(inside, 0.3, 0.19) + rng.normal(0, 0.003, n)
    ts = pd.concat([pd.DataFrame({"point": design["point"], "seed": 0, "month": 0, "relationships": 0.2}),
                    pd.DataFrame({"point": design["point"], "seed": 0, "month": 120, "relationships": end})])
    ms = pd.DataFrame({"point": [0], "seed": 0, "milestone": "ks4", "group": "all", "reached": 1, "assessed": 2})
    write_sweep(folder, design, config_hash="x", name="lhs", design="latin_hypercube", parameters=NAMES, points=n,
                replicates=1, seeds=[0], tasks=1, place="x", scenario="s", years=10,
                bounds={k: [0.0, 1.0] for k in NAMES})
    write_sweep_task(folder, 0, {"timeseries": [ts], "milestones": [ms]},
                     {"task": 0, "done": design["point"].tolist(), "failed": {}, "runs": n})
    return folder


def test_prim_recovers_a_known_box_and_says_it_in_sentences(tmp_path, capsys):
    pytest.importorskip("ema_workbench")
    lhs_sweep(tmp_path)
    assert analyse.main(["prim", f"path={tmp_path}"]) == 0
    out = capsys.readouterr().out
    box = pd.read_csv(tmp_path / "analysis" / "relationships_prim_box.csv").set_index("parameter")
    assert box.loc["model.a", "high"] == pytest.approx(0.4, abs=0.05)
    assert box.loc["model.b", "low"] == pytest.approx(0.5, abs=0.05)
    assert not box.loc["model.c", "restricted"]
    trajectory = pd.read_csv(tmp_path / "analysis" / "relationships_prim_trajectory.csv")
    chosen = trajectory[trajectory["chosen"]].iloc[0]
    assert chosen["density"] > 0.9 and chosen["coverage"] > 0.8
    assert "model.a is below" in out and "model.b is above" in out and "(coverage)" in out
    assert (tmp_path / "analysis" / "relationships_prim.png").exists()


def test_prim_where_the_gains_always_last_is_one_line(tmp_path, capsys):
    pytest.importorskip("ema_workbench")
    lhs_sweep(tmp_path)
    assert analyse.main(["prim", f"path={tmp_path}", "threshold=-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "every run" in err[0]


# -- a real paired sweep (the machinery, on a tiny place) ------------------------------------------


def test_a_paired_sweep_runs_the_baseline_on_the_same_seeds_and_feeds_the_analyses(tmp_path):
    from conftest import placesim

    from analysis.results import read_sweep

    out = tmp_path / "paired"
    placesim("sweep", "sweep=morris_paired", "scenario=core_team", "sweep.samples=2", "sweep.replicates=1",
             "sweep.workers=1", "sweep.points_per_task=6",
             "~sweep.parameters.uncertain", "+sweep.parameters.model.ties.removal={}",
             "+sweep.parameters.model.engagement.rate={}",
             "place.population=600", "place.homes=250", "run.years=2", f"hydra.run.dir={out}", check=True)
    sweep = read_sweep(out)
    assert sweep.manifest["paired"] is True
    ts = sweep.table("timeseries", columns=["point", "seed", "arm", "month", "cost", "cost_to_date"])
    assert set(ts["arm"]) == {"scenario", "baseline"}
    assert (ts.groupby(["point", "arm"])["seed"].unique().map(list).map(sorted).map(tuple).nunique()) == 1
    assert ts.loc[ts["arm"] == "baseline", "cost_to_date"].eq(0).all()
    assert ts.loc[ts["arm"] == "scenario", "cost_to_date"].max() > 0
    assert analyse.main(["sensitivity", f"path={out}", "outcome=ks4_gap,extra_per_million"]) == 0
    table = pd.read_csv(out / "analysis" / "sensitivity_paired.csv")
    marks = table.drop_duplicates("parameter").set_index("parameter")["uncertain"]
    assert set(marks.index) == {"model.ties.removal", "model.engagement.rate", "model.services.child_effect",
                                "model.development.cross_domain", "model.ties.decay"}
    assert marks["model.ties.removal"] and marks["model.engagement.rate"]      # assumptions in the registry
    assert not marks["model.ties.decay"]                                        # the config's evidence-based contrast
    assert analyse.main(["tipping", f"path={out}", "outcome=relationships"]) == 0   # the level analysis reads the scenario arm


@pytest.mark.parametrize("rising", [True, False])
def test_warnings_over_time_read_the_replicates_taus(tmp_path, rising):
    months = np.arange(300)
    parts = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        e, x = rng.normal(0, 0.01, len(months)), np.zeros(len(months))
        for t in range(1, len(months)):
            phi = 0.95 * t / len(months) if rising else 0.3
            x[t] = phi * x[t - 1] + e[t]
        level = np.where(months < 240, 0.2, 0.6)                 # the transition at month 240
        parts.append(pd.DataFrame({"seed": seed, "month": months, "relationships": level + x}))
    fake_run(tmp_path, pd.concat(parts), {"zone": {"kind": "hcz_saturation"}})
    assert analyse.main(["warning", f"path={tmp_path}", "window=2"]) == 0
    table = pd.read_csv(tmp_path / "analysis" / "relationships_warning.csv").set_index("statistic")
    assert (table["transition_month"].between(240 - 24, 240)).all() and (table["points"] == 6).all()
    if rising:
        assert table.loc["ac1", "verdict"] == "rose" and table.loc["variance", "verdict"] == "rose"
    else:
        assert "rose" not in set(table["verdict"])


def test_hysteresis_across_a_sweep_says_where_the_loop_is(tmp_path, capsys):
    from analysis.results import write_sweep, write_sweep_task

    design = pd.DataFrame({"point": [0, 1], "model.k": [0.0, 1.0]})
    months = np.arange(0, 241, 12)
    level, phase = RAMP.driver(months)
    parts = []
    for point, k in zip(design["point"], design["model.k"]):
        for seed in range(8):
            noise = np.random.default_rng(10 * seed + point).normal(0, 0.02, len(months))
            y = bistable(level, phase) if k else 0.5 * level
            parts.append(pd.DataFrame({"point": point, "seed": seed, "month": months, "relationships": y + noise,
                                       "model.k": k}))
    write_sweep(tmp_path, design, config_hash="x", name="h", design="full_factorial", parameters=["model.k"],
                points=2, replicates=8, seeds=list(range(8)), tasks=1, place="x", scenario="ramp", years=20,
                bounds={"model.k": [0.0, 1.0]},
                interventions={"zone": {"kind": "hcz_saturation", "intensity": 1.0, "ramp_years": 10.0}})
    ms = pd.DataFrame({"point": [0], "seed": 0, "milestone": "ks4", "group": "all", "reached": 1, "assessed": 2})
    write_sweep_task(tmp_path, 0, {"timeseries": [pd.concat(parts)], "milestones": [ms]},
                     {"task": 0, "done": [0, 1], "failed": {}, "runs": 8})
    assert analyse.main(["hysteresis", f"path={tmp_path}", "outcome=relationships", "bins=5"]) == 0
    table = pd.read_csv(tmp_path / "analysis" / "hysteresis.csv").set_index("model.k")
    assert table.loc[0.0, "verdict"] == "closes within noise" and table.loc[1.0, "verdict"] == "loop"
    assert "[model.k=1]" in capsys.readouterr().out


def test_an_unknown_outcome_is_one_line_in_every_kind(tmp_path, capsys):
    synthetic_sweep(tmp_path / "paired")
    lhs_sweep(tmp_path / "lhs")
    factorial_sweep(tmp_path / "grid", lambda d: 0.3, seeds=range(2), years=10)
    import importlib.util

    cases = [("sensitivity", "paired", "happiness"), ("warning", "grid", "happiness"),
             ("hysteresis", "grid", "interventions")]        # a sweep of no ramped scenario: said first
    if importlib.util.find_spec("ema_workbench"):
        cases.append(("prim", "lhs", "happiness"))
    for kind, folder, needle in cases:
        assert analyse.main([kind, f"path={tmp_path / folder}", "outcome=happiness"]) == 2, kind
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0], (kind, err)
