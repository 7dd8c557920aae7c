"""Mesa agents. Organisations are few and are real `mesa.Agent`s; children and families
are many and live in arrays, so their agent objects are thin read-only views on a row
(made on demand, never stepped one by one)."""
from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim import orgs as O


class Organisation(mesa.Agent):
    """A school, service, community group or the core team in one replicate.

    Its state lives in `model.state.orgs` at [replicate, index]; the properties read it.
    """

    def __init__(self, model: mesa.Model, replicate: int, index: int):
        super().__init__(model)
        self.replicate = replicate
        self.index = index

    @property
    def kind(self) -> O.Kind:
        return O.Kind(int(self.model.state.orgs.kind[self.index]))

    @property
    def label(self) -> str:
        return O.LABELS[self.kind]

    def _get(self, name: str):
        return getattr(self.model.state.orgs, name)[self.replicate, self.index]

    @property
    def active(self) -> bool:
        return bool(self._get("active"))

    @property
    def engagement(self) -> float:
        return float(self._get("engagement"))

    @property
    def champion(self) -> bool:
        return bool(self._get("champion"))

    def partners(self) -> np.ndarray:
        """Indices of the organisations this one has a tie with."""
        s = self.model.state.orgs.strength()[self.replicate, self.index]
        return np.flatnonzero(s > 0)


@dataclass(frozen=True)
class ChildView:
    """Read-only view of one child slot."""

    model: mesa.Model
    replicate: int
    slot: int

    def __getattr__(self, name: str):
        arr = getattr(self.model.state.children, name)
        return arr[self.replicate, self.slot]


@dataclass(frozen=True)
class FamilyView:
    """Read-only view of one family (home)."""

    model: mesa.Model
    replicate: int
    home: int

    def __getattr__(self, name: str):
        arr = getattr(self.model.state.families, name)
        return arr[self.replicate, self.home]
