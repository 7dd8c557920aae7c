"""Long sweeps keep their memory flat: a finished model is freed at once."""
from __future__ import annotations

import gc
import weakref

import mesa


def test_a_released_model_is_freed_without_waiting_for_the_garbage_collector(small_run):
    from sim.model import PlaceModel

    model = PlaceModel(small_run.place, small_run.model, small_run.england, [0, 1])
    model.step()
    arrays = weakref.ref(model.state.children.env)
    gc.disable()                      # freed by reference counting alone, not by a sweep
    try:
        model.release()
        del model
        assert arrays() is None
    finally:
        gc.enable()


def test_simulate_leaves_no_model_in_mesas_registry(small_run):
    from sim.run import simulate

    before = len(mesa.Agent._ids)
    for seed in range(3):
        simulate(small_run.place, small_run.model, small_run.england, [seed, seed + 10], 3,
                 batch_size=1)
    assert len(mesa.Agent._ids) == before
