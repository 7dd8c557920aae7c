"""The zone of an HCZ-style pipeline (seed 004 L944-1035): who lives in it, and what its
governance does for the partners' services it brings together.

The pipeline's programmes are interventions of their own (sim/interventions/programme.py
and promise_academy.py; configs/scenario/hcz_saturation.yaml lists them: Baby College,
the Three-Year-Old Journey, Harlem Gems, the Promise Academy, academic case management,
college and employment support, the asthma initiative, family support, Community Pride,
Peacemakers), so that any one can be removed. This intervention is the zone: the share
of the place's homes inside it (`zone_share`; the zone's programmes serve those, and
families outside who reach them, `outside_access`), the capacity, quality and targeting
its partners' services gain (the Beacon centres' "shop front"), case management's
referral follow-through, and joint work among its partners.

Two governance variants (seed 004 L1606-1614, L1629-1636, L1737, L2554-2557):
- `hcz`: the zone runs its own schools and services: full capacity and quality uplift,
  its own high value-added school;
- `english_zone`: it "cannot control partners, only connect them", runs on in-kind and
  redirected resources (a smaller uplift), and each month a partner may walk away unless
  governance has "teeth".
Every effect goes through capacity, quality, targeting, follow-through and ties.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import orgs as O
from sim.interventions.base import Intervention, InterventionError
from sim.registry import nonneg, prob


@dataclass
class HCZSaturation(Intervention):
    variant: str = "hcz"  # hcz | english_zone
    capacity_multiplier: float = nonneg(2.0, "extra capacity as a multiple of the place's own", 0.5, 4.0, "seed 004 L1020-1032 (>10,000 children and adults served in the zone)", "how much capacity the pipeline adds to every family-facing service")
    quality: float = nonneg(0.4, "SD", 0.1, 0.8, "seed 004 L974, L1186-1200 (Baby College, Harlem Gems results)", "quality uplift of the services it runs")
    school_quality: float = nonneg(0.5, "SD of value added", 0.2, 0.8, "Dobbie & Fryer 2011 via seed 004 L1225-1236", "an English zone lifts every school by a fifth of this (the HCZ's own school is the Promise Academy intervention)")
    targeting: float = prob(0.3, 0.1, 0.5, "seed 004 (case management)", "targeting accuracy added", unit="0-1 scale")
    case_management: float = nonneg(0.3, "added referral follow-through", 0.1, 0.6, "seed 004 (case management)", "referral follow-through added by case management")
    joint_work: float = nonneg(0.2, "joint-work units per month", 0.05, 0.5, "seed 004 (a 'doubly holistic' pipeline)", "joint work among the pipeline's partners")
    zone_share: float = prob(1.0, 0.3, 1.0, "seed 004 L1020-1033 (the zone is part of Harlem; the lottery is open to children outside it)", "share of the place's homes inside the zone", unit="fraction of homes")
    outside_access: float = prob(0.0, 0.0, 0.5, "seed 004 L1251-1253 (children who lose the lottery 'may well access [services] from other sources'); assumption", "chance that a family outside the zone reaches the zone's programmes", unit="probability")
    english_share: float = prob(0.5, 0.2, 0.8, "seed 004 L1629-1636 (in-kind and redirected resources)", "share of the uplift an English zone achieves", unit="fraction")
    walk_away: float = prob(0.01, 0.0, 0.05, "seed 004 L2554-2557 (any partner could 'walk away')", "monthly chance a partner leaves an English zone with no governance teeth", unit="per partner per month")
    teeth: float = prob(0.0, 0.0, 1.0, "seed 004 L2554-2557", "governance teeth: 1 means no partner can walk away", unit="0-1 scale")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.variant not in ("hcz", "english_zone"):
            raise InterventionError(f"{self.name or 'hcz_saturation'}.variant={self.variant}: choose hcz or english_zone")

    def initialize(self, model) -> None:
        kinds = model.state.orgs.kind
        self.services = np.isin(kinds, O.SERVICE_KINDS)
        self.schools = np.isin(kinds, O.SCHOOL_KINDS)
        self.own_school = np.isin(kinds, (O.Kind.PRIMARY, O.Kind.SECONDARY))
        self.in_zone = np.ones((model.n_replicates, len(kinds)), dtype=bool)
        st = model.state
        u = model.streams.uniform("intervention.hcz.zone", 0, (st.families.deprivation.shape[1], 2))
        st.in_zone = u[..., 0] < self.zone_share
        st.zone_access = st.in_zone | (u[..., 1] < self.outside_access)

    def apply(self, model, month: int) -> None:
        st = model.state
        og = st.orgs
        share = 1.0 if self.variant == "hcz" else self.english_share
        if self.variant == "english_zone":
            u = model.streams.uniform("intervention.hcz.walk_away", month, (len(og.kind),))
            leaves = u < self.walk_away * (1.0 - self.teeth)
            self.in_zone &= ~leaves
        zone = self.in_zone & og.active
        k = self.intensity * share
        services = zone & self.services[None, :]
        st.mods.capacity_add += services * og.capacity * self.capacity_multiplier * k
        st.mods.quality_add += services * self.quality * k
        st.mods.targeting_add += services * self.targeting * k
        st.mods.follow_add += self.case_management * k
        # The zone's own school is the Promise Academy (promise_academy.py), which only its
        # seat holders attend; an English zone has some influence over every school.
        if self.variant == "english_zone":
            st.mods.quality_add += (zone & self.own_school[None, :]) * 0.2 * self.school_quality * self.intensity
        pipeline = zone & (self.services | self.schools)[None, :]
        pair = pipeline[:, :, None] & pipeline[:, None, :]
        idx = np.arange(pair.shape[1])
        pair[:, idx, idx] = False
        st.joint_extra += pair * self.joint_work * k
        st.introductions += pair * 0.05 * k
