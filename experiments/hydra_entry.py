"""Shared plumbing for verbs that are Hydra applications: check the user's overrides
first (so a mistake is one line, never a traceback), then hand over to `hydra.main`.
"""
from __future__ import annotations

import sys
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


def _expand(overrides: list[str]) -> list[list[str]]:
    """Override lists to check: sweeps are checked one value at a time."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    try:
        parsed = parser.parse_overrides(overrides)
    except Exception as exc:
        raise ConfigError(str(exc).splitlines()[0]) from None
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


def validate(overrides: list[str], config_name: str = "config") -> None:
    user = [o for o in overrides if not o.lstrip("+~").startswith("hydra.") and not o.lstrip("+~").startswith("hydra/")]
    for group in _expand(user):
        to_params(compose(group, config_name=config_name))


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


def launch(verb: str, argv: list[str], task: Callable, config_name: str = "config") -> int:
    """Validate, then run `task(cfg)` as a Hydra application with Hydra's own CLI."""
    flags, overrides = split(argv)
    if flags and set(flags) <= {"-h", "--help"}:
        try:
            print(app_help(verb, overrides, config_name))
        except ConfigError as exc:
            print(f"placesim {verb}: error: {exc}", file=sys.stderr)
            return 2
        return 0
    import hydra

    if not set(flags) & HELP:
        try:
            validate(overrides, config_name)
        except ConfigError as exc:
            print(f"placesim {verb}: error: {exc}", file=sys.stderr)
            return 2
    register()
    app = hydra.main(config_path=str(CONFIG_DIR), config_name=config_name, version_base="1.3")(task)
    saved = sys.argv
    sys.argv = [f"placesim {verb}", *flags, *overrides, f"hydra.job.name={verb}"]
    try:
        app()
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        sys.argv = saved
    return 0


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
