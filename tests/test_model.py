"""The model's structure: a state with no placeholders, and a month that is MONTH in order."""
from __future__ import annotations

import dataclasses

import numpy as np

from sim.model import MONTH, PlaceModel


def unset_fields(obj, path: str) -> list[str]:
    """Every field of a dataclass (and of the dataclasses it holds) that is None."""
    out = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            out.append(f"{path}.{f.name}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            out += unset_fields(value, f"{path}.{f.name}")
    return out


def test_every_field_of_the_state_exists_from_the_start_and_stays(compose_small):
    """No process hands the next one a placeholder: every field is built with the state
    (sim.place.build_state), and a month overwrites or replaces it, never unsets it."""
    run = compose_small("scenario=core_team")
    model = PlaceModel(run.place, run.model, run.england, [0, 1], run.interventions())
    assert unset_fields(model.state, "state") == []
    before = {f.name: getattr(model.state.flows, f.name) for f in dataclasses.fields(model.state.flows)}
    model.step()
    assert unset_fields(model.state, "state") == []
    # Each month's flows are new arrays: the collector keeps last month's as they were.
    assert all(getattr(model.state.flows, name) is not value for name, value in before.items())


def test_a_month_runs_the_processes_of_MONTH_in_order_once_each(compose_small):
    run = compose_small()
    model = PlaceModel(run.place, run.model, run.england, [0])
    ran = []

    def recorded(process):
        def run_and_record(m, month):
            ran.append((process.name, month))
            process.run(m, month)
        return run_and_record

    model.schedule = tuple(p._replace(run=recorded(p)) for p in model.schedule)
    model.step()
    model.step()
    names = [p.name for p in MONTH]
    assert len(set(names)) == len(names)
    assert ran == [(name, 1) for name in names] + [(name, 2) for name in names]
    assert len(model.datacollector.model_vars["children"]) == 3      # month 0, 1 and 2


def test_the_place_lookups_are_read_only(compose_small):
    """Built once with the place and read every month: a process cannot change them."""
    run = compose_small()
    ps = PlaceModel(run.place, run.model, run.england, [0]).state.place
    lookups = [*vars(ps.layout).values(), ps.school_levels, ps.school_level_count, ps.exclusion_factor]
    assert all(isinstance(a, np.ndarray) and not a.flags.writeable for a in lookups)
