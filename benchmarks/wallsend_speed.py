"""Time a 20-year Wallsend run on one core, excluding interpreter start-up and compilation.

Usage: python -m benchmarks.wallsend_speed [--repeats 3] [--place wallsend] [--years 20]
Prints the best CPU and wall time of the run itself (place synthesis included), in
seconds; CPU time is the steadier figure on a shared machine.
"""
from __future__ import annotations

import argparse
import time

from configs.compose import compose_run_config
from sim.run import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--place", default="wallsend")
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args()
    cfg = compose_run_config([f"place={args.place}"])
    simulate(cfg.place, cfg.model, cfg.england, seeds=[0], months=2)   # compile kernels
    cpu, wall = [], []
    for i in range(args.repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        simulate(cfg.place, cfg.model, cfg.england, seeds=[i], months=12 * args.years)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    print(f"{args.place}, {args.years} years, 1 replicate: best {min(cpu):.3f} s CPU, "
          f"{min(wall):.3f} s wall (CPU of each run: {', '.join(f'{t:.3f}' for t in cpu)})")


if __name__ == "__main__":
    main()
