"""Configuration: every preset composes and builds a model; the parameter registry is
complete and consistent; the seed tables are verbatim; user mistakes are one line."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from conftest import CONFIGS, SHARED_DATA

GROUPS = sorted(d.name for d in CONFIGS.iterdir()
                if d.is_dir() and d.name != "data" and any(d.glob("*.yaml")))
PRESETS = [(g, p.stem) for g in GROUPS for p in sorted((CONFIGS / g).glob("*.yaml"))]
PLACES = sorted(p.stem for p in (CONFIGS / "place").glob("*.yaml"))


def _interventions(resolved):
    """The scenario's interventions when the config layer knows scenarios, else none."""
    make = getattr(resolved, "interventions", None)
    return make() if callable(make) else ()


def test_the_expected_groups_exist():
    assert "place" in GROUPS
    assert {"pembury", "wallsend", "smallshaw_hurst", "synthetic"} <= set(PLACES)


@pytest.mark.parametrize("group,name", PRESETS, ids=[f"{g}={n}" for g, n in PRESETS])
def test_every_preset_composes_builds_and_steps(group, name):
    from configs.compose import compose_run_config
    from sim.model import PlaceModel

    overrides = [f"{group}={name}", "run.replicates=1"]
    # a scenario written for one place ("as_it_happened_<place>") is run with that place
    if group != "place":
        for place in PLACES:
            if name.endswith("_" + place):
                overrides.append(f"place={place}")
    resolved = compose_run_config(overrides)
    section = getattr(resolved.config, group)
    if hasattr(section, "name"):
        assert section.name == name, f"{group}/{name}.yaml names itself {section.name!r}"
    model = PlaceModel(resolved.place, resolved.model, resolved.england, resolved.seeds[:1],
                       _interventions(resolved))
    children = int(model.state.children.alive.sum())
    model.step()
    assert model.month == 1
    assert model.state.children.alive.sum() > 0 and children > 0
    assert len(model.datacollector.model_vars["children"]) == 2     # month 0 and month 1


@pytest.mark.parametrize("place", PLACES)
def test_place_presets_sit_inside_the_plausible_ranges(place):
    from configs.compose import compose_run_config, plausibility_warnings

    resolved = compose_run_config([f"place={place}"])
    assert plausibility_warnings(resolved.config) == []


def test_place_presets_differ_from_the_default():
    from configs.compose import compose_run_config

    pembury = compose_run_config(["place=pembury"]).place
    wallsend = compose_run_config(["place=wallsend"]).place
    assert (pembury.population, pembury.homes) == (2400, 1250)      # seed 003, as the YAML cites
    assert wallsend.primary_schools == 13 and wallsend.secondary_schools == 2
    assert wallsend.share_in_need == pytest.approx(0.227)


# -- the registry -----------------------------------------------------------------------------

def _registry():
    from configs.compose import Config
    from sim.registry import entries

    rows = list(entries(Config()))
    try:
        from sim.interventions import KINDS
    except ImportError:
        KINDS = {}
    for kind, cls in KINDS.items():
        for f in dataclasses.fields(cls):
            if "spec" in f.metadata:
                default = None if f.default is dataclasses.MISSING else f.default
                rows.append(type(rows[0])(f"interventions.{kind}.{f.name}", default, f.metadata["spec"]))
    return rows


REGISTRY = _registry()


