"""What the Children's Communities learned, as mechanisms (issue 21 items 1-3; docs/ODD.md
7.12-7.13): breadth has costs as well as gains, a fresh start has an advantage, and a
crisis shows what the network is worth. Each claim is shown both ways, with every
parameter value inside its registered plausible range (checked here), on paired seeds.
"""
from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.stages import months_to_stage, sentences, summarise
from configs.compose import build_interventions, compose_run_config
from sim.interventions.shocks import Shock
from sim.registry import outside_plausible
from sim.run import simulate

SEEDS = (300, 301, 302, 303)

# Breadth cheap (no meeting load, no stall, reach and legitimacy at their highest) and
# breadth costly (a heavy meeting load, a small board that stalls, no gains).
CHEAP = {"member_hours": 0.0, "stall_per_member": 0.0, "member_reach": 0.1, "member_funds": 0.05}
COSTLY = {"member_hours": 10.0, "stall_per_member": 0.3, "talking_shop_size": 6.0,
          "member_reach": 0.0, "member_funds": 0.0}
# A fresh start with no advantage, and with openness and gatekeeping at their highest.
CLOSED = ("model.engagement.openness=0", "model.engagement.gatekeeping=0", "model.system.voice_openness=0")
OPEN = ("model.engagement.openness=1.5", "model.engagement.gatekeeping=0.8", "model.system.voice_openness=1.5")


@functools.lru_cache(maxsize=None)
def run(place: str, scenario: str, overrides: tuple = (), years: int = 3, updates: tuple = (),
        drop: tuple = ()):
    """A scenario on `place` with `updates` ((intervention, ((key, value), ...)), ...)
    applied and the interventions in `drop` removed; checks every value is plausible."""
    rc = compose_run_config([f"place={place}", f"scenario={scenario}", *overrides])
    spec = rc.config.scenario
    for name in drop:
        spec.interventions.pop(name)
    for name, items in updates:
        spec.interventions[name].update(dict(items))
    assert outside_plausible(rc.model, "model.") == [] and outside_plausible(rc.place, "place.") == []
    for intervention in build_interventions(spec):
        assert outside_plausible(intervention) == []
    return simulate(rc.place, rc.model, rc.england, list(SEEDS), 12 * years,
                    interventions=lambda: build_interventions(spec), network_every=0)


def last_year(result, column: str, start: int | None = None, end: int | None = None) -> np.ndarray:
    """(seeds,) a reporter's mean over months start..end (default: the run's last year)."""
    ts = result.timeseries
    end = int(ts["month"].max()) if end is None else end
    start = end - 11 if start is None else start
    part = ts[(ts["month"] >= start) & (ts["month"] <= end)]
    return part.groupby("seed")[column].mean().to_numpy()


def team(strategy: str, regime: dict) -> tuple:
    return (("team", tuple(sorted({**regime, "strategy": strategy}.items()))),)


# -- 1. Breadth's costs and gains ------------------------------------------------------------

@pytest.mark.parametrize("regime, winner", [(CHEAP, "wide"), (COSTLY, "deep")], ids=["cheap", "costly"])
def test_wide_or_deep_is_an_output_of_breadths_costs_and_gains(regime, winner):
    """On Pembury after three years, going wide beats going deep on relationships when
    breadth costs nothing and brings reach; going deep wins when each partner costs
    meeting hours and a forum past a small size stalls (seed 003 L1983-1991)."""
    wide = last_year(run("pembury", "core_team", updates=team("wide", regime)), "relationships")
    deep = last_year(run("pembury", "core_team", updates=team("deep", regime)), "relationships")
    gap = (wide - deep) if winner == "wide" else (deep - wide)
    assert gap.mean() > 0 and (gap > 0).sum() >= len(SEEDS) - 1, (winner, wide, deep)


def test_breadth_costs_the_wide_team_hours_and_stalls_its_forum():
    """The costs act through the team's work: a costly wide team makes less visible
    progress, and less shared purpose, than a cheap one (paired seeds)."""
    cheap = run("pembury", "core_team", updates=team("wide", CHEAP))
    costly = run("pembury", "core_team", updates=team("wide", COSTLY))
    assert (last_year(costly, "shared_purpose") < last_year(cheap, "shared_purpose")).all()
    assert (last_year(costly, "partner_engagement") < last_year(cheap, "partner_engagement")).all()


# -- 2. The advantage of a fresh start -------------------------------------------------------

@pytest.mark.parametrize("regime, faster", [(CLOSED, 0.5), (OPEN, 0.05)], ids=["closed", "open"])
def test_which_place_aligns_faster_is_an_output_of_openness_and_gatekeeping(regime, faster):
    """The same place with prior partnership (0.5) and without (0.05), each with a core
    team: without a fresh start's openness the place with prior partnership carries the
    children's priorities further after three years; with openness and gatekeeping the
    place without it does (seed 003 L1644-1656)."""
    purpose = {p: last_year(run("england_average", "core_team", (*regime, f"place.partnership_strength={p}")),
                            "shared_purpose") for p in (0.05, 0.5)}
    slower = 0.5 if faster == 0.05 else 0.05
    gap = purpose[faster] - purpose[slower]
    assert gap.mean() > 0 and (gap > 0).sum() >= len(SEEDS) - 1, (faster, purpose)


