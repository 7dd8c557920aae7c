"""Memory of a long sweep, end to end: does the runner stream results and stay flat?

Runs `placesim sweep` as a user would (its own process tree: the parent, joblib's loky
workers, their resource tracker) and samples the tree's memory twice a second:

- RSS summed over the processes (counts the libraries they share once per process, so
  it overstates what the tree holds), and
- PSS summed over the processes (each shared page split between its users: the tree's
  real resident memory).

Usage:
    python -m benchmarks.sweep_memory                       # 10,000 runs of 5 years
    python -m benchmarks.sweep_memory --points 2500 --replicates 4 --years 20
Writes samples.csv and memory.png to --out and prints the peaks and the drift (mean of
the last quarter of the samples minus the mean of the second quarter: flat is ~0).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil


def tree_memory(root: psutil.Process) -> tuple[float, float, int]:
    """(RSS MB, PSS MB, processes) summed over a process and its descendants."""
    rss = pss = 0
    procs = [root]
    try:
        procs += root.children(recursive=True)
    except psutil.Error:
        pass
    counted = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        counted += 1
    return rss / 2**20, pss / 2**20, counted


def plot(samples: list[tuple[float, float, float]], path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s[0] for s in samples]
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(t, [s[1] for s in samples], label="RSS summed over the processes")
    ax.plot(t, [s[2] for s in samples], label="PSS summed (shared pages split)")
    ax.axhline(1024, color="grey", ls="--", lw=1, label="1 GB")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("MB")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=2500, help="design points (LHS over sweep=ties_lhs)")
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--out", default="outputs/sweep_memory")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sweep_dir = out / f"sweep_{time.strftime('%Y%m%d-%H%M%S')}"
    cmd = [sys.executable, "-c", "import sys; from experiments.cli import main; sys.exit(main())",
           "sweep", "sweep=ties_lhs", f"sweep.samples={args.points}",
           f"sweep.replicates={args.replicates}", f"run.years={args.years}",
           f"hydra.run.dir={sweep_dir}"]
    runs = args.points * args.replicates
    print(f"{runs:,} runs ({args.points} points x {args.replicates} replicates, {args.years} years), "
          f"folder {sweep_dir}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, "CI": "true"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(proc.pid)
    samples = []
    while proc.poll() is None:
        rss, pss, n = tree_memory(root)
        if n:
            samples.append((time.perf_counter() - t0, rss, pss))
        time.sleep(0.5)
    wall = time.perf_counter() - t0
    log = proc.stdout.read() if proc.stdout else ""
    (out / "sweep.log").write_text(log)
    if proc.returncode != 0 or not samples:
        print(f"sweep failed (exit {proc.returncode}); see {out / 'sweep.log'}", file=sys.stderr)
        return 1
    with open(out / "samples.csv", "w") as fh:
        fh.write("seconds,rss_mb,pss_mb\n")
        for t, rss, pss in samples:
            fh.write(f"{t:.1f},{rss:.1f},{pss:.1f}\n")
    q = max(len(samples) // 4, 1)
    second = samples[q:2 * q] or samples
    last = samples[-q:]
    drift = sum(s[2] for s in last) / len(last) - sum(s[2] for s in second) / len(second)
    peak_rss = max(s[1] for s in samples)
    peak_pss = max(s[2] for s in samples)
    title = (f"placesim sweep: {runs:,} runs of {args.years} years in {wall:.0f} s; "
             f"peak PSS {peak_pss:.0f} MB, RSS-sum {peak_rss:.0f} MB")
    plot(samples, out / "memory.png", title)
    print(f"finished in {wall:.0f} s ({runs / wall:.1f} runs/s)")
    print(f"peak tree memory: PSS {peak_pss:.0f} MB, RSS summed {peak_rss:.0f} MB")
    print(f"drift (PSS, last quarter - second quarter): {drift:+.0f} MB")
    print(f"wrote {out / 'samples.csv'}, {out / 'memory.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