def _numeric(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def test_registry_is_not_empty():
    names = {e.name for e in REGISTRY}
    assert len(names) == len(REGISTRY)                 # names are unique
    assert {"place.population", "model.ties.decay", "model.development.cross_domain",
            "run.years", "seed"} <= names


@pytest.mark.parametrize("entry", REGISTRY, ids=[e.name for e in REGISTRY])
def test_every_parameter_has_unit_range_and_source(entry):
    s = entry.spec
    assert isinstance(s.unit, str) and s.unit.strip(), "no unit"
    assert isinstance(s.source, str) and s.source.strip(), "no source"
    assert isinstance(s.doc, str) and s.doc.strip(), "no description"
    if s.low is not None and s.high is not None:
        assert s.low <= s.high, f"plausible range [{s.low}, {s.high}] is empty"
    if _numeric(entry.value):
        if s.low is not None:
            assert s.low <= entry.value, f"default {entry.value} below plausible low {s.low}"
        if s.high is not None:
            assert entry.value <= s.high, f"default {entry.value} above plausible high {s.high}"
        if s.hard_low is not None:
            assert s.hard_low <= entry.value
        if s.hard_high is not None:
            assert entry.value <= s.hard_high
    # the plausible range lies inside the hard limits
    if s.hard_low is not None and s.low is not None:
        assert s.hard_low <= s.low
    if s.hard_high is not None and s.high is not None:
        assert s.high <= s.hard_high


def test_every_numeric_field_is_registered():
    """No number escapes the registry: every int or float field of the params
    dataclasses (and of the interventions) declares its unit, range and source."""
    import sim.params as P
    from configs.compose import RunSettings

    classes = [c for c in vars(P).values() if isinstance(c, type) and dataclasses.is_dataclass(c)]
    classes.append(RunSettings)
    try:
        from sim.interventions import KINDS
        classes += list(KINDS.values())
    except ImportError:
        pass
    numeric = {"int", "float", "Optional[float]", "Optional[int]", "float | None", "int | None", int, float}
    missing = [f"{c.__name__}.{f.name}" for c in classes for f in dataclasses.fields(c)
               if f.type in numeric and "spec" not in f.metadata and not f.name.startswith("_")]
    assert missing == []


def test_indicator_defaults_are_the_table1_means():
    from sim.params import Indicators
    from sim.registry import entries

    table = pd.read_csv(CONFIGS / "data" / "seed004_table1_indicators.csv").set_index("indicator")
    ind = Indicators()
    specs = {e.name: e.spec for e in entries(ind)}
    assert set(specs) == set(table.index)
    for name, row in table.iterrows():
        assert getattr(ind, name) == pytest.approx(row["mean"], abs=1e-9), name
        # and the plausible range is Table 1's range across LSOAs
        assert specs[name].low == pytest.approx(row["min"]) and specs[name].high == pytest.approx(row["max"]), name


def test_the_config_layer_reads_table1_as_given():
    from configs.evidence import table1
    from sim.synthetic import INDICATORS

    table = pd.read_csv(CONFIGS / "data" / "seed004_table1_indicators.csv").set_index("indicator")
    t = table1()
    for i, name in enumerate(INDICATORS):
        assert (t.mean[i], t.sd[i], t.min[i], t.max[i]) == tuple(table.loc[name, ["mean", "sd", "min", "max"]])


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present")
@pytest.mark.parametrize("name", sorted(p.name for p in (CONFIGS / "data").glob("seed004_*.csv")))
def test_data_tables_are_verbatim_copies_of_shared_data(name):
    """Seed 004's tables are the shared data's, byte for byte (other tables in configs/data,
    such as seed 003's headline counts, are read from the seed's text, a line cited per row)."""
    ours = (CONFIGS / "data" / name).read_bytes()
    shared = SHARED_DATA / name
    assert shared.exists(), f"{name} has no counterpart in {SHARED_DATA}"
    assert ours == shared.read_bytes()


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present")
def test_every_shared_table_is_in_configs_data():
    shared = {p.name for p in SHARED_DATA.glob("*.csv")}
    ours = {p.name for p in (CONFIGS / "data").glob("*.csv")}
    assert shared <= ours


# -- one-line errors --------------------------------------------------------------------------

def _error(overrides: list[str]) -> str:
    from configs.compose import ConfigError, compose_run_config

    with pytest.raises(ConfigError) as info:
        compose_run_config(overrides)
    message = str(info.value)
    assert "\n" not in message.strip(), f"not one line: {message!r}"
    assert "Traceback" not in message
    return message


def test_unknown_key_is_one_line_naming_it():
    msg = _error(["foo.bar=1"])
    assert "foo" in msg and "unknown" in msg
    msg = _error(["place.populaton=600"])
    assert "place.populaton" in msg and "unknown" in msg


def test_bad_type_is_one_line_naming_key_value_and_type():
    msg = _error(["place.population=abc"])
    assert "place.population" in msg and "abc" in msg and "int" in msg
    msg = _error(["model.ties.decay=fast"])
    assert "model.ties.decay" in msg and "fast" in msg and "float" in msg


def test_missing_preset_lists_the_choices():
    msg = _error(["place=nowhere"])
    assert "place" in msg and "nowhere" in msg
    for place in PLACES:
        assert place in msg


@pytest.mark.parametrize("override,key", [
    ("place.population=-5", "place.population"),
    ("place.homes=0", "place.homes"),
    ("place.primary_schools=-1", "place.primary_schools"),
    ("run.replicates=0", "run.replicates"),
    ("run.years=0", "run.years"),
])
def test_negative_or_zero_sizes_are_refused(override, key):
    msg = _error([override])
    assert key in msg and override.split("=")[1] in msg and "allowed" in msg


def test_out_of_range_probability_is_refused():
    msg = _error(["model.ties.decay=2"])
    assert "model.ties.decay" in msg and "[0.0, 1.0]" in msg


def test_more_homes_than_people_is_refused():
    msg = _error(["place.population=600", "place.homes=700"])
    assert "place.homes" in msg and "place.population" in msg


def test_good_overrides_reach_the_typed_params():
    from configs.compose import compose_run_config

    r = compose_run_config(["place=wallsend", "place.population=3000", "place.homes=1300",
                            "model.ties.decay=0.03", "seed=7", "run.replicates=3"])
    assert (r.place.name, r.place.population, r.place.homes) == ("wallsend", 3000, 1300)
    assert r.model.ties.decay == 0.03
    assert r.seeds == [7, 8, 9]


def test_bad_boolean_says_what_is_allowed():
    msg = _error(["run.plots=maybe"])
    assert "run.plots" in msg and "maybe" in msg and "bool" in msg.lower()


def test_plus_prefixed_unknown_key_is_refused():
    msg = _error(["+model.ties.decayy=0.5"])
    assert "model.ties.decayy" in msg
