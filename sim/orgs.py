"""Kinds of organisation and what each family-facing kind of service does.

The tables here are model *structure* (which need a service answers, which outcome it
moves, for which ages), written down in docs/ODD.md; the *magnitudes* are registered
parameters in `sim.params.Services`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Kind(IntEnum):
    """Kinds of organisation. Schools first, then services, then the core team."""

    EARLY_YEARS = 0
    PRIMARY = 1
    SECONDARY = 2
    POST16 = 3
    CHILDRENS_CENTRE = 4
    HEALTH_VISITING = 5
    GP_DENTAL = 6
    MENTAL_HEALTH = 7
    YOUTH_SERVICE = 8
    HOUSING = 9
    FAMILY_SUPPORT = 10
    MONEY_ADVICE = 11
    COMMUNITY_GROUP = 12
    CORE_TEAM = 13


SCHOOL_KINDS = (Kind.EARLY_YEARS, Kind.PRIMARY, Kind.SECONDARY, Kind.POST16)
SERVICE_KINDS = (
    Kind.CHILDRENS_CENTRE, Kind.HEALTH_VISITING, Kind.GP_DENTAL, Kind.MENTAL_HEALTH,
    Kind.YOUTH_SERVICE, Kind.HOUSING, Kind.FAMILY_SUPPORT, Kind.MONEY_ADVICE,
    Kind.COMMUNITY_GROUP,
)
N_SERVICE_KINDS = len(SERVICE_KINDS)

LABELS = {
    Kind.EARLY_YEARS: "early-years setting", Kind.PRIMARY: "primary school",
    Kind.SECONDARY: "secondary school", Kind.POST16: "sixth form / college",
    Kind.CHILDRENS_CENTRE: "children's centre", Kind.HEALTH_VISITING: "health visiting",
    Kind.GP_DENTAL: "GP and dental care", Kind.MENTAL_HEALTH: "mental health service",
    Kind.YOUTH_SERVICE: "youth service", Kind.HOUSING: "housing association",
    Kind.FAMILY_SUPPORT: "family support / social care",
    Kind.MONEY_ADVICE: "employment and debt advice",
    Kind.COMMUNITY_GROUP: "voluntary / community group", Kind.CORE_TEAM: "core team",
}

# Services of each kind per 10,000 residents (at least one of each kind per place).
# Assumption: a typical English neighbourhood mix; scaled by PlaceParams.services_scale.
PER_10K = {
    Kind.CHILDRENS_CENTRE: 1.0, Kind.HEALTH_VISITING: 1.0, Kind.GP_DENTAL: 1.5,
    Kind.MENTAL_HEALTH: 0.5, Kind.YOUTH_SERVICE: 1.0, Kind.HOUSING: 1.0,
    Kind.FAMILY_SUPPORT: 1.0, Kind.MONEY_ADVICE: 1.0, Kind.COMMUNITY_GROUP: 2.0,
}

# Family need features, computed each month by the services (sim.processes.services.need_numpy;
# compiled in sim.kernels.services.service_intake).
FEATURES = ("young", "teen", "hle_deficit", "health_deficit", "wellbeing_deficit",
            "stress", "debt", "housing", "workless")
F = {name: i for i, name in enumerate(FEATURES)}

# NEED[kind_index, feature]: how a service kind reads a family's need (before gating by
# who is in the family). Rows follow SERVICE_KINDS.
NEED = np.zeros((N_SERVICE_KINDS, len(FEATURES)))
_NEED_ROWS = {
    Kind.CHILDRENS_CENTRE: {"hle_deficit": 0.6, "stress": 0.4},
    Kind.HEALTH_VISITING: {"health_deficit": 0.7, "stress": 0.3},
    Kind.GP_DENTAL: {"health_deficit": 1.0},
    Kind.MENTAL_HEALTH: {"wellbeing_deficit": 1.0},
    Kind.YOUTH_SERVICE: {"wellbeing_deficit": 0.6, "teen": 0.3},
    Kind.HOUSING: {"housing": 0.6, "debt": 0.4},
    Kind.FAMILY_SUPPORT: {"stress": 0.7, "hle_deficit": 0.3},
    Kind.MONEY_ADVICE: {"debt": 0.6, "workless": 0.4},
    Kind.COMMUNITY_GROUP: {"stress": 0.3, "hle_deficit": 0.2, "wellbeing_deficit": 0.2},
}
for _i, _k in enumerate(SERVICE_KINDS):
    for _feat, _w in _NEED_ROWS[_k].items():
        NEED[_i, F[_feat]] = _w

# The same table in sparse form for the kernels: each kind reads at most MAX_NEED_TERMS
# features (unused slots have weight 0 and feature 0).
MAX_NEED_TERMS = 3
NEED_FEATURE = np.zeros((N_SERVICE_KINDS, MAX_NEED_TERMS), dtype=np.int64)
NEED_WEIGHT = np.zeros((N_SERVICE_KINDS, MAX_NEED_TERMS))
for _i in range(N_SERVICE_KINDS):
    _nz = np.flatnonzero(NEED[_i])
    assert len(_nz) <= MAX_NEED_TERMS
    NEED_FEATURE[_i, :len(_nz)] = _nz
    NEED_WEIGHT[_i, :len(_nz)] = NEED[_i, _nz]

# Which families a kind serves at all: "young" (a child under 5), "teen" (a child 11-18),
# "children" (any child), "any".
GATE = {
    Kind.CHILDRENS_CENTRE: "young", Kind.HEALTH_VISITING: "young", Kind.GP_DENTAL: "children",
    Kind.MENTAL_HEALTH: "children", Kind.YOUTH_SERVICE: "teen", Kind.HOUSING: "any",
    Kind.FAMILY_SUPPORT: "children", Kind.MONEY_ADVICE: "any", Kind.COMMUNITY_GROUP: "any",
}

# Family channels a month of support moves, each in its own unit (times
# Services.family_effect): stress in logit units off the stress target, debt as arrears
# repaid per month, housing in SD off housing pressure, hle in SD onto the home-learning
# target, work as a multiplier on the job-finding rate. Assumptions, see docs/ODD.md.
FAMILY_CHANNELS = ("stress", "debt", "housing", "hle", "work")
FC = {name: i for i, name in enumerate(FAMILY_CHANNELS)}
FAMILY_EFFECT = np.zeros((N_SERVICE_KINDS, len(FAMILY_CHANNELS)))
_FAM_ROWS = {
    Kind.CHILDRENS_CENTRE: {"hle": 0.5, "stress": 0.5},
    Kind.HEALTH_VISITING: {"hle": 0.15},
    Kind.HOUSING: {"housing": 1.0, "debt": 0.01},
    Kind.FAMILY_SUPPORT: {"stress": 1.0, "hle": 0.25},
    Kind.MONEY_ADVICE: {"debt": 0.03, "work": 2.0, "stress": 0.3},
    Kind.COMMUNITY_GROUP: {"stress": 0.3, "hle": 0.1},
}
for _i, _k in enumerate(SERVICE_KINDS):
    for _ch, _w in _FAM_ROWS.get(_k, {}).items():
        FAMILY_EFFECT[_i, FC[_ch]] = _w

# The barriers to learning each service kind manages while a family is in an episode with
# it (docs/ODD.md 7.8): health care a chronic condition, family and mental-health
# support a crisis at home.
BARRIER_CARE = {
    "health": (Kind.HEALTH_VISITING, Kind.GP_DENTAL),
    "crisis": (Kind.FAMILY_SUPPORT, Kind.MENTAL_HEALTH),
}

# Child inputs while the family is supported, in units of Services.child_effect, by age
# band (0-4, 5-10, 11-18) and domain (learning, health, wellbeing).
AGE_BANDS = ((0, 60), (60, 132), (132, 228))
DOMAINS = ("learning", "health", "wellbeing")
CHILD_EFFECT = np.zeros((N_SERVICE_KINDS, len(AGE_BANDS), len(DOMAINS)))
_CHILD_ROWS = {
    Kind.CHILDRENS_CENTRE: [(0, 0, 1.0)],
    Kind.HEALTH_VISITING: [(0, 1, 1.0)],
    Kind.GP_DENTAL: [(0, 1, 0.7), (1, 1, 0.7), (2, 1, 0.7)],
    Kind.MENTAL_HEALTH: [(1, 2, 1.2), (2, 2, 1.2)],
    Kind.YOUTH_SERVICE: [(2, 2, 0.6), (2, 0, 0.2)],
    Kind.FAMILY_SUPPORT: [(0, 2, 0.5), (1, 2, 0.5), (2, 2, 0.5)],
    Kind.COMMUNITY_GROUP: [(1, 2, 0.3), (2, 2, 0.3)],
}
for _i, _k in enumerate(SERVICE_KINDS):
    for _band, _dom, _w in _CHILD_ROWS.get(_k, []):
        CHILD_EFFECT[_i, _band, _dom] = _w


@dataclass(frozen=True)
class Layout:
    """What a place's fixed list of organisation kinds implies for the monthly processes.

    The list never changes during a run, so this is worked out once, when the place is
    built (sim.place.build_state, kept as `Place.layout`), rather than every month. The
    arrays are read-only.
    """

    membership: np.ndarray   # (O, K) 0/1: which organisations deliver each service kind
    schools: np.ndarray      # organisation indices of the schools (SCHOOL_KINDS)
    school_pos: np.ndarray   # (O,) an organisation's position among the schools
    is_service: np.ndarray   # (O,) bool: delivers a family-facing service kind
    kind_pos: np.ndarray     # (O,) its kind's position in SERVICE_KINDS (0 if not a service)
    kind_of: np.ndarray      # (O,) int64: its kind's position, -1 if not a service (membership's column)
    kind_count: np.ndarray   # (K,) organisations delivering each kind, at least 1 (a divisor)


def layout(kinds: np.ndarray) -> Layout:
    k = np.asarray(kinds).astype(np.int64)
    services = np.array(SERVICE_KINDS)
    schools = np.flatnonzero(np.isin(k, SCHOOL_KINDS))
    is_service = np.isin(k, SERVICE_KINDS)
    membership = (k[:, None] == services[None, :]).astype(float)
    out = Layout(membership=membership, schools=schools,
                 school_pos=np.searchsorted(schools, np.arange(len(k))), is_service=is_service,
                 kind_pos=np.searchsorted(services, np.where(is_service, k, SERVICE_KINDS[0])),
                 kind_of=np.full(len(k), -1, dtype=np.int64),
                 kind_count=np.maximum(membership.sum(axis=0), 1))
    out.kind_of[is_service] = out.kind_pos[is_service]
    for array in vars(out).values():
        array.flags.writeable = False
    return out
