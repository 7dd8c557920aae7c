"""Child development in three interacting domains, and the milestones they pass.

Each domain score is a fixed individual component plus an environmental component
that moves, month by month, toward the current inputs of family, school, services and
neighbourhood: env <- p * env + (1 - p) * input + noise. The environmental part is
therefore a weighted sum of everything that happened, month after month. Gains from
support fade faster once it stops: a share of them (support_boost) fades at
support_fadeout toward the persistent rest (Li et al. 2020; Bailey et al. 2017). Domains interact (seed 004: "a problem in
health can compound a problem in education"): a health or wellbeing deficit lowers the
learning input *and* damps what learning support achieves, so support in several
domains at once is super-additive; `Development.cross_domain = 0` switches this off.
Equations: docs/ODD.md, "Development" and "Milestones". The rules in plain NumPy, in the
registry's names: family_part_numpy, child_inputs_numpy and development_month_numpy
below; `step` runs their compiled form (sim.kernels.development), which
tests/test_rules_development.py checks against them.
"""
from __future__ import annotations

from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from sim.kernels import development as KDV
from sim import orgs as O
from sim.params import ModelParams
from sim.rng import Streams, uniform_from_base
from sim.outcomes import MILESTONES, OUTCOMES
from sim.registry import record
from sim.state import SEVERE_STRESS, State

L, H, W = 0, 1, 2
BAND_EDGES = np.array([b[1] for b in O.AGE_BANDS[:-1]], dtype=np.int64)
SQRT12 = np.sqrt(12.0)


def rules(params: ModelParams) -> KDV.DevelopmentRules:
    """params.development as the kernels read it."""
    dv = params.development
    return record(KDV.DevelopmentRules, dv, noise_scale=dv.noise_sd * SQRT12,
                  chronic_cut=dv.ability_sd * NormalDist().inv_cdf(dv.chronic_prevalence))


def milestone_rules(state: State, params: ModelParams) -> KDV.MilestoneRules:
    """params.milestones as this month applies them (interventions scale exclusions)."""
    mp = params.milestones
    spec = milestone_spec(params)
    return record(KDV.MilestoneRules, mp, age=spec.age, weight=spec.weight, threshold=spec.threshold,
                  exclusion_rate_now=mp.exclusion_rate * state.exclusion_multiplier,
                  severe_stress=SEVERE_STRESS)

def family_conditions(state: State) -> KDV.FamilyConditions:
    """The family arrays a child's input depends on, as the kernels take them."""
    fa = state.families
    return KDV.FamilyConditions(
        deprivation=fa.deprivation, no_qualifications=fa.no_qualifications,
        workless=fa.workless, home_learning=fa.home_learning, stress=fa.stress,
        housing=fa.housing, informal_support=fa.informal_support,
        poor_health=fa.poor_health, local_norm=state.local_norm)


def family_part(state: State, dev_rules: KDV.DevelopmentRules) -> np.ndarray:
    """(R, F, 3): the family and neighbourhood part of each child's input (a work array of
    State.scratch: valid until the next call)."""
    out = state.scratch.get("development.family_part", (*state.families.deprivation.shape, 3))
    KDV.family_inputs(dev_rules, family_conditions(state), out)
    return out


def child_arrays(state: State, fresh: np.ndarray) -> KDV.ChildArrays:
    """The child arrays, and which children are new this month, as the kernels take them."""
    ch = state.children
    return KDV.ChildArrays(
        alive=ch.alive, fresh=fresh, fam=ch.fam, school=ch.school, age=ch.age,
        ability=ch.ability, env=ch.env, support_boost=ch.support_boost,
        support_months=ch.support_months,
        support_domains=ch.support_domains, barrier_months=ch.barrier_months,
        **per_child_programmes(state))


def per_child_programmes(state: State) -> dict[str, np.ndarray]:
    """What programmes give single children (value added, care at school), or (R, 0)
    arrays when the scenario has none, so the kernel reads nothing per child."""
    if state.n_programmes:
        return dict(school_add=state.child_school_add, care=state.child_care)
    R = state.n_replicates
    return dict(school_add=np.zeros((R, 0)), care=np.zeros((R, 0), dtype=bool))


# Positions (in SERVICE_KINDS) of the service kinds whose episode manages each barrier
# (sim.orgs.BARRIER_CARE).
HEALTH_CARE_KINDS = np.array([O.SERVICE_KINDS.index(k) for k in O.BARRIER_CARE["health"]])
CRISIS_SUPPORT_KINDS = np.array([O.SERVICE_KINDS.index(k) for k in O.BARRIER_CARE["crisis"]])


