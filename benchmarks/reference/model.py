"""ReferenceModel: one replicate of a place, stepped a month at a time, agent by agent.

The starting state is the vectorised model's own (sim.model.PlaceModel with one seed:
build_state, first enrolment and settling), copied row by row into agents, so the two
start from the same place and differ only in how the monthly rules are executed. The
monthly order is sim/model.py's: demography, schools, (interventions: none here),
services, families, trust, norms, development, ties, engagement, system, collect.

Known differences that do not change any distribution:
- random numbers come from the model's own generators (`self.rng`, a seeded
  `numpy.random.Generator`, and Mesa's `self.random` for sampling), drawn agent by agent;
- a family's referral "hub" is the school of the last of its children (in order of
  arrival) who attends a local school; the vectorised model takes the last in child-slot
  order, which is arrival order at the start and a free slot afterwards;
- there are no child slots, so no birth or arrival is ever dropped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mesa
import networkx as nx
import numpy as np
from scipy.special import ndtri

from benchmarks.reference.agents import Child, Family, Organisation, clip
from sim import orgs as O
from sim.outcomes import GROUPS, MILESTONES
from sim.params import ModelParams, PlaceParams
from sim.processes.development import (CRISIS_SUPPORT_KINDS, HEALTH_CARE_KINDS, exclusion_factor,
                                       milestone_spec)
from sim.processes.development import rules as development_rules
from sim.processes.engagement import MOMENTUM_WINDOW
from sim.processes.schools import LEVELS
from sim.reporters import STAGE_RULES
from sim.state import State

N_KINDS = O.N_SERVICE_KINDS
KIND_POS = {int(k): i for i, k in enumerate(O.SERVICE_KINDS)}
ELEMENTS = ("trust", "reciprocity", "empathy", "equity")


@dataclass
class Alteration:
    """Deliberate changes to one rule, to show that the cross-check can tell.

    Attributes:
        tie_decay: multiplier on the monthly decay of organisation ties (1 = the model).
        norm_adoption: False stops families adopting the norm (abandoning still happens).
    """

    tie_decay: float = 1.0
    norm_adoption: bool = True


def initial_state(place: PlaceParams, params: ModelParams, england, seed: int) -> State:
    """The vectorised model's starting state for one seed (replicate axis of length 1)."""
    from sim.model import PlaceModel

    return PlaceModel(place, params, england, [int(seed)]).state


def _flows() -> dict[str, Any]:
    flows = dict(births=0, moved_in=0, moved_out=0, left_at_19=0, dropped=0, evictions=0,
                 families_moved=0, exclusions=0, admissions=0, champions_lost=0,
                 ties_formed=0, ties_lost=0, first_supported=0, intake=[0] * N_KINDS,
                 intake_by_referral=[0.0] * N_KINDS)
    flows["milestones"] = {m: {g: [0, 0] for g in GROUPS} for m in MILESTONES}
    return flows


