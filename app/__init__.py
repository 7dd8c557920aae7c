"""The strategy-session page (`placesim app`, or `python -m app`): an entry point of its
own, above sim, configs and analysis (it drives the model; analysis/ never imports it).

- `cli`: the verb's arguments and startup; `server`: Panel's server, a page per tab;
- `engine`: the model's live runs in background worker processes (`workers`), cached
  and cancelled;
- `controller`: one tab's state and what happens when a control moves (no Panel);
- `layout`: the tab's widgets, charts and panes (Panel and Bokeh);
- `controls`: what a room argues about, as plain values bounded by the parameter
  registry (unit, range, source), turned into a scenario (and a scenario YAML that
  `placesim run` and `placesim compare` accept unchanged); `places`: the place presets;
- `chart_data`: live results (baseline and scenario on the same seeds) into what the
  charts draw: bands, paired differences, network changes, system indicators, cost;
- `saved`: a `placesim compare` folder read back for the "Saved comparison" tab.
"""
