"""Organisation partnership ties: they form, strengthen with joint work, and decay.

A tie has four elements (seed 003's "four key elements of a good relationship"):
trust, reciprocity, empathy and equity; its strength is their mean.
- Form: two untied, active organisations meet by chance (more often with champions and
  engaged staff), through a shared partner (triadic closure: each tie makes the next
  easier, seed 003's "digging channels"), or by an introduction from an intervention.
- Strengthen: joint work (shared referrals, engagement, convening and pilots from
  interventions) raises trust and reciprocity, convening raises empathy, and equity
  moves toward the share of decision power held beyond the professionals.
- Network work (increasing returns): organisations with strong ties do joint work on
  their own, in proportion to their strong-tie capital and each tie's reciprocity,
  multiplied by shared infrastructure (hardwiring, data maturity): a network strong
  enough keeps itself strong, a weaker one decays back (seed 003 L210-214).
- Decay: without joint work, and under competition for funding (waived on the neutral
  core team's ties); hardwiring slows both. Below a floor a tie is lost.
- Turnover: a champion who leaves takes the personal part of the organisation's ties
  with them unless hardwired (seed 003 L219-221).

The rules are stated in `tie_month_numpy` (plain NumPy, the registry's names); `step`
runs the same rules compiled (`tie_month`: sim.kernels.ties); tests/test_rules_ties.py
checks that the two agree exactly. Equations: docs/ODD.md, "Organisation ties".
"""
from __future__ import annotations

import numpy as np

from sim.kernels import linalg
from sim.kernels import ties as KT
from sim.kernels.engagement import EngagementRules
from sim.kernels.ties import TieElements, TieInputs, TieOrgs, TieResults, TieRules
from sim.params import Ties
from sim.processes import engagement
from sim.rng import Streams, uniform_from_base
from sim.registry import record
from sim.state import State


SETTLE_MONTHS = 120  # months of ties and engagement run before month 0 (negative months)


def referral_share(state: State) -> np.ndarray:
    """(R, O): each service's intake by referral this month as a share of its kind's
    capacity (0 for organisations that are not services)."""
    lay = state.place.layout
    is_service, kind_pos = lay.is_service, lay.kind_pos
    share = state.flows.intake_by_referral / np.maximum(state.kind_capacity, 1.0)   # (R, K)
    return np.where(is_service[None, :], share[:, kind_pos], 0.0)


def tie_rules(ties: Ties) -> TieRules:
    """params.ties as the kernels take it (built once per run: PlaceModel.rules)."""
    return record(TieRules, ties)

def tie_month(rules: TieRules, ties: TieElements, orgs: TieOrgs, inputs: TieInputs,
              strength: np.ndarray) -> TieResults:
    """The month compiled (KT.tie_month): the two passes of sim.kernels.ties, with
    shared-partner strength (a matrix product) taken before each. `strength` is the
    start's; ties and orgs.champion are updated in place."""
    R = strength.shape[0]
    out = TieResults(work=np.empty_like(strength), strength=np.empty_like(strength),
                     champions_lost=np.zeros(R, dtype=np.int64),
                     formed=np.zeros(R, dtype=np.int64), lost=np.zeros(R, dtype=np.int64))
    KT.tie_month(rules, ties, orgs, inputs, strength, out)
    return out


