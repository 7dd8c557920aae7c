"""The sourced pathways of development (docs/ODD.md 7.8, issue 19): each mechanism changes
results when on, changes nothing at its off value (inside its registered range), and
moves them in the sourced direction.

Each test is a virtual trial inside the development process: copies of one settled
state, the same draws, one thing changed between arms (support given or not, the
families' stress or housing pressure raised or not), and the children's scores
compared. Directions only, never a tuned number.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

from configs.compose import compose_run_config
from sim.model import PlaceModel
from sim.processes import development
from sim.params import Development, Families, Indicators
from sim.registry import entries

SEEDS = [100, 101, 102]
SMALL = ["place=pembury"]
SUPPORT_MONTHS = 6         # an episode of learning support for the under-3s
AFTER_MONTHS = 18          # then none


@pytest.fixture(scope="module")
def settled():
    """A Pembury state after a year, and the run configuration it came from."""
    rc = compose_run_config(SMALL)
    model = PlaceModel(rc.place, rc.model, rc.england, SEEDS)
    for _ in range(12):
        model.step()
    return rc, model, copy.deepcopy(model.state)


def spec(name: str):
    """The registered spec of model.development.<name>."""
    return next(e.spec for e in entries(Development()) if e.name == name)


def with_development(rc, **changes):
    model = copy.deepcopy(rc.model)
    for name, value in changes.items():
        setattr(model.development, name, value)
    return model


def support_trial(settled, domain, **changes):
    """Scores (R, C) in `domain` (0 learning, 1 health) of the same children with and
    without an episode of support in that domain, at its end and AFTER_MONTHS later,
    and the cohort mask (children under 30 months at the start, who stay in the under-5
    band throughout)."""
    rc, model, start = settled
    params = with_development(rc, **changes)
    rules = development.rules(params)
    cohort = start.children.alive & (start.children.age < 30)
    out = {}
    for arm, effect in (("none", 0.0), ("supported", 0.02)):
        st = copy.deepcopy(start)
        st.children.support_boost[:] = 0.0      # no fading gains from before: arms and settings start equal
        scores = []
        for month in range(13, 13 + SUPPORT_MONTHS + AFTER_MONTHS):
            during = month < 13 + SUPPORT_MONTHS
            st.child_support[:] = 0.0
            st.child_support[..., 0, domain] = effect if during else 0.0
            st.family_supported_now[:] = during
            st.new_children = ()
            development.step(st, rules, development.milestone_rules(st, params), model.streams, month)
            if month in (12 + SUPPORT_MONTHS, 12 + SUPPORT_MONTHS + AFTER_MONTHS):
                scores.append(st.children.score()[..., domain].copy())
        out[arm] = scores
    at_end = out["supported"][0] - out["none"][0]
    later = out["supported"][1] - out["none"][1]
    return at_end, later, cohort


@pytest.mark.parametrize("domain, name, other", [(0, "support_persistent_share", "support_persistent_share_other"),
                                                 (1, "support_persistent_share_other", "support_persistent_share")])
def test_support_gains_fade_toward_a_persistent_share(settled, domain, name, other):
    """With a persistent share below 1 the gain at the end of support is the same (the
    episode's effect is the end-of-programme effect, Camilli et al. 2010) but less of it
    is left a year and a half on (Li et al. 2020; Bailey et al. 2017); at share 1 the
    fade-out rate changes nothing, and the other domains' share changes nothing here."""
    share = spec(name)
    fade = spec("support_fadeout")
    assert share.low <= 1.0 <= share.high                # the off value is a plausible one
    end_off, later_off, cohort = support_trial(settled, domain, **{name: 1.0, "support_fadeout": fade.low})
    end_off2, later_off2, _ = support_trial(settled, domain, **{name: 1.0, "support_fadeout": fade.high,
                                                                other: spec(other).low})
    assert np.array_equal(end_off, end_off2) and np.array_equal(later_off, later_off2)
    end_on, later_on, _ = support_trial(settled, domain, **{name: share.low, "support_fadeout": fade.high})
    assert np.array_equal(end_on, end_off)               # the same gain while support lasts
    gain_end = np.array([end_off[r][cohort[r]].mean() for r in range(len(SEEDS))])
    kept_off = np.array([later_off[r][cohort[r]].mean() for r in range(len(SEEDS))])
    kept_on = np.array([later_on[r][cohort[r]].mean() for r in range(len(SEEDS))])
    assert (gain_end > 0).all()
    assert (kept_on < kept_off).all()
    assert (kept_on >= -1e-12).all()                     # it fades, it never turns into a loss


def family_trial(settled, raise_field: str, by: float, **changes):
    """Health scores (R, C) of the same children after two years, with the families'
    `raise_field` (stress or housing) as it is and raised by `by`, held so each month."""
    rc, model, start = settled
    params = with_development(rc, **changes)
    rules = development.rules(params)
    out = []
    for shift in (0.0, by):
        st = copy.deepcopy(start)
        held = getattr(st.families, raise_field) + shift
        for month in range(13, 37):
            getattr(st.families, raise_field)[:] = held
            st.new_children = ()
            development.step(st, rules, development.milestone_rules(st, params), model.streams, month)
        out.append(st.children.score()[..., 1])
    alive = start.children.alive
    return np.array([(out[1] - out[0])[r][alive[r]].mean() for r in range(len(SEEDS))]), out


@pytest.mark.parametrize("field, name, by", [("stress", "health_stress_effect", 0.3),
                                             ("housing", "health_housing_effect", 1.0)])
def test_family_stress_and_housing_act_on_child_health(settled, field, name, by):
    """Children in more stressed or more crowded homes grow less healthy (Shonkoff et
    al. 2012; Harker 2006); at 0 the health score does not see either."""
    entry = spec(name)
    assert entry.low == 0.0
    on, _ = family_trial(settled, field, by, **{name: entry.high})
    assert (on < 0).all()
    off, (as_is, raised) = family_trial(settled, field, by, **{name: 0.0})
    assert np.array_equal(as_is, raised)


def test_only_the_housing_half_of_the_barriers_score_presses_on_families():
    """The IMD's barriers domain is half housing (overcrowding, homelessness,
    affordability) and half distance to services (Noble et al. 2008): at the index's
    weight 0.5 a place's high score presses on its families half as much as when the
    whole score is read as housing (share 1, the rule before), and its families are
    less stressed; in a place at the England mean the share changes nothing."""
    entry = next(e.spec for e in entries(Families()) if e.name == "housing_indicator_share")
    assert entry.low <= 0.5 and entry.high == 1.0

    def place(share, housing):
        rc = compose_run_config(SMALL + [f"model.families.housing_indicator_share={share}",
                                         f"place.indicators.housing={housing}"])
        model = PlaceModel(rc.place, rc.model, rc.england, SEEDS)
        return model.state

    half, whole = place(0.5, 60.0), place(1.0, 60.0)
    assert (whole.place.housing_mean > 0).all()
    np.testing.assert_allclose(half.place.housing_mean, 0.5 * whole.place.housing_mean, rtol=1e-12)
    assert half.families.housing.mean() < whole.families.housing.mean()
    assert half.families.stress.mean() < whole.families.stress.mean()
    mean = Indicators().housing
    assert np.array_equal(place(0.5, mean).families.housing, place(1.0, mean).families.housing)
