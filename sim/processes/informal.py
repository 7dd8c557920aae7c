"""Families, trust and norms (processes 5-7 of the month) in one walk over the informal ties.

Each rule is stated in its own module (sim/processes/families.py, trust.py, norms.py);
`informal_month_numpy` below puts them in the month's order, in plain NumPy, and `step`
runs the same month compiled (sim.kernels.informal explains why one pass is exact).
tests/test_rules_informal.py checks that the two agree. `settle` is the start of a run.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from sim.kernels import informal as KI
from sim.params import ModelParams
from sim.processes import families, norms, trust
from sim.rng import Streams
from sim.state import State

FAMILY_SETTLE_ROUNDS = 6   # rounds of stress at its target, each from the neighbours' last
NORM_SETTLE_MONTHS = 120   # months of the norms' own rule, with turnover, before the start


class Draws(NamedTuple):
    """A month's uniforms as the readable statement takes them: the "families" stream at
    (R, F, 2) (work, eviction) and "norms.change" at (R, F)."""
    families: np.ndarray
    norms: np.ndarray


def rules(params: ModelParams) -> KI.InformalRules:
    """The three processes' records, as the kernel takes them."""
    return KI.InformalRules(families=families.rules(params), trust=trust.rules(params),
                            norms=norms.rules(params))


def family_arrays(state: State, local_norm: np.ndarray) -> KI.FamilyArrays:
    """The state's family arrays the pass reads and writes; the share of ties holding the
    norm goes to `local_norm`."""
    fa = state.families
    return KI.FamilyArrays(
        workless=fa.workless, debt=fa.debt, stress=fa.stress, home_learning=fa.home_learning,
        informal_support=fa.informal_support, evict_pending=fa.evict_pending, trust=fa.trust,
        norm=fa.norm, local_norm=local_norm, committed=state.committed, housing=fa.housing,
        deprivation=fa.deprivation,
        poor_health=fa.poor_health, no_qualifications=fa.no_qualifications,
        norm_threshold=fa.norm_threshold)


def received(state: State) -> KI.Received:
    """What services left for this month."""
    return KI.Received(family_support=state.family_support,
                       family_supported_now=state.family_supported_now,
                       family_contact=state.family_contact)


def informal_ties(state: State) -> KI.InformalTies:
    """The place's informal ties as the kernels walk them."""
    t = state.place.family_ties
    return KI.InformalTies(indptr=t.indptr, indices=t.indices, degree=state.place.degree)


def neighbour_mean(family_ties: sp.csr_matrix, degree: np.ndarray,
                   values: np.ndarray) -> np.ndarray:
    """Mean of a family quantity (R, F) over each family's informal ties; a family with
    no ties is its own reference (nothing pulls it either way)."""
    total = (family_ties @ values.ravel()).reshape(values.shape)
    return np.where(degree > 0, total / np.maximum(degree, 1), values)


def informal_month_numpy(rules: KI.InformalRules, fa: KI.FamilyArrays, received: KI.Received,
                         replicates: KI.ReplicateValues, family_ties: sp.csr_matrix,
                         degree: np.ndarray, draws: Draws) -> None:
    """The month of KI.informal_month in plain NumPy, in place (the stream bases in
    `replicates` are not read: `draws` holds the numbers drawn from them)."""
    trust.contact_numpy(rules.trust, fa.trust, received.family_contact)
    # Every mean is taken before any family changes: last month's stress and norms, trust
    # after this month's contacts; norms read each family's own stress of last month.
    last_stress = fa.stress.copy()
    mean_unstressed = neighbour_mean(family_ties, degree, 1.0 - fa.stress)
    mean_trust = neighbour_mean(family_ties, degree, fa.trust)
    fa.local_norm[:] = neighbour_mean(family_ties, degree,
                                      norms.holders(fa.norm, fa.committed).astype(float))
    families.families_numpy(rules.families, fa, received, replicates.workless_rate, degree,
                            mean_unstressed, draws.families)
    trust.trust_numpy(rules.trust, fa.trust, mean_trust, replicates.starting_trust)
    norms.norms_numpy(rules.norms, fa.norm, fa.committed, fa.norm_threshold, last_stress,
                      fa.local_norm, replicates.lowering, draws.norms)


