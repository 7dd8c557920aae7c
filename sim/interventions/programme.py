"""A programme with its own caseload: it finds families by its own route, keeps them for
an episode, and supports their children in its age band (docs/ODD.md 8.7).

Pilots (seed 003) and the HCZ pipeline's programmes (seed 004 L955-1035) are programmes.
Unlike a service's capacity uplift, a programme reaches families a host service did not:
each month it finds eligible families that are not on its caseload (its outreach or its
partners' referrals, `outreach`), those willing join (`take_up`, higher with the family's
trust in services) while it has free places, and each family on the caseload gets, for
its children in the age band, the monthly input at which a completed episode adds
`learning`, `health` and `wellbeing` SD, as a service's support does (sim/processes/
services.py merges it). A programme that manages barriers to learning (`manages`) cares
for its families' chronic conditions or supports them in a crisis (sim/processes/
development.py, barrier_care). Who was reached by what is kept per child
(Children.reached_by, one bit per programme). It never writes an outcome.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import orgs as O
from sim.interventions.base import Intervention, InterventionError
from sim.registry import nonneg, param, prob

# Which families a programme serves (besides having a child of its ages): all; those in
# need or in the neediest tenth; those the zone's programmes reach (State.zone_access);
# those with a child of its ages with a chronic condition; those in a crisis (stress
# above Development.crisis_stress).
ELIGIBILITY = ("all", "in_need", "neediest", "zone", "chronic", "crisis")
MANAGES = ("none", "health", "crisis", "both")
MAX_PROGRAMMES = 31      # bits of Children.reached_by


def first_in_random_order(candidates: np.ndarray, u: np.ndarray, places: np.ndarray) -> np.ndarray:
    """(R, N) the candidates that get one of each replicate's `places` (R,), taken in the
    random order `u` (R, N): a lottery for places when more want them than there are."""
    key = np.where(candidates, u, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(candidates.shape[1])[None, :], axis=1)
    return candidates & (rank < places[:, None])


@dataclass
class Programme(Intervention):
    """A programme's reach, caseload and effect; its defaults are a generic parenting
    programme (every field is set per programme by the scenario presets)."""

    min_age_months: float = param(0.0, "months", 0.0, 228.0, "scenario choice", "youngest child the programme serves", hard=(0.0, 228.0))
    max_age_months: float = param(60.0, "months", 0.0, 228.0, "scenario choice", "age (exclusive) above which it no longer serves a child", hard=(0.0, 228.0))
    eligibility: str = "all"   # one of ELIGIBILITY
    capacity: float = nonneg(30.0, "families at once per 1,000 homes", 1.0, 200.0, "scenario choice (see each preset)", "families on the caseload at once, per 1,000 homes of the place, at intensity 1")
    outreach: float = prob(0.05, 0.01, 0.2, "assumption", "monthly chance that an eligible family not on the caseload is found by the programme's own route (outreach, partners' referrals)", unit="per family per month")
    take_up: float = prob(0.6, 0.3, 0.9, "assumption (seed 003 L1404-1425: families took up the offer when a trusted adviser made it)", "chance that a found family joins, at trust 0.5 (scaled by 0.5 + trust)", unit="probability")
    episode_months: float = param(12.0, "months", 3.0, 36.0, "assumption", "how long a family stays on the caseload", hard=(1.0, 120.0))
    learning: float = nonneg(0.1, "SD per completed episode", 0.0, 0.4, "see each preset", "learning a completed episode adds to a child in the age band")
    health: float = nonneg(0.0, "SD per completed episode", 0.0, 0.4, "see each preset", "health a completed episode adds")
    wellbeing: float = nonneg(0.0, "SD per completed episode", 0.0, 0.4, "see each preset", "wellbeing a completed episode adds")
    manages: str = "none"      # none | health | crisis | both: barriers to learning it manages for its families

    _bit: int = -1

    def __post_init__(self) -> None:
        super().__post_init__()
        who = f"scenario.interventions.{self.name or 'programme'}"
        if self.eligibility not in ELIGIBILITY:
            raise InterventionError(f"{who}.eligibility={self.eligibility}: choose from {', '.join(ELIGIBILITY)}")
        if self.manages not in MANAGES:
            raise InterventionError(f"{who}.manages={self.manages}: choose from {', '.join(MANAGES)}")
        if self.max_age_months <= self.min_age_months:
            raise InterventionError(f"{who}.max_age_months={self.max_age_months}: must be above "
                                    f"min_age_months={self.min_age_months}")

    def initialize(self, model) -> None:
        st = model.state
        if st.n_programmes >= MAX_PROGRAMMES:
            raise InterventionError(f"scenario.interventions.{self.name}: at most {MAX_PROGRAMMES} programmes in a scenario")
        self._bit = st.n_programmes
        st.n_programmes += 1
        R, F = st.families.deprivation.shape
        self.months_left = np.zeros((R, F), dtype=np.int32)
        # The age bands (sim.orgs.AGE_BANDS) its support reaches, and the monthly input
        # at which a completed episode adds the effect (as services.service_rules).
        self.bands = [b for b, (lo, hi) in enumerate(O.AGE_BANDS)
                      if lo < self.max_age_months and hi > self.min_age_months]
        persistence = model.params.development.persistence
        episode = int(round(self.episode_months))
        self.monthly_input = (np.array([self.learning, self.health, self.wellbeing])
                              / (1.0 - persistence ** episode))

    @property
    def bit(self) -> int:
        """Its bit in Children.reached_by."""
        return self._bit

    def in_band(self, model) -> np.ndarray:
        """(R, C) living children the programme serves by age."""
        ch = model.state.children
        return ch.alive & (ch.age >= self.min_age_months) & (ch.age < self.max_age_months)

    def eligible(self, model, serves: np.ndarray) -> np.ndarray:
        """(R, F) families with a child the programme serves, of its eligibility."""
        st = model.state
        R, F = st.families.deprivation.shape
        if self.eligibility == "chronic":
            serves = serves & (st.children.ability[..., 1] < model.rules.development.chronic_cut)
        rows = np.broadcast_to(np.arange(R)[:, None], serves.shape)
        flat = (rows * F + st.children.fam)[serves]
        has_child = np.bincount(flat, minlength=R * F).reshape(R, F) > 0
        if self.eligibility == "in_need":
            return has_child & st.families.in_need
        if self.eligibility == "neediest":
            return has_child & st.families.neediest
        if self.eligibility == "zone":
            return has_child & st.zone_access
        if self.eligibility == "crisis":
            return has_child & (st.families.stress > model.params.development.crisis_stress)
        return has_child

    def places(self, model) -> np.ndarray:
        """(R,) families it can hold at once this month (capacity is per 1,000 homes)."""
        homes = model.state.families.deprivation.shape[1]
        return np.full(model.n_replicates, np.floor(self.capacity * homes / 1000.0 * self.intensity))

    def enrol(self, model, month: int, eligible: np.ndarray) -> None:
        """Find, take on and (where more join than there are places) choose at random."""
        st = model.state
        F = eligible.shape[1]
        u = model.streams.uniform(f"intervention.{self.name}.intake", month, (F, 3))
        candidates = eligible & (self.months_left == 0)
        found = candidates & (u[..., 0] < self.outreach)
        joins = found & (u[..., 1] < np.minimum(self.take_up * (0.5 + st.families.trust), 1.0))
        free = np.maximum(self.places(model) - (self.months_left > 0).sum(axis=1), 0)
        taken = first_in_random_order(joins, u[..., 2], free)
        self.months_left[taken] = int(round(self.episode_months))

    def deliver(self, model, serves: np.ndarray) -> None:
        """This month's support to the caseload's families and their children."""
        st = model.state
        on = self.months_left > 0
        if not on.any():
            return
        st.programme_supported |= on
        for b in self.bands:
            st.programme_child_support[:, :, b, :] += on[..., None] * self.monthly_input
        if self.manages in ("health", "both"):
            st.programme_health_care |= on
        if self.manages in ("crisis", "both"):
            st.programme_crisis_support |= on
        rows = np.arange(on.shape[0])[:, None]
        reached = serves & on[rows, st.children.fam]
        st.children.reached_by[reached] |= np.int32(1 << self.bit)
        st.programmes_active = True

    def apply(self, model, month: int) -> None:
        np.subtract(self.months_left, 1, out=self.months_left, where=self.months_left > 0)
        serves = self.in_band(model)
        self.enrol(model, month, self.eligible(model, serves))
        self.deliver(model, serves)

    def stop(self, model, month: int) -> None:
        self.months_left[:] = 0
