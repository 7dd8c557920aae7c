"""Reproducibility: same config and seed give identical tables; a replicate's numbers
do not depend on its batch; random streams are common random numbers; the compiled
kernels draw exactly what sim.rng draws."""
from __future__ import annotations

import os
import subprocess
import sys

import numba as nb
import numpy as np
import pandas as pd
import pytest

from sim.kernels import hashing
from sim.rng import Streams

TABLES = ("timeseries", "milestones", "network", "organisations")
MONTHS = 24


def _assert_same(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def _simulate(run, seeds, months=MONTHS, **kw):
    from sim.run import simulate

    return simulate(run.place, run.model, run.england, seeds, months, **kw)


# -- whole runs -----------------------------------------------------------------------------

def test_same_config_and_seed_give_identical_tables(small_run, short_result):
    again = _simulate(small_run, [0, 1])
    _assert_same(short_result, again)


def test_recomposed_config_gives_identical_tables(compose_small, short_result):
    """Composing the config afresh (a new Hydra session) changes nothing."""
    run = compose_small()
    _assert_same(short_result, _simulate(run, [0, 1]))


def test_different_seeds_give_different_results(small_run, short_result):
    other = _simulate(small_run, [2, 3])
    a = short_result.timeseries.drop(columns=["seed"])
    b = other.timeseries.drop(columns=["seed"])
    # the starting state already differs, and so does what happens month by month
    assert not a.equals(b)
    for col in ("mean_learning", "mean_trust", "mean_stress", "intake"):
        assert not np.array_equal(a[col].to_numpy(), b[col].to_numpy()), col
    # the two replicates of one run differ from each other too
    ts = short_result.timeseries
    r0 = ts[ts.seed == 0]["mean_learning"].to_numpy()
    r1 = ts[ts.seed == 1]["mean_learning"].to_numpy()
    assert not np.array_equal(r0, r1)


def test_replicate_is_bit_identical_whatever_its_batch(small_run):
    seeds = [5, 6, 7]
    one = _simulate(small_run, seeds, batch_size=1)
    three = _simulate(small_run, seeds, batch_size=3)
    two = _simulate(small_run, seeds, batch_size=2)
    _assert_same(one, three)
    _assert_same(one, two)
    # and a replicate run alone equals the same seed run alongside others
    alone = _simulate(small_run, [6])
    for name in ("timeseries", "milestones", "network"):
        full = getattr(three, name)
        part = full[full.seed == 6].reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(alone, name), part, check_exact=True)
    # seeds in any order, and a repeated seed, give one replicate per seed, rows sorted
    shuffled = _simulate(small_run, [7, 5, 6, 7], batch_size=2)
    _assert_same(one, shuffled)
    keys = {"timeseries": ["seed", "month"], "milestones": ["seed", "year", "milestone", "group"],
            "network": ["seed", "month", "source", "target"]}
    for name, by in keys.items():
        table = getattr(shuffled, name)
        assert not table.duplicated(by).any(), name
        pd.testing.assert_frame_equal(table, table.sort_values(by, kind="stable").reset_index(drop=True),
                                      check_exact=True, obj=name)


def test_seed_order_does_not_change_rows(small_run):
    """Rows come back in seed order, so a run of [7, 5] equals a run of [5, 7]."""
    a = _simulate(small_run, [5, 7], months=12)
    b = _simulate(small_run, [7, 5], months=12)
    _assert_same(a, b)


# -- streams: common random numbers ---------------------------------------------------------

def test_stream_unchanged_when_other_streams_are_drawn_in_between():
    s1 = Streams([3, 11])
    first = s1.uniform("families", 5, (40, 2))
    s2 = Streams([3, 11])
    s2.uniform("services.intake", 5, (1000,))
    s2.normal("development.noise", 5, (7, 3))
    s2.uniform("families", 4, (40, 2))
    second = s2.uniform("families", 5, (40, 2))
    np.testing.assert_array_equal(first, second)
    # and drawing it again from the same object gives it again (no hidden state)
    np.testing.assert_array_equal(first, s2.uniform("families", 5, (40, 2)))


def test_streams_are_distinct_by_name_month_and_seed():
    s = Streams([3, 11])
    base = s.uniform("families", 5, (64,))
    assert not np.array_equal(base, s.uniform("norms.abandon", 5, (64,)))
    assert not np.array_equal(base, s.uniform("families", 6, (64,)))
    assert not np.array_equal(base[0], base[1])           # two replicates
    assert ((base > 0) & (base < 1)).all()


