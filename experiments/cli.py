"""`placesim <verb> [Hydra overrides]`: one console command, one module per verb.

Verbs are imported only when used, so `placesim --help` and `placesim run --help`
start fast.
"""
from __future__ import annotations

import gc
import importlib
import importlib.util
import sys

VERBS = {
    "run": ("experiments.run", "run replicates of one place and scenario; write Parquet and plots"),
    "compare": ("experiments.compare", "run scenarios side by side on the same seeds; summary, costs, plots"),
    "sweep": ("experiments.sweep", "sampled designs (LHS, Sobol, Morris) over registry parameters, resumable"),
    "lottery": ("experiments.lottery", "a virtual Promise Academy lottery: winners against losers, with and without the zone"),
    "analyse": ("experiments.analyse", "saved results: tipping (default), hysteresis, warning, sensitivity, prim"),
    "report": ("experiments.report", "a funders' report (HTML and PDF) from a compare or sweep folder"),
    "app": ("app.cli", "the strategy-session page: live 'what if' in a browser"),
    "bench": ("benchmarks.bench", "speed and memory benchmarks against a per-agent Mesa reference"),
    "calibrate": ("experiments.calibrate", "fit uncertain parameters to seed 004 (calibration=seed004), or re-derive the thresholds"),
    "params": ("experiments.params_doc", "write docs/parameters.md from the parameter registry"),
}

# Verbs that need an optional extra (pyproject.toml): the packages they import, checked
# before any work so a missing one is one line naming what to install.
EXTRAS = {
    "report": ("report", ("jinja2", "weasyprint")),
    "app": ("app", ("panel",)),
}

# Verbs that build models import mesa first, before anything else is loaded: at import,
# mesa's logging decorator walks the caller's stack (inspect.getouterframes, which looks up
# every frame's module among all loaded ones), about 0.07 s at the top of the stack and
# 0.5 s when first imported deep inside Hydra's frames with a thousand modules loaded.
MODEL_VERBS = {"run", "compare", "sweep", "lottery"}

USAGE = """usage: placesim <verb> [Hydra overrides]

verbs:
{verbs}

Examples:
  placesim run                                   # Pembury, 20 years, 10 replicates
  placesim run place=wallsend run.years=30 run.replicates=20 seed=7
  placesim run --help                            # config groups and every key
"""


HELP_FLAGS = {"-h", "--help", "--hydra-help", "--cfg", "-c", "--info", "-i"}


def usage() -> str:
    width = max(len(v) for v in VERBS)
    verbs = "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in VERBS.items())
    return USAGE.format(verbs=verbs)


def missing_extra(verb: str) -> str:
    """One line saying what to install when `verb` needs packages that are missing, else ''."""
    if verb not in EXTRAS:
        return ""
    extra, packages = EXTRAS[verb]
    absent = [p for p in packages if importlib.util.find_spec(p) is None]
    if not absent:
        return ""
    return (f"placesim {verb}: needs {', '.join(absent)}, not installed; install the '{extra}' extra: "
            f"pip install -e \".[{extra}]\" (from the checkout), or pip install -e \".[all]\" for every verb")


def main(argv: list[str] | None = None) -> int:
    """Run `placesim <verb> ...`; without `argv`, as the whole program (the console
    script), with the command line from sys.argv."""
    whole_program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    verb, rest = argv[0], argv[1:]
    if verb not in VERBS:
        print(f"placesim: unknown verb '{verb}'; choose from {', '.join(VERBS)}", file=sys.stderr)
        return 2
    name = VERBS[verb][0]
    missing = missing_extra(verb)
    if missing:
        print(missing, file=sys.stderr)
        return 2
    if whole_program and verb in MODEL_VERBS and not any(a.startswith("-") for a in rest):
        pause_collection()                   # resumed by the task (experiments.hydra_entry.guard)
    from sim.kernels.cache import prepare_kernels

    prepare_kernels()                        # before any compiled kernel runs
    if verb in MODEL_VERBS and not HELP_FLAGS.intersection(rest):
        import mesa  # noqa: F401  (see MODEL_VERBS)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        print(f"placesim: '{verb}' is not available in this version", file=sys.stderr)
        return 2
    status = int(module.main(rest) or 0)
    if whole_program:
        skip_final_collections()
    return status


def pause_collection() -> None:
    """Pause the cyclic garbage collector for start-up: importing mesa, Hydra and numba
    and composing the config make hundreds of thousands of long-lived objects and almost
    no garbage, and the collector's passes over them took about 0.25 s of a 1-year run
    (measured). Only for a model verb without Hydra flags run as the whole program, whose
    task resumes it (resume_collection)."""
    gc.disable()


def resume_collection() -> None:
    """Resume a collector paused for start-up, with what start-up made frozen out of
    later passes (it lives as long as the process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def skip_final_collections() -> None:
    """Stop the cyclic garbage collector before the interpreter exits: at exit it walks
    every object numba, pandas, mesa and matplotlib made, again and again as modules are
    torn down (0.4-0.5 s after a 1-year run's last line, measured, of 2.7 s in all). The
    memory goes back to the system with the process; exit handlers (log files, temporary
    folders) still run. Only for the whole program: a caller in Python keeps its collector."""
    gc.disable()
    gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
