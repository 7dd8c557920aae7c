"""The report's tables (pandas' Styler): the system before, during and after support,
cost-effectiveness, and the assumptions (every registry parameter behind the report,
with the evidence class of its source and whether it moves the headline)."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from analysis.report.data import Context, calendar_span, median_interval, moving_guesses, system_periods
from analysis.report.formatting import (cost_or_uncertainty_text, extra_text,
                                        interval_text, label, money, number, years_text)
from analysis.summarise import quantiles
from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES, SYSTEM_AREAS


def styled(df: pd.DataFrame, uid: str, caption: str, classes: pd.DataFrame | None = None,
           table_class: str = "") -> str:
    st = df.style.hide(axis="index").set_uuid(uid).set_caption(caption).format(escape="html")
    if classes is not None:
        st = st.set_td_classes(classes)
    if table_class:
        st = st.set_table_attributes(f'class="{table_class}"')
    return st.to_html()


def system_table(ctx: Context, name: str) -> str:
    from sim.reporters import STAGES

    periods = system_periods(ctx, name)
    heads = {"during": "during: last year of support", "after": "after support"}
    columns: dict[str, tuple[str, str]] = {}      # column -> (period, "level" | "diff")
    for key, (_, a, b) in periods.items():
        if key == "before":
            columns[f"before ({ctx.start_year})"] = (key, "level")
            continue
        span = calendar_span(ctx.start_year, a, b)
        columns[f"{heads[key]} ({span}): level"] = (key, "level")
        columns[f"{heads[key]}: vs baseline (90%)"] = (key, "diff")
    first = "area (0\u20131 index)"
    rows = []
    items = [(c, OUTCOMES[c].short_label) for c in SYSTEM_AREAS] + [("mean6", "Average of the six areas")]
    for col, title in items:
        row = {first: title}
        for c, (key, what) in columns.items():
            j = periods[key][0]
            if what == "level":
                row[c] = number(float(quantiles(j[col].to_numpy(), 0.5)), 2)
            else:
                row[c] = interval_text(*median_interval((j[col] - j[col + "_base"]).to_numpy()), default=2)
        rows.append(row)
    row = {first: "Stage reached (seed 003's four; median replicate)"}
    for c, (key, what) in columns.items():
        j = periods[key][0]
        st = int(round(float(quantiles(j["stage"].to_numpy(), 0.5)))) if len(j) else 0
        bs = int(round(float(quantiles(j["stage_base"].to_numpy(), 0.5)))) if len(j) else 0
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


def tip_table(ctx: Context, name: str, answer) -> str:
    """Does it tip? (analysis/lasting.py): per system area and norm adoption, the paired gain
    in the last year of support and `years_after` years after it ends, and the answer."""
    from analysis.lasting import BELOW, FADES, LATER, NO_GAIN, STAYS

    k = answer.years_after
    after_year = calendar_span(ctx.start_year, answer.end_month + 12 * k, answer.end_month + 12 * k)
    words = {STAYS: "stays above the baseline", LATER: "above the baseline only after support ends",
             FADES: "fades back (cannot be told from the baseline)", BELOW: "below the baseline",
             NO_GAIN: "no gain beyond noise, even during support"}
    trends = {"grew": "; larger than at exit", "shrank": "; smaller than at exit"}
    first = "measure (0\u20131)"
    rows = [{first: r.label,
             "gain in the last year of support": interval_text(r.at_exit, r.at_exit_low, r.at_exit_high, default=2),
             f"gain {years_text(k)} after support ends ({after_year})":
                 interval_text(r.after, r.after_low, r.after_high, default=2),
             "answer": words[r.verdict] + trends.get(r.trend, "")}
            for r in answer.table().itertuples()]
    df = pd.DataFrame(rows)
    classes = pd.DataFrame("num", index=df.index, columns=df.columns)
    classes[[first, "answer"]] = ""
    caption = (f"{label(name)}: does the gain outlast the support? Paired difference to the baseline (scenario "
               f"minus baseline on the same seed, yearly mean), median and 90% interval over {answer.replicates} "
               "replicates. A gain stays where the interval lies above zero; it fades back where the interval "
               "includes zero.")
    return styled(df, f"tip_{name}", caption, classes, "system tip")


def cost_effectiveness_table(ctx: Context) -> str:
    s = ctx.inputs.summary
    rows = []
    for name in ctx.others:
        for m in EDUCATION_MILESTONES:
            r = s[(s["scenario"] == name) & (s["outcome"] == m) & (s["group"] == "all")]
            if r.empty:
                continue
            r = r.iloc[0]
            n = s[(s["scenario"] == name) & (s["outcome"] == m) & (s["group"] == "in_need")]
            rows.append({
                "scenario": label(name),
                "milestone": OUTCOMES[m].short_label,
                "additional children (90% interval)": extra_text(r),
                "of them in families in need": extra_text(n.iloc[0]) if len(n) else "n/a",
                "total cost": money(r["total_cost"]) if r["total_cost"] > 0 else "\u00a30",
                "cost per additional child (over the 90% interval)": cost_or_uncertainty_text(r),
            })
    df = pd.DataFrame(rows)
    classes = pd.DataFrame("num", index=df.index, columns=df.columns)
    classes[["scenario", "milestone"]] = ""
    caption = (f"Cost-effectiveness, {ctx.period}: additional children reaching each milestone compared with "
               "the baseline on the same seeds (median and 90% interval), the scenario's total cost, and the cost "
               "per additional child at the two ends of the 90% interval, given only where that interval lies "
               "above zero; where it includes zero the effect cannot be told apart from no change with these "
               "replicates, and the row says about how many would tell. The same money buys every row of a "
               "scenario, so costs per child do not add up.")
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
    evidence class of its source (configs.evidence.evidence_class)."""
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


