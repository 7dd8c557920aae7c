"""Pilots from seed 003's catalogue: vehicles for collaboration that also help families.

A pilot is a programme (sim/interventions/programme.py): it finds families by its own
route (outreach and its partners' referrals), keeps its own caseload of the catalogue's
size, and records which children it reached, so it reaches families its host service
did not, even when the host has spare places. Its effect on a child is its host kind's
(sim/orgs.py CHILD_EFFECT, in units of Services.child_effect) at the pilot's quality,
for the ages its host serves; it sharpens its host's targeting, needs partners of given
kinds (a place without them cannot host it), and builds ties between its partners
through joint work while it runs. The core team's pilot-support hours let it fill its
whole caseload (`unsupported_share` of it without them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import orgs as O
from sim.interventions.base import Intervention, InterventionError
from sim.interventions.programme import Programme as CaseloadProgramme
from sim.processes.services import quality_factor
from sim.registry import nonneg, param, prob

K = O.Kind


@dataclass(frozen=True)
class Programme:
    host: O.Kind
    partners: tuple
    capacity: float          # families at once, at intensity 1
    quality: float           # SD relative to England
    targeting: float         # added targeting accuracy (0-1)
    data_hours: float = 0.0  # data-work hours a month it is worth (a data input, not a service)
    school_quality: float = 0.0  # SD added to the partner schools' quality
    source: str = ""


# Capacities and qualities are assumptions sized to seed 003's reach figures.
CATALOGUE = {
    "ready_for_school": Programme(K.CHILDRENS_CENTRE, (K.CHILDRENS_CENTRE, K.PRIMARY, K.EARLY_YEARS), 15, 0.6, 0.4,
                                 source="seed 003 L1404-1425: estate-based teacher and parent adviser; first cohort caught up, most where targeted"),
    "playbox": Programme(K.CHILDRENS_CENTRE, (K.CHILDRENS_CENTRE, K.EARLY_YEARS, K.COMMUNITY_GROUP), 15, 0.4, 0.2,
                         source="seed 003 L436-440: 56 children through Ready for School / Playbox"),
    "oral_health": Programme(K.GP_DENTAL, (K.GP_DENTAL, K.HEALTH_VISITING, K.PRIMARY), 30, 0.5, 0.3,
                             source="seed 003 L1272-1301: health needs assessment; practitioner training, brushing in reception"),
    "strengthening_families": Programme(K.FAMILY_SUPPORT, (K.FAMILY_SUPPORT, K.PRIMARY, K.COMMUNITY_GROUP), 12, 0.5, 0.3,
                                        source="seed 003 L773-778: parenting programme"),
    "parent_champions": Programme(K.COMMUNITY_GROUP, (K.COMMUNITY_GROUP, K.SECONDARY, K.FAMILY_SUPPORT), 15, 0.4, 0.3,
                                  source="seed 003 L802: Parent Champions with Coram (exclusions)"),
    "dads_zone": Programme(K.FAMILY_SUPPORT, (K.FAMILY_SUPPORT, K.COMMUNITY_GROUP), 10, 0.3, 0.2,
                           source="seed 003 L1956: Dad's Zone"),
    "debt_support": Programme(K.MONEY_ADVICE, (K.MONEY_ADVICE, K.HOUSING), 15, 0.5, 0.4,
                              source="seed 003 L838-843: 30 families in rent arrears; L440: 57 families with improved debt outcomes"),
    "transition_support": Programme(K.YOUTH_SERVICE, (K.PRIMARY, K.SECONDARY, K.YOUTH_SERVICE), 20, 0.4, 0.3,
                                    source="seed 003 L978-979: transition from primary to secondary"),
    "youth_activities": Programme(K.YOUTH_SERVICE, (K.YOUTH_SERVICE, K.COMMUNITY_GROUP, K.SECONDARY), 40, 0.3, 0.1,
                                  source="seed 003 L829-832: 311 young people, 95% positive"),
    "pupil_perception_survey": Programme(K.SECONDARY, (K.PRIMARY, K.SECONDARY), 0, 0.0, 0.0, data_hours=20.0, school_quality=0.05,
                                         source="seed 003 L257, L915: a data input helping schools 'better support students'"),
}


@dataclass
class PilotCaseload(CaseloadProgramme):
    """A pilot's caseload: a programme (outreach, take-up and episode at the programme
    defaults) whose places are the catalogue's, filled as far as the core team's support
    lets it (`reach`, set by the pilot each month)."""

    places_at_full_reach: float = 0.0
    reach: np.ndarray | float = 1.0

    def places(self, model) -> np.ndarray:
        return np.floor(self.places_at_full_reach * self.intensity * self.reach) * np.ones(model.n_replicates)


@dataclass
class Pilot(Intervention):
    programme: str = "ready_for_school"
    capacity_scale: float = nonneg(1.0, "multiplier", 0.5, 2.0, "see sim/interventions/pilots.py CATALOGUE", "capacity relative to the catalogue entry")
    joint_work: float = nonneg(0.3, "joint-work units per month per partner pair", 0.1, 0.6, "seed 003 (pilots as vehicles for collaboration)", "joint work between the pilot's partners while it runs")
    unsupported_share: float = prob(0.6, 0.3, 1.0, "assumption", "share of capacity a pilot reaches with no core-team support", unit="fraction")
    support_hours: float = param(20.0, "hours per month", 10.0, 40.0, "assumption", "core-team hours a pilot needs to reach full capacity", hard=(1.0, None))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.programme not in CATALOGUE:
            raise InterventionError(f"{self.name or 'pilot'}.programme={self.programme}: choose from {', '.join(CATALOGUE)}")

    @property
    def spec(self) -> Programme:
        return CATALOGUE[self.programme]

    def host_effect(self, child_effect: float) -> tuple[tuple[float, float], np.ndarray]:
        """The ages (months) its host kind serves and what a completed episode adds to a
        child in each domain: the host's CHILD_EFFECT at the pilot's quality factor
        (1 + quality, as services weigh quality)."""
        rows = O.CHILD_EFFECT[O.SERVICE_KINDS.index(self.spec.host)]        # (bands, domains)
        bands = [b for b in range(len(O.AGE_BANDS)) if rows[b].any()] or list(range(len(O.AGE_BANDS)))
        ages = (O.AGE_BANDS[bands[0]][0], O.AGE_BANDS[bands[-1]][1])
        factor = float(quality_factor(self.spec.quality))
        return ages, child_effect * factor * rows[bands].max(axis=0)

    def check_place(self, kinds, place_name: str) -> None:
        for kind in dict.fromkeys(self.spec.partners):
            if not np.any(np.asarray(kinds) == kind):
                raise InterventionError(
                    f"scenario.interventions.{self.name or self.programme}: the {self.programme} pilot needs a "
                    f"partner of kind {O.LABELS[kind]!r}; place {place_name!r} has none")

    def initialize(self, model) -> None:
        og = model.state.orgs
        self.check_place(og.kind, model.place.name)
        self.caseload = None
        if self.spec.capacity > 0:                 # a data pilot keeps no caseload
            (low, high), effect = self.host_effect(model.params.services.child_effect)
            manages = next((barrier for barrier, kinds in O.BARRIER_CARE.items() if self.spec.host in kinds),
                           "none")
            self.caseload = PilotCaseload(
                name=self.name or self.programme, intensity=self.intensity, min_age_months=float(low),
                max_age_months=float(high), learning=float(effect[0]), health=float(effect[1]),
                wellbeing=float(effect[2]), manages=manages,
                places_at_full_reach=self.spec.capacity * self.capacity_scale)
            self.caseload.initialize(model)
        chosen = []
        for kind in dict.fromkeys(self.spec.partners):
            chosen.append(np.flatnonzero(og.kind == kind))
        self.partner_sets = chosen
        model.state.n_pilots_planned += 1

    @property
    def bit(self) -> int:
        """Its caseload's bit in Children.reached_by (-1 for a pilot without one)."""
        return self.caseload.bit if self.caseload is not None else -1

    def stop(self, model, month: int) -> None:
        if self.caseload is not None:
            self.caseload.stop(model, month)

    def partners(self, model) -> np.ndarray:
        """(R, P) the most engaged organisation of each partner kind, per replicate."""
        og = model.state.orgs
        cols = []
        for members in self.partner_sets:
            best = members[np.argmax(og.engagement[:, members], axis=1)]
            cols.append(best)
        return np.stack(cols, axis=1)

    def apply(self, model, month: int) -> None:
        st = model.state
        spec = self.spec
        R = st.n_replicates
        per_pilot = st.pilot_support_hours / max(st.n_pilots_planned, 1)
        reach = np.minimum(1.0, self.unsupported_share + (1 - self.unsupported_share) * per_pilot / self.support_hours)
        partners = self.partners(model)
        rows = np.arange(R)[:, None]
        # Ties between partners: joint work on every partner pair (and a first meeting).
        a, b = np.triu_indices(partners.shape[1], 1)
        for i, j in zip(a, b):
            pi, pj = partners[:, i], partners[:, j]
            st.joint_extra[np.arange(R), pi, pj] += self.joint_work * self.intensity
            st.joint_extra[np.arange(R), pj, pi] += self.joint_work * self.intensity
            st.introductions[np.arange(R), pi, pj] += 0.2
            st.introductions[np.arange(R), pj, pi] += 0.2
        if spec.capacity > 0:
            host = partners[:, list(dict.fromkeys(spec.partners)).index(spec.host)]
            st.mods.targeting_add[np.arange(R), host] += spec.targeting * self.intensity
            self.caseload.reach = reach
            self.caseload.apply(model, month)
        if spec.data_hours:
            st.data_work += spec.data_hours * self.intensity
        if spec.school_quality:
            schools = partners[:, [i for i, k in enumerate(dict.fromkeys(spec.partners)) if k in O.SCHOOL_KINDS]]
            st.mods.quality_add[rows, schools] += spec.school_quality * self.intensity
