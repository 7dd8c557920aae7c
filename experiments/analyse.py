"""`placesim analyse [kind] path=<folder> [outcome=<name>] [key=value ...]`

- no kind (or `tipping`), a sweep folder: sensitivity indices (Sobol, Morris, or rank
  correlations) and tipping points (or "none found") of the sweep; writes
  <folder>/analysis/ (analysis.results.write_analysis): <outcome>_indices.csv,
  _tipping.csv for factorial designs (with _tipping.png), a bar chart and the manifest;
  and, for a full-factorial grid of one or two drivers of a scenario whose support ends
  (sweep=tipping_team_exit, tipping_minority), the probability that each system
  indicator stays above its pre-intervention level years_after=<N> (default 5) years
  after support ends, with a fitted boundary and whether it is a tipping point
  (analysis.tipping_probability): lasting_probability.csv, lasting_boundary.csv,
  lasting_probability.png; margin=<x> asks for more than x above that level;
- `hysteresis`, a run, compare or sweep folder of a ramped scenario (scenario=hcz_ramp;
  sweep=hysteresis_ramp): the path up against the path down and the loop's width with an
  interval (analysis.hysteresis), per point of a sweep; outcome=<indicator,...> (default:
  the system indicators), bins=<n>;
- `warning`, a factorial sweep (sweep=warning_grid) or a run or compare folder: rolling
  variance and lag-1 autocorrelation before a transition, their Kendall trend, and
  whether they rose before the tipping point `tipping` finds (analysis.warning);
  outcome=<indicator>, window=<years>;
- `sensitivity`, a paired Morris or Sobol sweep (sweep.paired=true; sweep=morris_paired,
  then sobol_paired): indices on the paired effect, scenario minus baseline on the same
  seeds (analysis.sensitivity.paired_by_run); outcome=<name,...> (default
  ks4_gap,relationships_after_exit,extra_per_million);
- `prim`, a sweep folder: boxes of parameter space where the gains last (analysis.prim);
  outcome=<indicator>, threshold=<value>;
- `stages`, run or compare folders (path=<a>,<b>,...; e.g. one run per place): months to
  each of seed 003's stages per place and scenario, the median over replicates with a
  bootstrap interval, and which moved first (analysis.stages); writes stages.csv to the
  first folder's analysis/.
Each writes CSV and PNG to <folder>/analysis/ and prints its sentences."""
from __future__ import annotations

import sys
import warnings

KINDS = ("tipping", "hysteresis", "warning", "sensitivity", "prim", "stages")
KEYS = {"tipping": ("path", "outcome", "years_after", "margin"), "hysteresis": ("path", "outcome", "bins"),
        "warning": ("path", "outcome", "window"), "sensitivity": ("path", "outcome"),
        "prim": ("path", "outcome", "threshold"), "stages": ("path",)}


