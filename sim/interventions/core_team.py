"""The core team: the added capacity of a Children's Community (seed 001; seed 003).

A "two- or three-person team" (seed 003 L1562) whose roles arrive at different dates
(L882-909), hosted by a sponsor, neutral: "in the system but not part of the system"
(L1572-1575). Each month its hours are split across:

- introductions: untied organisations meet (a monthly meeting chance on pairs);
- convening: joint work on existing ties (and the team's own ties), which raises
  trust, reciprocity and empathy;
- communicating progress: visible progress lifts partner engagement;
- data work: raises data maturity (needs residents' and professionals' input);
- community engagement: raises residents' and children's voice;
- pilot support: lets pilots reach their capacity;
- fundraising: a seedcorn pot (counted as leveraged funds), spent a share a month
  (`seedcorn_spend_share`: the lag) on pilot support (hours bought at
  `seedcorn_pilot_hours_per_kgbp`, read by the pilots like the team's own) and on
  places in community groups (`seedcorn_places_per_kgbp`), as seed 003's seedcorn funds
  launched Ready for School, Playbox and the Oral Health Initiative (L822-827, L865-869,
  L981-985) and resident micro-grants (L871-873); a conversion of 0 buys nothing;
- direct delivery: family-support capacity (as in Pembury, seed 003 L1368-1370).

"Wide" spreads introductions and convening over every organisation; "deep" works with a
coalition of the most engaged (seed 003 challenge 4). Breadth has costs and gains
(seed 003 L1960-1991; docs/ODD.md 7.14; 8.1): each partner takes meeting and alignment hours
(`member_hours`), a forum larger than `talking_shop_size` stalls unless its partners
share an approach (`stall_per_member`), and each partner brings reach into its families
(`member_reach`) and legitimacy for fundraising (`member_funds`). Which strategy wins is
an output of these. The team's own organisation is
active while the team is present; when it leaves, its ties go with it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim import orgs as O
from sim.interventions.base import Intervention, InterventionError
from sim.registry import nonneg, param, prob

A = "assumption"


@dataclass
class CoreTeam(Intervention):
    monthly_cost: float = nonneg(12800.0, "GBP per month", 9000.0, 17000.0, "assumption: three charity-sector salaries (about GBP 50k lead, 38k data adviser, 30k community coordinator) plus 30% on-costs, about GBP 153k a year", "what a three-person team costs while present (scaled by staff present and intensity)")
    staff: int = param(3, "people", 1, 5, "seed 003 L1562 ('a two- or three-person team')", "core team members", hard=(1, 20))
    hours_per_person: float = nonneg(140.0, "hours per month", 100.0, 160.0, "assumption: full time, 37.5 h a week less leave", "working hours of one member")
    arrival_gap_years: float = nonneg(0.5, "years", 0.0, 2.0, "seed 003 L882-909 (roles added over time)", "gap between the arrivals of successive members")
    strategy: str = "deep"  # "deep" (a coalition of the willing) or "wide" (every organisation)
    coalition_size: int = param(8, "organisations", 4, 20, "seed 003 challenge 4; L1971 (a small board agreed a strategy)", "partners a 'deep' team works with", hard=(2, 1000))
    share_introductions: float = prob(0.15, 0.0, 0.4, "seed 003 (introductions, 'digging channels')", "share of hours on introductions", unit="fraction of hours")
    share_convening: float = prob(0.25, 0.0, 0.5, "seed 003 (convening)", "share of hours convening partners", unit="fraction of hours")
    share_communicating: float = prob(0.1, 0.0, 0.3, "seed 003 key learning 1", "share of hours communicating progress", unit="fraction of hours")
    share_data: float = prob(0.1, 0.0, 0.4, "seed 003 key learning 5", "share of hours on data work", unit="fraction of hours")
    share_community: float = prob(0.1, 0.0, 0.4, "seed 003 exploration area 1", "share of hours engaging residents and children", unit="fraction of hours")
    share_pilots: float = prob(0.1, 0.0, 0.4, "seed 003 (pilots as vehicles for collaboration)", "share of hours supporting pilots", unit="fraction of hours")
    share_fundraising: float = prob(0.1, 0.0, 0.3, "seed 001 L63 (competing asks: fundraising)", "share of hours fundraising", unit="fraction of hours")
    share_delivery: float = prob(0.1, 0.0, 0.4, "seed 003 L1368-1370 (direct delivery in Pembury)", "share of hours delivering family support directly", unit="fraction of hours")
    hours_per_introduction: float = param(8.0, "hours", 4.0, 20.0, A, "team hours for one introduction that leads to a first meeting", hard=(1.0, None))
    hours_per_joint_work: float = param(15.0, "hours per joint-work unit per tie", 5.0, 40.0, A, "team hours of convening that equal a month of full joint work on one tie", hard=(1.0, None))
    hours_per_progress: float = param(200.0, "hours per unit of visible progress", 100.0, 400.0, A, "team hours of communication that make one unit of progress visible", hard=(1.0, None))
    hours_per_family: float = param(4.0, "hours per family per month", 2.0, 8.0, A, "team hours to support one family directly", hard=(0.5, None))
    funds_per_hour: float = nonneg(60.0, "GBP per hour", 20.0, 150.0, A + "; seed 003 L810 (GBP 8k raised), L822, L865", "seedcorn funds raised per fundraising hour")
    seedcorn_spend_share: float = prob(0.1, 0.03, 0.3, A + " (a pot is spent over months to a few years: seed 003 L822-827, L865-869 launch pilots after funds are raised)", "share of the seedcorn pot spent each month (1 / the mean lag in months)", unit="per month")
    seedcorn_pilot_share: float = prob(0.5, 0.0, 1.0, "seed 003 L822-827, L865-869, L981-985 (seedcorn launched pilots); L871-873 (resident micro-grants)", "share of seedcorn spending on pilot support (the rest buys places in community groups)", unit="fraction")
    seedcorn_pilot_hours_per_kgbp: float = param(30.0, "hours per GBP 1,000", 0.0, 50.0, A + ": sessional staff at about GBP 20-40 an hour", "pilot-support hours one GBP 1,000 of seedcorn buys (0: seedcorn buys no pilot support)", hard=(0.0, 200.0))
    seedcorn_places_per_kgbp: float = param(3.0, "families at once per GBP 1,000 a month", 0.0, 6.0, A + ": a month of a community group's support for a family costs about GBP 150-500", "places in community groups one GBP 1,000 a month buys (0: seedcorn buys no places)", hard=(0.0, 50.0))
    # Breadth's costs and gains (seed 003 L1960-1991; docs/ODD.md 7.14; 8.1).
    member_hours: float = nonneg(4.0, "team hours per partner per month", 0.0, 10.0, A + " (a monthly board or forum meeting, its papers and one-to-one alignment with each member); seed 003 L1966-1969 (challenges 'typically happened in larger forums')", "coordination load: each partner the team works with takes this many of the team's hours a month before any of them are shared out; 0: breadth costs no hours")
    talking_shop_size: float = param(12.0, "organisations", 6.0, 30.0, "seed 003 L1969-1971 (the smaller Smallshaw-Hurst board agreed a strategy), L1983-1991 ('another network or a talking shop'); size an assumption", "partnership size beyond which the forum's decisions stall", hard=(1.0, None))
    stall_per_member: float = nonneg(0.1, "per partner beyond talking_shop_size", 0.0, 0.3, "seed 003 L1966-1969 (stalling where there is 'not a clear shared approach'); size an assumption", "how fast decisions slow past talking_shop_size: the team's introductions, convening and communicated progress are divided by 1 + this x partners beyond it x (1 - the partners' mean alignment); 0: no stall")
    member_reach: float = prob(0.03, 0.0, 0.1, "seed 003 L1962-1963 ('strong representation from each formal sector relevant to a child's life'); size an assumption", "access: targeting added to each partner service the team works with (the partnership's reach into its members' families); 0: no reach", unit="targeting (0-1 scale) per partner service")
    member_funds: float = nonneg(0.02, "fraction per partner", 0.0, 0.05, "seed 003 L1984-1986 ('the presence of established leaders and gatekeepers'); size an assumption", "legitimacy: seedcorn raised per fundraising hour rises by this fraction for each partner the team works with; 0: no gain")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.strategy not in ("deep", "wide"):
            raise InterventionError(f"{self.name or 'core_team'}.strategy={self.strategy}: choose deep or wide")
        shares = (self.share_introductions + self.share_convening + self.share_communicating
                  + self.share_data + self.share_community + self.share_pilots
                  + self.share_fundraising + self.share_delivery)
        if shares > 1.0 + 1e-9:
            named = sorted(((f.name, getattr(self, f.name)) for f in dataclasses.fields(self)
                            if f.name.startswith("share_")), key=lambda kv: -kv[1])
            listed = ", ".join(f"{k}={v:g}" for k, v in named if v > 0)
            raise InterventionError(f"scenario.interventions.{self.name or 'core_team'}: hour shares add up to "
                                    f"{shares:.2f}, at most 1; lower them by {shares - 1:.2f} in total "
                                    f"(largest first: {listed})")

    def initialize(self, model) -> None:
        kinds = model.state.orgs.kind
        self.core = int(np.flatnonzero(kinds == O.Kind.CORE_TEAM)[0])
        self.delivery = np.flatnonzero(kinds == O.Kind.FAMILY_SUPPORT)
        self.groups = np.flatnonzero(kinds == O.Kind.COMMUNITY_GROUP)
        self.services = np.isin(kinds, O.SERVICE_KINDS)

    def present(self, month: int) -> int:
        """Members on post: they arrive one by one, arrival_gap_years apart."""
        if self.arrival_gap_years <= 0:
            return self.staff
        years_in = (month - self.start_month) / 12.0
        return min(self.staff, 1 + int(years_in / self.arrival_gap_years))

    def cost(self, month: int) -> float:
        """GBP this month: the team's cost scales with the members on post."""
        if not self.active(month):
            return 0.0
        return self.monthly_cost * self.intensity_at(month) * self.present(month) / self.staff

    def hours(self, month: int, model) -> np.ndarray:
        """(R,) team hours this month; host upheaval cuts them."""
        return self.present(month) * self.hours_per_person * self.intensity * model.state.mods.core_hours_mult

    def start(self, model, month: int) -> None:
        og = model.state.orgs
        og.active[:, self.core] = True
        og.champion[:, self.core] = True
        og.engagement[:, self.core] = 1.0      # kept at 1 while active by engagement.step

    def stop(self, model, month: int) -> None:
        og = model.state.orgs
        og.active[:, self.core] = False
        og.champion[:, self.core] = False

    def focus(self, model) -> np.ndarray:
        """(R, O) organisations the team works with this month."""
        og = model.state.orgs
        members = og.active & ~og.neutral[None, :]
        if self.strategy == "wide":
            return members
        score = np.where(members, og.engagement + model.state.strength[:, self.core, :], -np.inf)
        k = min(self.coalition_size, members.shape[1])
        top = np.argsort(-score, axis=1, kind="stable")[:, :k]
        chosen = np.zeros_like(members)
        np.put_along_axis(chosen, top, True, axis=1)
        return chosen & members

    def breadth(self, model, focus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(R,) partners the team works with and the forum's decision speed (1 up to
        talking_shop_size partners; past it 1 / (1 + stall_per_member x excess x (1 - the
        partners' mean alignment)): a large forum without a shared approach stalls)."""
        n = focus.sum(axis=1).astype(float)
        shared = (model.state.orgs.alignment * focus).sum(axis=1) / np.maximum(n, 1.0)
        excess = np.maximum(n - self.talking_shop_size, 0.0)
        return n, 1.0 / (1.0 + self.stall_per_member * excess * (1.0 - shared))

    def apply(self, model, month: int) -> None:
        st = model.state
        focus = self.focus(model)
        members, speed = self.breadth(model, focus)
        # Coordination load: each partner takes its meeting and alignment hours first.
        hours = np.maximum(self.hours(month, model) - self.member_hours * members, 0.0)   # (R,)
        with_team = focus.copy()
        with_team[:, self.core] = True
        pairs = with_team[:, :, None] & with_team[:, None, :]
        idx = np.arange(pairs.shape[1])
        pairs[:, idx, idx] = False
        tied = st.strength > 0

        # Introductions: a meeting chance spread over untied pairs the team works with.
        untied = pairs & ~tied
        n_untied = np.maximum(untied.sum(axis=(1, 2)) / 2, 1)
        # Gatekeeping: established partners block a share where prior partnership was strong.
        gate = 1.0 - model.params.engagement.gatekeeping * model.state.place.partnership
        intros = hours * self.share_introductions / self.hours_per_introduction * speed * gate
        st.introductions += untied * (intros / n_untied)[:, None, None]

        # Convening: joint work shared over the tied pairs (thin when wide, deep when deep).
        tied_pairs = pairs & tied
        n_tied = np.maximum(tied_pairs.sum(axis=(1, 2)) / 2, 1)
        units = hours * self.share_convening / self.hours_per_joint_work * speed
        st.joint_extra += tied_pairs * np.minimum(units / n_tied, 1.0)[:, None, None]

        # Communicating progress (decisions made visible), data work, community
        # engagement, pilot support.
        st.progress += hours * self.share_communicating / self.hours_per_progress * speed
        st.data_work += hours * self.share_data
        st.community_hours += hours * self.share_community
        st.pilot_support_hours += hours * self.share_pilots
        raised = hours * self.share_fundraising * self.funds_per_hour * (1.0 + self.member_funds * members)
        st.flows.leveraged += raised
        self.spend_seedcorn(st, raised)

        # Access: the partnership reaches into its partner services' families.
        if self.member_reach > 0:
            st.mods.targeting_add += self.member_reach * (focus & self.services[None, :])

        # Direct delivery adds family-support capacity.
        if len(self.delivery):
            extra = hours * self.share_delivery / self.hours_per_family / len(self.delivery)
            st.mods.capacity_add[:, self.delivery] += extra[:, None]

    def spend_seedcorn(self, st, raised: np.ndarray) -> None:
        """This month's raised funds join the pot; a share of the pot is spent, on pilot
        support hours and on places in community groups, each at its conversion rate."""
        st.seedcorn_pot += raised
        spent = st.seedcorn_pot * self.seedcorn_spend_share
        st.seedcorn_pot -= spent
        st.flows.seedcorn_spent += spent
        if self.seedcorn_pilot_hours_per_kgbp > 0:
            st.pilot_support_hours += spent * self.seedcorn_pilot_share * self.seedcorn_pilot_hours_per_kgbp / 1000.0
        if self.seedcorn_places_per_kgbp > 0 and len(self.groups):
            places = spent * (1.0 - self.seedcorn_pilot_share) * self.seedcorn_places_per_kgbp / 1000.0
            st.mods.capacity_add[:, self.groups] += (places / len(self.groups))[:, None]
