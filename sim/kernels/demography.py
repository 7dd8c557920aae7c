"""Demography: ageing, leaving at 19, families moving out, and children arriving, in two
passes, and the drawing and settling of newcomer families.

The compiled form of the rules stated in plain NumPy in sim/processes/demography.py
(leave_and_move_numpy, arrive_numpy, draw_families_numpy, settle_newcomers_numpy);
parameters arrive as DemographyRules and FamilyDrawRules, in the registry's names."""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform


class DemographyCounts(NamedTuple):
    """(R,) int64 per replicate, added to by leave_and_move and arrive; named as the
    month's flows (sim.state.Flows) they become."""
    left_at_19: np.ndarray
    evictions: np.ndarray
    families_moved: np.ndarray
    moved_out: np.ndarray
    births: np.ndarray
    moved_in: np.ndarray
    dropped: np.ndarray


class DemographyRules(NamedTuple):
    """params.demography's leaving age and the place's monthly chances."""
    leave_age_months: int
    monthly_move_chance: float      # from the place's yearly mobility
    monthly_birth_chance: float     # per home: the place's births a month over its homes
    arrival_cdf: np.ndarray         # P(a newcomer family brings <= k children), k = 0..3


class ChildSlots(NamedTuple):
    """The (R, C) child arrays demography changes (sim.state.Children)."""
    alive: np.ndarray
    age: np.ndarray
    fam: np.ndarray
    school: np.ndarray
    support_months: np.ndarray
    support_domains: np.ndarray
    env: np.ndarray                 # (R, C, 3)


class Homes(NamedTuple):
    """The (R, F) home arrays: evictions due (cleared when acted on), which families
    move out this month (written by leave_and_move), adults at home."""
    evict_pending: np.ndarray
    moving: np.ndarray
    adults: np.ndarray


class DemographyDraws(NamedTuple):
    """Stream bases (sim.rng.Streams.base): families (moves and births, (R,)), arrivals
    (how many children a newcomer family brings, (R,)), and the j-th arriving child's
    age (MAX_ARRIVING_CHILDREN, R)."""
    families: np.ndarray
    arrivals: np.ndarray
    arrival_ages: np.ndarray


class SlotPairs(NamedTuple):
    """(replicate, slot) pairs: the homes a kernel acts on or, as an output, the first n
    pairs it fills (n returned)."""
    rep: np.ndarray
    slot: np.ndarray


@nb.njit(cache=True, error_model="numpy")
def leave_and_move(rules, children, homes, draws, counts, moved):
    """Families move out (draw slot 2f of `draws.families`, or last month's eviction);
    every living child ages a month, leaves at `leave_age_months`, or leaves with its
    family. Returns how many homes were vacated; their (replicate, home) pairs are the
    first entries of moved.rep and moved.slot, in the order np.nonzero(moving) gives.
    The statement: leave_and_move_numpy in sim/processes/demography.py."""
    alive, age, fam = children.alive, children.age, children.fam
    evict_pending, moving = homes.evict_pending, homes.moving
    moved_rep, moved_home = moved.rep, moved.slot
    base, monthly_move, leave_age = draws.families, rules.monthly_move_chance, rules.leave_age_months
    R, C = alive.shape
    F = moving.shape[1]
    n_moved = 0
    for r in range(R):          # counts kept in locals: a store might alias any array
        evictions = families_moved = left_at_19 = moved_out = 0
        for f in range(F):
            evicted = evict_pending[r, f]
            moving[r, f] = uniform(base[r], 2 * f) < monthly_move or evicted
            if evicted:
                evictions += 1
                evict_pending[r, f] = False
            if moving[r, f]:
                families_moved += 1
                moved_rep[n_moved] = r
                moved_home[n_moved] = f
                n_moved += 1
        for c in range(C):
            if not alive[r, c]:
                continue
            age[r, c] += 1
            if age[r, c] >= leave_age:
                alive[r, c] = False
                left_at_19 += 1
            elif moving[r, fam[r, c]]:
                alive[r, c] = False
                moved_out += 1
        counts.evictions[r] += evictions
        counts.families_moved[r] += families_moved
        counts.left_at_19[r] += left_at_19
        counts.moved_out[r] += moved_out
    return n_moved


@nb.njit(cache=True, error_model="numpy")
def arrive(rules, children, homes, draws, counts, placed_at):
    """Births (draw slot 2f+1 of `draws.families` below `monthly_birth_chance`, in homes
    with an adult) and children arriving with newcomer families (a truncated Poisson
    number, by inverse CDF `arrival_cdf`; the j-th child's age from
    `draws.arrival_ages[j-1]`) take free child slots. Requests are served per replicate
    in a fixed order (births by home, then first children, second children, third
    children by home); the k-th request takes the k-th free slot and requests beyond the
    free slots are dropped. Returns the number placed; placed_at.rep/.slot hold their
    slots. The statement: arrive_numpy in sim/processes/demography.py."""
    alive, age, fam, env = children.alive, children.age, children.fam, children.env
    moving, adults = homes.moving, homes.adults
    family_base, arrival_base, age_bases = draws.families, draws.arrivals, draws.arrival_ages
    arrival_cum, birth_chance, leave_age = (rules.arrival_cdf, rules.monthly_birth_chance,
                                            rules.leave_age_months)
    out_rep, out_slot = placed_at.rep, placed_at.slot
    R, C = alive.shape
    F = moving.shape[1]
    kmax = arrival_cum.shape[0] - 1
    n_arriving = np.zeros(F, dtype=np.int64)
    placed = 0
    for r in range(R):
        free = 0                                  # next slot to look at for a free one
        births = moved_in = dropped = 0
        for f in range(F):
            n_arriving[f] = 0
            if moving[r, f]:
                ua = uniform(arrival_base[r], f)
                k = 0
                while k < arrival_cum.shape[0] and arrival_cum[k] < ua:
                    k += 1
                n_arriving[f] = min(k, kmax)
        for j in range(kmax + 1):                 # j = 0: births; j >= 1: j-th arriving child
            for f in range(F):
                if j == 0:
                    if not (uniform(family_base[r], 2 * f + 1) < birth_chance and adults[r, f] > 0):
                        continue
                    child_age = 0
                elif n_arriving[f] >= j:
                    child_age = int(uniform(age_bases[j - 1, r], f) * leave_age)
                else:
                    continue
                while free < C and alive[r, free]:
                    free += 1
                if free >= C:
                    dropped += 1
                    continue
                c = free
                alive[r, c] = True
                age[r, c] = child_age
                fam[r, c] = f
                children.school[r, c] = -1
                children.support_months[r, c] = 0
                children.support_domains[r, c] = 0
                env[r, c, 0] = env[r, c, 1] = env[r, c, 2] = 0.0
                out_rep[placed] = r
                out_slot[placed] = c
                placed += 1
                if j == 0:
                    births += 1
                else:
                    moved_in += 1
        counts.births[r] += births
        counts.moved_in[r] += moved_in
        counts.dropped[r] += dropped
    return placed


