"""The funders' report: one self-contained HTML file and a PDF of the same content,
built from a `placesim compare` folder (or a sweep folder with sensitivity results).

It reads only saved results: compare.json, summary.csv (the numbers the report quotes,
exactly as `placesim compare` wrote them), each scenario's timeseries.parquet,
milestones.parquet and config.yaml, and the parameter registry (sim.registry over
configs.compose.Config and sim.interventions.KINDS).

Built from maintained parts:

- Jinja2 templates and a CSS file (analysis/templates/);
- matplotlib figures (Okabe-Ito colours, with line styles and markers that also differ,
  so they read in greyscale), embedded as base64 PNG `data:` URIs with alt text;
- pandas' Styler for the tables;
- **WeasyPrint** (PyPI) for the PDF. Chosen after checking this machine: Debian 12
  ships the Pango (1.50), HarfBuzz and fontconfig libraries WeasyPrint 70 needs, so it
  renders HTML + CSS to PDF in-process with no browser; Chromium's print-to-PDF was the
  fallback and is not needed (Chromium is only used by the tests, to look at the HTML as
  a reader would). WeasyPrint is given a URL fetcher that allows only `data:` URLs, so
  nothing is fetched at render time.

Numbers are rounded to what their uncertainty supports (`rounded`): to the decimal place
of the leading digit of the 90% interval's half-width (so "+2 (0 to +5)", not
"+1.73 (-0.21 to +4.82)"); costs to three significant figures and costs per additional
child to two.

Sensitivity (which guesses move the headline) comes from `placesim analyse`: the tables
`<sweep folder>/analysis/<outcome>_indices.csv` (a `parameter` column, a registry key
such as `model.ties.decay`, and ST/S1 for Sobol designs, mu_star for Morris, spearman
for Latin hypercube and factorial designs). A sweep folder is reported through its own
tables; a compare report reads them with `sensitivity=<sweep folder or indices file>`
(or finds them in its own `analysis/` folder). A parameter "moves the headline" if, for a
milestone outcome (eyfs_gld, ks2, ks4, eet18, decay_free5; any outcome if none is a
milestone), its total Sobol index ST (or S1) is at least 0.05, its Morris mu* at least a
tenth of the largest, or its rank correlation at least 0.3 in size.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import io
import json
import math
import os
import tempfile
import textwrap
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sim.outcomes import OUTCOMES, SYSTEM_AREAS

TEMPLATES = Path(__file__).resolve().parent / "templates"
MINUS = "\u2212"

MILESTONES = ("eyfs_gld", "ks2", "ks4", "eet18", "decay_free5")
MILESTONE_SHORT = {m: OUTCOMES[m].short_label for m in MILESTONES}
SUMMARY_COLUMNS = ("scenario", "outcome", "group", "median", "low", "high", "diff_median", "diff_low",
                   "diff_high", "extra_children", "extra_low", "extra_high", "total_cost",
                   "cost_per_extra_child", "replicates")
MANIFEST_KEYS = ("place", "seeds", "months", "start_year", "scenarios", "done")
MILESTONE_COLUMNS = ("seed", "year", "milestone", "group", "reached", "assessed", "share")
# Index columns of `placesim analyse` tables, in order of preference.
SENSITIVITY_INDICES = ("ST", "mu_star", "S1", "spearman")
INDEX_WORDS = {"ST": "total-order Sobol index", "S1": "first-order Sobol index",
               "mu_star": "Morris mu* (mean size of the elementary effects)",
               "spearman": "Spearman rank correlation with the outcome"}
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


class ReportError(ValueError):
    """A folder the report cannot be made from (one line naming the folder and what is missing)."""


# -- rounding to what the uncertainty supports ------------------------------------------------

def _finite(*values: Any) -> bool:
    try:
        return all(v is not None and math.isfinite(float(v)) for v in values)
    except (TypeError, ValueError):
        return False


def decimals_for(low: float, high: float, default: int = 0, most: int = 3) -> int:
    """Decimal places an interval supports: those of the leading digit of its half-width."""
    if not _finite(low, high) or high - low <= 0:
        return default
    half = (float(high) - float(low)) / 2
    return int(min(max(-math.floor(math.log10(half)), 0), most))


def number(value: float, decimals: int, signed: bool = False, grouping: bool = True) -> str:
    """A rounded number (half away from zero) with a true minus sign and no "-0"."""
    if not _finite(value):
        return "n/a"
    q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)
    text = f"{abs(q):,.{decimals}f}" if grouping else f"{abs(q):.{decimals}f}"
    if q < 0:
        return MINUS + text
    return ("+" + text) if signed and q > 0 else text


def rounded(median: float, low: float, high: float, *, signed: bool = True, scale: float = 1.0,
            default: int = 0, most: int = 3) -> tuple[str, str, str]:
    """(median, low, high) as strings, all to the decimals the interval supports."""
    m, lo, hi = (float(x) * scale if _finite(x) else float("nan") for x in (median, low, high))
    d = decimals_for(lo, hi, default, most)
    return number(m, d, signed), number(lo, d, signed), number(hi, d, signed)


def interval_text(median: float, low: float, high: float, **kw: Any) -> str:
    """"+2 (0 to +5)": the median and its 90% interval, rounded alike."""
    m, lo, hi = rounded(median, low, high, **kw)
    if m == "n/a":
        return "n/a"
    return f"{m} ({lo} to {hi})"


def extra_text(row: Any) -> str:
    """Additional children reaching a milestone: median (90% interval), at most one decimal."""
    return interval_text(row["extra_children"], row["extra_low"], row["extra_high"], most=1)


def significant(value: float, sig: int) -> float:
    if not _finite(value) or value == 0:
        return float(value) if _finite(value) else float("nan")
    digits = sig - 1 - math.floor(math.log10(abs(value)))
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def money(value: float, sig: int = 3) -> str:
    """GBP to `sig` significant figures: "£461,000", "£1.23 million"."""
    if not _finite(value):
        return "n/a"
    v = significant(float(value), sig)
    if abs(v) >= 1e6:
        digits = max(sig - 1 - int(math.floor(math.log10(abs(v) / 1e6))), 0)
        return f"£{number(v / 1e6, digits)} million"
    return f"£{number(v, 0)}"


def cost_per_child_text(row: Any) -> str:
    """The cost per additional child (two significant figures); "n/a" when the median
    scenario gives no additional children."""
    cpc = row["cost_per_extra_child"]
    return money(cpc, 2) if _finite(cpc) and cpc > 0 else "n/a"


def cost_per_child_range(row: Any) -> str:
    """The cost per additional child at the ends of the 90% interval of the children:
    "£260,000 to £9.9 million", or "at least £260,000" when the interval includes no
    additional children (no upper bound)."""
    cost, lo, hi = row["total_cost"], row["extra_low"], row["extra_high"]
    if not (_finite(cost) and cost > 0):
        return ""
    if _finite(hi) and hi > 0 and _finite(lo) and lo > 0:
        return f"{money(cost / hi, 2)} to {money(cost / lo, 2)}"
    if _finite(hi) and hi > 0:
        return f"at least {money(cost / hi, 2)}"
    return "n/a"


# -- reading a folder ----------------------------------------------------------------------------

@dataclass
class CompareInputs:
    folder: Path
    manifest: dict
    summary: pd.DataFrame
    results: dict[str, dict[str, pd.DataFrame]]
    configs: dict[str, dict]
    sensitivity: pd.DataFrame | None = None


@dataclass
class SweepInputs:
    folder: Path
    manifest: dict
    sensitivity: pd.DataFrame


def read_inputs(folder: Path | str, sensitivity: Path | str | None = None) -> CompareInputs | SweepInputs:
    """Check a folder and read what the report needs; ReportError (one line) if it cannot."""
    folder = Path(folder)
    if not folder.exists():
        raise ReportError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a folder; give the folder `placesim compare` or `placesim sweep` wrote")
    if (folder / "compare.json").exists():
        return _read_compare(folder, read_sensitivity(sensitivity if sensitivity else folder,
                                                      required=bool(sensitivity)))
    if (folder / "sweep.json").exists():
        manifest = _json(folder / "sweep.json", folder)
        if manifest.get("format", 1) != 1 or manifest.get("kind", "sweep") != "sweep":
            raise ReportError(f"{folder}: sweep.json is format {manifest.get('format')!r} of kind "
                              f"{manifest.get('kind')!r}, written by an incompatible placesim; this version reads "
                              "sweep format 1")
        sens = read_sensitivity(sensitivity if sensitivity else folder, required=bool(sensitivity))
        if sens is None:
            raise ReportError(f"{folder}: a sweep with no sensitivity results (no analysis/<outcome>_indices.csv); "
                              f"run `placesim analyse path={folder} outcome=ks4` first")
        return SweepInputs(folder, manifest, sens)
    hint = ""
    if (folder / "run.json").exists():
        hint = " (it holds a single run; the report compares scenarios: run `placesim compare`)"
    raise ReportError(f"{folder}: holds no compare or sweep results (no compare.json or sweep.json){hint}")


def _json(path: Path, folder: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ReportError(f"{folder}: {path.name} cannot be read ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{folder}: {path.name} is not a placesim manifest")
    return data


def _read_compare(folder: Path, sensitivity: pd.DataFrame | None) -> CompareInputs:
    import yaml

    manifest = _json(folder / "compare.json", folder)
    if manifest.get("format") != 1 or manifest.get("kind", "compare") != "compare":
        raise ReportError(f"{folder}: compare.json is format {manifest.get('format')!r}, written by an incompatible "
                          "placesim (this version reads compare format 1); re-run `placesim compare`")
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        raise ReportError(f"{folder}: compare.json lacks {', '.join(missing)}: written by an older, incompatible "
                          "placesim; re-run `placesim compare`")
    done = list(manifest["done"])
    if "baseline" not in done:
        why = manifest.get("failed", {}).get("baseline")
        raise ReportError(f"{folder}: a compare without a finished baseline"
                          + (f" (it failed: {why})" if why else "")
                          + "; nothing to measure the scenarios against")
    if len(done) < 2:
        raise ReportError(f"{folder}: only the baseline finished; no scenario to report on")
    results, configs = {}, {}
    for name in done:
        sub = folder / name
        for f in ("timeseries.parquet", "milestones.parquet", "config.yaml"):
            if not (sub / f).exists():
                raise ReportError(f"{folder}: scenario {name} has no {f} (an interrupted or older compare)")
        try:
            ts = pd.read_parquet(sub / "timeseries.parquet")
            ms = pd.read_parquet(sub / "milestones.parquet")
            cfg = yaml.safe_load((sub / "config.yaml").read_text()) or {}
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one line
            raise ReportError(f"{folder}: scenario {name}'s results cannot be read ({type(exc).__name__})") from None
        _need(folder, f"{name}/timeseries.parquet", ts.columns, ("seed", "month", "cost", "stage", *_system_keys()))
        _need(folder, f"{name}/milestones.parquet", ms.columns, MILESTONE_COLUMNS)
        results[name] = {"timeseries": ts, "milestones": ms}
        configs[name] = cfg
    summary_path = folder / "summary.csv"
    if summary_path.exists():
        summary = pd.read_csv(summary_path)
        _need(folder, "summary.csv", summary.columns, SUMMARY_COLUMNS)
    else:  # an interrupted compare: the same summary, made in memory (nothing is written)
        from analysis.compare import summarise

        summary = summarise(results)
    if "baseline" not in set(summary["scenario"]):
        raise ReportError(f"{folder}: summary.csv has no baseline rows; nothing to measure the scenarios against")
    return CompareInputs(folder, manifest, summary, results, configs, sensitivity)


def _need(folder: Path, what: str, have: Any, need: tuple[str, ...]) -> None:
    missing = [c for c in need if c not in set(have)]
    if missing:
        raise ReportError(f"{folder}: {what} lacks {', '.join(missing)}: written by an older, incompatible "
                          "placesim; re-run `placesim compare`")


def _system_keys() -> tuple[str, ...]:
    return SYSTEM_AREAS


def read_sensitivity(source: Path | str, required: bool = False) -> pd.DataFrame | None:
    """The sensitivity tables of `placesim analyse` as one long table (parameter, outcome,
    index, value, file): from an indices file, or a folder's analysis/*_indices.csv."""
    source = Path(source)
    if source.is_dir():
        files = sorted((source / "analysis").glob("*_indices.csv")) + sorted(source.glob("*_indices.csv"))
    elif source.exists():
        files = [source]
    else:
        raise ReportError(f"{source}: no such sensitivity file or folder")
    if not files:
        if required:
            raise ReportError(f"{source}: holds no sensitivity results (analysis/<outcome>_indices.csv); "
                              f"run `placesim analyse path={source} outcome=ks4`")
        return None
    parts = []
    for path in files:
        try:
            df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable table is one line
            raise ReportError(f"{path}: cannot be read ({type(exc).__name__})") from None
        index = next((c for c in SENSITIVITY_INDICES if c in df.columns), None)
        if "parameter" not in df.columns or index is None:
            raise ReportError(f"{path}: not a sensitivity table (needs a 'parameter' column and one of "
                              f"{', '.join(SENSITIVITY_INDICES)}; written by `placesim analyse`)")
        outcome = df["outcome"].astype(str) if "outcome" in df.columns else path.stem.removesuffix("_indices")
        parts.append(pd.DataFrame({"parameter": df["parameter"].astype(str), "outcome": outcome,
                                   "index": index, "value": pd.to_numeric(df[index], errors="coerce"),
                                   "file": path.name}))
    return pd.concat(parts, ignore_index=True).dropna(subset=["value"])


