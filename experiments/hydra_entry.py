"""Shared plumbing for verbs that are Hydra applications: check the user's overrides
first (so a mistake is one line, never a traceback), then hand over to `hydra.main`.
"""
from __future__ import annotations

import copy
import errno
import os
import shutil
import sys
from pathlib import Path
from typing import Callable

from configs.compose import CONFIG_DIR, ConfigError, compose, register, to_params

# Hydra's own flags: anything in this set (or starting with these) is not an override.
HYDRA_FLAGS = {"-h", "--help", "--hydra-help", "--info", "-i", "--cfg", "-c", "--resolve",
               "--package", "-p", "-m", "--multirun", "--shell-completion", "-sc",
               "--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd",
               "--experimental-rerun", "--version"}
TAKES_VALUE = {"--cfg", "-c", "--package", "-p", "--info", "-i", "--config-path", "-cp",
               "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"}
HELP = {"-h", "--help", "--hydra-help", "--cfg", "-c", "--info", "-i", "--shell-completion", "-sc"}


def split(argv: list[str]) -> tuple[list[str], list[str]]:
    """(Hydra flags with their values, overrides)."""
    flags, overrides = [], []
    it = iter(argv)
    for arg in it:
        if arg in HYDRA_FLAGS or arg.split("=")[0] in HYDRA_FLAGS:
            flags.append(arg)
            if arg in TAKES_VALUE:
                nxt = next(it, None)
                if nxt is not None:
                    flags.append(nxt)
        else:
            overrides.append(arg)
    return flags, overrides


def _parsed(overrides: list[str]) -> list:
    """Hydra's parse of the overrides (ConfigError with its first line if one is malformed)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        return OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:
        raise ConfigError(str(exc).splitlines()[0]) from None


def _expand(overrides: list[str]) -> list[list[str]]:
    """Override lists to check: sweeps are checked one value at a time."""
    parsed = _parsed(overrides)
    base = []
    sweeps = []
    for o in parsed:
        if o.is_sweep_override():
            values = [str(v) for v in o.sweep_string_iterator()]
            sweeps.append((o, values))
            base.append(f"{o.get_key_element()}={values[0]}")
        else:
            base.append(o.input_line)
    checks = [base]
    for o, values in sweeps:
        key = o.get_key_element()
        for v in values[1:]:
            checks.append([b if b.split("=")[0] != key else f"{key}={v}" for b in base])
    return checks


def validate(overrides: list[str], config_name: str = "config"):
    """Compose and check every value the overrides give (sweeps one value at a time);
    returns the first composition's typed Config."""
    user = [o for o in overrides if not o.lstrip("+~").startswith("hydra.") and not o.lstrip("+~").startswith("hydra/")]
    first = None
    for group in _expand(user):
        obj = to_params(compose(group, config_name=config_name))
        first = first or obj
    return first


