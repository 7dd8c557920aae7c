"""Demography: ageing, leaving at 19, families moving out and in, births.

Homes are fixed (the place's housing stock): a family that moves out, or is evicted,
is replaced the same month by a newcomer family drawn like the place's residents, who
takes over the home's informal ties. Children move with their family. See docs/ODD.md
("Demography"). The rules in plain NumPy, in the registry's names: leave_and_move_numpy,
arrive_numpy, draw_families_numpy and settle_newcomers_numpy below; `step` (and
sim.place.draw_families) run their compiled form (sim.kernels.demography), which
tests/test_rules_demography.py checks against them.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from scipy.special import ndtri

from sim.kernels import demography as KD
from sim.params import ModelParams, PlaceParams
from sim.place import DRAWN, draw_families, neediest_cut
from sim.rng import Streams, uniform_from_base
from sim.state import Place, State

MAX_ARRIVING_CHILDREN = 3
ARRIVAL_AGE_STREAMS = tuple(f"demography.arrival_age{j}" for j in range(1, MAX_ARRIVING_CHILDREN + 1))
ABILITY_STREAMS = tuple(f"demography.ability{d}" for d in range(3))


def demography_rules(params: ModelParams, place: PlaceParams, place_state: Place,
                     homes: int) -> KD.DemographyRules:
    """params.demography and the place's yearly mobility and births, as monthly chances."""
    return KD.DemographyRules(
        leave_age_months=int(params.demography.leave_age_months),
        monthly_move_chance=float(1.0 - (1.0 - place.mobility) ** (1.0 / 12.0)),
        monthly_birth_chance=float(place_state.births_per_month / homes),
        arrival_cdf=_arrival_cdf(float(place_state.children_per_home), MAX_ARRIVING_CHILDREN))


