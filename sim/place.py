"""Build the starting state of a place for a batch of replicates.

Each replicate draws its own families, children, informal ties and organisation ties
from its own random streams, so a replicate is a different plausible version of the
same place. The rules are in docs/ODD.md ("Initialisation").
"""
from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp
from scipy.special import ndtri

from sim import orgs as O
from sim.params import ModelParams, PlaceParams
from sim.kernels import demography as KD
from sim.kernels.development import SUMMARY_COLUMNS
from sim.rng import Streams
from sim.processes.development import exclusion_factor
from sim.processes.schools import level_table
from sim.state import Children, Families, Flows, Modifiers, Organisations, Place, State
from sim.synthetic import INDICATORS, IndicatorTable, draw_indicators

CHILD_SLOT_HEADROOM = 1.6  # child slots per child at the start; births fill free slots


def org_kinds(place: PlaceParams) -> np.ndarray:
    """The kind of every organisation in the place, schools first, core team last."""
    kinds: list[int] = []
    kinds += [O.Kind.EARLY_YEARS] * place.early_years_settings
    kinds += [O.Kind.PRIMARY] * place.primary_schools
    kinds += [O.Kind.SECONDARY] * place.secondary_schools
    kinds += [O.Kind.POST16] * place.post16_colleges
    for kind in O.SERVICE_KINDS:
        n = max(1, int(round(place.services_scale * O.PER_10K[kind] * place.population / 10_000)))
        kinds += [kind] * n
    kinds.append(O.Kind.CORE_TEAM)
    return np.array(kinds, dtype=np.int16)


def _area(place: PlaceParams, england: IndicatorTable, streams: Streams) -> np.ndarray:
    """Indicators (R, 5): the preset's values, or one synthetic draw per replicate."""
    R = streams.n
    if place.synthetic:
        z = streams.normal("place.indicators", 0, (len(INDICATORS),))
        return draw_indicators(england, place.synthetic_correlation, z)
    values = [getattr(place.indicators, name) for name in INDICATORS]
    return np.tile(np.array(values, dtype=float), (R, 1))


def _family_ties(streams: Streams, F: int, mean_ties: float) -> sp.csr_matrix:
    """Informal ties: a ring of neighbouring homes, 10% rewired (Watts & Strogatz 1998)."""
    R = streams.n
    half = max(1, int(round(mean_ties / 2)))
    offsets = np.arange(1, half + 1)
    src = np.repeat(np.arange(F), half)                      # (F*half,)
    dst = (src + np.tile(offsets, F)) % F
    rewire = streams.uniform("place.ties.rewire", 0, (F * half,)) < 0.1
    target = (streams.uniform("place.ties.target", 0, (F * half,)) * F).astype(np.int64)
    dst = np.where(rewire, target, dst[None, :])             # (R, F*half)
    base = (np.arange(R) * F)[:, None]
    rows = (src[None, :] + base).ravel()
    cols = (dst + base).ravel()
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    n = R * F
    a = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    a = a + a.T
    a.data[:] = 1.0
    a.eliminate_zeros()
    return a.tocsr()


def _org_ties(streams: Streams, kinds: np.ndarray, place: PlaceParams):
    """Starting partnership ties: density and strength follow partnership_strength."""
    n = len(kinds)
    school = np.isin(kinds, O.SCHOOL_KINDS)
    core = kinds == O.Kind.CORE_TEAM
    p_tie = np.full((n, n), 0.5 * place.partnership_strength)
    p_tie[np.ix_(school, school)] = np.maximum(p_tie[np.ix_(school, school)], place.schools_partnership)
    u = streams.uniform("place.orgties", 0, (n, n))
    upper = np.triu(u, 1)
    u = upper + np.swapaxes(upper, 1, 2)                     # one draw per pair, mirrored
    tied = u < p_tie[None]
    tied[:, core, :] = False
    tied[:, :, core] = False
    idx = np.arange(n)
    tied[:, idx, idx] = False
    level = 0.1 + 0.3 * place.partnership_strength
    school_level = 0.1 + 0.3 * max(place.partnership_strength, place.schools_partnership)
    lev = np.where(np.outer(school, school), school_level, level)
    jitter = streams.uniform("place.orgties.level", 0, (n, n))
    jitter = 0.5 * (jitter + np.swapaxes(jitter, 1, 2))
    elem = np.where(tied, np.clip(lev[None] + 0.2 * (jitter - 0.5), 0.0, 1.0), 0.0)
    return [elem.copy() for _ in range(4)], elem.copy()


