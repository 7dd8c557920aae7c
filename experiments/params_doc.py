"""`placesim params`: write docs/parameters.md from the parameter registry, and the
outcome tables of docs/results.md from the table of outcomes (sim/outcomes.py).

The registry is the dataclasses themselves (sim/params.py, configs/compose.py and the
intervention classes in sim/interventions), walked by `sim.registry.entries`. This module
only formats what the registry and the table of outcomes say, so the documents cannot
drift from the code: `placesim params --check` (run by tests/test_docs.py) fails when
either differs from what would be generated now.

    placesim params            # regenerate docs/parameters.md and docs/results.md's tables
    placesim params --check    # exit 1 with one line if either is out of date
"""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator

from configs.compose import PLACE_DIR, SCENARIO_DIR, SWEEP_DIR, yaml_comments, yaml_header
from configs.evidence import CLASSES, evidence_class, fmt, hard, plausible, unlocated_seed_citations
from sim.registry import Entry, Spec, entries

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "parameters.md"
RESULTS = ROOT / "docs" / "results.md"
CONFIGS = ROOT / "configs"

# -- formatting -----------------------------------------------------------------------

def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


# -- walking the registry ---------------------------------------------------------------

def field_comment(cls: type, name: str) -> str:
    """The trailing `# comment` of a dataclass field's line in its source, if any."""
    for klass in cls.__mro__:
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        m = re.search(rf"^\s+{re.escape(name)}\s*:[^\n#]*#\s*(.*)$", source, re.M)
        if m:
            return m.group(1).strip()
    return ""


def first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def default_of(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return "required"


def unregistered(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any, str, str]]:
    """Fields with no registry spec (switches, names): (key, value, type, comment)."""
    for f in dataclasses.fields(obj):
        if "spec" in f.metadata or f.name.startswith("_"):
            continue
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from unregistered(value, prefix + f.name + ".")
            continue
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        yield prefix + f.name, value, kind, field_comment(type(obj), f.name)


def object_at(root: Any, path: str) -> Any:
    obj = root
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def group_of(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def registry_row(e: Entry, key: str, notes: list[str], note_key: str | None = None) -> list[str]:
    s = e.spec
    source = s.source
    missing = unlocated_seed_citations(source)
    if missing:
        notes.append(note_key or f"`{key}`")
        source += " (†)"
    return [f"`{key}`", fmt(e.value), s.unit, plausible(s), hard(s), source,
            evidence_class(s.source), s.doc]


HEADER = ["key", "default", "unit", "plausible range", "hard limits", "source", "evidence", "meaning"]


# -- YAML presets ---------------------------------------------------------------------------

def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict) and v:
                out.update(flatten(v, key + "."))
            else:
                out[key] = v
    return out


def place_presets() -> list[tuple[str, Path, dict[str, Any], Any]]:
    """(name, path, keys set in the file, resolved PlaceParams) per configs/place/*.yaml."""
    import yaml
    from omegaconf import OmegaConf

    from sim.params import PlaceParams

    presets = []
    for path in sorted(PLACE_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text()) or {}
        merged = OmegaConf.merge(OmegaConf.structured(PlaceParams), OmegaConf.load(path))
        presets.append((path.stem, path, flatten(raw), OmegaConf.to_object(merged)))
    return presets


# -- the document ------------------------------------------------------------------------------