def seed_problem(overrides: list[str], config) -> str | None:
    """One line when the jobs of a multirun over `seed` would share replicate seeds.

    Replicate i of a job runs with seed + i, so `seed=0,1` with 10 replicates runs seeds
    1-9 in both jobs: the same replicates twice, which a reader would take for independent
    ones. Jobs with the same seed are fine (common random numbers across what else varies)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    def values(key: str, default: int) -> list[int]:
        found = [default]
        for o in OverridesParser.create().parse_overrides(overrides):
            if o.get_key_element().lstrip("+~") == key:
                found = ([int(float(v)) for v in o.sweep_string_iterator()] if o.is_sweep_override()
                         else [int(float(str(o.value())))])
        return found

    seeds = sorted(set(values("seed", config.seed)))
    replicates = max(values("run.replicates", config.run.replicates))
    clash = next(((a, b) for a, b in zip(seeds, seeds[1:]) if b - a < replicates), None)
    if clash is None:
        return None
    a, b = clash
    spaced = ",".join(str(seeds[0] + i * replicates) for i in range(len(seeds)))
    return (f"seed={','.join(map(str, seeds))} with run.replicates={replicates}: jobs would share replicate seeds "
            f"(seed={a} runs seeds {a}-{a + replicates - 1}, seed={b} runs {b}-{b + replicates - 1}; replicate i "
            f"runs with seed + i), so the same replicate would be counted twice; space the seeds at least "
            f"run.replicates apart, e.g. seed={spaced}")


def app_help(verb: str, overrides: list[str], config_name: str = "config") -> str:
    """The text of Hydra's default application help (hydra/help/default.yaml), built
    without Hydra's help machinery, which composes the config once per group option
    (about 1.5 s here); the config groups are the folders of configs/."""
    from omegaconf import OmegaConf

    groups = sorted(d for d in CONFIG_DIR.iterdir()
                    if d.is_dir() and d.name not in ("hydra", "data") and not d.name.startswith("_"))
    lines = [f"{d.name}: {', '.join(sorted(p.stem for p in d.glob('*.yaml')))}" for d in groups]
    config = OmegaConf.to_yaml(compose(overrides, config_name=config_name))
    return (f"{verb} is powered by Hydra.\n\n== Configuration groups ==\n"
            "Compose your configuration from those groups (group=option)\n\n"
            + "\n".join(lines) + "\n\n\n== Config ==\nOverride anything in the config (foo.bar=value)\n\n"
            + config + "\n\nPowered by Hydra (https://hydra.cc)\n"
            "Use --hydra-help to view Hydra specific help\n\n")


def environment_problem(exc: OSError) -> str:
    """One line for what the machine refused (a read-only folder, a full disk, a file size
    limit), naming the file and what to do."""
    where = exc.filename or "a file"
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return (f"{where}: cannot be written, the disk is full or a file size limit was reached ({reason}); "
                f"nothing half-written was kept: free some space and run the same command again "
                f"(a sweep or multirun goes on from the tasks already written)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"{where}: cannot be written ({reason}); choose an output folder you may write to, "
                f"e.g. hydra.run.dir=<folder> (hydra.sweep.dir=<folder> with -m)")
    return f"{where}: {reason}"


def output_problem(overrides: list[str], multirun: bool) -> str | None:
    """One line when the output folder cannot be written (checked before Hydra creates it):
    the folder itself when it exists, else the nearest folder above it that exists."""
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = [o.split("=", 1)[1] for o in overrides if o.lstrip("+").split("=", 1)[0] == key and "=" in o]
    target = Path(given[-1] if given else "outputs").expanduser()
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{key}={target}: {existing} is a file, not a folder; choose another output folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return (f"{key}={target}: {existing} is read-only for you; choose an output folder you may write to "
                f"({key}=<folder>)")
    return None


def launcher_problem(overrides: list[str], multirun: bool) -> str | None:
    """One line when a multirun names a cluster launcher this machine cannot reach."""
    launcher = next((o.split("=", 1)[1] for o in reversed(overrides)
                     if o.lstrip("+").split("=", 1)[0] == "hydra/launcher"), None)
    if multirun and launcher == "slurm" and shutil.which("sbatch") is None:
        return ("hydra/launcher=slurm: no SLURM on this machine (sbatch not found); run from a SLURM login node, "
                "or use hydra/launcher=joblib (this machine's cores) or hydra/launcher=slurm_local "
                "(submitit's local executor)")
    return None


# Memory a replicate of a place holds per home and per child slot while it runs: the state
# (about 310 bytes per home or slot, measured on Wallsend), its work arrays and the month's
# temporaries; an estimate, checked against a real build by tests/test_bad_input.py.
BYTES_PER_SLOT = 1000
CHILD_SLOTS_PER_CHILD = 1.6        # sim/place.py keeps room for births and newcomers


def place_bytes(config) -> float:
    """Bytes a batch of replicates of the config's place needs at once (an estimate)."""
    place, run = config.place, config.run
    slots = place.homes + CHILD_SLOTS_PER_CHILD * place.population * place.child_share
    return min(run.batch_size, run.replicates) * slots * BYTES_PER_SLOT