def parse(argv: list[str]) -> dict:
    kind = "tipping"
    if argv and "=" not in argv[0] and argv[0] not in ("-h", "--help"):
        kind, argv = argv[0], argv[1:]
        if kind not in KINDS:
            print(f"placesim analyse: error: kind={kind}: unknown; choose from {', '.join(KINDS)}", file=sys.stderr)
            raise SystemExit(2)
    args = {"kind": kind, "outcome": "ks4"} if kind == "tipping" else {"kind": kind}
    for item in argv:
        if item in ("-h", "--help"):
            print(__doc__)
            raise SystemExit(0)
        key, sep, value = item.partition("=")
        if not sep or key not in KEYS[kind]:
            allowed = " or ".join(f"{k}=" for k in KEYS[kind])
            print(f"placesim analyse {kind}: error: {item}: expected {allowed}", file=sys.stderr)
            raise SystemExit(2)
        args[key] = value
    if "path" not in args:
        print(f"placesim analyse {kind}: error: path=<folder> is required", file=sys.stderr)
        raise SystemExit(2)
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args["kind"] != "tipping":
        return {"hysteresis": hysteresis, "warning": warning, "sensitivity": sensitivity,
                "prim": prim, "stages": stages}[args["kind"]](args)
    from analysis.results import ResultsError, SkippedFileWarning, read_sweep
    from analysis.sensitivity import AnalysisError, indices, outcome_by_point, outcome_by_run

    name = args["outcome"]
    problem = unknown_outcome(name)
    if problem:
        print(f"placesim analyse: error: {problem}", file=sys.stderr)
        return 2
    try:
        sweep = read_sweep(args["path"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SkippedFileWarning)      # said below, in one line each
            runs = outcome_by_run(sweep, name)
        table = outcome_by_point(runs, sweep.design())
        result = indices(table, sweep.manifest)
    except (AnalysisError, ResultsError) as exc:
        print(f"placesim analyse: error: {exc}", file=sys.stderr)
        return 2
    for skipped in sweep.skipped:
        print(f"placesim analyse: warning: {sweep.folder}: skipped {skipped}, which cannot be read; "
              f"run the same `placesim sweep` command again to redo its task", file=sys.stderr)
    try:
        return report(sweep, name, runs, table, result) or lasting(sweep, args)
    except OSError as exc:
        from experiments.hydra_entry import environment_problem

        print(f"placesim analyse: error: {environment_problem(exc)}", file=sys.stderr)
        return 2


def lasting(sweep, args: dict) -> int:
    """Does a push last? The probability per grid point and indicator, the boundary and the
    verdict (analysis.tipping_probability). Said in one line, not failed, when the sweep
    cannot answer and years_after= was not asked for."""
    from analysis.plots import save
    from analysis.results import ResultsError, analysis_folder, write_csv
    from analysis.tipping_probability import (INDICATORS, YEARS_AFTER, LastingError, lasting_by_run,
                                              lasting_figure, lasting_probability, tipping_verdict)

    import pandas as pd

    asked = "years_after" in args or "margin" in args
    try:
        years_after = _number(args, "years_after", YEARS_AFTER, int)
        margin = _number(args, "margin", 0.0) if "margin" in args else 0.0
        drivers = list(sweep.manifest["parameters"])
        if sweep.manifest["design"] != "full_factorial" or not 1 <= len(drivers) <= 2:
            raise LastingError(f"design={sweep.manifest['design']} over {len(drivers)} parameter(s): the chance a "
                               f"push lasts needs a full_factorial grid of one or two drivers "
                               f"(e.g. sweep=tipping_team_exit)")
        indicators = [c for c in INDICATORS if c in sweep.columns("timeseries")]
        runs = lasting_by_run(sweep, indicators, years_after, margin)
        probabilities = pd.concat([lasting_probability(runs, drivers, i) for i in indicators], ignore_index=True)
        verdicts = [tipping_verdict(runs, drivers, i, years_after) for i in indicators]
    except (LastingError, ResultsError, ValueError) as exc:
        if asked:
            return _fail("tipping", exc)
        print(f"Lasting after support ends: not computed: {exc}")
        return 0
    out = analysis_folder(sweep.folder)
    write_csv(probabilities, out / "lasting_probability.csv", "%.4g")
    edges = pd.concat([v.boundary.assign(indicator=v.indicator, verdict=v.verdict, p_value=v.p_value,
                                         driver=drivers[0], along=drivers[1] if len(drivers) == 2 else "")
                       for v in verdicts], ignore_index=True)
    write_csv(edges, out / "lasting_boundary.csv", "%.4g")
    save(lasting_figure(probabilities, verdicts, drivers, years_after), out / "lasting_probability.png")
    print(f"Does it last? The chance each indicator is above its level before the intervention {years_after} "
          f"years after support ends ({int(probabilities['n'].min())}+ replicates per point):")
    for v in verdicts:
        print(f"  {v.sentence}")
    return 0


def unknown_outcome(name: str) -> str | None:
    """One line when `name` is not an outcome a sweep records (sim.outcomes.OUTCOMES)."""
    from sim.outcomes import MILESTONES, OUTCOMES

    if name in OUTCOMES:
        return None
    others = [o for o in OUTCOMES if o not in MILESTONES]
    return (f"outcome={name}: not an outcome; choose a milestone ({', '.join(MILESTONES)}) or a time-series "
            f"outcome ({', '.join(others[:6])}, ... {len(others)} in all: docs/results.md)")


def report(sweep, name, runs, table, result) -> int:
    """Print the indices and tipping points; write the figures and <sweep>/analysis/."""
    from analysis.plots import save, tipping_panels
    from analysis.results import analysis_folder, write_analysis
    from analysis.sensitivity import tipping
    from analysis.style import OKABE_ITO

    import matplotlib.pyplot as plt

    manifest = sweep.manifest
    print(f"{manifest['design']} design, {len(table)} points x {manifest['replicates']} replicates; outcome {name}:")
    print(result.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    metric = next(c for c in ("ST", "mu_star", "spearman") if c in result.columns)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(result)))
    ax.barh(result["parameter"], result[metric], color=OKABE_ITO[0])
    ax.invert_yaxis()
    ax.set_xlabel({"ST": "total-order Sobol index", "mu_star": "Morris mu* (mean |elementary effect|)",
                   "spearman": "Spearman rank correlation with the outcome"}[metric])
    ax.set_title(f"What moves {name}? ({manifest['design']} design)")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    figure = f"{name}_sensitivity.png"
    save(fig, analysis_folder(sweep.folder) / figure)
    tips = tipping(runs, manifest, name) if manifest["design"] == "full_factorial" else None
    tipping_figure = None
    if tips is not None and not tips.empty:
        tipping_figure = f"{name}_tipping.png"
        save(tipping_panels(runs, tips, name), analysis_folder(sweep.folder) / tipping_figure)
        print("Tipping points (a jump a smooth response cannot give; 90% interval of where):")
        for _, row in tips.iterrows():
            at = ", ".join(f"{k}={v:g}" for k, v in row["at"].items())
            print(f"  {row['sentence']}" + (f" [at {at}]" if at else ""))
    out = write_analysis(sweep, name, result, tips, figure, tipping_figure)
    print(f"Written to {out}")
    return 0


