"""The effects users ask about, each tied to its mechanism (DESIGN.md section 2).

Every test runs a small paired comparison: the same seeds (common random numbers) with
and without an intervention, and shows (a) the effect appears with its mechanism on and
(b) it vanishes when that mechanism alone is switched off. Assertions are on directions
with a statistical margin across replicates (paired mean difference beyond two standard
errors), never on a tuned number. docs/ODD.md ("Effects and the regimes that show them")
says which parameter regimes show each effect.
"""
from __future__ import annotations

import numpy as np
import pytest

from configs.compose import build_interventions, compose_run_config, load_scenario
from sim.run import simulate

SEEDS = list(range(100, 108))
SMALL = ["place=pembury"]


def run(overrides, scenario="baseline", years=5, seeds=SEEDS, scenario_overrides=None):
    rc = compose_run_config(SMALL + [f"scenario={scenario}"] + list(overrides))
    spec = rc.config.scenario
    if scenario_overrides:
        for name, changes in scenario_overrides.items():
            spec.interventions[name].update(changes)
    return simulate(rc.place, rc.model, rc.england, seeds, 12 * years,
                    interventions=lambda: build_interventions(spec), network_every=0)


def at(result, column, month=None, last=12):
    """Per-seed mean of a reporter over the `last` months up to `month` (default: the end)."""
    ts = result.timeseries
    end = ts["month"].max() if month is None else month
    window = ts[(ts["month"] > end - last) & (ts["month"] <= end)]
    return window.groupby("seed")[column].mean().to_numpy()


def beyond_noise(diff: np.ndarray, sign: int = 1) -> bool:
    """Paired mean difference in the given direction by more than two standard errors."""
    mean = diff.mean()
    se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
    return sign * mean > 2 * se and sign * mean > 0


def within_noise(diff: np.ndarray, scale: float) -> bool:
    """Mean difference indistinguishable from zero, or tiny against `scale`."""
    se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
    return abs(diff.mean()) <= max(2 * se, 0.05 * abs(scale))


def test_programme_effect_appears_and_vanishes_without_its_mechanism():
    """Ready for School raises under-5s' learning; with no effect per episode it does not."""
    pilot = {"ready_for_school": {"intensity": 2.0}}
    base = run([], years=3)
    on = run([], "pilot", years=3, scenario_overrides=pilot)
    effect = at(on, "learning_under5") - at(base, "learning_under5")
    assert beyond_noise(effect)
    base0 = run(["model.services.child_effect=0"], years=3)
    off = run(["model.services.child_effect=0"], "pilot", years=3, scenario_overrides=pilot)
    effect_off = at(off, "learning_under5") - at(base0, "learning_under5")
    assert effect.mean() > 3 * abs(effect_off.mean())


def _cumulative(kappa: float) -> np.ndarray:
    """A virtual trial inside the development process: the same under-5s get learning
    support, health support, both or neither for two years (four copies of one state,
    same draws), and we return, per replicate, the mean interaction AB - A - B + 0 in
    their learning score. Super-additivity is the individual-level cumulative effect
    (seed 004 L1225-1250: 'likely ... only at the level of individual children')."""
    import copy

    from sim.model import PlaceModel
    from sim.processes import development

    rc = compose_run_config(SMALL + [f"model.development.cross_domain={kappa}"])
    model = PlaceModel(rc.place, rc.model, rc.england, SEEDS[:4])
    for _ in range(12):
        model.step()
    start = copy.deepcopy(model.state)
    cohort = start.children.alive & (start.children.age < 36)
    effect = 1.0   # monthly input (SD) while supported, in each supported domain
    scores = {}
    for arm, (learning, health) in {"0": (0, 0), "A": (1, 0), "B": (0, 1), "AB": (1, 1)}.items():
        st = copy.deepcopy(start)
        for month in range(13, 37):
            st.child_support[:] = 0.0
            st.child_support[..., 0, 0] = effect * learning
            st.child_support[..., 0, 1] = effect * health
            st.family_supported_now[:] = True        # every family's children get it
            st.new_children = ()
            development.step(st, development.rules(rc.model), development.milestone_rules(st, rc.model),
                             model.streams, month)
        scores[arm] = st.children.score()[..., 0]
    inter = scores["AB"] - scores["A"] - scores["B"] + scores["0"]
    return np.array([inter[r][cohort[r]].mean() for r in range(len(cohort))])


