"""Organisation ties, compiled: joint work, strengthening, decay and turnover in one pass
over organisation pairs, formation and loss in a second; the matrix product of the
strength after the first pass (shared partners) is taken between them. The readable
statement of the same rules is `tie_month_numpy` in sim/processes/ties.py, which builds
these records and calls the passes (`tie_month`); tests/test_rules_ties.py checks that
the two agree exactly."""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from sim.kernels.hashing import uniform
from sim.kernels.linalg import row_sum, square


class TieRules(NamedTuple):
    """params.ties by the registry's names (fixed for a run)."""

    formation: float
    closure: float
    embeddedness: float
    champion_boost: float
    joint_work_gain: float
    decay: float
    competition: float
    champion_emergence: float
    personal_share: float
    new_tie_strength: float
    removal: float
    ordinary_work: float
    shared_case_work: float
    network_work: float
    shared_infrastructure: float
    turnover: float            # yearly; the month's chance is TieInputs.monthly_turnover


class TieElements(NamedTuple):
    """The four elements of each tie (R, O, O), updated in place."""

    trust: np.ndarray
    reciprocity: np.ndarray
    empathy: np.ndarray
    equity: np.ndarray


class TieOrgs(NamedTuple):
    """What the ties read of the organisations; champion (R, O) is updated in place."""

    engagement: np.ndarray     # (R, O)
    active: np.ndarray         # (R, O) bool
    hardwired: np.ndarray      # (R, O)
    neutral: np.ndarray        # (O,) bool: the core team
    champion: np.ndarray       # (R, O) bool


class TieInputs(NamedTuple):
    """This month's inputs from other processes and interventions, and the draws."""

    referral_share: np.ndarray  # (R, O) a service's intake by referral over its kind's capacity
    cluster_work: np.ndarray   # (O, O) standing joint work of a schools partnership
    joint_extra: np.ndarray    # (R, O, O) interventions' joint work
    introductions: np.ndarray  # (R, O, O) interventions' meeting chance
    voice: np.ndarray          # (R,)
    data_maturity: np.ndarray  # (R,)
    turnover_base: np.ndarray  # (R,) uint64: stream "ties.turnover" (Streams.base)
    form_base: np.ndarray      # (R,) uint64: stream "ties.form"
    monthly_turnover: np.ndarray  # (R,) chance a champion leaves: turnover x the month's turnover_mult / 12


class TieResults(NamedTuple):
    """The month's results: work and strength after the first pass (the second updates
    strength in place), and counts per replicate (int64, champions_lost from 0)."""

    work: np.ndarray           # (R, O, O) joint work on each pair
    strength: np.ndarray       # (R, O, O)
    champions_lost: np.ndarray
    formed: np.ndarray         # pairs
    lost: np.ndarray           # pairs


@nb.njit(cache=True, error_model="numpy")
def work_and_decay(rules, ties, orgs, inputs, strength, shared_partners, out):
    """Joint work on each pair (to out.work), network work included (strong-tie capital
    per unit of strength, `strong`, from the start's row sums of strength and of its
    squares); ties gain trust, reciprocity and equity with
    it (empathy with interventions' joint work), decay without it and under competition,
    slowed by shared partners and hardwiring; champions leave (taking the personal share
    of trust and empathy) and emerge. `strength` is the strength at the start of the
    month and `shared_partners` its square; the new strength goes to out.strength. Row
    sums are NumPy's (linalg.row_sum)."""
    R, n = orgs.engagement.shape
    trust, reciprocity, empathy, equity = ties.trust, ties.reciprocity, ties.empathy, ties.equity
    engagement, active, hardwired = orgs.engagement, orgs.active, orgs.hardwired
    neutral, champion = orgs.neutral, orgs.champion
    referral_share, joint_extra = inputs.referral_share, inputs.joint_extra
    work, strength_out = out.work, out.strength
    row_total = np.empty(n)
    strong = np.empty(n)
    squares = np.empty(n)
    for r in range(R):
        for i in range(n):
            row_total[i] = row_sum(strength[r, i], 0, n)
            for j in range(n):
                squares[j] = strength[r, i, j] * strength[r, i, j]
            strong[i] = min(row_sum(squares, 0, n) / 3.0, 1.0) / max(row_total[i], 1e-9)
        target = 0.5 + 0.5 * inputs.voice[r]
        data = inputs.data_maturity[r]
        base = inputs.turnover_base[r]
        leaves = champion[r].copy()
        for i in range(n):
            leaves[i] = (champion[r, i] and uniform(base, 2 * i) < inputs.monthly_turnover[r]
                         and not neutral[i])
        any_leave = False
        for i in range(n):
            if leaves[i]:
                any_leave = True
                out.champions_lost[r] += 1
        for i in range(n):
            e_i = engagement[r, i] * active[r, i]
            for j in range(n):
                e_j = engagement[r, j] * active[r, j]
                s = strength[r, i, j]
                tied = s > 0
                a_ij = e_i * s / max(row_total[i], 1e-9)
                a_ji = e_j * strength[r, j, i] / max(row_total[j], 1e-9)
                w = rules.ordinary_work * (a_ij + a_ji)
                hw = 0.5 * (hardwired[r, i] + hardwired[r, j])
                t, q, em, eq = trust[r, i, j], reciprocity[r, i, j], empathy[r, i, j], equity[r, i, j]
                if tied:
                    w += rules.shared_case_work * (referral_share[r, i] + referral_share[r, j])
                    w += (rules.network_work * q * s * (strong[i] + strong[j])
                          * (1.0 + rules.shared_infrastructure * (hw + data)))
                w = w + inputs.cluster_work[i, j] + joint_extra[r, i, j]
                work[r, i, j] = w
                if tied:
                    gain = rules.joint_work_gain * min(w, 2.0)
                    t += gain * (1 - t)
                    q += gain * (1 - q)
                    em += rules.joint_work_gain * min(joint_extra[r, i, j], 2.0) * (1 - em)
                    eq += gain * (target - eq)
                idle = min(max(1.0 - w, 0.0), 1.0)
                embedded = 1.0 + rules.embeddedness * shared_partners[r, i, j]
                rivals = 0.0 if (neutral[i] or neutral[j]) else 1.0
                keep = 1.0 - (rules.decay * idle / embedded + rules.competition * rivals) * (1 - hw)
                t *= keep
                q *= keep
                em *= keep
                eq *= keep
                if any_leave and (leaves[i] or leaves[j]):
                    lost = rules.personal_share * (1 - hw)
                    t *= 1 - lost
                    em *= 1 - lost
                trust[r, i, j], reciprocity[r, i, j], empathy[r, i, j], equity[r, i, j] = t, q, em, eq
                strength_out[r, i, j] = 0.25 * (t + q + em + eq)
        for i in range(n):
            c = champion[r, i]
            c = (c and not leaves[i]) or (not c and uniform(base, 2 * i + 1) < rules.champion_emergence)
            champion[r, i] = c and active[r, i]