def memory_problem(config) -> str | None:
    """One line when the place would need more memory than the machine has free."""
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):        # not Linux: let the run try
        return None
    need = place_bytes(config)
    if need <= free:
        return None
    batch = min(config.run.batch_size, config.run.replicates)
    return (f"place.population={config.place.population} place.homes={config.place.homes}: {batch} replicates "
            f"of this place at once need about {need / 1e9:.1f} GB, and this machine has {free / 1e9:.1f} GB free; "
            f"lower run.batch_size (replicates held at once; results do not change) or the place's size")


def launch(verb: str, argv: list[str], task: Callable, config_name: str = "config",
           records_after_checks: bool = False) -> int:
    """Validate, then run `task(cfg)` as a Hydra application: a plain run from one
    composition (run_once), anything with Hydra flags (-m, --cfg, ...) by `hydra.main`.

    What the machine refuses inside the task (an OSError: read-only folder, full disk)
    ends in one line (environment_problem). With `records_after_checks`, Hydra writes no
    .hydra/ records itself; the task calls `write_hydra_records` once its own checks have
    passed, so a refused command changes nothing in an existing folder."""
    flags, overrides = split(argv)
    if flags and set(flags) <= {"-h", "--help"}:
        try:
            print(app_help(verb, overrides, config_name))
        except ConfigError as exc:
            print(f"placesim {verb}: error: {exc}", file=sys.stderr)
            return 2
        return 0
    deferred = (["hydra.output_subdir=null"] if records_after_checks
                and not any(o.lstrip("+").startswith("hydra.output_subdir=") for o in overrides) else [])
    if not flags and not any(o.lstrip("+~").startswith("hydra.mode=") for o in overrides):
        return run_once(verb, [*overrides, f"hydra.job.name={verb}", *deferred, "hydra.mode=RUN"], task, config_name)
    import hydra

    modes = [f for f in flags if f in ("-m", "--multirun", "--cfg", "-c", "--info", "-i", "--shell-completion", "-sc")]
    if len(modes) > 1:
        print(f"placesim {verb}: error: {' and '.join(modes)}: give only one of -m, --cfg, --info", file=sys.stderr)
        return 2
    if not set(flags) & HELP:
        multirun = bool(set(flags) & {"-m", "--multirun"})
        try:
            config = validate(overrides, config_name)
            problem = ((multirun and seed_problem(overrides, config)) or launcher_problem(overrides, multirun)
                       or output_problem(overrides, multirun) or memory_problem(config))
        except ConfigError as exc:
            problem = str(exc)
        if problem:
            print(f"placesim {verb}: error: {problem}", file=sys.stderr)
            return 2
    register()
    from experiments.cli import resume_collection

    resume_collection()                         # a multirun's parent runs no task itself
    app = hydra.main(config_path=str(CONFIG_DIR), config_name=config_name, version_base="1.3")(guard(verb, task))
    saved = sys.argv
    sys.argv = [f"placesim {verb}", *flags, *overrides, f"hydra.job.name={verb}", *deferred]
    try:
        app()
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        sys.argv = saved
    return 0


def guard(verb: str, task: Callable) -> Callable:
    """`task` with what the machine refuses (an OSError, a result that is not finite, no
    memory) ending in one line and exit status 2."""
    def guarded(cfg) -> None:
        from analysis.results import ResultsError
        from experiments.cli import resume_collection

        resume_collection()                     # paused for start-up by the command line
        try:
            task(cfg)
        except (OSError, ResultsError) as exc:      # the machine said no, or a result is not finite
            line = environment_problem(exc) if isinstance(exc, OSError) else str(exc)
            print(f"placesim {verb}: error: {line}", file=sys.stderr)
            raise SystemExit(2) from None
        except MemoryError as exc:
            first = next((ln for ln in str(exc).splitlines() if ln.strip()), "out of memory")
            print(f"placesim {verb}: error: this place needs more memory than this machine can give ({first}); "
                  f"lower place.population and place.homes, or run.batch_size (replicates held at once)",
                  file=sys.stderr)
            raise SystemExit(2) from None

    return guarded