def test_health_and_learning_support_together_exceed_their_sum_only_with_cross_domain():
    """The virtual trial above: at the top of cross_domain's plausible range the
    interaction is positive in every replicate; at 0 it is exactly 0."""
    on, off = _cumulative(0.6), _cumulative(0.0)
    assert (on > 0).all()
    assert np.array_equal(off, np.zeros_like(off)) or np.abs(off).max() < 1e-12


def _school_and_care_trial(barrier_strength: float):
    """A virtual trial of the seeds' own cumulative mechanism (seed 004 L1333-1338,
    L1360-1364): the same school-age children get a better school (Promise Academy-like
    value added +0.5 SD), care that manages their barriers to learning (on-site health,
    as `child_care`), both or neither, for two years (four copies of one state, same
    draws). Returns, per replicate, the mean interaction AB - A - B + 0 in the learning
    score of children with a barrier at the start and of those without."""
    import copy

    from sim.model import PlaceModel
    from sim.processes import development

    rc = compose_run_config(SMALL + [f"model.development.barrier_strength={barrier_strength}",
                                     "model.development.cross_domain=0.0"])
    model = PlaceModel(rc.place, rc.model, rc.england, SEEDS[:4])
    for _ in range(6):
        model.step()
    start = copy.deepcopy(model.state)
    ch = start.children
    rules = development.rules(rc.model)
    school_age = ch.alive & (ch.age >= 60) & (ch.age < 168) & (ch.school >= 0)
    carried, _ = development.barriers_numpy(rules, development.child_arrays(start, np.zeros_like(ch.alive)),
                                            development.surroundings(start, rules))
    scores = {}
    for arm, (school, care) in {"0": (0, 0), "A": (1, 0), "B": (0, 1), "AB": (1, 1)}.items():
        st = copy.deepcopy(start)
        st.n_programmes = 1                 # per-child value added and care are read
        for month in range(7, 31):
            st.child_school_add[:] = 0.5 * school * school_age
            st.child_care[:] = bool(care) & school_age
            st.new_children = ()
            development.step(st, rules, development.milestone_rules(st, rc.model), model.streams, month)
        scores[arm] = st.children.score()[..., 0]
    inter = scores["AB"] - scores["A"] - scores["B"] + scores["0"]
    with_barrier = school_age & (carried > 0)
    without = school_age & (carried == 0)
    return (np.array([inter[r][with_barrier[r]].mean() for r in range(len(inter))]),
            np.array([inter[r][without[r]].mean() for r in range(len(inter))]))


def test_school_and_barrier_care_together_exceed_their_sum_for_children_with_barriers():
    """At the top of barrier_strength's plausible range (0.5) a better school and care
    for barriers give children who carry a barrier more together than the sum of each
    alone, beyond noise, and nothing extra to the others; at 0 the interaction is zero."""
    top_with, top_without = _school_and_care_trial(0.5)
    assert beyond_noise(top_with)
    assert top_with.mean() > 5 * abs(top_without.mean())
    zero_with, zero_without = _school_and_care_trial(0.0)
    assert np.abs(zero_with).max() < 1e-12 and np.abs(zero_without).max() < 1e-12


def test_norms_tip_and_stay_after_saturation_ends_but_not_without_hysteresis():
    """HCZ-style saturation for 5 years tips community norms where saturation can (a
    bistable regime: thresholds high, saturation lowering them much); the high state
    outlasts it (the way down differs from the way up). With a restoring force strong
    against the peers' pull (quick lapses) there is one stable state, and the norm falls
    back once saturation ends (ODD 7.7)."""
    timing = {name: {"end_year": 5} for name in load_scenario("hcz_saturation").interventions}
    tippable = ["model.norms.threshold_mean=0.8", "model.norms.saturation_lowering=0.8"]
    base = run(tippable, years=10)
    on = run(tippable, "hcz_saturation", years=10, scenario_overrides=timing)
    during = at(on, "norm_adoption", month=60) - at(base, "norm_adoption", month=60)
    after = at(on, "norm_adoption") - at(base, "norm_adoption")
    assert beyond_noise(during)
    assert beyond_noise(after)
    off_params = tippable + ["model.norms.lapse=0.05"]
    base_off = run(off_params, years=10)
    off = run(off_params, "hcz_saturation", years=10, scenario_overrides=timing)
    after_off = at(off, "norm_adoption") - at(base_off, "norm_adoption")
    assert after.mean() > 2 * max(after_off.mean(), 0.0) + 0.02


