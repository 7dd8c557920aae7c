"""The report's figures: matplotlib, embedded as base64 PNG `data:` URIs with alt text.

Okabe-Ito colours, with line styles and markers that also differ, so the figures read in
greyscale; text sized for a page 7.2 inches wide (A4 less margins). Each figure function
returns (data URI, alt text that states the numbers drawn).
"""
from __future__ import annotations

import base64
import io
import textwrap

import pandas as pd

from analysis.report.data import Context
from analysis.report.formatting import extra_text, label, number, outcome_title
from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES, PAIRED_INTERVAL, REPLICATE_BAND, SYSTEM_AREAS

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
INDEX_WORDS = {"ST": "total-order Sobol index", "S1": "first-order Sobol index",
               "mu_star": "Morris mu* (mean size of the elementary effects)",
               "spearman": "Spearman rank correlation with the outcome"}

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


def style(i: int) -> dict:
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
        ax.axvline(year, color=style(i)["color"], linestyle=(0, (1, 1.5)), linewidth=1.2)


def _with_exits(handles, labels, exits: dict) -> tuple[list, list]:
    """Legend entries plus one dotted line per scenario whose support ends."""
    from matplotlib.lines import Line2D

    handles, labels = list(handles), list(labels)
    for name, (i, _year) in exits.items():
        handles.append(Line2D([], [], color=style(i)["color"], linestyle=(0, (1, 1.5)), linewidth=1.2))
        labels.append(f"{label(name)}: support ends")
    return handles, labels


def _bottom_legend(fig, handles, labels, exits: dict, title: str) -> None:
    handles, labels = _with_exits(handles, labels, exits)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False, title=title,
               title_fontsize=7.5)


@_figure
def headline_figure(ctx: Context) -> tuple[str, str]:
    plt = _mpl()
    s = ctx.summary_all
    names = ctx.others
    ms = [m for m in EDUCATION_MILESTONES if m in set(s["outcome"])]
    fig, ax = plt.subplots(figsize=(7.2, 0.3 * len(ms) * max(len(names), 1) + 1.6))
    step = 0.8 / max(len(names), 1)
    alt = []
    for j, name in enumerate(names):
        st = style(ctx.index[name])
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
            parts.append(f"{OUTCOMES[m].short_label} {extra_text(r)}")
        alt.append(f"{label(name)}: " + "; ".join(parts))
    ax.axvline(0, color="black", linewidth=0.9)
    ax.set_yticks(range(len(ms)), [textwrap.fill(OUTCOMES[m].short_label, 24) for m in ms])
    ax.set_ylim(len(ms) - 0.5, -0.5)
    ax.set_xlabel(f"additional children reaching the milestone, {ctx.period} (children; median and 90% interval)")
    ax.grid(axis="x", alpha=0.3)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=style(ctx.index[n])["color"], linestyle=style(ctx.index[n])["linestyle"],
                      linewidth=2, marker=style(ctx.index[n])["marker"], markersize=6, markeredgecolor="black",
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
def milestones_figure(ctx: Context) -> tuple[str, str]:
    from analysis.summarise import band

    plt = _mpl()
    fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.8), squeeze=False)
    last = []
    for ax, m in zip(axes.flat, EDUCATION_MILESTONES):
        finals = []
        for name in ctx.names:
            ms = ctx.results[name]["milestones"]
            g = ms[(ms["milestone"] == m) & (ms["group"] == "all") & (ms["assessed"] > 0)]
            if g.empty:
                continue
            b = band(g, ["year"], "share")
            _ribbon(ax, b["year"], 100 * b["median"], 100 * b["low"], 100 * b["high"], style(ctx.index[name]),
                    label(name))
            finals.append(f"{label(name)} {number(100 * b['median'].iloc[-1], 0)}%")
        _exit_lines(ax, ctx.exit_years)
        ax.set_title(textwrap.fill(OUTCOMES[m].short_label, 34))
        ax.set_ylabel("% of children assessed")
        ax.set_xlabel("calendar year")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(_int_locator())
        last.append(f"{OUTCOMES[m].short_label}: " + ", ".join(finals))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    _bottom_legend(fig, handles, labels, ctx.exit_years, f"scenario: median; shaded: {REPLICATE_BAND.wording}")
    fig.suptitle(f"Share of children reaching each milestone by year, {ctx.place_name}", fontsize=9)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    text = (f"Line charts with shaded bands ({REPLICATE_BAND.wording}): the percentage of children assessed "
            "who reach each "
            f"milestone, year by year over {ctx.period}, one line per scenario. In the final year (median): "
            + "; ".join(last) + ".")
    return figure_uri(fig), text