class ReferenceModel(mesa.Model):
    """A neighbourhood's children, families and organisations as Mesa agents.

    Args:
        place: the place preset.
        params: behavioural parameters (the same dataclasses the vectorised model reads).
        england: seed 004 Table 1 (configs.evidence.table1()).
        seed: the replicate's seed: it fixes the starting place, and seeds the Generator.
        alteration: a deliberately changed rule (tests only).
        initial: a prebuilt starting state (R = 1) to copy, instead of building one.
    """

    def __init__(self, place: PlaceParams, params: ModelParams, england, seed: int,
                 alteration: Alteration | None = None, initial: State | None = None):
        super().__init__(rng=np.random.default_rng([int(seed), 0x5EED]))
        self.place, self.params = place, params
        self.alteration = alteration or Alteration()
        # Barriers to learning (docs/ODD.md 7.8): the chronic-condition cut, and the
        # service kinds that manage each barrier.
        self.chronic_cut = development_rules(params).chronic_cut
        self.health_care_kinds = [int(k) for k in HEALTH_CARE_KINDS]
        self.crisis_support_kinds = [int(k) for k in CRISIS_SUPPORT_KINDS]
        st = initial if initial is not None else initial_state(place, params, england, seed)
        self.month = 0
        self.flows = _flows()
        self._copy_place(st)
        self._copy_families(st)
        self._copy_children(st)
        self._copy_organisations(st)
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    # -- initialisation: copy the vectorised starting state ------------------------
    def _copy_place(self, st: State) -> None:
        ps, p = st.place, self.params
        self.area_z = float(ps.area_z[0])
        self.partnership = float(ps.partnership)
        self.starting_trust = float(ps.starting_trust[0])
        self.workless_rate = float(ps.workless_rate[0])
        self.family_mean = float(ps.family_mean[0])
        self.housing_mean = float(ps.housing_mean[0])
        F = st.families.deprivation.shape[1]
        self.births_per_home = ps.births_per_month / F
        self.second_adult_share = ps.second_adult_share
        self.monthly_move = 1.0 - (1.0 - self.place.mobility) ** (1.0 / 12.0)
        lam = ps.children_per_home
        pmf = [math.exp(-lam) * lam ** k / math.factorial(k) for k in range(4)]
        pmf[-1] = max(0.0, 1.0 - sum(pmf[:-1]))
        self.arrival_cdf = list(np.cumsum(pmf))
        rho = p.families.indicator_correlation
        self.cuts = {name: float(ndtri(np.clip(1 - float(rate[0]), 1e-9, 1 - 1e-9)))
                     for name, rate in (("workless", ps.workless_rate),
                                        ("no_qualifications", ps.no_qualifications_rate),
                                        ("poor_health", ps.poor_health_rate))}
        self.rho, self.rho_other = rho, math.sqrt(1 - rho ** 2)
        csr = ps.family_ties.tocsr()
        self.family_ties = {h: [int(j) for j in csr.indices[csr.indptr[h]:csr.indptr[h + 1]]]
                            for h in range(F)}
        self.saturation = float(st.saturation[0])
        self.data_maturity = float(st.data_maturity[0])
        self.voice = float(st.voice[0])
        self.families_reached = 0            # headline counts (sim/processes/system.py count_reach)
        self.children_reached = 0
        self.reached_children: set[int] = set()
        self.ever_engaged: set[int] = set()
        self.strength_history = [float(np.asarray(c)[0]) for c in st.strength_history]
        self.exclusion_rate = self.params.milestones.exclusion_rate * st.exclusion_multiplier
        age, weight, threshold = milestone_spec(self.params)
        self.milestone_age = [int(a) for a in age]
        self.milestone_weight = [tuple(float(x) for x in w) for w in weight]
        self.milestone_threshold = [float(t) for t in threshold]
        self.families_supported = self.reach_neediest = self.capacity_used = 0.0
        self.kind_capacity = [0.0] * N_KINDS
        self.norm_lowering = 0.0
        self.norm_share = 0.0
        self.engagement_target = 0.0

    def _copy_families(self, st: State) -> None:
        fa = st.families
        F = fa.deprivation.shape[1]
        self.homes: list[Family] = []
        for h in range(F):
            self.homes.append(Family(
                self, h, deprivation=float(fa.deprivation[0, h]), in_need=bool(fa.in_need[0, h]),
                workless=bool(fa.workless[0, h]), no_qualifications=bool(fa.no_qualifications[0, h]),
                poor_health=bool(fa.poor_health[0, h]), housing=float(fa.housing[0, h]),
                debt=float(fa.debt[0, h]), stress=float(fa.stress[0, h]),
                home_learning=float(fa.home_learning[0, h]), trust=float(fa.trust[0, h]),
                norm=bool(fa.norm[0, h]), norm_threshold=float(fa.norm_threshold[0, h]),
                adults=int(fa.adults[0, h]), informal_support=float(fa.informal_support[0, h]),
                engaged=[int(x) for x in fa.engaged[0, h]], neediest=bool(fa.neediest[0, h]),
                evict_pending=bool(fa.evict_pending[0, h]),
                # Support rows hold meaning only where the family is supported now.
                family_support=[float(x) if st.family_supported_now[0, h] else 0.0
                                for x in st.family_support[0, h]],
                child_support=[[float(x) if st.family_supported_now[0, h] else 0.0 for x in band]
                               for band in st.child_support[0, h]],
                contact=float(st.family_contact[0, h]),
                supported_now=bool(st.family_supported_now[0, h]),
                ever_supported=bool(fa.ever_supported[0, h]),
                local_norm=float(st.local_norm[0, h])))

    def _copy_children(self, st: State) -> None:
        ch = st.children
        for c in np.flatnonzero(ch.alive[0]):
            Child(self, self.homes[int(ch.fam[0, c])], int(ch.age[0, c]), ch.ability[0, c],
                  ch.env[0, c], int(ch.school[0, c]), int(ch.support_months[0, c]),
                  int(ch.support_domains[0, c]))

    def _copy_organisations(self, st: State) -> None:
        og = st.orgs
        n = len(og.kind)
        factor = exclusion_factor(og.kind)
        self.orgs: list[Organisation] = [Organisation(
            self, i, kind=int(og.kind[i]), active=bool(og.active[0, i]), neutral=bool(og.neutral[i]),
            capacity=float(og.capacity[0, i]), quality=float(og.quality[0, i]),
            targeting=float(og.targeting[0, i]), champion=bool(og.champion[0, i]),
            engagement=float(og.engagement[0, i]), alignment=float(og.alignment[0, i]),
            hardwired=float(og.hardwired[0, i]), exclusion_factor=float(factor[i]), leaving=False)
            for i in range(n)]
        self.ties = nx.Graph()
        self.ties.add_nodes_from(range(n))
        strength = st.orgs.strength()[0]
        for i, j in zip(*np.nonzero(np.triu(strength > 0, 1))):
            self.ties.add_edge(int(i), int(j), **{e: float(getattr(og, e)[0, i, j]) for e in ELEMENTS})
        self.legacy = {i: {int(j): float(og.legacy[0, i, j]) for j in np.flatnonzero(og.legacy[0, i])}
                       for i in range(n) if og.legacy[0, i].any()}
        self.cluster = {(int(i), int(j)): float(st.cluster_work[i, j])
                        for i, j in zip(*np.nonzero(np.triu(st.cluster_work, 1)))}
        self.entry_ages = [lv[0] for lv in LEVELS]
        self.level_takeup = [None if lv[2] is None else getattr(self.params.demography, lv[2]) for lv in LEVELS]
        self.level_members = [[o.index for o in self.orgs if o.kind == lv[1]] for lv in LEVELS]
        self.kind_members = [[o for o in self.orgs if o.kind == k] for k in O.SERVICE_KINDS]
        self.schools = [o.index for o in self.orgs if o.kind in O.SCHOOL_KINDS]

    # -- helpers -----------------------------------------------------------------
    def agents_of(self, cls) -> mesa.agent.AgentSet:
        return self.agents_by_type.get(cls) or mesa.agent.AgentSet([], random=self.random)

    def tie_strength(self, i: int, j: int) -> float:
        d = self.ties.get_edge_data(i, j)
        return 0.25 * (d["trust"] + d["reciprocity"] + d["empathy"] + d["equity"]) if d else 0.0

    def strengths(self) -> dict[int, dict[int, float]]:
        """Adjacency {i: {j: strength}} of the partnership ties now."""
        out: dict[int, dict[int, float]] = {i: {} for i in self.ties.nodes}
        for i, j, d in self.ties.edges(data=True):
            s = 0.25 * (d["trust"] + d["reciprocity"] + d["empathy"] + d["equity"])
            out[i][j] = out[j][i] = s
        return out

    @staticmethod
    def two_paths(S: dict[int, dict[int, float]], i: int, j: int) -> float:
        a, b = (S[i], S[j]) if len(S[i]) <= len(S[j]) else (S[j], S[i])
        return sum(v * b.get(k, 0.0) for k, v in a.items())

    def new_family(self, home: int, neediest: bool) -> Family:
        """A newcomer family drawn like the place's residents (sim.place.draw_families)."""
        p = self.params
        fp, npar = p.families, p.norms
        z = self.rng.standard_normal(6)
        u = self.rng.random(4)
        rho, other = self.rho, self.rho_other
        deprivation = self.family_mean + fp.within_area_sd * z[0]
        workless = rho * z[0] + other * z[1] > self.cuts["workless"]
        return Family(
            self, home, deprivation=float(deprivation), in_need=bool(deprivation > fp.need_cut),
            workless=bool(workless),
            no_qualifications=bool(rho * z[0] + other * z[2] > self.cuts["no_qualifications"]),
            poor_health=bool(rho * z[0] + other * z[3] > self.cuts["poor_health"]),
            housing=float(self.housing_mean + fp.within_area_sd * (rho * z[0] + other * z[4])),
            debt=clip(0.3 * workless + 0.1 * max(deprivation, 0.0) + 0.1 * u[0], 0.0, 1.0),
            stress=0.3, home_learning=0.0,
            trust=clip(self.starting_trust + 0.15 * z[5], 0.0, 1.0),
            norm=bool(u[3] < npar.initial_share),
            norm_threshold=clip(npar.threshold_mean + npar.threshold_sd * float(ndtri(u[2])), 0.02, 0.98),
            adults=1 + int(u[1] < self.second_adult_share), neediest=neediest)

    def new_child(self, family: Family, age: int) -> Child:
        ability = self.params.development.ability_sd * self.rng.standard_normal(3)
        return Child(self, family, age, ability, fresh=True)

    # -- the month ---------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        self.flows = _flows()
        self.demography()
        self.enrol()
        self.services()
        self.families_month()
        self.trust_month()
        self.norms()
        self.development()
        self.partnership_ties()
        self.engagement()
        self.system()
        self.datacollector.collect(self)

    def demography(self) -> None:
        self.agents_of(Child).do("step_age")
        self.agents_of(Family).do("step_move")
        self.agents_of(Family).do("step_births")
        if self.month % 12 == 0:
            cut = np.quantile([f.deprivation for f in self.homes], 0.9)
            for f in self.homes:
                f.neediest = f.deprivation >= cut

    def enrol(self) -> None:
        self.agents_of(Child).do("step_school")

    def services(self) -> None:
        p = self.params
        sp = p.services
        S = self.strengths()
        capacity, quality, targeting = [0.0] * N_KINDS, [0.0] * N_KINDS, [0.0] * N_KINDS
        for k, members in enumerate(self.kind_members):
            caps = [max(o.capacity, 0.0) * o.active * sp.funding for o in members]
            capacity[k] = sum(caps)
            quality[k] = (sum(c * o.quality for c, o in zip(caps, members)) / capacity[k]
                          if capacity[k] > 0 else 0.0)
            n_active = max(sum(o.active for o in members), 1)
            alignment = sum(o.alignment * o.active for o in members) / n_active
            targeting[k] = clip(sum(clip(o.targeting, 0.0, 1.0) * o.active for o in members) / n_active
                                + sp.alignment_targeting * alignment, 0.0, 1.0)
        count = [max(len(members), 1) for members in self.kind_members]

        def kind_sum(i: int, k: int) -> float:
            return sum(S[i].get(o.index, 0.0) for o in self.kind_members[k])

        between = [[0.0 if k1 == k2 else sum(kind_sum(o.index, k2) for o in self.kind_members[k1])
                    / (count[k1] * count[k2]) for k2 in range(N_KINDS)] for k1 in range(N_KINDS)]
        school_to_kind = {s: [kind_sum(s, k) / count[k] for k in range(N_KINDS)] for s in self.schools}
        # Coordination frees capacity where kinds are tied (fewer duplicated contacts).
        capacity = [c * (1.0 + sp.coordination_gain * sum(between[k]) / max(N_KINDS - 1, 1))
                    for k, c in enumerate(capacity)]
        maturity = self.data_maturity
        self.kind_view = dict(
            between=between, school_to_kind=school_to_kind,
            targeting=[t + (1 - t) * 0.5 * maturity for t in targeting],
            outreach=sp.outreach * (1 + maturity),
            follow=sp.referral_follow_through * (1 + maturity),
            child_input=sp.child_effect / (1.0 - p.development.persistence ** sp.episode_months),
            quality_factor=[clip(1.0 + q, 0.0, 2.0) for q in quality],
            contact_value=[clip(0.5 + 0.5 * q + p.trust.voice_gain * self.voice, 0.0, 1.0) for q in quality])
        self.active_now = [0] * N_KINDS
        families = self.agents_of(Family)
        families.do("step_episodes")
        # Never over capacity: where capacity fell below the caseload, end surplus
        # episodes at random; then count the free places.
        cap_floor = [math.floor(c) for c in capacity]
        for k in range(N_KINDS):
            surplus = self.active_now[k] - cap_floor[k]
            if surplus > 0:
                engaged = [f for f in self.homes if f.engaged[k] > 0]
                for f in self.random.sample(engaged, min(surplus, len(engaged))):
                    f.engaged[k] = 0
                self.active_now[k] -= min(surplus, len(engaged))
        self.free = [max(c - a, 0) for c, a in zip(cap_floor, self.active_now)]
        families.do("step_demand")
        # Each candidate seeks support with probability `demand`; if more seek than there
        # are free places, the places go to the winners of an exponential race whose rate
        # is the family's demand.
        intake, by_referral = [0] * N_KINDS, [0.0] * N_KINDS
        for k in range(N_KINDS):
            seekers = [f for f in self.homes if f.demand[k] > 0.0 and self.rng.random() < f.demand[k]]
            if len(seekers) > self.free[k]:
                race = sorted(seekers, key=lambda f: self.rng.exponential(1.0 / f.demand[k]))
                seekers = race[:self.free[k]]
            for f in seekers:
                f.engaged[k] = sp.episode_months
                by_referral[k] += f.referral_share[k]
            intake[k] = len(seekers)
        self.flows["intake"], self.flows["intake_by_referral"] = intake, by_referral
        self.support_summary = dict(parents=0, covered=0.0, supported=0, needy=0, needy_supported=0)
        families.do("step_support")
        s = self.support_summary
        self.saturation = s["covered"] / max(s["parents"], 1)
        self.families_supported = s["supported"] / max(len(self.homes), 1)
        self.reach_neediest = s["needy_supported"] / max(s["needy"], 1)
        self.kind_capacity = capacity
        self.capacity_used = (sum(self.active_now) + sum(intake)) / max(sum(math.floor(c) for c in capacity), 1)

    def families_month(self) -> None:
        families = self.agents_of(Family)
        families.do("step_circumstances")
        families.do("plan_targets")
        families.do("apply_targets")

    def trust_month(self) -> None:
        families = self.agents_of(Family)
        families.do("step_trust_contact")
        families.do("plan_trust_spread")
        families.do("apply_trust_spread")

    def norms(self) -> None:
        p = self.params
        self.norm_lowering = (p.norms.saturation_lowering * self.saturation
                              + p.system.voice_norm_lowering * self.voice)
        families = self.agents_of(Family)
        self.norm_share = sum(f.norm for f in self.homes) / len(self.homes)
        families.do("plan_norm")
        families.do("apply_norm")

    def development(self) -> None:
        self.agents_of(Child).do("step_develop")

    def partnership_ties(self) -> None:
        """Joint work, strengthening, decay, champions' turnover, formation, loss."""
        tp = self.params.ties
        G, orgs = self.ties, self.orgs
        S = self.strengths()
        total = {i: sum(row.values()) for i, row in S.items()}
        referral = [0.0] * len(orgs)
        for o in orgs:
            if o.kind in KIND_POS:
                k = KIND_POS[o.kind]
                referral[o.index] = self.flows["intake_by_referral"][k] / max(self.kind_capacity[k], 1.0)
        attention = [o.engagement * o.active for o in orgs]
        # network work: strong-tie capital per unit of tie strength
        strong = {i: min(sum(v * v for v in row.values()) / 3.0, 1.0) / max(total[i], 1e-9)
                  for i, row in S.items()}
        equity_target = 0.5 + 0.5 * self.voice
        for i, j, d in G.edges(data=True):
            s = S[i][j]
            hw = 0.5 * (orgs[i].hardwired + orgs[j].hardwired)
            work = (tp.ordinary_work * (attention[i] * s / max(total[i], 1e-9) + attention[j] * s / max(total[j], 1e-9))
                    + tp.shared_case_work * (referral[i] + referral[j])
                    + tp.network_work * d["reciprocity"] * s * (strong[i] + strong[j])
                    * (1.0 + tp.shared_infrastructure * (hw + self.data_maturity))
                    + self.cluster.get((min(i, j), max(i, j)), 0.0))
            gain = tp.joint_work_gain * min(work, 2.0)
            d["trust"] += gain * (1 - d["trust"])
            d["reciprocity"] += gain * (1 - d["reciprocity"])
            d["equity"] += gain * (equity_target - d["equity"])
            neutral = orgs[i].neutral or orgs[j].neutral
            idle = clip(1.0 - work, 0.0, 1.0)
            embedded = 1.0 + tp.embeddedness * self.two_paths(S, i, j)
            decay = (tp.decay * self.alteration.tie_decay * idle / embedded
                     + tp.competition * (not neutral)) * (1 - hw)
            for e in ELEMENTS:
                d[e] *= 1.0 - decay
        self.agents_of(Organisation).do("step_turnover")
        for i, j, d in G.edges(data=True):
            if orgs[i].leaving or orgs[j].leaving:
                lost = tp.personal_share * (1 - 0.5 * (orgs[i].hardwired + orgs[j].hardwired))
                d["trust"] *= 1 - lost
                d["empathy"] *= 1 - lost
        # Formation: chance meetings (champions, engagement), triadic closure, and the
        # standing joint work of a schools partnership between untied schools.
        S = self.strengths()
        champ = [(tp.champion_boost if o.champion else 1.0) * (0.5 + o.engagement) for o in orgs]
        active = [o.index for o in orgs if o.active]
        new = []
        for a, i in enumerate(active):
            for j in active[a + 1:]:
                if S[i].get(j, 0.0) > 0:
                    continue
                rate = (tp.formation * champ[i] * champ[j] + tp.closure * self.two_paths(S, i, j)
                        + self.cluster.get((i, j), 0.0))
                if self.rng.random() < 1.0 - math.exp(-rate):
                    new.append((i, j))
        for i, j in new:
            G.add_edge(i, j, **{e: tp.new_tie_strength for e in ELEMENTS})
        self.flows["ties_formed"] = len(new)
        # Loss below the floor, or when a partner is gone.
        lost = 0
        for i, j in list(G.edges):
            s = self.tie_strength(i, j)
            if s <= 0 or s < tp.removal or not (orgs[i].active and orgs[j].active):
                G.remove_edge(i, j)
                lost += s > 0
        self.flows["ties_lost"] = lost

    def engagement(self) -> None:
        ep = self.params.engagement
        capital = relationship_capital(self, [o for o in self.orgs if o.active])
        history = self.strength_history
        history.append(capital)
        if len(history) > MOMENTUM_WINDOW + 1:
            history.pop(0)
        momentum = max(capital - history[0], 0.0)
        target = (ep.base + ep.need_motivation * self.area_z + ep.culture * self.partnership
                  + ep.progress_gain * (0.0 + momentum))
        self.engagement_target = target       # before each organisation's own network value
        orgs = self.agents_of(Organisation)
        orgs.do("plan_engagement")
        orgs.do("apply_engagement")

    def system(self) -> None:
        """Data maturity and voice drift back without hours (there are none here)."""
        sp = self.params.system
        self.data_maturity = clip(self.data_maturity - sp.data_decay * (self.data_maturity - sp.data_baseline), 0.0, 1.0)
        self.voice = clip(self.voice - sp.voice_decay * self.voice, 0.0, 1.0)
        self.families_reached += self.flows["first_supported"]
        self.ever_engaged |= {o.index for o in _members(self) if o.engagement > 0.5}
        self.reached_children |= {c.unique_id for c in _children(self) if c.family.supported_now}
        self.children_reached = len(self.reached_children)   # a child object is one child