def test_collaboration_outlasts_the_team_only_with_increasing_returns_or_hardwiring():
    """Ten years after a five-year team leaves, ties built with hardwiring, triadic
    closure and embeddedness remain above baseline; switch those off and the network
    decays back to where it would have been."""
    base = run([], years=15)
    kept = run([], "hardwiring", years=15)
    left = at(kept, "relationships") - at(base, "relationships")
    assert beyond_noise(left)
    no_returns = ["model.ties.closure=0", "model.ties.embeddedness=0"]
    base_off = run(no_returns, years=15)
    gone = run(no_returns, "hardwiring", years=15, scenario_overrides={"embed": {"rate": 0.0}})
    left_off = at(gone, "relationships") - at(base_off, "relationships")
    assert left.mean() > 2 * max(left_off.mean(), 0.0)


@pytest.mark.parametrize("place", ["pembury", "wallsend", "smallshaw_hurst"])
def test_a_core_team_makes_progress_in_every_place(place):
    """Key learning 7: capacity drives progress even in adverse conditions."""
    small = ["place.population=4000", "place.homes=1700"] if place != "pembury" else []
    rc_over = [f"place={place}"] + small
    seeds = SEEDS[:6]
    rb = compose_run_config(rc_over)
    base = simulate(rb.place, rb.model, rb.england, seeds, 36, network_every=0)
    rt = compose_run_config(rc_over + ["scenario=core_team"])
    team = simulate(rt.place, rt.model, rt.england, seeds, 36, interventions=rt.interventions, network_every=0)
    assert beyond_noise(at(team, "relationships") - at(base, "relationships"))
    assert beyond_noise(at(team, "partner_engagement") - at(base, "partner_engagement"))


def _alignment_gain(entrenchment: float) -> np.ndarray:
    over = ["place=wallsend", "place.population=6000", "place.homes=2600",
            f"model.ties.entrenchment={entrenchment}"]
    rb = compose_run_config(over)
    base = simulate(rb.place, rb.model, rb.england, SEEDS[:6], 48, network_every=0)
    rt = compose_run_config(over + ["scenario=core_team"])
    team = simulate(rt.place, rt.model, rt.england, SEEDS[:6], 48, interventions=rt.interventions, network_every=0)
    return at(team, "shared_purpose") - at(base, "shared_purpose")


def test_prior_partnership_entrenches_routines():
    """Wallsend's pre-existing ties slow re-prioritisation toward children (seed 003
    L2354-2355); with no entrenchment the same team shifts agendas further."""
    entrenched = _alignment_gain(0.8)
    free = _alignment_gain(0.0)
    assert beyond_noise(free - entrenched)


def test_deep_coalition_moves_faster_at_first_and_wide_equals_deep_with_everyone():
    deep = run([], "core_team", years=2)
    wide = run([], "core_team_wide", years=2)
    assert beyond_noise(at(deep, "mean_tie_strength") - at(wide, "mean_tie_strength"))
    everyone = run([], "core_team", years=2, scenario_overrides={"team": {"coalition_size": 1000}})
    for column in ("mean_tie_strength", "relationships", "shared_purpose"):
        np.testing.assert_array_equal(at(everyone, column), at(wide, column))