def moving_guesses(sensitivity: pd.DataFrame | None) -> dict[str, str]:
    """{parameter: "ST 0.31 for ks4"} for the parameters that move the headline (the
    rule is in the module docstring)."""
    if sensitivity is None or sensitivity.empty:
        return {}
    s = sensitivity
    headline = s[s["outcome"].isin(MILESTONES)]
    s = (headline if not headline.empty else s).copy()
    s["size"] = s["value"].abs()
    out: dict[str, str] = {}
    for (outcome, index), g in s.groupby(["outcome", "index"], sort=False):
        cut = {"ST": 0.05, "S1": 0.05, "spearman": 0.3}.get(index, 0.1 * float(g["size"].max()))
        for r in g[g["size"] >= cut].sort_values("size", ascending=False).itertuples():
            text = f"{index} {number(r.value, 2)} for {outcome}"
            out[r.parameter] = f"{out[r.parameter]}; {text}" if r.parameter in out else text
    return out


# -- small helpers over the results --------------------------------------------------------------

def label(name: str) -> str:
    """A scenario key as words: core_team_exit -> Core team exit."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def place_title(name: str) -> str:
    words = " ".join(w[:1].upper() + w[1:] for w in name.replace("_", " ").split())
    return words.replace("Smallshaw Hurst", "Smallshaw-Hurst")


@dataclass
class Support:
    """When a scenario's support runs, in years from the start (end None: to the end)."""

    start: float | None
    end: float | None
    team: bool
    yearly_cost: float

    @property
    def any(self) -> bool:
        return self.start is not None

    @property
    def first_month(self) -> int:
        return int(round((self.start or 0.0) * 12)) + 1

    def last_month(self, months: int) -> int:
        """The last month with support (the run's last month if it never ends)."""
        return months if self.end is None else min(int(round(self.end * 12)), months)


