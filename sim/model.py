"""PlaceModel: a batch of replicates of one neighbourhood, stepped a month at a time.

The monthly order (docs/ODD.md, "Process overview and scheduling"):

 1. demography   ageing, leaving at 19, moves out and in, evictions, births
 2. schools      enrolment at transition ages and for newcomers
 3. interventions act on capacity, ties, trust, targeting, time (scenario order)
 4. services     need, identification, referral along ties, intake within capacity, support
 5. families     work, arrears, informal support, stress, home learning, eviction risk
 6. trust        contact, spread along family ties, relapse
 7. norms        complex contagion, threshold lowered by service saturation
    (5-7 run as one compiled pass, sim.processes.informal, with the same result)
 8. development  three interacting domains; milestones, exclusions, admissions recorded
 9. ties         organisation ties: joint work, decay, turnover, formation, loss
10. engagement   partner engagement and agenda alignment
11. system       data maturity and residents' voice move with this month's hours
12. collect      the reporters

A batch holds several replicates side by side (first array axis); every rule acts
within a replicate and every draw is keyed by the replicate's own seed, so a replicate
gives the same numbers whatever batch it runs in.
"""
from __future__ import annotations

from typing import Sequence

import mesa
import numpy as np

from sim.agents import ChildView, FamilyView, Organisation
from sim.interventions.base import Intervention
from sim.params import ModelParams, PlaceParams
from sim.place import build_state, empty_flows
from sim.interventions import ordered
from sim.kernels.development import settled_shares
from sim.processes import (demography, development, engagement, informal, schools, services,
                           system, ties)
from sim.registry import check
from sim.reporters import REPORTERS, Collector
from sim.rng import Streams
from sim.synthetic import IndicatorTable


SERVICE_BURN_IN = 24  # months of service intake run before month 0 (negative months)


class PlaceModel(mesa.Model):
    """A neighbourhood's children, families and organisations, for R replicates at once.

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
        self.state.exclusion_multiplier = place.exclusion_multiplier
        self.month = 0
        self.interventions = ordered(list(interventions))
        schools.step(self.state, params, self.streams, 0, everyone=True)
        self._settle()
        for intervention in self.interventions:
            intervention.initialize(self)
        self.organisations = [Organisation(self, r, i) for r in range(self.n_replicates)
                              for i in range(len(self.state.orgs.kind))]
        self.collecting = None   # values reporters share while the collector runs (sim.reporters)
        self.datacollector = Collector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    @property
    def n_replicates(self) -> int:
        return len(self.seeds)

    def _settle(self) -> None:
        """Start families and children near the state their circumstances imply.

        Services run their intake for SERVICE_BURN_IN months so caseloads are full;
        norms spread by adoption alone until they stop; stress and home learning are set to their targets (iterated, since informal
        support depends on neighbours' stress), and each child's environmental score to
        the share of its current input it would have accumulated by its age. No time
        passes; the caseload burn-in draws from its own streams (negative months).
        """
        st, p = self.state, self.params
        for burn in range(1, SERVICE_BURN_IN + 1):         # caseloads fill up
            services.step(st, p, self.streams, -burn)
        informal.settle(st, p)                             # norms, then families
        target = development.inputs(st, p)
        # The development kernel's own integer power, not NumPy's array power, whose last
        # bits depend on the CPU's vector instructions (ODD 10.2).
        share = settled_shares(p.development.persistence, st.children.age)
        st.children.env = np.where(st.children.alive[..., None], share[..., None] * target, 0.0)
        st.child_summary = st.child_summary_now()

    def step(self) -> None:
        st, p, rs = self.state, self.params, self.streams
        month = self.month + 1
        st.flows = empty_flows(self.n_replicates, st.flows.intake.shape[1])
        st.reset_month(p)
        demography.step(st, p, self.place, rs, month)
        schools.step(st, p, rs, month)
        for intervention in self.interventions:
            intervention.step(self, month)
        services.step(st, p, rs, month)
        informal.step(st, p, rs, month)      # families, trust, norms (5-7) in one pass
        development.step(st, p, rs, month)
        ties.step(st, p, rs, month)
        engagement.step(st, p)
        system.step(st, p)
        self.month = month
        self.datacollector.collect(self)

    def release(self) -> None:
        """Free the model's arrays now; the model is unusable afterwards.

        Mesa 3.3 keeps every model as a key of the class-level `Agent._ids` (mesa issue
        #3179, fixed upstream by PR #3180), so a worker that runs thousands of models
        would hold every one of them; and agents and interventions refer back to the
        model, so even without that its arrays would wait for Python's next full
        garbage collection. A sweep worker's memory would creep up between collections.
        """
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)
        self.organisations = []
        self.interventions = []
        self.datacollector = None
        self.state = None

    def monthly_cost(self, month: int) -> float:
        """Cost of the scenario's interventions in a month, per replicate (GBP)."""
        return float(sum(iv.cost(month) for iv in self.interventions))

    def child(self, replicate: int, slot: int) -> ChildView:
        return ChildView(self, replicate, slot)

    def family(self, replicate: int, home: int) -> FamilyView:
        return FamilyView(self, replicate, home)
