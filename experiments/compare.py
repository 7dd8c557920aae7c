"""`placesim compare`: scenarios side by side on the same seeds.

Each scenario runs on the same replicate seeds with common random numbers (sim.rng), so
differences to baseline are paired. Each finished scenario is written to its own run
folder at once, so a scenario that fails (or an interrupted compare) keeps the others;
the manifest lists what finished and what failed. The folder then gets summary.csv and
summary.parquet (one row per scenario x outcome x group), plots/*.png and, where one
scenario is the others' interventions put together, interaction.csv (analysis/interaction.py).
The folder's layout is analysis/results.py's.
"""
from __future__ import annotations

import dataclasses
import logging
import sys
import traceback
from pathlib import Path

from experiments.hydra_entry import launch, start_task

log = logging.getLogger("placesim")


def run_compare(resolved, out: Path) -> dict:
    from analysis.results import ResultsError, record_scenario, start_compare
    from configs.compose import ResolvedRun, build_interventions, load_scenario
    from experiments.run import execute

    names = list(dict.fromkeys(resolved.config.scenarios))
    if "baseline" not in names:
        names.insert(0, "baseline")
    specs = {name: load_scenario(name) for name in names}
    manifest = start_compare(out, place=resolved.config.place.name, seeds=resolved.seeds,
                             months=12 * resolved.config.run.years, start_year=resolved.config.run.start_year,
                             scenarios=names, descriptions={n: s.description for n, s in specs.items()})
    for name in names:
        cfg = dataclasses.replace(resolved.config, scenario=specs[name])
        one = ResolvedRun(cfg, resolved.england)
        try:
            execute(one, out / name, interventions=lambda spec=specs[name]: build_interventions(spec), label=name)
            error = None
        except OSError:                  # a full disk or a read-only folder stops every scenario
            raise
        except ResultsError as exc:      # e.g. a result that is not finite: one line, no traceback
            error = f"{type(exc).__name__}: {exc}"
            log.error("scenario %s failed: %s", name, exc)
        except Exception as exc:  # keep what finished; say what failed
            error = f"{type(exc).__name__}: {exc}"
            log.error("scenario %s failed: %s\n%s", name, exc, traceback.format_exc())
        manifest = record_scenario(out, manifest, name, error)
    return manifest


def write_summary(out: Path, plots: bool = True) -> "object":
    """summary.csv and summary.parquet, and (with `plots`) the compare's figures."""
    from analysis.compare import summarise, yearly_milestone_differences
    from analysis.plots import (cost_effect, difference_over_time, save, scenario_milestones,
                                timeseries_panels)
    from analysis.results import read_compare, write_compare_summary
    from sim.outcomes import SYSTEM_AREAS

    import pandas as pd

    folder = read_compare(out, with_summary=False)
    results = folder.results
    summary = summarise(results)
    write_compare_summary(out, summary)
    if not plots:
        return summary
    place = folder.manifest["place"]
    save(scenario_milestones(results, title=f"{place}: children reaching each milestone by scenario"),
         out / "plots" / "milestones_by_scenario.png")
    save(difference_over_time(yearly_milestone_differences(results),
                              title=f"{place}: difference to baseline on the same seeds"),
         out / "plots" / "difference_to_baseline.png")
    save(cost_effect(summary, title=f"{place}: cost against additional children reaching each milestone"),
         out / "plots" / "cost_effect.png")
    ts = pd.concat([r["timeseries"].assign(scenario=n) for n, r in results.items()], ignore_index=True)
    save(timeseries_panels(ts, SYSTEM_AREAS, title=f"{place}: system outcomes by scenario (seed 003's six areas)",
                           scenario_col="scenario"), out / "plots" / "system_by_scenario.png")
    return summary


def write_interaction(out: Path) -> "object":
    """interaction.csv: the whole minus the sum of its parts (analysis/interaction.py), for
    each whole the compare holds; no file when it holds none."""
    from analysis.interaction import interaction_table
    from analysis.results import read_compare, write_csv

    folder = read_compare(out, with_summary=False)
    table = interaction_table(folder.results, {n: folder.config(n) for n in folder.results})
    if not table.empty:
        write_csv(table, out / "interaction.csv")
    return table