def test_data_maturity_reaches_the_neediest_and_not_without_data_gains():
    data = {"data": {"kind": "data_sharing", "monthly_cost": 2000}}
    seeds = list(range(100, 112))       # the gain in reach is under a percentage point: 12 seeds
    team = run([], "core_team", years=6, seeds=seeds)
    rc = compose_run_config(SMALL + ["scenario=core_team"])
    spec = rc.config.scenario
    spec.interventions.update({k: dict(v) for k, v in data.items()})
    shared = simulate(rc.place, rc.model, rc.england, seeds, 72,
                      interventions=lambda: build_interventions(spec), network_every=0)
    assert beyond_noise(at(shared, "evidence_data") - at(team, "evidence_data"))
    assert beyond_noise(at(shared, "reach_neediest", last=36) - at(team, "reach_neediest", last=36))
    # With no maturity gain per data hour, data sharing changes nothing at all.
    team0 = run(["model.system.data_gain=0"], "core_team", years=6)
    rc0 = compose_run_config(SMALL + ["scenario=core_team", "model.system.data_gain=0"])
    spec0 = rc0.config.scenario
    spec0.interventions.update({k: dict(v) for k, v in data.items()})
    shared0 = simulate(rc0.place, rc0.model, rc0.england, SEEDS, 72,
                       interventions=lambda: build_interventions(spec0), network_every=0)
    np.testing.assert_array_equal(at(shared0, "reach_neediest"), at(team0, "reach_neediest"))


def test_scenario_presets_all_load_and_cost_what_they_say():
    import glob
    import os

    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "configs", "scenario", "*.yaml"))):
        name = os.path.basename(path)[:-5]
        spec = load_scenario(name)
        ivs = build_interventions(spec)
        assert all(iv.monthly_cost >= 0 for iv in ivs)


def _pipeline_arms(barrier_strength: float, years: int = 8):
    """The HCZ pipeline's school part (a Promise Academy without on-site care), its
    community part (the zone and its other programmes), both, and neither, run on the
    same seeds; per replicate, the mean interaction AB - A - B + 0 in the learning score
    of the same children (a slot holding a child of the same age and ability in every
    arm) who won a seat, split by whether they carried a barrier (arm 0's count)."""
    from sim.model import PlaceModel
    from sim.interventions import build

    hcz = load_scenario("hcz_saturation").interventions
    school = {"promise_academy": {**hcz["promise_academy"], "on_site_care": 0.0, "seats": 10.0,
                                  "apply_share": 0.7, "quality": 0.8}}
    community = {k: v for k, v in hcz.items() if k != "promise_academy"}
    # The other two mechanisms that make a whole more than its parts (complementarity,
    # cross-domain damping) are switched off, so what remains is the barriers'.
    rc = compose_run_config(SMALL + [f"model.development.barrier_strength={barrier_strength}",
                                     "model.development.complementarity=0.0", "model.development.cross_domain=0.0"])
    states = {}
    for arm, entries in {"0": {}, "A": school, "B": community, "AB": {**school, **community}}.items():
        ivs = [build(n, e["kind"], {k: v for k, v in e.items() if k != "kind"}) for n, e in entries.items()]
        model = PlaceModel(rc.place, rc.model, rc.england, SEEDS[:4], ivs)
        for _ in range(12 * years):
            model.step()
        states[arm] = (model.state.children, ivs)
    ch0 = states["0"][0]
    same = np.ones_like(ch0.alive)
    for ch, _ in states.values():
        same &= ch.alive & (ch.age == ch0.age) & (ch.ability[..., 0] == ch0.ability[..., 0])
    academy = next(iv for iv in states["A"][1] if iv.name == "promise_academy")
    won = (states["A"][0].reached_by & (1 << academy.bit)) > 0
    score = {arm: ch.env[..., 0] for arm, (ch, _) in states.items()}
    inter = score["AB"] - score["A"] - score["B"] + score["0"]
    group = same & won & (ch0.age >= 72)
    barrier = ch0.barrier_months > 0
    return (np.array([inter[r][group[r] & barrier[r]].mean() for r in range(len(inter))]),
            np.array([inter[r][group[r] & ~barrier[r]].mean() for r in range(len(inter))]))


def test_the_whole_pipeline_gives_seat_winners_with_barriers_more_than_its_parts():
    """At the top of barrier_strength's range, winners of a Promise Academy seat who carry a
    barrier gain more from the whole pipeline than from its school and community parts
    added up, beyond noise (the community programmes manage the barriers the school leaves);
    with barriers switched off the interaction is within noise."""
    top_with, _ = _pipeline_arms(0.5)
    assert beyond_noise(top_with)
    zero_with, _ = _pipeline_arms(0.0)
    assert within_noise(zero_with, scale=abs(top_with.mean()))
