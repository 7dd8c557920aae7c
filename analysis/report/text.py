"""The report's prose: the place, each scenario, its headline and what is left after it."""
from __future__ import annotations

from typing import Any

from analysis.report.data import (Context, calendar_span, extra_children_between, median_interval,
                                  system_periods, year_of_month)
from analysis.report.figures import marker_name, style
from analysis.report.formatting import (LESS_THAN_ONE_CHILD, cost_or_uncertainty_text, finite, interval_text, label,
                                        list_words, lower_first, money, number, outcome_title, rounded, significant,
                                        years_text)
from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES


def compare_question(ctx: Context) -> tuple[str, str]:
    """The title and the question a compare report answers."""
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
        subject = list_words([label(n) for n in ctx.others])
    question = (f"What would {subject} change for children in {ctx.place_name} over {years_text(ctx.years)} "
                f"({ctx.period}), compared with the place as it is; what would it cost{question_tail}?")
    return title, question


def sweep_question(place: str, scenario: str, outcomes: list[str], years: Any) -> tuple[str, str]:
    """The title and the question a sweep report answers."""
    words = [lower_first(outcome_title(o)) for o in outcomes]
    title = f"Which guesses matter: {place}, {scenario.lower()}"
    question = (f"Which of the model's uncertain numbers move {list_words(words).replace(' or ', ' and ')} "
                f"most in {place} ({scenario.lower()}" + (f", {years} years" if years else "") + "), so that "
                "better evidence on them would change what a funder should conclude?")
    return title, question


def place_sentences(ctx: Context) -> list[str]:
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
    if finite(cfg.get("population")):
        size = f"{number(cfg['population'], 0)} residents"
        if finite(cfg.get("homes")):
            size += f" in {number(cfg['homes'], 0)} homes"
    sent = [f"{first} is modelled as a neighbourhood of {size}"
            + (f", with about {number(significant(children, 2), 0)} children and young people aged 0\u201319 "
               "at the start"
               if finite(children) else "") + "."]
    schools = [(cfg.get("early_years_settings"), "early-years setting"),
               (cfg.get("primary_schools"), "primary school"),
               (cfg.get("secondary_schools"), "secondary school"),
               (cfg.get("post16_colleges"), "sixth form or college")]
    parts = [f"{int(n)} {what}{'s' if int(n) != 1 and not what.endswith('college') else ''}"
             for n, what in schools if finite(n) and int(n) > 0]
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
            if finite(ind.get(key)):
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
        span = calendar_span(ctx.start_year, sup.first_month, last)
        when = (f" ({span})" if last < months else
                f" (from {year_of_month(ctx.start_year, sup.first_month)} to the end of the run in {ctx.last_year})")
    row = ctx.summary_all[ctx.summary_all["scenario"] == name]
    total = float(row["total_cost"].iloc[0]) if len(row) else float("nan")
    cost = ""
    if sup.yearly_cost > 0 and finite(total):
        cost = f"; it costs {money(sup.yearly_cost)} a year while it runs, {money(total)} in all"
    elif finite(total) and total > 0:
        cost = f"; it costs {money(total)} in all"
    return f"{desc}{when}{cost}."


def baseline_sentence(ctx: Context) -> str:
    desc = (ctx.inputs.manifest.get("descriptions") or {}).get("baseline") or "the place as it is"
    desc = desc.strip().rstrip(".")
    return desc[:1].lower() + desc[1:]


