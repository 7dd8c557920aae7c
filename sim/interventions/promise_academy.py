"""A Promise Academy: a limited number of school seats allocated by lottery (seed 004
L980-987, L1020-1033), with an extended day and on-site health care.

Each month the children of the place who reach the entry age apply with probability
`apply_share` (families in and outside the zone alike: the lottery "is also open to
children outside the zone"); `seats / 12` seats are offered at random among them, and
winners take a seat with probability `accept`. A seat holder, until the leaving age,
learns at the academy's value added (`quality`) instead of their own school's (as
`State.child_school_add`: the child stays on their school's roll for everything else,
docs/ODD.md 8.7), and the academy's on-site medical, dental and mental-health care
manages their barriers to learning with probability `on_site_care` (State.child_care).

Every applicant is recorded (offered, attended, in the zone), and their learning score
and barriers when they reach `outcome_age_months`: the virtual lottery that
`placesim lottery` analyses as the HCZ evaluations did (Dobbie & Fryer 2011).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.interventions.base import Intervention, InterventionError
from sim.interventions.programme import first_in_random_order
from sim.outcomes import MILESTONES, OUTCOMES
from sim.registry import nonneg, param, prob

# Ages at which the lottery can read its outcome: the milestones' (sim/outcomes.py).
OUTCOME_AGES = {OUTCOMES[m].age_months: m for m in MILESTONES if OUTCOMES[m].score[0] == 1.0}
# What is kept of each applicant until their outcome is read.
PENDING = {"replicate": np.int64, "slot": np.int64, "month": np.int64, "offered": bool,
           "attended": bool, "in_zone": bool}


@dataclass
class PromiseAcademy(Intervention):
    seats: float = nonneg(4.0, "seats per year per 1,000 homes", 1.0, 10.0, "seed 004 L1020-1030 (about 1,300 children at two Promise Academies, elementary to high school, in a zone of more than 10,000 children: a year-group's seats for about one child in eight); assumption", "seats offered to each year's entry cohort, per 1,000 homes of the place, at intensity 1")
    entry_age_months: float = param(60.0, "months", 36.0, 132.0, "seed 004 L980-984 (elementary and middle school entry)", "age at which children apply", hard=(0.0, 216.0))
    leave_age_months: float = param(216.0, "months", 132.0, 228.0, "seed 004 L980-984 (increasingly, high school)", "age at which a seat holder leaves", hard=(1.0, 228.0))
    apply_share: float = prob(0.3, 0.1, 0.7, "assumption (Dobbie & Fryer 2011: applicants were a minority of the eligible cohort)", "chance that a child reaching the entry age applies", unit="probability")
    accept: float = prob(0.9, 0.7, 1.0, "assumption (Dobbie & Fryer 2011: most winners enrolled)", "chance that a winner takes the seat", unit="probability")
    quality: float = nonneg(0.5, "SD of value added", 0.2, 0.8, "Dobbie & Fryer 2011 via seed 004 L1225-1236 (large gains for lottery winners)", "value added of the academy, in place of the child's own school's")
    on_site_care: float = prob(1.0, 0.0, 1.0, "seed 004 L984-987 (onsite medical, dental and mental health services)", "chance that a seat holder's barriers to learning are managed at school", unit="probability")
    outcome_age_months: float = param(132.0, "months", 60.0, 216.0, "the milestones' ages (sim/outcomes.py)", "age at which the lottery reads each applicant's learning score", hard=(0.0, 228.0))

    def __post_init__(self) -> None:
        super().__post_init__()
        who = f"scenario.interventions.{self.name or 'promise_academy'}"
        if self.leave_age_months <= self.entry_age_months:
            raise InterventionError(f"{who}.leave_age_months={self.leave_age_months}: must be above "
                                    f"entry_age_months={self.entry_age_months}")
        if int(self.outcome_age_months) not in OUTCOME_AGES or self.outcome_age_months <= self.entry_age_months:
            ages = ", ".join(str(a) for a in sorted(OUTCOME_AGES) if a > self.entry_age_months)
            raise InterventionError(f"{who}.outcome_age_months={self.outcome_age_months}: choose a learning "
                                    f"milestone's age after entry: {ages}")

    def refuse_a_lottery_without_losers(self, homes: float, cohort: float, place_name: str) -> None:
        """InterventionError (one line) when the seats are not fewer than the expected
        applicants (`cohort` children a year reach the entry age)."""
        seats = self.seats * homes / 1000.0 * self.intensity
        if seats >= self.apply_share * cohort:
            raise InterventionError(
                f"scenario.interventions.{self.name}.seats={self.seats}: {seats:.0f} seats a year for about "
                f"{self.apply_share * cohort:.0f} applicants a year in {place_name} (apply_share={self.apply_share}): "
                f"a lottery needs fewer seats than applicants; lower seats below "
                f"{self.apply_share * cohort * 1000.0 / homes / max(self.intensity, 1e-9):.1f} or raise apply_share")

    def check_scale(self, place, params) -> None:
        """Before anything runs: the same refusal from the place's expected numbers."""
        children = place.population * place.child_share
        self.refuse_a_lottery_without_losers(place.homes, children * 12.0 / params.demography.leave_age_months,
                                             place.name)

    def initialize(self, model) -> None:
        st = model.state
        R, C = st.children.alive.shape
        # Its bit in Children.reached_by (seat holders), as a programme's; counting it
        # also makes State.reset_month clear the per-child arrays it writes each month.
        self.bit = st.n_programmes
        st.n_programmes += 1
        self.seat = np.zeros((R, C), dtype=bool)
        self.cared = np.zeros((R, C), dtype=bool)
        homes = st.families.deprivation.shape[1]
        self.seats_per_year = self.seats * homes / 1000.0 * self.intensity
        cohort = st.children.alive.sum(axis=1).mean() * 12.0 / model.params.demography.leave_age_months
        self.refuse_a_lottery_without_losers(homes, cohort, model.place.name)
        self.threshold = float(getattr(model.params.milestones, OUTCOMES[OUTCOME_AGES[int(self.outcome_age_months)]]
                                       .threshold.removeprefix("model.milestones.")))
        # Applicants waiting for their outcome (columns PENDING) and those read (RECORD).
        self.pending = {c: np.zeros(0, dtype=t) for c, t in PENDING.items()}
        self.records: list[dict[str, np.ndarray]] = []

    def apply(self, model, month: int) -> None:
        st = model.state
        ch = st.children
        R, C = ch.alive.shape
        if len(st.new_children):          # a slot taken by a new child loses the old child's seat
            self.seat[st.new_children] = False
        self.seat &= ch.alive & (ch.age < self.leave_age_months)
        self.read_outcomes(model, month)

        u = model.streams.uniform(f"intervention.{self.name}.lottery", month, (C, 4))
        applying = ch.alive & (ch.age == int(self.entry_age_months)) & (u[..., 0] < self.apply_share)
        seats = np.full(R, self.seats_per_year / 12.0)
        # Whole seats this month, the fraction carried by chance (expected seats exact).
        seats_now = np.floor(seats + u[:, 0, 1]).astype(np.int64)
        offered = first_in_random_order(applying, u[..., 2], seats_now)
        attended = offered & (u[..., 3] < self.accept)
        self.seat |= attended
        self.cared = np.where(attended, u[..., 1] < self.on_site_care, self.cared)
        rows = np.arange(R)[:, None]
        in_zone = st.in_zone[rows, ch.fam]
        r, c = np.nonzero(applying)
        new = dict(replicate=r, slot=c, month=np.full(len(r), month), offered=offered[r, c],
                   attended=attended[r, c], in_zone=in_zone[r, c])
        self.pending = {k: np.concatenate([v, new[k].astype(PENDING[k])]) for k, v in self.pending.items()}

        # The seat holders this month: the academy's value added and its care.
        school = ch.school
        holders = self.seat & (school >= 0)
        q = st.quality_now()[rows, np.maximum(school, 0)]
        st.child_school_add[holders] += (self.quality - q)[holders]
        st.child_care |= self.seat & self.cared
        ch.reached_by[self.seat] |= np.int32(1 << self.bit)

    def read_outcomes(self, model, month: int) -> None:
        """Applicants reaching the outcome age this month: their score is read (a child
        who left the place, whose slot now holds another child, is lost to follow-up)."""
        ch = model.state.children
        p = self.pending
        due = month - p["month"] >= int(self.outcome_age_months - self.entry_age_months)
        if not due.any():
            return
        r, c = p["replicate"][due], p["slot"][due]
        found = ch.alive[r, c] & (ch.age[r, c] == int(self.outcome_age_months))
        read = {k: v[due][found] for k, v in p.items()}
        r, c = r[found], c[found]
        read["score"] = ch.ability[r, c, 0] + ch.env[r, c, 0]
        read["reached"] = read["score"] > self.threshold
        read["barrier_months"] = ch.barrier_months[r, c].copy()
        self.records.append(read)
        self.pending = {k: v[~due] for k, v in p.items()}

    def applicants(self, seeds) -> dict[str, np.ndarray]:
        """The applicants whose outcome was read, as columns (replicate = its seed)."""
        cols = (*PENDING, "score", "reached", "barrier_months")
        out = {c: np.concatenate([rec[c] for rec in self.records]) if self.records else np.zeros(0)
               for c in cols}
        out["replicate"] = np.asarray(seeds, dtype=np.int64)[out["replicate"].astype(np.int64)]
        out["barrier"] = out["barrier_months"] > 0
        return out