class FamilyDrawRules(NamedTuple):
    """params.families and params.norms as a newly drawn family reads them, and the
    place's share of homes with a second adult."""
    indicator_correlation: float
    independent_weight: float       # sqrt(1 - indicator_correlation^2)
    within_area_sd: float
    need_cut: float
    initial_share: float
    threshold_mean: float
    threshold_sd: float
    second_adult_share: float


class PlaceLevels(NamedTuple):
    """(R,) per replicate: the place's mean family deprivation and housing pressure, its
    starting trust, and the probit cuts of its workless, no-qualification and
    poor-health rates (sim.place._cut)."""
    family_mean: np.ndarray
    housing_mean: np.ndarray
    starting_trust: np.ndarray
    workless_cut: np.ndarray
    no_qualifications_cut: np.ndarray
    poor_health_cut: np.ndarray


class DrawnFamilies(NamedTuple):
    """The (R, F) family arrays a drawn family is written into (sim.place.DRAWN)."""
    deprivation: np.ndarray
    in_need: np.ndarray
    workless: np.ndarray
    no_qualifications: np.ndarray
    poor_health: np.ndarray
    housing: np.ndarray
    debt: np.ndarray
    stress: np.ndarray
    home_learning: np.ndarray
    trust: np.ndarray
    norm: np.ndarray
    norm_threshold: np.ndarray
    adults: np.ndarray


class NewcomerArrays(NamedTuple):
    """The (R, F[, K]) family arrays a newcomer family resets (sim.state.Families), and
    each replicate's neediest cut (R, 1)."""
    engaged: np.ndarray
    informal_support: np.ndarray
    ever_supported: np.ndarray
    neediest: np.ndarray
    deprivation: np.ndarray
    neediest_cut: np.ndarray


@nb.njit(cache=True, error_model="numpy")
def draw_families(at, z, u, rules, levels, out):
    """Newly drawn families (sim.place.draw_families holds the equations), written into
    the (R, F) family arrays of `out` at (at.rep[i], at.slot[i]): z is (7, n) standard
    normals (six attributes, then the norm threshold's), u is (4, n) uniforms.
    The statement: draw_families_numpy in sim/processes/demography.py."""
    rho, other, within_sd = rules.indicator_correlation, rules.independent_weight, rules.within_area_sd
    for i in range(at.rep.shape[0]):
        r, h = at.rep[i], at.slot[i]
        common = rho * z[0, i]
        dep = levels.family_mean[r] + within_sd * z[0, i]
        out.deprivation[r, h] = dep
        out.in_need[r, h] = dep > rules.need_cut
        w = common + other * z[1, i] > levels.workless_cut[r]
        out.workless[r, h] = w
        out.no_qualifications[r, h] = common + other * z[2, i] > levels.no_qualifications_cut[r]
        out.poor_health[r, h] = common + other * z[3, i] > levels.poor_health_cut[r]
        out.housing[r, h] = levels.housing_mean[r] + within_sd * (common + other * z[4, i])
        d = (0.3 if w else 0.0) + 0.1 * max(dep, 0.0) + 0.1 * u[0, i]
        out.debt[r, h] = min(max(d, 0.0), 1.0)
        out.stress[r, h] = 0.3
        out.home_learning[r, h] = 0.0
        out.trust[r, h] = min(max(levels.starting_trust[r] + 0.15 * z[5, i], 0.0), 1.0)
        out.norm[r, h] = u[3, i] < rules.initial_share
        out.norm_threshold[r, h] = min(max(rules.threshold_mean + rules.threshold_sd * z[6, i],
                                           0.02), 0.98)
        out.adults[r, h] = 2 if u[1, i] < rules.second_adult_share else 1


@nb.njit(cache=True, error_model="numpy")
def settle_newcomers(at, families):
    """A newcomer family starts with no services, no informal support yet and no history
    of support, and is among the neediest tenth if above the replicate's current cut."""
    engaged = families.engaged
    for i in range(at.rep.shape[0]):
        r, h = at.rep[i], at.slot[i]
        for k in range(engaged.shape[2]):
            engaged[r, h, k] = 0
        families.informal_support[r, h] = 0.0
        families.ever_supported[r, h] = False
        families.neediest[r, h] = families.deprivation[r, h] >= families.neediest_cut[r, 0]
