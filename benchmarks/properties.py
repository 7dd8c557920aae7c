"""The long property-based job of bad input (issue 20): the Hypothesis tests of
tests/test_bad_input_properties.py with many more examples than CI runs.

Usage: python -m benchmarks.properties [--scale 20]
Prints pytest's summary; exits non-zero when any generated config ends in a traceback,
a run with non-finite results, or an unclean refusal (the test's failing example is
printed by Hypothesis so it can be replayed).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=20, help="examples as a multiple of CI's (default 20)")
    args = parser.parse_args()
    tests = Path(__file__).resolve().parent.parent / "tests" / "test_bad_input_properties.py"
    env = {**os.environ, "PLACESIM_PROPERTY_SCALE": str(max(1, args.scale))}
    return subprocess.call([sys.executable, "-m", "pytest", "-n", "0", "-q", str(tests)], env=env)


if __name__ == "__main__":
    sys.exit(main())
