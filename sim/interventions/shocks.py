"""Shocks (seed 003, 004): funding cuts (austerity), a surge of staff turnover, a
pandemic-like closure of services, a key person leaving, the host organisation's
upheaval, and recurring policy churn that reallocates service funding (seed 004
L908-910: past initiatives "disappeared when government priorities and funding shifted").
Each acts through capacity, turnover, champions and ties, or the core team's hours.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import orgs as O
from sim.interventions.base import Intervention, InterventionError
from sim.registry import nonneg, prob

KINDS = ("funding_cut", "turnover_surge", "closure", "key_person", "host_upheaval", "policy_churn")


@dataclass
class Shock(Intervention):
    shock: str = "funding_cut"  # one of KINDS
    magnitude: float = prob(0.3, 0.1, 0.9, "scenario choice", "size: share of capacity cut or closed, extra turnover (x 1 + 2 m), share of core-team hours lost", unit="fraction")
    churn_period_years: float = nonneg(3.0, "years", 1.0, 6.0, "seed 004 L908-910", "how often policy churn reallocates funding")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.shock not in KINDS:
            raise InterventionError(f"{self.name or 'shock'}.shock={self.shock}: choose from {', '.join(KINDS)}")

    def initialize(self, model) -> None:
        kinds = model.state.orgs.kind
        self.services = np.isin(kinds, O.SERVICE_KINDS)
        self.schools = np.isin(kinds, O.SCHOOL_KINDS)
        self.churn = np.ones((model.n_replicates, len(kinds)))

    def start(self, model, month: int) -> None:
        if self.shock == "key_person":
            st = model.state
            og = st.orgs
            hw = 0.5 * (og.hardwired[:, :, None] + og.hardwired[:, None, :])
            central = np.argmax(np.where(og.neutral[None, :], -1.0, st.strength.sum(axis=2)), axis=1)
            rows = np.arange(st.n_replicates)
            loss = model.params.ties.personal_share
            for elem in (og.trust, og.empathy):
                elem[rows, central, :] *= 1 - loss * (1 - hw[rows, central, :])
                elem[rows, :, central] *= 1 - loss * (1 - hw[rows, :, central])
            og.champion[rows, central] = False
            st.refresh_strength()

    def apply(self, model, month: int) -> None:
        st = model.state
        m = self.magnitude * self.intensity
        if self.shock == "funding_cut":
            st.mods.capacity_mult *= np.where(self.services, 1.0 - m, 1.0)[None, :]
        elif self.shock == "closure":
            st.mods.capacity_mult *= np.where(self.services | self.schools, 1.0 - m, 1.0)[None, :]
        elif self.shock == "turnover_surge":
            st.mods.turnover_mult *= 1.0 + 2.0 * m
        elif self.shock == "host_upheaval":
            st.mods.core_hours_mult *= 1.0 - m
        elif self.shock == "policy_churn":
            period = max(1, int(round(self.churn_period_years * 12)))
            if (month - self.start_month) % period == 0:
                u = model.streams.uniform("intervention.policy_churn", month, (len(self.services),))
                self.churn = np.where(self.services[None, :], 1.0 + m * (2 * u - 1), 1.0)
            st.mods.capacity_mult *= self.churn