@_figure
def difference_figure(ctx: Context) -> tuple[str, str]:
    from analysis.compare import yearly_milestone_differences

    plt = _mpl()
    diffs = yearly_milestone_differences(ctx.results)
    fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.8), squeeze=False)
    notes = []
    for ax, m in zip(axes.flat, EDUCATION_MILESTONES):
        d = diffs[(diffs["milestone"] == m) & diffs["diff"].notna()]
        for name in ctx.others:
            g = d[d["scenario"] == name].groupby("year")["diff"]
            if not len(g):
                continue
            med, lo, hi = g.median(), g.quantile(PAIRED_INTERVAL.low), g.quantile(PAIRED_INTERVAL.high)
            _ribbon(ax, med.index, 100 * med.to_numpy(), 100 * lo.to_numpy(), 100 * hi.to_numpy(),
                    style(ctx.index[name]), label(name))
        ax.axhline(0, color="black", linewidth=0.8)
        _exit_lines(ax, ctx.exit_years)
        ax.set_title(textwrap.fill(OUTCOMES[m].short_label, 34))
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
    _bottom_legend(fig, handles, labels, ctx.exit_years,
                   f"scenario minus baseline, same seeds: median; shaded: {PAIRED_INTERVAL.wording}")
    fig.suptitle(f"Difference to the baseline in the share reaching each milestone, {ctx.place_name}", fontsize=9)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    text = (f"Line charts with shaded bands ({PAIRED_INTERVAL.wording}): the paired difference to the baseline, "
            "in percentage points, "
            f"of the share of children reaching each milestone, year by year over {ctx.period}; a dotted "
            "vertical line marks where a scenario's support ends. Median good level of development at 5: "
            + "; ".join(notes) + ".")
    return figure_uri(fig), text


@_figure
def system_figure(ctx: Context) -> tuple[str, str]:
    from analysis.summarise import band
    plt = _mpl()
    fig, axes = plt.subplots(2, 3, figsize=(7.2, 5.2), squeeze=False)
    finals = []
    for ax, col in zip(axes.flat, SYSTEM_AREAS):
        title = OUTCOMES[col].short_label
        ends = []
        for name in ctx.names:
            ts = ctx.results[name]["timeseries"]
            ts = ts[ts["month"] >= 1]
            yearly = ts.assign(yr=ctx.start_year + (ts["month"] - 1) // 12)
            yearly = yearly.groupby(["seed", "yr"])[col].mean().reset_index()
            b = band(yearly, ["yr"], col)
            _ribbon(ax, b["yr"], b["median"], b["low"], b["high"], style(ctx.index[name]), label(name))
            ends.append(f"{label(name)} {number(b['median'].iloc[-1], 2)}")
        _exit_lines(ax, ctx.exit_years)
        ax.set_title(textwrap.fill(title, 28))
        ax.set_ylabel("index (0-1 index)")           # every area is one (its unit may add how)
        ax.set_xlabel("calendar year")
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(_int_locator())
        finals.append(f"{title}: " + ", ".join(ends))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    _bottom_legend(fig, handles, labels, ctx.exit_years, f"scenario: median; shaded: {REPLICATE_BAND.wording}")
    fig.suptitle(f"The system: seed 003's six areas by year, {ctx.place_name}", fontsize=9)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    text = (f"Line charts with shaded bands ({REPLICATE_BAND.wording}): seed 003's six system areas "
            "(each a 0-1 index) by year "
            f"over {ctx.period}, one line per scenario. Final year medians: " + "; ".join(finals) + ".")
    return figure_uri(fig), text


def _int_locator():
    import matplotlib.ticker

    return matplotlib.ticker.MaxNLocator(integer=True, nbins=5)


def marker_name(i: int) -> str:
    return {"o": "circle", "s": "square", "^": "triangle", "D": "diamond", "v": "down-triangle",
            "P": "plus", "X": "cross", "*": "star"}[MARKERS[i % len(MARKERS)]]


@_figure
def sensitivity_figure(s: pd.DataFrame) -> tuple[str, str]:
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


