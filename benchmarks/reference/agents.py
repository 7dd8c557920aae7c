"""Children, families and organisations as ordinary Mesa agents, one Python object each.

Each monthly process of placesim (sim/processes/*.py) is a method here, acting on one
agent with plain Python floats; the model (benchmarks/reference/model.py) activates the
methods in the vectorised model's order. Where the vectorised rule is synchronous (every
family reads its neighbours' values from before the update), the method is split in a
`plan_*` and an `apply_*` stage, which is how a Mesa model gets simultaneous activation.
Random draws come from the model's `numpy.random.Generator`, one call per agent, so the
numbers differ from the vectorised model's counter-based streams; the rules do not.
"""
from __future__ import annotations

import math

import mesa

from sim import orgs as O
from sim.outcomes import MILESTONES

LEARNING, HEALTH, WELLBEING = 0, 1, 2
N_KINDS = O.N_SERVICE_KINDS
FULL_SUPPORT_TIES = 4.0  # as sim/processes/families.py
NEED_ROWS = [[float(w) for w in row] for row in O.NEED]
FAMILY_ROWS = [[float(w) for w in row] for row in O.FAMILY_EFFECT]
CHILD_ROWS = [[[float(w) for w in dom] for dom in band] for band in O.CHILD_EFFECT]
GATES = [O.GATE[k] for k in O.SERVICE_KINDS]
FC = O.FC


def clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


