"""Trust in services: good contacts raise it, it spreads along informal ties, and it
drifts back toward the place's starting level (its history of initiatives that came and
went, seed 003 L2022). Being listened to (local voice) adds to a contact's value.
Equations: docs/ODD.md, "Trust".
"""
from __future__ import annotations


from sim.params import ModelParams
from sim.kernels import social as KS
from sim.state import State


def step(state: State, params: ModelParams) -> None:
    """Contact, spread along informal ties, relapse (sim.kernels.social.trust_month)."""
    fa, ps, tp = state.families, state.place, params.trust
    ties = ps.family_ties
    KS.trust_month(fa.trust, state.family_contact,
                   state.place.starting_trust, tp.contact_gain, tp.spread, tp.relapse,
                   ties.indptr, ties.indices, ties.data, ps.degree,
                   state.scratch.get("trust.neighbours", fa.trust.shape))
