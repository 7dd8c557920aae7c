"""The up-front memory estimate that refuses a place too big for the machine (issue 20)."""
from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import scipy.sparse as sp

from configs.compose import compose_run_config
from experiments.hydra_entry import BYTES_PER_SLOT, place_bytes
from sim.model import PlaceModel


def state_bytes(obj, seen=None) -> int:
    """Bytes held by the arrays of a State (dataclasses, lists and dicts walked)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if sp.issparse(obj):
        return obj.data.nbytes + obj.indices.nbytes + obj.indptr.nbytes
    if dataclasses.is_dataclass(obj):
        return sum(state_bytes(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    if isinstance(obj, (list, tuple)):
        return sum(state_bytes(o, seen) for o in obj)
    if isinstance(obj, dict):
        return sum(state_bytes(o, seen) for o in obj.values())
    if hasattr(obj, "__dict__"):
        return sum(state_bytes(o, seen) for o in vars(obj).values())
    return 0


def test_the_estimate_covers_a_real_state_without_overstating_it_wildly():
    rc = compose_run_config(["place=pembury", "run.replicates=3", "run.batch_size=3"])
    model = PlaceModel(rc.place, rc.model, rc.england, [0, 1, 2])
    held = state_bytes(model.state)
    estimate = place_bytes(rc.config)
    assert held < estimate < 10 * held, (held, estimate, BYTES_PER_SLOT)


def test_a_place_too_big_for_the_machine_is_one_line_before_anything_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "experiments.cli", "run", "place.population=100000000",
                           "place.homes=40000000", f"hydra.run.dir={tmp_path / 'out'}"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    error = [ln for ln in proc.stderr.splitlines() if "error" in ln]
    assert len(error) == 1 and "GB" in error[0] and "run.batch_size" in error[0]
    assert not (tmp_path / "out").exists()