def step(state: State, rules: KI.InformalRules, streams: Streams, month: int) -> None:
    """Families, trust and norms of this month (ODD 7.5-7.7); keeps each family's share
    of ties holding the norm as state.local_norm for development. `rules` is
    rules(params), built once per run."""
    F = state.families.stress.shape[1]
    local_norm = state.scratch.get("norms.local", state.families.stress.shape)
    families_base, norms_base = streams.bases(("families", "norms.change"), month)
    replicates = KI.ReplicateValues(
        workless_rate=state.place.workless_rate, starting_trust=state.place.starting_trust,
        lowering=norms.lowering(state, rules.norms), families_base=families_base,
        norms_base=norms_base)
    KI.informal_month(rules, family_arrays(state, local_norm), received(state),
                      replicates, informal_ties(state), state.scratch.get("informal.shown", (F, 3)))
    state.local_norm = local_norm


def settle_families(state: State, params: ModelParams,
                    rounds: int = FAMILY_SETTLE_ROUNDS) -> None:
    """Stress and home learning at their targets, each round from the neighbours' stress
    of the round before (start of a run; no draws, no time passing)."""
    shown = state.scratch.get("informal.shown", (state.families.stress.shape[1], 3))
    fa, rule = family_arrays(state, state.local_norm), families.rules(params)
    for _ in range(rounds):
        KI.settle_families(rule, fa, received(state), informal_ties(state), shown)


def settle_norms_numpy(rules: KI.NormRules, norm: np.ndarray, committed: np.ndarray,
                       norm_threshold: np.ndarray, stress: np.ndarray,
                       family_ties: sp.csr_matrix, degree: np.ndarray,
                       settle: KI.NormSettle, streams: Streams) -> None:
    """KI.settle_norms in plain NumPy, in place: for each settling month, turnover (a home's
    family replaced with `move_chance` by a newcomer holding the norm with `initial_share`;
    the home keeps its threshold, which leaves the distribution of (threshold, norm) over
    homes as fresh draws would), then a month of norms_numpy (the stream bases in
    `settle` are not read: the draws come from `streams` at months -1, -2, ...)."""
    F = norm.shape[1]
    for k in range(settle.norms_bases.shape[0]):
        month = -1 - k
        u = streams.uniform("norms.settle.turnover", month, (F, 2))
        norm[:] = np.where(u[..., 0] < settle.move_chance, u[..., 1] < settle.initial_share, norm)
        local_norm = neighbour_mean(family_ties, degree, norms.holders(norm, committed).astype(float))
        norms.norms_numpy(rules, norm, committed, norm_threshold, stress, local_norm,
                          settle.lowering, streams.uniform("norms.change", month, (F,)))


def norm_settle(state: State, params: ModelParams, streams: Streams, move_chance: float,
                months: int = NORM_SETTLE_MONTHS) -> KI.NormSettle:
    """What settling the norms reads: turnover as in the run (ordinary moves; evictions
    aside), thresholds lowered by the burn-in's saturation, the streams' bases for
    months -1 .. -months."""
    rule = norms.rules(params)
    bases = [streams.bases(("norms.change", "norms.settle.turnover"), -1 - k)
             for k in range(months)]
    stacked = np.stack(bases) if bases else np.zeros((0, 2, state.n_replicates), dtype=np.uint64)
    return KI.NormSettle(move_chance=float(move_chance),
                         initial_share=float(params.norms.initial_share),
                         lowering=norms.lowering(state, rule),
                         norms_bases=np.ascontiguousarray(stacked[:, 0]),
                         turnover_bases=np.ascontiguousarray(stacked[:, 1]))


def settle(state: State, params: ModelParams, streams: Streams, move_chance: float) -> None:
    """The start of a run (ODD 5.7, steps 4-6): families settle (stress, which norms read);
    norms run their own rule, with turnover, for NORM_SETTLE_MONTHS, so that month 1
    starts where the place's own dynamics hold it rather than at the draw's initial
    share (KI.settle_norms); families settle again (home learning reads the norm);
    state.local_norm from the settled norms. Nobody is committed yet."""
    fa, ps = state.families, state.place
    settle_families(state, params)
    KI.settle_norms(norms.rules(params), fa.norm, state.committed, fa.norm_threshold, fa.stress,
                    informal_ties(state), norm_settle(state, params, streams, move_chance),
                    np.empty(fa.norm.shape[1]))
    settle_families(state, params)
    state.local_norm = neighbour_mean(ps.family_ties, ps.degree,
                                      norms.holders(fa.norm, state.committed).astype(float))
