"""Shared fixtures for the model-foundation tests.

- `small_overrides` / `compose_small`: a small place (600 people, 250 homes) composed
  through the real Hydra config layer (configs.compose.compose_run_config);
- `small_run`, `short_result`: that config, and a 24-month simulate() of two
  replicates, cached for the session (per xdist worker);
- `tiny`: a factory for a hand-sized state (sim.place.build_state on a 40-person place
  with one school of each level) that process tests overwrite with known values;
- `once_across_workers`: run an expensive setup (the CLI runs) only once even when
  pytest-xdist spreads a module's tests over several workers.
"""
from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs"
SHARED_DATA = REPO.parent / "shared" / "data"

SMALL = ["place.population=600", "place.homes=250"]


def placesim_command() -> list[str]:
    """The console script installed beside this Python, else the one on PATH, else
    `python -m experiments.cli`: the command as a user runs it."""
    beside = Path(sys.executable).with_name("placesim")
    exe = str(beside) if beside.exists() else shutil.which("placesim")
    return [exe] if exe else [sys.executable, "-m", "experiments.cli"]


def placesim_env() -> dict:
    """CI=true (quiet progress bars) and a non-interactive plotting backend."""
    return dict(os.environ, CI="true", MPLBACKEND="Agg")


def placesim(*args: str, cwd: Path | None = None, timeout: float = 600,
             check: bool = False) -> subprocess.CompletedProcess:
    """Run `placesim ARGS` and wait; with `check`, a failure raises with its output."""
    proc = subprocess.run([*placesim_command(), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=placesim_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"placesim {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def pytest_configure(config):
    from sim.kernels.cache import refresh_stale_kernel_cache

    refresh_stale_kernel_cache()            # tests run the kernels as edited, never stale code
    config.addinivalue_line(
        "markers", "slow: takes more than ~10 s; still runs in CI (deselect with -m 'not slow')")


# -- the composed configuration -----------------------------------------------------------

@pytest.fixture(scope="session")
def small_overrides() -> list[str]:
    return list(SMALL)


@pytest.fixture(scope="session")
def compose_small():
    """compose_run_config(SMALL + extra): the real Hydra path, typed and validated."""
    from configs.compose import compose_run_config

    def make(*extra: str):
        return compose_run_config([*SMALL, *extra])

    return make


@pytest.fixture(scope="session")
def small_run(compose_small):
    return compose_small()


@pytest.fixture(scope="session")
def england():
    from configs.evidence import table1

    return table1()


@pytest.fixture(scope="session")
def short_result(small_run):
    """24 months, two replicates (seeds 0 and 1) of the small place."""
    from sim.run import simulate

    return simulate(small_run.place, small_run.model, small_run.england, [0, 1], 24)


# -- hand-sized states for process tests ----------------------------------------------------

@pytest.fixture(scope="session")
def tiny_place():
    from sim.params import PlaceParams

    return PlaceParams(name="tiny", population=40, homes=12, early_years_settings=1,
                       primary_schools=1, secondary_schools=1, post16_colleges=1)


@pytest.fixture
def tiny(tiny_place, england):
    """Factory: (state, params, streams) for the tiny place; params may be adjusted first.

    Usage: state, params, streams = tiny(replicates=1, place=..., params=...)
    """
    from sim.params import ModelParams
    from sim.place import build_state
    from sim.rng import Streams

    def make(replicates: int = 1, place=None, params=None, seed: int = 0):
        params = params if params is not None else ModelParams()
        place = place if place is not None else tiny_place
        streams = Streams(list(range(seed, seed + replicates)))
        state = build_state(place, params, england, streams)
        return state, params, streams

    return make


def set_family_ties(state, edges: list[tuple[int, int]]) -> None:
    """Replace every replicate's informal family ties by the same undirected edge list."""
    import scipy.sparse as sp

    R, F = state.families.deprivation.shape
    rows, cols = [], []
    for r in range(R):
        for a, b in edges:
            rows += [r * F + a, r * F + b]
            cols += [r * F + b, r * F + a]
    ties = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(R * F, R * F))
    ties.data[:] = 1.0
    state.place.family_ties = ties
    state.place.degree = np.asarray(ties.sum(axis=1)).reshape(R, F)


def replace(obj, **changes):
    """dataclasses.replace for the nested params dataclasses."""
    return dataclasses.replace(obj, **changes)


# -- run an expensive setup once across xdist workers ----------------------------------------

@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory, worker_id) -> Path:
    """A folder shared by every xdist worker of this session (the per-worker tmp's parent)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="session")
def once_across_workers(shared_dir):
    """once(name, fn) runs fn(folder) in only one worker; the others wait and reuse its
    JSON-serialisable result (pytest-xdist docs, "Making session-scoped fixtures execute
    only once")."""

    def once(name: str, fn):
        folder = shared_dir / f"once-{name}"
        folder.mkdir(exist_ok=True)
        done = folder / "result.json"
        with open(folder / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if done.exists():
                    return json.loads(done.read_text())
                result = fn(folder)
                done.write_text(json.dumps(result))
                return result
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    return once