def neediest_cut(deprivation: np.ndarray) -> np.ndarray:
    """(R, 1) the deprivation above which a family is in its replicate's most deprived tenth."""
    return np.quantile(deprivation, 0.9, axis=1, keepdims=True)


EPISODE_MAX = 127  # the longest episode the int8 counters of Families.engaged hold

# The family attributes draw_families writes, in the order its kernel takes them.
DRAWN = ("deprivation", "in_need", "workless", "no_qualifications", "poor_health", "housing",
         "debt", "stress", "home_learning", "trust", "norm", "norm_threshold", "adults")
DRAWN_DTYPE = {"in_need": bool, "workless": bool, "no_qualifications": bool, "poor_health": bool,
               "norm": bool, "adults": np.int32}


def draw_families(ps: Place, params: ModelParams, streams: Streams, stream: str, month: int,
                  rep: np.ndarray, slot: np.ndarray, into: dict[str, np.ndarray]) -> None:
    """Draw the attributes (DRAWN) of new families at the (rep, slot) homes, writing them
    into the (R, F) arrays of `into` (name -> array).

    Used at the start and for every family that moves in, so newcomers are drawn like
    the place's residents (a changing intake is a scenario choice, not built in).
    """
    fp, npar = params.families, params.norms
    drawn = streams.uniforms_at(_draw_names(stream), month, rep, slot)
    # Standard normals: six attributes (z0 is the family's common factor), then the
    # norm threshold's (from u2).
    z, u = ndtri(np.concatenate([drawn[:6], drawn[8:9]])), drawn[6:]
    rho = fp.indicator_correlation
    # deprivation = mean + sd z0; workless, no qualifications, poor health: probit with
    # the common factor (above the place's cut); housing = mean + sd (rho z0 + sqrt(1 - rho^2) z4); arrears =
    # clip(0.3 workless + 0.1 max(deprivation, 0) + 0.1 u0); stress 0.3; home learning 0;
    # trust = clip(start + 0.15 z5); norm held if u3 < initial share; threshold =
    # clip(mean + sd z6, 0.02, 0.98); a second adult if u1 < its share.
    KD.draw_families(
        KD.SlotPairs(rep=np.asarray(rep, dtype=np.int64), slot=np.asarray(slot, dtype=np.int64)),
        z, u,
        KD.FamilyDrawRules(indicator_correlation=float(rho),
                           independent_weight=float(np.sqrt(1 - rho ** 2)),
                           within_area_sd=float(fp.within_area_sd), need_cut=float(fp.need_cut),
                           initial_share=float(npar.initial_share),
                           threshold_mean=float(npar.threshold_mean),
                           threshold_sd=float(npar.threshold_sd),
                           second_adult_share=float(ps.second_adult_share)),
        KD.PlaceLevels(family_mean=ps.family_mean, housing_mean=ps.housing_mean,
                       starting_trust=ps.starting_trust, workless_cut=ps.workless_cut,
                       no_qualifications_cut=ps.no_qualifications_cut,
                       poor_health_cut=ps.poor_health_cut),
        KD.DrawnFamilies(**{name: into[name] for name in DRAWN}))


@functools.lru_cache(maxsize=16)
def _draw_names(stream: str) -> tuple[str, ...]:
    """The names of a family draw's streams (a pure function of one string; kept so the
    names are not formatted again for every month's newcomers)."""
    return tuple(f"{stream}.z{i}" for i in range(6)) + tuple(f"{stream}.u{i}" for i in range(4))


def probit_cut(rate: np.ndarray) -> np.ndarray:
    """Per replicate: a binary indicator held by a share `rate` of families is
    rho z0 + sqrt(1 - rho^2) noise above this (a standard normal's upper quantile)."""
    return ndtri(np.clip(1 - rate, 1e-9, 1 - 1e-9))