def scenario_headline(ctx: Context, name: str) -> dict:
    s = ctx.summary_all[ctx.summary_all["scenario"] == name]
    need = ctx.inputs.summary
    need = need[(need["scenario"] == name) & (need["group"] == "in_need")]
    sup = ctx.supports[name]
    rows = []
    exit_year = ctx.exit_years.get(name)
    after_first = year_of_month(ctx.start_year, sup.last_month(ctx.months) + 1)
    for m in EDUCATION_MILESTONES:
        r = s[s["outcome"] == m]
        if r.empty:
            continue
        r = r.iloc[0]
        med, lo, hi = rounded(r["extra_children"], r["extra_low"], r["extra_high"], most=0)
        row = {"milestone": OUTCOMES[m].short_label, "extra": med, "interval": f"{lo} to {hi}",
               "cost_per_child": cost_or_uncertainty_text(r), "after": None}
        if exit_year is not None:
            vals = extra_children_between(ctx.results, name, after_first, ctx.last_year, m)
            row["after"] = interval_text(*median_interval(vals), most=0)
        rows.append(row)
    total = float(s["total_cost"].iloc[0]) if len(s) else float("nan")
    left = None
    if sup.any and exit_year is not None:
        left = _what_is_left(ctx, name)
    elif sup.any:
        left = ("The support is still in place at the end of the run, so this scenario cannot say what lasts "
                "after it; compare a scenario in which it ends (for example core_team_exit).")
    return {"name": name, "label": label(name), "sentence": _scenario_sentence(ctx, name), "rows": rows,
            "total_cost": money(total) if finite(total) else "n/a", "left": left, "tip": does_it_tip(ctx, name),
            "after_header": (f"after support ends ({after_first}\u2013{ctx.last_year})" if exit_year else None),
            "style": style(ctx.index[name]), "marker_name": marker_name(ctx.index[name])}


def _what_is_left(ctx: Context, name: str) -> str:
    periods = system_periods(ctx, name)
    during, after = periods["during"][0], periods["after"][0]
    d_at = median_interval((during["mean6"] - during["mean6_base"]).to_numpy())
    d_after = median_interval((after["mean6"] - after["mean6_base"]).to_numpy())
    n = ctx.years - ctx.supports[name].end
    at = interval_text(*d_at, default=2)
    later = interval_text(*d_after, default=2)
    return (f"{years_text(n).capitalize()} after the support ends, the average of seed 003's six system areas "
            f"(a 0\u20131 index) is {later} above the baseline, against {at} in the last year of support "
            "(median, 90% interval).")


def does_it_tip(ctx: Context, name: str) -> dict | None:
    """"Does it tip?" for a scenario whose support ends (analysis/lasting.py: the same rule
    as the page's): one sentence and, where it could be answered, a small table; None when
    its support never ends."""
    from analysis.lasting import ANSWERED, support_end, tip_answer
    from analysis.report.tables import tip_table

    ivs = (ctx.inputs.configs[name].get("scenario") or {}).get("interventions")
    answer = tip_answer(ctx.results["baseline"]["timeseries"], ctx.results[name]["timeseries"], support_end(ivs))
    if answer is None:
        return None
    table = tip_table(ctx, name, answer) if answer.status == ANSWERED else None
    return {"sentence": answer.sentence(ctx.start_year), "table": table}


def shock_sentences(ctx: Context) -> list[str]:
    """For each funding cut or closure in the comparison, what the network was worth in
    it (analysis/shock_response.py)."""
    from analysis.shock_response import sentence, worth_table

    table = worth_table(ctx.results, ctx.inputs.configs)
    return [sentence(r) for _, r in table.iterrows()]


def interaction_sentences(ctx: Context) -> list[str]:
    """For each whole in the comparison (analysis/interaction.py), one sentence (below)."""
    from analysis.interaction import headline_rows, interaction_table

    table = interaction_table(ctx.results, ctx.inputs.configs)
    rows = (headline_rows(table, whole) for whole in dict.fromkeys(table["whole"]))
    return [interaction_sentence(r) for r in rows if not r.empty]


