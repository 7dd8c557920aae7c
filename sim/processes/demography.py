"""Demography: ageing, leaving at 19, families moving out and in, births.

Homes are fixed (the place's housing stock): a family that moves out, or is evicted,
is replaced the same month by a newcomer family drawn like the place's residents, who
takes over the home's informal ties. Children move with their family. See docs/ODD.md
("Demography").
"""
from __future__ import annotations

import functools
import math

import numpy as np
from scipy.special import ndtri

from sim.kernels import demography as KD
from sim.params import ModelParams, PlaceParams
from sim.place import DRAWN, draw_families, neediest_cut
from sim.rng import Streams
from sim.state import State

MAX_ARRIVING_CHILDREN = 3
ARRIVAL_AGE_STREAMS = tuple(f"demography.arrival_age{j}" for j in range(1, MAX_ARRIVING_CHILDREN + 1))
ABILITY_STREAMS = tuple(f"demography.ability{d}" for d in range(3))


def step(state: State, params: ModelParams, place: PlaceParams, streams: Streams, month: int) -> None:
    """A month of demography in two compiled passes (sim.kernels.demography) around the
    draw of newcomer families:

    1. every living child ages a month and leaves at 19; a family moves out with the
       monthly chance implied by the place's yearly mobility, or because it was evicted
       last month, and its children leave with it;
    2. a newcomer family, drawn like the place's residents, takes over each vacated home
       (its informal ties included);
    3. births (a chance per home with an adult) and the newcomers' children (a truncated
       Poisson number, ages uniform over 0-19) take free child slots, per replicate in a
       fixed order: births by home, then first, second, third arriving children by home.
    """
    ch, fa, ps, fl = state.children, state.families, state.place, state.flows
    dp = params.demography
    R, F = fa.deprivation.shape
    counts = np.zeros((R, KD.N_DCOUNT), dtype=np.int64)
    rules = KD.DemographyRules(
        leave_age_months=int(dp.leave_age_months),
        monthly_move_chance=float(1.0 - (1.0 - place.mobility) ** (1.0 / 12.0)),
        monthly_birth_chance=float(ps.births_per_month / F),
        arrival_cdf=_arrival_cdf(float(ps.children_per_home), MAX_ARRIVING_CHILDREN))
    children = KD.ChildSlots(alive=ch.alive, age=ch.age, fam=ch.fam, school=ch.school,
                             support_months=ch.support_months,
                             support_domains=ch.support_domains, env=ch.env)
    homes = KD.Homes(evict_pending=fa.evict_pending, moving=np.empty((R, F), dtype=bool),
                     adults=fa.adults)
    draws = KD.DemographyDraws(families=streams.base("demography.families", month),
                               arrivals=streams.base("demography.arrivals", month),
                               arrival_ages=streams.bases(ARRIVAL_AGE_STREAMS, month))
    moved = KD.Places(rep=state.scratch.get("demography.moved_rep", (R * F,), np.int64),
                      slot=state.scratch.get("demography.moved_home", (R * F,), np.int64))
    n_moved = KD.leave_and_move(rules, children, homes, draws, counts, moved)

    # Newcomer families take over the vacated homes.
    rep, slot = moved.rep[:n_moved].copy(), moved.slot[:n_moved].copy()
    if len(rep):
        draw_families(ps, params, streams, "demography.newcomers", month, rep, slot,
                      {name: getattr(fa, name) for name in DRAWN})
        KD.settle_newcomers(KD.Places(rep=rep, slot=slot), KD.NewcomerArrays(
            engaged=fa.engaged, informal_support=fa.informal_support,
            ever_supported=fa.ever_supported, neediest=fa.neediest,
            deprivation=fa.deprivation, neediest_cut=fa.neediest_cut))

    # Births and the newcomers' children take free child slots.
    placed_at = KD.Places(rep=state.scratch.get("demography.rep", (ch.alive.size,), np.int64),
                          slot=state.scratch.get("demography.slot", (ch.alive.size,), np.int64))
    placed = KD.arrive(rules, children, homes, draws, counts, placed_at)
    g_rep, slots = placed_at.rep[:placed].copy(), placed_at.slot[:placed].copy()
    # A newcomer's environmental score is set in development.step (the `fresh` children):
    # where its new family's inputs would have brought it by its age; a newborn starts at 0.
    normals = ndtri(streams.uniforms_at(ABILITY_STREAMS, month, g_rep, slots))
    ch.ability[g_rep, slots, :] = params.development.ability_sd * normals.T
    state.new_children = (g_rep, slots)

    fl.left_at_19 = counts[:, KD.D_LEFT]
    fl.evictions = counts[:, KD.D_EVICTIONS]
    fl.families_moved = counts[:, KD.D_MOVED]
    fl.moved_out = counts[:, KD.D_MOVED_OUT]
    fl.births = counts[:, KD.D_BIRTHS]
    fl.moved_in = counts[:, KD.D_MOVED_IN]
    fl.dropped = counts[:, KD.D_DROPPED]

    if month % 12 == 0:
        fa.neediest_cut = neediest_cut(fa.deprivation)
        fa.neediest = fa.deprivation >= fa.neediest_cut


@functools.lru_cache(maxsize=64)
def _arrival_cdf(lam: float, kmax: int) -> np.ndarray:
    """Cumulative _poisson_pmf: a place's is the same every month (read-only, shared)."""
    cdf = np.cumsum(_poisson_pmf(lam, kmax))
    cdf.flags.writeable = False
    return cdf


def _poisson_pmf(lam: float, kmax: int) -> np.ndarray:
    """P(0..kmax) of a Poisson(lam), the last entry taking the upper tail."""
    # libm's log and exp, one number at a time: NumPy's array versions differ in the
    # last bits between CPUs (docs/ODD.md 10.2).
    log_lam = math.log(max(lam, 1e-12))
    log_factorial = 0.0
    p = np.empty(kmax + 1)
    for k in range(kmax + 1):
        log_factorial += math.log(max(k, 1))
        p[k] = math.exp(-lam + k * log_lam - log_factorial)
    p[-1] = max(0.0, 1.0 - p[:-1].sum())
    return p
