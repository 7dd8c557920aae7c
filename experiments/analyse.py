"""`placesim analyse path=<sweep folder> outcome=<name>`: sensitivity indices (Sobol,
Morris, or rank correlations) and tipping points (or "none found") of a saved sweep; writes
<folder>/analysis/ (analysis.results.write_analysis): <outcome>_indices.csv, _tipping.csv
for factorial designs (with _tipping.png), a bar chart and the folder's manifest; prints the table."""
from __future__ import annotations

import sys
import warnings


def parse(argv: list[str]) -> dict:
    args = {"outcome": "ks4"}
    for item in argv:
        if item in ("-h", "--help"):
            print(__doc__)
            raise SystemExit(0)
        key, sep, value = item.partition("=")
        if not sep or key not in ("path", "outcome"):
            print(f"placesim analyse: error: {item}: expected path=<sweep folder> or outcome=<name>", file=sys.stderr)
            raise SystemExit(2)
        args[key] = value
    if "path" not in args:
        print("placesim analyse: error: path=<sweep folder> is required", file=sys.stderr)
        raise SystemExit(2)
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
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
        return report(sweep, name, runs, table, result)
    except OSError as exc:
        from experiments.hydra_entry import environment_problem

        print(f"placesim analyse: error: {environment_problem(exc)}", file=sys.stderr)
        return 2


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
