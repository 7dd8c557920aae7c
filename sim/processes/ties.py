"""Organisation partnership ties: they form, strengthen with joint work, and decay.

A tie has four elements (seed 003's "four key elements of a good relationship"):
trust, reciprocity, empathy and equity; its strength is their mean.
- Form: two untied, active organisations meet by chance (more often with champions and
  engaged staff), through a shared partner (triadic closure: each tie makes the next
  easier, seed 003's "digging channels"), or by an introduction from an intervention.
- Strengthen: joint work (shared referrals, engagement, convening and pilots from
  interventions) raises trust and reciprocity, convening raises empathy, and equity
  moves toward the share of decision power held beyond the professionals.
- Decay: without joint work, and under competition for funding (waived on the neutral
  core team's ties); hardwiring slows both. Below a floor a tie is lost.
- Turnover: a champion who leaves takes the personal part of the organisation's ties
  with them unless hardwired (seed 003 L219-221).
Equations: docs/ODD.md, "Organisation ties".
"""
from __future__ import annotations

import numpy as np

from sim import orgs as O
from sim.params import ModelParams
from sim.rng import Streams
from sim.state import State


def symmetric(u: np.ndarray) -> np.ndarray:
    """A symmetric matrix of draws from the upper triangle of u (R, O, O)."""
    upper = np.triu(u, 1)
    return upper + np.swapaxes(upper, 1, 2)


def joint_work(state: State, params: ModelParams, strength: np.ndarray) -> np.ndarray:
    """Joint work (R, O, O) on each tie this month, in 'full-time joint project' units."""
    og = state.orgs
    tp = params.ties
    kinds = og.kind
    is_service = np.isin(kinds, O.SERVICE_KINDS)
    kind_pos = np.searchsorted(np.array(O.SERVICE_KINDS), np.where(is_service, kinds, O.SERVICE_KINDS[0]))
    cap = np.maximum(state.kind_capacity, 1.0) if state.kind_capacity is not None else None
    referral_share = np.zeros(og.capacity.shape)
    if cap is not None:
        share = state.flows.intake_by_referral / cap                   # (R, K)
        referral_share = np.where(is_service[None, :], share[:, kind_pos], 0.0)
    tied = strength > 0
    # Each organisation's attention for partnership work (its engagement) is shared
    # across its ties in proportion to their strength: a wide network is kept thinly.
    e = og.engagement * og.active
    attention = e[:, :, None] * strength / np.maximum(strength.sum(axis=2, keepdims=True), 1e-9)
    ordinary = tp.ordinary_work * (attention + np.swapaxes(attention, 1, 2))
    shared_cases = tp.shared_case_work * (referral_share[:, :, None] + referral_share[:, None, :])
    return ordinary + tied * shared_cases + state.cluster_work + state.joint_extra


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    og = state.orgs
    tp = params.ties
    R, n = og.capacity.shape
    strength = state.refresh_strength()
    work = joint_work(state, params, strength)

    active_pair = og.active[:, :, None] & og.active[:, None, :]
    hw = 0.5 * (og.hardwired[:, :, None] + og.hardwired[:, None, :])
    neutral = og.neutral[:, None] | og.neutral[None, :]

    # Strengthen existing ties with joint work (saturating at 1). Joint work between
    # untied organisations makes them meet instead (formation, below).
    tied = strength > 0
    gain = tp.joint_work_gain * np.minimum(work, 2.0) * tied
    og.trust += gain * (1 - og.trust)
    og.reciprocity += gain * (1 - og.reciprocity)
    og.empathy += tp.joint_work_gain * np.minimum(state.joint_extra, 2.0) * tied * (1 - og.empathy)
    equity_target = 0.5 + 0.5 * state.voice[:, None, None]
    og.equity += gain * (equity_target - og.equity)

    # Decay without joint work and under competition; shared partners (embeddedness)
    # and hardwiring slow it.
    idle = np.clip(1.0 - work, 0.0, 1.0)
    two_paths = np.matmul(strength, strength)
    embedded = 1.0 + tp.embeddedness * two_paths
    decay = (tp.decay * idle / embedded + tp.competition * ~neutral[None]) * (1 - hw)
    keep = 1.0 - decay
    for elem in (og.trust, og.reciprocity, og.empathy, og.equity):
        elem *= keep

    # Turnover: champions leave, taking the personal share of trust and empathy.
    u_org = streams.uniform("ties.turnover", month, (n, 2))
    leaves = og.champion & (u_org[..., 0] < tp.turnover * state.mods.turnover_mult[:, None] / 12.0) & ~og.neutral[None, :]
    if leaves.any():
        lost = (leaves[:, :, None] | leaves[:, None, :]) * tp.personal_share * (1 - hw)
        og.trust *= 1 - lost
        og.empathy *= 1 - lost
    og.champion = (og.champion & ~leaves) | (~og.champion & (u_org[..., 1] < tp.champion_emergence))
    og.champion &= og.active
    state.flows.champions_lost = leaves.sum(axis=1)

    # Formation: chance, triadic closure, introductions.
    strength = og.strength()
    tied = strength > 0
    champ = np.where(og.champion, tp.champion_boost, 1.0) * (0.5 + og.engagement)
    chance = tp.formation * champ[:, :, None] * champ[:, None, :]
    two_paths = np.matmul(strength, strength)
    rate = chance + tp.closure * two_paths + state.introductions + work
    p_form = 1.0 - np.exp(-rate)
    u = symmetric(streams.uniform("ties.form", month, (n, n)))
    idx = np.arange(n)
    new = ~tied & active_pair & (u < p_form)
    new[:, idx, idx] = False
    for elem in (og.trust, og.reciprocity, og.empathy, og.equity):
        elem[new] = tp.new_tie_strength
    state.flows.ties_formed = new.sum(axis=(1, 2)) // 2

    # Loss below the floor, and no ties for organisations not (or no longer) present.
    strength = og.strength()
    lost_tie = (strength > 0) & ((strength < tp.removal) | ~active_pair)
    for elem in (og.trust, og.reciprocity, og.empathy, og.equity):
        elem[lost_tie] = 0.0
    state.flows.ties_lost = lost_tie.sum(axis=(1, 2)) // 2
    state.refresh_strength()