def support_of(cfg: dict) -> Support:
    ivs = ((cfg.get("scenario") or {}).get("interventions") or {})
    if not ivs:
        return Support(None, None, False, 0.0)
    team = {k: v for k, v in ivs.items() if (v or {}).get("kind") == "core_team"}
    chosen = team or ivs
    starts = [float((v or {}).get("start_year") or 0.0) for v in chosen.values()]
    ends = [(v or {}).get("end_year") for v in chosen.values()]
    end = None if any(e is None for e in ends) else max(float(e) for e in ends)
    yearly = sum(12 * float((v or {}).get("monthly_cost") or 0.0) * float((v or {}).get("intensity", 1.0) or 0.0)
                 for v in ivs.values())
    return Support(min(starts), end, bool(team), yearly)


def _years_text(y: float) -> str:
    n = number(y, 0 if float(y).is_integer() else 1)
    return f"{n} year" + ("" if n == "1" else "s")


def year_of_month(start_year: int, month: int) -> int:
    """The calendar year month m (1, 2, ...) of a run falls in; month 0 counts as the first."""
    return start_year + (max(int(month), 1) - 1) // 12


def _span(start_year: int, first_month: int, last_month: int) -> str:
    a, b = year_of_month(start_year, first_month), year_of_month(start_year, last_month)
    return str(a) if a == b else f"{a}\u2013{b}"


def _quantile(values: np.ndarray, q: float) -> float:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(np.quantile(values, q)) if len(values) else float("nan")


def _median_interval(values: np.ndarray) -> tuple[float, float, float]:
    return _quantile(values, 0.5), _quantile(values, 0.05), _quantile(values, 0.95)


def _window_means(ts: pd.DataFrame, first: int, last: int, cols: list[str]) -> pd.DataFrame:
    w = ts[(ts["month"] >= first) & (ts["month"] <= last)]
    return w.groupby("seed")[cols].mean()


def extra_children_between(results: dict, scenario: str, first_year: int, last_year: int,
                           milestone: str, group: str = "all") -> np.ndarray:
    """Per seed: additional children reaching `milestone` in calendar years
    [first_year, last_year], paired with the baseline (share difference x assessed)."""
    def pick(m: pd.DataFrame) -> pd.DataFrame:
        m = m[(m["milestone"] == milestone) & (m["group"] == group)
              & (m["year"] >= first_year) & (m["year"] <= last_year)]
        return m.set_index(["seed", "year"])[["share", "assessed"]]

    s = pick(results[scenario]["milestones"])
    b = pick(results["baseline"]["milestones"])
    j = s.merge(b, left_index=True, right_index=True, how="inner", suffixes=("", "_base"))
    extra = ((j["share"] - j["share_base"]) * j["assessed"]).fillna(0.0)
    return extra.groupby(level="seed").sum().to_numpy()


# -- figures -------------------------------------------------------------------------------------

# Figure text sizes for a page 7.2 inches wide (A4 less margins), set per figure.
RC = {"font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 7.5, "xtick.labelsize": 7,
      "ytick.labelsize": 7, "legend.fontsize": 7.5, "font.family": "DejaVu Sans"}


def _mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure(fn):
    """Run a figure function under the report's text sizes, leaving matplotlib's global
    settings as they were."""
    import functools

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with _mpl().rc_context(RC):
            return fn(*args, **kwargs)

    return wrapped