def stages(args: dict) -> int:
    from pathlib import Path

    from analysis.results import ResultsError, analysis_folder, read_manifest, read_run, write_csv
    from analysis.stages import months_to_stage, sentences, summarise

    times, horizon = {}, {}
    try:
        folders = [Path(p) for p in args["path"].split(",") if p]
        for folder in folders:
            manifest = read_manifest(folder, ("run", "compare"))
            runs = ([(manifest.get("scenario", ""), folder)] if manifest["kind"] == "run"
                    else [(name, folder / name) for name in manifest["done"]])
            for scenario, run_folder in runs:
                run = read_run(run_folder)
                label = f"{run.manifest.get('place', folder.name)}/{scenario}"
                ts = run.table("timeseries", columns=["seed", "month", "stage"])
                times[label] = months_to_stage(ts)
                horizon[label] = int(ts["month"].max())
        summary = summarise(times, horizon)
    except (ResultsError, ValueError, KeyError) as exc:
        return _fail("stages", exc)
    write_csv(summary, analysis_folder(folders[0]) / "stages.csv", "%.4g")
    print("\n".join(sentences(summary)))
    return 0


def _fail(kind: str, exc: Exception) -> int:
    print(f"placesim analyse {kind}: error: {exc}", file=sys.stderr)
    return 2


def _number(args: dict, key: str, default, cast=float):
    """A numeric option, or one line naming it."""
    if key not in args:
        return default
    try:
        value = cast(args[key])
    except ValueError:
        raise ValueError(f"{key}={args[key]}: not a number") from None
    if not value > 0 and key != "threshold":
        raise ValueError(f"{key}={args[key]}: must be above 0")
    return value


