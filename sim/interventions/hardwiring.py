"""Hardwiring: embedding collaboration in partners' budgets, commissioning, governance
and learning, and the children's priorities in their own strategies (seed 003
exploration area 2, L2317-2331; L231, L2172-2174; a standing agenda item, L738-741).

Each month an engaged partner's hardwiring rises in proportion to how far its agenda
already carries the priorities (alignment) and to the number of levers pulled. Hardwired
ties decay more slowly, keep their personal part when a champion leaves, and alignment
no longer erodes: sim/processes/ties.py and engagement.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.interventions.base import Intervention
from sim.registry import param, prob


@dataclass
class Hardwiring(Intervention):
    levers: int = param(3, "levers", 1, 5, "seed 003 L2317-2331 (budgets, commissioning, governance, learning; agendas L2172-2174)", "levers pulled (of five)", hard=(0, 5))
    rate: float = prob(0.05, 0.01, 0.1, "assumption", "monthly embedding per lever-fifth for a fully aligned, engaged partner", unit="per month")

    def apply(self, model, month: int) -> None:
        og = model.state.orgs
        members = og.active & ~og.neutral[None, :]
        step = self.rate * self.intensity * (self.levers / 5.0) * og.alignment * og.engagement
        og.hardwired += members * step * (1.0 - og.hardwired)