def render() -> str:
    import yaml

    from configs.compose import Config

    cfg = Config()
    notes: list[str] = []
    lines = [
        "# Parameters",
        "",
        "Generated by `placesim params` (experiments/params_doc.py) from the parameter registry:",
        "the dataclasses in sim/params.py, configs/compose.py and sim/interventions/. Do not",
        "edit this file; change the registry and run `placesim params` again. A test",
        "(tests/test_docs.py) fails when this file is out of date.",
        "",
        "Every key is a Hydra override path: `placesim run model.ties.decay=0.03`.",
        "",
        "- **default**: the registry default (the dataclass field's default).",
        "- **plausible range**: what a sensitivity analysis should explore; a value outside it is",
        "  accepted with a warning.",
        "- **hard limits**: outside them the model is meaningless and the value is refused.",
        "- **source**: as written in the registry. Seeds are cited as \"seed 003 L1234\" (line 1234",
        "  of ../shared/seeds/003_*.txt). (†) marks a seed citation without a line, table or",
        "  section.",
        "- **evidence**: parsed from the source text:",
        "",
    ]
    lines += [f"  - *{name}*: {text}." for name, text in CLASSES.items()]
    lines.append("")

    # Which values the primary config changes, and its default place.
    primary = yaml.safe_load((CONFIGS / "config.yaml").read_text()) or {}
    default_place = next((d["place"] for d in primary.get("defaults", [])
                          if isinstance(d, dict) and "place" in d), None)
    overrides = {k: v for k, v in flatten({k: v for k, v in primary.items()
                                           if k not in ("defaults", "hydra")}).items()}
    if default_place:
        lines += [f"A plain `placesim run` uses `place={default_place}` (configs/config.yaml); the",
                  "`place.*` defaults below are those of `place=england_average`, the place the",
                  "milestone thresholds are calibrated on. The presets are side by side further down.", ""]

    # -- summary of evidence classes
    all_entries = list(entries(cfg))
    model_entries = [e for e in all_entries if e.name.startswith(("place.", "model."))]
    counts: dict[str, int] = {}
    for e in model_entries:
        for c in evidence_class(e.spec.source).split(" + "):
            counts[c] = counts.get(c, 0) + 1
    lines += ["## Evidence at a glance", "",
              f"Of the {len(model_entries)} place and model parameters (a source citing both a seed",
              "and a paper counts in both rows):", ""]
    lines += table(["evidence", "parameters"], [[c, counts[c]] for c in CLASSES if c in counts])
    lines.append("")

    # -- one table per group
    groups: "OrderedDict[str, list[Entry]]" = OrderedDict()
    for e in all_entries:
        groups.setdefault(group_of(e.name), []).append(e)
    lines += ["## Registry", ""]
    lines += ["Groups: " + ", ".join(f"[{g}](#{anchor(g)})" for g in groups) + ".", ""]
    for g, rows in groups.items():
        lines += [f"### {g}", ""]
        if "." in g or hasattr(cfg, g) and dataclasses.is_dataclass(getattr(cfg, g)):
            doc = first_paragraph(type(object_at(cfg, g)).__doc__)
        else:
            doc = "Seed of the first replicate; replicate i runs with seed + i."
        if doc:
            lines += [doc, ""]
        table_rows = []
        for e in rows:
            row = registry_row(e, e.name, notes)
            if e.name in overrides and overrides[e.name] != e.value:
                row[1] += f" (configs/config.yaml: {fmt(overrides[e.name])})"
            table_rows.append(row)
        lines += table(HEADER, table_rows)
        lines.append("")

    # -- unregistered settings
    loose = list(unregistered(cfg))
    if loose:
        lines += ["### Settings without a registry entry", "",
                  "Names and switches (no unit or range); the note is the field's comment in the code.", ""]
        lines += table(["key", "default", "type", "note"],
                       [[f"`{k}`", fmt(v), t, c] for k, v, t, c in loose])
        lines.append("")

    lines += place_section()
    lines += intervention_section(notes)
    lines += scenario_section()
    lines += sweep_section()

    if notes:
        lines += ["## Seed citations to locate", "",
                  "These registry sources cite a seed without a line, table or section (marked †", "above):", ""]
        lines += [f"- {k}" for k in dict.fromkeys(notes)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def place_section() -> list[str]:
    from sim.params import PlaceParams

    presets = place_presets()
    if not presets:
        return []
    base = PlaceParams()
    keys = [e.name for e in entries(base)]
    loose = [k for k, *_ in unregistered(base)]
    lines = ["## Place presets side by side", "",
             "`place=<name>` loads configs/place/<name>.yaml over the registry defaults. **Bold**:",
             "the preset sets the value itself; plain: the registry default applies.", ""]
    header = ["key", "registry default"] + [name for name, *_ in presets]
    rows = []
    for key in loose + keys:
        default = object_at(base, key)
        row = [f"`place.{key}`", fmt(default)]
        for _, _, raw, resolved in presets:
            value = fmt(object_at(resolved, key))
            row.append(f"**{value}**" if key in raw else value)
        rows.append(row)
    lines += table(header, rows)
    lines.append("")
    if any(getattr(r, "synthetic", False) for *_, r in presets):
        lines += ["A preset with `synthetic: true` draws the five `place.indicators.*` per replicate from",
                  "seed 004 Table 1 (sim/synthetic.py); its indicator values above are not used.", ""]
    lines += ["### Where each preset's values come from", "",
              "The comment beside each value in its YAML file (a child key without its own comment",
              "shows its parent's).", ""]
    for name, path, raw, _ in presets:
        lines += [f"**{name}** (configs/place/{path.name}). {yaml_header(path)}", ""]
        comments = yaml_comments(path)
        rows = [[f"`place.{k}`", fmt(v), comments.get(k, "")] for k, v in raw.items() if k != "name"]
        if rows:
            lines += table(["key", "value", "source in the preset"], rows)
            lines.append("")
    return lines


def intervention_section(notes: list[str]) -> list[str]:
    try:
        from sim.interventions import KINDS
        from sim.interventions.base import Intervention
    except ImportError:
        return []
    lines = ["## Intervention settings", "",
             "A scenario (configs/scenario/*.yaml, `scenario=<name>`) lists interventions as",
             "`scenario.interventions.<label>` entries, each with a `kind` and that kind's settings.",
             "Keys below are relative to the entry, e.g. `scenario.interventions.team.staff`.", ""]

    def class_rows(cls: type, skip: dict, iv_kind: str = "") -> tuple[list[list[str]], list[list[str]]]:
        registered, loose = [], []
        for f in dataclasses.fields(cls):
            if f.name.startswith("_") or f.name in INTERNAL_FIELDS:
                continue
            if f.name in skip and skip[f.name] == (default_of(f), f.metadata.get("spec")):
                continue                      # as every intervention has it (not overridden)
            spec = f.metadata.get("spec")
            value = default_of(f)
            if spec is not None:
                note_key = f"`scenario.interventions.<label>.{f.name}`" + (f" (kind {iv_kind})" if iv_kind else "")
                registered.append(registry_row(Entry(f.name, value, spec), f.name, notes, note_key))
            else:
                type_name = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
                loose.append([f"`{f.name}`", fmt(value), type_name, field_comment(cls, f.name)])
        return registered, loose

    base_fields = {f.name: (default_of(f), f.metadata.get("spec")) for f in dataclasses.fields(Intervention)}
    reg, _ = class_rows(Intervention, {})
    lines += ["### Every intervention", "", first_paragraph(Intervention.__doc__), ""]
    lines += table(HEADER, reg)
    lines.append("")
    for kind, cls in KINDS.items():
        reg, loose = class_rows(cls, base_fields, kind)
        lines += [f"### kind: {kind}", ""]
        module = inspect.getmodule(cls)
        doc = first_paragraph(module.__doc__) or first_paragraph(cls.__doc__)
        if doc:
            lines += [doc, ""]
        if reg:
            lines += table(HEADER, reg)
            lines.append("")
        if loose:
            lines += ["Choices without a registry entry:", ""]
            lines += table(["key", "default", "type", "note"], loose)
            lines.append("")
        lines += catalogue_table(module)
    return lines


# Fields an intervention keeps for itself; sim.interventions.build refuses them in a scenario.
INTERNAL_FIELDS = ("name",)


def catalogue_table(module: Any) -> list[str]:
    """A module's CATALOGUE (name -> frozen dataclass of structural constants), if any."""
    catalogue = getattr(module, "CATALOGUE", None)
    if not isinstance(catalogue, dict) or not catalogue:
        return []
    first = next(iter(catalogue.values()))
    if not dataclasses.is_dataclass(first):
        return []
    names = [f.name for f in dataclasses.fields(first)]

    def show(v: Any) -> str:
        if isinstance(v, (tuple, list)):
            return ", ".join(show(x) for x in v)
        return v.name.lower() if hasattr(v, "name") and hasattr(v, "value") else fmt(v)

    rows = [[f"`{key}`"] + [show(getattr(item, n)) for n in names] for key, item in catalogue.items()]
    src = inspect.getsource(module)
    m = re.search(r"^#\s*(.*)\n\s*CATALOGUE\s*=", src, re.M)
    lines = [f"CATALOGUE in {module.__name__.replace('.', '/')}.py: structural constants, not registry"
             " parameters" + (f" ({m.group(1).strip().rstrip('.')})" if m else "") + ".", ""]
    return lines + table(["name"] + names, rows) + [""]


def scenario_section() -> list[str]:
    import yaml

    paths = sorted(SCENARIO_DIR.glob("*.yaml")) if SCENARIO_DIR.exists() else []
    if not paths:
        return []
    rows = []
    for path in paths:
        raw = yaml.safe_load(path.read_text()) or {}
        ivs = raw.get("interventions") or {}
        what = ", ".join(f"{label} ({(e or {}).get('kind', '?')})" for label, e in ivs.items()) or "none"
        rows.append([f"`scenario={path.stem}`", raw.get("description", ""), what])
    return ["## Scenario presets", "",
            "configs/scenario/*.yaml; each file's comments give its sources and costs.", ""] + \
        table(["scenario", "description", "interventions (label, kind)"], rows) + [""]


def sweep_section() -> list[str]:
    import yaml

    paths = sorted(SWEEP_DIR.glob("*.yaml")) if SWEEP_DIR.exists() else []
    rows = []
    for path in paths:
        raw = yaml.safe_load(path.read_text()) or {}
        params = raw.get("parameters") or {}
        if not params:
            continue
        design = raw.get("design", "(default)")
        size = ", ".join(f"{k} {fmt(raw[k])}" for k in ("samples", "levels", "replicates") if k in raw)
        keys = ", ".join(f"`{k}`" for k in params)
        rows.append([f"`sweep={path.stem}`", yaml_header(path), f"{design}; {size}" if size else design, keys])
    if not rows:
        return []
    return ["## Sweep presets", "",
            "configs/sweep/*.yaml, run with `placesim sweep sweep=<name>`. A parameter listed with",
            "no range is swept over its plausible range above.", ""] + \
        table(["sweep", "purpose", "design", "parameters"], rows) + [""]


# -- docs/results.md: the table of outcomes -------------------------------------------------

GENERATED = "<!-- generated by `placesim params` from sim/outcomes.py: {} -->"
END_GENERATED = "<!-- end of generated table -->"
# The index columns of timeseries.parquet, before the outcomes.
TIMESERIES_INDEX = (
    ("seed", "Replicate seed", "integer", "seed of the replicate (`seed` + replicate number)"),
    ("month", "Month of the run", "months since the start", "0 = starting state; m = end of month m"),
    ("year", "Calendar time", "years (decimal)",
     "`run.start_year` + month / 12 (month 12 of a run starting 2016 is 2017.0)"),
)
DOMAINS = ("learning", "health", "wellbeing")


def score_words(weights: tuple[float, float, float]) -> str:
    """(0.7, 0, 0.3) -> "0.7 x learning + 0.3 x wellbeing"; (1, 0, 0) -> "learning"."""
    parts = [(w, d) for w, d in zip(weights, DOMAINS) if w]
    return " + ".join(d if w == 1 else f"{fmt(w)} x {d}" for w, d in parts)


def results_tables() -> dict[str, list[str]]:
    """The generated tables of docs/results.md, by name."""
    from configs.compose import Config
    from sim.outcomes import MILESTONE, OUTCOMES

    source = {e.name: e.spec.source for e in entries(Config())}
    series = [[f"`{name}`", label, unit, "-", meaning] for name, label, unit, meaning in TIMESERIES_INDEX]
    series += [[f"`{o.name}`", o.label, o.unit, "flow" if o.flow else "stock", o.definition]
               for o in OUTCOMES.values() if o.kind != MILESTONE]
    milestones = [[f"`{o.name}`", o.label, f"{o.age_months} months", score_words(o.score), f"`{o.threshold}`",
                   source[o.threshold]] for o in OUTCOMES.values() if o.kind == MILESTONE]
    return {"timeseries": table(["column", "label", "unit", "stock / flow", "how it is computed"], series),
            "milestones": table(["milestone", "label", "age assessed", "score used", "threshold",
                                 "what the threshold is set to (its registry source)"], milestones)}


def render_results(text: str) -> str:
    """docs/results.md with every generated table replaced by what the code says now."""
    for name, lines in results_tables().items():
        begin = GENERATED.format(name)
        if begin not in text:
            raise ValueError(f"docs/results.md has no line '{begin}'")
        head, rest = text.split(begin + "\n", 1)
        _, tail = rest.split(END_GENERATED + "\n", 1)
        text = head + begin + "\n" + "\n".join(lines) + "\n" + END_GENERATED + "\n" + tail
    return text


# -- command line ----------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="placesim params", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/parameters.md differs from what would be generated")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default docs/parameters.md)")
    args = parser.parse_args(argv)
    documents = {args.out: render()}
    if args.out == OUT:                     # the default run also keeps docs/results.md's tables
        documents[RESULTS] = render_results(RESULTS.read_text())
    for path, text in documents.items():
        if args.check:
            current = path.read_text() if path.exists() else ""
            if current != text:
                print(f"placesim params: {display(path)} is out of date; run `placesim params` to regenerate it",
                      file=sys.stderr)
                return 1
            print(f"{display(path)} is up to date")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {display(path)}")
    return 0


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
