"""The lifecycle every intervention shares (after Covasim's Intervention):
`initialize(model)` once before the first month, `apply(model, month)` every month,
acting only while `active(month)`; an intervention changes capacity, ties, trust,
targeting or time, never an outcome."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Intervention:
    """Base class: a start and end month (1-based, end exclusive), an intensity and a cost."""

    start: int = 1
    end: int = 10**9
    intensity: float = 1.0
    monthly_cost: float = 0.0

    def active(self, month: int) -> bool:
        return self.start <= month < self.end

    def initialize(self, model) -> None:
        """Resolve anything that depends on the place (organisation indices, sizes)."""

    def apply(self, model, month: int) -> None:
        """Act on the model's state for this month."""

    def cost(self, month: int) -> float:
        return self.monthly_cost * self.intensity if self.active(month) else 0.0
