"""Figures from saved results. Each function takes tables and returns a matplotlib
Figure; the caller saves it. Colours are from the Okabe-Ito palette (colour-blind safe)
and lines also differ in style, so figures read in greyscale (analysis/style.py); titles,
units and bands come from the table of outcomes (sim/outcomes.py).
"""
from __future__ import annotations

import math
import textwrap
from typing import Sequence

import matplotlib
import matplotlib.collections
import matplotlib.colors
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.style import LINESTYLES, OKABE_ITO, ring_layout  # noqa: E402
from analysis.summarise import band  # noqa: E402
from sim.outcomes import (EDUCATION_MILESTONES, GROUP_LABELS, GROUPS, OUTCOMES,  # noqa: E402
                          PAIRED_INTERVAL, REPLICATE_BAND)

# "median, 90% interval: 5th-95th percentile of replicates": the band every figure draws.
MEDIAN_AND_BAND = f"median, {REPLICATE_BAND.wording}"
MEDIAN_AND_INTERVAL = f"median, {PAIRED_INTERVAL.wording}"


def _ribbon(ax, x, med, lo, hi, colour, style, label):
    """Median line over its shaded band; a run of one year is a point with its range, on
    an axis from the year before to the year after (a line of one point draws nothing)."""
    if len(x) == 1:
        year = float(np.asarray(x)[0])
        mid = np.asarray(med, dtype=float)
        ax.errorbar([year], mid, yerr=[mid - np.asarray(lo, dtype=float), np.asarray(hi, dtype=float) - mid],
                    color=colour, marker="o", capsize=4, linestyle=style, label=label)
        ax.set_xlim(year - 1, year + 1)
        return
    ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
    ax.plot(x, med, color=colour, linestyle=style, linewidth=2, label=label)


def _fixed_layout(fig: plt.Figure, rows: int, cols: int, *, left: float = 0.95, right: float = 0.25,
                  top: float = 0.75, bottom: float = 0.55, wspace: float = 1.0, hspace: float = 0.85) -> None:
    """Place a grid of panels with margins in inches, room enough for tick labels, axis
    labels, two-line panel titles and the suptitle. Replaces tight_layout, which lays out
    every text once more before the figure is drawn (about a third of a panel figure's time)."""
    width, height = fig.get_size_inches()
    panel_w = (width - left - right - (cols - 1) * wspace) / cols
    panel_h = (height - top - bottom - (rows - 1) * hspace) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height, wspace=wspace / panel_w, hspace=hspace / panel_h)


def _milestone_axes(ax, milestone: str) -> None:
    """Title (wrapped, never cut), 0-100% scale, whole years and grid of one milestone panel."""
    ax.set_title(textwrap.fill(OUTCOMES[milestone].short_label, 34), fontsize=10)
    ax.set_ylabel("% of children assessed")
    ax.set_xlabel("year")
    ax.set_ylim(0, 100)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def milestones_over_time(milestones: pd.DataFrame, reference: dict[str, float] | None = None,
                         title: str = "") -> plt.Figure:
    """Share of children reaching each headline milestone per year: median and band, all
    children and children in families in need."""
    names = [m for m in EDUCATION_MILESTONES if m in set(milestones["milestone"])]
    cols = 2
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        m = milestones[(milestones["milestone"] == name) & (milestones["assessed"] > 0)]
        for i, group in enumerate(GROUPS):
            g = m[m["group"] == group]
            if g.empty:
                continue
            b = band(g, ["year"], "share")
            _ribbon(ax, b["year"], 100 * b["median"], 100 * b["low"], 100 * b["high"],
                    OKABE_ITO[i], LINESTYLES[i], GROUP_LABELS[group])
        if reference and name in reference:
            ax.axhline(reference[name], color="grey", linestyle=":", linewidth=1,
                       label="England LSOA mean (seed 004 Table 2)")
        _milestone_axes(ax, name)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(len(labels), 1), fontsize=9, frameon=False,
               title=f"line: median; shaded: {REPLICATE_BAND.wording}")
    fig.suptitle(title or f"Milestones by year ({MEDIAN_AND_BAND})")
    _fixed_layout(fig, rows, cols, top=0.85, bottom=1.3, hspace=1.0)
    return fig


