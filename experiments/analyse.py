"""`placesim analyse path=<sweep folder> outcome=<name>`: sensitivity indices (Sobol,
Morris, or rank correlations) and candidate tipping points of a saved sweep; writes
<folder>/analysis/<outcome>_indices.csv (and _tipping.csv for factorial designs) and a
bar chart, and prints the table."""
from __future__ import annotations

import sys
from pathlib import Path


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
    from analysis.plots import save
    from analysis.sensitivity import AnalysisError, indices, outcome_by_point, tipping
    from experiments.output import atomic_write

    import matplotlib.pyplot as plt

    folder = Path(args["path"])
    try:
        table, manifest = outcome_by_point(folder, args["outcome"])
        result = indices(table, manifest)
    except (AnalysisError, FileNotFoundError) as exc:
        print(f"placesim analyse: error: {exc}", file=sys.stderr)
        return 2
    out = folder / "analysis"
    name = args["outcome"]
    atomic_write(out / f"{name}_indices.csv", lambda p: result.to_csv(p, index=False, float_format="%.4g"))
    print(f"{manifest['design']} design, {len(table)} points x {manifest['replicates']} replicates; outcome {name}:")
    print(result.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    metric = next(c for c in ("ST", "mu_star", "spearman") if c in result.columns)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(result)))
    ax.barh(result["parameter"], result[metric], color="#0072B2")
    ax.invert_yaxis()
    ax.set_xlabel({"ST": "total-order Sobol index", "mu_star": "Morris mu* (mean |elementary effect|)",
                   "spearman": "Spearman rank correlation with the outcome"}[metric])
    ax.set_title(f"What moves {name}? ({manifest['design']} design)")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    save(fig, out / f"{name}_sensitivity.png")
    if manifest["design"] == "full_factorial":
        tips = tipping(table, manifest)
        if not tips.empty:
            atomic_write(out / f"{name}_tipping.csv", lambda p: tips.to_csv(p, index=False, float_format="%.4g"))
            top = tips.iloc[0]
            print(f"Largest step: {top['parameter']} from {top['from']:g} to {top['to']:g} "
                  f"(others at {top['at']}): {name} {top['outcome_before']:.3f} -> {top['outcome_after']:.3f}")
    print(f"Written to {out}")
    return 0
