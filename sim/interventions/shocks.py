"""Shocks (seed 003, 004): funding cuts (austerity), a surge of staff turnover, a
pandemic-like closure of services, a key person leaving, the host organisation's
upheaval, and recurring policy churn that reallocates service funding (seed 004
L908-910: past initiatives "disappeared when government priorities and funding shifted").
Each acts through capacity, turnover, champions and ties, or the core team's hours.

A network's response (seed 003 L352-357: in COVID-19 the teams "co-created hubs for
support and information and mobilised funding" and were "one of the first ports of
call"): in a funding cut or a closure, the partnership's readiness, its relationship
capital times (0.5 + 0.5 x its partners' mean alignment), lets it redirect capacity
(the cut shrinks by `network_response` x readiness), keep families in support (referral
follow-through rises by network_response x readiness x the shock's size) and mobilise
funds (`crisis_funds` x network_response x readiness x size a month, into the seedcorn
pot the core team spends). A weak network does little; at network_response 0 nothing
changes (docs/ODD.md 7.14, 8.5).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import orgs as O
from sim.interventions.base import Intervention, InterventionError
from sim.processes.engagement import tie_capital_numpy
from sim.registry import nonneg, prob

KINDS = ("funding_cut", "turnover_surge", "closure", "key_person", "host_upheaval", "policy_churn")


@dataclass
class Shock(Intervention):
    shock: str = "funding_cut"  # one of KINDS
    magnitude: float = prob(0.3, 0.1, 0.9, "scenario choice", "size: share of capacity cut or closed, extra turnover (x 1 + 2 m), share of core-team hours lost", unit="fraction")
    network_response: float = prob(0.5, 0.0, 1.0, "seed 003 L352-357 (COVID-19: the teams co-created hubs, mobilised funding, were 'one of the first ports of call'); size an assumption", "share of a funding cut or closure a fully ready network makes good by redirecting capacity, and the referral follow-through it adds per unit of the shock's size; 0: no response", unit="fraction per unit of readiness")
    crisis_funds: float = nonneg(10000.0, "GBP per month per unit of readiness x size", 0.0, 30000.0, "seed 003 L355 ('mobilised funding'); size an assumption (a few emergency grants a month)", "funds a fully ready network mobilises a month in a shock of size 1, times network_response (they join the seedcorn pot)")
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

    def readiness(self, st) -> np.ndarray:
        """(R,) how ready the partnership is to respond: relationship capital (the active
        organisations' mean of min(1, tie strength summed / 3)) times (0.5 + 0.5 x the
        mean alignment of the active partners other than the core team)."""
        og = st.orgs
        _, capital = tie_capital_numpy(st.strength, og.active)      # engagement's own (ODD 7.10)
        partners = og.active & ~og.neutral[None, :]
        aligned = (og.alignment * partners).sum(axis=1) / np.maximum(partners.sum(axis=1), 1)
        return capital * (0.5 + 0.5 * aligned)

    def respond(self, st, m: float) -> np.ndarray:
        """The network's response to a capacity shock of size m (docs/ODD.md 7.14, 8.5): the
        share of the cut it makes good (R,), after adding follow-through and funds."""
        if self.network_response <= 0:
            return np.zeros(st.n_replicates)
        made_good = self.network_response * self.readiness(st)
        st.mods.follow_add += made_good * m
        funds = self.crisis_funds * made_good * m
        st.flows.made_good = np.maximum(st.flows.made_good, made_good)
        st.flows.crisis_funds += funds
        st.flows.leveraged += funds
        st.seedcorn_pot += funds
        return made_good

    def apply(self, model, month: int) -> None:
        st = model.state
        m = self.magnitude * self.intensity
        if self.shock in ("funding_cut", "closure"):
            hit = self.services if self.shock == "funding_cut" else self.services | self.schools
            cut = m * (1.0 - self.respond(st, m))
            st.mods.capacity_mult *= np.where(hit[None, :], 1.0 - cut[:, None], 1.0)
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
