"""Columnar state of a batch of replicates of one place.

Every per-agent attribute is one NumPy array whose first axis is the replicate, so a
monthly process is one vectorised pass over the whole batch (docs/ODD.md, "Batching").
Children live in a fixed number of slots per replicate (`alive` marks the used ones);
families live in the place's homes (one family per home, a move replaces the family);
organisations are few, so their partnership layer is a dense (R, O, O) array per tie
element (see docs/ODD.md, "Engineering decisions" for why it is not sparse).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sim.kernels.development import SUMMARY_COLUMNS
from sim.orgs import Layout
from sim.outcomes import GROUPS, MILESTONES
from sim.scratch import Scratch

# Family stress above which its children count toward "children in need" (a reporter).
SEVERE_STRESS = 0.6


@dataclass
class Children:
    """Children 0-19, one slot per possible child; shapes (R, C) unless noted."""

    alive: np.ndarray
    age: np.ndarray            # months, int32
    fam: np.ndarray            # family (home) index within the replicate, int32
    school: np.ndarray         # organisation index of the school attended, -1 if none
    ability: np.ndarray        # (R, C, 3) fixed individual component per domain, SD
    env: np.ndarray            # (R, C, 3) accumulated environmental component, SD
    support_boost: np.ndarray  # (R, C, 3) the part of env from support that fades once support stops (ODD 7.8), SD
    support_months: np.ndarray  # months of any support received so far, int32
    support_domains: np.ndarray  # bit mask of domains ever supported (1 learning, 2 health, 4 wellbeing)
    barrier_months: np.ndarray  # months lived with a barrier to learning (chronic illness, crisis), int32
    reached_by: np.ndarray     # bit mask of the programmes that reached the child (bit = Programme.bit), int32

    def score(self) -> np.ndarray:
        """Latent scores (R, C, 3): learning, health, wellbeing, England-standardised."""
        return self.ability + self.env


@dataclass
class Families:
    """Families, one per home; shapes (R, F)."""

    deprivation: np.ndarray    # SD of family deprivation (0 = England mean)
    in_need: np.ndarray        # bool: deprivation above the 'in need' cut
    workless: np.ndarray       # bool
    no_qualifications: np.ndarray  # bool
    poor_health: np.ndarray    # bool
    housing: np.ndarray        # SD of housing pressure
    debt: np.ndarray           # arrears, 0-1
    stress: np.ndarray         # 0-1
    home_learning: np.ndarray  # SD
    trust: np.ndarray          # trust in services, 0-1
    norm: np.ndarray           # bool: holds the pro-learning norm
    norm_threshold: np.ndarray  # share of ties that must hold the norm before adopting
    adults: np.ndarray         # adults in the home, int32
    informal_support: np.ndarray  # 0-1, refreshed monthly
    engaged: np.ndarray        # (R, F, K) int8: months left of an episode with each service kind (at most 120)
    neediest: np.ndarray       # bool: in the replicate's most deprived decile of families
    neediest_cut: np.ndarray   # (R, 1) deprivation cut of that decile (recomputed yearly)
    evict_pending: np.ndarray  # bool: evicted this month, moves out next month
    ever_supported: np.ndarray  # bool: supported by any service since the run began (or since moving in)


@dataclass
class Organisations:
    """Schools, services, community groups and the core team; shapes (R, O) or (R, O, O)."""

    kind: np.ndarray           # (O,) sim.orgs.Kind value
    active: np.ndarray         # (R, O) bool: present in the place now
    neutral: np.ndarray        # (O,) bool: ties immune to competition (core team)
    capacity: np.ndarray       # families at once (services) or pupils (schools)
    quality: np.ndarray        # SD relative to England
    targeting: np.ndarray      # 0-1
    champion: np.ndarray       # bool
    engagement: np.ndarray     # 0-1
    alignment: np.ndarray      # 0-1: share of the agenda carrying children's priorities
    hardwired: np.ndarray      # 0-1: collaboration embedded in budgets, governance, learning
    trust: np.ndarray          # (R, O, O) tie elements, 0-1, symmetric
    reciprocity: np.ndarray
    empathy: np.ndarray
    equity: np.ndarray
    legacy: np.ndarray         # (R, O, O) strength of ties that pre-date the run
    legacy_total: np.ndarray   # (R, O) legacy summed over partners (fixed, as legacy is)

    def strength(self) -> np.ndarray:
        """Tie strength (R, O, O): the mean of the four elements of a good relationship."""
        return 0.25 * (self.trust + self.reciprocity + self.empathy + self.equity)


@dataclass
class Place:
    """Per-replicate place-level quantities (R,) and the place's fixed structure, with
    the lookups that structure implies, worked out once when the place is built."""

    indicators: np.ndarray     # (R, 5) Table 1 indicators in their units
    area_z: np.ndarray         # (R,) area deprivation in SD of Table 1 IMD
    family_mean: np.ndarray    # (R,) mean family deprivation, SD
    workless_rate: np.ndarray  # (R,) target household worklessness
    no_qualifications_rate: np.ndarray  # (R,)
    poor_health_rate: np.ndarray  # (R,)
    # Probit cuts of the three rates: a drawn family has the attribute when its
    # rho z0 + sqrt(1 - rho^2) noise lies above the cut (sim.place.draw_families).
    workless_cut: np.ndarray   # (R,)
    no_qualifications_cut: np.ndarray  # (R,)
    poor_health_cut: np.ndarray  # (R,)
    housing_mean: np.ndarray   # (R,) mean family housing pressure, SD
    family_ties: sp.csr_matrix  # (R*F, R*F) block-diagonal informal ties, 0/1
    degree: np.ndarray         # (R, F) number of informal ties
    starting_trust: np.ndarray  # (R,)
    births_per_month: float    # expected births per replicate per month
    second_adult_share: float  # share of homes with two adults
    children_per_home: float   # mean children per home at the start (newcomers bring as many)
    partnership: float         # the place's starting partnership strength (0-1)
    layout: Layout             # which organisations deliver each service kind, where the schools are
    school_levels: np.ndarray  # (levels, most) the settings of each school level (schools.level_table)
    school_level_count: np.ndarray  # (levels,) settings per level
    exclusion_factor: np.ndarray  # (O,) each organisation's exclusion hazard as a school (development)


@dataclass
class Flows:
    """What happened this month, for the reporters; shapes (R,) unless noted.

    A month starts with new arrays (`Flows.empty`, State.reset_month) rather than
    zeroing last month's: the collector keeps the arrays reporters return as they are
    (sim.reporters.Collector), so last month's must stay as they were.
    """

    births: np.ndarray
    moved_in: np.ndarray        # children arriving with families
    moved_out: np.ndarray       # children leaving with families
    left_at_19: np.ndarray
    dropped: np.ndarray         # births or arrivals with no free child slot (should stay 0)
    evictions: np.ndarray
    families_moved: np.ndarray
    intake: np.ndarray          # (R, K) families newly taken on
    intake_by_referral: np.ndarray  # (R, K) expected number of this month's intake that came by referral
    exclusions: np.ndarray
    admissions: np.ndarray
    milestone_counts: np.ndarray  # (R, M, G, 2): reached, assessed
    leveraged: np.ndarray       # GBP raised this month (seedcorn)
    seedcorn_spent: np.ndarray  # GBP of the seedcorn pot spent this month (pilots, capacity)
    made_good: np.ndarray       # share of a shock's capacity cut the network's response made good this month
    crisis_funds: np.ndarray    # GBP the network mobilised in a shock this month (part of `leveraged`)
    first_supported: np.ndarray  # families supported this month for the first time
    champions_lost: np.ndarray
    ties_formed: np.ndarray
    ties_lost: np.ndarray

    @classmethod
    def empty(cls, R: int, K: int) -> "Flows":
        """Nothing happened yet: every count 0 (int64), funds and expected counts 0.0."""
        def count() -> np.ndarray:
            return np.zeros(R, dtype=np.int64)

        return cls(births=count(), moved_in=count(), moved_out=count(), left_at_19=count(),
                   dropped=count(), evictions=count(), families_moved=count(),
                   intake=np.zeros((R, K), dtype=np.int64), intake_by_referral=np.zeros((R, K)),
                   exclusions=count(), admissions=count(),
                   milestone_counts=np.zeros((R, len(MILESTONES), len(GROUPS), 2), dtype=np.int64),
                   leveraged=np.zeros(R), seedcorn_spent=np.zeros(R),
                   made_good=np.zeros(R), crisis_funds=np.zeros(R), first_supported=count(), champions_lost=count(),
                   ties_formed=count(), ties_lost=count())


@dataclass
class Modifiers:
    """What interventions change this month, reset to neutral at the start of each month.

    Interventions act through these (capacity, quality, targeting, turnover, referral
    follow-through) and through ties, trust, voice and data maturity, never on outcomes.
    """

    capacity_add: np.ndarray     # (R, O) extra families at once (or pupils' share for schools)
    capacity_mult: np.ndarray    # (R, O) multiplier on capacity (funding cuts, closures)
    quality_add: np.ndarray      # (R, O) SD added to quality
    targeting_add: np.ndarray    # (R, O) added to targeting accuracy (0-1 scale)
    turnover_mult: np.ndarray    # (R,) multiplier on champion turnover
    follow_add: np.ndarray       # (R,) added to referral follow-through (case management)
    core_hours_mult: np.ndarray  # (R,) share of the core team's hours left (host upheaval)

    @classmethod
    def neutral(cls, R: int, n_org: int) -> "Modifiers":
        return cls(np.zeros((R, n_org)), np.ones((R, n_org)), np.zeros((R, n_org)),
                   np.zeros((R, n_org)), np.ones(R), np.zeros(R), np.ones(R))

    def reset(self) -> None:
        self.capacity_add[:] = 0.0
        self.capacity_mult[:] = 1.0
        self.quality_add[:] = 0.0
        self.targeting_add[:] = 0.0
        self.turnover_mult[:] = 1.0
        self.follow_add[:] = 0.0
        self.core_hours_mult[:] = 1.0


@dataclass
class State:
    """The whole batch: children, families, organisations, the place, this month's flows.

    Every field exists from the start (sim.place.build_state): a process overwrites the
    monthly ones in place or assigns a new array, and nothing is ever None.
    """

    children: Children
    families: Families
    orgs: Organisations
    place: Place
    flows: Flows
    # Monthly inputs that one process hands to later ones.
    # Both are meaningful only where family_supported_now (the kernels read them only there);
    # child_support is rewritten in place each month and local_norm is a reused work array
    # (State.scratch), so hold a copy, not a reference, to keep a month's values.
    family_support: np.ndarray   # (R, F, channels) from services to families
    child_support: np.ndarray    # (R, F, bands, domains) from services to children
    local_norm: np.ndarray       # (R, F) share of a family's ties holding the norm
    committed: np.ndarray        # (R, F) bool: families holding the norm whatever their ties (set by interventions this month)
    saturation: np.ndarray       # (R,) share of families with children supported by good services
    data_maturity: np.ndarray    # (R,) 0 dashboards .. 1 shared intelligence
    voice: np.ndarray            # (R,) residents' share of decision power
    children_voice: np.ndarray   # (R,) children's own share of decision power (seed 002)
    progress: np.ndarray         # (R,) visible progress signal communicated to partners
    joint_extra: np.ndarray      # (R, O, O) joint work added by interventions this month
    cluster_work: np.ndarray     # (O, O) standing joint work of a schools partnership
    mods: Modifiers              # this month's intervention modifiers
    introductions: np.ndarray    # (R, O, O) monthly meeting chance added by interventions
    # Hours and ceilings interventions set this month (reset monthly), read by system.step.
    data_work: np.ndarray        # (R,) data-work hours
    community_hours: np.ndarray  # (R,) community-engagement hours
    children_share_now: np.ndarray  # (R,) share of them spent with children (LocalVoice.children_share)
    pilot_support_hours: np.ndarray  # (R,) core-team hours for pilots
    data_ceiling: np.ndarray     # (R,) highest data maturity reachable now
    voice_ceiling: np.ndarray    # (R,) highest voice reachable now
    strength: np.ndarray         # (R, O, O) tie strength, refreshed by refresh_strength()
    # Stocks that last the run: the seedcorn pot not yet spent, and the headline counts a
    # funder reads (families ever reached; organisations ever engaged), kept by system.step.
    seedcorn_pot: np.ndarray     # (R,) GBP raised and not yet spent
    families_reached: np.ndarray  # (R,) int64: families ever supported since the run began
    orgs_ever_engaged: np.ndarray  # (R, O) bool: engagement above one half at some month-end
    children_reached: np.ndarray  # (R,) int64: children ever in a supported family since the run began
    # What services found this month (services.step), read by later processes and reporters.
    kind_capacity: np.ndarray    # (R, K) capacity per service kind
    family_contact: np.ndarray   # (R, F) value of current service contacts, 0 if none
    family_supported_now: np.ndarray  # (R, F) bool: supported by any service now
    families_supported: np.ndarray  # (R,) share of families supported now
    reach_neediest: np.ndarray   # (R,) share of the neediest tenth supported now
    capacity_used: np.ndarray    # (R,) share of service capacity in use
    child_summary: np.ndarray    # (R, KDV.SUMMARY_COLUMNS) score sums and counts (sim.kernels.development.development_month)
    # What programmes give this month (sim/interventions/programme.py; reset monthly):
    # per child, value added on top of the school's and on-site care of barriers; per
    # family, care of a chronic condition, support in a crisis, and support to children
    # by age band (merged into the services' by services.step).
    child_school_add: np.ndarray  # (R, C) SD
    child_care: np.ndarray       # (R, C) bool
    programme_health_care: np.ndarray  # (R, F) bool
    programme_crisis_support: np.ndarray  # (R, F) bool
    programme_supported: np.ndarray  # (R, F) bool
    programme_child_support: np.ndarray  # (R, F, bands, domains)
    in_zone: np.ndarray          # (R, F) bool: homes inside a zone (all, unless an HCZ zone covers part of the place)
    zone_access: np.ndarray      # (R, F) bool: homes whose families can use the zone's programmes (in it, or reaching them from outside)
    exclusion_multiplier: float  # the place's exclusion rate relative to England
    n_pilots_planned: int = 0
    programmes_active: bool = False  # any programme gave support this month
    n_programmes: int = 0        # programmes in the scenario (each has a bit of Children.reached_by)
    strength_history: list = field(default_factory=list)
    new_children: tuple = ()     # (replicate, slot) of children who arrived this month
    scratch: Scratch = field(default_factory=Scratch)  # work arrays reused by the kernels

    def reset_month(self, params) -> None:
        """New flows and neutral monthly inputs, before anything happens this month."""
        self.flows = Flows.empty(self.n_replicates, self.flows.intake.shape[1])
        self.joint_extra[:] = 0.0
        self.introductions[:] = 0.0
        self.progress[:] = 0.0
        self.mods.reset()
        self.committed[:] = False
        self.data_work[:] = 0.0
        self.community_hours[:] = 0.0
        self.children_share_now[:] = 0.0
        self.pilot_support_hours[:] = 0.0
        self.data_ceiling[:] = params.system.data_ceiling
        self.voice_ceiling[:] = params.system.voice_ceiling
        if self.n_programmes:
            self.child_school_add[:] = 0.0
            self.child_care[:] = False
            self.programme_health_care[:] = False
            self.programme_crisis_support[:] = False
            self.programme_supported[:] = False
            self.programme_child_support[:] = 0.0
            self.programmes_active = False

    def child_summary_now(self) -> np.ndarray:
        """(R, SUMMARY_COLUMNS) the sums development_month keeps, computed from the arrays
        (month 0; the barrier sums, which need the month's care, start at 0)."""
        ch = self.children
        z = ch.score()
        young = ch.alive & (ch.age < 60)
        return np.stack([(z[..., 0] * ch.alive).sum(1), (z[..., 1] * ch.alive).sum(1),
                         (z[..., 2] * ch.alive).sum(1), ch.alive.sum(1).astype(float),
                         (z[..., 0] * young).sum(1), (z[..., 1] * young).sum(1),
                         young.sum(1).astype(float),
                         (np.take_along_axis(self.families.stress > SEVERE_STRESS, ch.fam, axis=1)
                          & ch.alive).sum(1).astype(float)]
                        + [np.zeros(len(z))] * (SUMMARY_COLUMNS - 8), axis=1)

    def quality_now(self) -> np.ndarray:
        """(R, O) organisation quality this month, interventions included."""
        return self.orgs.quality + self.mods.quality_add

    def refresh_strength(self) -> np.ndarray:
        """Recompute the cached tie strength after tie elements changed."""
        self.strength = self.orgs.strength()
        return self.strength

    @property
    def n_replicates(self) -> int:
        return self.children.alive.shape[0]
