"""Norms with a restoring force (issue 18; docs/ODD.md 7.7): which regime a place is in
follows from its parameters, and each regime shows what it should.

- A place without intervention is stationary: norm adoption does not drift over 30
  years (the norms settle by their own rule before the start).
- In a bistable regime a weak push fades and a strong one stays after it ends.
- In a monostable regime (a strong restoring force) even a strong push fades.
- A committed minority tips a bistable place above some share, and not below it.

Pembury, paired seeds (common random numbers); every parameter and intervention setting
a test uses lies inside its registered plausible range (sim.registry), checked here.
"""
from __future__ import annotations

import numpy as np

from configs.compose import build_interventions, compose_run_config, load_scenario
from sim.registry import outside_plausible
from sim.run import simulate

SEEDS = [300, 301, 302, 303, 304, 305]
# Saturation can tip: high thresholds, which saturation lowers much (both in range).
SATURATION_TIPS = ["model.norms.threshold_mean=0.8", "model.norms.saturation_lowering=0.8"]
# A restoring force strong against the peers' pull: holders lapse quickly.
QUICK_LAPSES = ["model.norms.lapse=0.05"]
HIGH = 0.3     # a tipped place holds the norm this much more than it would have


def _run(overrides, scenario="baseline", years=15, seeds=SEEDS, changes=None):
    """The timeseries of a Pembury run; first checks every value is in its plausible range."""
    rc = compose_run_config(["place=pembury", f"scenario={scenario}"] + list(overrides))
    spec = rc.config.scenario
    for name in changes or {}:
        spec.interventions[name].update(changes[name])
    assert outside_plausible(rc.model, "model.") == []
    for intervention in build_interventions(spec):
        assert outside_plausible(intervention) == [], intervention.name
    return simulate(rc.place, rc.model, rc.england, seeds, 12 * years,
                    interventions=lambda: build_interventions(spec), network_every=0).timeseries


def _adoption(ts, first_year, last_year) -> np.ndarray:
    """Per-seed mean norm adoption over months 12 (first_year - 1) + 1 .. 12 last_year."""
    window = ts[(ts["month"] > 12 * (first_year - 1)) & (ts["month"] <= 12 * last_year)]
    return window.groupby("seed")["norm_adoption"].mean().to_numpy()


def _se(diff: np.ndarray) -> float:
    return float(diff.std(ddof=1) / np.sqrt(len(diff)))


def _beyond_noise(diff: np.ndarray) -> bool:
    return diff.mean() > 2 * _se(diff) and diff.mean() > 0


def _back(diff: np.ndarray) -> bool:
    """Within noise of where the place would have been (or within one point of it)."""
    return abs(diff.mean()) <= max(2 * _se(diff), 0.01)


def _hcz_for_five_years(intensity: float) -> dict:
    return {name: {"end_year": 5, "intensity": intensity}
            for name in load_scenario("hcz_saturation").interventions}


def _champions(share: float) -> dict:
    return {"champions": {"share": share, "end_year": 5}}


def test_a_place_without_intervention_does_not_drift():
    """Over 30 years with no intervention, norm adoption in the last five years is within
    noise (or 1.5 points) of the first five: no ratchet, no slow climb from the start."""
    ts = _run([], years=30, seeds=SEEDS[:4])
    drift = _adoption(ts, 26, 30) - _adoption(ts, 1, 5)
    assert abs(drift.mean()) <= max(2 * _se(drift), 0.015), drift
    # Not stationary because nothing moves: families adopt and give up every year.
    yearly = ts.groupby([ts["month"] // 12, "seed"])["norm_adoption"].mean().unstack()
    assert (yearly.std(axis=0) > 0).all()


def test_in_a_bistable_regime_a_weak_push_fades_and_a_strong_push_stays():
    """Five years of HCZ-style saturation at a third of its intensity raise adoption, which
    falls back within ten years of the end; at full intensity the place tips and stays."""
    base = _run(SATURATION_TIPS)
    weak = _run(SATURATION_TIPS, "hcz_saturation", changes=_hcz_for_five_years(0.3))
    strong = _run(SATURATION_TIPS, "hcz_saturation", changes=_hcz_for_five_years(1.0))
    assert _beyond_noise(_adoption(weak, 3, 5) - _adoption(base, 3, 5))
    assert _back(_adoption(weak, 14, 15) - _adoption(base, 14, 15))
    stays = _adoption(strong, 14, 15) - _adoption(base, 14, 15)
    assert _beyond_noise(stays) and stays.mean() > HIGH


def test_in_a_monostable_regime_even_a_strong_push_fades():
    """With quick lapses no high state holds: the largest committed minority in range
    lifts adoption far while it lasts, and ten years later the place is back. The same
    push at the default lapse rate stays (the regime is what differs)."""
    base = _run(QUICK_LAPSES)
    pushed = _run(QUICK_LAPSES, "committed_minority", changes=_champions(0.3))
    during = _adoption(pushed, 4, 5) - _adoption(base, 4, 5)
    assert _beyond_noise(during) and during.mean() > HIGH
    assert _back(_adoption(pushed, 14, 15) - _adoption(base, 14, 15))
    default_base = _run([])
    default_pushed = _run([], "committed_minority", changes=_champions(0.3))
    stays = _adoption(default_pushed, 14, 15) - _adoption(default_base, 14, 15)
    assert _beyond_noise(stays) and stays.mean() > HIGH


def test_a_committed_minority_tips_a_bistable_place_above_some_share_only():
    """At default parameters Pembury is bistable: five years of a quarter of families
    committed leave it in the high state ten years later; a tenth lifts adoption while
    it lasts but the place falls back."""
    base = _run([])
    small = _run([], "committed_minority", changes=_champions(0.1))
    large = _run([], "committed_minority", changes=_champions(0.25))
    assert _beyond_noise(_adoption(small, 4, 5) - _adoption(base, 4, 5))
    assert _back(_adoption(small, 14, 15) - _adoption(base, 14, 15))
    stays = _adoption(large, 14, 15) - _adoption(base, 14, 15)
    assert _beyond_noise(stays) and stays.mean() > HIGH


def test_the_committed_homes_hold_the_norm_while_the_programme_runs_and_cost_what_it_says():
    """The programme commits round(share x F) homes per replicate (a run of neighbours when
    clustered), they hold the norm every month it runs, and after it ends nobody is
    committed; its cost is the coordination plus each committed family."""
    from sim.interventions import build
    from sim.model import PlaceModel

    rc = compose_run_config(["place=pembury"])
    for placement in ("spread", "clustered"):
        programme = build("champions", "committed_minority",
                          {"share": 0.1, "placement": placement, "end_year": 1,
                           "monthly_cost": 1000.0, "cost_per_family": 20.0})
        model = PlaceModel(rc.place, rc.model, rc.england, [1, 2], [programme])
        F = model.state.committed.shape[1]
        n = round(0.1 * F)
        for _ in range(12):
            model.step()
            committed = model.state.committed
            assert (committed.sum(axis=1) == n).all()
            assert model.state.families.norm[committed].all()
        if placement == "clustered":
            for row in committed:
                homes = np.flatnonzero(row)
                gaps = np.diff(np.concatenate([homes, [homes[0] + F]]))
                assert (gaps == 1).sum() == n - 1          # one run around the ring
        assert model.monthly_cost(12) == 1000.0 + 20.0 * n
        model.step()
        assert not model.state.committed.any() and model.monthly_cost(13) == 0.0
