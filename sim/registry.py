"""The parameter registry: every model parameter declares its default, unit,
plausible range and source in one place, as dataclass field metadata.

The dataclasses in `sim.params` *are* the registry. `entries()` walks them, and the
docs (docs/parameters.md), the config validation and the sensitivity analysis all
read what it returns, so the numbers cannot drift apart.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np


@dataclass(frozen=True)
class Spec:
    """What a parameter means and how far it may be moved.

    `low`/`high` is the plausible range (what a sensitivity analysis should explore);
    `hard_low`/`hard_high` are the limits outside which the model is meaningless
    (a negative capacity, a probability above 1) and a value is refused.
    """

    unit: str
    low: float | None
    high: float | None
    source: str
    doc: str
    hard_low: float | None = None
    hard_high: float | None = None
    uncertain: bool | None = None     # a guess to screen in a sensitivity analysis; None: "assumption" in source

    def __post_init__(self) -> None:
        if self.uncertain is None:
            object.__setattr__(self, "uncertain", "assumption" in self.source.lower())


def param(default: Any, unit: str, low: float | None, high: float | None, source: str,
          doc: str, *, hard: tuple[float | None, float | None] = (None, None), uncertain: bool | None = None) -> Any:
    """Declare a registered dataclass field."""
    spec = Spec(unit=unit, low=low, high=high, source=source, doc=doc,
                hard_low=hard[0], hard_high=hard[1], uncertain=uncertain)
    return field(default=default, metadata={"spec": spec})


def prob(default: float, low: float, high: float, source: str, doc: str, unit: str = "probability") -> Any:
    """A parameter that must lie in [0, 1]."""
    return param(default, unit, low, high, source, doc, hard=(0.0, 1.0))


def nonneg(default: float, unit: str, low: float, high: float, source: str, doc: str) -> Any:
    """A parameter that must not be negative."""
    return param(default, unit, low, high, source, doc, hard=(0.0, None))


@dataclass(frozen=True)
class Entry:
    """One registry row: a dotted name, its current value and its spec."""

    name: str
    value: Any
    spec: Spec


def entries(obj: Any, prefix: str = "") -> Iterator[Entry]:
    """Yield every registered parameter of a (nested) params dataclass instance."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if "spec" in f.metadata:
            yield Entry(name, value, f.metadata["spec"])
        elif dataclasses.is_dataclass(value):
            yield from entries(value, prefix=name + ".")


def check(obj: Any, prefix: str = "") -> list[str]:
    """Return one message per value outside its hard limits (empty if all fine)."""
    problems = []
    for e in entries(obj, prefix):
        v = e.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if isinstance(v, float) and not math.isfinite(v):
            problems.append(f"{e.name}={v!r}: must be a finite number")
            continue
        lo, hi = e.spec.hard_low, e.spec.hard_high
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            problems.append(f"{e.name}={v!r}: allowed {allowed_range(e.spec)}")
    return problems


def allowed_range(spec: Spec) -> str:
    """'[lo, hi] (unit)', the hard limits as a user reads them."""
    lo, hi = spec.hard_low, spec.hard_high
    return f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}] ({spec.unit})"


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def field_problem(key: str, value: Any, f: dataclasses.Field, kind: Any) -> str | None:
    """Why `value` cannot be given to dataclass field `f` (declared type `kind`, from
    typing.get_type_hints), as one line naming the key, the value and what is allowed;
    None when it can. A registered field (a Spec) takes a finite number within its hard
    limits (a whole one when declared int); None only when the type is Optional. An
    unregistered field takes its declared type (text for str, true/false for bool). Used
    for settings that arrive untyped, e.g. a scenario's interventions."""
    args = typing.get_args(kind)
    optional = typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in args
    if optional:
        kind = next((a for a in args if a is not type(None)), Any)
    if value is None:
        return None if optional or f.default is None else f"{key}=null: a value is required"
    spec = f.metadata.get("spec")
    if spec is not None or kind in (int, float):
        allowed = f"; allowed {allowed_range(spec)}" if spec is not None else ""
        if not _is_number(value):
            what = ("a boolean" if isinstance(value, (bool, np.bool_))
                    else "text" if isinstance(value, str)
                    else f"a {type(value).__name__}" if isinstance(value, (list, tuple, dict, set))
                    else type(value).__name__)
            return f"{key}={value!r}: expected one number, not {what}{allowed}"
        if not math.isfinite(value):
            return f"{key}={value!r}: must be a finite number{allowed}"
        if kind is int and value != int(value):
            return f"{key}={value!r}: expected a whole number{allowed}"
        if spec is not None:
            lo, hi = spec.hard_low, spec.hard_high
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                return f"{key}={value!r}: outside the hard limits{allowed}"
        return None
    if kind is str and not isinstance(value, str):
        return f"{key}={value!r}: expected a name (text), not {type(value).__name__}"
    if kind is bool and not isinstance(value, (bool, np.bool_)):
        return f"{key}={value!r}: expected true or false"
    return None


def checked_settings(cls: type, settings: dict[str, Any], prefix: str) -> tuple[dict[str, Any], list[str]]:
    """Settings for dataclass `cls` checked field by field (field_problem): (the settings,
    with whole numbers given as floats to int fields made int, e.g. a swept 3.0; one line
    per problem, keys as `prefix` + field name). Unknown keys are the caller's concern."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - an unresolvable annotation is checked by its spec only
        hints = {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out, problems = dict(settings), []
    for key, value in settings.items():
        f = fields.get(key)
        if f is None:
            continue
        kind = hints.get(key, Any)
        problem = field_problem(f"{prefix}{key}", value, f, kind)
        if problem:
            problems.append(problem)
        elif kind is int and _is_number(value) and not isinstance(value, int):
            out[key] = int(value)
    return out, problems


def outside_plausible(obj: Any, prefix: str = "") -> list[str]:
    """Values inside the hard limits but outside the plausible range (warn, not refuse)."""
    notes = []
    for e in entries(obj, prefix):
        v = e.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        lo, hi = e.spec.low, e.spec.high
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            notes.append(f"{e.name}={v!r} is outside its plausible range [{lo}, {hi}]")
    return notes


def record(cls: type, *sources: Any, **derived: Any) -> Any:
    """A kernel's parameter record (a NamedTuple) filled by name: each field from
    `derived` when given there, else from the first source dataclass (sim.params) that
    has an attribute of that name, converted to the field's declared type (float or int:
    numba compiles a Python int field as int64). Registry names go through unchanged,
    so two values cannot be swapped on the way; a field found nowhere is an error."""
    hints = typing.get_type_hints(cls)
    values = {}
    for name in cls._fields:
        if name in derived:
            value = derived[name]
        else:
            source = next((s for s in sources if hasattr(s, name)), None)
            if source is None:
                raise AttributeError(f"{cls.__name__}.{name}: in no source and not derived")
            value = getattr(source, name)
        kind = hints.get(name)
        values[name] = kind(value) if kind in (float, int) else value
    return cls(**values)
