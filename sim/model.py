"""PlaceModel: a batch of replicates of one neighbourhood, stepped a month at a time.

A month resets its flows and monthly inputs (State.reset_month), runs the processes of
MONTH in order, then collects the reporters (docs/ODD.md, section 3). Processes 5-7 of
the ODD (families, trust, norms) run as one compiled pass, `informal`, with the same
result.

A batch holds several replicates side by side (first array axis); every rule acts
within a replicate and every draw is keyed by the replicate's own seed, so a replicate
gives the same numbers whatever batch it runs in.
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import mesa
import numpy as np

from sim.interventions.base import Intervention
from sim.params import ModelParams, PlaceParams
from sim.place import build_state
from sim.interventions import ordered
from sim.kernels import demography as KD
from sim.kernels import development as KDV
from sim.kernels import engagement as KE
from sim.kernels import informal as KI
from sim.kernels import schools as KS
from sim.kernels import services as KSV
from sim.kernels import ties as KT
from sim.kernels.development import settled_shares
from sim.processes import (demography, development, engagement, informal, schools, services,
                           system, ties)
from sim.registry import check
from sim.reporters import REPORTERS, Collector
from sim.rng import Streams
from sim.state import State
from sim.synthetic import IndicatorTable


SERVICE_BURN_IN = 12  # months of service intake run before month 0 (negative months)
SERVICE_RESETTLE = 12  # and again after the network and families have settled (ODD 5.7 item 5b)


class Process(NamedTuple):
    """One step of the month: its name (as docs/ODD.md section 3 and the benchmarks call
    it) and how the model runs it in a month."""

    name: str
    run: Callable[["PlaceModel", int], None]


class MonthRules(NamedTuple):
    """The processes' parameter records, built once per run: they depend only on the
    parameters and the place, which stay fixed while the model runs (interventions act
    through State, never on params), so a month does not rebuild them."""

    demography: KD.DemographyRules
    schools: KS.SchoolRules
    services: KSV.ServiceRules
    informal: KI.InformalRules
    development: KDV.DevelopmentRules
    milestones: KDV.MilestoneRules
    ties: KT.TieRules
    engagement: KE.EngagementRules


def month_rules(params: ModelParams, place: PlaceParams, state: State) -> MonthRules:
    """Each process's records for a run with these parameters on this place."""
    return MonthRules(demography=demography.demography_rules(params, place, state.place,
                                                             state.families.deprivation.shape[1]),
                      schools=schools.school_rules(params.demography),
                      services=services.service_rules(params),
                      informal=informal.rules(params),
                      development=development.rules(params),
                      milestones=development.milestone_rules(state, params),
                      ties=ties.tie_rules(params.ties),
                      engagement=engagement.engagement_rules(params, state.place.partnership))


def run_interventions(model: "PlaceModel", month: int) -> None:
    """The scenario's interventions, in their fixed order (sim.interventions.ordered)."""
    for intervention in model.interventions:
        intervention.step(model, month)


# The month, in order (docs/ODD.md section 3). A new monthly process is one more entry
# here (docs/ODD.md 10.7 lists the files it touches); the benchmarks time these entries
# by name.
MONTH: tuple[Process, ...] = (
    Process("demography", lambda m, t: demography.step(m.state, m.rules.demography, m.params, m.streams, t)),
    Process("schools", lambda m, t: schools.step(m.state, m.rules.schools, m.streams, t)),
    Process("interventions", run_interventions),
    Process("services", lambda m, t: services.step(m.state, m.rules.services, m.streams, t)),
    # families, trust and norms (ODD steps 5-7) in one compiled pass
    Process("informal", lambda m, t: informal.step(m.state, m.rules.informal, m.streams, t)),
    Process("development", lambda m, t: development.step(m.state, m.rules.development,
                                                                m.rules.milestones, m.streams, t)),
    Process("ties", lambda m, t: ties.step(m.state, m.rules.ties, m.streams, t)),
    Process("engagement", lambda m, t: engagement.step(m.state, m.rules.engagement)),
    Process("system", lambda m, t: system.step(m.state, m.params)),
)


