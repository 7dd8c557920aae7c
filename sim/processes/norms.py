"""Community norms (taking part in early learning, aspiration): complex contagion against
a restoring force.

A family sees a mix of the share of its informal ties holding the norm and the whole
place's share (Granovetter 1978; Centola & Macy 2007; Bicchieri 2006). Once that view
reaches its own threshold, peers pull it in: it adopts with a monthly chance; it may
also take the norm up on its own (Bass 1969's external influence). Against that pull,
holding the norm has a cost: a holder lapses with a small monthly chance whatever its
ties hold, and gives it up faster once its view has fallen a margin below its
threshold; stress raises the threshold; newcomers arrive holding it only at the
intake's rate (sim.processes.demography). Saturation of the area with good services and
residents' voice lower every threshold (the HCZ 'tipping point', seed 004).

Whether a place has one stable level of adoption or two (a low one and a high one,
between which a push must carry it) follows from these numbers: two when the peer pull
can hold a high state against the lapses while the spontaneous take-up alone stays
below most thresholds; one otherwise (docs/ODD.md 7.7 gives the regimes). A committed
family (State.committed, set by sim/interventions/committed_minority.py) holds the norm
whatever its ties and counts as a holder for them.

The rule in plain NumPy is `norms_numpy`; the model runs it compiled, with families and
trust in one walk over the informal ties (sim.processes.informal, sim.kernels.informal).
"""
from __future__ import annotations

import numpy as np

from sim.kernels.informal import NormRules
from sim.params import ModelParams
from sim.registry import record
from sim.state import State


def rules(params: ModelParams) -> NormRules:
    """The norms' parameters as the kernel takes them."""
    return record(NormRules, params.norms, params.system)


def lowering(state: State, rules: NormRules) -> np.ndarray:
    """(R,) how far this month's saturation with good services and residents' voice lower
    every adoption threshold."""
    return rules.saturation_lowering * state.saturation + rules.voice_norm_lowering * state.voice


def thresholds(rules: NormRules, norm_threshold: np.ndarray, lowering: np.ndarray,
               stress: np.ndarray) -> np.ndarray:
    """Each family's threshold (R, F) this month: lowered per replicate (R,), raised by its
    own stress of last month."""
    return norm_threshold - lowering[:, None] + rules.stress_cost * stress


def holders(norm: np.ndarray, committed: np.ndarray) -> np.ndarray:
    """Families that count as holding the norm for their ties and the place."""
    return norm | committed


def place_share(holding: np.ndarray) -> np.ndarray:
    """(R, 1) the share of the place's families holding the norm (a count over F, as the
    kernel counts it)."""
    return holding.sum(axis=1, keepdims=True) / holding.shape[1]


def view(rules: NormRules, local_norm: np.ndarray, share: np.ndarray) -> np.ndarray:
    """What each family sees of the norm: its ties' share mixed with the place's."""
    return (1.0 - rules.place_weight) * local_norm + rules.place_weight * share


def norms_numpy(rules: NormRules, norm: np.ndarray, committed: np.ndarray,
                norm_threshold: np.ndarray, stress: np.ndarray, local_norm: np.ndarray,
                lowering: np.ndarray, draws: np.ndarray) -> None:
    """A month of the norms, in place (ODD 7.7). `local_norm` is the share of each family's
    ties holding the norm last month (committed families counted), `stress` each
    family's stress last month, `lowering` (R,), `draws` the "norms.change" stream's
    uniforms (R, F): one per family, read as a chance to adopt or to give up."""
    holding = holders(norm, committed)
    threshold = thresholds(rules, norm_threshold, lowering, stress)
    seen = view(rules, local_norm, place_share(holding))
    take_up = rules.spontaneous + np.where(seen >= threshold, rules.adoption_rate, 0.0)
    give_up = rules.lapse + np.where(seen < threshold - rules.hysteresis, rules.abandon, 0.0)
    norm[:] = committed | np.where(holding, ~(draws < give_up), draws < take_up)