def barrier_care(state: State) -> tuple[np.ndarray, np.ndarray]:
    """(R, F) each family's chronic-illness care and crisis support this month: an
    episode with a service of the kinds above, or a programme that manages it
    (State.programme_health_care, State.programme_crisis_support)."""
    engaged = state.families.engaged
    health = (engaged[..., HEALTH_CARE_KINDS] > 0).any(axis=-1) | state.programme_health_care
    crisis = (engaged[..., CRISIS_SUPPORT_KINDS] > 0).any(axis=-1) | state.programme_crisis_support
    return health, crisis


def surroundings(state: State, dev_rules: KDV.DevelopmentRules) -> KDV.Surroundings:
    """Schools, support and families around each child this month (family_part computed)."""
    health_care, crisis_support = barrier_care(state)
    return KDV.Surroundings(
        band_edges=BAND_EDGES, quality=state.quality_now(),
        child_support=state.child_support.reshape(*state.child_support.shape[:2], -1),
        family_supported=state.family_supported_now, family_part=family_part(state, dev_rules),
        exclusion_factor=state.place.exclusion_factor,
        in_need=state.families.in_need, stress=state.families.stress,
        health_care=health_care, crisis_support=crisis_support)


def inputs(state: State, params: ModelParams) -> np.ndarray:
    """The environmental input (R, C, 3) each living child receives this month."""
    ch = state.children
    out = np.empty(ch.env.shape)
    dev_rules = rules(params)
    KDV.child_inputs(dev_rules, child_arrays(state, np.zeros_like(ch.alive)),
                     surroundings(state, dev_rules), out)
    return out


class MilestoneSpec(NamedTuple):
    """What each milestone assesses (MILESTONES order)."""
    age: np.ndarray         # (M,) int64, months
    weight: np.ndarray      # (M, 3) score weights (L, H, W)
    threshold: np.ndarray   # (M,)


def milestone_spec(params: ModelParams) -> MilestoneSpec:
    """Per milestone (MILESTONES order): age in months, score weights (L, H, W), threshold,
    as the table of outcomes (sim/outcomes.py) defines them."""
    ms = [OUTCOMES[m] for m in MILESTONES]
    return MilestoneSpec(
        age=np.array([o.age_months for o in ms], dtype=np.int64),
        weight=np.array([o.score for o in ms], dtype=float),
        threshold=np.array([float(getattr(params.milestones, o.threshold.removeprefix("model.milestones.")))
                            for o in ms]))


def exclusion_factor(kinds: np.ndarray) -> np.ndarray:
    """Relative exclusion hazard by school kind: secondary 1, primary 0.05, others 0
    (worked out once, when the place is built: `Place.exclusion_factor`)."""
    factor = np.where(kinds == O.Kind.SECONDARY, 1.0, np.where(kinds == O.Kind.PRIMARY, 0.05, 0.0))
    factor.flags.writeable = False
    return factor


# -- The readable statement ------------------------------------------------------------
# The month's rules in plain NumPy, in the registry's names: what the compiled kernels in
# sim.kernels.development compute, bit for bit (tests/test_rules_development.py).


def integer_power(base: float, exponent: np.ndarray) -> np.ndarray:
    """base ** exponent by repeated squaring, as compiled code takes a float to an integer
    power (NumPy's float power may differ in the last bit from CPU to CPU)."""
    result = np.ones(exponent.shape)
    square = base
    exponent = exponent.copy()
    while exponent.any():
        result = np.where(exponent & 1, result * square, result)
        exponent >>= 1
        square *= square
    return result


def family_part_numpy(rules: KDV.DevelopmentRules, families: KDV.FamilyConditions) -> np.ndarray:
    """(R, F, 3): the family and neighbourhood part of each child's learning, health and
    wellbeing input."""
    f = families
    learning = (-rules.deprivation_effect * f.deprivation
                - rules.qualification_effect * f.no_qualifications
                - rules.workless_effect * f.workless
                + rules.home_learning_effect * f.home_learning
                + rules.neighbourhood_effect * f.local_norm)
    health = (-rules.health_deprivation_effect * f.deprivation - rules.health_poor_effect * f.poor_health
              - rules.health_stress_effect * f.stress - rules.health_housing_effect * f.housing)
    wellbeing = (-rules.stress_effect * f.stress - rules.housing_effect * f.housing
                 + rules.informal_support_effect * f.informal_support
                 + rules.neighbourhood_effect * f.local_norm)
    return np.stack([learning, health, wellbeing], axis=-1)


