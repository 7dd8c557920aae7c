"""Trust in services: good contacts raise it, it spreads along informal ties, and it
drifts back toward the place's starting level (its history of initiatives that came and
went, seed 003 L2022). Being listened to (local voice) adds to a contact's value.

The rule in plain NumPy is `contact_numpy` then `trust_numpy`; the model runs it
compiled, with families and norms in one walk over the informal ties
(sim.processes.informal, sim.kernels.informal). Equations: docs/ODD.md, "Trust".
"""
from __future__ import annotations

import numpy as np

from sim.kernels.informal import TrustRules
from sim.params import ModelParams
from sim.registry import record


def rules(params: ModelParams) -> TrustRules:
    """The trust parameters as the kernel takes them."""
    return record(TrustRules, params.trust)

def contact_numpy(rules: TrustRules, trust: np.ndarray, family_contact: np.ndarray) -> None:
    """Trust moves toward the value of this month's contact, where there is one (in place)."""
    moved = trust + rules.contact_gain * (family_contact - trust)
    trust[:] = np.where(family_contact > 0, moved, trust)


def trust_numpy(rules: TrustRules, trust: np.ndarray, mean_trust: np.ndarray,
                starting_trust: np.ndarray) -> None:
    """After everyone's contact: toward the ties' mean `mean_trust`, then back toward the
    place's starting level (R,), kept in 0-1 (in place)."""
    moved = trust + rules.spread * (mean_trust - trust)
    moved = moved + rules.relapse * (starting_trust[:, None] - moved)
    trust[:] = np.clip(moved, 0.0, 1.0)