def figure_uri(fig) -> str:
    """A figure as a base64 PNG data URI (and close it)."""
    plt = _mpl()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _style(i: int) -> dict:
    from analysis.style import LINESTYLES, OKABE_ITO

    return {"color": OKABE_ITO[i % len(OKABE_ITO)], "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)]}


def _ribbon(ax, x, med, lo, hi, st: dict, name: str) -> None:
    """Median line with markers and a shaded band whose edges repeat the line style
    (so overlapping bands stay apart in greyscale)."""
    ax.fill_between(x, lo, hi, color=st["color"], alpha=0.13, linewidth=0)
    ax.plot(x, lo, color=st["color"], linestyle=st["linestyle"], linewidth=0.6, alpha=0.8)
    ax.plot(x, hi, color=st["color"], linestyle=st["linestyle"], linewidth=0.6, alpha=0.8)
    ax.plot(x, med, color=st["color"], linestyle=st["linestyle"], marker=st["marker"], markersize=3.5,
            markeredgecolor="black", markeredgewidth=0.4, linewidth=1.8, label=name,
            markevery=max(1, len(x) // 8))


def _exit_lines(ax, exits: dict[str, tuple[int, float]]) -> None:
    for i, year in exits.values():
        ax.axvline(year, color=_style(i)["color"], linestyle=(0, (1, 1.5)), linewidth=1.2)


def _with_exits(handles, labels, exits: dict) -> tuple[list, list]:
    """Legend entries plus one dotted line per scenario whose support ends."""
    from matplotlib.lines import Line2D

    handles, labels = list(handles), list(labels)
    for name, (i, _year) in exits.items():
        handles.append(Line2D([], [], color=_style(i)["color"], linestyle=(0, (1, 1.5)), linewidth=1.2))
        labels.append(f"{label(name)}: support ends")
    return handles, labels


def _legend_panel(ax, handles, labels, exits: dict, title: str) -> None:
    ax.axis("off")
    ax.legend(*_with_exits(handles, labels, exits), loc="center", frameon=False, title=title, title_fontsize=7.5)


def _bottom_legend(fig, handles, labels, exits: dict, title: str) -> None:
    handles, labels = _with_exits(handles, labels, exits)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False, title=title,
               title_fontsize=7.5)


@_figure
def headline_figure(ctx: "Context") -> tuple[str, str]:
    plt = _mpl()
    s = ctx.summary_all
    names = ctx.others
    ms = [m for m in MILESTONES if m in set(s["outcome"])]
    fig, ax = plt.subplots(figsize=(7.2, 0.3 * len(ms) * max(len(names), 1) + 1.6))
    step = 0.8 / max(len(names), 1)
    alt = []
    for j, name in enumerate(names):
        st = _style(ctx.index[name])
        parts = []
        for k, m in enumerate(ms):
            r = s[(s["scenario"] == name) & (s["outcome"] == m)]
            if r.empty:
                continue
            r = r.iloc[0]
            y = k - 0.4 + step * (j + 0.5)
            ax.plot([r["extra_low"], r["extra_high"]], [y, y], color=st["color"], linestyle=st["linestyle"],
                    linewidth=2.2, solid_capstyle="butt")
            ax.plot([r["extra_low"]] * 2, [y - 0.08, y + 0.08], color=st["color"], linewidth=1.2)
            ax.plot([r["extra_high"]] * 2, [y - 0.08, y + 0.08], color=st["color"], linewidth=1.2)
            ax.plot(r["extra_children"], y, marker=st["marker"], color=st["color"], markersize=7,
                    markeredgecolor="black", markeredgewidth=0.6, linestyle="none")
            parts.append(f"{MILESTONE_SHORT[m]} {extra_text(r)}")
        alt.append(f"{label(name)}: " + "; ".join(parts))
    ax.axvline(0, color="black", linewidth=0.9)
    ax.set_yticks(range(len(ms)), [textwrap.fill(MILESTONE_SHORT[m], 24) for m in ms])
    ax.set_ylim(len(ms) - 0.5, -0.5)
    ax.set_xlabel(f"additional children reaching the milestone, {ctx.period} (children; median and 90% interval)")
    ax.grid(axis="x", alpha=0.3)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=_style(ctx.index[n])["color"], linestyle=_style(ctx.index[n])["linestyle"],
                      linewidth=2, marker=_style(ctx.index[n])["marker"], markersize=6, markeredgecolor="black",
                      markeredgewidth=0.6) for n in names]
    fig.legend(handles, [label(n) for n in names], loc="lower center", ncol=min(len(names), 4), frameon=False,
               title="scenario, compared with the baseline", title_fontsize=7.5, handlelength=4)
    fig.suptitle(f"Additional children reaching each milestone compared with the baseline, {ctx.place_name}",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    text = ("Dot-and-interval chart: additional children reaching each milestone over "
            f"{ctx.period} compared with the baseline, median and 90% interval, in children. " + ". ".join(alt) + ".")
    return figure_uri(fig), text


@_figure
def milestones_figure(ctx: "Context") -> tuple[str, str]:
    from analysis.summarise import band

    plt = _mpl()
    fig, axes = plt.subplots(2, 3, figsize=(7.2, 5.0), squeeze=False)
    last = []
    for ax, m in zip(axes.flat, MILESTONES):
        finals = []
        for name in ctx.names:
            ms = ctx.results[name]["milestones"]
            g = ms[(ms["milestone"] == m) & (ms["group"] == "all") & (ms["assessed"] > 0)]
            if g.empty:
                continue
            b = band(g, ["year"], "share")
            _ribbon(ax, b["year"], 100 * b["median"], 100 * b["low"], 100 * b["high"], _style(ctx.index[name]),
                    label(name))
            finals.append(f"{label(name)} {number(100 * b['median'].iloc[-1], 0)}%")
        _exit_lines(ax, ctx.exit_years)
        ax.set_title(MILESTONE_SHORT[m])
        ax.set_ylabel("% of children assessed")
        ax.set_xlabel("calendar year")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(_int_locator())
        last.append(f"{MILESTONE_SHORT[m]}: " + ", ".join(finals))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    _legend_panel(axes.flat[-1], handles, labels, ctx.exit_years, "scenario: median,\n10-90% band across replicates")
    fig.suptitle(f"Share of children reaching each milestone by year, {ctx.place_name}", fontsize=9)
    fig.tight_layout()
    text = ("Line charts with shaded 10-90% bands: the percentage of children assessed who reach each "
            f"milestone, year by year over {ctx.period}, one line per scenario. In the final year (median): "
            + "; ".join(last) + ".")
    return figure_uri(fig), text


@_figure
def difference_figure(ctx: "Context") -> tuple[str, str]:
    from analysis.compare import yearly_milestone_differences

    plt = _mpl()
    diffs = yearly_milestone_differences(ctx.results)
    fig, axes = plt.subplots(2, 3, figsize=(7.2, 5.0), squeeze=False)
    notes = []
    for ax, m in zip(axes.flat, MILESTONES):
        d = diffs[(diffs["milestone"] == m) & diffs["diff"].notna()]
        for name in ctx.others:
            g = d[d["scenario"] == name].groupby("year")["diff"]
            if not len(g):
                continue
            med, lo, hi = g.median(), g.quantile(0.05), g.quantile(0.95)
            _ribbon(ax, med.index, 100 * med.to_numpy(), 100 * lo.to_numpy(), 100 * hi.to_numpy(),
                    _style(ctx.index[name]), label(name))
        ax.axhline(0, color="black", linewidth=0.8)
        _exit_lines(ax, ctx.exit_years)
        ax.set_title(MILESTONE_SHORT[m])
        ax.set_ylabel("difference to baseline\n(percentage points)")
        ax.set_xlabel("calendar year")
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(_int_locator())
    for name in ctx.others:
        g = diffs[(diffs["scenario"] == name) & (diffs["milestone"] == "eyfs_gld")].groupby("year")["diff"].median()
        if len(g):
            notes.append(f"{label(name)}: {number(100 * g.iloc[-1], 1, signed=True)} percentage points "
                         "at 5 in the final year")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    _legend_panel(axes.flat[-1], handles, labels, ctx.exit_years,
                  "scenario minus baseline, same seeds:\nmedian, 90% band")
    fig.suptitle(f"Difference to the baseline in the share reaching each milestone, {ctx.place_name}", fontsize=9)
    fig.tight_layout()
    text = ("Line charts with shaded 90% bands: the paired difference to the baseline, in percentage points, "
            f"of the share of children reaching each milestone, year by year over {ctx.period}; a dotted "
            "vertical line marks where a scenario's support ends. Median good level of development at 5: "
            + "; ".join(notes) + ".")
    return figure_uri(fig), text


@_figure
def system_figure(ctx: "Context") -> tuple[str, str]:
    from analysis.summarise import band
    plt = _mpl()
    fig, axes = plt.subplots(2, 3, figsize=(7.2, 5.2), squeeze=False)
    finals = []
    for ax, col in zip(axes.flat, SYSTEM_AREAS):
        title, unit = OUTCOMES[col].short_label, OUTCOMES[col].unit
        ends = []
        for name in ctx.names:
            ts = ctx.results[name]["timeseries"]
            ts = ts[ts["month"] >= 1]
            yearly = ts.assign(yr=ctx.start_year + (ts["month"] - 1) // 12)
            yearly = yearly.groupby(["seed", "yr"])[col].mean().reset_index()
            b = band(yearly, ["yr"], col)
            _ribbon(ax, b["yr"], b["median"], b["low"], b["high"], _style(ctx.index[name]), label(name))
            ends.append(f"{label(name)} {number(b['median'].iloc[-1], 2)}")
        _exit_lines(ax, ctx.exit_years)
        ax.set_title(textwrap.fill(title, 28))
        ax.set_ylabel(f"index ({unit})")
        ax.set_xlabel("calendar year")
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(_int_locator())
        finals.append(f"{title}: " + ", ".join(ends))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    _bottom_legend(fig, handles, labels, ctx.exit_years, "scenario: median, 10-90% band across replicates")
    fig.suptitle(f"The system: seed 003's six areas by year, {ctx.place_name}", fontsize=9)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    text = ("Line charts with shaded 10-90% bands: seed 003's six system areas (each a 0-1 index) by year "
            f"over {ctx.period}, one line per scenario. Final year medians: " + "; ".join(finals) + ".")
    return figure_uri(fig), text


def _int_locator():
    import matplotlib.ticker

    return matplotlib.ticker.MaxNLocator(integer=True, nbins=5)


# -- tables (pandas Styler) ------------------------------------------------------------------------

def styled(df: pd.DataFrame, uid: str, caption: str, classes: pd.DataFrame | None = None,
           table_class: str = "") -> str:
    st = df.style.hide(axis="index").set_uuid(uid).set_caption(caption).format(escape="html")
    if classes is not None:
        st = st.set_td_classes(classes)
    if table_class:
        st = st.set_table_attributes(f'class="{table_class}"')
    return st.to_html()


# -- the content ------------------------------------------------------------------------------------

@dataclass
class Context:
    inputs: CompareInputs
    names: list[str]
    others: list[str]
    index: dict[str, int]
    start_year: int
    years: float
    place: str
    place_name: str
    supports: dict[str, Support]
    exit_years: dict[str, tuple[int, float]]
    summary_all: pd.DataFrame

    @property
    def results(self) -> dict:
        return self.inputs.results

    @property
    def last_year(self) -> int:
        """The last calendar year the run covers (a run of 8 years from 2016 ends in 2023)."""
        return self.start_year + int(math.ceil(self.years - 1e-9)) - 1

    @property
    def period(self) -> str:
        return f"{self.start_year}\u2013{self.last_year}"

    @property
    def months(self) -> int:
        return int(self.inputs.manifest["months"])

    @property
    def replicates(self) -> int:
        return len(self.inputs.manifest["seeds"])


def _context(inputs: CompareInputs) -> Context:
    m = inputs.manifest
    names = [n for n in m["scenarios"] if n in inputs.results]
    names = ["baseline"] + [n for n in names if n != "baseline"]
    order = list(m["scenarios"])
    index = {n: (order.index(n) if n in order else i) for i, n in enumerate(names)}
    supports = {n: support_of(inputs.configs[n]) for n in names}
    years = float(m["months"]) / 12
    start = int(m["start_year"])
    # Yearly values are drawn at their calendar year, so a boundary t years into the run
    # sits half a year before the point of calendar year start + t.
    exits = {n: (index[n], start + s.end - 0.5) for n, s in supports.items()
             if s.any and s.end is not None and s.end < years}
    s = inputs.summary
    summary_all = s[(s["group"] == "all") & s["outcome"].isin(MILESTONES)]
    return Context(inputs, names, [n for n in names if n != "baseline"], index, start, years, m["place"],
                   place_title(m["place"]), supports, exits, summary_all)


def _place_sentences(ctx: Context) -> list[str]:
    from configs.evidence import table1
    from configs.compose import PLACE_DIR, yaml_header
    from sim.synthetic import INDICATORS

    cfg = ctx.inputs.configs["baseline"].get("place") or {}
    header = ""
    path = PLACE_DIR / f"{ctx.place}.yaml"
    if path.exists():
        header = yaml_header(path)
        for cut in (" (", ":", ". "):
            header = header.split(cut)[0]
    ts = ctx.results["baseline"]["timeseries"]
    children = ts[ts["month"] == 0]["children"].median() if "children" in ts else float("nan")
    first = (f"{ctx.place_name} ({header.strip().rstrip('.')})" if header and header.lower() != ctx.place.lower()
             else ctx.place_name)
    size = "its configured size"
    if _finite(cfg.get("population")):
        size = f"{number(cfg['population'], 0)} residents"
        if _finite(cfg.get("homes")):
            size += f" in {number(cfg['homes'], 0)} homes"
    sent = [f"{first} is modelled as a neighbourhood of {size}"
            + (f", with about {number(significant(children, 2), 0)} children and young people aged 0\u201319 "
               "at the start"
               if _finite(children) else "") + "."]
    schools = [(cfg.get("early_years_settings"), "early-years setting"),
               (cfg.get("primary_schools"), "primary school"),
               (cfg.get("secondary_schools"), "secondary school"),
               (cfg.get("post16_colleges"), "sixth form or college")]
    parts = [f"{int(n)} {what}{'s' if int(n) != 1 and not what.endswith('college') else ''}"
             for n, what in schools if _finite(n) and int(n) > 0]
    if parts:
        sent.append("It has " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] + ".")
    ind = cfg.get("indicators") or {}
    if cfg.get("synthetic"):
        sent.append("Each replicate draws its own deprivation, health, qualifications, unemployment and housing "
                    "figures from the spread of England's small areas (seed 004 Table 1), so the results "
                    "describe a typical English neighbourhood rather than one place.")
    elif ind:
        eng = dict(zip(INDICATORS, table1().mean))
        bits = []
        words = {"deprivation": ("its deprivation score is {v}", "{e}"),
                 "adult_education": ("{v}% of adults have no qualifications", "{e}%"),
                 "unemployment": ("{v}% of adults claim unemployment benefits", "{e}%"),
                 "health": ("{v}% of adults report good health", "{e}%")}
        for key, (text, eng_text) in words.items():
            if _finite(ind.get(key)):
                digits = 1 if key == "unemployment" else 0
                bits.append(text.format(v=number(ind[key], digits))
                            + f" (England's small areas: {eng_text.format(e=number(eng[key], digits))})")
        if bits:
            sent.append(bits[0][:1].upper() + bits[0][1:] + ("; " + "; ".join(bits[1:]) if len(bits) > 1 else "") + ".")
    return sent


def _scenario_sentence(ctx: Context, name: str) -> str:
    desc = (ctx.inputs.manifest.get("descriptions") or {}).get(name) \
        or ((ctx.inputs.configs[name].get("scenario") or {}).get("description")) or ""
    desc = desc.strip().rstrip(".")
    sup = ctx.supports[name]
    if name == "baseline":
        return f"{desc or 'The place as it is'}: the comparison for every other scenario."
    when = ""
    if sup.any:
        months = ctx.months
        last = sup.last_month(months)
        span = _span(ctx.start_year, sup.first_month, last)
        when = (f" ({span})" if last < months else
                f" (from {year_of_month(ctx.start_year, sup.first_month)} to the end of the run in {ctx.last_year})")
    row = ctx.summary_all[ctx.summary_all["scenario"] == name]
    total = float(row["total_cost"].iloc[0]) if len(row) else float("nan")
    cost = ""
    if sup.yearly_cost > 0 and _finite(total):
        cost = f"; it costs {money(sup.yearly_cost)} a year while it runs, {money(total)} in all"
    elif _finite(total) and total > 0:
        cost = f"; it costs {money(total)} in all"
    return f"{desc}{when}{cost}."


def _baseline_sentence(ctx: Context) -> str:
    desc = (ctx.inputs.manifest.get("descriptions") or {}).get("baseline") or "the place as it is"
    desc = desc.strip().rstrip(".")
    return desc[:1].lower() + desc[1:]


def _headline(ctx: Context, name: str) -> dict:
    s = ctx.summary_all[ctx.summary_all["scenario"] == name]
    need = ctx.inputs.summary
    need = need[(need["scenario"] == name) & (need["group"] == "in_need")]
    sup = ctx.supports[name]
    rows = []
    exit_year = ctx.exit_years.get(name)
    after_first = year_of_month(ctx.start_year, sup.last_month(ctx.months) + 1)
    for m in MILESTONES:
        r = s[s["outcome"] == m]
        if r.empty:
            continue
        r = r.iloc[0]
        med, lo, hi = rounded(r["extra_children"], r["extra_low"], r["extra_high"], most=1)
        row = {"milestone": MILESTONE_SHORT[m], "extra": med, "interval": f"{lo} to {hi}",
               "cost_per_child": cost_per_child_text(r), "after": None}
        if exit_year is not None:
            vals = extra_children_between(ctx.results, name, after_first, ctx.last_year, m)
            row["after"] = interval_text(*_median_interval(vals), most=1)
        rows.append(row)
    total = float(s["total_cost"].iloc[0]) if len(s) else float("nan")
    left = None
    if sup.any and exit_year is not None:
        left = _what_is_left(ctx, name)
    elif sup.any:
        left = ("The support is still in place at the end of the run, so this scenario cannot say what lasts "
                "after it; compare a scenario in which it ends (for example core_team_exit).")
    return {"name": name, "label": label(name), "sentence": _scenario_sentence(ctx, name), "rows": rows,
            "total_cost": money(total) if _finite(total) else "n/a", "left": left,
            "after_header": (f"after support ends ({after_first}\u2013{ctx.last_year})" if exit_year else None),
            "style": _style(ctx.index[name]), "marker_name": _marker_name(ctx.index[name])}


def _marker_name(i: int) -> str:
    return {"o": "circle", "s": "square", "^": "triangle", "D": "diamond", "v": "down-triangle",
            "P": "plus", "X": "cross", "*": "star"}[MARKERS[i % len(MARKERS)]]


def _system_periods(ctx: Context, name: str) -> dict[str, Any]:
    """Per seed mean of the six areas (and their mean) before, during and after support."""
    cols = list(SYSTEM_AREAS)
    months = ctx.months
    sup = ctx.supports[name]
    end_m = sup.last_month(months)
    windows = {"before": (0, 0), "during": (max(end_m - 11, 1), end_m)}
    if end_m < months:
        windows["after"] = (months - 11, months)
    out = {}
    for key, (a, b) in windows.items():
        s = _window_means(ctx.results[name]["timeseries"], a, b, cols + ["stage"])
        base = _window_means(ctx.results["baseline"]["timeseries"], a, b, cols + ["stage"])
        s["mean6"] = s[cols].mean(axis=1)
        base["mean6"] = base[cols].mean(axis=1)
        j = s.merge(base, left_index=True, right_index=True, how="inner", suffixes=("", "_base"))
        out[key] = (j, a, b)
    return out


def _what_is_left(ctx: Context, name: str) -> str:
    periods = _system_periods(ctx, name)
    during, after = periods["during"][0], periods["after"][0]
    d_at = _median_interval((during["mean6"] - during["mean6_base"]).to_numpy())
    d_after = _median_interval((after["mean6"] - after["mean6_base"]).to_numpy())
    n = ctx.years - ctx.supports[name].end
    at = interval_text(*d_at, default=2)
    later = interval_text(*d_after, default=2)
    return (f"{_years_text(n).capitalize()} after the support ends, the average of seed 003's six system areas "
            f"(a 0\u20131 index) is {later} above the baseline, against {at} in the last year of support "
            "(median, 90% interval).")


def _system_table(ctx: Context, name: str) -> str:
    from sim.reporters import STAGES

    periods = _system_periods(ctx, name)
    heads = {"during": "during: last year of support", "after": "after support"}
    columns: dict[str, tuple[str, str]] = {}      # column -> (period, "level" | "diff")
    for key, (_, a, b) in periods.items():
        if key == "before":
            columns[f"before ({ctx.start_year})"] = (key, "level")
            continue
        span = _span(ctx.start_year, a, b)
        columns[f"{heads[key]} ({span}): level"] = (key, "level")
        columns[f"{heads[key]}: vs baseline (90%)"] = (key, "diff")
    first = "area (0\u20131 index)"
    rows = []
    items = [(c, (OUTCOMES[c].short_label, OUTCOMES[c].unit)) for c in SYSTEM_AREAS]
    items += [("mean6", ("Average of the six areas", "0-1 index"))]
    for col, (title, _unit) in items:
        row = {first: title}
        for c, (key, what) in columns.items():
            j = periods[key][0]
            if what == "level":
                row[c] = number(_quantile(j[col].to_numpy(), 0.5), 2)
            else:
                row[c] = interval_text(*_median_interval((j[col] - j[col + "_base"]).to_numpy()), default=2)
        rows.append(row)
    row = {first: "Stage reached (seed 003's four; median replicate)"}
    for c, (key, what) in columns.items():
        j = periods[key][0]
        st = int(round(_quantile(j["stage"].to_numpy(), 0.5))) if len(j) else 0
        bs = int(round(_quantile(j["stage_base"].to_numpy(), 0.5))) if len(j) else 0
        if what == "level":
            row[c] = f"{st}: {STAGES[st - 1]}" if 1 <= st <= len(STAGES) else "n/a"
        else:
            row[c] = f"baseline {bs}: {STAGES[bs - 1]}" if 1 <= bs <= len(STAGES) else "n/a"
    rows.append(row)
    df = pd.DataFrame(rows)
    classes = pd.DataFrame("num", index=df.index, columns=df.columns)
    classes[first] = ""
    caption = (f"{label(name)}: seed 003's six system areas before, during and after support. Level: median "
               "across replicates of the yearly mean; vs baseline: paired difference, median (90% interval).")
    return styled(df, f"sys_{name}", caption, classes, "system")


def _ce_table(ctx: Context) -> str:
    s = ctx.inputs.summary
    rows = []
    for name in ctx.others:
        for m in MILESTONES:
            r = s[(s["scenario"] == name) & (s["outcome"] == m) & (s["group"] == "all")]
            if r.empty:
                continue
            r = r.iloc[0]
            n = s[(s["scenario"] == name) & (s["outcome"] == m) & (s["group"] == "in_need")]
            rows.append({
                "scenario": label(name),
                "milestone": MILESTONE_SHORT[m],
                "additional children (90% interval)": extra_text(r),
                "of them in families in need": extra_text(n.iloc[0]) if len(n) else "n/a",
                "total cost": money(r["total_cost"]) if r["total_cost"] > 0 else "\u00a30",
                "cost per additional child": cost_per_child_text(r),
                "over the 90% interval": cost_per_child_range(r),
            })
    df = pd.DataFrame(rows)
    classes = pd.DataFrame("num", index=df.index, columns=df.columns)
    classes[["scenario", "milestone"]] = ""
    caption = (f"Cost-effectiveness, {ctx.period}: additional children reaching each milestone compared with "
               "the baseline on the same seeds (median and 90% interval), the scenario's total cost, and the cost "
               "per additional child: the median cost divided by the median number of additional children, and "
               "the same at the ends of the 90% interval (\"at least\": the interval includes no additional "
               "children, so there is no upper bound; n/a: the median gives none). The same money buys every "
               "row of a scenario, so costs per child do not add up.")
    return styled(df, "ce", caption, classes, "ce")


# -- assumptions (the parameter registry) ---------------------------------------------------------

KIND_OF_CLASS = {"seed": "evidence", "cited paper": "evidence", "seed + cited paper": "evidence",
                 "calibrated": "calibrated", "assumption": "guess", "design choice": "choice", "other": "other"}


def _lookup(d: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(d, dict) or part not in d:
            return KeyError
        d = d[part]
    return d


def assumption_rows(configs: dict[str, dict], sensitivity: pd.DataFrame | None = None,
                    swept: dict[str, list] | None = None) -> pd.DataFrame:
    """One row per registry parameter behind the report: the values the runs used (from
    the baseline's config.yaml; the scenarios' own settings from theirs), with the
    evidence class of its source (experiments.params_doc.evidence_class)."""
    from configs.compose import Config
    from configs.evidence import evidence_class, fmt, plausible
    from sim.interventions import KINDS
    from sim.registry import entries

    moving = moving_guesses(sensitivity)
    base = configs.get("baseline") or next(iter(configs.values()), {})
    rows = []

    def add(group: str, key: str, value: Any, spec: Any) -> None:
        cls = evidence_class(spec.source)
        rows.append({"group": group, "parameter": key, "meaning": spec.doc, "value": value,
                     "unit": spec.unit, "plausible range": plausible(spec), "kind": KIND_OF_CLASS.get(cls, "other"),
                     "evidence": cls, "source": spec.source,
                     "moves the headline": f"yes ({moving[key]})" if key in moving else "",
                     "swept over": (f"{fmt(swept[key][0])} to {fmt(swept[key][1])}" if swept and key in swept
                                    else "")})

    # The scenarios' own settings (interventions), one row per label and setting.
    seen: dict[str, dict[str, Any]] = {}
    specs: dict[str, Any] = {}
    for name, cfg in configs.items():
        for lab, settings in (((cfg.get("scenario") or {}).get("interventions")) or {}).items():
            settings = settings or {}
            cls = KINDS.get(settings.get("kind"))
            if cls is None:
                continue
            for f in dataclasses.fields(cls):
                spec = f.metadata.get("spec")
                if spec is None:
                    continue
                default = f.default if f.default is not dataclasses.MISSING else None
                key = f"scenario.interventions.{lab}.{f.name}"
                seen.setdefault(key, {})[name] = settings.get(f.name, default)
                specs[key] = spec
    for key, by in seen.items():
        values = {fmt(v) for v in by.values()}
        value = values.pop() if len(values) == 1 else "; ".join(f"{label(n)}: {fmt(v)}" for n, v in by.items())
        add("scenario", key, value, specs[key])
    for e in entries(Config()):
        if not e.name.startswith(("place.", "model.")):
            continue
        v = _lookup(base, e.name)
        add("place" if e.name.startswith("place.") else "model", e.name, fmt(e.value if v is KeyError else v), e.spec)
    return pd.DataFrame(rows)


def _assumptions(configs: dict[str, dict], sensitivity: pd.DataFrame | None,
                 swept: dict[str, list] | None = None) -> dict:
    rows = assumption_rows(configs, sensitivity, swept)
    counts = rows["kind"].value_counts()
    ev = rows[rows["kind"] == "evidence"]["evidence"]
    seed_n = int(ev.str.contains("seed").sum())
    paper_n = int(ev.str.contains("cited paper").sum())
    summary = (f"Of the {len(rows)} numbers behind this report, {int(counts.get('evidence', 0))} rest on evidence "
               f"({seed_n} cite the seed documents, {paper_n} published research or official statistics), "
               f"{int(counts.get('calibrated', 0))} are calibrated so that the model reproduces England's figures, "
               f"{int(counts.get('guess', 0))} are modelling guesses, {int(counts.get('choice', 0))} are choices of "
               f"the scenario or the design, and {int(counts.get('other', 0))} give another source.")
    tables = []
    titles = {"scenario": ("The scenarios' own settings", "scenario.interventions."),
              "place": ("The place", "place."), "model": ("How the model works", "model.")}
    show = ["parameter", "meaning", "value used", "plausible range", "kind", "source"]
    if swept:
        show.append("swept over")
    if sensitivity is not None:
        show.append("moves the headline")
    for group, (title, prefix) in titles.items():
        g = rows[rows["group"] == group].copy()
        if g.empty:
            continue
        g["parameter"] = g["parameter"].str.slice(len(prefix))
        g["value used"] = [f"{v} ({u})" if u else str(v) for v, u in zip(g["value"], g["unit"])]
        df = g[show].reset_index(drop=True)
        classes = pd.DataFrame("", index=df.index, columns=df.columns)
        classes["kind"] = "kind-" + df["kind"]
        classes["parameter"] = "key"
        if "moves the headline" in df:
            classes["moves the headline"] = np.where(df["moves the headline"] != "", "moves", "")
        caption = f"{title}: {len(df)} numbers (keys under {prefix}, as on the command line)."
        tables.append({"title": title, "html": styled(df, f"a_{group}", caption, classes, "assumptions")})
    guesses = rows[rows["kind"] == "guess"]
    moving = rows[rows["moves the headline"] != ""].copy()
    moving_html = ""
    if len(moving):
        moving["sensitivity"] = moving["moves the headline"].str.slice(5, -1)       # "yes (...)" -> "..."
        df = moving[["parameter", "meaning", "kind", "sensitivity"]].reset_index(drop=True)
        classes = pd.DataFrame("", index=df.index, columns=df.columns)
        classes["kind"] = "kind-" + df["kind"]
        classes["parameter"] = "key"
        moving_html = styled(df, "moving", "The numbers whose uncertainty moves the headline outcomes most, "
                             "with the sensitivity index that says so (placesim analyse).", classes, "assumptions")
    return {"summary": summary, "tables": tables, "has_sensitivity": sensitivity is not None,
            "n_guesses": len(guesses), "moving_html": moving_html,
            "moving_guesses": moving[moving["kind"] == "guess"]["parameter"].tolist(), "n_moving": len(moving)}


# -- assembling and rendering -----------------------------------------------------------------------

def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def _common() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("placesim")
    except PackageNotFoundError:
        v = "unknown"
    return {"version": v, "generated": _dt.date.today().strftime("%d %B %Y").lstrip("0"),
            "css": (TEMPLATES / "report.css").read_text()}


def compare_content(inputs: CompareInputs) -> dict:
    """Everything the template shows for a compare folder."""
    ctx = _context(inputs)
    question_tail = ", and what is left once the support ends" if ctx.exit_years else ""
    all_team = all(ctx.supports[n].team for n in ctx.others)
    what = "a Children's Community" if any(ctx.supports[n].team for n in ctx.others) else "the scenarios"
    title = f"Children in {ctx.place_name}, {ctx.period}: what {what} would change"
    if all_team:
        stays = any(ctx.supports[n].end is None or n not in ctx.exit_years for n in ctx.others)
        subject = "a Children's Community core team"
        if stays and ctx.exit_years:
            subject += ", whether it stays or leaves,"
    else:
        subject = _list_words([label(n) for n in ctx.others])
    question = (f"What would {subject} change for children in {ctx.place_name} over {_years_text(ctx.years)} "
                f"({ctx.period}), compared with the place as it is; what would it cost{question_tail}?")
    figures = []
    for fid, fn, caption in (
            ("headline", headline_figure, "Additional children reaching each milestone over the run, compared with "
             "the baseline on the same simulated children: dot = median, bar = 90% interval across replicates."),
            ("milestones", milestones_figure, "The share of children reaching each milestone, year by year. "
             "Lines are medians, shaded bands the 10\u201390% range across replicates."),
            ("difference", difference_figure, "The same, as the difference to the baseline in percentage points "
             "(paired by seed; bands are 90% intervals)."),
            ("system", system_figure, "Seed 003's six system areas by year (0\u20131 indices; bands 10\u201390% "
             "across replicates); dotted vertical lines mark where support ends.")):
        src, alt = fn(ctx)
        figures.append({"id": fid, "src": src, "alt": alt, "caption": caption})
    few = ctx.replicates < 20
    return {
        **_common(),
        "kind": "compare",
        "title": title,
        "meta": [ctx.place_name, ctx.period, f"{ctx.replicates} replicates per scenario",
                 f"{len(ctx.names)} scenarios"],
        "question": question,
        "place_sentences": _place_sentences(ctx),
        "baseline_sentence": _baseline_sentence(ctx),
        "headlines": [_headline(ctx, n) for n in ctx.others],
        "figures": {f["id"]: f for f in figures},
        "ce_table": _ce_table(ctx),
        "system_tables": [{"label": label(n), "html": _system_table(ctx, n)} for n in ctx.others],
        "assumptions": _assumptions(inputs.configs, inputs.sensitivity),
        "replicates": ctx.replicates,
        "few_replicates": few,
        "failed": sorted((inputs.manifest.get("failed") or {})),
        "folder": str(inputs.folder),
        "period": ctx.period,
    }


def _sweep_config(inputs: SweepInputs) -> dict:
    """The sweep's resolved config (Hydra's .hydra/config.yaml), or its scenario preset."""
    import yaml

    path = inputs.folder / ".hydra" / "config.yaml"
    if path.exists():
        try:
            return yaml.safe_load(path.read_text()) or {}
        except Exception:  # noqa: BLE001 - fall back to the preset
            pass
    try:
        from configs.compose import load_scenario

        spec = load_scenario(str(inputs.manifest.get("scenario") or "baseline"))
        return {"scenario": dataclasses.asdict(spec)}
    except Exception:  # noqa: BLE001 - a scenario this version does not know
        return {}


def sweep_content(inputs: SweepInputs) -> dict:
    """A sweep folder: which guesses move the outcomes, from `placesim analyse`'s tables."""
    m = inputs.manifest
    s = inputs.sensitivity
    place = place_title(str(m.get("place") or "the place"))
    outcomes = list(dict.fromkeys(s["outcome"]))
    words = [_lower_first(outcome_title(o)) for o in outcomes]
    scenario = label(str(m.get("scenario") or "baseline"))
    years = m.get("years")
    src, alt = _sensitivity_figure(s)
    bounds = {k: v for k, v in (m.get("bounds") or {}).items() if isinstance(v, (list, tuple)) and len(v) == 2}
    meta = [place, f"scenario {scenario}", f"{str(m.get('design', 'sampled')).replace('_', ' ')} design"]
    if m.get("points") and m.get("replicates"):
        meta.append(f"{m['points']} points \u00d7 {m['replicates']} replicates")
    if years:
        meta.append(f"{years} years")
    return {
        **_common(),
        "kind": "sweep",
        "title": f"Which guesses matter: {place}, {scenario.lower()}",
        "meta": meta,
        "question": (f"Which of the model's uncertain numbers move {_list_words(words).replace(' or ', ' and ')} "
                     f"most in {place} ({scenario.lower()}" + (f", {years} years" if years else "") + "), so that "
                     "better evidence on them would change what a funder should conclude?"),
        "figures": {"sensitivity": {"id": "sensitivity", "src": src, "alt": alt,
                                    "caption": "Sensitivity of each outcome to the parameters the sweep varied "
                                               "(placesim analyse); the most influential at the top."}},
        "assumptions": _assumptions({"baseline": _sweep_config(inputs)}, s, bounds),
        "folder": str(inputs.folder),
    }


@_figure
def _sensitivity_figure(s: pd.DataFrame) -> tuple[str, str]:
    plt = _mpl()
    outcomes = list(dict.fromkeys(s["outcome"]))[:4]
    fig, axes = plt.subplots(1, len(outcomes), figsize=(7.2, 0.3 * min(s["parameter"].nunique(), 12) + 1.6),
                             squeeze=False)
    alt = []
    for ax, outcome in zip(axes.flat, outcomes):
        g = s[s["outcome"] == outcome].assign(size=lambda d: d["value"].abs())
        g = g.sort_values("size", ascending=False).drop_duplicates("parameter").head(12)
        index = g["index"].iloc[0]
        ax.barh(range(len(g)), g["value"], color="#0072B2", edgecolor="black", hatch="//")
        ax.set_yticks(range(len(g)), g["parameter"])
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(textwrap.fill(f"{INDEX_WORDS.get(index, index)} ({index})", 26))
        ax.set_title(textwrap.fill(outcome_title(outcome), 30))
        ax.grid(axis="x", alpha=0.3)
        alt.append(f"{outcome_title(outcome)} ({index}): "
                   + ", ".join(f"{r.parameter} {number(r.value, 2)}" for r in g.itertuples()))
    fig.tight_layout()
    return figure_uri(fig), "Horizontal bar charts of sensitivity indices per parameter. " + "; ".join(alt) + "."


def outcome_title(outcome: str) -> str:
    """A milestone's or a time-series column's words (sim/outcomes.py)."""
    if outcome in MILESTONE_SHORT:
        return MILESTONE_SHORT[outcome]
    return OUTCOMES[outcome].label if outcome in OUTCOMES else outcome


def _lower_first(text: str) -> str:
    return text if text.startswith("Key Stage") else text[:1].lower() + text[1:]


def _list_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def render_html(content: dict) -> str:
    return _env().get_template("report.html.j2").render(**content)


def render_pdf(html: str) -> bytes:
    """The same HTML as a PDF (WeasyPrint; only data: URLs may be fetched)."""
    import logging

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols=["data"])
    return HTML(string=html, url_fetcher=fetcher, media_type="print").write_pdf(pdf_tags=True)


def build(folder: Path | str, sensitivity: Path | str | None = None) -> tuple[str, bytes]:
    """(HTML text, PDF bytes) for a folder; ReportError with one line if it cannot be read."""
    inputs = read_inputs(folder, sensitivity)
    content = compare_content(inputs) if isinstance(inputs, CompareInputs) else sweep_content(inputs)
    html = render_html(content)
    return html, render_pdf(html)


def write_report(folder: Path | str, out: Path | str | None = None,
                 sensitivity: Path | str | None = None) -> tuple[Path, Path]:
    """Write report.html and report.pdf into `out` (default: the folder itself).

    Both are written to temporary names in `out` and renamed into place only when both
    are complete, so a failure leaves neither a half-written report nor a temporary file.
    """
    html, pdf = build(folder, sensitivity)
    out = Path(out) if out is not None else Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    targets = {"report.html": html.encode("utf-8"), "report.pdf": pdf}
    temps: dict[str, Path] = {}
    try:
        for name, data in targets.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            temps[name] = Path(tmp)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
        for name, tmp in temps.items():
            os.replace(tmp, out / name)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return out / "report.html", out / "report.pdf"
