"""The collector records what the named reporters say about the model each month."""
from __future__ import annotations

import numpy as np

from sim.model import PlaceModel
from sim.reporters import REPORTERS, STAGE_INPUTS, stage, stage_from


def test_every_collected_value_is_its_reporter_applied_to_the_model(compose_small):
    """Including `stage`, which the collector works out from the indicators it has just
    collected rather than computing them twice."""
    run = compose_small("scenario=core_team")
    model = PlaceModel(run.place, run.model, run.england, [0, 1, 2], run.interventions())
    for _ in range(12):
        model.step()
        for name, reporter in REPORTERS.items():
            np.testing.assert_array_equal(model.datacollector.model_vars[name][-1], reporter(model),
                                          err_msg=name)


def test_records_of_earlier_months_stay_as_collected(compose_small):
    """The collector keeps each reporter's array without a copy, so no reporter may hand
    it an array that the model changes later: a month's records, copied when collected,
    must still be the same after a year more of a scenario that acts on everything."""
    run = compose_small("scenario=core_team")
    model = PlaceModel(run.place, run.model, run.england, [0, 1], run.interventions())
    snapshots = []
    for _ in range(3):
        model.step()
        snapshots.append({name: values[-1].copy() for name, values in model.datacollector.model_vars.items()})
    for _ in range(12):
        model.step()
    for month, snapshot in enumerate(snapshots, start=1):
        for name, value in snapshot.items():
            np.testing.assert_array_equal(model.datacollector.model_vars[name][month], value,
                                          err_msg=f"{name}, month {month}")


def test_stage_climbs_only_when_every_condition_of_the_next_holds():
    low = {name: np.array([0.0, 1.0, 1.0]) for name in STAGE_INPUTS}
    low["infrastructure"] = np.array([0.0, 0.0, 1.0])
    np.testing.assert_array_equal(stage_from(low), [1, 2, 4])
    assert stage is REPORTERS["stage"]


def test_organisation_indicators_match_their_definitions(compose_small):
    """The compiled pass (sim.kernels.indicators) against the indicators written out in
    NumPy: counts exactly, means to rounding (the kernel sums in a fixed order)."""
    from sim.reporters import REPORTERS as R

    run = compose_small("scenario=core_team")
    model = PlaceModel(run.place, run.model, run.england, [0, 1], run.interventions())
    for _ in range(14):
        model.step()
    st, og = model.state, model.state.orgs
    s = st.strength
    members = og.active & ~og.neutral[None, :]
    per_member = np.maximum(members.sum(axis=1), 1)

    def mean_over(values):
        return (values * members).sum(axis=1) / per_member

    pairs = members[:, :, None] & members[:, None, :]
    assert (s > 0).any() and members.any()
    np.testing.assert_array_equal(
        R["tie_density"](model),
        ((s > 0) & pairs).sum(axis=(1, 2)) / np.maximum(pairs.sum(axis=(1, 2)) - members.sum(axis=1), 1))
    np.testing.assert_array_equal(R["organisations_engaged"](model),
                                  ((og.engagement > 0.5) & members).sum(axis=1))
    np.testing.assert_array_equal(R["champions_share"](model), mean_over(og.champion))
    expected = {
        "mean_tie_strength": (s * (s > 0)).sum(axis=(1, 2)) / np.maximum((s > 0).sum(axis=(1, 2)), 1),
        "partner_engagement": mean_over(og.engagement),
        "shared_purpose": mean_over(og.alignment),
        "infrastructure": mean_over(og.hardwired),
        "capacity": mean_over(og.engagement * (0.5 + 0.5 * og.champion)),
        "relationships": 0.8 * mean_over(np.minimum(s.sum(axis=2) / 3.0, 1.0)) + 0.2 * st.voice,
    }
    for name, value in expected.items():
        np.testing.assert_allclose(R[name](model), value, rtol=1e-12, atol=1e-15, err_msg=name)
    assert R["organisations_engaged"](model).dtype == np.int64


def test_family_indicators_match_their_definitions(compose_small):
    """The family reporters' compiled pass against NumPy: counts and shares exactly,
    means to rounding (the kernel sums in family order, NumPy pairwise)."""
    from sim.reporters import REPORTERS as R

    run = compose_small()
    model = PlaceModel(run.place, run.model, run.england, [0, 1])
    for _ in range(7):
        model.step()
    ch, fa = model.state.children, model.state.families
    children = ch.alive.sum(axis=1)
    np.testing.assert_array_equal(R["children"](model), children)
    np.testing.assert_array_equal(R["population"](model), children + fa.adults.sum(axis=1))
    assert R["population"](model).dtype == np.int64
    for name, flags in (("share_in_need", fa.in_need), ("workless_share", fa.workless),
                        ("norm_adoption", fa.norm)):
        np.testing.assert_array_equal(R[name](model), flags.mean(axis=1), err_msg=name)
    for name, values in (("mean_stress", fa.stress), ("mean_debt", fa.debt),
                         ("mean_home_learning", fa.home_learning), ("mean_trust", fa.trust)):
        np.testing.assert_allclose(R[name](model), values.mean(axis=1), rtol=1e-12, atol=1e-15,
                                   err_msg=name)
    assert 0 < fa.workless.mean() < 1 and fa.stress.std() > 0
