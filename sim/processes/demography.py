"""Demography: ageing, leaving at 19, families moving out and in, births.

Homes are fixed (the place's housing stock): a family that moves out, or is evicted,
is replaced the same month by a newcomer family drawn like the place's residents, who
takes over the home's informal ties. Children move with their family. See docs/ODD.md
("Demography").
"""
from __future__ import annotations

import numpy as np

from sim.params import ModelParams, PlaceParams
from sim.place import draw_families, neediest_cut
from sim.rng import Streams
from sim.state import State

MAX_ARRIVING_CHILDREN = 3


def _allocate(free: np.ndarray, req_rep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match requests (replicate ids, sorted) to free child slots of the same replicate.

    Returns (granted mask over requests, slot per granted request). The k-th request of
    a replicate takes its k-th free slot; requests beyond the free slots are refused.
    """
    R = free.shape[0]
    free_rep, free_slot = np.nonzero(free)
    free_start = np.searchsorted(free_rep, np.arange(R))
    n_free = np.bincount(free_rep, minlength=R)
    req_start = np.searchsorted(req_rep, np.arange(R))
    rank = np.arange(len(req_rep)) - req_start[req_rep]
    granted = rank < n_free[req_rep]
    slots = free_slot[free_start[req_rep[granted]] + rank[granted]]
    return granted, slots


def step(state: State, params: ModelParams, place: PlaceParams, streams: Streams, month: int) -> None:
    ch, fa, ps, fl = state.children, state.families, state.place, state.flows
    dp = params.demography
    R, F = fa.deprivation.shape

    # Ageing and leaving at 19.
    ch.age += ch.alive
    leaving = ch.alive & (ch.age >= dp.leave_age_months)
    fl.left_at_19 = leaving.sum(axis=1)
    ch.alive &= ~leaving

    # Families moving out: ordinary moves and last month's evictions.
    u = streams.uniform("demography.families", month, (F, 2))
    monthly_move = 1.0 - (1.0 - place.mobility) ** (1.0 / 12.0)
    moving = (u[..., 0] < monthly_move) | fa.evict_pending
    fl.evictions = fa.evict_pending.sum(axis=1)
    fa.evict_pending[:] = False
    fl.families_moved = moving.sum(axis=1)
    child_moving = ch.alive & np.take_along_axis(moving, ch.fam, axis=1)
    fl.moved_out = child_moving.sum(axis=1)
    ch.alive &= ~child_moving

    # Newcomer families take over the vacated homes.
    rep, slot = np.nonzero(moving)
    if len(rep):
        drawn = draw_families(ps, params, streams, "demography.newcomers", month, rep, slot)
        for name, values in drawn.items():
            getattr(fa, name)[rep, slot] = values
        fa.engaged[rep, slot, :] = 0
        fa.informal_support[rep, slot] = 0.0
        fa.ever_supported[rep, slot] = False
        fa.neediest[rep, slot] = fa.deprivation[rep, slot] >= fa.neediest_cut[rep, 0]

    # Children arriving with newcomers (a truncated Poisson number per family) and births.
    n_arriving = np.zeros((R, F), dtype=np.int32)
    if len(rep):
        ua = streams.uniform_at("demography.arrivals", month, rep, slot)
        n_arriving[rep, slot] = np.minimum(
            np.searchsorted(np.cumsum(_poisson_pmf(ps.children_per_home, MAX_ARRIVING_CHILDREN)), ua),
            MAX_ARRIVING_CHILDREN).astype(np.int32)
    born = (u[..., 1] < ps.births_per_month / F) & (fa.adults > 0)
    req_rep, req_fam, req_age = [], [], []
    b_rep, b_fam = np.nonzero(born)
    req_rep.append(b_rep), req_fam.append(b_fam), req_age.append(np.zeros(len(b_rep), dtype=np.int32))
    for j in range(1, MAX_ARRIVING_CHILDREN + 1):
        a_rep, a_fam = np.nonzero(n_arriving >= j)
        ages = streams.uniform_at(f"demography.arrival_age{j}", month, a_rep, a_fam)
        req_rep.append(a_rep), req_fam.append(a_fam)
        req_age.append((ages * dp.leave_age_months).astype(np.int32))
    req_rep = np.concatenate(req_rep)
    req_fam = np.concatenate(req_fam)
    req_age = np.concatenate(req_age)
    is_birth = np.arange(len(req_rep)) < len(b_rep)
    order = np.argsort(req_rep, kind="stable")
    req_rep, req_fam, req_age, is_birth = req_rep[order], req_fam[order], req_age[order], is_birth[order]

    granted, slots = _allocate(~ch.alive, req_rep)
    g_rep = req_rep[granted]
    ch.alive[g_rep, slots] = True
    ch.age[g_rep, slots] = req_age[granted]
    ch.fam[g_rep, slots] = req_fam[granted]
    ch.school[g_rep, slots] = -1
    ch.support_months[g_rep, slots] = 0
    ch.support_domains[g_rep, slots] = 0
    for d in range(3):
        ch.ability[g_rep, slots, d] = params.development.ability_sd * streams.normal_at(
            f"demography.ability{d}", month, g_rep, slots)
    # A newcomer's environmental score is set in development.step (the `fresh` children):
    # where its new family's inputs would have brought it by its age; a newborn starts at 0.
    ch.env[g_rep, slots, :] = 0.0
    state.new_children = (g_rep, slots)

    fl.births = np.bincount(req_rep[granted & is_birth], minlength=R)
    fl.moved_in = np.bincount(req_rep[granted & ~is_birth], minlength=R)
    fl.dropped = np.bincount(req_rep[~granted], minlength=R)

    if month % 12 == 0:
        fa.neediest_cut = neediest_cut(fa.deprivation)
        fa.neediest = fa.deprivation >= fa.neediest_cut


def _poisson_pmf(lam: float, kmax: int) -> np.ndarray:
    """P(0..kmax) of a Poisson(lam), the last entry taking the upper tail."""
    k = np.arange(kmax + 1)
    logp = -lam + k * np.log(max(lam, 1e-12)) - np.cumsum(np.log(np.maximum(k, 1)))
    p = np.exp(logp)
    p[-1] = max(0.0, 1.0 - p[:-1].sum())
    return p
