"""`placesim lottery`: a virtual Promise Academy lottery, analysed as the HCZ evaluations
were (seed 004 L1225-1260; Dobbie & Fryer 2011).

Runs a scenario with a `promise_academy` intervention (by default the HCZ pipeline,
with half the place's homes inside the zone so that some applicants live outside it),
collects every applicant whose outcome was read (offered, attended, living in the zone,
learning score, milestone, barriers), and writes to the output folder:
- applicants.csv: one row per applicant;
- lottery_effects.csv: winners against losers (intent-to-treat, treatment-on-the-treated)
  for all applicants, in and outside the zone, with and without barriers, and the
  interaction (the school's effect in the zone minus outside it), with intervals;
- lottery_power.csv and lottery.png: how many applicants a lottery needs to detect the
  model's own interaction, against the size of the evaluations' lottery.
Columns: docs/results.md, "Lottery".
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from experiments.hydra_entry import launch, start_task

log = logging.getLogger("placesim")

# Unless the user names them: the HCZ pipeline, half the place in the zone.
DEFAULTS = ("scenario=hcz_saturation", "+scenario.interventions.pipeline.zone_share=0.5")


def applicant_table(academies: list, batches: list[list[int]]):
    """One row per applicant over every batch (replicate = the replicate's seed)."""
    import pandas as pd

    parts = [pd.DataFrame(academy.applicants(seeds)) for academy, seeds in zip(academies, batches)]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return table


def run_lottery(resolved):
    """Run the scenario; returns the applicant table."""
    from experiments.run import progress_bar
    from sim.interventions.promise_academy import PromiseAcademy
    from sim.run import simulate

    cfg = resolved.config
    academies = []

    def interventions():
        made = resolved.interventions()
        academies.append(next(iv for iv in made if isinstance(iv, PromiseAcademy)))
        return made

    probe = [iv for iv in resolved.interventions() if isinstance(iv, PromiseAcademy)]
    if not probe:
        raise SystemExit(f"placesim lottery: scenario {cfg.scenario.name!r} has no promise_academy intervention; "
                         "use scenario=hcz_saturation (the default) or add one (kind: promise_academy)")
    if cfg.calibrated.sets:
        print(f"placesim lottery: error: calibrated={cfg.calibrated.name}: the lottery runs one parameter set; "
              "use calibrated=none", file=sys.stderr)
        raise SystemExit(2)
    seeds = sorted(set(resolved.seeds))
    months = 12 * cfg.run.years
    with progress_bar(months * len(seeds), f"{cfg.place.name} / lottery") as bar:
        simulate(cfg.place, cfg.model, resolved.england, seeds, months, interventions=interventions,
                 batch_size=cfg.run.batch_size, start_year=cfg.run.start_year, on_month=bar.update)
    batches = [seeds[lo:lo + cfg.run.batch_size] for lo in range(0, len(seeds), cfg.run.batch_size)]
    return applicant_table(academies, batches)


def analyse(table, out: Path) -> list[str]:
    """Effects, power and the plot; returns the lines to print."""
    from analysis.lottery import could_detect, lottery_effects, plot_lottery, power_curve

    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "applicants.csv", index=False)
    lines = [f"{len(table)} applicants followed to their outcome in {table['replicate'].nunique()} replicates "
             f"({int(table['offered'].sum())} offered a seat, {int(table['in_zone'].sum())} living in the zone)."]
    try:
        effects = lottery_effects(table)
    except ValueError as exc:
        lines.append(f"No analysis: {exc}")
        return lines
    effects.to_csv(out / "lottery_effects.csv", index=False)

    def row(quantity, group):
        hit = effects[(effects["quantity"] == quantity) & (effects["group"] == group)]
        return None if hit.empty else hit.iloc[0]

    for quantity, group, words in (("ITT", "all", "School effect of winning a seat (intent to treat)"),
                                   ("TOT", "all", "School effect of attending (treatment on the treated)"),
                                   ("ITT", "in zone", "  winners living in the zone (with its services)"),
                                   ("ITT", "outside zone", "  winners living outside it (school only)"),
                                   ("interaction", "all", "Interaction: in zone minus outside"),
                                   ("interaction", "barrier", "  for children with a barrier to learning"),
                                   ("interaction", "no barrier", "  for children without one")):
        r = row(quantity, group)
        if r is not None and r["estimate"] == r["estimate"]:
            lines.append(f"{words}: {effect_text(r)}")
    interaction = row("interaction", "all")
    if interaction is not None and interaction["estimate"] == interaction["estimate"] and interaction["estimate"] != 0:
        curve = power_curve(abs(float(interaction["estimate"])), 1.0)
        curve.to_csv(out / "lottery_power.csv", index=False)
        plot_lottery(effects, curve, out / "lottery.png")
        power = could_detect(abs(float(interaction["estimate"])), 1.0)
        if interaction["low"] <= 0.0 <= interaction["high"]:
            power += " (for the model's point estimate; its interval above includes zero)"
        lines.append(power)
    return lines


def effect_text(r) -> str:
    """An estimate with its 90% interval, and in words when it cannot be told from zero or
    has no interval (a group too small on one side of the lottery)."""
    n = int(r["n"])
    if not (r["low"] == r["low"] and r["high"] == r["high"]):
        return (f"{r['estimate']:+.2f} SD, no interval: too few winners or losers in a group (n={n}); "
                f"cannot be told from zero")
    text = f"{r['estimate']:+.2f} SD (90% interval {r['low']:+.2f} to {r['high']:+.2f}, n={n})"
    return text + ("; cannot be told from zero" if r["low"] <= 0.0 <= r["high"] else "")


def task(cfg) -> None:
    resolved, out = start_task("lottery", cfg)
    table = run_lottery(resolved)
    for line in analyse(table, out):
        print(line)
    print(f"Results written to {out}")


def main(argv: list[str]) -> int:
    named = {a.lstrip("+~").split("=")[0] for a in argv}
    defaults = [d for d in DEFAULTS if d.lstrip("+").split("=")[0] not in named
                and not (d.startswith("+scenario.interventions.pipeline") and "scenario" in named)]
    return launch("lottery", defaults + argv, task)