def relationship_capital(model: ReferenceModel, members) -> float:
    """Mean over `members` of min(1, total tie strength / 3)."""
    members = list(members)
    return sum(min(o.tie_total() / 3.0, 1.0) for o in members) / max(len(members), 1)


# -- reporters (named functions, as sim/reporters.py; one value per model) -----------

def _members(model):
    return [o for o in model.orgs if o.active and not o.neutral]


def _children(model):
    return list(model.agents_of(Child))


def population(model):
    return len(_children(model)) + sum(f.adults for f in model.homes)


def children(model):
    return len(_children(model))


def _flow(name):
    def reporter(model):
        return model.flows[name]
    reporter.__name__ = name
    return reporter


def _score_mean(model, d):
    kids = _children(model)
    return sum(c.score(d) for c in kids) / max(len(kids), 1)


def mean_learning(model):
    return _score_mean(model, 0)


def mean_health(model):
    return _score_mean(model, 1)


def mean_wellbeing(model):
    return _score_mean(model, 2)


def _young_mean(model, d):
    young = [c for c in _children(model) if c.age < 60]
    return sum(c.score(d) for c in young) / max(len(young), 1)


def learning_under5(model):
    return _young_mean(model, 0)


def _school_age(model):
    return [c for c in _children(model) if 60 <= c.age < 192]