def interaction_sentence(rows) -> str:
    """Whether a whole was more than the sum of its parts on its headline outcomes
    (analysis.interaction.headline_rows: the education milestones and, where the results hold
    them, children with and without barriers to learning), with the amount and its 90%
    interval only where that interval excludes zero; elsewhere, that it cannot be told from
    the sum of its parts."""
    from analysis.interaction import LESS, MORE, UNCLEAR, direction, scale_of

    whole = rows["whole"].iloc[0]
    n = int(rows["n_replicates"].min())
    parts = _and_words([lower_first(label(p)) for p in rows["parts"].iloc[0].split(" + ")])
    by = {k: [r for _, r in rows.iterrows() if direction(r) == k] for k in (MORE, LESS, UNCLEAR)}

    def title(r) -> str:
        return lower_first(outcome_title(r["outcome"]))

    def amount(r) -> str:
        scale, unit = scale_of(r["outcome"])
        m, lo, hi = rounded(r["estimate"], r["low"], r["high"], scale=scale, default=1)
        unit = unit.split(" (")[0]
        return f"{title(r)} by {m}{' ' + unit if unit else ''} (90% interval {lo} to {hi})"

    if not by[MORE] and not by[LESS]:
        return (f"Whether {label(whole)} was more than the sum of its parts ({parts}) cannot be told from "
                f"these {n} replicates: its effect minus the sum of theirs has a 90% interval that includes "
                f"zero for {_and_words([title(r) for r in by[UNCLEAR]])}.")
    said = [(k, word) for k, word in ((MORE, "more"), (LESS, "less")) if by[k]]
    clauses = [f"{word} than the sum of its parts" + (f" ({parts})" if i == 0 else "")
               + f" for {_and_words([amount(r) for r in by[k]])}" for i, (k, word) in enumerate(said)]
    sentence = f"{label(whole)} was " + ", but ".join(clauses)
    if by[UNCLEAR]:
        sentence += (f"; for {_and_words([title(r) for r in by[UNCLEAR]])} it cannot be told from the sum of its "
                     f"parts with {n} replicates")
    return sentence + "."


def _and_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def brief_sentences(ctx: Context) -> list[str]:
    """Page 1's answer in brief, one sentence per scenario, by the honest-headline rule:
    the milestones whose 90% interval lies above (or below) zero, with the additional
    children and the cost per additional child as a range; the rest named together as not
    distinguishable from no change with these replicates, and about how many would tell."""
    out = []
    for name in ctx.others:
        s = ctx.summary_all[ctx.summary_all["scenario"] == name].set_index("outcome")
        rows = [(m, s.loc[m]) for m in EDUCATION_MILESTONES if m in s.index]
        total = float(rows[0][1]["total_cost"]) if rows else float("nan")
        up = [(m, r) for m, r in rows if finite(r["extra_low"]) and r["extra_low"] > 0]
        down = [(m, r) for m, r in rows if finite(r["extra_high"]) and r["extra_high"] < 0]
        told = {m for m, _ in up + down}
        unclear = [(m, r) for m, r in rows if m not in told]
        parts = []
        for m, r in up:
            med, lo, hi = rounded(r["extra_children"], r["extra_low"], r["extra_high"], most=0)
            cost = cost_or_uncertainty_text(r)
            parts.append(f"{med} children ({lo} to {hi}) reach {lower_first(OUTCOMES[m].short_label)}"
                         + (f", at {cost} per additional child" if cost.startswith("£") else ""))
        for m, r in down:
            med, lo, hi = rounded(r["extra_children"], r["extra_low"], r["extra_high"], most=0)
            parts.append(f"fewer children reach {lower_first(OUTCOMES[m].short_label)} ({med}, {lo} to {hi})")
        if unclear:
            n = int(min(r["replicates"] for _, r in unclear))
            needed = sorted(float(r["replicates_needed"]) for _, r in unclear if finite(r.get("replicates_needed"))
                            and abs(float(r["extra_children"])) >= LESS_THAN_ONE_CHILD)
            what = "every milestone" if len(unclear) == len(rows) else list_words(
                [lower_first(OUTCOMES[m].short_label) for m, _ in unclear]).replace(" or ", " and ")
            sentence = f"the effect on {what} is not distinguishable from no change with {n} replicates"
            if needed:
                lo, hi = (number(significant(v, 2), 0) for v in (needed[0], needed[-1]))
                sentence += (f" (about {lo} replicates would be needed to tell effects of these sizes"
                             if lo == hi else f" (about {lo} to {hi} replicates would be needed to tell effects of "
                             "these sizes") + " from no change)"
            parts.append(sentence)
        cost = f" ({money(total)} in all)" if finite(total) and total > 0 else ""
        out.append(f"{label(name)}{cost}: " + "; ".join(parts) + ".")
    return out
