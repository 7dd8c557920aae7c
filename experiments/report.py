"""`placesim report path=<compare or sweep folder> [out=<folder>] [sensitivity=<sweep folder>]`:
a funders' report, `report.html` (one self-contained file that opens offline in any
browser) and `report.pdf` (the same content), written into `out` (default: the folder).

    placesim compare hydra.run.dir=results/pembury
    placesim report path=results/pembury
    placesim report path=results/pembury out=reports/ sensitivity=results/sobol   # after placesim analyse
    placesim report path=results/sobol                                         # a sweep: which guesses matter

`sensitivity=` takes a sweep folder (its analysis/<outcome>_indices.csv, written by
`placesim analyse`) or one such file, and marks which guesses move the headline.

A folder the report cannot use (no compare or sweep results, a compare without a
baseline, results of an incompatible version) is one line naming the folder and what
is missing, and nothing is written. The content is built by analysis/report/ (render.write_report).
"""
from __future__ import annotations

import sys
from pathlib import Path

KEYS = ("path", "out", "sensitivity")


def usage() -> str:
    return __doc__.rsplit("\n\n", 1)[0] + "\n"


def parse(argv: list[str]) -> dict[str, str]:
    """Hydra-style key=value arguments; a single bare argument is the path."""
    args: dict[str, str] = {}
    for arg in argv:
        key, eq, value = arg.partition("=")
        key = key.lstrip("+")
        if not eq:
            if "path" in args:
                raise ValueError(f"'{arg}': give key=value arguments ({', '.join(k + '=...' for k in KEYS)})")
            args["path"] = arg
            continue
        if key not in KEYS:
            raise ValueError(f"{key}={value}: unknown argument; allowed: {', '.join(KEYS)}")
        if not value:
            raise ValueError(f"{key}=: needs a value")
        args[key] = value
    if "path" not in args:
        raise ValueError("missing path=<folder> (a folder written by `placesim compare` or `placesim sweep`)")
    return args


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help", "help") for a in argv):
        print(usage(), end="")
        return 0
    try:
        args = parse(argv)
    except ValueError as exc:
        print(f"placesim report: error: {exc}", file=sys.stderr)
        return 2
    from analysis.report.inputs import ReportError
    from analysis.report.render import write_report

    try:
        html, pdf = write_report(Path(args["path"]), args.get("out"), args.get("sensitivity"))
    except ReportError as exc:
        print(f"placesim report: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:                  # a read-only folder or a full disk
        from experiments.hydra_entry import environment_problem

        print(f"placesim report: error: {environment_problem(exc)}", file=sys.stderr)
        return 2
    print(f"Report written to {html} and {pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
