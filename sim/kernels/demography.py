"""Demography: ageing, leaving at 19, families moving out, and children arriving, in two
passes (sim/processes/demography.py holds the equations and calls these)."""
from __future__ import annotations

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform

# Columns of the per-replicate counts written by leave_and_move / arrive.
D_LEFT, D_EVICTIONS, D_MOVED, D_MOVED_OUT, D_BIRTHS, D_MOVED_IN, D_DROPPED, N_DCOUNT = range(8)


@nb.njit(cache=True, error_model="numpy")
def leave_and_move(alive, age, fam, evict_pending, leave_age, monthly_move, base, moving, counts,
                   moved_rep, moved_home):
    """Families move out (draw slot 2f of `base`, or last month's eviction); every living
    child ages a month, leaves at `leave_age`, or leaves with its family. Returns how
    many homes were vacated; their (replicate, home) pairs are the first entries of
    moved_rep and moved_home, in the order np.nonzero(moving) gives."""
    R, C = alive.shape
    F = moving.shape[1]
    n_moved = 0
    for r in range(R):
        for f in range(F):
            evicted = evict_pending[r, f]
            moving[r, f] = uniform(base[r], 2 * f) < monthly_move or evicted
            if evicted:
                counts[r, D_EVICTIONS] += 1
                evict_pending[r, f] = False
            if moving[r, f]:
                counts[r, D_MOVED] += 1
                moved_rep[n_moved] = r
                moved_home[n_moved] = f
                n_moved += 1
        for c in range(C):
            if not alive[r, c]:
                continue
            age[r, c] += 1
            if age[r, c] >= leave_age:
                alive[r, c] = False
                counts[r, D_LEFT] += 1
            elif moving[r, fam[r, c]]:
                alive[r, c] = False
                counts[r, D_MOVED_OUT] += 1
    return n_moved


@nb.njit(cache=True, error_model="numpy")
def arrive(alive, age, fam, school, support_months, support_domains, env, moving, adults,
           family_base, birth_chance, arrival_base, arrival_cum, age_bases, leave_age,
           out_rep, out_slot, counts):
    """Births (draw slot 2f+1 of `family_base` below `birth_chance`, in homes with an
    adult) and children arriving with newcomer families (a truncated Poisson number, by
    inverse CDF `arrival_cum`; the j-th child's age from `age_bases[j-1]`) take free child
    slots. Requests are served per replicate in a fixed order (births by home, then first
    children, second children, third children by home); the k-th request takes the k-th
    free slot and requests beyond the free slots are dropped. Returns the number placed;
    (out_rep, out_slot) are their slots."""
    R, C = alive.shape
    F = moving.shape[1]
    kmax = arrival_cum.shape[0] - 1
    n_arriving = np.zeros(F, dtype=np.int64)
    placed = 0
    for r in range(R):
        free = 0                                  # next slot to look at for a free one
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
                    counts[r, D_DROPPED] += 1
                    continue
                c = free
                alive[r, c] = True
                age[r, c] = child_age
                fam[r, c] = f
                school[r, c] = -1
                support_months[r, c] = 0
                support_domains[r, c] = 0
                env[r, c, 0] = env[r, c, 1] = env[r, c, 2] = 0.0
                out_rep[placed] = r
                out_slot[placed] = c
                placed += 1
                counts[r, D_BIRTHS if j == 0 else D_MOVED_IN] += 1
    return placed


@nb.njit(cache=True, error_model="numpy")
def draw_families(rep, slot, z, u, family_mean, housing_mean, starting_trust, workless_cut,
                  no_qual_cut, poor_health_cut, second_adult_share, rho, other, within_sd,
                  need_cut, initial_share, threshold_mean, threshold_sd, deprivation, in_need,
                  workless, no_qualifications, poor_health, housing, debt, stress, home_learning,
                  trust, norm, norm_threshold, adults):
    """Newly drawn families (sim.place.draw_families holds the equations), written into
    the (R, F) family arrays at (rep[i], slot[i]): z is (7, n) standard normals (six
    attributes, then the norm threshold's), u is (4, n) uniforms, the *_cut arrays are
    each replicate's probit cut of a binary indicator."""
    for i in range(rep.shape[0]):
        r, h = rep[i], slot[i]
        common = rho * z[0, i]
        dep = family_mean[r] + within_sd * z[0, i]
        deprivation[r, h] = dep
        in_need[r, h] = dep > need_cut
        w = common + other * z[1, i] > workless_cut[r]
        workless[r, h] = w
        no_qualifications[r, h] = common + other * z[2, i] > no_qual_cut[r]
        poor_health[r, h] = common + other * z[3, i] > poor_health_cut[r]
        housing[r, h] = housing_mean[r] + within_sd * (common + other * z[4, i])
        d = (0.3 if w else 0.0) + 0.1 * max(dep, 0.0) + 0.1 * u[0, i]
        debt[r, h] = min(max(d, 0.0), 1.0)
        stress[r, h] = 0.3
        home_learning[r, h] = 0.0
        trust[r, h] = min(max(starting_trust[r] + 0.15 * z[5, i], 0.0), 1.0)
        norm[r, h] = u[3, i] < initial_share
        norm_threshold[r, h] = min(max(threshold_mean + threshold_sd * z[6, i], 0.02), 0.98)
        adults[r, h] = 2 if u[1, i] < second_adult_share else 1


@nb.njit(cache=True, error_model="numpy")
def settle_newcomers(rep, slot, engaged, informal, ever_supported, neediest, deprivation, cut):
    """A newcomer family starts with no services, no informal support yet and no history
    of support, and is among the neediest tenth if above the replicate's current cut."""
    for i in range(rep.shape[0]):
        r, h = rep[i], slot[i]
        for k in range(engaged.shape[2]):
            engaged[r, h, k] = 0
        informal[r, h] = 0.0
        ever_supported[r, h] = False
        neediest[r, h] = deprivation[r, h] >= cut[r, 0]