class Child(mesa.Agent):
    """A child 0-19 in a family. Scores are ability + environment per domain (SD)."""

    def __init__(self, model, family: "Family", age: int, ability, env=(0.0, 0.0, 0.0),
                 school: int = -1, support_months: int = 0, support_domains: int = 0,
                 fresh: bool = False):
        super().__init__(model)
        self.family = family
        self.age = int(age)
        self.ability = [float(a) for a in ability]
        self.env = [float(e) for e in env]
        self.boost = [0.0, 0.0, 0.0]    # the part of env from support that fades once it stops
        self.school = int(school)
        self.support_months = int(support_months)
        self.support_domains = int(support_domains)   # bit d set: domain d ever supported
        self.fresh = fresh          # arrived or born this month
        self.barrier_months = 0
        self.barriers = 0           # barriers carried this month (managed or not)
        self.barrier_loss = 0.0     # share of this month's school learning they took
        family.children.append(self)

    def score(self, d: int) -> float:
        return self.ability[d] + self.env[d]

    def leave(self) -> None:
        self.family.children.remove(self)
        self.remove()

    # -- demography ---------------------------------------------------------------
    def step_age(self) -> None:
        self.age += 1
        if self.age >= self.model.params.demography.leave_age_months:
            self.model.flows["left_at_19"] += 1
            self.leave()

    # -- schools ------------------------------------------------------------------
    def step_school(self) -> None:
        """Join a setting at a transition age, or on arrival if old enough."""
        m = self.model
        entry = m.entry_ages
        if not (self.age in entry or (self.fresh and self.age >= entry[0])):
            return
        level = max(i for i, a in enumerate(entry) if a <= self.age)
        takeup = m.level_takeup[level]
        attends = True if takeup is None else m.rng.random() < takeup
        options = m.level_members[level]
        u = m.rng.random()
        pick = options[min(int(u * len(options)), len(options) - 1)] if options else -2
        self.school = pick if attends else -1

    # -- development --------------------------------------------------------------
    def inputs(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """This month's environmental input to learning, health and wellbeing, and the
        part of each that is support."""
        m, fam = self.model, self.family
        dv = m.params.development
        deficit = 0.5 * (max(-self.score(HEALTH), 0.0) + max(-self.score(WELLBEING), 0.0))
        damp = clip(1.0 - dv.cross_domain * deficit, 0.0, 1.0)
        ret = max(1.0 + dv.complementarity * self.env[LEARNING], 0.0)
        chronic = self.ability[HEALTH] < m.chronic_cut
        crisis = fam.stress > dv.crisis_stress or self.score(WELLBEING) < dv.crisis_wellbeing
        cared = any(fam.engaged[k] > 0 for k in m.health_care_kinds)
        supported = any(fam.engaged[k] > 0 for k in m.crisis_support_kinds)
        unmanaged = int(chronic and not cared) + int(crisis and not supported)
        self.barriers = int(chronic) + int(crisis)
        self.barrier_loss = min(dv.barrier_strength * unmanaged, 1.0) if self.school >= 0 else 0.0
        loss = self.barrier_loss
        q = m.orgs[self.school].quality if self.school >= 0 else 0.0
        school = ((1.0 - loss) * dv.school_effect * ret * q - loss * dv.school_day_value
                  if self.school >= 0 else 0.0)
        band = 0 if self.age < 60 else 1 if self.age < 132 else 2
        sup = fam.child_support[band] if fam.supported_now else [0.0, 0.0, 0.0]
        from_support = (sup[LEARNING] * damp * ret, sup[HEALTH], sup[WELLBEING])
        norm = fam.local_norm
        learn = (-dv.deprivation_effect * fam.deprivation - dv.qualification_effect * fam.no_qualifications
                 - dv.workless_effect * fam.workless + dv.home_learning_effect * fam.home_learning
                 + school + dv.neighbourhood_effect * norm
                 - dv.cross_domain * deficit + from_support[LEARNING])
        health = (-dv.health_deprivation_effect * fam.deprivation - dv.health_poor_effect * fam.poor_health
                  - dv.health_stress_effect * fam.stress - dv.health_housing_effect * fam.housing
                  + from_support[HEALTH])
        wellbeing = (-dv.stress_effect * fam.stress - dv.housing_effect * fam.housing
                     + dv.informal_support_effect * fam.informal_support
                     + dv.neighbourhood_effect * norm + from_support[WELLBEING])
        return (learn, health, wellbeing), from_support

    def step_develop(self) -> None:
        m, fam = self.model, self.family
        dv, mp = m.params.development, m.params.milestones
        x, from_support = self.inputs()
        p = dv.persistence
        if self.fresh:
            self.barrier_months = 0
        if self.barriers:
            self.barrier_months += 1
        if self.fresh:
            share = 1.0 - p ** self.age
            self.env = [share * v for v in x]
            self.boost = [0.0, 0.0, 0.0]
        noise = dv.noise_sd * math.sqrt(12.0)
        fading = (1.0 - dv.support_persistent_share, 1.0 - dv.support_persistent_share_other,
                  1.0 - dv.support_persistent_share_other)
        for d in range(3):
            # the fading part keeps pace with env while support lasts, then fades
            k = p if from_support[d] != 0.0 else 1.0 - dv.support_fadeout
            self.env[d] = (p * self.env[d] + (1.0 - p) * x[d] + noise * (m.rng.random() - 0.5)
                           - (p - k) * self.boost[d])
            self.boost[d] = k * self.boost[d] + (1.0 - p) * fading[d] * from_support[d]
        self.fresh = False
        if fam.supported_now:
            self.support_months += 1
            band = 0 if self.age < 60 else 1 if self.age < 132 else 2
            for d in range(3):
                if fam.child_support[band][d] > 0.0:
                    self.support_domains |= 1 << d
        z = (self.score(0), self.score(1), self.score(2))
        for i, name in enumerate(MILESTONES):
            if self.age == m.milestone_age[i]:
                w = m.milestone_weight[i]
                hit = int(w[0] * z[0] + w[1] * z[1] + w[2] * z[2] > m.milestone_threshold[i])
                counts = m.flows["milestones"][name]
                counts["all"][0] += hit
                counts["all"][1] += 1
                if fam.in_need:
                    counts["in_need"][0] += hit
                    counts["in_need"][1] += 1
        if self.school >= 0 and m.orgs[self.school].exclusion_factor > 0.0:
            hazard = m.exclusion_rate * m.orgs[self.school].exclusion_factor
            if m.rng.random() < hazard * math.exp(-mp.exclusion_wellbeing_slope * z[2]):
                m.flows["exclusions"] += 1
        if self.age >= 120:
            if m.rng.random() < mp.admission_rate * math.exp(-mp.admission_wellbeing_slope * z[2]):
                m.flows["admissions"] += 1


class Family(mesa.Agent):
    """The family living in one home; its informal ties are the home's ties."""

    def __init__(self, model, home: int, **attrs):
        super().__init__(model)
        self.home = home
        self.children: list[Child] = []
        self.deprivation = self.housing = self.debt = self.stress = 0.0
        self.home_learning = self.trust = self.norm_threshold = self.informal_support = 0.0
        self.in_need = self.workless = self.no_qualifications = self.poor_health = False
        self.norm = self.neediest = self.evict_pending = self.supported_now = False
        self.ever_supported = False
        self.adults = 1
        self.engaged = [0] * N_KINDS                      # months left of each episode
        self.family_support = [0.0] * len(O.FAMILY_CHANNELS)
        self.child_support = [[0.0] * 3 for _ in range(3)]  # [age band][domain]
        self.contact = 0.0
        self.local_norm = 0.0
        self.last_stress = 0.0                            # last month's stress, which norms read
        for name, value in attrs.items():
            setattr(self, name, value)
        self._next: dict = {}

    def neighbours(self) -> list["Family"]:
        homes = self.model.homes
        return [homes[h] for h in self.model.family_ties[self.home]]

    def neighbour_mean(self, attr: str) -> float:
        """Mean over the family's informal ties; a family with none is its own reference."""
        nbrs = self.model.family_ties[self.home]
        if not nbrs:
            return float(getattr(self, attr))
        homes = self.model.homes
        return sum(float(getattr(homes[h], attr)) for h in nbrs) / len(nbrs)

    # -- demography ---------------------------------------------------------------
    def step_move(self) -> None:
        """Move out (by chance, or after last month's eviction); a newcomer moves in."""
        m = self.model
        if self.evict_pending:
            m.flows["evictions"] += 1
        if not (m.rng.random() < m.monthly_move or self.evict_pending):
            self.evict_pending = False
            return
        m.flows["families_moved"] += 1
        for child in list(self.children):
            m.flows["moved_out"] += 1
            child.leave()
        newcomer = m.new_family(self.home, neediest=self.neediest)
        m.homes[self.home] = newcomer
        self.remove()
        newcomer.arrive_with_children()

    def arrive_with_children(self) -> None:
        m = self.model
        u = m.rng.random()
        n = next((k for k, c in enumerate(m.arrival_cdf) if c >= u), len(m.arrival_cdf) - 1)
        for _ in range(min(n, 3)):
            age = int(m.rng.random() * m.params.demography.leave_age_months)
            m.new_child(self, age)
            m.flows["moved_in"] += 1

    def step_births(self) -> None:
        m = self.model
        if m.rng.random() < m.births_per_home and self.adults > 0:
            m.new_child(self, 0)
            m.flows["births"] += 1

    # -- services -----------------------------------------------------------------
    def step_episodes(self) -> None:
        """Run episodes down a month; who is in the family; the school that knows it."""
        m = self.model
        for k in range(N_KINDS):
            if self.engaged[k] > 0:
                self.engaged[k] -= 1
                if self.engaged[k] > 0:
                    m.active_now[k] += 1
        kids = young = teen = 0
        health_def = wellbeing_def = 0.0
        hub = -1
        for child in self.children:
            kids += 1
            if child.age < 60:
                young += 1
            elif child.age >= 132:
                teen += 1
            health_def += max(-child.score(HEALTH), 0.0)
            wellbeing_def += max(-child.score(WELLBEING), 0.0)
            if child.school >= 0:
                hub = child.school
        self.kids, self.young, self.teen, self.hub = kids, young > 0, teen > 0, hub
        self.health_def, self.wellbeing_def = health_def, wellbeing_def

    def step_demand(self) -> None:
        """Need per kind of service, identification (outreach, referral), take-up."""
        m = self.model
        view = m.kind_view
        per_kid = max(self.kids, 1.0)
        feats = (1.0 if self.young else 0.0, 1.0 if self.teen else 0.0,
                 clip(-self.home_learning / 2.0, 0.0, 1.0),
                 clip(self.health_def / per_kid / 1.5, 0.0, 1.0),
                 clip(self.wellbeing_def / per_kid / 1.5, 0.0, 1.0),
                 self.stress, self.debt, clip((self.housing + 1.0) / 3.0, 0.0, 1.0),
                 1.0 if self.workless else 0.0)
        take = self.trust ** m.params.trust.takeup_power
        via = list(view["school_to_kind"][self.hub]) if self.hub >= 0 else [0.0] * N_KINDS
        between = view["between"]
        for k2 in range(N_KINDS):
            if self.engaged[k2] > 0:
                row = between[k2]
                for k in range(N_KINDS):
                    via[k] += row[k]
        self.demand = demand = [0.0] * N_KINDS
        self.referral_share = share = [0.0] * N_KINDS
        for k in range(N_KINDS):
            if self.engaged[k] > 0 or m.free[k] <= 0:
                continue
            gate = GATES[k]
            if (gate == "children" and self.kids == 0) or (gate == "young" and not self.young) \
                    or (gate == "teen" and not self.teen):
                continue
            need = clip(sum(f * w for f, w in zip(feats, NEED_ROWS[k])), 0.0, 1.0)
            if need <= m.params.services.eligibility:
                continue
            referral = view["follow"] * need * via[k]
            t = view["targeting"][k]
            pressure = view["outreach"] * need * ((1.0 - t) + 2.0 * t * need) + referral
            demand[k] = pressure / (1.0 + pressure) * take
            if pressure > 0.0:
                share[k] = referral / pressure

    def step_support(self) -> None:
        """This month's inputs from the services the family is engaged with."""
        m = self.model
        view = m.kind_view
        sp = m.params.services
        fs = [0.0] * len(O.FAMILY_CHANNELS)
        cs = [[0.0] * 3 for _ in range(3)]
        weight = value = 0.0
        n = 0
        for k in range(N_KINDS):
            if self.engaged[k] > 0:
                n += 1
                w = view["quality_factor"][k]
                weight += w
                value += view["contact_value"][k]
                for j, e in enumerate(FAMILY_ROWS[k]):
                    fs[j] += sp.family_effect * w * e
                for b in range(3):
                    for d in range(3):
                        cs[b][d] += view["child_input"] * w * CHILD_ROWS[k][b][d]
        self.family_support, self.child_support = fs, cs
        self.contact = value / n if n else 0.0
        self.supported_now = n > 0
        if self.supported_now and not self.ever_supported:
            self.ever_supported = True
            m.flows["first_supported"] += 1
        s = m.support_summary
        if self.kids > 0:
            s["parents"] += 1
            s["covered"] += min(weight, 1.0)
        s["supported"] += n > 0
        if self.neediest:
            s["needy"] += 1
            s["needy_supported"] += n > 0

    # -- families -----------------------------------------------------------------
    def step_circumstances(self) -> None:
        """Work, arrears and eviction risk: this family's own state only."""
        m = self.model
        fp = m.params.families
        sup = self.family_support
        u = m.rng.random()
        rate = m.workless_rate
        if self.workless:
            finding = clip(fp.job_finding * (1 + sup[FC["work"]]), 0.0, 1.0)
            self.workless = u >= finding
        else:
            self.workless = u < fp.job_finding * rate / max(1 - rate, 1e-6)
        pressure = self.workless + 0.5 * max(self.housing, 0.0)
        self.debt = clip(self.debt + fp.debt_build * pressure - fp.debt_repay * (not self.workless)
                         - sup[FC["debt"]], 0.0, 1.0)
        evict_p = fp.eviction_rate * self.debt ** 2 * math.exp(-sup[FC["housing"]])
        self.evict_pending = m.rng.random() < evict_p

    def plan_targets(self) -> None:
        """Informal support from neighbours' stress, and the stress and home-learning targets."""
        m = self.model
        p = m.params
        fp = p.families
        sup = self.family_support
        degree = len(m.family_ties[self.home])
        informal = min(degree / FULL_SUPPORT_TIES, 1.0) * (
            sum(1.0 - n.stress for n in self.neighbours()) / max(degree, 1))
        drive = (fp.stress_intercept + fp.stress_deprivation * self.deprivation
                 + fp.stress_workless * self.workless + fp.stress_debt * self.debt
                 + fp.stress_housing * (self.housing - sup[FC["housing"]])
                 + fp.stress_health * self.poor_health
                 - fp.informal_buffer * informal - sup[FC["stress"]])
        target_stress = 1.0 / (1.0 + math.exp(-drive))
        target_hle = (fp.hle_intercept - fp.hle_qualification * self.no_qualifications
                      - fp.hle_stress * self.stress - fp.hle_deprivation * self.deprivation
                      + p.norms.hle_effect * self.norm
                      + p.development.informal_support_effect * informal + sup[FC["hle"]])
        self._next = dict(informal=informal, target_stress=target_stress, target_hle=target_hle)
        self.last_stress = self.stress

    def apply_targets(self) -> None:
        fp = self.model.params.families
        nx = self._next
        self.informal_support = nx["informal"]
        self.stress += fp.stress_rate * (nx["target_stress"] - self.stress)
        self.home_learning += fp.hle_rate * (nx["target_hle"] - self.home_learning)

    # -- trust --------------------------------------------------------------------
    def step_trust_contact(self) -> None:
        if self.contact > 0:
            self.trust += self.model.params.trust.contact_gain * (self.contact - self.trust)

    def plan_trust_spread(self) -> None:
        self._next = dict(trust_mean=self.neighbour_mean("trust"))

    def apply_trust_spread(self) -> None:
        tp = self.model.params.trust
        self.trust += tp.spread * (self._next["trust_mean"] - self.trust)
        self.trust += tp.relapse * (self.model.starting_trust - self.trust)
        self.trust = clip(self.trust, 0.0, 1.0)

    # -- norms --------------------------------------------------------------------
    def plan_norm(self) -> None:
        m = self.model
        npar = m.params.norms
        local = self.neighbour_mean("norm")
        self.local_norm = local
        threshold = self.norm_threshold - m.norm_lowering + npar.stress_cost * self.last_stress
        seen = (1.0 - npar.place_weight) * local + npar.place_weight * m.norm_share
        u = m.rng.random()
        if self.norm:
            give_up = npar.lapse + (npar.abandon if seen < threshold - npar.hysteresis else 0.0)
            holds = not u < give_up
        else:
            take_up = npar.spontaneous + (npar.adoption_rate if seen >= threshold else 0.0)
            holds = m.alteration.norm_adoption and u < take_up
        self._next = dict(norm=holds)

    def apply_norm(self) -> None:
        self.norm = self._next["norm"]


class Organisation(mesa.Agent):
    """A school, service, community group or the core team."""

    def __init__(self, model, index: int, **attrs):
        super().__init__(model)
        self.index = index
        for name, value in attrs.items():
            setattr(self, name, value)
        self._next: dict = {}

    def tie_total(self) -> float:
        """Sum of the strengths of this organisation's ties."""
        return sum(self.model.tie_strength(self.index, j) for j in self.model.ties.neighbors(self.index))

    # -- ties: champions ----------------------------------------------------------
    def step_turnover(self) -> None:
        """A champion may leave (the model then weakens this organisation's ties once);
        an organisation without one may gain one."""
        m = self.model
        tp = m.params.ties
        u0, u1 = m.rng.random(), m.rng.random()
        self.leaving = bool(self.champion and u0 < tp.turnover / 12.0 and not self.neutral)
        m.flows["champions_lost"] += self.leaving
        gains = (not self.champion) and u1 < tp.champion_emergence
        self.champion = bool(((self.champion and not self.leaving) or gains) and self.active)

    # -- engagement ---------------------------------------------------------------
    def plan_engagement(self) -> None:
        m = self.model
        ep, tp = m.params.engagement, m.params.ties
        total = self.tie_total()
        target = clip(m.engagement_target + ep.network_value * min(total / 3.0, 1.0), 0.0, 1.0)
        self.engagement += ep.rate * (target - self.engagement)
        self.engagement *= self.active
        influence = sum(m.tie_strength(self.index, j) * m.orgs[j].alignment
                        for j in m.ties.neighbors(self.index)) / max(total, 1e-9)
        legacy = sum(m.legacy.get(self.index, {}).values()) / max(total, 1e-9)
        resistance = 1.0 - tp.entrenchment * clip(legacy, 0.0, 1.0)
        rise = ep.alignment_rate * self.engagement * max(influence - self.alignment, 0.0) * resistance
        erode = 0.1 * ep.alignment_rate * (1 - self.hardwired) * self.alignment
        self._next = dict(alignment=clip(self.alignment + rise - erode, 0.0, 1.0))

    def apply_engagement(self) -> None:
        self.alignment = self._next["alignment"]
        if self.neutral:
            self.alignment = float(self.active)
            self.engagement = float(self.active)
