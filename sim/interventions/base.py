"""The lifecycle every intervention shares (after Covasim's Intervention).

- `initialize(model)` once before the first month: resolve organisation indices and
  check the place can host it (raise InterventionError with one line if not);
- `start(model, month)` / `stop(model, month)` at the first and the first inactive month;
- `apply(model, month)` every active month.

An intervention acts only through the model's processes: this month's modifiers
(`state.mods`: capacity, quality, targeting, turnover, referral follow-through), joint
work and introductions on organisation ties, progress made visible to partners, data
maturity, residents' voice, hardwiring and the core team's presence. It never writes an
outcome. Timing is in years from the start of the run; `end_year` None means "to the end".

An optional schedule, `ramp_years`, makes the intensity a slow triangle within the run
(for hysteresis: the same driver levels visited on the way up and on the way down): it
rises linearly from 0 at `start_year` to `intensity` (the peak) `ramp_years` later, then
falls linearly back to 0 after as long again, and stays 0 until `end_year`. With
`ramp_steps` the triangle is a staircase instead (a quasi-static ramp): `ramp_steps`
levels up (1/n, 2/n, ..., the peak) and as many down ((n-1)/n, ..., 0), each held
ramp_years / n years, so that the system can settle at each level before it moves on
and a loop that remains is memory, not lag. It acts only
by scaling what the intervention already does with `intensity`, month by month (a
setting an intervention reads once at the start, such as the Promise Academy's seats,
keeps the peak). Without it nothing changes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from sim.registry import nonneg, param


class InterventionError(ValueError):
    """A scenario a place cannot host (e.g. a pilot without the partners it needs)."""


@dataclass
class Intervention:
    """Base class: timing, intensity and cost, shared by every intervention."""

    start_year: float = param(0.0, "years from the start of the run", 0.0, 30.0, "scenario choice", "when it starts", hard=(0.0, None))
    end_year: Optional[float] = param(None, "years from the start of the run", 0.0, 30.0, "scenario choice", "when it ends (empty: never)", hard=(0.0, None))
    intensity: float = nonneg(1.0, "multiplier", 0.0, 3.0, "scenario choice", "scales what the intervention does (hours, capacity, effect)")
    monthly_cost: float = nonneg(0.0, "GBP per month", 0.0, 200_000.0, "see each scenario preset", "what it costs while active")
    ramp_years: Optional[float] = param(None, "years", 1.0, 30.0, "analysis choice (hysteresis: a slow ramp of a driver up and down; a stepped ramp needs holds longer than the slowest settling, several years: docs/ODD.md 7.9)", "intensity rises from 0 to its value over this many years from start_year, then falls back to 0 over as many (empty: constant)", hard=(0.0, None))

    ramp_steps: Optional[int] = param(None, "levels each way", 2.0, 10.0, "analysis choice (a quasi-static ramp: hold each level so lag cannot pass for hysteresis)", "with ramp_years: the intensity moves in this many equal steps up and as many down, each held ramp_years / steps years (empty: a smooth triangle)", hard=(2.0, None))

    name: str = ""
    _was_active: bool = False
    _peak: float = 0.0

    def __post_init__(self) -> None:
        self._peak = self.intensity
        if self.ramp_years is not None:
            if not self.ramp_years > 0:
                raise InterventionError(f"scenario.interventions.{self.name or type(self).__name__}.ramp_years="
                                        f"{self.ramp_years}: must be above 0 (years up, then as many down)")
            if self.end_year is not None and self.end_year < self.start_year + 2 * self.ramp_years:
                raise InterventionError(f"scenario.interventions.{self.name or type(self).__name__}.end_year="
                                        f"{self.end_year}: a ramp of {self.ramp_years:g} years up and down needs "
                                        f"end_year empty or at least {self.start_year + 2 * self.ramp_years:g}")
        if self.ramp_steps is not None:
            if self.ramp_years is None or self.ramp_steps != int(self.ramp_steps) or self.ramp_steps < 2:
                raise InterventionError(f"scenario.interventions.{self.name or type(self).__name__}.ramp_steps="
                                        f"{self.ramp_steps}: must be a whole number of at least 2, with ramp_years set")
            self.ramp_steps = int(self.ramp_steps)
        if self.end_year is not None and self.end_year <= self.start_year:
            raise InterventionError(f"scenario.interventions.{self.name or type(self).__name__}.end_year={self.end_year}: "
                                    f"must be after start_year={self.start_year}")

    @property
    def start_month(self) -> int:
        return int(round(self.start_year * 12)) + 1

    @property
    def end_month(self) -> float:
        return float("inf") if self.end_year is None else int(round(self.end_year * 12)) + 1

    def active(self, month: int) -> bool:
        return self.start_month <= month < self.end_month

    def ramp_factor(self, month: int) -> float:
        """The schedule's share of the peak intensity in a month (1 without a ramp)."""
        if self.ramp_years is None:
            return 1.0
        return ramp_share(month - self.start_month, 12.0 * self.ramp_years, self.ramp_steps)

    def intensity_at(self, month: int) -> float:
        """The intensity in force in a month (the peak times the schedule's share)."""
        return self.intensity if self.ramp_years is None else self._peak * self.ramp_factor(month)

    def cost(self, month: int) -> float:
        """GBP spent in this month (per replicate)."""
        return self.monthly_cost * self.intensity_at(month) if self.active(month) else 0.0

    def step(self, model, month: int) -> None:
        """Called by the model every month: handles start and stop, then applies (a ramp
        first sets this month's intensity, which everything the intervention does reads)."""
        if self.ramp_years is not None:
            self.intensity = self.intensity_at(month)
        now = self.active(month)
        if now and not self._was_active:
            self.start(model, month)
        if not now and self._was_active:
            self.stop(model, month)
        self._was_active = now
        if now:
            self.apply(model, month)

    def check_place(self, kinds, place_name: str) -> None:
        """Refuse (InterventionError, one line) a place that cannot host it; `kinds` are
        the place's organisation kinds (sim.place.org_kinds). Called before anything runs."""

    def check_scale(self, place, params) -> None:
        """Refuse (InterventionError, one line) settings the place's size makes impossible
        (place: PlaceParams, params: ModelParams). Called before anything runs."""

    def initialize(self, model) -> None:
        """Resolve anything that depends on the place."""

    def start(self, model, month: int) -> None:
        """First active month."""

    def stop(self, model, month: int) -> None:
        """First month after the end."""

    def apply(self, model, month: int) -> None:
        """Act on this month's state."""


def ramp_share(months_in: float, ramp_months: float, steps: int | None = None) -> float:
    """A triangle: 0 at the start, 1 after `ramp_months`, 0 again after twice that and
    after; with `steps`, a staircase of `steps` held levels up (1/steps .. 1) and as many
    down ((steps-1)/steps .. 0). Shared with analysis.hysteresis, which reads the driver
    of a ramped run."""
    if months_in <= 0 or months_in >= 2 * ramp_months:
        return 0.0
    if steps is not None:       # held levels: months (0, hold] at 1/steps, ..., then down from (steps-1)/steps
        hold = ramp_months / steps
        if months_in <= ramp_months:
            return math.ceil(months_in / hold) / steps
        return (steps - math.ceil((months_in - ramp_months) / hold)) / steps
    return months_in / ramp_months if months_in <= ramp_months else 2.0 - months_in / ramp_months