def score_with_barrier(model):
    kids = [c for c in _school_age(model) if c.barriers]
    return sum(c.score(0) for c in kids) / max(len(kids), 1)


def score_without_barrier(model):
    kids = [c for c in _school_age(model) if not c.barriers]
    return sum(c.score(0) for c in kids) / max(len(kids), 1)


def barrier_share(model):
    kids = _school_age(model)
    return sum(1 for c in kids if c.barriers) / max(len(kids), 1)


def barrier_unmanaged(model):
    kids = _school_age(model)
    return sum(1 for c in kids if c.barriers and c.barrier_loss > 0.0) / max(len(kids), 1)


def health_under5(model):
    return _young_mean(model, 1)


def leveraged(model):
    return 0.0          # seedcorn funds: no interventions here


def seedcorn_spent(model):
    return 0.0          # no interventions here


def made_good(model):
    return 0.0          # no shocks here


def crisis_funds(model):
    return 0.0          # no shocks here


def children_voice(model):
    return 0.0          # built only by a participation ladder's hours: none here


def families_newly_supported(model):
    return model.flows["first_supported"]


def families_reached(model):
    return model.families_reached


def children_reached(model):
    return model.children_reached


def organisations_ever_engaged(model):
    return len(model.ever_engaged)


def organisations_engaged(model):
    return sum(o.engagement > 0.5 for o in _members(model))