@nb.njit(cache=True, error_model="numpy")
def form_and_lose(rules, ties, orgs, inputs, shared_partners, out):
    """New ties between untied, active pairs with chance 1 - exp(-rate), rate = chance
    meeting (champions and engagement) + closure x shared partners + introductions +
    joint work (one draw per unordered pair, slot i*O + j, i < j); then ties below the
    removal floor or with an absent organisation are lost. Reads and updates
    out.strength (the first pass's; `shared_partners` is its square) and reads out.work;
    counts are pairs (ordered entries / 2, as the matrices are symmetric)."""
    R, n = orgs.engagement.shape
    trust, reciprocity, empathy, equity = ties.trust, ties.reciprocity, ties.empathy, ties.equity
    engagement, active, champion = orgs.engagement, orgs.active, orgs.champion
    strength, work = out.strength, out.work
    new = rules.new_tie_strength
    for r in range(R):
        n_formed = 0
        n_lost = 0
        for i in range(n):
            ci = (rules.champion_boost if champion[r, i] else 1.0) * (0.5 + engagement[r, i])
            for j in range(n):
                if i == j:
                    continue
                cj = (rules.champion_boost if champion[r, j] else 1.0) * (0.5 + engagement[r, j])
                pair_active = active[r, i] and active[r, j]
                if strength[r, i, j] > 0 or not pair_active:
                    continue
                rate = (rules.formation * ci * cj + rules.closure * shared_partners[r, i, j]
                        + inputs.introductions[r, i, j] + work[r, i, j])
                slot = i * n + j if i < j else j * n + i
                if uniform(inputs.form_base[r], slot) < 1.0 - math.exp(-rate):
                    trust[r, i, j] = reciprocity[r, i, j] = empathy[r, i, j] = equity[r, i, j] = new
                    n_formed += 1
        for i in range(n):
            for j in range(n):
                s = 0.25 * (trust[r, i, j] + reciprocity[r, i, j] + empathy[r, i, j] + equity[r, i, j])
                if s > 0 and (s < rules.removal or not (active[r, i] and active[r, j])):
                    trust[r, i, j] = reciprocity[r, i, j] = empathy[r, i, j] = equity[r, i, j] = 0.0
                    s = 0.0
                    n_lost += 1
                strength[r, i, j] = s
        out.formed[r] = n_formed // 2
        out.lost[r] = n_lost // 2


@nb.njit(cache=True, error_model="numpy")
def tie_month(rules, ties, orgs, inputs, strength, out):
    """The month: the two passes, with shared-partner strength (linalg.square) taken
    before each; `strength` is the start's. One compiled call, so that the records
    cross from Python once a month, not once per pass."""
    work_and_decay(rules, ties, orgs, inputs, strength, square(strength), out)
    form_and_lose(rules, ties, orgs, inputs, square(out.strength), out)
