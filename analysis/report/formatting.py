"""Numbers and names as the report prints them.

Numbers are rounded to what their uncertainty supports (`rounded`): to the decimal place
of the leading digit of the 90% interval's half-width (so "+2 (0 to +5)", not
"+1.73 (-0.21 to +4.82)"), children in whole children; costs to three significant figures
and costs per additional child to two.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from sim.outcomes import MILESTONE, OUTCOMES

MINUS = "\u2212"


def finite(*values: Any) -> bool:
    try:
        return all(v is not None and math.isfinite(float(v)) for v in values)
    except (TypeError, ValueError):
        return False


def decimals_for(low: float, high: float, default: int = 0, most: int = 3) -> int:
    """Decimal places an interval supports: those of the leading digit of its half-width."""
    if not finite(low, high) or high - low <= 0:
        return default
    half = (float(high) - float(low)) / 2
    return int(min(max(-math.floor(math.log10(half)), 0), most))


def _quantize(value: float, places: int) -> Decimal:
    """`value` rounded half away from zero to `places` decimal places (negative: tens,
    hundreds...), with enough working precision for any magnitude (Decimal's default 28
    digits raise InvalidOperation on a very large or very small value)."""
    exact = Decimal(repr(value))
    magnitude = exact.adjusted() if exact != 0 else 0
    context = Context(prec=max(28, abs(magnitude) + abs(places) + 2))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=context)


def number(value: float, decimals: int, signed: bool = False, grouping: bool = True) -> str:
    """A rounded number (half away from zero) with a true minus sign and no "-0"."""
    if not finite(value):
        return "n/a"
    q = _quantize(float(value), decimals)
    if q == 0:
        q = abs(q)
    text = f"{abs(q):,.{decimals}f}" if grouping else f"{abs(q):.{decimals}f}"
    if q < 0:
        return MINUS + text
    return ("+" + text) if signed and q > 0 else text


def rounded(median: float, low: float, high: float, *, signed: bool = True, scale: float = 1.0,
            default: int = 0, most: int = 3) -> tuple[str, str, str]:
    """(median, low, high) as strings, all to the decimals the interval supports."""
    m, lo, hi = (float(x) * scale if finite(x) else float("nan") for x in (median, low, high))
    d = decimals_for(lo, hi, default, most)
    return number(m, d, signed), number(lo, d, signed), number(hi, d, signed)


def interval_text(median: float, low: float, high: float, **kw: Any) -> str:
    """"+2 (0 to +5)": the median and its 90% interval, rounded alike."""
    m, lo, hi = rounded(median, low, high, **kw)
    if m == "n/a":
        return "n/a"
    return f"{m} ({lo} to {hi})"


def extra_text(row: Any) -> str:
    """Additional children reaching a milestone: median (90% interval), in whole children
    (a tenth of a child is no meaningful figure, however narrow the interval)."""
    return interval_text(row["extra_children"], row["extra_low"], row["extra_high"], most=0)


def significant(value: float, sig: int) -> float:
    if not finite(value) or value == 0:
        return float(value) if finite(value) else float("nan")
    digits = sig - 1 - math.floor(math.log10(abs(value)))
    return float(_quantize(float(value), digits))


def money(value: float, sig: int = 3) -> str:
    """GBP to `sig` significant figures: "£461,000", "£1.23 million"."""
    if not finite(value):
        return "n/a"
    v = significant(float(value), sig)
    if abs(v) >= 1e6:
        digits = max(sig - 1 - int(math.floor(math.log10(abs(v) / 1e6))), 0)
        return f"£{number(v / 1e6, digits)} million"
    return f"£{number(v, 0)}"


def cost_per_child_range(row: Any) -> str:
    """The cost per additional child at the two ends of the children's 90% interval,
    "£260,000 to £1.1 million" (for an interval that lies above zero)."""
    from analysis.compare import cost_per_child_range as per_child

    low, high = per_child(row["total_cost"], row["extra_low"], row["extra_high"])
    return f"{money(low, 2)} to {money(high, 2)}"


LESS_THAN_ONE_CHILD = 0.5     # a median effect that rounds to no child


def not_distinguishable_text(replicates: Any, needed: Any) -> str:
    """"not distinguishable from no change with 10 replicates; about 90 replicates would
    be needed to tell an effect this size from no change" (the second part only where
    the median is not zero: analysis.compare.certainty)."""
    more = (f"; about {number(significant(float(needed), 2), 0)} replicates would be needed to tell an effect "
            f"this size from no change" if finite(needed) else "")
    return f"not distinguishable from no change with {int(replicates)} replicates{more}"


def cost_or_uncertainty_text(row: Any) -> str:
    """The headline's last cell, by the honest-headline rule: where the additional
    children's 90% interval lies above zero, the cost per additional child over that
    interval ("£260,000 to £1.1 million"); where it includes zero, that the effect cannot
    be told apart from no change with these replicates, and about how many would tell it
    (analysis.compare.certainty); where it lies below zero, that fewer children reach it."""
    lo, hi, n = row["extra_low"], row["extra_high"], row["replicates"]
    if finite(lo) and lo > 0:
        cost = row["total_cost"]
        return cost_per_child_range(row) if finite(cost) and cost > 0 else "at no cost"
    if finite(hi) and hi < 0:
        return "fewer children than without it"
    median = row.get("extra_children", float("nan"))       # rows that do not carry it skip this rule
    if finite(median) and abs(float(median)) < LESS_THAN_ONE_CHILD:
        # "0 (-16 to +3)": how many replicates would tell an effect that rounds to no child
        # at all is no useful figure (it runs to millions).
        return not_distinguishable_text(n, float("nan")) + "; the median effect is less than one child"
    return not_distinguishable_text(n, row.get("replicates_needed", float("nan")))


def difference_text(row: Any) -> str:
    """The honest-headline rule for a difference that is not a count of children (a
    system area's last year): higher, lower, or not distinguishable from no change."""
    lo, hi = row["diff_low"], row["diff_high"]
    if finite(lo) and lo > 0:
        return "higher than without it"
    if finite(hi) and hi < 0:
        return "lower than without it"
    return not_distinguishable_text(row["replicates"], row.get("replicates_needed", float("nan")))


# -- names as words --------------------------------------------------------------------------------

def label(name: str) -> str:
    """A scenario key as words: core_team_exit -> Core team exit."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def place_title(name: str) -> str:
    words = " ".join(w[:1].upper() + w[1:] for w in name.replace("_", " ").split())
    return words.replace("Smallshaw Hurst", "Smallshaw-Hurst")


def years_text(y: float) -> str:
    n = number(y, 0 if float(y).is_integer() else 1)
    return f"{n} year" + ("" if n == "1" else "s")


def outcome_title(outcome: str) -> str:
    """A milestone's short label or a time-series column's label (sim/outcomes.py)."""
    if outcome not in OUTCOMES:
        return outcome
    o = OUTCOMES[outcome]
    return o.short_label if o.kind == MILESTONE else o.label


def lower_first(text: str) -> str:
    return text if text.startswith("Key Stage") else text[:1].lower() + text[1:]


def list_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]

