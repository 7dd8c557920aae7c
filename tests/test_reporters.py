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


def test_stage_climbs_only_when_every_condition_of_the_next_holds():
    low = {name: np.array([0.0, 1.0, 1.0]) for name in STAGE_INPUTS}
    low["infrastructure"] = np.array([0.0, 0.0, 1.0])
    np.testing.assert_array_equal(stage_from(low), [1, 2, 4])
    assert stage is REPORTERS["stage"]