def _family_mean(attr):
    def reporter(model):
        return sum(float(getattr(f, attr)) for f in model.homes) / len(model.homes)
    return reporter


share_in_need = _family_mean("in_need")
workless_share = _family_mean("workless")
mean_stress = _family_mean("stress")
mean_debt = _family_mean("debt")
mean_home_learning = _family_mean("home_learning")
mean_trust = _family_mean("trust")
norm_adoption = _family_mean("norm")


def families_supported(model):
    return model.families_supported


def reach_neediest(model):
    return model.reach_neediest


def service_saturation(model):
    return model.saturation


def intake(model):
    return sum(model.flows["intake"])


def capacity_used(model):
    return model.capacity_used


def children_in_need(model):
    kids = _children(model)
    return 1e4 * sum(c.family.stress > 0.6 for c in kids) / max(len(kids), 1)


def tie_density(model):
    members = {o.index for o in _members(model)}
    tied = sum(2 for i, j in model.ties.edges if i in members and j in members and model.tie_strength(i, j) > 0)
    n = len(members)
    return tied / max(n * n - n, 1)


def mean_tie_strength(model):
    s = [model.tie_strength(i, j) for i, j in model.ties.edges]
    s = [x for x in s if x > 0]
    return sum(s) / max(len(s), 1)