def timeseries_panels(ts: pd.DataFrame, columns: Sequence[str],
                      title: str = "", scenario_col: str | None = None) -> plt.Figure:
    """One panel per time-series column (sim/outcomes.py names its title and unit): yearly
    means, median and band across replicates; with scenario_col, one line per scenario."""
    cols = 3
    rows = math.ceil(len(columns) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    groups = [(None, ts)] if scenario_col is None else list(ts.groupby(scenario_col, sort=False))
    for ax, col in zip(axes.flat, columns):
        for i, (name, g) in enumerate(groups):
            # Month m (1..12 of a year) is the calendar year it ends in; month 0 is the
            # state before the run, so a run from 2016 of 20 years shows 2016-2035.
            g = g[g["month"] >= 1]
            yearly = g.assign(yr=np.floor(g["year"] - 1 / 24).astype(int))
            yearly = yearly.groupby(["seed", "yr"], observed=True)[col].mean().reset_index()
            b = band(yearly, ["yr"], col)
            _ribbon(ax, b["yr"], b["median"], b["low"], b["high"], OKABE_ITO[i % 8],
                    LINESTYLES[i % 4], str(name) if name is not None else None)
        ax.set_title(OUTCOMES[col].short_label, fontsize=10)
        if (ts[col] == 0).all():            # an empty-looking panel says why it is empty
            why = OUTCOMES[col].when_zero or "nothing in these scenarios moves it"
            ax.text(0.5, 0.5, "\n".join(textwrap.wrap(f"0 in every run shown: {why}", 34)),
                    transform=ax.transAxes, ha="center", va="center", fontsize=8.5, color="#444444",
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.85))
        ax.set_ylabel(OUTCOMES[col].unit, fontsize=9)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(columns):]:
        ax.axis("off")
    fig.suptitle(title or MEDIAN_AND_BAND[:1].upper() + MEDIAN_AND_BAND[1:])
    if scenario_col is not None:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=max(len(labels), 1), fontsize=9,
                   frameon=False, title=f"scenario ({MEDIAN_AND_BAND})")
    _fixed_layout(fig, rows, cols, bottom=0.55 if scenario_col is None else 1.2)
    return fig


def network_picture(network: pd.DataFrame, organisations: pd.DataFrame, seed: int,
                    months: list[int], start_year: int = 2016, title: str = "") -> plt.Figure:
    """The organisation partnership network of one replicate at the given months."""
    orgs = organisations.set_index("index").sort_index().reset_index()
    pos = np.column_stack(ring_layout(orgs))
    kinds = list(dict.fromkeys(orgs["kind"]))
    palette = {k: OKABE_ITO[i % 8] for i, k in enumerate(kinds)}
    fig, axes = plt.subplots(1, len(months), figsize=(5.2 * len(months), 5.6), squeeze=False)
    for ax, month in zip(axes.flat, months):
        edges = network[(network["seed"] == seed) & (network["month"] == month)]
        strength = edges["strength"].to_numpy(dtype=float)
        grey = np.tile(matplotlib.colors.to_rgba("#555555"), (len(edges), 1))
        grey[:, 3] = 0.25 + 0.6 * strength
        ax.add_collection(matplotlib.collections.LineCollection(     # one artist for every tie
            np.stack([pos[edges["source"].to_numpy(int)], pos[edges["target"].to_numpy(int)]], axis=1),
            colors=grey, linewidths=0.5 + 4 * strength, zorder=1))
        degree = np.bincount(np.r_[edges["source"], edges["target"]].astype(int), minlength=len(orgs))
        for kind in kinds:
            idx = orgs.index[orgs["kind"] == kind]
            marker = "s" if kind in ("early_years", "primary", "secondary", "post16") else "o"
            ax.scatter(pos[idx, 0], pos[idx, 1], s=40 + 25 * degree[idx], color=palette[kind],
                       marker=marker, edgecolor="black", linewidth=0.5, zorder=2,
                       label=orgs.loc[idx[0], "label"] if len(idx) else kind)
        when = f"start of {start_year}" if month == 0 else f"end of {start_year + (month - 1) // 12}"
        ax.set_title(f"{when}: {len(edges)} ties, "
                     f"mean strength {edges['strength'].mean() if len(edges) else 0:.2f}", fontsize=10)
        ax.set_aspect("equal")
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.suptitle(title or "Organisation partnership network (line width = tie strength; squares are schools)")
    _fixed_layout(fig, 1, len(months), left=0.15, right=0.15, top=0.7, bottom=0.75, wspace=0.3)
    return fig


def save(fig: plt.Figure, path) -> None:
    """Save a figure atomically (analysis.results.atomic_write) and close it."""
    from pathlib import Path

    from analysis.results import atomic_write

    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format=Path(path).suffix.lstrip(".")))
    finally:
        plt.close(fig)


def _finish_grid(fig: plt.Figure, axes, title: str, band_words: str) -> plt.Figure:
    """The 2 x 2 grid of headline milestones, with the scenario legend below it saying
    what the line and the shaded band are."""
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(len(labels), 1), fontsize=9, frameon=False,
               title=f"scenario (line: median; shaded: {band_words})")
    fig.suptitle(title)
    _fixed_layout(fig, *axes.shape, top=0.85, bottom=1.3, hspace=1.0)
    return fig


def scenario_milestones(results: dict, group: str = "all", title: str = "") -> plt.Figure:
    """Share reaching each milestone by year, one line (median) and band per scenario."""
    names = EDUCATION_MILESTONES
    fig, axes = plt.subplots(2, 2, figsize=(10, 8), squeeze=False)
    for ax, milestone in zip(axes.flat, names):
        for i, (scenario, res) in enumerate(results.items()):
            m = res["milestones"]
            m = m[(m["milestone"] == milestone) & (m["group"] == group) & (m["assessed"] > 0)]
            b = band(m, ["year"], "share")
            _ribbon(ax, b["year"], 100 * b["median"], 100 * b["low"], 100 * b["high"],
                    OKABE_ITO[i % 8], LINESTYLES[i % 4], scenario)
        _milestone_axes(ax, milestone)
    return _finish_grid(fig, axes, title or "Children reaching each milestone", REPLICATE_BAND.wording)