def tie_month_numpy(rules: TieRules, ties: TieElements, orgs: TieOrgs, inputs: TieInputs,
                    strength: np.ndarray) -> tuple[TieElements, np.ndarray, TieResults]:
    """The month's rules in plain NumPy: what `tie_month` computes, returned as new
    elements, new champions and the results (the inputs are not changed). Arrays are
    (R, O, O) for pairs [r, o, o'] and (R, O) for organisations (`pair` puts o's and
    o''s value on each pair). Shared-partner strength S S is linalg.square: a matrix
    product summed in a fixed order, so the bits do not depend on the machine's BLAS."""
    n = orgs.engagement.shape[1]
    S = strength
    tied = S > 0

    # Joint work: each organisation's attention shared over its ties by strength, shared
    # referrals on tied pairs, school-cluster work and interventions' joint work.
    e = orgs.engagement * orgs.active
    total = S.sum(axis=2)
    attention = e[:, :, None] * S / np.maximum(total, 1e-9)[:, :, None]
    work = rules.ordinary_work * (attention + attention.transpose(0, 2, 1))
    ref_o, ref_p = pair(inputs.referral_share)
    # Network work (increasing returns): an organisation does joint work on its own in
    # proportion to its strong-tie capital min(1, sum of squared strengths / 3), shared
    # over its ties by strength (as attention is); a tie takes it up in proportion to its
    # reciprocity, and shared infrastructure (hardwiring, data maturity) multiplies it.
    strong_o, strong_p = pair(np.minimum((S * S).sum(axis=2) / 3.0, 1.0) / np.maximum(total, 1e-9))
    hw_o, hw_p = pair(orgs.hardwired)
    hw = 0.5 * (hw_o + hw_p)
    infrastructure = 1.0 + rules.shared_infrastructure * (hw + inputs.data_maturity[:, None, None])
    network = rules.network_work * ties.reciprocity * S * (strong_o + strong_p) * infrastructure
    work = np.where(tied, work + rules.shared_case_work * (ref_o + ref_p) + network, work)
    work = work + inputs.cluster_work + inputs.joint_extra

    # Strengthening (tied pairs only).
    gain = rules.joint_work_gain * np.minimum(work, 2.0)
    equity_target = (0.5 + 0.5 * inputs.voice)[:, None, None]
    trust = np.where(tied, ties.trust + gain * (1 - ties.trust), ties.trust)
    reciprocity = np.where(tied, ties.reciprocity + gain * (1 - ties.reciprocity), ties.reciprocity)
    empathy = np.where(tied, ties.empathy + rules.joint_work_gain * np.minimum(inputs.joint_extra, 2.0)
                       * (1 - ties.empathy), ties.empathy)
    equity = np.where(tied, ties.equity + gain * (equity_target - ties.equity), ties.equity)

    # Decay without joint work and under competition (not on the core team's ties),
    # slowed by shared partners and by hardwiring.
    idle = np.minimum(np.maximum(1.0 - work, 0.0), 1.0)
    embedded = 1.0 + rules.embeddedness * linalg.square(S)
    rivals = np.where(orgs.neutral[:, None] | orgs.neutral[None, :], 0.0, 1.0)
    keep = 1.0 - (rules.decay * idle / embedded + rules.competition * rivals) * (1 - hw)
    trust, reciprocity, empathy, equity = trust * keep, reciprocity * keep, empathy * keep, equity * keep

    # Turnover: a leaving champion takes the personal share of trust and empathy.
    draw = uniform_from_base(inputs.turnover_base, (n, 2))     # slots (o, 0) and (o, 1)
    leave_draw, emerge_draw = draw[..., 0], draw[..., 1]
    leaves = orgs.champion & (leave_draw < inputs.monthly_turnover[:, None]) & ~orgs.neutral
    leaves_o, leaves_p = pair(leaves)
    kept = 1 - rules.personal_share * (1 - hw)
    trust = np.where(leaves_o | leaves_p, trust * kept, trust)
    empathy = np.where(leaves_o | leaves_p, empathy * kept, empathy)
    emerges = ~orgs.champion & (emerge_draw < rules.champion_emergence)
    champion = ((orgs.champion & ~leaves) | emerges) & orgs.active
    S = 0.25 * (trust + reciprocity + empathy + equity)

    # Formation between untied, active, distinct pairs: one draw per unordered pair.
    c = np.where(champion, rules.champion_boost, 1.0) * (0.5 + orgs.engagement)
    c_o, c_p = pair(c)
    rate = (rules.formation * c_o * c_p + rules.closure * linalg.square(S)
            + inputs.introductions + work)
    draw = uniform_from_base(inputs.form_base, (n, n))
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    draw = np.where(upper, draw, draw.transpose(0, 2, 1))    # pair (o, o') at slot min x O + max
    act_o, act_p = pair(orgs.active)
    # 1 - exp(-rate): NumPy's exp and the kernel's (libm) may differ in the last bit, which
    # flips a formation only if a draw falls in that bit (chance ~1e-16 per pair).
    form = ~(S > 0) & act_o & act_p & ~np.eye(n, dtype=bool) & (draw < 1.0 - np.exp(-rate))
    new = rules.new_tie_strength
    trust, reciprocity = np.where(form, new, trust), np.where(form, new, reciprocity)
    empathy, equity = np.where(form, new, empathy), np.where(form, new, equity)

    # Loss: below the removal floor, or an organisation gone.
    S = 0.25 * (trust + reciprocity + empathy + equity)
    lose = (S > 0) & ((S < rules.removal) | ~(act_o & act_p))
    trust, reciprocity, empathy, equity = (np.where(lose, 0.0, x) for x in (trust, reciprocity, empathy, equity))
    S = np.where(lose, 0.0, S)

    results = TieResults(work=work, strength=S, champions_lost=leaves.sum(axis=1),
                         formed=form.sum(axis=(1, 2)) // 2, lost=lose.sum(axis=(1, 2)) // 2)
    return TieElements(trust, reciprocity, empathy, equity), champion, results


def pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An organisation value (R, O) on each pair [r, o, o']: o's and o''s."""
    return x[:, :, None], x[:, None, :]


def step(state: State, rules: TieRules, streams: Streams, month: int) -> None:
    """A month of tie dynamics (`tie_month`; the rules: `tie_month_numpy`); `rules` is
    tie_rules(params.ties), built once per run. This month's chance that a champion leaves
    is the yearly turnover times the interventions' multiplier, over 12."""
    og = state.orgs
    strength = state.refresh_strength()
    inputs = TieInputs(referral_share=referral_share(state), cluster_work=state.cluster_work,
                       joint_extra=state.joint_extra, introductions=state.introductions,
                       voice=state.voice, data_maturity=state.data_maturity,
                       turnover_base=streams.base("ties.turnover", month),
                       form_base=streams.base("ties.form", month),
                       monthly_turnover=rules.turnover * state.mods.turnover_mult / 12.0)
    out = tie_month(rules,
                    TieElements(og.trust, og.reciprocity, og.empathy, og.equity),
                    TieOrgs(engagement=og.engagement, active=og.active, hardwired=og.hardwired,
                            neutral=og.neutral, champion=og.champion),
                    inputs, strength)
    state.flows.champions_lost = out.champions_lost
    state.flows.ties_formed = out.formed
    state.flows.ties_lost = out.lost
    state.strength = out.strength          # after formation and loss


def settle(state: State, rules: TieRules, engagement_rules: EngagementRules, streams: Streams) -> None:
    """Start the partnership network where its own rules keep it: ties and engagement run
    for SETTLE_MONTHS months with no intervention (stream months -1, -2, ...), so that a
    run without one is stationary from month 0 instead of drifting from the drawn
    starting ties. The ties that result are the ones that pre-date the run (`legacy`).
    Which state they settle in (a thin network, or a self-sustaining dense one) is an
    output of the parameters and the starting ties (docs/ODD.md 5.7, 7.9)."""
    for burn in range(1, SETTLE_MONTHS + 1):
        step(state, rules, streams, -burn)
        engagement.step(state, engagement_rules)
    og = state.orgs
    og.legacy = state.strength.copy()
    og.legacy_total = og.legacy.sum(axis=2)