def champions_share(model):
    m = _members(model)
    return sum(o.champion for o in m) / max(len(m), 1)


def partner_engagement(model):
    m = _members(model)
    return sum(o.engagement for o in m) / max(len(m), 1)


def shared_purpose(model):
    m = _members(model)
    return sum(o.alignment for o in m) / max(len(m), 1)


def relationships(model):
    return 0.8 * relationship_capital(model, _members(model)) + 0.2 * model.voice


def evidence_data(model):
    return model.data_maturity


def infrastructure(model):
    m = _members(model)
    return sum(o.hardwired for o in m) / max(len(m), 1)


def capacity(model):
    m = _members(model)
    return sum(o.engagement * (0.5 + 0.5 * o.champion) for o in m) / max(len(m), 1)


def coordination(model):
    taken = sum(model.flows["intake"])
    return sum(model.flows["intake_by_referral"]) / taken if taken > 0 else 0.0


def stage(model):
    values = {name: fn(model) for name, fn in SYSTEM_INDICATORS.items()}
    values["norm_adoption"] = norm_adoption(model)
    reached, ok = 1, True
    for level, (a, ta, b, tb) in enumerate(STAGE_RULES, start=2):
        ok = ok and values[a] >= ta and (b is None or values[b] >= tb)
        if ok:
            reached = level
    return reached


