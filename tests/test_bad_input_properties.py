"""Property-based tests of bad input (issue 20), with Hypothesis: intervention settings
drawn from every class's declarations and beyond them build or give one clean line
naming the key; plausible settings, and plausible registry values, run with finite
results; any registry value composes or gives one clean line.

CI runs a modest number of examples; a longer job multiplies them:
    PLACESIM_PROPERTY_SCALE=20 python -m pytest -n 0 tests/test_bad_input_properties.py
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analysis import results as R  # noqa: E402

IV = "scenario.interventions"


def _tiny_run():
    from configs.compose import compose_run_config

    return compose_run_config(["place.population=600", "place.homes=250"])

SCALE = max(1, int(os.environ.get("PLACESIM_PROPERTY_SCALE", "1")))


def _examples(n: int):
    return settings(max_examples=n * SCALE, deadline=None, database=None, derandomize=SCALE == 1,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _settable(cls) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if not f.name.startswith("_") and f.name != "name"]


def _any_value(f: dataclasses.Field):
    """A value for a field: inside its hard limits, outside them, or of the wrong kind."""
    spec = f.metadata.get("spec")
    wrong = st.one_of(st.just(float("nan")), st.just(float("inf")), st.just(-float("inf")), st.booleans(),
                      st.text(max_size=4), st.lists(st.floats(allow_nan=False), max_size=2), st.none(),
                      st.integers(-10**6, 10**6), st.floats(-1e300, 1e300))
    if spec is None:
        return st.one_of(st.just(f.default), wrong)
    lo = spec.hard_low if spec.hard_low is not None else -1e6
    hi = spec.hard_high if spec.hard_high is not None else max(1e6, 10 * (spec.high or 1))
    inside = st.floats(lo, hi, allow_nan=False)
    return st.one_of(inside, st.integers(int(np.ceil(lo)), int(np.floor(hi))), wrong)


def _plausible_value(f: dataclasses.Field):
    spec = f.metadata.get("spec")
    if spec is None or spec.low is None or spec.high is None:
        return st.just(f.default)
    if isinstance(f.default, int) and not isinstance(f.default, bool):
        return st.integers(int(np.ceil(spec.low)), int(np.floor(spec.high)))
    return st.floats(spec.low, spec.high, allow_nan=False)


@st.composite
def intervention_settings(draw, value=_any_value):
    from sim.interventions import KINDS

    kind = draw(st.sampled_from(sorted(KINDS)))
    fields = draw(st.lists(st.sampled_from(_settable(KINDS[kind])), max_size=4, unique_by=lambda f: f.name))
    return kind, {f.name: draw(value(f)) for f in fields}


@given(intervention_settings())
@_examples(150)
def test_property_any_intervention_setting_builds_or_is_one_clean_line(case):
    import typing

    from sim.interventions import KINDS, InterventionError, build
    from sim.registry import field_problem

    kind, settings_ = case
    cls = KINDS[kind]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    invalid = [k for k, v in settings_.items() if field_problem(k, v, fields[k], hints[k])]
    try:
        build("x", kind, settings_)
    except InterventionError as exc:
        text = str(exc)
        assert "\n" not in text and text.startswith(f"{IV}.x"), text
        if invalid:
            assert text.startswith(f"{IV}.x.{invalid[0]}="), text      # the first bad key is named
    else:
        assert not invalid, f"accepted {settings_}"


@given(intervention_settings(value=_plausible_value), st.integers(0, 2**20))
@_examples(12)
def test_property_plausible_interventions_run_with_finite_results(case, seed):
    from configs.compose import ConfigError, ScenarioSpec, build_interventions, check_hosting
    from sim.run import simulate

    kind, settings_ = case
    spec = ScenarioSpec(name="p", interventions={"x": {"kind": kind, **settings_}})
    run = _tiny_run()
    try:
        check_hosting(run.place, build_interventions(spec), run.model)
    except ConfigError as exc:                  # e.g. hour shares above 1, or a pilot's missing partner
        assert "\n" not in str(exc) and str(exc).startswith(f"{IV}.x")
        return
    result = simulate(run.place, run.model, run.england, [seed], 24,
                      interventions=lambda: build_interventions(spec))
    assert R.nonfinite({"timeseries": result.timeseries, "milestones": result.milestones,
                        "network": result.network}) is None


@st.composite
def registry_overrides(draw):
    """One to three place/model registry keys, each inside its plausible range, inside its
    hard limits, beyond them, or not a number."""
    from configs.compose import Config
    from sim.registry import entries

    rows = [e for e in entries(Config()) if e.name.startswith(("model.", "place."))
            and not isinstance(e.value, bool) and isinstance(e.value, (int, float))]
    chosen = draw(st.lists(st.sampled_from(rows), min_size=1, max_size=3, unique_by=lambda e: e.name))
    out, plausible = [], True
    for e in chosen:
        s = e.spec
        options = [st.just("nan"), st.just("inf"), st.just("abc"), st.just("true")]
        if s.low is not None and s.high is not None:
            options.append(st.floats(s.low, s.high).map(repr))
        if s.hard_low is not None:
            options.append(st.just(repr(s.hard_low - 1)))
        if s.hard_high is not None:
            options.append(st.just(repr(s.hard_high + 1)))
        value = draw(st.one_of(*options))
        if isinstance(e.value, int) and value[0].isdigit():
            value = str(int(float(value)))
        try:
            plausible &= s.low is not None and s.high is not None and s.low <= float(value) <= s.high
        except ValueError:
            plausible = False
        out.append(f"{e.name}={value}")
    return out, plausible


@given(registry_overrides(), st.integers(0, 2**20))
@_examples(10)
def test_property_registry_values_compose_to_one_clean_line_or_a_finite_run(case, seed):
    from configs.compose import ConfigError, compose_run_config
    from sim.run import simulate

    overrides, plausible = case
    try:
        run = compose_run_config(["place.population=600", "place.homes=250", *overrides])
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc).split("=")[0].split(":")[0].strip(), str(exc)
        return
    result = simulate(run.place, run.model, run.england, [seed], 12)
    problem = R.nonfinite({"timeseries": result.timeseries, "network": result.network})
    if plausible:
        assert problem is None, (overrides, problem)
    else:                                   # beyond the plausible range: finite, or one line when written
        assert problem is None or "\n" not in problem
