"""The monthly processes, one module each; the order is in sim.model."""
