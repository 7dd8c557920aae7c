"""The place presets the page offers (configs/place/*.yaml), in the order of its menu.

Kept apart from the controls so that `placesim app --help` lists them without importing
the model."""
from __future__ import annotations

DEFAULT_PLACE = "pembury"
PLACE_TEXT = {
    "pembury": "Pembury estate, Hackney: about 2,400 people, 1,250 homes (seed 003 L399-456)",
    "wallsend": "Wallsend, North Tyneside: about 45,000 people, 13 primary and 2 secondary schools (seed 003)",
    "smallshaw_hurst": "Smallshaw-Hurst, Ashton-under-Lyne: three deprived neighbourhoods, little partnership working (seed 003)",
    "synthetic": "A synthetic LSOA-like neighbourhood of about 1,500 people drawn from seed 004 Table 1 (each replicate its own)",
    "england_average": "An average English small area of about 1,500 people (seed 004 Table 1 means)",
}
PLACES = tuple(PLACE_TEXT)