def step(state: State, rules: KD.DemographyRules, params: ModelParams, streams: Streams,
         month: int) -> None:
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

    `rules` is demography_rules(params, place, state.place, homes), built once per run.
    """
    ch, fa, ps, fl = state.children, state.families, state.place, state.flows
    R, F = fa.deprivation.shape
    counts = KD.DemographyCounts(*np.zeros((len(KD.DemographyCounts._fields), R), dtype=np.int64))
    children = KD.ChildSlots(alive=ch.alive, age=ch.age, fam=ch.fam, school=ch.school,
                             support_months=ch.support_months,
                             support_domains=ch.support_domains, env=ch.env)
    homes = KD.Homes(evict_pending=fa.evict_pending, moving=np.empty((R, F), dtype=bool),
                     adults=fa.adults)
    draws = KD.DemographyDraws(families=streams.base("demography.families", month),
                               arrivals=streams.base("demography.arrivals", month),
                               arrival_ages=streams.bases(ARRIVAL_AGE_STREAMS, month))
    moved = KD.SlotPairs(rep=state.scratch.get("demography.moved_rep", (R * F,), np.int64),
                         slot=state.scratch.get("demography.moved_home", (R * F,), np.int64))
    n_moved = KD.leave_and_move(rules, children, homes, draws, counts, moved)

    # Newcomer families take over the vacated homes.
    rep, slot = moved.rep[:n_moved].copy(), moved.slot[:n_moved].copy()
    if len(rep):
        draw_families(ps, params, streams, "demography.newcomers", month, rep, slot,
                      {name: getattr(fa, name) for name in DRAWN})
        KD.settle_newcomers(KD.SlotPairs(rep=rep, slot=slot), KD.NewcomerArrays(
            engaged=fa.engaged, informal_support=fa.informal_support,
            ever_supported=fa.ever_supported, neediest=fa.neediest,
            deprivation=fa.deprivation, neediest_cut=fa.neediest_cut))

    # Births and the newcomers' children take free child slots.
    placed_at = KD.SlotPairs(rep=state.scratch.get("demography.rep", (ch.alive.size,), np.int64),
                             slot=state.scratch.get("demography.slot", (ch.alive.size,), np.int64))
    placed = KD.arrive(rules, children, homes, draws, counts, placed_at)
    g_rep, slots = placed_at.rep[:placed].copy(), placed_at.slot[:placed].copy()
    # A newcomer's environmental score is set in development.step (the `fresh` children):
    # where its new family's inputs would have brought it by its age; a newborn starts at 0.
    normals = ndtri(streams.uniforms_at(ABILITY_STREAMS, month, g_rep, slots))
    ch.ability[g_rep, slots, :] = params.development.ability_sd * normals.T
    state.new_children = (g_rep, slots)
    ch.reached_by[g_rep, slots] = 0          # a programme reached the slot's last child, not this one

    for name, values in counts._asdict().items():
        setattr(fl, name, values)

    if month % 12 == 0:
        fa.neediest_cut = neediest_cut(fa.deprivation)
        fa.neediest = fa.deprivation >= fa.neediest_cut


# -- The readable statement ------------------------------------------------------------
# The month's rules in plain NumPy, in the registry's names: what the compiled kernels in
# sim.kernels.demography compute, bit for bit (tests/test_rules_demography.py).


def leave_and_move_numpy(rules: KD.DemographyRules, children: KD.ChildSlots, homes: KD.Homes,
                         draws: KD.DemographyDraws, counts: KD.DemographyCounts, moved: KD.SlotPairs) -> int:
    """A family moves out with the monthly chance, or because it was evicted last month;
    every living child ages a month and leaves at leave_age_months, or leaves with its
    family. Returns how many homes were vacated; their (replicate, home) pairs are the
    first entries of moved.rep and moved.slot, replicate by replicate, home by home."""
    u = uniform_from_base(draws.families, (homes.moving.shape[1], 2))[..., 0]     # slot 2f
    evicted = homes.evict_pending.copy()
    homes.moving[:] = (u < rules.monthly_move_chance) | evicted
    homes.evict_pending[:] = False
    counts.evictions[:] += evicted.sum(axis=1)
    counts.families_moved[:] += homes.moving.sum(axis=1)
    rep, home = np.nonzero(homes.moving)
    moved.rep[:len(rep)], moved.slot[:len(rep)] = rep, home

    alive = children.alive
    children.age[alive] += 1
    left = alive & (children.age >= rules.leave_age_months)
    moved_out = alive & ~left & np.take_along_axis(homes.moving, children.fam, axis=1)
    alive &= ~(left | moved_out)
    counts.left_at_19[:] += left.sum(axis=1)
    counts.moved_out[:] += moved_out.sum(axis=1)
    return len(rep)


def arrive_numpy(rules: KD.DemographyRules, children: KD.ChildSlots, homes: KD.Homes,
                 draws: KD.DemographyDraws, counts: KD.DemographyCounts, placed_at: KD.SlotPairs) -> int:
    """Births (a chance per home with an adult) and the children of the families that
    moved in (a truncated Poisson number by inverse CDF, ages uniform over 0-19) take
    free child slots. A replicate's requests in order (births by home, then first,
    second, third arriving children by home) take its free slots in order; requests
    beyond them are dropped. Returns the number placed; placed_at.rep/.slot hold them."""
    R, F = homes.moving.shape
    family_u = uniform_from_base(draws.families, (F, 2))[..., 1]                 # slot 2f+1
    born = (family_u < rules.monthly_birth_chance) & (homes.adults > 0)
    kmax = len(rules.arrival_cdf) - 1
    arriving = np.minimum((rules.arrival_cdf < uniform_from_base(draws.arrivals, (F,))[..., None])
                          .sum(axis=-1), kmax)
    arriving = np.where(homes.moving, arriving, 0)
    placed = 0
    for r in range(R):              # replicates are independent; requests in a fixed order
        home = [np.flatnonzero(born[r])]
        age = [np.zeros(len(home[0]), dtype=np.int64)]
        for j in range(1, kmax + 1):
            home.append(np.flatnonzero(arriving[r] >= j))
            age_u = uniform_from_base(draws.arrival_ages[j - 1, r:r + 1], (F,))[0, home[-1]]
            age.append((age_u * rules.leave_age_months).astype(np.int64))
        requests, ages = np.concatenate(home), np.concatenate(age)
        free = np.flatnonzero(~children.alive[r])
        n = min(len(requests), len(free))
        slot = free[:n]
        children.alive[r, slot] = True
        children.age[r, slot] = ages[:n]
        children.fam[r, slot] = requests[:n]
        children.school[r, slot] = -1
        children.support_months[r, slot] = 0
        children.support_domains[r, slot] = 0
        children.env[r, slot] = 0.0
        placed_at.rep[placed:placed + n] = r
        placed_at.slot[placed:placed + n] = slot
        placed += n
        births = min(len(home[0]), n)
        counts.births[r] += births
        counts.moved_in[r] += n - births
        counts.dropped[r] += len(requests) - n
    return placed


def draw_families_numpy(at: KD.SlotPairs, z: np.ndarray, u: np.ndarray, rules: KD.FamilyDrawRules,
                        levels: KD.PlaceLevels, out: KD.DrawnFamilies) -> None:
    """Newly drawn families at the (at.rep, at.slot) homes (sim.place.draw_families):
    z (7, n) standard normals, z[0] the family's common factor; u (4, n) uniforms."""
    r, h = at.rep, at.slot
    common = rules.indicator_correlation * z[0]
    other = rules.independent_weight
    deprivation = levels.family_mean[r] + rules.within_area_sd * z[0]
    workless = common + other * z[1] > levels.workless_cut[r]
    out.deprivation[r, h] = deprivation
    out.in_need[r, h] = deprivation > rules.need_cut
    out.workless[r, h] = workless
    out.no_qualifications[r, h] = common + other * z[2] > levels.no_qualifications_cut[r]
    out.poor_health[r, h] = common + other * z[3] > levels.poor_health_cut[r]
    out.housing[r, h] = levels.housing_mean[r] + rules.within_area_sd * (common + other * z[4])
    out.debt[r, h] = np.clip(np.where(workless, 0.3, 0.0) + 0.1 * np.maximum(deprivation, 0.0)
                             + 0.1 * u[0], 0.0, 1.0)
    out.stress[r, h] = 0.3
    out.home_learning[r, h] = 0.0
    out.trust[r, h] = np.clip(levels.starting_trust[r] + 0.15 * z[5], 0.0, 1.0)
    out.norm[r, h] = u[3] < rules.initial_share
    out.norm_threshold[r, h] = np.clip(rules.threshold_mean + rules.threshold_sd * z[6], 0.02, 0.98)
    out.adults[r, h] = np.where(u[1] < rules.second_adult_share, 2, 1)


def settle_newcomers_numpy(at: KD.SlotPairs, families: KD.NewcomerArrays) -> None:
    """A newcomer family starts with no services, no informal support and no history of
    support, and is among the neediest if above its replicate's current cut."""
    r, h = at.rep, at.slot
    families.engaged[r, h] = 0
    families.informal_support[r, h] = 0.0
    families.ever_supported[r, h] = False
    families.neediest[r, h] = families.deprivation[r, h] >= families.neediest_cut[r, 0]


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