def hysteresis(args: dict) -> int:
    from pathlib import Path

    from analysis.hysteresis import INDICATORS, HysteresisError, loop_figure, loops, path_summary, paths, ramp_of
    from analysis.plots import save
    from analysis.results import ResultsError, folder_kind, read_manifest, read_run

    try:
        bins = _number(args, "bins", 8, int)
        folder = Path(args["path"])
        if folder_kind(folder) == "sweep":
            return _hysteresis_sweep(folder, args, bins)
        manifest = read_manifest(folder, ("run", "compare"))
        runs = ([(manifest.get("scenario", ""), folder)] if manifest["kind"] == "run"
                else [(name, folder / name) for name in manifest["done"]])
        tables, summaries, errors = [], [], []
        for scenario, run_folder in runs:
            run = read_run(run_folder)
            try:
                ramp = ramp_of(run.config(), str(run_folder))
            except HysteresisError as exc:
                errors.append(str(exc))
                continue
            columns = run.table("timeseries").columns
            wanted = args["outcome"].split(",") if "outcome" in args else [c for c in INDICATORS if c in columns]
            unknown = [c for c in wanted if c not in columns]
            if unknown:
                raise HysteresisError(f"outcome={unknown[0]}: not a time-series column; choose from "
                                      f"{', '.join(c for c in INDICATORS if c in columns)}")
            ts = run.table("timeseries", columns=["seed", "month", *wanted])
            driver = f"{ramp.intervention} intensity"
            binned = paths(ts, ramp, wanted, bins)
            tables.append(loops(binned, driver).assign(scenario=scenario, driver=driver))
            summaries.append(path_summary(binned).assign(scenario=scenario))
        if not tables:
            raise HysteresisError(errors[0] if errors else f"{folder}: no run to read")
    except (HysteresisError, ResultsError, ValueError) as exc:
        return _fail("hysteresis", exc)
    table, summary, out = _write_loops(folder, tables, summaries)
    for scenario, part in table.groupby("scenario", sort=False):
        print(f"Hysteresis ({scenario}): ramp of {part['driver'].iloc[0]} up and down, "
              f"{int(part['replicates'].max())} replicates:")
        for sentence in part["sentence"]:
            print(f"  {sentence}")
        name = "hysteresis.png" if len(runs) == 1 else f"hysteresis_{scenario}.png"
        save(loop_figure(summary[summary["scenario"] == scenario], part, part["driver"].iloc[0]), out / name)
    print(f"Written to {out}")
    return 0


def _write_loops(folder, tables: list, summaries: list):
    """hysteresis.csv (the loops) and hysteresis_paths.csv (the paths up and down) in the
    folder's analysis/; returns both tables and that folder."""
    import pandas as pd

    from analysis.results import analysis_folder, write_csv

    table, summary = pd.concat(tables, ignore_index=True), pd.concat(summaries, ignore_index=True)
    out = analysis_folder(folder)
    write_csv(table, out / "hysteresis.csv", "%.4g")
    write_csv(summary, out / "hysteresis_paths.csv", "%.4g")
    return table, summary, out


