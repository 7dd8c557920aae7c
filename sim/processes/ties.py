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

from sim.kernels import linalg
from sim.kernels import ties as KT
from sim.params import ModelParams
from sim.rng import Streams
from sim.state import State


def referral_share(state: State) -> np.ndarray:
    """(R, O): each service's intake by referral this month as a share of its kind's
    capacity (0 for organisations that are not services)."""
    lay = state.place.layout
    is_service, kind_pos = lay.is_service, lay.kind_pos
    share = state.flows.intake_by_referral / np.maximum(state.kind_capacity, 1.0)   # (R, K)
    return np.where(is_service[None, :], share[:, kind_pos], 0.0)


def step(state: State, params: ModelParams, streams: Streams, month: int) -> None:
    """A month of tie dynamics in two compiled passes (sim.kernels.ties); the equations
    are in this module's docstring and docs/ODD.md. Joint work on a pair is
    ordinary_work x (each side's engagement shared over its ties in proportion to
    strength) + shared_case_work x (both sides' referral shares, on tied pairs) +
    standing cluster work + interventions' joint work."""
    og = state.orgs
    tp = params.ties
    R, n = og.capacity.shape
    strength = state.refresh_strength()
    work = np.empty_like(strength)
    after_turnover = np.empty_like(strength)
    champions_lost = np.zeros(R, dtype=np.int64)
    KT.work_and_decay(og.trust, og.reciprocity, og.empathy, og.equity, strength,
                      strength.sum(axis=2), linalg.square(strength), og.engagement,
                      og.active, og.hardwired, og.neutral, og.champion, referral_share(state),
                      state.cluster_work, state.joint_extra, state.voice, tp.ordinary_work,
                      tp.shared_case_work, tp.joint_work_gain, tp.decay, tp.embeddedness,
                      tp.competition, tp.turnover * state.mods.turnover_mult / 12.0,
                      tp.personal_share, tp.champion_emergence,
                      streams.base("ties.turnover", month), work, after_turnover, champions_lost)
    state.flows.champions_lost = champions_lost
    formed = np.zeros(R, dtype=np.int64)
    lost = np.zeros(R, dtype=np.int64)
    KT.form_and_lose(og.trust, og.reciprocity, og.empathy, og.equity, after_turnover,
                     linalg.square(after_turnover), work, og.engagement, og.active,
                     og.champion, state.introductions, tp.formation, tp.champion_boost,
                     tp.closure, tp.new_tie_strength, tp.removal,
                     streams.base("ties.form", month), formed, lost)
    state.flows.ties_formed = formed
    state.flows.ties_lost = lost
    state.strength = after_turnover          # after formation and loss (form_and_lose)