def test_months_to_stage_censors_replicates_that_never_reach_it():
    """Seed 1 reaches stage 2 in month 3 and stage 3 in month 5; seed 2 reaches stage 2 in
    month 4 and nothing more; month 0 does not count."""
    ts = pd.DataFrame({"seed": [1] * 6 + [2] * 6, "month": list(range(6)) * 2,
                       "stage": [2, 1, 1, 2, 2, 3, 1, 1, 1, 1, 2, 2]})
    times = months_to_stage(ts)
    assert times.loc[1, 2] == 3 and times.loc[1, 3] == 5 and np.isnan(times.loc[1, 4])
    assert times.loc[2, 2] == 4 and np.isnan(times.loc[2, 3])
    summary = summarise({"a": times}, {"a": 5})
    row = summary.set_index("stage").loc[3]
    assert row["reached"] == 1 and row["median_months"] == 5      # the lower middle of (5, never)
    assert np.isinf(summary.set_index("stage").loc[4, "median_months"])
    assert any("not within its 5 months" in line for line in sentences(summary))


# -- 3. A shock response that depends on the network -----------------------------------------

def shock_damage(partnership: float, response: float) -> np.ndarray:
    """(seeds,) families supported in the shock year with a closure from year 1 to 2,
    minus the same without it, on the same seeds (no core team: the network is the
    place's own, thin or dense)."""
    place = (f"place.partnership_strength={partnership}",)
    shock = (("shock", (("end_year", 2), ("network_response", response), ("start_year", 1))),)
    hit = run("england_average", "shock_closure", place, 2, shock, ("team",))
    calm = run("england_average", "shock_closure", place, 2, (), ("team", "shock"))
    return last_year(hit, "families_supported", 13, 24) - last_year(calm, "families_supported", 13, 24)


def test_the_same_shock_hurts_less_with_a_stronger_network():
    """With the response on, a closure takes fewer families out of support where the
    network is dense than where it is thin; the response is what makes the difference
    (without it, the dense network loses as many or more)."""
    strong, weak = shock_damage(0.6, 0.5), shock_damage(0.05, 0.5)
    assert strong.mean() > weak.mean() and (strong > weak).sum() >= len(SEEDS) - 1, (strong, weak)
    relief_strong = strong - shock_damage(0.6, 0.0)
    relief_weak = weak - shock_damage(0.05, 0.0)
    assert (relief_strong > 0).all() and relief_strong.mean() > relief_weak.mean() + 0.002


def test_no_response_leaves_the_shock_as_it_was(tiny):
    """network_response 0: a closure cuts capacity by exactly its size, adds no
    follow-through and mobilises nothing, however strong the network; above 0 on a
    strong network it cuts less and mobilises funds."""
    st, params, _ = tiny(replicates=2)
    model = SimpleNamespace(state=st, params=params, n_replicates=2)
    st.orgs.trust[:] = st.orgs.reciprocity[:] = st.orgs.empathy[:] = st.orgs.equity[:] = 0.9
    st.orgs.alignment[:] = 0.8
    st.refresh_strength()
    for response in (0.0, 0.5):
        shock = Shock(shock="closure", magnitude=0.7, network_response=response, name="shock")
        shock.initialize(model)
        st.reset_month(model.params)
        pot = st.seedcorn_pot.copy()
        shock.apply(model, 1)
        hit = shock.services | shock.schools
        if response == 0:
            assert np.all(st.mods.capacity_mult[:, hit] == 1.0 - 0.7)
            assert not st.mods.follow_add.any() and not st.flows.leveraged.any()
            assert np.array_equal(st.seedcorn_pot, pot)
        else:
            assert np.all(st.mods.capacity_mult[:, hit] > 1.0 - 0.7)
            assert (st.mods.follow_add > 0).all() and (st.flows.leveraged > 0).all()


def test_analyse_stages_sets_places_side_by_side(tmp_path):
    """`placesim analyse stages` over two run folders: one sentence per run and stage,
    stages.csv in the first folder's analysis/, and a folder that is not a run is one line."""
    from conftest import placesim

    folders = []
    for place in ("pembury", "smallshaw_hurst"):
        folder = tmp_path / place
        placesim("run", f"place={place}", "place.population=600", "place.homes=250", "scenario=core_team",
                 "run.years=1", "run.replicates=2", "run.plots=false", f"hydra.run.dir={folder}",
                 cwd=tmp_path, check=True)
        folders.append(str(folder))
    proc = placesim("analyse", "stages", "path=" + ",".join(folders), cwd=tmp_path, check=True)
    lines = proc.stdout.strip().splitlines()
    assert sum(line.startswith("pembury/core_team: stage ") for line in lines) == 3
    assert sum(line.startswith("smallshaw_hurst/core_team: stage ") for line in lines) == 3
    table = pd.read_csv(tmp_path / "pembury" / "analysis" / "stages.csv")
    assert len(table) == 6 and set(table["stage"]) == {2, 3, 4}
    bad = placesim("analyse", "stages", f"path={tmp_path / 'nowhere'}", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len([ln for ln in bad.stderr.splitlines() if ln.strip()]) == 1, bad.stderr
