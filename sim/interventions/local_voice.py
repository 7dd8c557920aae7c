"""Local people as partners: a participation ladder (seed 003 L2257; seed 002's
Children's Places Programme engages children directly).

The ladder sets the level residents' and children's voice can reach (inform 0.25,
consult 0.5, co-design 0.75, co-create 1.0); the core team's community hours (and the
hours bought here) move voice toward it. Voice raises the value of a contact with
services (being listened to: trust), the equity of partnership ties (power shared),
and lowers the threshold for adopting community norms.

Children's own voice (seed 002 L33: engagement sessions that capture children's view of
their community let it "shape local services that best support children"): the ladder
spends `children_share` of all community-engagement hours with children. Those hours
build children's voice, and only partly residents' (`model.system.children_hours_to_residents`,
system.step), and children's voice makes
the services children use fit them better: `children_fit` SD of quality per unit of
children's voice on children's centres, youth services and community groups. With
`children_share` 0 nothing changes; with `children_fit` 0 children's hours only cost
residents' voice, so whether listening to children pays is an output.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import orgs as O
from sim.interventions.base import Intervention, InterventionError
from sim.registry import nonneg, param, prob

LADDER = {"inform": 0.25, "consult": 0.5, "co_design": 0.75, "co_create": 1.0}
# The services children use themselves, which children's voice reshapes (seed 002 L33;
# seed 003 L829-834: youth activities, L436-439: the community centre).
CHILDREN_FACING = (O.Kind.CHILDRENS_CENTRE, O.Kind.YOUTH_SERVICE, O.Kind.COMMUNITY_GROUP)


@dataclass
class LocalVoice(Intervention):
    rung: str = "co_design"  # inform | consult | co_design | co_create
    hours: float = nonneg(40.0, "hours per month", 0.0, 160.0, "seed 003 L1846 ('skilful and resource intensive')", "community-engagement hours bought each month (besides the core team's)")
    children_share: float = prob(0.3, 0.0, 0.6, "seed 002 L33 (Children's Places Programme: tailored engagement sessions with children)", "share of community-engagement hours spent with children, building their own voice rather than residents'", unit="fraction of hours")
    children_fit: float = param(0.1, "SD of quality per unit of children's voice", 0.0, 0.2, "assumption; seed 002 L33 (children's views 'shape local services that best support children')", "how much better the services children use fit them when children hold decision power (0: children's voice changes nothing)", hard=(0.0, 1.0))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rung not in LADDER:
            raise InterventionError(f"{self.name or 'local_voice'}.rung={self.rung}: choose from {', '.join(LADDER)}")

    def apply(self, model, month: int) -> None:
        st = model.state
        np.maximum(st.voice_ceiling, LADDER[self.rung] * min(self.intensity, 1.0), out=st.voice_ceiling)
        st.community_hours += self.hours * self.intensity
        st.children_share_now[:] = self.children_share
        if self.children_fit > 0:
            facing = np.isin(st.orgs.kind, CHILDREN_FACING)
            st.mods.quality_add[:, facing] += self.children_fit * st.children_voice[:, None]
