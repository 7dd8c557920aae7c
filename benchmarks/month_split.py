"""Where a month goes: each process's time inside compiled kernels and around them.

Usage:
    python -m benchmarks.month_split [--months 120] [Hydra overrides, e.g. place=pembury]

Steps a one-replicate model (Wallsend by default) after a warm-up and prints, per
process, its CPU milliseconds a month, the part spent inside numba kernels, and the rest:
the Python and small NumPy calls around them. Then every kernel by its own time. The two
call for different remedies (a faster kernel, or fewer calls around it), so the split
is what to look at before optimising. Timing every call adds a little to each (about a
microsecond), as a profiler would.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

from benchmarks.bench import _config, _warm_up

cpu_ns = time.process_time_ns


@dataclass
class Split:
    months: int
    total_ns: int
    process_ns: dict[str, int] = field(default_factory=dict)     # per process, all of it
    kernel_ns: dict[str, int] = field(default_factory=dict)      # per process ("other": none), in kernels
    by_kernel_ns: dict[str, int] = field(default_factory=dict)   # per kernel

    def ms(self, ns: int) -> float:
        return ns / self.months / 1e6

    def table(self) -> str:
        lines = [f"{self.ms(self.total_ns):.3f} ms a month over {self.months} months",
                 f"  {'process':12s} {'total':>8s} {'kernels':>8s} {'around':>8s}   (ms a month)"]
        for name, ns in sorted(self.process_ns.items(), key=lambda kv: -kv[1]):
            k = self.kernel_ns.get(name, 0)
            lines.append(f"  {name:12s} {self.ms(ns):8.3f} {self.ms(k):8.3f} {self.ms(ns - k):8.3f}")
        inside = sum(self.kernel_ns.values())
        timed = sum(self.process_ns.values())
        lines.append(f"  {'all':12s} {self.ms(timed):8.3f} {self.ms(inside):8.3f} {self.ms(timed - inside):8.3f}"
                     f"   (the month's other {self.ms(self.total_ns - timed):.3f}: State.reset_month)")
        lines.append("  kernels:")
        for name, ns in sorted(self.by_kernel_ns.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {name:24s} {self.ms(ns):8.3f}")
        return "\n".join(lines)


def _is_kernel(value) -> bool:
    return hasattr(value, "py_func") and hasattr(value, "signatures")      # a numba dispatcher


def _patchable(module) -> list[tuple[str, object]]:
    """The kernels a loaded sim module holds by name, except those a compiled function of
    the same module calls: numba reads those names when it compiles, and must find the
    kernel there, not a timer."""
    kernels = {attr: value for attr, value in vars(module).items() if _is_kernel(value)}
    called = set()
    for value in kernels.values():
        if getattr(value, "__module__", None) == module.__name__:
            called.update(value.py_func.__code__.co_names)
    return [(attr, value) for attr, value in kernels.items() if attr not in called]


def _sim_modules() -> list:
    """Every loaded sim module: kernels are imported into several by name."""
    return [m for name, m in list(sys.modules.items())
            if m is not None and (name == "sim" or name.startswith("sim."))]


def measure(overrides: list[str], months: int) -> Split:
    from sim.model import PlaceModel

    _warm_up()
    cfg = _config(overrides)
    model = PlaceModel(cfg.place, cfg.model, cfg.england, [0])
    current = ["other"]
    split = Split(months=months, total_ns=0)
    undo = []

    def wrap_kernel(name, kernel):
        def timed(*args, **kwargs):
            t0 = cpu_ns()
            try:
                return kernel(*args, **kwargs)
            finally:
                dt = cpu_ns() - t0
                split.kernel_ns[current[0]] = split.kernel_ns.get(current[0], 0) + dt
                split.by_kernel_ns[name] = split.by_kernel_ns.get(name, 0) + dt
        return timed

    def wrap_process(name, step):
        def timed(*args, **kwargs):
            outer, current[0] = current[0], name
            t0 = cpu_ns()
            try:
                return step(*args, **kwargs)
            finally:
                split.process_ns[name] = split.process_ns.get(name, 0) + cpu_ns() - t0
                current[0] = outer
        return timed

    try:
        wrapped = {}
        for module in _sim_modules():
            for attr, value in _patchable(module):
                timed = wrapped.setdefault(id(value), wrap_kernel(value.py_func.__name__, value))
                setattr(module, attr, timed)
                undo.append((module, attr, value))
        model.schedule = tuple(p._replace(run=wrap_process(p.name, p.run)) for p in model.schedule)
        model.datacollector.collect = wrap_process("collect", model.datacollector.collect)
        t0 = cpu_ns()
        for _ in range(months):
            model.step()
        split.total_ns = cpu_ns() - t0
    finally:
        for module, attr, value in reversed(undo):
            setattr(module, attr, value)
        model.release()
    return split


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (default: place=wallsend)")
    args = parser.parse_args(argv)
    if args.months < 1:
        parser.error(f"--months: {args.months} is not allowed; give 1 or more")
    print(measure(args.overrides or ["place=wallsend"], args.months).table())


if __name__ == "__main__":
    main()
