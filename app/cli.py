"""`placesim app` (or `python -m app`): the strategy-session page, a live "what if" in a
browser. Argument parsing and startup: the engine's workers are warmed up, the first
wave's size is measured, the opening place's baseline and default scenario are computed,
and only then is the page served (app/server.py), so it opens with the pictures drawn.
Nothing heavy is imported at module level, so `placesim app --help` is instant.
"""
from __future__ import annotations

import argparse
import sys
import time

from app.places import DEFAULT_PLACE, PLACES


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="placesim app",
        description="The strategy-session page: a local web page with sliders for what a room argues "
                    "about (core team, pilots, data, local voice, governance teeth, shocks); each change "
                    "runs paired replicates against the baseline in the background and redraws the "
                    "outcomes, the difference to baseline, the organisation network, the system "
                    "indicators and the cost. Works with no network; serves only on this machine.")
    p.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006; 0 picks a free one)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: only this machine can connect)")
    p.add_argument("--no-show", action="store_true", help="do not open a browser window")
    p.add_argument("--place", default=DEFAULT_PLACE, choices=PLACES, help="place the page opens with")
    p.add_argument("--years", type=int, default=20, help="years simulated in the live view (default 20)")
    p.add_argument("--replicates", type=int, default=8,
                   help="paired replicates per scenario once an update has refined (default 8)")
    p.add_argument("--first", default="auto",
                   help="replicates per worker in the first wave of an update, drawn first: a number, or "
                        "'auto' (default) to fit --budget on this machine")
    p.add_argument("--budget", type=float, default=1.5,
                   help="seconds the first wave may take when --first is auto (default 1.5)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first replicate (default 0)")
    p.add_argument("--calibrated", default="none",
                   help="plausible parameter sets (configs/calibrated/NAME.yaml, from placesim calibrate): "
                        "each replicate runs the set its seed draws, so the ranges include parameter "
                        "uncertainty (default none: the registry's values)")
    p.add_argument("--scenario-dir", default=None,
                   help="where 'Save this scenario' writes (default: configs/scenario, so that "
                        "`placesim run scenario=NAME` and `placesim compare` find it by name)")
    p.add_argument("--runs-dir", default="outputs",
                   help="folder searched for compare folders to open (default: outputs)")
    return p


def _check(args) -> str | None:
    if not (0 <= args.port <= 65535):
        return f"--port={args.port}: allowed [0, 65535]"
    if not (1 <= args.years <= 30):
        return f"--years={args.years}: allowed [1, 30] (years)"
    if not (1 <= args.replicates <= 64):
        return f"--replicates={args.replicates}: allowed [1, 64]"
    if args.first != "auto":
        try:
            n = int(args.first)
        except ValueError:
            return f"--first={args.first}: expected a number or 'auto'"
        if not (1 <= n <= 64):
            return f"--first={n}: allowed [1, 64]"
    if not (1 <= args.workers <= 16):
        return f"--workers={args.workers}: allowed [1, 16]"
    if not (0.1 <= args.budget <= 60):
        return f"--budget={args.budget}: allowed [0.1, 60] (seconds)"
    from configs.compose import CONFIG_DIR

    known = sorted(p.stem for p in (CONFIG_DIR / "calibrated").glob("*.yaml"))
    if args.calibrated not in known:
        return f"--calibrated={args.calibrated}: allowed {', '.join(known)} (configs/calibrated)"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    problem = _check(args)
    if problem:
        print(f"placesim app: error: {problem}", file=sys.stderr)
        return 2
    if args.address not in ("127.0.0.1", "localhost", "::1"):
        print(f"placesim app: note: listening on {args.address}; anyone who can reach it can use the page",
              file=sys.stderr)
    import logging
    import os

    logging.getLogger("MESA").setLevel(logging.WARNING)
    os.environ.setdefault("BOKEH_RESOURCES", "server")        # every script from this server
    say = lambda text: print(text, flush=True)  # noqa: E731
    say(f"placesim app: starting ({args.workers} workers, {args.years} years)")
    from app.engine import LiveEngine
    from app.workers import RunFailed

    engine = LiveEngine(years=args.years, replicates=args.replicates,
                        first=None if args.first == "auto" else int(args.first),
                        seed=args.seed, workers=args.workers, budget=args.budget, calibrated=args.calibrated)
    try:
        engine.warm_up(say)
        slot = engine.acquire_slot()
        engine.calibrate(slot, say)
        from app.controls import Choices, interventions_for

        t0 = time.perf_counter()
        engine.run_blocking(slot, args.place, {})
        default = interventions_for(Choices(place=args.place), args.years)
        engine.run_blocking(slot, args.place, default)
        engine.release_slot(slot)
        say(f"  baseline and the default scenario of {args.place} ready "
            f"({args.replicates} replicates x {args.years} years) in {time.perf_counter() - t0:.1f} s")
        from app.server import serve

        return serve(engine, args, say)
    except RunFailed as exc:
        print(f"placesim app: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        engine.shutdown()

