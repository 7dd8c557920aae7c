"""Time a user's shortest command from a cold interpreter: a 1-year, 1-replicate Pembury run.

Usage: python -m benchmarks.startup [--repeats 3] [--years 1] [--place pembury] [--imports]

Each repeat starts a new `python -m experiments.cli run ...` (plots included, output in a
temporary folder) and prints its wall time and CPU time (the command's and its children's),
with the load average before and after: on a shared machine the wall time says little
without it. `--imports` also lists the slowest imports of one run (python -X importtime).
The targets (issue 22: within 3 s on an idle 2-core machine) are for reading, not asserted.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def command(place: str, years: int, out: Path) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", "run", f"place={place}", f"run.years={years}",
            "run.replicates=1", f"hydra.run.dir={out}"]


def timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process and its children, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"benchmarks.startup: the command failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def slowest_imports(stderr: str, top: int = 12) -> list[tuple[float, str]]:
    """Top-level packages by cumulative import time, from -X importtime output."""
    rows = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and len(m.group(2)) <= 2:          # top-level and their first-level imports
            rows.append((int(m.group(1)) / 1e6, m.group(2) + m.group(3)))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--place", default="pembury")
    parser.add_argument("--imports", action="store_true", help="list the slowest imports of one run")
    args = parser.parse_args()
    env = dict(os.environ, CI="true")           # no progress bar
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryDirectory(prefix="placesim_startup_") as tmp:
        # One untimed run first: compiles the kernels if their cache is cold.
        timed(command(args.place, args.years, Path(tmp) / "warm"), env)
        print(f"placesim run place={args.place} run.years={args.years} run.replicates=1 (plots included), "
              f"{os.cpu_count()} CPUs")
        walls = []
        for i in range(args.repeats):
            before = load()
            wall, cpu, _ = timed(command(args.place, args.years, Path(tmp) / f"r{i}"), env)
            walls.append(wall)
            print(f"  run {i + 1}: {wall:5.2f} s wall, {cpu:5.2f} s CPU   load average {before} before, {load()} after")
        print(f"  best {min(walls):.2f} s wall, median {sorted(walls)[len(walls) // 2]:.2f} s")
        if args.imports:
            _, _, err = timed([sys.executable, "-X", "importtime", *command(args.place, args.years,
                                                                               Path(tmp) / "imports")[1:]], env)
            print("slowest imports (cumulative seconds):")
            for seconds, name in slowest_imports(err):
                print(f"  {seconds:5.2f}  {name}")


if __name__ == "__main__":
    main()
