"""Is this checkout faster than another commit? Interleaved runs, side by side.

Usage:
    python -m benchmarks.ab REV [--pairs 8] [--repeats 1] [--place wallsend] [--years 20]

Checks REV out into a temporary git worktree and times a 20-year run
(`benchmarks.wallsend_speed` after a warm-up, CPU seconds; the best of `--repeats` runs)
alternately there and in this checkout, `--pairs` times each, every timing in a fresh
single-threaded process. The best of three resolves a few per cent where single runs,
which also move with each process's memory layout, did not. On a shared machine the same code's time moves by a third from minute to
minute, so a speed claim needs both versions measured in the same minutes: the ratio of
each pair (this checkout / REV) is the figure, and the summary gives its median, its
range and in how many pairs this checkout was faster.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench import SOURCE_ROOT, THREAD_ENV

CPU_LINE = re.compile(r"best ([0-9.]+) s CPU")


@dataclass(frozen=True)
class Summary:
    pairs: int
    median_ratio: float        # this checkout's time / REV's, median over pairs
    low: float                 # smallest and largest ratio of a pair
    high: float
    faster: int                # pairs in which this checkout took less time

    def describe(self, rev: str) -> str:
        verdict = ("faster" if self.median_ratio < 1 else "slower")
        return (f"this checkout / {rev}: median {self.median_ratio:.3f} (pairs {self.low:.3f}-"
                f"{self.high:.3f}); faster in {self.faster} of {self.pairs} pairs; "
                f"{verdict} by {abs(1 - self.median_ratio):.1%} at the median")


def summarise(base: list[float], head: list[float]) -> Summary:
    """Pair i is (base[i], head[i]), measured one after the other."""
    if len(base) != len(head) or not base:
        raise ValueError(f"pairs: need as many base as head times, and at least one; got {len(base)} and {len(head)}")
    ratios = [h / b for b, h in zip(base, head)]
    return Summary(pairs=len(ratios), median_ratio=statistics.median(ratios), low=min(ratios),
                   high=max(ratios), faster=sum(h < b for b, h in zip(base, head)))


def parse_cpu(output: str) -> float:
    """The CPU seconds `benchmarks.wallsend_speed` printed."""
    found = CPU_LINE.search(output)
    if not found:
        raise RuntimeError(f"no 'best ... s CPU' line in the timing run's output:\n{output[-2000:]}")
    return float(found.group(1))


def time_run(checkout: Path, place: str, years: int, repeats: int = 1) -> float:
    """CPU seconds of `checkout`'s own code, the best of `repeats` runs in one process (the
    working folder comes first on sys.path with `python -m`, so `sim` is imported from
    there)."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.wallsend_speed", "--repeats", str(repeats),
                           "--place", place, "--years", str(years)],
                          cwd=checkout, env={**os.environ, **THREAD_ENV},
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"timing run in {checkout} failed:\n{done.stderr[-2000:]}")
    return parse_cpu(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the commit to compare with (anything git accepts)")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1, help="runs per timing; the best counts")
    parser.add_argument("--place", default="wallsend")
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error(f"--pairs: {args.pairs} is not allowed; give 1 or more")
    if args.repeats < 1:
        parser.error(f"--repeats: {args.repeats} is not allowed; give 1 or more")
    resolved = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.rev}^{{commit}}"],
                              cwd=SOURCE_ROOT, capture_output=True, text=True)
    if resolved.returncode:
        parser.error(f"rev: {args.rev!r} is not a commit of {SOURCE_ROOT}")
    commit = resolved.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="placesim-ab-") as tmp:
        base_dir = Path(tmp) / "base"
        added = subprocess.run(["git", "worktree", "add", "--detach", str(base_dir), commit],
                               cwd=SOURCE_ROOT, capture_output=True, text=True)
        if added.returncode:
            raise SystemExit(f"ab: could not check {args.rev} out into a worktree: {added.stderr.strip()}")
        try:
            base, head = [], []
            for i in range(args.pairs):
                # Alternate which goes first, so neither always runs after the other.
                order = ((base, base_dir), (head, SOURCE_ROOT))
                for times, checkout in (order if i % 2 == 0 else order[::-1]):
                    times.append(time_run(checkout, args.place, args.years, args.repeats))
                print(f"pair {i + 1}/{args.pairs}: {args.rev} {base[-1]:.3f} s, "
                      f"this checkout {head[-1]:.3f} s", flush=True)
        finally:
            removed = subprocess.run(["git", "worktree", "remove", "--force", str(base_dir)],
                                     cwd=SOURCE_ROOT, capture_output=True, text=True)
            if removed.returncode:             # the folder goes with tmp; forget it in git too
                subprocess.run(["git", "worktree", "prune"], cwd=SOURCE_ROOT, capture_output=True)
    each = "one run each" if args.repeats == 1 else f"the best of {args.repeats} runs each"
    print(f"{args.place}, {args.years} years, CPU seconds of {each}")
    print(summarise(base, head).describe(args.rev))


if __name__ == "__main__":
    main()
