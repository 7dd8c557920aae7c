"""placesim for notebooks and scripts: run a scenario, compare scenarios.

    import placesim
    r = placesim.run(place="pembury", scenario="core_team", years=10, replicates=4)
    r.timeseries, r.milestones, r.summary(), r.plot()
    c = placesim.compare(place="pembury", scenarios=["baseline", "core_team"], years=10, replicates=4)
    c.summary, c.headlines, print(c), c.plot()

The same composition and validation as `placesim run` and `placesim compare`
(configs/compose.py); a user mistake raises `placesim.ConfigError` whose message is the
command line's one line (key, value, what is allowed). `placesim` is the only public
import name of the installed distribution (docs/ARCHITECTURE.md, "Import names").
"""
from configs.compose import ConfigError
from placesim.api import CompareResults, RunResults, compare, run

__all__ = ["run", "compare", "RunResults", "CompareResults", "ConfigError"]
