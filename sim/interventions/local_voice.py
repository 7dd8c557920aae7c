"""Local people as partners: a participation ladder (seed 003 L2257; seed 002's
Children's Places Programme engages children directly).

The ladder sets the level residents' and children's voice can reach (inform 0.25,
consult 0.5, co-design 0.75, co-create 1.0); the core team's community hours (and the
hours bought here) move voice toward it. Voice raises the value of a contact with
services (being listened to: trust), the equity of partnership ties (power shared),
and lowers the threshold for adopting community norms. Children count as a distinct
voice: `children_share` of the level comes from children's participation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.interventions.base import Intervention, InterventionError
from sim.registry import nonneg, prob

LADDER = {"inform": 0.25, "consult": 0.5, "co_design": 0.75, "co_create": 1.0}


@dataclass
class LocalVoice(Intervention):
    rung: str = "co_design"  # inform | consult | co_design | co_create
    hours: float = nonneg(40.0, "hours per month", 0.0, 160.0, "seed 003 L1846 ('skilful and resource intensive')", "community-engagement hours bought each month (besides the core team's)")
    children_share: float = prob(0.3, 0.0, 0.6, "seed 002 (Children's Places Programme)", "share of the voice that is children's own", unit="fraction")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rung not in LADDER:
            raise InterventionError(f"{self.name or 'local_voice'}.rung={self.rung}: choose from {', '.join(LADDER)}")

    def apply(self, model, month: int) -> None:
        st = model.state
        np.maximum(st.voice_ceiling, LADDER[self.rung] * min(self.intensity, 1.0), out=st.voice_ceiling)
        st.community_hours += self.hours * self.intensity
