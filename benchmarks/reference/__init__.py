"""The baseline: placesim's monthly rules written the ordinary Mesa way.

One `mesa.Agent` per child, per family and per organisation, a Python method per agent
for each monthly process, informal ties as a dict of neighbour lists, partnership ties
as a networkx graph, a `mesa.DataCollector` of named reporters, and one
`numpy.random.Generator` per model. It exists only to be timed against the vectorised
model (`placesim bench`) and to cross-check it in distribution
(tests/test_reference_crosscheck.py). No interventions.
"""
from benchmarks.reference.model import Alteration, ReferenceModel, run_reference

__all__ = ["Alteration", "ReferenceModel", "run_reference"]
