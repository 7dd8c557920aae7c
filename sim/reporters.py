"""Named model reporters (DataCollector style): each maps a model to one value per
replicate, an array of shape (R,). Each reporter's label, unit and definition are in the
table of outcomes (sim/outcomes.py).

The six system indicators follow seed 003's six areas (L1108-1131) and the stage
classifier its four stages (L1053-1060); their thresholds are assumptions, documented
in docs/ODD.md ("System outcomes").
"""
from __future__ import annotations

import numpy as np

from sim.kernels import development as KDV
from sim.kernels import indicators as KI

# Stage thresholds (assumptions; docs/ODD.md).
STAGE_RULES = (
    ("relationships", 0.35, "capacity", 0.35),   # -> 2: testing and prototyping
    ("infrastructure", 0.25, None, None),         # -> 3: hardwiring
    ("shared_purpose", 0.5, "norm_adoption", 0.5),  # -> 4: system and culture change
)
STAGES = ("building relationships", "testing and prototyping", "hardwiring",
          "system and culture change")


def _org_indicators(model) -> np.ndarray:
    """(R, KI.N_INDICATORS): the organisation indicators (sim.kernels.indicators), once
    per collection: a `Reading` keeps them for all its reporters; a reporter called on
    the model itself computes them afresh."""
    cache = getattr(model, "shared", None)
    if cache is not None and "orgs" in cache:
        return cache["orgs"]
    og = model.state.orgs
    values = KI.org_indicators(KI.Partners(
        strength=model.state.strength, active=og.active, neutral=og.neutral,
        engagement=og.engagement, champion=og.champion, alignment=og.alignment,
        hardwired=og.hardwired))
    if cache is not None:
        cache["orgs"] = values
    return values


def _family_indicators(model) -> np.ndarray:
    """(R, KI.N_FAMILY_INDICATORS): the family indicators (sim.kernels.indicators), once
    per collection, as _org_indicators."""
    cache = getattr(model, "shared", None)
    if cache is not None and "families" in cache:
        return cache["families"]
    st = model.state
    fa = st.families
    values = KI.family_indicators(KI.Households(
        alive=st.children.alive, adults=fa.adults, workless=fa.workless, in_need=fa.in_need,
        norm=fa.norm, stress=fa.stress, debt=fa.debt, home_learning=fa.home_learning,
        trust=fa.trust))
    if cache is not None:
        cache["families"] = values
    return values


def _family_count(model, column: int) -> np.ndarray:
    return _family_indicators(model)[:, column].astype(np.int64)


def _family_share(model, column: int) -> np.ndarray:
    return _family_indicators(model)[:, column] / model.state.families.stress.shape[1]


def population(model):
    return _family_count(model, KI.F_CHILDREN) + _family_count(model, KI.F_ADULTS)


def children(model):
    return _family_count(model, KI.F_CHILDREN)


def births(model):
    return model.state.flows.births


def moved_in(model):
    return model.state.flows.moved_in


def moved_out(model):
    return model.state.flows.moved_out


def left_at_19(model):
    return model.state.flows.left_at_19


def dropped(model):
    return model.state.flows.dropped


def evictions(model):
    return model.state.flows.evictions


def families_moved(model):
    return model.state.flows.families_moved


def _score_mean(model, d):
    s = model.state.child_summary
    return s[:, d] / np.maximum(s[:, 3], 1)


def mean_learning(model):
    return _score_mean(model, 0)


def mean_health(model):
    return _score_mean(model, 1)


def mean_wellbeing(model):
    return _score_mean(model, 2)


def _young_mean(model, d):
    s = model.state.child_summary
    return s[:, 4 + d] / np.maximum(s[:, 6], 1)


def learning_under5(model):
    return _young_mean(model, 0)


def health_under5(model):
    return _young_mean(model, 1)


def _school_age(model, sum_column, count_column):
    s = model.state.child_summary
    return s[:, sum_column] / np.maximum(s[:, count_column], 1)


def score_with_barrier(model):
    return _school_age(model, KDV.S_BARRIER_LEARNING, KDV.S_BARRIER_COUNT)


