"""What the network was worth in a shock (analysis/shock_response.py; issue 21 item 3):
the model reports the share of a capacity shock's cut its partnership made good, only
during the shock, none with the response off; the table and sentence read them."""
import numpy as np
import pandas as pd

from analysis.shock_response import sentence, worth_table
from configs.compose import build_interventions, compose_run_config
from sim.run import simulate


def shock_run(response: float, seeds=(1, 2, 3)):
    rc = compose_run_config(["place=pembury", "scenario=shock_closure"])
    spec = rc.config.scenario
    spec.interventions["shock"].update({"network_response": response})
    ts = simulate(rc.place, rc.model, rc.england, list(seeds), 12 * 6,
                  interventions=lambda: build_interventions(spec), network_every=0).timeseries
    config = {"scenario": {"interventions": {n: dict(v) for n, v in spec.interventions.items()}}}
    return ts, config


def test_the_network_makes_good_part_of_a_closure_only_while_it_lasts():
    ts, config = shock_run(0.5)
    during = ts[(ts["month"] >= 49) & (ts["month"] <= 60)]
    outside = ts[(ts["month"] < 49) | (ts["month"] > 60)]
    assert (during["made_good"] > 0).all() and (during["crisis_funds"] > 0).all()
    assert (outside["made_good"] == 0).all() and (outside["crisis_funds"] == 0).all()
    row = worth_table({"shock_closure": {"timeseries": ts}}, {"shock_closure": config}).iloc[0]
    assert (row["first_month"], row["last_month"], row["replicates"]) == (49, 60, 3)
    assert 0 < row["made_good_low"] <= row["made_good"] <= row["made_good_high"] <= 0.5
    assert "made good" in sentence(row) and "closure" in sentence(row)


def test_with_the_response_off_nothing_is_made_good_and_the_sentence_says_so():
    ts, config = shock_run(0.0)
    assert (ts["made_good"] == 0).all() and (ts["crisis_funds"] == 0).all()
    row = worth_table({"shock_closure": {"timeseries": ts}}, {"shock_closure": config}).iloc[0]
    assert row["made_good"] == 0 and "switched off" in sentence(row)


def test_a_comparison_without_a_capacity_shock_has_no_row():
    ts = pd.DataFrame({"seed": [1, 1], "month": [0, 1], "made_good": [0.0, 0.0], "crisis_funds": [0.0, 0.0]})
    configs = {"baseline": {"scenario": {"interventions": {}}},
               "surge": {"scenario": {"interventions": {"s": {"kind": "shock", "shock": "turnover_surge"}}}}}
    assert worth_table({"baseline": {"timeseries": ts}, "surge": {"timeseries": ts}}, configs).empty


def test_a_stronger_network_makes_good_more_of_the_same_shock():
    """Readiness is relationship capital x (0.5 + 0.5 alignment): with a core team for 4
    years before the closure the network is stronger than with none, so more is made good."""
    with_team, config = shock_run(0.5)
    rc = compose_run_config(["place=pembury", "scenario=shock_closure"])
    spec = rc.config.scenario
    del spec.interventions["team"]
    alone = simulate(rc.place, rc.model, rc.england, [1, 2, 3], 12 * 6,
                     interventions=lambda: build_interventions(spec), network_every=0).timeseries
    shock = lambda ts: ts[(ts["month"] >= 49) & (ts["month"] <= 60)].groupby("seed")["made_good"].mean()
    assert np.all(shock(with_team).to_numpy() > shock(alone).to_numpy())
