"""The strategy-session page (`placesim app`).

- `controls`: what a room argues about, as plain values bounded by the parameter
  registry (unit, range, source), turned into a scenario (and a scenario YAML that
  `placesim run` and `placesim compare` accept unchanged);
- `results`: live results (baseline and scenario on the same seeds) into what the charts
  draw: bands, paired differences, network changes, system indicators, cost;
- `page`: the Panel page and its server (imports Panel; the others do not).

The model runs only in `experiments.app`'s engine; this package is handed its results.
"""
