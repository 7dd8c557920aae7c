"""Interventions: one module each, one shared lifecycle (sim.interventions.base)."""
from sim.interventions.base import Intervention

__all__ = ["Intervention"]
