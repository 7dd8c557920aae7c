"""`placesim calibrate`: derive the milestone thresholds from seed 004 Table 2.

Each threshold is set once so that children in an England-average place (every Table 1
indicator at its mean: configs/place/england_average.yaml) reach the milestone at the
Table 2 mean rate (EYFS 68.09%, KS2 65.68%, KS4 53.04%); EET at 18 and decay-free teeth
at 5 use the assumed national rates in the registry's source text. The latent scores of
every child passing each assessment age are pooled over replicates and years, and the
threshold is the quantile that leaves the target share above it.

Usage: placesim calibrate [--replicates 24] [--years 20]
Prints the thresholds to put in sim/params.py (Milestones) and the shares they give.
"""
from __future__ import annotations

import argparse

import numpy as np

from sim.outcomes import MILESTONES, OUTCOMES

# Assumed national rates for the two milestones Table 2 does not cover (see sim/params.py).
OTHER_TARGETS = {"eet18": 0.85, "decay_free5": 0.77}


def targets() -> dict[str, float]:
    from configs.evidence import england_milestone_reference

    out = {k: v / 100.0 for k, v in england_milestone_reference().items()}
    out.update(OTHER_TARGETS)
    return out


def collect_scores(replicates: int, years: int, burn_in_years: int = 5) -> dict[str, np.ndarray]:
    from configs.compose import compose_run_config
    from sim.model import PlaceModel

    rc = compose_run_config(["place=england_average"])
    model = PlaceModel(rc.place, rc.model, rc.england, list(range(1000, 1000 + replicates)))
    pooled: dict[str, list] = {k: [] for k in MILESTONES}
    for month in range(1, 12 * years + 1):
        model.step()
        if month <= 12 * burn_in_years:
            continue
        ch = model.state.children
        z = ch.score()
        for name in MILESTONES:
            at = ch.alive & (ch.age == OUTCOMES[name].age_months)
            pooled[name].append((z[at] @ np.array(OUTCOMES[name].score, dtype=float)))
    return {k: np.concatenate(v) for k, v in pooled.items()}


def area_check(replicates: int = 96, years: int = 8) -> None:
    """Synthetic places against seed 004: mean, between-area sd and R^2 of the five
    indicators for the yearly share reaching each benchmark (outputs, not inputs)."""
    import pandas as pd

    from configs.compose import compose_run_config
    from configs.evidence import MILESTONE_OF_STAGE, table2
    from sim.model import PlaceModel
    from sim.run import simulate
    from sim.synthetic import INDICATORS

    rc = compose_run_config(["place=synthetic"])
    seeds = list(range(replicates))
    res = simulate(rc.place, rc.model, rc.england, seeds, 12 * years, batch_size=replicates, network_every=0)
    ind = pd.DataFrame(PlaceModel(rc.place, rc.model, rc.england, seeds).state.place.indicators,
                       columns=list(INDICATORS), index=seeds)
    target = table2().set_index("stage")
    ms = res.milestones[(res.milestones["group"] == "all") & (res.milestones["year"] >= rc.config.run.start_year + 2)]
    print(f"Synthetic places ({replicates} draws, years 3-{years}) against seed 004 Table 2 (LSOA-years):")
    for stage, mil in MILESTONE_OF_STAGE.items():
        a = ms[ms["milestone"] == mil].groupby(["seed", "year"])[["reached", "assessed"]].sum()
        a = a[a["assessed"] > 0]
        y = 100 * (a["reached"] / a["assessed"]).to_numpy()
        x = ind.loc[a.index.get_level_values("seed")].to_numpy()
        X = np.c_[np.ones(len(y)), x]
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        r2 = 1 - ((y - X @ beta) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        corr = {c: np.corrcoef(x[:, i], y)[0, 1] for i, c in enumerate(INDICATORS)}
        ranked = ", ".join(f"{c} {v:+.2f}" for c, v in sorted(corr.items(), key=lambda kv: -abs(kv[1])))
        t = target.loc[stage]
        print(f"  {mil:<8} mean {y.mean():5.1f} (seed 004 {t['mean']:.1f})  sd {y.std():4.1f} ({t['sd']:.1f})  "
              f"R^2 {r2:.2f} ({t['r2_explained_by_indicators']:.2f})  correlations: {ranked}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="placesim calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=24)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--areas", action="store_true", help="also compare synthetic places with seed 004's spread and R^2")
    args = parser.parse_args(argv)
    scores = collect_scores(args.replicates, args.years)
    goal = targets()
    print("Thresholds for sim/params.py (Milestones), calibrated on place=england_average:")
    for name, values in scores.items():
        thr = float(np.quantile(values, 1 - goal[name]))
        print(f"  {OUTCOMES[name].threshold.removeprefix('model.milestones.'):<22} = {thr:+.3f}   target {100 * goal[name]:.2f}%  "
              f"(n = {len(values)} children; score mean {values.mean():+.3f}, sd {values.std():.3f})")
    if args.areas:
        area_check()
    return 0
