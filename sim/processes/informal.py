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
NORM_SETTLE_ROUNDS = 50    # most rounds of adoption alone at the start (it stops sooner)


class Draws(NamedTuple):
    """A month's uniforms as the readable statement takes them: the "families" stream at
    (R, F, 2) (work, eviction) and "norms.abandon" at (R, F)."""
    families: np.ndarray
    abandon: np.ndarray


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
        norm=fa.norm, local_norm=local_norm, housing=fa.housing, deprivation=fa.deprivation,
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
    # after this month's contacts.
    mean_unstressed = neighbour_mean(family_ties, degree, 1.0 - fa.stress)
    mean_trust = neighbour_mean(family_ties, degree, fa.trust)
    fa.local_norm[:] = neighbour_mean(family_ties, degree, fa.norm.astype(float))
    families.families_numpy(rules.families, fa, received, replicates.workless_rate, degree,
                            mean_unstressed, draws.families)
    trust.trust_numpy(rules.trust, fa.trust, mean_trust, replicates.starting_trust)
    norms.norms_numpy(rules.norms, fa.norm, fa.norm_threshold, fa.local_norm,
                      replicates.lowering, draws.abandon)


def step(state: State, rules: KI.InformalRules, streams: Streams, month: int) -> None:
    """Families, trust and norms of this month (ODD 7.5-7.7); keeps each family's share
    of ties holding the norm as state.local_norm for development. `rules` is
    rules(params), built once per run."""
    F = state.families.stress.shape[1]
    local_norm = state.scratch.get("norms.local", state.families.stress.shape)
    families_base, abandon_base = streams.bases(("families", "norms.abandon"), month)
    replicates = KI.ReplicateValues(
        workless_rate=state.place.workless_rate, starting_trust=state.place.starting_trust,
        lowering=norms.lowering(state, rules.norms), families_base=families_base,
        abandon_base=abandon_base)
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


def settle(state: State, params: ModelParams) -> None:
    """The start of a run (ODD 5.7, steps 4-5): norms spread by adoption alone until no
    family adopts, then families settle; state.local_norm from the settled norms."""
    fa, ps = state.families, state.place
    threshold = norms.lowered(fa.norm_threshold, norms.lowering(state, norms.rules(params)))
    for _ in range(NORM_SETTLE_ROUNDS):
        local_norm = neighbour_mean(ps.family_ties, ps.degree, fa.norm.astype(float))
        adopt = norms.adopting(fa.norm, local_norm, threshold)
        if not adopt.any():
            break
        fa.norm |= adopt
    settle_families(state, params)
    state.local_norm = neighbour_mean(ps.family_ties, ps.degree, fa.norm.astype(float))