def difference_over_time(diffs: pd.DataFrame, title: str = "") -> plt.Figure:
    """Paired difference to baseline by year (percentage points): median and interval."""
    names = EDUCATION_MILESTONES
    scenarios = [s for s in dict.fromkeys(diffs["scenario"]) if s != "baseline"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 8), squeeze=False)
    for ax, milestone in zip(axes.flat, names):
        d = diffs[(diffs["milestone"] == milestone) & diffs["diff"].notna()]
        for i, scenario in enumerate(scenarios, start=1):
            g = d[d["scenario"] == scenario]
            if g.empty:
                continue
            gg = g.groupby("year")["diff"]
            yr = gg.median().index
            _ribbon(ax, yr, 100 * gg.median().to_numpy(), 100 * gg.quantile(PAIRED_INTERVAL.low).to_numpy(),
                    100 * gg.quantile(PAIRED_INTERVAL.high).to_numpy(), OKABE_ITO[i % 8], LINESTYLES[i % 4], scenario)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(textwrap.fill(OUTCOMES[milestone].short_label, 34), fontsize=10)
        ax.set_ylabel("difference to baseline (percentage points)", fontsize=8)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    return _finish_grid(fig, axes, title or "Difference to baseline, same seeds", PAIRED_INTERVAL.wording)


def cost_effect(summary: pd.DataFrame, title: str = "") -> plt.Figure:
    """Total cost against additional children reaching each attainment milestone."""
    milestones = EDUCATION_MILESTONES
    s = summary[(summary["group"] == "all") & (summary["outcome"].isin(milestones))
                & (summary["scenario"] != "baseline")]
    fig, axes = plt.subplots(1, len(milestones), figsize=(4 * len(milestones), 4), squeeze=False, sharey=False)
    scenarios = list(dict.fromkeys(s["scenario"]))
    for ax, milestone in zip(axes.flat, milestones):
        g = s[s["outcome"] == milestone]
        for i, scenario in enumerate(scenarios, start=1):
            r = g[g["scenario"] == scenario]
            if r.empty:
                continue
            r = r.iloc[0]
            y, lo, hi = r["extra_children"], r["extra_low"], r["extra_high"]
            ax.errorbar(r["total_cost"] / 1e3, y, yerr=[[max(y - lo, 0)], [max(hi - y, 0)]],
                        fmt=["o", "s", "^", "D", "v", "P", "X"][i % 7], color=OKABE_ITO[i % 8],
                        capsize=4, markersize=7, label=scenario)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(textwrap.fill(OUTCOMES[milestone].short_label, 34), fontsize=10)
        ax.set_xlabel("total cost over the run (GBP thousand)")
        ax.set_ylabel("additional children reaching it\n(median, 90% interval)", fontsize=9)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(len(labels), 1), fontsize=9, frameon=False)
    fig.suptitle(title or "What the money buys: cost against additional children reaching each milestone")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def tipping_panels(runs: pd.DataFrame, tips: pd.DataFrame, outcome: str) -> plt.Figure:
    """One panel per driver (the first slice of any others): every run's outcome against
    the driver, the replicate mean, and where a tipping point was found its gap and 90%
    interval shaded, or the verdict written in the panel (analysis.tipping)."""
    drivers = list(dict.fromkeys(tips["driver"]))
    fig, axes = plt.subplots(1, len(drivers), figsize=(5.2 * len(drivers), 3.8), squeeze=False)
    label = OUTCOMES[outcome].short_label if outcome in OUTCOMES else outcome
    for ax, driver in zip(axes[0], drivers):
        row = tips[tips["driver"] == driver].iloc[0]
        data = runs
        for other, level in row["at"].items():
            data = data[data[other] == level]
        ax.scatter(data[driver], data["value"], s=12, alpha=0.5, color=OKABE_ITO[0], label="one run")
        mean = data.groupby(driver)["value"].mean()
        ax.plot(mean.index, mean.to_numpy(), color=OKABE_ITO[1], label="mean of replicates")
        if row["verdict"] == "tipping point":
            ax.axvspan(row["interval_low"], row["interval_high"], color=OKABE_ITO[2], alpha=0.15,
                       label="90% interval of where it tips")
            ax.axvspan(row["below"], row["above"], color=OKABE_ITO[2], alpha=0.3, label="tips here")
            verdict = f"tips between {row['below']:g} and {row['above']:g} (p = {row['p_value']:.3f})"
        elif row["verdict"] == "no tipping point found":
            verdict = f"no tipping point found (p = {row['p_value']:.2f})"
        else:
            verdict = row["verdict"]
        at = ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in row["at"].items())
        ax.set_title(f"{verdict}" + (f"\n(at {at})" if at else ""), fontsize=9)
        ax.set_xlabel(driver.split(".")[-1] if "." in driver else driver)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(f"Does {label} tip?", fontsize=11)
    fig.tight_layout()
    return fig
