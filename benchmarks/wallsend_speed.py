"""Time a 20-year Wallsend run on one core, excluding interpreter start-up and compilation.

Usage: python benchmarks/wallsend_speed.py [--repeats 3]
Prints the best wall time of the run itself (place synthesis included), in seconds.
"""
from __future__ import annotations

import argparse
import time

from experiments.config import compose_run_config
from sim.run import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--place", default="wallsend")
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args()
    cfg = compose_run_config([f"place={args.place}"])
    simulate(cfg.place, cfg.model, cfg.england, seeds=[0], months=2)   # compile kernels
    times = []
    for i in range(args.repeats):
        t0 = time.perf_counter()
        simulate(cfg.place, cfg.model, cfg.england, seeds=[i], months=12 * args.years)
        times.append(time.perf_counter() - t0)
    print(f"{args.place}, {args.years} years, 1 replicate: best {min(times):.3f} s "
          f"(runs: {', '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()