def _hysteresis_sweep(folder, args: dict, bins: int) -> int:
    """Hysteresis at every point of a sweep of a ramped scenario: the loop's width against
    the swept parameters (e.g. two ramp speeds, to tell lag from hysteresis)."""
    from analysis.hysteresis import INDICATORS, HysteresisError, loops, path_summary, paths, point_config, ramp_of, width_figure
    from analysis.plots import save
    from analysis.results import ResultsError, read_sweep

    try:
        sweep = read_sweep(folder)
        interventions = sweep.manifest.get("interventions")
        if interventions is None:
            raise HysteresisError(f"{folder}: a sweep written before its manifest held the scenario's interventions; "
                                  f"run `placesim sweep` again")
        columns = sweep.columns("timeseries")
        wanted = args["outcome"].split(",") if "outcome" in args else [c for c in INDICATORS if c in columns]
        unknown = [c for c in wanted if c not in columns]
        if unknown:
            raise HysteresisError(f"outcome={unknown[0]}: not a time-series column")
        names = list(sweep.manifest["parameters"])
        arm = [("arm", "==", "scenario")] if sweep.manifest.get("paired") else []
        ts = sweep.table("timeseries", columns=["point", "seed", "month", *wanted], filters=arm)
        tables, summaries = [], []
        for _, point in sweep.design().iterrows():
            values = {n: float(point[n]) for n in names}
            ramp = ramp_of(point_config(interventions, values), f"point {int(point['point'])}")
            part = ts[ts["point"] == point["point"]]
            if part.empty:
                continue
            binned = paths(part, ramp, wanted, bins)
            driver = f"{ramp.intervention} intensity"
            tables.append(loops(binned, driver).assign(point=int(point["point"]), driver=driver, **values))
            summaries.append(path_summary(binned).assign(point=int(point["point"])))
        if not tables:
            raise HysteresisError(f"{folder}: no finished point")
    except (HysteresisError, ResultsError, ValueError) as exc:
        return _fail("hysteresis", exc)
    table, summary, out = _write_loops(folder, tables, summaries)
    save(width_figure(table, names[0]), out / "hysteresis.png")
    print(f"Hysteresis at {table['point'].nunique()} points of the sweep (ramp of {table['driver'].iloc[0]}):")
    for _, row in table.iterrows():
        at = ", ".join(f"{n}={row[n]:g}" for n in names)
        print(f"  [{at}] {row['sentence']}")
    print(f"Written to {out}")
    return 0


def warning(args: dict) -> int:
    from pathlib import Path

    from analysis.plots import save
    from analysis.results import ResultsError, analysis_folder, folder_kind, read_manifest, read_run, read_sweep, write_csv
    from analysis.sensitivity import AnalysisError, outcome_by_run, tipping
    from analysis.warning import along_driver, over_time, trend_over_replicates, trend_rows, warning_figure

    import pandas as pd

    indicator = args.get("outcome", "relationships")
    rows, panels = [], []
    try:
        window = _number(args, "window", 5, int)
        folder = Path(args["path"])
        if folder_kind(folder) in ("run", "compare"):
            manifest = read_manifest(folder, ("run", "compare"))
            runs = ([(manifest.get("scenario", ""), folder)] if manifest["kind"] == "run"
                    else [(name, folder / name) for name in manifest["done"]])
            for scenario, run_folder in runs:
                run = read_run(run_folder)
                if indicator not in run.table("timeseries").columns:
                    raise AnalysisError(f"outcome={indicator}: not a time-series column")
                ts = run.table("timeseries", columns=["seed", "month", indicator])
                per_month, per_replicate, transition = over_time(ts, indicator, 12 * window)
                for r in trend_over_replicates(per_replicate, f"replicates' taus, months up to {transition}"):
                    rows.append({"indicator": indicator, "scenario": scenario, "transition_month": transition, **r})
                panels.append((f"{scenario} {indicator}", per_month, "month", transition))
        else:
            sweep = read_sweep(folder)
            if sweep.manifest["design"] != "full_factorial":
                raise AnalysisError(f"design={sweep.manifest['design']}: early warnings along a driver need a "
                                    f"full_factorial sweep (e.g. sweep=warning_grid), or give a run folder")
            runs = outcome_by_run(sweep, indicator)
            tips = tipping(runs, sweep.manifest, indicator)
            drivers = list(sweep.manifest["parameters"])
            arm = [("arm", "==", "scenario")] if sweep.manifest.get("paired") else []
            ts = sweep.table("timeseries", columns=["point", "seed", "month", indicator, *drivers], filters=arm)
            for _, tip in tips.iterrows():
                part = ts
                for key, value in tip["at"].items():
                    part = part[part[key] == value]
                found = tip["verdict"] == "tipping point"
                levels = along_driver(part, tip["driver"], indicator, tip["below"] if found else None, window)
                at = ", ".join(f"{k}={v:g}" for k, v in tip["at"].items())
                for r in trend_rows(levels, "level", f"{tip['driver']} up to {tip['below']:g}" if found
                                    else f"{tip['driver']} over its range"):
                    rows.append({"indicator": indicator, "driver": tip["driver"], "at": at,
                                 "tipping": tip["verdict"], "tipping_below": tip["below"], **r})
                panels.append((f"{indicator} along {tip['driver']}" + (f" ({at})" if at else ""), levels, "level",
                               tip["below"] if found else None))
    except (AnalysisError, ResultsError, ValueError) as exc:
        return _fail("warning", exc)
    table = pd.DataFrame(rows)
    table["sentence"] = [_warning_sentence(r) for _, r in table.iterrows()]
    out = analysis_folder(folder)
    write_csv(table, out / f"{indicator}_warning.csv", "%.4g")
    save(warning_figure(panels), out / f"{indicator}_warning.png")
    print(f"Early warnings in {indicator} (rolling window {window} years; Kendall's tau, rose = tau > 0, p < 0.05):")
    for sentence in table["sentence"]:
        print(f"  {sentence}")
    print(f"Written to {out}")
    return 0