def build_state(place: PlaceParams, params: ModelParams, england: IndicatorTable,
                streams: Streams) -> State:
    """Synthesise the place for every replicate of the batch."""
    R = streams.n
    fp = params.families
    F = int(place.homes)
    n_children = int(round(place.population * place.child_share))
    C = int(np.ceil(n_children * CHILD_SLOT_HEADROOM)) + 16

    # -- area ---------------------------------------------------------------------
    ind = _area(place, england, streams)
    mean = np.array(england.mean)
    sd = np.array(england.sd)
    area_z = (ind[:, 3] - mean[3]) / sd[3]
    if place.share_in_need is not None:
        mu = fp.need_cut - fp.within_area_sd * ndtri(1 - place.share_in_need) * np.ones(R)
    else:
        mu = fp.area_weight * area_z
    workless_rate = np.clip(fp.workless_per_jsa * ind[:, 1] / 100.0, 0.01, 0.7)

    # -- the place's fixed structure and its lookups ------------------------------------
    kinds = org_kinds(place)
    school_levels, school_level_count = level_table(kinds)
    ties = _family_ties(streams, F, place.informal_ties)
    no_qualifications_rate, poor_health_rate = ind[:, 2] / 100.0, 1 - ind[:, 0] / 100.0
    place_state = Place(
        indicators=ind, area_z=area_z, family_mean=mu, workless_rate=workless_rate,
        no_qualifications_rate=no_qualifications_rate, poor_health_rate=poor_health_rate,
        workless_cut=probit_cut(workless_rate),
        no_qualifications_cut=probit_cut(no_qualifications_rate),
        poor_health_cut=probit_cut(poor_health_rate),
        housing_mean=fp.area_weight * fp.housing_indicator_share * (ind[:, 4] - mean[4]) / sd[4],
        family_ties=ties, degree=np.asarray(ties.sum(axis=1)).reshape(R, F),
        starting_trust=np.full(R, place.starting_trust),
        births_per_month=params.demography.birth_balance * n_children / params.demography.leave_age_months,
        children_per_home=n_children / F, partnership=place.partnership_strength,
        second_adult_share=float(np.clip((place.population - n_children) / F - 1, 0, 1)),
        layout=O.layout(kinds), school_levels=school_levels, school_level_count=school_level_count,
        exclusion_factor=exclusion_factor(kinds),
    )

    # -- families -------------------------------------------------------------------
    rep = np.repeat(np.arange(R), F)
    slot = np.tile(np.arange(F), R)
    drawn = {name: np.empty((R, F), dtype=DRAWN_DTYPE.get(name, float)) for name in DRAWN}
    draw_families(place_state, params, streams, "place.families", 0, rep, slot, drawn)
    K = O.N_SERVICE_KINDS
    episode = params.services.episode_months
    if not 1 <= episode <= EPISODE_MAX:
        raise ValueError(f"model.services.episode_months={episode}: allowed 1 to {EPISODE_MAX} "
                         "(months left of an episode are stored as int8)")
    families = Families(
        **drawn,
        informal_support=np.zeros((R, F)), engaged=np.zeros((R, F, K), dtype=np.int8),
        neediest=np.zeros((R, F), dtype=bool), neediest_cut=np.zeros((R, 1)),
        evict_pending=np.zeros((R, F), dtype=bool),
        ever_supported=np.zeros((R, F), dtype=bool),
    )
    families.neediest_cut = neediest_cut(families.deprivation)
    families.neediest = families.deprivation >= families.neediest_cut

    # -- children -------------------------------------------------------------------
    uc = streams.uniform("place.children", 0, (C, 2))
    alive = np.zeros((R, C), dtype=bool)
    alive[:, :n_children] = True
    age = np.where(alive, (uc[..., 0] * params.demography.leave_age_months).astype(np.int32), 0)
    fam = (uc[..., 1] * F).astype(np.int32)
    ability = params.development.ability_sd * streams.normal("place.children.ability", 0, (C, 3))
    children = Children(
        alive=alive, age=age.astype(np.int32), fam=fam, school=np.full((R, C), -1, dtype=np.int32),
        ability=ability, env=np.zeros((R, C, 3)), support_boost=np.zeros((R, C, 3)),
        support_months=np.zeros((R, C), dtype=np.int32),
        support_domains=np.zeros((R, C), dtype=np.int8),
        barrier_months=np.zeros((R, C), dtype=np.int32),
        reached_by=np.zeros((R, C), dtype=np.int32),
    )

    # -- organisations ----------------------------------------------------------------
    n_org = len(kinds)
    is_school = np.isin(kinds, O.SCHOOL_KINDS)
    uo = streams.normal("place.orgs", 0, (n_org, 2))
    school_mean = np.full((R, 1), place.school_quality)
    service_mean = np.full((R, 1), place.service_quality)
    if place.synthetic:   # other place conditions the five indicators do not capture
        z_place = streams.normal("place.quality", 0, (2,))
        school_mean = school_mean + place.synthetic_school_sd * z_place[:, :1]
        service_mean = service_mean + place.synthetic_service_sd * z_place[:, 1:]
    quality = np.where(is_school[None, :], school_mean, service_mean) + 0.2 * uo[..., 0]
    capacity = np.zeros((R, n_org))
    per_kind_capacity = params.services.capacity_per_1000 * place.population / 1000.0
    for kind in O.SERVICE_KINDS:
        members = kinds == kind
        capacity[:, members] = per_kind_capacity / members.sum()
    for kind in O.SCHOOL_KINDS:
        members = kinds == kind
        if members.any():
            capacity[:, members] = 1.0 / members.sum()   # share of the level's pupils
    active = np.ones((R, n_org), dtype=bool)
    active[:, kinds == O.Kind.CORE_TEAM] = False
    elements, legacy = _org_ties(streams, kinds, place)
    champion = streams.uniform("place.orgs.champion", 0, (n_org,)) < 0.5
    ep = params.engagement
    engagement_level = np.clip(ep.base + ep.need_motivation * area_z + ep.culture * place.partnership_strength, 0, 1)
    organisations = Organisations(
        kind=kinds, active=active, neutral=kinds == O.Kind.CORE_TEAM, capacity=capacity,
        quality=quality, targeting=np.full((R, n_org), params.services.targeting),
        champion=champion & active, engagement=np.repeat(engagement_level[:, None], n_org, axis=1),
        alignment=np.zeros((R, n_org)), hardwired=np.zeros((R, n_org)),
        trust=elements[0], reciprocity=elements[1], empathy=elements[2], equity=elements[3],
        legacy=legacy, legacy_total=legacy.sum(axis=2),
    )

    state = State(
        children=children, families=families, orgs=organisations, place=place_state,
        flows=Flows.empty(R, K), family_support=np.zeros((R, F, len(O.FAMILY_CHANNELS))),
        child_support=np.zeros((R, F, len(O.AGE_BANDS), len(O.DOMAINS))),
        family_contact=np.zeros((R, F)), family_supported_now=np.zeros((R, F), dtype=bool),
        local_norm=np.zeros((R, F)), committed=np.zeros((R, F), dtype=bool), saturation=np.zeros(R),
        data_maturity=np.full(R, params.system.data_baseline),
        voice=np.zeros(R), children_voice=np.zeros(R), progress=np.zeros(R),
        joint_extra=np.zeros((R, n_org, n_org)), introductions=np.zeros((R, n_org, n_org)),
        mods=Modifiers.neutral(R, n_org),
        cluster_work=params.ties.cluster_work * place.schools_partnership
        * (np.outer(is_school, is_school) & ~np.eye(n_org, dtype=bool)),
        data_work=np.zeros(R), community_hours=np.zeros(R), children_share_now=np.zeros(R),
        pilot_support_hours=np.zeros(R), seedcorn_pot=np.zeros(R),
        families_reached=np.zeros(R, dtype=np.int64), orgs_ever_engaged=np.zeros((R, n_org), dtype=bool),
        children_reached=np.zeros(R, dtype=np.int64),
        data_ceiling=np.zeros(R), voice_ceiling=np.zeros(R), strength=organisations.strength(),
        kind_capacity=np.zeros((R, K)), families_supported=np.zeros(R),
        reach_neediest=np.zeros(R), capacity_used=np.zeros(R), child_summary=np.zeros((R, SUMMARY_COLUMNS)),
        child_school_add=np.zeros((R, C)), child_care=np.zeros((R, C), dtype=bool),
        programme_health_care=np.zeros((R, F), dtype=bool),
        programme_crisis_support=np.zeros((R, F), dtype=bool),
        programme_supported=np.zeros((R, F), dtype=bool),
        programme_child_support=np.zeros((R, F, len(O.AGE_BANDS), len(O.DOMAINS))),
        in_zone=np.ones((R, F), dtype=bool), zone_access=np.ones((R, F), dtype=bool),
        exclusion_multiplier=place.exclusion_multiplier,
    )
    state.reset_month(params)
    return state