def run_once(verb: str, overrides: list[str], task: Callable, config_name: str) -> int:
    """A single run (no Hydra flags) from one composition: the config is composed with its
    `hydra` node, checked, and handed to the task the way `hydra.main` would (Hydra's
    `Hydra.run`: output folder, .hydra/ records, logging), instead of composing it three
    times (our check, Hydra's run-mode probe, Hydra's run), about 0.1 s each."""
    from hydra._internal.callbacks import Callbacks
    from hydra._internal.utils import run_and_report
    from hydra.core.utils import configure_log, run_job
    from hydra.types import HydraContext
    from omegaconf import open_dict, read_write

    try:
        sweep = next((o for o in _parsed(overrides) if o.is_sweep_override()), None)
        if sweep is not None:
            raise ConfigError(f"{sweep.input_line}: more than one value is a sweep, which needs --multirun (-m); "
                              f"for a list write {sweep.get_key_element()}=[...], for text quote it")
        composed = compose(overrides, config_name, with_hydra=True)
        user = copy.deepcopy(composed)
        with read_write(user), open_dict(user):
            del user["hydra"]
        config = to_params(user)
        problem = (output_problem(overrides, multirun=False) or memory_problem(config))
    except ConfigError as exc:
        problem = str(exc)
    if problem:
        print(f"placesim {verb}: error: {problem}", file=sys.stderr)
        return 2
    configure_log(composed.hydra.hydra_logging, composed.hydra.verbose)
    callbacks = Callbacks(composed)
    callbacks.on_run_start(config=composed, config_name=config_name)

    def run() -> None:
        # The config loader serves launchers and sweepers only; a single run has neither.
        ret = run_job(task_function=guard(verb, task), config=composed, job_dir_key="hydra.run.dir",
                      job_subdir_key=None, hydra_context=HydraContext(config_loader=None, callbacks=callbacks))
        callbacks.on_run_end(config=composed, config_name=config_name, job_return=ret)
        _ = ret.return_value                  # raises what the task raised, as Hydra.run does

    try:
        run_and_report(run)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def write_hydra_records(cfg) -> None:
    """Write the .hydra/ records (config.yaml, hydra.yaml, overrides.yaml) Hydra would have
    written before the task, for a task launched with `records_after_checks`."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import _save_config
    from omegaconf import OmegaConf, open_dict, read_write

    hydra_cfg = copy.deepcopy(HydraConfig.instance().cfg)
    with read_write(hydra_cfg.hydra), open_dict(hydra_cfg.hydra):
        hydra_cfg.hydra.output_subdir = ".hydra"
        hydra_cfg.hydra.overrides.hydra = [o for o in hydra_cfg.hydra.overrides.hydra
                                           if o != "hydra.output_subdir=null"]
    folder = Path(hydra_cfg.hydra.runtime.output_dir) / ".hydra"
    _save_config(cfg, "config.yaml", folder)
    _save_config(hydra_cfg, "hydra.yaml", folder)
    _save_config(OmegaConf.create(list(hydra_cfg.hydra.overrides.task)), "overrides.yaml", folder)


def start_task(verb: str, cfg):
    """Inside a Hydra task: (typed config, output folder), or exit with one line."""
    import logging
    from pathlib import Path

    from hydra.core.hydra_config import HydraConfig

    from configs.compose import ConfigError, plausibility_warnings, resolve

    logging.getLogger("MESA").setLevel(logging.WARNING)     # launcher workers too
    try:
        resolved = resolve(cfg)
    except ConfigError as exc:
        print(f"placesim {verb}: error: {exc}", file=sys.stderr)
        raise SystemExit(2)
    for note in plausibility_warnings(resolved.config):
        logging.getLogger("placesim").warning(note)
    return resolved, Path(HydraConfig.get().runtime.output_dir)