def score_without_barrier(model):
    return _school_age(model, KDV.S_FREE_LEARNING, KDV.S_FREE_COUNT)


def barrier_share(model):
    s = model.state.child_summary
    return s[:, KDV.S_BARRIER_COUNT] / np.maximum(s[:, KDV.S_BARRIER_COUNT] + s[:, KDV.S_FREE_COUNT], 1)


def barrier_unmanaged(model):
    s = model.state.child_summary
    return s[:, KDV.S_BARRIER_UNMANAGED] / np.maximum(s[:, KDV.S_BARRIER_COUNT] + s[:, KDV.S_FREE_COUNT], 1)


def share_in_need(model):
    return _family_share(model, KI.F_IN_NEED)


def workless_share(model):
    return _family_share(model, KI.F_WORKLESS)


def mean_stress(model):
    return _family_indicators(model)[:, KI.F_STRESS]


def mean_debt(model):
    return _family_indicators(model)[:, KI.F_DEBT]


def mean_home_learning(model):
    return _family_indicators(model)[:, KI.F_HOME_LEARNING]


def mean_trust(model):
    return _family_indicators(model)[:, KI.F_TRUST]


def norm_adoption(model):
    return _family_share(model, KI.F_NORM)


def families_supported(model):
    return model.state.families_supported.copy()


def reach_neediest(model):
    return model.state.reach_neediest.copy()


def service_saturation(model):
    return model.state.saturation.copy()


def intake(model):
    return model.state.flows.intake.sum(axis=1)


def capacity_used(model):
    return model.state.capacity_used.copy()


def children_in_need(model):
    """Children per 10,000 in families under severe stress (a Children in Need proxy)."""
    s = model.state.child_summary          # counted in development.step (SEVERE_STRESS)
    return 1e4 * s[:, 7] / np.maximum(s[:, 3], 1)


def exclusions(model):
    return model.state.flows.exclusions


def admissions(model):
    return model.state.flows.admissions


def tie_density(model):
    """Tied pairs among members (organisations other than the core team)."""
    return _org_indicators(model)[:, KI.I_TIE_DENSITY]


def families_newly_supported(model):
    """Families supported this month for the first time since the run began (or they
    moved in): summed over a period it counts families reached, as seed 003 reports."""
    return model.state.flows.first_supported


def organisations_engaged(model):
    """Organisations (not the core team) with engagement above one half."""
    return _org_indicators(model)[:, KI.I_ENGAGED].astype(np.int64)


def leveraged(model):
    return model.state.flows.leveraged


def seedcorn_spent(model):
    return model.state.flows.seedcorn_spent


def made_good(model):
    return model.state.flows.made_good


def crisis_funds(model):
    return model.state.flows.crisis_funds


def families_reached(model):
    """Families ever supported since the run began: the running total of
    families_newly_supported (seed 003's "families supported"), never falling."""
    return model.state.families_reached.copy()


def children_reached(model):
    """Children who have lived in a family supported by any service since the run began
    (seed 003's "children and young people directly supported"), never falling."""
    return model.state.children_reached.copy()


def organisations_ever_engaged(model):
    """Organisations (not the core team) engaged above one half at some month so far
    (seed 003's "services/organisations engaged in the work"), never falling."""
    return model.state.orgs_ever_engaged.sum(axis=1)


def children_voice(model):
    return model.state.children_voice.copy()


def mean_tie_strength(model):
    return _org_indicators(model)[:, KI.I_MEAN_STRENGTH]


def ties_formed(model):
    return model.state.flows.ties_formed


def ties_lost(model):
    return model.state.flows.ties_lost


def champions_share(model):
    return _org_indicators(model)[:, KI.I_CHAMPIONS]


def partner_engagement(model):
    return _org_indicators(model)[:, KI.I_ENGAGEMENT]


# -- seed 003's six areas of a Children's Community, each 0-1 -------------------------

def shared_purpose(model):
    return _org_indicators(model)[:, KI.I_ALIGNMENT]


def relationships(model):
    capital = _org_indicators(model)[:, KI.I_CAPITAL]
    return 0.8 * capital + 0.2 * model.state.voice


def evidence_data(model):
    return model.state.data_maturity.copy()


