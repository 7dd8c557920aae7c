"""Organisation ties: joint work, strengthening, decay, turnover, formation and loss,
in two passes over organisation pairs (sim/processes/ties.py holds the equations and
calls these; the two matrix products and row sums stay in NumPy, between the passes)."""
from __future__ import annotations

import math

import numba as nb

from sim.kernels.hashing import uniform


@nb.njit(cache=True, error_model="numpy")
def work_and_decay(trust, reciprocity, empathy, equity, strength, row_sum, two_paths,
                   engagement, active, hardwired, neutral, champion, referral_share,
                   cluster_work, joint_extra, voice, ordinary_work, shared_case_work,
                   gain_rate, decay_rate, embeddedness, competition, leave_chance,
                   personal_share, emergence, turnover_base, work, strength_out, champions_lost):
    """Joint work on each pair (written to `work`); ties gain trust, reciprocity and
    equity with it (empathy with convening), decay without it and under competition,
    slowed by shared partners and hardwiring; champions leave (taking the personal share
    of trust and empathy) and emerge. Arrays (R, O, O) or (R, O); leave_chance (R,).
    `strength` is the strength at the start of the month; the new one goes to strength_out."""
    R, n = engagement.shape
    for r in range(R):
        target = 0.5 + 0.5 * voice[r]
        leaves = champion[r].copy()
        for i in range(n):
            leaves[i] = (champion[r, i] and uniform(turnover_base[r], 2 * i) < leave_chance[r]
                         and not neutral[i])
        any_leave = False
        for i in range(n):
            if leaves[i]:
                any_leave = True
                champions_lost[r] += 1
        for i in range(n):
            e_i = engagement[r, i] * active[r, i]
            for j in range(n):
                e_j = engagement[r, j] * active[r, j]
                s = strength[r, i, j]
                tied = s > 0
                a_ij = e_i * s / max(row_sum[r, i], 1e-9)
                a_ji = e_j * strength[r, j, i] / max(row_sum[r, j], 1e-9)
                w = ordinary_work * (a_ij + a_ji)
                if tied:
                    w += shared_case_work * (referral_share[r, i] + referral_share[r, j])
                w = w + cluster_work[i, j] + joint_extra[r, i, j]
                work[r, i, j] = w
                hw = 0.5 * (hardwired[r, i] + hardwired[r, j])
                t, q, em, eq = trust[r, i, j], reciprocity[r, i, j], empathy[r, i, j], equity[r, i, j]
                if tied:
                    gain = gain_rate * min(w, 2.0)
                    t += gain * (1 - t)
                    q += gain * (1 - q)
                    em += gain_rate * min(joint_extra[r, i, j], 2.0) * (1 - em)
                    eq += gain * (target - eq)
                idle = min(max(1.0 - w, 0.0), 1.0)
                embedded = 1.0 + embeddedness * two_paths[r, i, j]
                rivals = 0.0 if (neutral[i] or neutral[j]) else 1.0
                keep = 1.0 - (decay_rate * idle / embedded + competition * rivals) * (1 - hw)
                t *= keep
                q *= keep
                em *= keep
                eq *= keep
                if any_leave and (leaves[i] or leaves[j]):
                    lost = personal_share * (1 - hw)
                    t *= 1 - lost
                    em *= 1 - lost
                trust[r, i, j], reciprocity[r, i, j], empathy[r, i, j], equity[r, i, j] = t, q, em, eq
                strength_out[r, i, j] = 0.25 * (t + q + em + eq)
        for i in range(n):
            c = champion[r, i]
            c = (c and not leaves[i]) or (not c and uniform(turnover_base[r], 2 * i + 1) < emergence)
            champion[r, i] = c and active[r, i]


@nb.njit(cache=True, error_model="numpy")
def form_and_lose(trust, reciprocity, empathy, equity, strength, two_paths, work, engagement,
                  active, champion, introductions, formation, champion_boost, closure,
                  new_strength, removal, form_base, formed, lost_count):
    """New ties between untied, active pairs with chance 1 - exp(-rate), rate = chance
    meeting (champions and engagement) + closure x shared partners + introductions +
    joint work (one draw per unordered pair, slot i*O + j, i < j); then ties below the
    removal floor or with an absent organisation are lost. Updates `strength`; counts
    are pairs (ordered entries / 2, as the matrices are symmetric)."""
    R, n = engagement.shape
    for r in range(R):
        n_formed = 0
        n_lost = 0
        for i in range(n):
            ci = (champion_boost if champion[r, i] else 1.0) * (0.5 + engagement[r, i])
            for j in range(n):
                if i == j:
                    continue
                cj = (champion_boost if champion[r, j] else 1.0) * (0.5 + engagement[r, j])
                pair_active = active[r, i] and active[r, j]
                if strength[r, i, j] > 0 or not pair_active:
                    continue
                rate = (formation * ci * cj + closure * two_paths[r, i, j]
                        + introductions[r, i, j] + work[r, i, j])
                u = uniform(form_base[r], i * n + j) if i < j else uniform(form_base[r], j * n + i)
                if u < 1.0 - math.exp(-rate):
                    trust[r, i, j] = reciprocity[r, i, j] = new_strength
                    empathy[r, i, j] = equity[r, i, j] = new_strength
                    n_formed += 1
        for i in range(n):
            for j in range(n):
                s = 0.25 * (trust[r, i, j] + reciprocity[r, i, j] + empathy[r, i, j] + equity[r, i, j])
                if s > 0 and (s < removal or not (active[r, i] and active[r, j])):
                    trust[r, i, j] = reciprocity[r, i, j] = empathy[r, i, j] = equity[r, i, j] = 0.0
                    s = 0.0
                    n_lost += 1
                strength[r, i, j] = s
        formed[r] = n_formed // 2
        lost_count[r] = n_lost // 2
