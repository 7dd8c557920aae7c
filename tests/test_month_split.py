"""benchmarks.month_split: each process's time inside kernels and around them."""
from __future__ import annotations

from benchmarks import month_split
from conftest import SMALL


def test_split_attributes_kernel_time_to_the_process_that_called_it():
    from sim.kernels import informal as informal_kernel
    from sim.kernels import linalg
    from sim.processes import informal

    before = (informal_kernel.informal_month, linalg.square, informal.step)
    split = month_split.measure(["place=pembury", *SMALL], months=3)
    for name, ns in split.process_ns.items():
        assert 0 <= split.kernel_ns.get(name, 0) <= ns, name
    assert split.kernel_ns["informal"] > 0 and split.kernel_ns["ties"] > 0
    # The reporters call two kernels (sim.kernels.indicators) and much Python around them.
    assert 0 < split.kernel_ns["collect"] < split.process_ns["collect"]
    assert {"family_indicators", "org_indicators", "services_month", "engagement_month"} <= set(split.by_kernel_ns)
    assert {"informal_month", "tie_month", "development_month"} <= set(split.by_kernel_ns)
    assert sum(split.process_ns.values()) <= split.total_ns
    assert sum(split.by_kernel_ns.values()) == sum(split.kernel_ns.values())
    assert "informal_month" in split.table()
    # Every timer is taken off again.
    assert (informal_kernel.informal_month, linalg.square, informal.step) == before