def _warning_sentence(r) -> str:
    name = "variance" if r["statistic"] == "variance" else "lag-1 autocorrelation"
    said = {"rose": "rose", "fell": "fell", "no clear trend": "shows no clear trend"}.get(r["verdict"])
    trend = (f"{said} (tau {r['kendall_tau']:+.2f}, p = {r['p_value']:.3f})" if said
             else "cannot be told (too few points)")
    if "tipping" in r and r["tipping"] == "tipping point":
        return f"Before the tipping point along {r['driver']} ({r['over']}), the {name} {trend}."
    if "tipping" in r:
        return f"No tipping point along {r['driver']} to warn of; over its range the {name} {trend}."
    return f"{r['scenario']}: before the largest change (month {r['transition_month']}), the {name} {trend}."


def sensitivity(args: dict) -> int:
    from analysis.plots import save
    from analysis.results import ResultsError, analysis_folder, read_sweep, write_csv, write_text
    from analysis.sensitivity import (DEFAULT_PAIRED, PAIRED_OUTCOMES, AnalysisError, indices, outcome_by_point,
                                      paired_by_run, ranked_chart, uncertain_mark)

    import pandas as pd

    names = args["outcome"].split(",") if "outcome" in args else list(DEFAULT_PAIRED)
    try:
        sweep = read_sweep(args["path"])
        if sweep.manifest["design"] not in ("morris", "sobol"):
            raise AnalysisError(f"design={sweep.manifest['design']}: a paired sensitivity analysis needs a morris "
                                f"or sobol sweep (e.g. sweep=morris_paired)")
        parts = []
        for name in names:
            runs = paired_by_run(sweep, name)
            result = indices(outcome_by_point(runs, sweep.design()), sweep.manifest)
            parts.append(result.assign(outcome=name, rank=range(1, len(result) + 1)))
    except (AnalysisError, ResultsError) as exc:
        return _fail("sensitivity", exc)
    table = pd.concat(parts, ignore_index=True)
    table["uncertain"] = [uncertain_mark(p) for p in table["parameter"]]
    metric = "ST" if "ST" in table.columns else "mu_star"
    if metric == "mu_star":          # mu* is in each outcome's own units: scale to the largest per outcome
        top = table.groupby("outcome")["mu_star"].transform("max").replace(0, float("nan"))
        table["mu_star_scaled"] = table["mu_star"] / top
    out = analysis_folder(sweep.folder)
    columns = ["outcome", "rank", "parameter", "uncertain", *[c for c in table.columns if c not in
                                                              ("outcome", "rank", "parameter", "uncertain")]]
    write_csv(table[columns], out / "sensitivity_paired.csv", "%.4g")
    chart = table.copy()
    if metric == "mu_star":
        chart["mu_star"], chart["mu_star_conf"] = chart["mu_star_scaled"], chart["mu_star_conf"] / top
    save(ranked_chart(chart), out / "sensitivity_paired.png")
    print(f"{sweep.manifest['design']} design on the paired effect (scenario minus baseline, same seeds), "
          f"{sweep.manifest['points']} points x {sweep.manifest['replicates']} replicates:")
    for name, part in table.groupby("outcome", sort=False):
        print(f"  {name}: {PAIRED_OUTCOMES.get(name, 'scenario minus baseline')}")
        for _, row in part.head(5).iterrows():
            mark = "assumption" if row["uncertain"] else ("evidence" if row["uncertain"] is False else "scenario")
            value = (f"ST {row['ST']:.3f} +/- {row['ST_conf']:.3f}" if metric == "ST"
                     else f"mu* {row['mu_star']:.3g} +/- {row['mu_star_conf']:.3g}")
            print(f"    {int(row['rank'])}. {row['parameter']} ({mark}): {value}")
    if metric == "mu_star":
        top_keys = (table.sort_values("mu_star_scaled", ascending=False).drop_duplicates("parameter")
                    .head(6)["parameter"].tolist())
        block = "\n".join(f"  {k}: {{}}" for k in top_keys)
        write_text(f"# The top parameters of {sweep.folder}'s Morris screen, for the Sobol stage:\n"
                   f"#   placesim sweep sweep=sobol_paired scenario={sweep.manifest['scenario']} "
                   f"'sweep.parameters=...' (or paste below)\nparameters:\n{block}\n", out / "sensitivity_top.yaml")
        print(f"Top parameters for the Sobol stage (sensitivity_top.yaml): {', '.join(top_keys)}")
    print(f"Written to {out}")
    return 0