def test_a_replicates_draws_do_not_depend_on_the_other_seeds():
    alone = Streams([11]).uniform("demography.families", 9, (30, 3))
    batch = Streams([2, 11, 40]).uniform("demography.families", 9, (30, 3))
    np.testing.assert_array_equal(alone[0], batch[1])


def test_wider_draw_extends_a_narrower_one():
    """Slot s of a stream is the same whatever the width asked for."""
    s = Streams([1, 2])
    narrow = s.uniform("x", 3, (10,))
    wide = s.uniform("x", 3, (50,))
    np.testing.assert_array_equal(narrow, wide[:, :10])


def test_uniform_at_agrees_with_uniform():
    s = Streams([0, 17, 99])
    full = s.uniform("demography.arrivals", 12, (25,))
    rep = np.array([0, 2, 1, 1, 2, 0])
    slot = np.array([0, 24, 3, 17, 7, 12])
    np.testing.assert_array_equal(s.uniform_at("demography.arrivals", 12, rep, slot), full[rep, slot])
    np.testing.assert_array_equal(s.normal_at("demography.arrivals", 12, rep, slot),
                                  s.normal("demography.arrivals", 12, (25,))[rep, slot])


def test_uniforms_at_is_uniform_at_stream_by_stream():
    """The one-call form (a compiled kernel) gives each stream's own numbers."""
    s = Streams([3, 8])
    rep = np.array([1, 0, 1, 0])
    slot = np.array([5, 0, 19, 7])
    names = ["demography.newcomers.z0", "demography.newcomers.u3", "schools.pick"]
    block = s.uniforms_at(names, 7, rep, slot)
    for row, name in zip(block, names):
        np.testing.assert_array_equal(row, s.uniform_at(name, 7, rep, slot))


def test_stream_base_kernel_matches_the_numpy_hash():
    """Streams.base and Streams.bases compute their words in a kernel
    (sim.kernels.hashing.stream_bases_at); check them against the documented hash done
    with NumPy's wrapping uint64 arithmetic."""
    from sim.rng import _GOLDEN, _mix, stream_id

    names = ("families", "services.intake", "ties.form")
    for seeds in ([0, 5, 2**40], list(range(9))):
        s = Streams(seeds)
        for month in (3, -24, 240, 2**20 + 7):
            expected = []
            for name in names:
                salt = np.full(1, (stream_id(name) << 20) ^ (month & 0xFFFFF), dtype=np.uint64)
                expected.append(_mix(s.keys ^ _mix(salt + _GOLDEN)))
                base = s.base(name, month)
                assert base.dtype == np.uint64 and base.shape == (len(seeds),)
                np.testing.assert_array_equal(base, expected[-1])
            np.testing.assert_array_equal(s.bases(list(names), month), np.array(expected))


def test_normal_draws_look_standard_normal():
    z = Streams([4]).normal("test.normal", 0, (20000,))[0]
    assert abs(z.mean()) < 0.05
    assert abs(z.std() - 1.0) < 0.05
    u = Streams([4]).uniform("test.uniform", 0, (20000,))[0]
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert counts.min() > 1800 and counts.max() < 2200


def test_streams_do_not_depend_on_python_hash_seed():
    """Stream ids must not use Python's salted hash(): two processes agree."""
    code = ("from sim.rng import Streams; "
            "print(repr(Streams([5]).uniform('services.intake', 3, (4,)).tolist()))")
    outs = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert len(outs) == 1
    assert repr(Streams([5]).uniform("services.intake", 3, (4,)).tolist()) + "\n" in outs


# -- the compiled kernels draw what sim.rng draws --------------------------------------------

@nb.njit
def _kernel_uniforms(base, width):
    out = np.empty((base.shape[0], width))
    for r in range(base.shape[0]):
        for s in range(width):
            out[r, s] = hashing.uniform(base[r], s)
    return out


@pytest.mark.parametrize("month", [0, 7, -3])
def test_kernel_uniform_matches_streams(month):
    s = Streams([0, 1, 123456])
    width = 257
    expected = s.uniform("services.intake", month, (width,))
    got = _kernel_uniforms(s.base("services.intake", month), width)
    np.testing.assert_array_equal(got, expected)


