"""Data maturity, residents' voice and children's own voice; the run's headline counts.

Each moves toward its ceiling in proportion to this month's hours (data work from the
core team, partners and data inputs; community-engagement hours, of which the share a
participation ladder spends with children, `children_share_now`, builds children's
voice instead of residents': seed 002's engagement sessions with children), and drifts
back without them: data maturity needs residents' input too (seed 003 L2123-2125), so voice
multiplies its gain; voice gains faster in a place without prior partnership working
(`voice_openness`: new voices carry more weight in a fresh start, seed 003 L1648-1650).
Ceilings are raised by data-sharing agreements and by the
participation ladder (sim/interventions). The rules are stated here, in `step` (plain
NumPy on (R,) arrays: no kernel); tests/test_rules_system.py checks them against the
equations of docs/ODD.md, "System: data maturity and voice".
At the month's end it also adds to the counts a funder reads (families ever reached,
organisations ever engaged; docs/ODD.md 7.11), which only ever grow.
"""
from __future__ import annotations

import numpy as np

from sim.kernels.development import S_FIRST_SUPPORTED
from sim.params import ModelParams
from sim.state import State


def step(state: State, params: ModelParams) -> None:
    """Data maturity, then residents' and children's voice, each toward its ceiling by
    this month's hours and back by its decay, in place (data maturity's gain uses last
    month's voice); then the headline counts."""
    sp = params.system
    dm = state.data_maturity
    gain = sp.data_gain * state.data_work / 100.0 * (0.5 + 0.5 * state.voice)
    dm += np.minimum(gain, 1.0) * np.maximum(state.data_ceiling - dm, 0.0)
    dm -= sp.data_decay * (dm - sp.data_baseline)
    np.minimum(np.maximum(dm, 0.0, out=dm), 1.0, out=dm)      # np.clip, without its wrapper
    # A fresh start gives new voices more weight (seed 003 L1648-1650).
    voice_gain = sp.voice_gain * (1.0 + sp.voice_openness * (1.0 - state.place.partnership))
    children_hours = state.community_hours * state.children_share_now
    residents_hours = state.community_hours - children_hours * (1.0 - sp.children_hours_to_residents)
    for v, hours in ((state.voice, residents_hours),
                     (state.children_voice, children_hours)):
        v += np.minimum(voice_gain * hours / 100.0, 1.0) * np.maximum(state.voice_ceiling - v, 0.0)
        v -= sp.voice_decay * v
        np.minimum(np.maximum(v, 0.0, out=v), 1.0, out=v)
    count_reach(state)


def count_reach(state: State) -> None:
    """The headline counts, in place: families supported for the first time this month
    (services.step) join those ever reached; children living in a family supported now,
    for the first time (a slot's new child, born or arrived, starts unreached), join the
    children ever reached; organisations (not the neutral core team) engaged above one
    half now join those ever engaged."""
    state.families_reached += state.flows.first_supported
    # Children supported this month for the first time since they arrived: counted by
    # development.step (their support_months went from 0 to 1).
    state.children_reached += state.child_summary[:, S_FIRST_SUPPORTED].astype(np.int64)
    og = state.orgs
    state.orgs_ever_engaged |= (og.engagement > 0.5) & og.active & ~og.neutral[None, :]
