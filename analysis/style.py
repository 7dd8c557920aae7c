"""What every figure and the page share: the colour-blind-safe palette (Okabe-Ito), line
styles that tell series apart in greyscale, and where organisations sit in a network
picture. Plain data, no plotting library, so the page can import it cheaply."""
from __future__ import annotations

import numpy as np
import pandas as pd

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
LINESTYLES = ("-", "--", "-.", ":")            # matplotlib's names; the page maps them to its own


def ring_layout(organisations: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of each organisation, by its `index`: on a circle from the top, clockwise, in
    index order (schools, then services), with the core team in the middle."""
    orgs = organisations.sort_values("index").reset_index(drop=True)
    x, y = np.zeros(len(orgs)), np.zeros(len(orgs))
    ring = orgs.index[orgs["kind"] != "core_team"].to_numpy()
    angles = np.pi / 2 - np.linspace(0, 2 * np.pi, len(ring), endpoint=False)
    x[ring], y[ring] = np.cos(angles), np.sin(angles)
    return x, y
