"""A committed minority: families who hold the community norm whatever their neighbours
do (seed 003 L803: Pembury's Parent Champions, parent advocates trained with Coram;
Centola et al. 2018: a committed minority of about a quarter overturned a convention;
Xie et al. 2011).

While the programme runs, its families are committed (State.committed, which the norms'
rule reads, sim/processes/norms.py): they hold the norm, count as holders for their
ties and in the place's share, and never give it up. Commitment is what the programme
buys, not the families' nature: when it ends they are ordinary holders again, free to
lapse, and whether the place stays tipped is then an output (docs/ODD.md 7.7, 8.8).

The homes are chosen once, when the place is known: `spread` (homes at random) or
`clustered` (a run of neighbouring homes on the ring of informal ties: a street or a
block). A committed family that moves away is replaced by the programme recruiting the
family that moves into its home, so the programme keeps its number of champions and
where they live. Cost: `monthly_cost` (coordination) x intensity, plus `cost_per_family`
for each committed family, while active.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from sim.interventions.base import Intervention, InterventionError
from sim.registry import nonneg, prob

PLACEMENTS = ("spread", "clustered")


@dataclass
class CommittedMinority(Intervention):
    share: float = prob(0.2, 0.02, 0.3, "Centola et al. 2018 (about 25% tipped a convention); seed 003 L803 (Parent Champions); the share: scenario choice", "share of the place's families committed to the norm, times intensity (at most all)", unit="fraction of families")
    placement: str = "spread"  # spread | clustered
    cost_per_family: float = nonneg(30.0, "GBP per committed family per month", 0.0, 150.0, "assumption: a parent champion's training, expenses and support", "what each committed family costs while the programme runs")

    _homes: Optional[np.ndarray] = None   # (R, F) bool: the programme's homes
    _families: int = 0                    # committed families per replicate

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.placement not in PLACEMENTS:
            raise InterventionError(f"scenario.interventions.{self.name or 'committed_minority'}.placement="
                                    f"{self.placement}: choose from {', '.join(PLACEMENTS)}")

    def initialize(self, model) -> None:
        R, F = model.state.committed.shape
        n = int(round(min(self.share * self.intensity, 1.0) * F))
        u = model.streams.uniform(f"intervention.committed_minority.{self.name}", 0, (F,))
        if self.placement == "spread":
            chosen = np.argsort(u, axis=1, kind="stable")[:, :n]
        else:
            first = np.minimum((u[:, 0] * F).astype(np.int64), F - 1)
            chosen = (first[:, None] + np.arange(n)[None, :]) % F
        self._homes = np.zeros((R, F), dtype=bool)
        np.put_along_axis(self._homes, chosen, True, axis=1)
        self._families = n

    def apply(self, model, month: int) -> None:
        model.state.committed |= self._homes

    def cost(self, month: int) -> float:
        if not self.active(month):
            return 0.0
        return self.monthly_cost * self.intensity + self.cost_per_family * self._families