class PlaceModel(mesa.Model):
    """A neighbourhood's children, families and organisations, for R replicates at once.

    A mesa Model without agent objects: children, families and organisations live in
    the arrays of `state` (docs/ODD.md 10.7 says why).

    Args:
        place: the place preset.
        params: behavioural parameters.
        england: seed 004 Table 1 (the England reference and the synthetic marginals).
        seeds: one seed per replicate.
        interventions: the scenario's interventions, applied in this order each month.
    """

    def __init__(self, place: PlaceParams, params: ModelParams, england: IndicatorTable,
                 seeds: Sequence[int], interventions: Sequence[Intervention] = ()):
        seeds = [int(s) for s in seeds]
        super().__init__(seed=seeds[0])
        problems = check(place, "place.") + check(params, "model.")
        if problems:
            raise ValueError(problems[0])
        self.place = place
        self.params = params
        self.seeds = seeds
        self.streams = Streams(seeds)
        self.state = build_state(place, params, england, self.streams)
        self.rules = month_rules(params, place, self.state)
        self.month = 0
        self.schedule = MONTH           # an instance's own, so a benchmark can time its entries
        self.interventions = ordered(list(interventions))
        schools.step(self.state, self.rules.schools, self.streams, 0, everyone=True)
        self._settle()
        for intervention in self.interventions:
            intervention.initialize(self)
        self.datacollector = Collector(REPORTERS)
        self.datacollector.collect(self)

    @property
    def n_replicates(self) -> int:
        return len(self.seeds)

    def _settle(self) -> None:
        """Start families and children near the state their circumstances imply.

        Services run their intake for SERVICE_BURN_IN months so caseloads are full;
        stress and home learning are set to their targets (iterated, since informal
        support depends on neighbours' stress); norms run their own rule, with turnover,
        for 10 years before the start, so a place without intervention does not drift;
        each child's environmental score is set to the share of its current input it would
        have accumulated by its age. No time passes for anything else; the burn-ins draw
        from their own streams at negative months.
        """
        st, p = self.state, self.params
        for burn in range(1, SERVICE_BURN_IN + 1):         # caseloads fill up
            services.step(st, self.rules.services, self.streams, -burn)
        ties.settle(st, self.rules.ties, self.rules.engagement, self.streams)   # the partnership network
        informal.settle(st, p, self.streams, self.rules.demography.monthly_move_chance)  # families, norms
        for burn in range(SERVICE_BURN_IN + 1, SERVICE_BURN_IN + SERVICE_RESETTLE + 1):   # and again, with
            services.step(st, self.rules.services, self.streams, -burn)     # the settled network and families
        target = development.inputs(st, p)
        # The development kernel's own integer power, not NumPy's array power, whose last
        # bits depend on the CPU's vector instructions (ODD 10.2).
        share = settled_shares(p.development.persistence, st.children.age)
        st.children.env = np.where(st.children.alive[..., None], share[..., None] * target, 0.0)
        st.child_summary = st.child_summary_now()

    def step(self) -> None:
        month = self.month + 1
        self.state.reset_month(self.params)
        for process in self.schedule:
            process.run(self, month)
        self.month = month
        self.datacollector.collect(self)

    def release(self) -> None:
        """Free the model's arrays now; the model is unusable afterwards.

        Interventions refer back to the model (and mesa's Model holds its own bound
        `step`), so without this its arrays would wait for Python's next full garbage
        collection, and a sweep worker's memory would creep up between collections.
        """
        self.interventions = []
        self.datacollector = None
        self.state = None

    def monthly_cost(self, month: int) -> float:
        """Cost of the scenario's interventions in a month, per replicate (GBP)."""
        return float(sum(iv.cost(month) for iv in self.interventions))