def prim(args: dict) -> int:
    import importlib.util

    if importlib.util.find_spec("ema_workbench") is None:
        return _fail("prim", ValueError("needs ema_workbench, not installed; pip install -e \".[analysis]\" "
                                        "(or pip install ema_workbench==2.5.3)"))
    from analysis.plots import save
    from analysis.prim import PrimError, discover, gain_by_run, sentences, tradeoff_figure
    from analysis.results import ResultsError, analysis_folder, read_sweep, write_csv
    from analysis.sensitivity import AnalysisError, paired_by_run

    try:
        threshold = _number(args, "threshold", 0.01)
        sweep = read_sweep(args["path"])
        names = list(sweep.manifest["parameters"])
        if sweep.manifest.get("paired"):
            name = args.get("outcome", "relationships_after_exit")
            runs = paired_by_run(sweep, name)
            what = f"{name}, scenario minus baseline, above {threshold:g}"
        else:
            name = args.get("outcome", "relationships")
            runs = gain_by_run(sweep, name)
            what = f"{name} in the last year above its level at the start by more than {threshold:g}"
        runs = runs.dropna(subset=["value"])
        lasting = (runs["value"] > threshold).to_numpy()
        trajectory, box, chosen = discover(runs[names], lasting)
    except (AnalysisError, ResultsError, PrimError, ValueError) as exc:
        return _fail("prim", exc)
    out = analysis_folder(sweep.folder)
    write_csv(trajectory, out / f"{name}_prim_trajectory.csv", "%.4g")
    write_csv(box, out / f"{name}_prim_box.csv", "%.4g")
    save(tradeoff_figure(trajectory, f"Where do the gains last? ({what})"), out / f"{name}_prim.png")
    print("Scenario discovery (PRIM):")
    for sentence in sentences(trajectory, box, chosen, lasting, what):
        print(f"  {sentence}")
    print(f"Written to {out}")
    return 0
