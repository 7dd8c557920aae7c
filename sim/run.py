"""Run replicates of a place and return tidy tables (no files, no plots).

`simulate()` is the single entry point the command line, sweeps, tests and the app use.
Replicates run in batches side by side; because every draw is keyed by the replicate's
seed, how replicates are batched never changes a number.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from sim import orgs as O
from sim.interventions.base import Intervention
from sim.model import PlaceModel
from sim.outcomes import GROUPS, MILESTONES
from sim.params import ModelParams, PlaceParams
from sim.reporters import REPORTERS
from sim.synthetic import IndicatorTable


@dataclass
class RunResult:
    """Tidy results.

    timeseries: one row per replicate x month (every reporter a column);
    milestones: one row per replicate x year x milestone x group;
    network: one row per replicate x snapshot month x tie (organisation pairs, i < j);
    organisations: one row per organisation of the place (index, kind, label).
    """

    timeseries: pd.DataFrame
    milestones: pd.DataFrame
    network: pd.DataFrame
    organisations: pd.DataFrame


def network_snapshot(model: PlaceModel) -> dict[str, np.ndarray]:
    """The organisation ties of every replicate now, one row per tie, as columns (a run
    keeps about twenty snapshots; `network_table` makes them one DataFrame)."""
    og = model.state.orgs
    strength = model.state.strength
    rep, i, j = np.nonzero(np.triu(strength > 0, 1))
    return {
        "seed": np.asarray(model.seeds)[rep], "month": np.full(len(rep), model.month),
        "source": i, "target": j, "strength": strength[rep, i, j],
        "trust": og.trust[rep, i, j], "reciprocity": og.reciprocity[rep, i, j],
        "empathy": og.empathy[rep, i, j], "equity": og.equity[rep, i, j],
    }


def network_table(snapshots: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """A batch's snapshots as one table (one DataFrame instead of one per snapshot), in
    (seed, month, source, target) order: each snapshot lists replicates in seed order and
    ties in (source, target) order, so a stable sort by seed is all it takes."""
    columns = {name: np.concatenate([s[name] for s in snapshots]) for name in snapshots[0]}
    order = np.argsort(columns["seed"], kind="stable")
    return pd.DataFrame({name: values[order] for name, values in columns.items()})


def organisations_table(model: PlaceModel) -> pd.DataFrame:
    kinds = model.state.orgs.kind
    return pd.DataFrame({"index": np.arange(len(kinds)),
                         "kind": [O.Kind(int(k)).name.lower() for k in kinds],
                         "label": [O.LABELS[O.Kind(int(k))] for k in kinds]})


def _timeseries(model: PlaceModel, start_year: int) -> pd.DataFrame:
    months = np.arange(model.month + 1)
    R = model.n_replicates
    cols = {"seed": np.repeat(model.seeds, len(months)),
            "month": np.tile(months, R),
            "year": np.tile(start_year + months / 12.0, R)}
    for name in REPORTERS:
        values = np.concatenate(model.datacollector.model_vars[name]).reshape(len(months), R)  # (T, R)
        cols[name] = values.T.ravel()
    cols["cost"] = np.tile([model.monthly_cost(int(m)) for m in months], R)
    return pd.DataFrame(cols)


def simulate(place: PlaceParams, params: ModelParams, england: IndicatorTable,
             seeds: Sequence[int], months: int,
             interventions: Callable[[], Sequence[Intervention]] | None = None,
             batch_size: int = 64, start_year: int = 2016,
             on_month: Callable[[int], None] | None = None,
             network_every: int = 12) -> RunResult:
    """Run one replicate per distinct seed for `months` months; tables in seed order.

    Args:
        interventions: a factory giving fresh intervention objects for each batch.
        batch_size: replicates stepped side by side (memory vs. speed; no effect on results).
        on_month: called after every month of every batch with the number of replicates
            stepped (for progress bars).
        network_every: months between snapshots of the organisation network (0: start
            and end only).
    """
    # Results come in seed order, one replicate per distinct seed, whatever the order and
    # repeats of `seeds` and the batching (a replicate's numbers depend only on its seed):
    # each batch's tables are built in that order, so they only need joining.
    seeds = sorted({int(s) for s in seeds})
    ts_parts, ms_parts, net_parts = [], [], []
    orgs = None
    for lo in range(0, len(seeds), batch_size):
        batch = seeds[lo:lo + batch_size]
        model = PlaceModel(place, params, england, batch,
                           interventions() if interventions else ())
        try:
            orgs = organisations_table(model) if orgs is None else orgs
            counts = np.zeros((months, len(batch), len(MILESTONES), len(GROUPS), 2), dtype=np.int64)
            snapshots = [network_snapshot(model)]
            for m in range(months):
                model.step()
                counts[m] = model.state.flows.milestone_counts
                if (network_every and model.month % network_every == 0) or model.month == months:
                    snapshots.append(network_snapshot(model))
                if on_month:
                    on_month(len(batch))
            net_parts.append(network_table(snapshots))
            ts_parts.append(_timeseries(model, start_year))
            ms_parts.append(_milestones(counts, batch, start_year))
        finally:
            model.release()          # also when a run fails: a sweep worker goes on
    def joined(parts):
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    return RunResult(joined(ts_parts), joined(ms_parts), joined(net_parts), orgs)


def _milestones(counts: np.ndarray, seeds: list[int], start_year: int) -> pd.DataFrame:
    """Sum monthly milestone counts into years: rows in (seed, year, milestone, group)
    order, milestones and groups by name."""
    months = counts.shape[0]
    years = int(np.ceil(months / 12))
    padded = np.zeros((years * 12, *counts.shape[1:]), dtype=np.int64)
    padded[:months] = counts
    yearly = padded.reshape(years, 12, *counts.shape[1:]).sum(axis=1)   # (Y, R, M, G, 2)
    by_name = (np.argsort(MILESTONES, kind="stable"), np.argsort(GROUPS, kind="stable"))
    yearly = yearly[:, :, by_name[0]][:, :, :, by_name[1]].transpose(1, 0, 2, 3, 4)  # (R, Y, M, G, 2)
    R, Y, M, G, _ = yearly.shape
    idx = np.indices((R, Y, M, G)).reshape(4, -1)
    reached = yearly[..., 0].ravel()
    assessed = yearly[..., 1].ravel()
    return pd.DataFrame({
        "seed": np.asarray(seeds)[idx[0]],
        "year": start_year + idx[1],
        "milestone": np.asarray(MILESTONES)[by_name[0]][idx[2]],
        "group": np.asarray(GROUPS)[by_name[1]][idx[3]],
        "reached": reached,
        "assessed": assessed,
        "share": np.where(assessed > 0, reached / np.maximum(assessed, 1), np.nan),
    })


def simulate_groups(groups, england, months: int, **kwargs):
    """sim.run.simulate over (place, model, seeds) groups (configs.compose.replicate_groups:
    one per calibrated parameter set in use), joined into one result in seed order."""
    results = [simulate(place, model, england, seeds, months, **kwargs) for place, model, seeds in groups]
    if len(results) == 1:
        return results[0]

    def joined(name):
        table = pd.concat([getattr(r, name) for r in results], ignore_index=True)
        return table.sort_values("seed", kind="stable", ignore_index=True)

    return RunResult(joined("timeseries"), joined("milestones"), joined("network"), results[0].organisations)
