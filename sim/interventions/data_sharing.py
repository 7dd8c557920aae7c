"""Data sharing: from dashboards to evidence to shared intelligence (seed 003 key
learning 5, L2123-2125). Agreements and shared systems raise the ceiling on data
maturity; the core team's data hours (and residents' input, seed 003 L2123-2125) move
maturity toward it. Maturity sharpens services' targeting, raises referral
follow-through and widens outreach (earlier identification): sim/processes/services.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.interventions.base import Intervention
from sim.registry import nonneg, prob


@dataclass
class DataSharing(Intervention):
    ceiling: float = prob(1.0, 0.5, 1.0, "seed 003 L2123-2125 (intelligence pools four sources)", "data maturity reachable with sharing agreements (1 = shared intelligence)", unit="0-1 scale")
    hours: float = nonneg(20.0, "hours per month", 0.0, 80.0, "assumption", "data-work hours partners contribute each month")

    def apply(self, model, month: int) -> None:
        st = model.state
        np.maximum(st.data_ceiling, self.ceiling * min(self.intensity, 1.0), out=st.data_ceiling)
        st.data_work += self.hours * self.intensity
