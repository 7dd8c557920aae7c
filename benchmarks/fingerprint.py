"""Check that a change meant to keep results bit-identical did: save the result tables of
a few configurations before the change, compare after it, cell by cell.

Usage:
    python -m benchmarks.fingerprint save [--file PATH]    # before the change
    python -m benchmarks.fingerprint check [--file PATH]   # after it: IDENTICAL or the columns that differ

The configurations cover a small and a large preset, interventions and synthetic places
(which draw their area per replicate). Every speed change of the kernels was checked
this way against the commit before it.
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import pandas as pd

from configs.compose import build_interventions, compose_run_config
from sim.run import simulate

CASES = (  # overrides, seeds, months, with the scenario's interventions
    (["place=pembury"], [0, 1, 2, 3], 60, False),
    (["place=wallsend"], [5], 36, False),
    (["place=pembury", "scenario=hcz_saturation"], [0, 7], 60, True),
    (["place=synthetic", "scenario=core_team"], [3, 4], 48, True),
)
TABLES = ("timeseries", "milestones", "network")


def tables() -> dict:
    out = {}
    for overrides, seeds, months, with_interventions in CASES:
        cfg = compose_run_config(overrides)
        factory = (lambda c=cfg: build_interventions(c.config.scenario)) if with_interventions else None
        result = simulate(cfg.place, cfg.model, cfg.england, seeds=seeds, months=months,
                          interventions=factory)
        out[" ".join(overrides)] = {name: getattr(result, name) for name in TABLES}
    return out


def differences(before: dict, after: dict) -> list[str]:
    found = []
    for case, by_table in before.items():
        for name, a in by_table.items():
            b = after[case][name]
            try:
                pd.testing.assert_frame_equal(a, b, check_exact=True)
            except AssertionError as error:
                cols = [c for c in a.columns if c in b.columns and len(a) == len(b) and not a[c].equals(b[c])]
                found.append(f"{case} {name}: {', '.join(cols[:12]) if cols else str(error)[:200]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("save", "check"))
    parser.add_argument("--file", type=Path, default=Path("outputs/fingerprint.pkl"))
    args = parser.parse_args(argv)
    now = tables()
    if args.mode == "save":
        args.file.parent.mkdir(parents=True, exist_ok=True)
        args.file.write_bytes(pickle.dumps(now))
        print(f"saved {args.file}")
        return 0
    if not args.file.exists():
        print(f"no saved fingerprint at {args.file}: run `python -m benchmarks.fingerprint save` first")
        return 2
    found = differences(pickle.loads(args.file.read_bytes()), now)
    print("IDENTICAL" if not found else "DIFFERENT\n" + "\n".join(found))
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main())