def barriers_numpy(rules: KDV.DevelopmentRules, children: KDV.ChildArrays,
                   around: KDV.Surroundings) -> tuple[np.ndarray, np.ndarray]:
    """(R, C) the barriers to learning each child carries this month (0, 1 or 2, managed
    or not) and the share of its learning from school or early years they take away:
    a chronic condition (health ability below chronic_cut) unless the family's health
    care or the child's school manages it, a crisis (family stress above crisis_stress,
    or the child's wellbeing score below crisis_wellbeing) unless the family is
    supported or the child's school manages it; each unmanaged barrier takes
    barrier_strength, at most all; nothing for a child in no school or setting."""
    rows = np.arange(children.alive.shape[0])[:, None]
    fam = children.fam
    chronic = children.ability[..., H] < rules.chronic_cut
    crisis = ((around.stress[rows, fam] > rules.crisis_stress)
              | (children.ability[..., W] + children.env[..., W] < rules.crisis_wellbeing))
    carried = chronic.astype(np.int64) + crisis
    care = children.care if children.care.shape[1] else np.zeros_like(children.alive)
    unmanaged = ((chronic & ~(around.health_care[rows, fam] | care)).astype(np.int64)
                 + (crisis & ~(around.crisis_support[rows, fam] | care)))
    loss = np.where(children.school >= 0, np.minimum(rules.barrier_strength * unmanaged, 1.0), 0.0)
    return carried, loss