def infrastructure(model):
    return _org_indicators(model)[:, KI.I_HARDWIRED]


def capacity(model):
    return _org_indicators(model)[:, KI.I_CAPACITY]


def coordination(model):
    fl = model.state.flows
    taken = fl.intake.sum(axis=1)
    return np.where(taken > 0, fl.intake_by_referral.sum(axis=1) / np.maximum(taken, 1), 0.0)


STAGE_INPUTS = sorted({name for a, _, b, _ in STAGE_RULES for name in (a, b) if name is not None})


def stage(model):
    """1-4: the furthest of seed 003's stages whose conditions all hold."""
    return stage_from({name: STAGE_SOURCE[name](model) for name in STAGE_INPUTS})


def stage_from(values: dict) -> np.ndarray:
    """`stage` from the indicators it reads (STAGE_INPUTS), each (R,)."""
    n = len(values[STAGE_INPUTS[0]])
    reached = np.ones(n, dtype=np.int64)
    ok = np.ones(n, dtype=bool)
    for level, (a, ta, b, tb) in enumerate(STAGE_RULES, start=2):
        ok &= values[a] >= ta
        if b is not None:
            ok &= values[b] >= tb
        reached = np.where(ok, level, reached)
    return reached


SYSTEM_INDICATORS = {
    "shared_purpose": shared_purpose, "relationships": relationships,
    "evidence_data": evidence_data, "infrastructure": infrastructure,
    "capacity": capacity, "coordination": coordination,
}

REPORTERS = {fn.__name__: fn for fn in (
    population, children, births, moved_in, moved_out, left_at_19, dropped, evictions,
    families_moved, mean_learning, mean_health, mean_wellbeing, learning_under5,
    health_under5, score_with_barrier, score_without_barrier, barrier_share, barrier_unmanaged,
    share_in_need,
    workless_share, mean_stress, mean_debt, mean_home_learning, mean_trust, norm_adoption,
    families_supported, reach_neediest, service_saturation, intake, capacity_used,
    children_in_need, exclusions, admissions, tie_density, mean_tie_strength, ties_formed,
    ties_lost, families_newly_supported, families_reached, children_reached, organisations_engaged,
    organisations_ever_engaged, leveraged, seedcorn_spent, made_good, crisis_funds, children_voice, champions_share, partner_engagement, *SYSTEM_INDICATORS.values(), stage,
)}

# The reporter behind each of `stage`'s inputs (the collector reuses a value collected
# this month only if it came from that reporter).
STAGE_SOURCE = {name: {**SYSTEM_INDICATORS, "norm_adoption": norm_adoption}[name] for name in STAGE_INPUTS}

class Reading:
    """The model as the reporters of one collection read it: its state, and `shared`,
    the indicator kernels' results, computed once for all the reporters that read them
    (_org_indicators, _family_indicators)."""

    def __init__(self, model) -> None:
        self.state = model.state
        self.shared: dict[str, np.ndarray] = {}


class Collector:
    """The model reporters' values, one (R,) array per reporter a month, in `model_vars`
    (name -> list by month, as mesa's DataCollector names it; sim.run reads it).

    A plain collector rather than mesa's DataCollector, which deepcopies every value
    (the copies alone took a third of a small place's month): this one keeps each array
    as the reporter returned it. So a reporter must return an array that nothing changes
    afterwards: a new one, or one the model replaces rather than updates (this month's
    flows); tests/test_reporters.py checks that earlier months' records stay as they were.
    The stage is classified from the indicators collected the same month.
    """

    def __init__(self, reporters: dict) -> None:
        self.reporters = reporters
        self.model_vars: dict[str, list[np.ndarray]] = {name: [] for name in reporters}

    def collect(self, model) -> None:
        reading = Reading(model)
        month = {}
        for name, reporter in self.reporters.items():
            if reporter is stage and all(n in month and self.reporters[n] is STAGE_SOURCE[n]
                                         for n in STAGE_INPUTS):
                value = stage_from(month)          # the indicators just collected
            else:
                value = reporter(reading)
            month[name] = value = np.asarray(value)
            self.model_vars[name].append(value)