def write_shock_response(out: Path) -> list[str]:
    """shock_response.csv: what the network was worth in each funding cut or closure
    (analysis/shock_response.py); the terminal's lines, none when no scenario has one."""
    from analysis.results import read_compare, write_csv
    from analysis.shock_response import headline_lines, worth_table

    folder = read_compare(out, with_summary=False)
    table = worth_table(folder.results, {n: folder.config(n) for n in folder.results})
    if not table.empty:
        write_csv(table, out / "shock_response.csv")
    return headline_lines(table)


def write_headline_counts(out: Path) -> list[str]:
    """headline_counts.csv: families reached and organisations engaged beside seed 003's
    figures (analysis/headline.py); the terminal's lines for the as-it-happened
    scenarios, or one line pointing to the table if the compare has none."""
    from analysis.headline import as_it_happened, headline_lines as count_lines, headline_table, \
        organisation_count
    from analysis.results import RunFolder, read_compare, write_csv

    folder = read_compare(out, with_summary=False)
    place = folder.manifest["place"]
    table = headline_table(place, {n: r["timeseries"] for n, r in folder.results.items()})
    write_csv(table, out / "headline_counts.csv")
    if not any(name.startswith("as_it_happened") for name in folder.results):
        # Not what the main job is about: one line, the table is in the folder.
        return [f"Families, children and organisations reached, beside seed 003's figures: headline_counts.csv "
                f"(compare scenario as_it_happened_{place} to see them here)"]
    n_orgs = organisation_count(RunFolder(out / "baseline", folder.manifest))
    return count_lines(table[table["scenario"].isin(as_it_happened(folder.results))], place, n_orgs)


def headline_lines(summary) -> list[str]:
    """The terminal's headline: each education milestone's additional children with their
    90% interval, rounded to what the interval supports, then the honest-headline
    sentence the report and the page print (analysis.report.formatting): where the
    interval includes zero, that it cannot be told from no change and about how many
    replicates would tell it; a cost per additional child only where the interval lies
    above zero, as a range."""
    from analysis.report.formatting import cost_or_uncertainty_text, extra_text, money
    from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES, PAIRED_INTERVAL

    s = summary[(summary["group"] == "all") & summary["outcome"].isin(EDUCATION_MILESTONES)]
    n = int(s["replicates"].min()) if len(s) else 0
    lines = [f"Additional children reaching each milestone over the run, vs baseline: median "
             f"({PAIRED_INTERVAL.wording}, {n} replicates):"]
    for scenario in dict.fromkeys(s["scenario"]):
        if scenario == "baseline":
            continue
        rows = s[s["scenario"] == scenario].set_index("outcome")
        lines.append(f"  {scenario} (costs {money(rows['total_cost'].iloc[0])} over the run):")
        for m in EDUCATION_MILESTONES:
            if m in rows.index:
                r = rows.loc[m]
                lines.append(f"    {OUTCOMES[m].short_label}: {extra_text(r)} children")
                lines.append(f"      {cost_or_uncertainty_text(r)}")
    return lines


def task(cfg) -> None:
    resolved, out = start_task("compare", cfg)
    manifest = run_compare(resolved, out)
    if "baseline" not in manifest["done"]:
        print(f"placesim compare: error: the baseline failed ({manifest['failed'].get('baseline')}); "
              f"no differences to report. Results so far in {out}", file=sys.stderr)
        raise SystemExit(1)
    summary = write_summary(out)
    from analysis.interaction import headline_lines as interaction_lines

    for line in (headline_lines(summary) + interaction_lines(write_interaction(out))
                 + write_shock_response(out) + write_headline_counts(out)):
        print(line)
    if manifest["failed"]:
        print(f"Failed scenarios (see manifest.json): {', '.join(manifest['failed'])}")
    print(f"Results written to {out}")
    if manifest["failed"]:
        raise SystemExit(1)


def main(argv: list[str]) -> int:
    return launch("compare", argv, task)