def test_development_noise_in_the_kernel_is_the_streams_draw(tiny):
    """With every input at zero, one development month moves env by exactly
    noise_sd*sqrt(12)*(u - 0.5), u being Streams.uniform('development.noise')."""
    from sim.params import Development, ModelParams
    from sim.processes import development

    zero = {f: 0.0 for f in ("deprivation_effect", "qualification_effect", "workless_effect",
                             "home_learning_effect", "school_effect", "neighbourhood_effect",
                             "stress_effect", "cross_domain", "health_poor_effect",
                             "health_deprivation_effect", "housing_effect",
                             "informal_support_effect",
                             "health_stress_effect", "health_housing_effect")}
    p = 0.9
    params = ModelParams(development=Development(persistence=p, noise_sd=0.01, **zero))
    state, params, streams = tiny(replicates=2, params=params)
    state.child_support[:] = 0.0
    ch = state.children
    ch.env[:] = 0.3
    before = ch.env.copy()
    month = 4
    development.step(state, development.rules(params), development.milestone_rules(state, params),
                     streams, month)
    C = ch.alive.shape[1]
    u = streams.uniform("development.noise", month, (C, 3)).reshape(2, C, 3)
    expected = p * before + 0.01 * np.sqrt(12.0) * (u - 0.5)
    alive = ch.alive
    np.testing.assert_allclose(ch.env[alive], expected[alive], rtol=0, atol=1e-12)


# -- scenarios share their draws ------------------------------------------------------------

def test_scenarios_start_from_the_same_place_and_share_early_draws(compose_small):
    """Common random numbers across scenarios: the same seeds give the same families,
    children and first month of demography, whatever the scenario adds."""
    from conftest import CONFIGS
    from sim.model import PlaceModel

    if not (CONFIGS / "scenario" / "core_team.yaml").exists():
        pytest.skip("no scenario presets")
    models = []
    for scenario in ("baseline", "core_team"):
        run = compose_small(f"scenario={scenario}")
        interventions = run.interventions() if hasattr(run, "interventions") else ()
        models.append(PlaceModel(run.place, run.model, run.england, [3, 4], interventions))
    a, b = (m.state for m in models)
    assert len(models[1].interventions) > len(models[0].interventions)
    for name in ("alive", "age", "fam", "ability"):
        np.testing.assert_array_equal(getattr(a.children, name), getattr(b.children, name), err_msg=name)
    for name in ("deprivation", "workless", "no_qualifications", "poor_health", "housing", "adults"):
        np.testing.assert_array_equal(getattr(a.families, name), getattr(b.families, name), err_msg=name)
    for m in models:
        m.step()
    for name in ("births", "moved_in", "moved_out", "left_at_19", "families_moved"):
        np.testing.assert_array_equal(getattr(a.flows, name), getattr(b.flows, name), err_msg=name)
    np.testing.assert_array_equal(a.children.ability, b.children.ability)


def test_batching_never_changes_a_scenario_with_interventions(compose_small):
    """Interventions keep replicates apart too (a batch of 1 equals a batch of 3)."""
    from conftest import CONFIGS

    name = "as_it_happened_pembury"
    if not (CONFIGS / "scenario" / f"{name}.yaml").exists():
        pytest.skip("no scenario presets")
    run = compose_small("place=pembury", f"scenario={name}")
    one = _simulate(run, [0, 1, 2], months=36, interventions=run.interventions, batch_size=1)
    three = _simulate(run, [0, 1, 2], months=36, interventions=run.interventions, batch_size=3)
    _assert_same(one, three)
    assert one.timeseries["cost"].sum() > 0          # the scenario did something


