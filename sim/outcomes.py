"""The outcomes a user reads: each reporter's label and unit, in one table that the
reporters, plots, report, page and docs all read."""
from __future__ import annotations

KEY_SERIES = {
    "mean_learning": ("Mean learning score", "SD (0 = England mean)"),
    "mean_wellbeing": ("Mean wellbeing score", "SD (0 = England mean)"),
    "mean_trust": ("Trust in services", "0-1 scale"),
    "norm_adoption": ("Families holding the pro-learning norm", "fraction of families"),
    "reach_neediest": ("Neediest tenth of families supported", "fraction"),
    "tie_density": ("Partnership ties among organisations", "fraction of pairs"),
}
SYSTEM_SERIES = {
    "shared_purpose": ("Shared purpose", "0-1 index"),
    "relationships": ("Relationships and networks", "0-1 index"),
    "evidence_data": ("Evidence, data and learning", "0-1 index"),
    "infrastructure": ("Infrastructure to embed", "0-1 index"),
    "capacity": ("Capacity for system change", "0-1 index"),
    "coordination": ("Coordination (share of intake by referral)", "0-1 index"),
}
