"""Programmes with their own caseload, the HCZ pipeline as programmes, and the virtual
Promise Academy lottery (issue 17; docs/ODD.md 8.2, 8.4, 8.7)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from configs.compose import ConfigError, build_interventions, compose_run_config, load_scenario
from sim.interventions import InterventionError, build
from sim.model import PlaceModel
from sim.run import simulate

SEEDS = [11, 12, 13]
HCZ = load_scenario("hcz_saturation").interventions


def _run(scenario_interventions: dict, years: int = 2, overrides=(), seeds=SEEDS):
    rc = compose_run_config(["place=pembury", *overrides])
    made = lambda: [build(name, entry["kind"], {k: v for k, v in entry.items() if k != "kind"})
                    for name, entry in scenario_interventions.items()]
    return simulate(rc.place, rc.model, rc.england, seeds, 12 * years, interventions=made)


@pytest.fixture(scope="module")
def baseline():
    return _run({})


def _same(a, b) -> bool:
    return a.timeseries.equals(b.timeseries) and a.milestones.equals(b.milestones)


@pytest.mark.parametrize("name", [n for n in HCZ if n != "pipeline"])
def test_each_hcz_programme_changes_results_when_on_and_nothing_when_off(name, baseline):
    entry = dict(HCZ[name])
    on = _run({name: entry})
    assert not _same(on, baseline), f"{name} changed nothing"
    off = _run({name: {**entry, "start_year": 30.0}})          # never active in a 2-year run
    assert _same(off, baseline), f"{name} changed results while inactive"


def test_a_pilot_on_a_host_with_spare_places_reaches_families_the_host_did_not(baseline):
    """Pembury's children's centre has spare places (it serves about 6 of 29 families): a
    pilot used to add capacity there and so reached no one more. Now it keeps its own
    caseload, found by its own route."""
    rc = compose_run_config(["place=pembury", "scenario=pilot"])
    model = PlaceModel(rc.place, rc.model, rc.england, SEEDS, build_interventions(rc.config.scenario))
    for _ in range(24):
        model.step()
    pilot = model.interventions[0]
    reached = (model.state.children.reached_by & (1 << pilot.bit)) > 0
    assert reached.sum(axis=1).min() > 0                      # every replicate: children reached
    with_pilot = _run(load_scenario("pilot").interventions)
    gain = (with_pilot.timeseries.groupby("seed")["families_supported"].mean()
            - baseline.timeseries.groupby("seed")["families_supported"].mean())
    assert (gain > 0).all()


def test_a_programme_name_that_does_not_exist_and_a_lottery_without_enough_applicants_are_one_line():
    with pytest.raises(ConfigError) as err:
        compose_run_config(["place=pembury", "scenario=hcz_saturation",
                            "~scenario.interventions.no_such_programme"])
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError) as err:                   # refused at composition: nothing runs
        compose_run_config(["place=pembury", "scenario=hcz_school_part",
                            "+scenario.interventions.promise_academy.seats=10",
                            "+scenario.interventions.promise_academy.apply_share=0.1"])
    message = str(err.value)
    assert "\n" not in message and "seats" in message and "applicants" in message


def test_the_lottery_recovers_the_school_effect_planted_in_a_virtual_trial():
    """With barriers and complementarity switched off, a seat changes a child's learning
    input by school_effect x (academy quality - own school's quality) a month, so by the
    outcome age its score differs by that times (1 - persistence^months at the academy):
    the planted effect. The lottery's treatment-on-the-treated estimate finds it within
    its interval."""
    from analysis.lottery import lottery_effects

    academy = {"kind": "promise_academy", "quality": 0.8, "apply_share": 0.7, "seats": 10.0}   # tops of ranges
    overrides = ["model.development.barrier_strength=0.0", "model.development.complementarity=0.0",
                 "model.development.ability_sd=0.5"]         # the least noise in its range

    rc = compose_run_config(["place=pembury", *overrides])
    seeds = list(range(40, 60))
    model = PlaceModel(rc.place, rc.model, rc.england, seeds,
                       [build("promise_academy", "promise_academy", {k: v for k, v in academy.items() if k != "kind"})])
    for _ in range(12 * 12):
        model.step()
    pa = model.interventions[0]
    table = pd.DataFrame(pa.applicants(seeds))
    table["barrier"] = table["barrier"].astype(bool)
    assert len(table) > 1500 and table["offered"].any() and not table["offered"].all()
    dv, og = rc.model.development, model.state.orgs
    from sim import orgs as O
    primary = og.kind == O.Kind.PRIMARY
    months = int(pa.outcome_age_months - pa.entry_age_months)
    planted = dv.school_effect * (0.8 - og.quality[:, primary].mean()) * (1 - dv.persistence ** months)
    effects = lottery_effects(table)
    tot = effects[(effects["quantity"] == "TOT") & (effects["group"] == "all")].iloc[0]
    assert tot["low"] < planted < tot["high"], (planted, tot.to_dict())
    assert tot["low"] > 0


def test_the_lottery_lines_say_when_an_effect_cannot_be_told_from_zero():
    from experiments.lottery import effect_text

    clear = effect_text({"estimate": 0.3, "low": 0.1, "high": 0.5, "n": 400})
    unclear = effect_text({"estimate": 0.06, "low": -0.12, "high": 0.25, "n": 400})
    no_interval = effect_text({"estimate": 0.06, "low": float("nan"), "high": float("nan"), "n": 49})
    assert "90% interval +0.10 to +0.50" in clear and "cannot be told" not in clear
    assert unclear.endswith("cannot be told from zero")
    assert "no interval" in no_interval and "nan" not in no_interval and no_interval.endswith("cannot be told from zero")