def test_kernel_cache_is_dropped_when_any_kernel_source_changes(tmp_path):
    """numba tracks only a kernel's own file; a helper edited in another module must
    still invalidate every cached kernel (sim.kernels.cache)."""
    from sim.kernels.cache import refresh_stale_kernel_cache as refresh_stale_cache

    (tmp_path / "hashing.py").write_text("def uniform(): return 0.5\n")
    (tmp_path / "schools.py").write_text("from hashing import uniform\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    compiled = [cache / "schools.enrol-12.py311.nbi", cache / "schools.enrol-12.py311.1.nbc"]
    for f in compiled:
        f.write_bytes(b"old machine code")
    refresh_stale_cache(tmp_path)                    # first sight of these sources
    assert not any(f.exists() for f in compiled)
    for f in compiled:
        f.write_bytes(b"compiled from the current sources")
    refresh_stale_cache(tmp_path)                    # nothing changed: cache kept
    assert all(f.exists() for f in compiled)
    (tmp_path / "hashing.py").write_text("def uniform(): return 1 - 0.5\n")
    refresh_stale_cache(tmp_path)                    # a helper changed: cache dropped
    assert not any(f.exists() for f in compiled)


def test_the_fingerprint_tool_names_the_columns_that_changed():
    """benchmarks/fingerprint.py (used to check that speed work kept results bit-identical)
    reports identical tables as such and names a column that moved in the last bit."""
    import pandas as pd

    from benchmarks.fingerprint import differences

    before = {"case": {"timeseries": pd.DataFrame({"seed": [0, 1], "stress": [0.25, 0.5]})}}
    same = {"case": {"timeseries": before["case"]["timeseries"].copy()}}
    moved = {"case": {"timeseries": pd.DataFrame({"seed": [0, 1],
                                                  "stress": [0.25, np.nextafter(0.5, 1.0)]})}}
    assert differences(before, same) == []
    assert differences(before, moved) == ["case timeseries: stress"]


# -- the same bits on other CPUs --------------------------------------------------------

CPU_SCRIPT = """
import os, pickle, sys
if os.environ.get("NPY_DISABLE_CPU_FEATURES"):
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        from numpy.core._multiarray_umath import __cpu_features__
    if not any(__cpu_features__.get(f) for f in os.environ["NPY_DISABLE_CPU_FEATURES"].split()):
        print("numpy vector loops off")
from configs.compose import build_interventions, compose_run_config
from sim.run import simulate
out = {}
for overrides, seeds, months in ((["place=pembury"], [0, 1, 2, 3], 60),
                                 (["place=synthetic", "scenario=core_team"], [3, 4], 48)):
    cfg = compose_run_config(overrides)
    result = simulate(cfg.place, cfg.model, cfg.england, seeds=seeds, months=months,
                      interventions=lambda c=cfg: build_interventions(c.config.scenario))
    out[" ".join(overrides)] = {name: getattr(result, name) for name in ("timeseries", "milestones", "network")}
pickle.dump(out, open(sys.argv[1], "wb"))
"""


def _cpu_features() -> tuple[list[str], dict[str, bool]]:
    """NumPy's dispatch targets and this CPU's features (NumPy 2 and 1.x names)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:                                   # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    return list(__cpu_dispatch__), dict(__cpu_features__)


def _other_cpu_settings() -> dict[str, tuple[dict[str, str], str]]:
    """Environments that make this machine's libraries take the code paths of other CPUs,
    each with a line the subprocess must print to show the setting took: OpenBLAS's
    kernels for older x86 cores (only where this CPU can run them), NumPy without its
    AVX2 and AVX-512 loops."""
    dispatch, features = _cpu_features()
    settings = {}
    if features.get("AVX"):
        settings["OpenBLAS Sandybridge kernels"] = (
            {"OPENBLAS_CORETYPE": "Sandybridge", "OPENBLAS_VERBOSE": "2"}, "Core: Sandybridge")
    if features.get("AVX2") and features.get("FMA3"):
        settings["OpenBLAS Haswell kernels"] = (
            {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_VERBOSE": "2"}, "Core: Haswell")
    vector = [f for f in dispatch if features.get(f)]
    if vector:
        settings["NumPy baseline loops only"] = (
            {"NPY_DISABLE_CPU_FEATURES": " ".join(vector)}, "numpy vector loops off")
    return settings


@pytest.mark.skipif(not __import__("platform").machine().lower() in ("x86_64", "amd64"),
                    reason="the settings name x86 kernels")
def test_results_do_not_depend_on_the_cpu_kernels_of_blas_or_numpy(tmp_path):
    """A sweep on a cluster runs on whatever nodes it gets. BLAS and NumPy's vector loops
    pick code by CPU and differ in the last bits, so the model uses neither for a number
    that feeds a result (sim.kernels.linalg, docs/ODD.md 10.2): the organisation network
    and the reporters came out different under these settings before that."""
    def run(label: str, extra: dict[str, str], shows: str | None) -> dict:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.pkl"
        env = {**os.environ, **extra}
        done = subprocess.run([sys.executable, "-c", CPU_SCRIPT, str(path)], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{label}: {done.stderr[-2000:]}"
        if shows:
            assert shows in done.stdout + done.stderr, f"{label}: the setting did not take"
        return pd.read_pickle(path)

    settings = _other_cpu_settings()
    if not settings:
        pytest.skip("no other CPU code paths to try on this machine")
    here = run("this CPU", {}, None)
    for label, (extra, shows) in settings.items():
        there = run(label, extra, shows)
        for case, tables in here.items():
            for name, table in tables.items():
                try:
                    pd.testing.assert_frame_equal(table, there[case][name], check_exact=True)
                except AssertionError as error:
                    raise AssertionError(f"{label}: {case} {name} differs from this CPU's") from error