def child_inputs_numpy(rules: KDV.DevelopmentRules, children: KDV.ChildArrays,
                       around: KDV.Surroundings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each child's input (R, C, 3; zero for empty slots), its age band (R, C), the
    support its family receives for that band (R, C, 3) and the part of the input that
    is support (R, C, 3; zero where the family is not supported): the family part, plus the
    school's value added (its own and the child's school_add) and a month at school
    (school_day_value), both less the share barriers take, plus support (where the
    family is supported) damped by the child's health and wellbeing deficits, minus the
    deficits' own drag on learning. School and support's learning return rise by
    complementarity per SD of learning already built (env)."""
    R = children.alive.shape[0]
    rows = np.arange(R)[:, None]
    fam = children.fam
    health_score = children.ability[..., H] + children.env[..., H]
    wellbeing_score = children.ability[..., W] + children.env[..., W]
    deficit = 0.5 * (np.maximum(-health_score, 0.0) + np.maximum(-wellbeing_score, 0.0))
    damp = np.clip(1.0 - rules.cross_domain * deficit, 0.0, 1.0)
    ret = np.maximum(1.0 + rules.complementarity * children.env[..., L], 0.0)
    _, loss = barriers_numpy(rules, children, around)
    school = children.school
    school_add = children.school_add if children.school_add.shape[1] else np.zeros(children.alive.shape)
    quality = around.quality[rows, np.maximum(school, 0)] + school_add
    school_part = ((1.0 - loss) * rules.school_effect * ret * quality - loss * rules.school_day_value)
    band = np.searchsorted(around.band_edges, children.age, side="right")
    family = around.family_part[rows, fam]
    support = np.take_along_axis(around.child_support[rows, fam],
                                 3 * band[..., None] + np.arange(3), axis=-1)
    supported = around.family_supported[rows, fam]
    learning = family[..., L] - rules.cross_domain * deficit
    learning = np.where(school >= 0, learning + school_part, learning)
    from_support = np.where(supported[..., None],
                            np.stack([support[..., L] * damp * ret, support[..., H], support[..., W]], -1),
                            0.0)
    learning = np.where(supported, learning + from_support[..., L], learning)
    health = np.where(supported, family[..., H] + from_support[..., H], family[..., H])
    wellbeing = np.where(supported, family[..., W] + from_support[..., W], family[..., W])
    inputs = np.where(children.alive[..., None], np.stack([learning, health, wellbeing], -1), 0.0)
    return inputs, band, support, from_support


def development_month_numpy(rules: KDV.DevelopmentRules, milestones: KDV.MilestoneRules,
                            children: KDV.ChildArrays, around: KDV.Surroundings,
                            draws: KDV.DevelopmentDraws, tallies: KDV.DevelopmentTallies) -> None:
    """A month of development, written into the arrays of `children` and `tallies` as
    KDV.development_month writes them."""
    alive, fam, age, school = children.alive, children.fam, children.age, children.school
    R, C = alive.shape
    rows = np.arange(R)[:, None]
    children.barrier_months[alive & children.fresh] = 0
    inputs, band, support, from_support = child_inputs_numpy(rules, children, around)
    carried, loss = barriers_numpy(rules, children, around)
    children.barrier_months[alive & (carried > 0)] += 1

    # Scores move toward the inputs: env <- p env + (1 - p) input + noise. A child new this
    # month starts where its inputs would have brought it by its age, with no fading part.
    # The fading part of the support gain (boost, inside env) keeps pace with env while
    # support in its domain lasts (k = p) and fades at support_fadeout once it stops:
    # env loses (p - k) boost on top.
    p = rules.persistence
    start = np.where(children.fresh[..., None],
                     (1.0 - integer_power(p, age))[..., None] * inputs, children.env)
    boost = np.where(children.fresh[..., None], 0.0, children.support_boost)
    k = np.where(from_support != 0.0, p, 1.0 - rules.support_fadeout)
    fading = np.array([1.0 - rules.support_persistent_share,
                       1.0 - rules.support_persistent_share_other,
                       1.0 - rules.support_persistent_share_other])
    noise = uniform_from_base(draws.noise, (C, 3)) - 0.5
    moved = p * start + (1.0 - p) * inputs + rules.noise_scale * noise - (p - k) * boost
    children.env[:] = np.where(alive[..., None], moved, children.env)
    children.support_boost[:] = np.where(alive[..., None], k * boost + (1.0 - p) * fading * from_support,
                                         children.support_boost)

    # Support received: months, and the domains ever supported (bits L, H, W).
    supported = alive & around.family_supported[rows, fam]
    first_supported = supported & (children.support_months == 0)
    children.support_months[supported] += 1
    for d in (L, H, W):
        children.support_domains[supported & (support[..., d] > 0.0)] |= np.int8(1 << d)

    # Milestones: at its age, a weighted score above the threshold; all children and
    # those in families in need.
    z = children.ability + children.env
    in_need = around.in_need[rows, fam]
    counts = tallies.milestone_counts
    for m, at_age in enumerate(milestones.age):
        assessed = alive & (age == at_age)
        w = milestones.weight[m]
        reached = assessed & (w[L] * z[..., L] + w[H] * z[..., H] + w[W] * z[..., W]
                              > milestones.threshold[m])
        counts[:, m, 0, 0] = reached.sum(axis=1)
        counts[:, m, 0, 1] = assessed.sum(axis=1)
        counts[:, m, 1, 0] = (reached & in_need).sum(axis=1)
        counts[:, m, 1, 1] = (assessed & in_need).sum(axis=1)

    # Exclusions (pupils of schools whose kind excludes) and admissions (10 and over):
    # hazard = rate * exp(-slope * wellbeing score).
    u = uniform_from_base(draws.events, (C, 2))
    exclusion = np.where(school >= 0, milestones.exclusion_rate_now
                         * around.exclusion_factor[np.maximum(school, 0)], 0.0)
    admission = np.where(age >= 120, milestones.admission_rate, 0.0)
    excluded = alive & (u[..., 0] < exclusion * np.exp(-milestones.exclusion_wellbeing_slope * z[..., W]))
    admitted = alive & (u[..., 1] < admission * np.exp(-milestones.admission_wellbeing_slope * z[..., W]))
    tallies.events[:, 0] = excluded.sum(axis=1)
    tallies.events[:, 1] = admitted.sum(axis=1)

    # Score sums for the reporters: all children, under-5s, and children in severe stress.
    under5 = alive & (age < 60)
    summary = tallies.summary
    summary[:, 0:3] = np.where(alive[..., None], z, 0.0).sum(axis=1)
    summary[:, 3] = alive.sum(axis=1)
    summary[:, 4:6] = np.where(under5[..., None], z[..., :2], 0.0).sum(axis=1)
    summary[:, 6] = under5.sum(axis=1)
    summary[:, 7] = (alive & (around.stress[rows, fam] > milestones.severe_stress)).sum(axis=1)
    school_age = alive & (age >= KDV.SCHOOL_AGES[0]) & (age < KDV.SCHOOL_AGES[1])
    with_barrier = school_age & (carried > 0)
    without = school_age & (carried == 0)
    summary[:, 8] = np.where(with_barrier, z[..., L], 0.0).sum(axis=1)
    summary[:, 9] = with_barrier.sum(axis=1)
    summary[:, 10] = np.where(without, z[..., L], 0.0).sum(axis=1)
    summary[:, 11] = without.sum(axis=1)
    summary[:, 12] = (with_barrier & (loss > 0.0)).sum(axis=1)
    summary[:, 13] = first_supported.sum(axis=1)


def step(state: State, dev_rules: KDV.DevelopmentRules, milestones: KDV.MilestoneRules,
         streams: Streams, month: int) -> None:
    """A month of development, compiled (KDV.development_month; the rules:
    development_month_numpy); `dev_rules` and `milestones` are rules(params) and
    milestone_rules(state, params), built once per run."""
    ch = state.children
    fresh = np.zeros_like(ch.alive)
    if len(state.new_children):
        fresh[state.new_children] = True
    events = np.zeros((ch.alive.shape[0], 2), dtype=np.int64)
    KDV.development_month(
        dev_rules, milestones, child_arrays(state, fresh),
        surroundings(state, dev_rules),
        KDV.DevelopmentDraws(noise=streams.base("development.noise", month),
                             events=streams.base("development.events", month)),
        KDV.DevelopmentTallies(milestone_counts=state.flows.milestone_counts, events=events,
                               summary=state.child_summary))
    state.flows.exclusions = events[:, 0]
    state.flows.admissions = events[:, 1]