def assumption_groups(rows: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """The appendix's groups, (title, key prefix, rows): the scenarios' own settings, the
    place, then the model by area (model.ties, model.families, ...), in registry order."""
    out = []
    for group, title, prefix in (("scenario", "The scenarios' own settings", "scenario.interventions."),
                                 ("place", "The place", "place.")):
        g = rows[rows["group"] == group]
        if len(g):
            out.append((title, prefix, g))
    model = rows[rows["group"] == "model"]
    areas = model["parameter"].str.split(".").str[1]
    for area in dict.fromkeys(areas):
        out.append((f"How the model works: {area}", f"model.{area}.", model[areas == area]))
    return out


def assumptions_section(configs: dict[str, dict], sensitivity: pd.DataFrame | None,
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
    show = ["parameter", "meaning", "value used", "plausible range", "kind", "source"]
    if swept:
        show.append("swept over")
    if sensitivity is not None:
        show.append("moves the headline")
    for title, prefix, g in assumption_groups(rows):
        g = g.copy()
        g["parameter"] = g["parameter"].str.slice(len(prefix))
        g["value used"] = [f"{v} ({u})" if u else str(v) for v, u in zip(g["value"], g["unit"])]
        df = g[show].reset_index(drop=True)
        classes = pd.DataFrame("", index=df.index, columns=df.columns)
        classes["kind"] = "kind-" + df["kind"]
        classes["parameter"] = "key"
        if "moves the headline" in df:
            classes["moves the headline"] = np.where(df["moves the headline"] != "", "moves", "")
        caption = f"{len(df)} numbers, keys under {prefix} as on the command line."
        uid = "a_" + prefix.strip(".").replace(".", "_")
        tables.append({"title": title, "html": styled(df, uid, caption, classes, "assumptions")})
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




def headline_counts_section(place: str, inputs) -> dict:
    """Families reached and organisations engaged beside seed 003's figures (the
    as-it-happened scenarios of a CompareInputs, or every scenario if none), with the
    sentences saying where the model is far off and why (analysis/headline.py); empty
    html for a compare folder without the counts (written before they existed)."""
    from analysis.headline import as_it_happened, far_off_sentences, headline_table, organisation_count
    from analysis.results import RunFolder

    results = inputs.results
    table = headline_table(place, {n: results[n]["timeseries"] for n in as_it_happened(results)})
    counted = table[table["model_median"].notna()]
    if counted.empty:
        return {"html": "", "sentences": []}
    shown = pd.DataFrame({
        "Scenario": [label(n) for n in counted["scenario"]],
        "Count": counted["measure"].str.replace("_", " "),
        "Model (median)": counted["model_median"].map(lambda v: f"{v:,.0f}"),
        "Model 5th-95th percentile": [f"{lo:,.0f}-{hi:,.0f}" for lo, hi in zip(counted["model_low"], counted["model_high"])],
        "Seed 003": [f"{q + ' ' if q else ''}{v:,}" for q, v in zip(counted["seed_qualifier"], counted["seed_value"])],
        "For": counted["seed_place"].map(lambda p: "three places together" if p == "network" else p),
        "Seed line": counted["seed_line"],
        "Seed definition": counted["seed_definition"],
    })
    html = styled(shown, "headline-counts", "Headline counts by the start of 2020, beside seed 003's figures")
    n_orgs = organisation_count(RunFolder(inputs.folder / "baseline", inputs.manifest))
    return {"html": html, "sentences": far_off_sentences(table, place, n_orgs)}
