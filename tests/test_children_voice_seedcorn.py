"""Children's own voice (seed 002 L33) and seedcorn funds (seed 003 L822-827, L865-869)
act only through the processes and only by what their parameters say; the headline
counts only grow, and their comparison names each seed figure with its line."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import orgs as O
from sim.interventions.core_team import CoreTeam
from sim.interventions.local_voice import LocalVoice
from sim.interventions.pilots import Pilot
from sim.model import PlaceModel
from sim.run import simulate

MONTHS = 12
SEEDS = [0, 1]
# ../shared/seeds beside the repository (or beside the folder of worktrees)
SEED_003 = [f for up in Path(__file__).resolve().parents[2:4] for f in sorted((up / "shared" / "seeds").glob("003_*.txt"))]


def scenario(voice: dict | None = None, team: dict | None = None):
    """A core team, a participation ladder and a pilot (whose support seedcorn can buy)."""
    return lambda: [CoreTeam(name="team", **(team or {})), LocalVoice(name="voice", **(voice or {})),
                    Pilot(name="playbox", programme="playbox")]


@pytest.fixture(scope="module")
def run(small_run):
    cache = {}

    def go(voice: dict | None = None, team: dict | None = None) -> pd.DataFrame:
        key = (tuple(sorted((voice or {}).items())), tuple(sorted((team or {}).items())))
        if key not in cache:
            cache[key] = simulate(small_run.place, small_run.model, small_run.england, SEEDS,
                                  MONTHS, interventions=scenario(voice, team)).timeseries
        return cache[key]

    return go


def model_after(small_run, months: int, voice: dict | None = None, team: dict | None = None) -> PlaceModel:
    model = PlaceModel(small_run.place, small_run.model, small_run.england, SEEDS, scenario(voice, team)())
    for _ in range(months):
        model.step()
    return model


OUTCOMES = ["mean_wellbeing", "mean_learning", "families_supported", "mean_trust", "relationships",
            "families_reached", "children_voice"]


def test_children_share_zero_changes_nothing_whatever_the_fit(run):
    off = run(voice={"children_share": 0.0, "children_fit": 0.0})
    fit_only = run(voice={"children_share": 0.0, "children_fit": 0.2})
    pd.testing.assert_frame_equal(off, fit_only)              # bit-identical
    assert not off["children_voice"].any()


def test_children_share_above_zero_builds_childrens_voice_and_changes_results(run):
    off = run(voice={"children_share": 0.0, "children_fit": 0.2})
    on = run(voice={"children_share": 0.5, "children_fit": 0.2})
    assert on["children_voice"].iloc[-1] > 0
    assert not off[OUTCOMES].equals(on[OUTCOMES])
    # the hours spent with children are not spent building residents' voice
    assert on.groupby("seed")["relationships"].last().le(off.groupby("seed")["relationships"].last()).all()


@pytest.fixture(scope="module")
def trust_after(small_run):
    """Families' mean trust over the second year, per seed, with a given ladder and
    model.system.children_hours_to_residents."""
    import dataclasses

    def go(spill: float, **voice) -> pd.Series:
        params = dataclasses.replace(small_run.model, system=dataclasses.replace(
            small_run.model.system, children_hours_to_residents=spill))
        ts = simulate(small_run.place, params, small_run.england, SEEDS, 24,
                      interventions=lambda: [LocalVoice(name="voice", rung="co_create", hours=120.0, **voice)]).timeseries
        return ts[ts["month"] > 12].groupby("seed")["mean_trust"].mean()

    return go


def test_whether_childrens_voice_pays_depends_on_its_parameters(trust_after):
    # children's hours cost residents' voice in full and reshape nothing: trust falls
    off = trust_after(0.0, children_share=0.0)
    assert (trust_after(0.0, children_share=0.5, children_fit=0.0) < off).all()
    # they cost residents' voice nothing and make services fit children: trust rises
    off = trust_after(1.0, children_share=0.0)
    assert (trust_after(1.0, children_share=0.5, children_fit=0.2) > off).all()


def test_childrens_voice_raises_the_quality_of_the_services_children_use(small_run):
    model = model_after(small_run, 6, voice={"children_share": 0.5, "children_fit": 0.2})
    st = model.state
    assert (st.children_voice > 0).all()
    facing = np.isin(st.orgs.kind, (O.Kind.CHILDRENS_CENTRE, O.Kind.YOUTH_SERVICE, O.Kind.COMMUNITY_GROUP))
    # this month's modifiers: the last apply added children_fit x last month's children's voice
    assert (st.mods.quality_add[:, facing] > 0).all()
    assert not st.mods.quality_add[:, ~facing].any()


SEEDCORN_OFF = {"seedcorn_pilot_hours_per_kgbp": 0.0, "seedcorn_places_per_kgbp": 0.0}


def test_seedcorn_that_buys_nothing_changes_nothing(run):
    slow = run(team={**SEEDCORN_OFF, "seedcorn_spend_share": 0.03})
    fast = run(team={**SEEDCORN_OFF, "seedcorn_spend_share": 0.3})
    assert fast["seedcorn_spent"].sum() > slow["seedcorn_spent"].sum() > 0
    pd.testing.assert_frame_equal(slow.drop(columns="seedcorn_spent"), fast.drop(columns="seedcorn_spent"))


def test_seedcorn_buys_pilot_support_and_community_group_places(small_run):
    off = model_after(small_run, 8, team={**SEEDCORN_OFF, "seedcorn_spend_share": 0.3})
    on = model_after(small_run, 8, team={"seedcorn_spend_share": 0.3, "seedcorn_pilot_share": 0.5,
                                         "seedcorn_pilot_hours_per_kgbp": 40.0, "seedcorn_places_per_kgbp": 5.0})
    spent = on.state.flows.seedcorn_spent
    assert (spent > 0).all() and np.array_equal(spent, off.state.flows.seedcorn_spent)
    assert (on.state.pilot_support_hours > off.state.pilot_support_hours).all()
    groups = on.state.orgs.kind == O.Kind.COMMUNITY_GROUP
    bought = (on.state.mods.capacity_add - off.state.mods.capacity_add)[:, groups].sum(axis=1)
    assert np.allclose(bought, spent * 0.5 * 5.0 / 1000.0)


def test_seedcorn_places_change_results(run):
    off = run(team={**SEEDCORN_OFF, "seedcorn_spend_share": 0.3})
    on = run(team={"seedcorn_spend_share": 0.3, "seedcorn_pilot_share": 0.0, "seedcorn_places_per_kgbp": 6.0})
    assert not off[OUTCOMES].equals(on[OUTCOMES])


def test_headline_counts_only_grow(run):
    ts = run()
    for _, one in ts.groupby("seed"):
        for column in ("families_reached", "children_reached", "organisations_ever_engaged"):
            assert (np.diff(one.sort_values("month")[column].to_numpy()) >= 0).all(), column
        one = one.sort_values("month")
        assert one["families_reached"].iloc[0] == 0        # month 0: the state before the run
        after_start = one[one["month"] >= 1]
        assert (after_start["families_reached"] == after_start["families_newly_supported"].cumsum()).all()
        assert one["organisations_ever_engaged"].iloc[0] == one["children_reached"].iloc[0] == 0
        assert (after_start["organisations_ever_engaged"] >= after_start["organisations_engaged"]).all()


def test_comparison_names_each_seed_figure_with_its_line(run):
    from analysis.headline import headline_lines, headline_table
    from configs.evidence import seed003_counts

    seed = seed003_counts()
    table = headline_table("pembury", {"as_it_happened_pembury": run()})
    assert set(table["measure"] + table["seed_place"]) == set(
        seed.loc[seed["place"].isin(["pembury", "network"]), "measure"] + seed.loc[seed["place"].isin(["pembury", "network"]), "place"])
    assert table["seed_line"].str.fullmatch(r"003 L\d+(-\d+)?").all()
    counted = table[table["model_outcome"] != ""]
    assert counted["model_median"].notna().all()
    assert (counted["model_low"] <= counted["model_median"]).all() and (counted["model_median"] <= counted["model_high"]).all()
    lines = headline_lines(table, "pembury", n_orgs=17)
    for _, r in counted.iterrows():
        assert any(r["seed_line"] in line and f"{r['seed_value']:,}" in line for line in lines)


@pytest.mark.skipif(not SEED_003, reason="the seed documents are not on this machine")
def test_each_seed_figure_is_at_its_line():
    from configs.evidence import seed003_counts

    text = SEED_003[0].read_text(encoding="utf-8").splitlines()
    for _, r in seed003_counts().iterrows():
        lo, hi = re.fullmatch(r"003 L(\d+)-?(\d*)", r["line"]).group(1, 2)
        first, last = int(lo), int(hi or lo)
        passage = " ".join(text[first - 1:last]).replace(",", "")
        assert str(r["value"]) in passage, (r["measure"], r["line"])