SYSTEM_INDICATORS = {
    "shared_purpose": shared_purpose, "relationships": relationships,
    "evidence_data": evidence_data, "infrastructure": infrastructure,
    "capacity": capacity, "coordination": coordination,
}
FLOW_NAMES = ("births", "moved_in", "moved_out", "left_at_19", "dropped", "evictions",
              "families_moved", "exclusions", "admissions", "ties_formed", "ties_lost")
REPORTERS = {
    "population": population, "children": children,
    **{name: _flow(name) for name in FLOW_NAMES},
    "mean_learning": mean_learning, "mean_health": mean_health, "mean_wellbeing": mean_wellbeing,
    "learning_under5": learning_under5, "health_under5": health_under5, "leveraged": leveraged,
    "score_with_barrier": score_with_barrier, "score_without_barrier": score_without_barrier,
    "barrier_share": barrier_share, "barrier_unmanaged": barrier_unmanaged,
    "share_in_need": share_in_need, "workless_share": workless_share, "mean_stress": mean_stress,
    "mean_debt": mean_debt, "mean_home_learning": mean_home_learning, "mean_trust": mean_trust,
    "norm_adoption": norm_adoption, "families_supported": families_supported,
    "reach_neediest": reach_neediest, "service_saturation": service_saturation,
    "intake": intake, "capacity_used": capacity_used, "children_in_need": children_in_need,
    "tie_density": tie_density, "mean_tie_strength": mean_tie_strength,
    "families_newly_supported": families_newly_supported, "organisations_engaged": organisations_engaged,
    "families_reached": families_reached, "organisations_ever_engaged": organisations_ever_engaged,
    "children_reached": children_reached,
    "seedcorn_spent": seedcorn_spent, "made_good": made_good, "crisis_funds": crisis_funds,
    "children_voice": children_voice,
    "champions_share": champions_share, "partner_engagement": partner_engagement,
    **SYSTEM_INDICATORS, "stage": stage,
}


def milestone_totals(counts: dict) -> dict[str, float]:
    """Share reaching each milestone over a run, per group ('eyfs_gld', 'eyfs_gld.in_need')."""
    out = {}
    for m in MILESTONES:
        for g in GROUPS:
            reached, assessed = counts[m][g]
            key = m if g == "all" else f"{m}.{g}"
            out[key] = reached / assessed if assessed else float("nan")
    return out


def run_reference(place: PlaceParams, params: ModelParams, england, seed: int, months: int,
                  alteration: Alteration | None = None) -> dict[str, float]:
    """Run one replicate; return the last month's reporters and the run's milestone shares."""
    model = ReferenceModel(place, params, england, seed, alteration)
    counts = {m: {g: [0, 0] for g in GROUPS} for m in MILESTONES}
    for _ in range(months):
        model.step()
        for m in MILESTONES:
            for g in GROUPS:
                counts[m][g][0] += model.flows["milestones"][m][g][0]
                counts[m][g][1] += model.flows["milestones"][m][g][1]
    out = {name: float(values[-1]) for name, values in model.datacollector.model_vars.items()}
    out.update(milestone_totals(counts))
    out["seed"] = seed
    return out
