"""A panel whose outcome is 0 in every run says why, instead of showing an empty axis."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.plots import timeseries_panels


def _frame(infrastructure: float) -> pd.DataFrame:
    rows = [(seed, month, 2016 + month / 12, infrastructure, 0.2 + 0.01 * seed)
            for seed in range(3) for month in range(25)]
    return pd.DataFrame(rows, columns=["seed", "month", "year", "infrastructure", "relationships"])


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_an_all_zero_outcome_says_why_and_others_do_not():
    fig = timeseries_panels(_frame(0.0), ["infrastructure", "relationships"])
    texts = _texts(fig)
    assert len(texts) == 1 and "0 in every run shown" in texts[0] and "hardwiring" in texts[0]
    fig = timeseries_panels(_frame(0.3), ["infrastructure", "relationships"])
    assert _texts(fig) == []
