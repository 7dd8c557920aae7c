"""The strategy-session page: Panel widgets on the left, Bokeh charts on the right.

One `StrategyPage` per browser tab. A change of any control clamps the choices into the
registry's ranges, cancels the tab's running update and submits a new one to the
engine (`experiments.app.LiveEngine`). A periodic callback on the page's own event loop
(every 50 ms, so the page never freezes) moves the progress bar and redraws every chart
from one result each time a wave of replicates is done: a first picture from a few
replicates, then narrower bands. A failed update shows one line and leaves the charts as
they were. Panel serves all of its JavaScript and CSS itself, so the page needs no
network (docs/app.md).
"""
from __future__ import annotations

import dataclasses
import html
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from analysis.app import results as R
from analysis.app.controls import (CHOICE_TEXT, KNOBS, PLACE_TEXT, PLACES, RUNGS, SHOCKS, STRATEGIES, ZONES,
                                   Choices, SaveError, clamp, interventions_for, save_scenario,
                                   scenario_yaml)

BLUE, GREY = "#0072B2", "#7F7F7F"
DEBUG = bool(os.environ.get("PLACESIM_APP_DEBUG"))      # timings of each redraw on stdout
SIDEBAR = 340


def _fingerprint(place: str, interventions: dict) -> str:
    """A short name of what a picture shows (the status line carries the drawn one and the
    one the controls ask for: the browser test checks they agree)."""
    import hashlib
    import json

    text = json.dumps([place, interventions], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _fmt_money(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"GBP {x / 1e6:,.2f} m" if abs(x) >= 1e6 else f"GBP {x:,.0f}"


class StrategyPage:
    """The page of one browser tab."""

    def __init__(self, engine, years: int, place: str, scenario_dir: str | None = None,
                 runs_dir: str = "outputs"):
        import panel as pn

        self.pn = pn
        self.engine, self.years = engine, years
        self.scenario_dir, self.runs_dir = scenario_dir, runs_dir
        self.slot = engine.acquire_slot()
        self.job = None
        self.changed_at = time.perf_counter()
        self.runs = 0
        self.cancelled = 0
        self.failed = 0
        self.last_latency = float("nan")
        self.last_complete = float("nan")
        self.first_latency_pending = False
        self._drawn = None
        self.last_result = None
        self.last_good = None          # the last run that finished: what a failed run falls back to
        self._syncing = False
        self._closed = False
        self._io = ThreadPoolExecutor(1, thread_name_prefix="placesim-open")
        self._open_future = None
        self._build_controls(place)
        self._build_charts()
        self._build_saved_tab()
        self.layout = self._layout()
        self.submit()
        self.poll()                     # cached at startup: the page opens with the pictures drawn

    # -- controls --------------------------------------------------------------------
    def _tip(self, key: str, text: str, widget=None):
        """A control with a (?) beside it whose hover text gives unit, range and source."""
        pn = self.pn
        widget = self.w[key] if widget is None else widget
        labelled = not isinstance(widget, (pn.widgets.Checkbox, pn.widgets.RadioButtonGroup))
        icon = pn.widgets.TooltipIcon(value=text, margin=(18, 0, 0, 0) if labelled else (8, 0, 0, 0),
                                      css_classes=[f"ps-tip-{key}"])
        return pn.Row(widget, icon, margin=0, sizing_mode="stretch_width")

    def _slider(self, key: str, value):
        pn = self.pn
        knob = KNOBS[key]
        lo, hi = knob.bounds(self.years)
        whole = all(float(x).is_integer() for x in (lo, hi, knob.step))
        v = knob.clamp(value, self.years)
        if whole:
            return pn.widgets.IntSlider(name=knob.label_with_unit(), start=int(lo), end=int(hi), step=int(knob.step),
                                        value=int(v), width=SIDEBAR - 50)
        return pn.widgets.FloatSlider(name=knob.label_with_unit(), start=lo, end=hi, step=knob.step, value=float(v),
                                      width=SIDEBAR - 50)

    def _build_controls(self, place: str) -> None:
        pn = self.pn
        c = clamp(Choices(place=place), self.years)
        W = self.w = {}
        W["place"] = pn.widgets.Select(name="Place", options=list(PLACES), value=c.place, width=SIDEBAR - 50)
        W["team"] = pn.widgets.Checkbox(name="Core team", value=c.team, width=200)
        W["staff"] = self._slider("staff", c.staff)
        W["hours"] = self._slider("hours", c.hours)
        W["strategy"] = pn.widgets.RadioButtonGroup(name="Strategy", options=list(STRATEGIES), value=c.strategy,
                                                    button_type="primary", button_style="outline", width=160)
        W["arrival"] = self._slider("arrival", c.arrival)
        W["leaves"] = pn.widgets.Checkbox(name="Team leaves", value=c.leaves, width=200)
        W["exit"] = self._slider("exit", c.exit)
        from sim.interventions.pilots import CATALOGUE

        W["pilots"] = pn.widgets.MultiChoice(name="Pilots (none = off)", options=list(CATALOGUE), value=list(c.pilots),
                                             width=SIDEBAR - 50, placeholder="no pilots")
        W["data_sharing"] = pn.widgets.Checkbox(name="Data-sharing agreements", value=c.data_sharing, width=200)
        W["data"] = self._slider("data", c.data)
        W["voice"] = pn.widgets.Select(name="Local voice (participation rung)", options=list(RUNGS), value=c.voice,
                                       width=SIDEBAR - 50)
        W["zone"] = pn.widgets.Select(name="Children's-zone pipeline", options=list(ZONES), value=c.zone,
                                      width=SIDEBAR - 50)
        W["teeth"] = self._slider("teeth", c.teeth)
        W["shock"] = pn.widgets.Select(name="Shock", options=list(SHOCKS), value=c.shock, width=SIDEBAR - 50)
        W["shock_year"] = self._slider("shock_year", c.shock_year)
        W["shock_size"] = self._slider("shock_size", c.shock_size)
        # The choices as the events deliver them (a slider's settled value_throttled), not
        # as read back from the widgets, whose `value` may lag behind within one message.
        self.state = {f.name: getattr(c, f.name) for f in dataclasses.fields(Choices)}
        self._key_of = {id(w): key for key, w in W.items()}
        for key, w in W.items():
            w.css_classes = list(w.css_classes or []) + [f"ps-{key}"]
            is_slider = key in KNOBS
            w.param.watch(self.on_change, "value_throttled" if is_slider else "value")
        self.place_text = pn.pane.HTML(self._place_html(c.place), width=SIDEBAR - 30, margin=(0, 10))
        self.save_name = pn.widgets.TextInput(name="Scenario name", value="my_scenario", width=SIDEBAR - 50,
                                             css_classes=["ps-save-name"])
        self.save_desc = pn.widgets.TextInput(name="Description (optional)", value="", width=SIDEBAR - 50)
        self.save_button = pn.widgets.Button(name="Save this scenario", button_type="primary", width=SIDEBAR - 50,
                                             css_classes=["ps-save"])
        self.save_button.on_click(self.on_save)
        self.download = pn.widgets.FileDownload(callback=self._download, filename="scenario.yaml",
                                                label="Download the scenario YAML", width=SIDEBAR - 50,
                                                button_type="light")
        self.save_msg = pn.pane.HTML("", width=SIDEBAR - 30, margin=(0, 10))
        self._enable()

    def _place_html(self, place: str) -> str:
        return f"<div style='font-size:12px;color:#444'>{html.escape(PLACE_TEXT[place])}</div>"

    def choices(self) -> Choices:
        return Choices(**self.state)

    def set_choices(self, c: Choices) -> None:
        """Put (clamped) choices into the widgets without triggering runs."""
        c = clamp(c, self.years)
        self.state = {f.name: getattr(c, f.name) for f in dataclasses.fields(Choices)}
        self._syncing = True
        try:
            for f in dataclasses.fields(Choices):
                v = getattr(c, f.name)
                w = self.w[f.name]
                v = list(v) if f.name == "pilots" else v
                if w.value != v:
                    w.value = v
                    if hasattr(w, "value_throttled"):
                        w.param.update(value_throttled=v)
        finally:
            self._syncing = False
        self._enable()

    def _enable(self) -> None:
        W, S = self.w, self.state
        for k in ("staff", "hours", "strategy", "arrival", "leaves"):
            W[k].disabled = not S["team"]
        W["exit"].disabled = not (S["team"] and S["leaves"])
        W["data"].disabled = not S["data_sharing"]
        W["teeth"].disabled = S["zone"] != "english_zone"
        W["shock_year"].disabled = W["shock_size"].disabled = S["shock"] == "none"

    def on_change(self, *events) -> None:
        if self._syncing or self._closed:
            return
        for ev in events:
            key = self._key_of.get(id(ev.obj))
            if key is not None:
                self.state[key] = tuple(ev.new or ()) if key == "pilots" else ev.new
        raw = self.choices()
        fixed = clamp(raw, self.years)
        if fixed != raw:
            self.set_choices(fixed)
        self._enable()
        self.place_text.object = self._place_html(fixed.place)
        self.submit()

    # -- running ---------------------------------------------------------------------
    def submit(self) -> None:
        c = clamp(self.choices(), self.years)
        if self.job is not None and not self.job.finished:
            self.job.cancel()
            self.cancelled += 1
        self.last_complete = float("nan")
        self.changed_at = time.perf_counter()
        self.first_latency_pending = True
        try:
            self.job = self.engine.submit(self.slot, c.place, interventions_for(c, self.years))
        except Exception as exc:  # noqa: BLE001
            self.job = None
            self._fail("the run could not start: " + str(exc).splitlines()[0])
            return
        if not self.job.finished:
            self.progress.visible = True
            self.progress.value = 0
            self.status.object = self._status_html(running=True)

    def poll(self) -> None:
        """Every 50 ms: progress; a redraw when a wave of replicates is done."""
        if self._closed:
            return
        self._poll_saved()
        job = self.job
        if job is None:
            return
        done = job.finished                     # collects the waves that are done
        if job.partial is not None and job.partial is not self._drawn:
            t_draw = time.perf_counter()
            try:
                with self.pn.io.hold():            # one message to the browser for the whole redraw
                    self.draw(job.partial)
            except Exception as exc:  # noqa: BLE001  keep the last good picture
                job.cancel()
                self.job = None
                self._fail("the charts could not be drawn: " + str(exc).splitlines()[0])
                return
            self._drawn = job.partial
            if DEBUG:
                print(f"[app] wave of {len(job.partial.seeds)} replicates collected at "
                      f"{t_draw - self.changed_at:.2f} s, drawn in {time.perf_counter() - t_draw:.3f} s", flush=True)
            if job.partial is job.result or self.first_latency_pending:
                now = time.perf_counter() - self.changed_at
                if self.first_latency_pending:
                    self.last_latency, self.first_latency_pending = now, False
                    self.runs += 1
                if job.partial.complete:
                    self.last_complete = now
            self.error.visible = False
        if not done:
            self.progress.value = int(100 * job.progress())
            self.status.object = self._status_html(running=True)
            return
        self.job = None
        self.progress.visible = False
        if job.error:
            # A failed run may have drawn its first waves already; the page promises the
            # last run that worked, so that goes back up.
            if self.last_good is not None and self._drawn is not self.last_good:
                with self.pn.io.hold():
                    self.draw(self.last_good)
                self._drawn = self.last_good
            self._fail(job.error)
            return
        if job.result is not None:
            self.last_good = job.result
        self.status.object = self._status_html()

    def _fail(self, message: str) -> None:
        self.failed += 1
        self.progress.visible = False
        self.error.object = (f"<div class='ps-error-text' style='background:#fbe3d6;color:#8a2c00;padding:6px 10px;"
                             f"border-radius:4px;border:1px solid #D55E00'>{html.escape(message.splitlines()[0])}"
                             f" <span style='color:#555'>(the charts show the last run that worked)</span></div>")
        self.error.visible = True
        self.status.object = self._status_html()

    def _status_html(self, running: bool = False) -> str:
        r = self.last_result
        reps = len(r.seeds) if r else 0
        total = self.engine.replicates
        if running and r is not None and not r.complete and not self.first_latency_pending:
            what = f"drawn in {self.last_latency:.2f} s with {reps} of {total} replicates, refining..."
        elif running:
            what = "running..."
        elif r is not None and r.cached:
            what = "drawn from the cache"
        elif np.isfinite(self.last_latency):
            what = (f"first picture in {self.last_latency:.2f} s, all {reps} replicates in "
                    f"{self.last_complete:.2f} s") if np.isfinite(self.last_complete) and reps == total else (
                    f"drawn in {self.last_latency:.2f} s")
        else:
            what = "ready"
        place = r.place if r else ""
        wanted = clamp(self.choices(), self.years)
        drawn_key = _fingerprint(r.place, r.interventions) if r else ""
        wanted_key = _fingerprint(wanted.place, interventions_for(wanted, self.years))
        return (f"<span class='ps-status' data-drawn='{drawn_key}' data-wanted='{wanted_key}' "
                f"data-run='{self.runs}' data-latency='{self.last_latency:.3f}' "
                f"data-complete='{self.last_complete:.3f}' data-cancelled='{self.cancelled}' "
                f"data-failed='{self.failed}' data-running='{int(running)}' data-replicates='{reps}' "
                f"data-place='{place}'>"
                f"<b>{html.escape(place)}</b>: {reps} paired replicates x {self.years} years, scenario vs baseline "
                f"(same seeds). Update {self.runs}: {what}. Stale runs cancelled: {self.cancelled}.</span>")

    # -- charts ----------------------------------------------------------------------
    def _fig(self, title: str, width: int, height: int, y_label: str = "", x_label: str = ""):
        from bokeh.plotting import figure

        f = figure(width=width, height=height, title=title, toolbar_location=None, tools="hover",
                   x_axis_label=x_label, y_axis_label=y_label)
        f.title.text_font_size = "11px"
        f.xaxis.axis_label_text_font_size = f.yaxis.axis_label_text_font_size = "10px"
        return f

    def _build_charts(self) -> None:
        from bokeh.models import ColumnDataSource, Span

        pn = self.pn
        S = self.src = {}
        empty_band = {k: [] for k in ("year", "base_lo", "base_mid", "base_hi", "scen_lo", "scen_mid", "scen_hi")}
        start = self.engine.start_year

        # Difference to baseline: additional children, cumulative.
        diff = self._fig("Additional children reaching each milestone, cumulative (paired; median and 90% interval)",
                         620, 300, "children", "year")
        diff.add_layout(Span(location=0, dimension="width", line_color="#333", line_width=1))
        for i, m in enumerate(R.MILESTONES):
            S[f"extra-{m}"] = src = ColumnDataSource({"year": [], "lo": [], "mid": [], "hi": []}, name=f"extra-{m}")
            colour = R.OKABE_ITO[i]
            diff.varea(x="year", y1="lo", y2="hi", source=src, fill_color=colour, fill_alpha=0.15)
            diff.line(x="year", y="mid", source=src, line_color=colour, line_width=2.5,
                      line_dash=["solid", "dashed", "dotdash", "dotted"][i], legend_label=R.MILESTONE_SHORT[m])
        diff.legend.location = "top_left"
        diff.legend.label_text_font_size = "10px"
        diff.legend.background_fill_alpha = 0.6

        # Cost.
        cost = self._fig("Cumulative cost of the scenario", 330, 300, "GBP thousands", "year")
        S["cost"] = ColumnDataSource({"year": [], "cumulative": []}, name="cost")
        cost.varea(x="year", y1=0, y2="cumulative", source=S["cost"], fill_color="#CC79A7", fill_alpha=0.25)
        cost.line(x="year", y="cumulative", source=S["cost"], line_color="#CC79A7", line_width=2.5)
        self.cost_table = pn.pane.HTML("", width=330, margin=(0, 10))

        # Milestone trajectories with bands.
        ms_figs = []
        for i, m in enumerate(R.MILESTONES):
            f = self._fig(R.MILESTONE_PANEL[m], 300, 230, "% of children assessed" if i == 0 else "", "year")
            S[f"ms-{m}"] = src = ColumnDataSource(dict(empty_band), name=f"ms-{m}")
            f.varea(x="year", y1="base_lo", y2="base_hi", source=src, fill_color=GREY, fill_alpha=0.2)
            f.line(x="year", y="base_mid", source=src, line_color=GREY, line_width=2, line_dash="dashed",
                   legend_label="baseline")
            f.varea(x="year", y1="scen_lo", y2="scen_hi", source=src, fill_color=BLUE, fill_alpha=0.2)
            f.line(x="year", y="scen_mid", source=src, line_color=BLUE, line_width=2.5, legend_label="scenario")
            f.legend.location = "bottom_right"
            f.legend.label_text_font_size = "9px"
            f.legend.visible = i == 0
            ms_figs.append(f)

        # System indicators (seed 003's six areas).
        sys_figs = []
        for i, col in enumerate(R.SYSTEM):
            f = self._fig(R.system_label(col), 245, 180, "0-1 index" if i % 3 == 0 else "")
            f.y_range.start = 0
            S[f"sys-{col}"] = src = ColumnDataSource(dict(empty_band), name=f"sys-{col}")
            f.varea(x="year", y1="base_lo", y2="base_hi", source=src, fill_color=GREY, fill_alpha=0.2)
            f.line(x="year", y="base_mid", source=src, line_color=GREY, line_width=1.5, line_dash="dashed")
            f.varea(x="year", y1="scen_lo", y2="scen_hi", source=src, fill_color=BLUE, fill_alpha=0.2)
            f.line(x="year", y="scen_mid", source=src, line_color=BLUE, line_width=2)
            sys_figs.append(f)

        # The organisation network.
        from bokeh.models import HoverTool, Range1d

        net = self._fig("Organisation network (first replicate)", 470, 470)
        net.tools = []
        net.x_range, net.y_range = Range1d(-1.35, 1.35), Range1d(-1.35, 1.35)
        net.axis.visible = False
        net.grid.visible = False
        S["net-edges"] = ColumnDataSource({k: [] for k in ("xs", "ys", "width", "alpha", "colour", "status",
                                                           "strength", "pair")}, name="net-edges")
        S["net-nodes"] = ColumnDataSource({k: [] for k in ("x", "y", "size", "kind", "label", "colour", "ties")},
                                          name="net-nodes")
        edges = net.multi_line(xs="xs", ys="ys", source=S["net-edges"], line_width="width", line_color="colour",
                               line_alpha="alpha")
        nodes = net.scatter(x="x", y="y", size="size", source=S["net-nodes"], fill_color="colour",
                            line_color="white", line_width=1.5)
        net.add_tools(HoverTool(renderers=[nodes], tooltips=[("", "@label"), ("tie strength", "@ties")]),
                      HoverTool(renderers=[edges], tooltips=[("", "@pair"), ("", "@status"), ("strength", "@strength")],
                                line_policy="interp"))
        self.net_year = pn.widgets.Player(name=f"Network: years since {start}", start=0, end=self.years,
                                          value=self.years,
                                          interval=800, loop_policy="once", width=440, show_value=True,
                                          value_align="start", show_loop_controls=False,
                                          visible_buttons=["first", "previous", "play", "pause", "next", "last"])
        self.net_year.param.watch(lambda e: self._draw_network(), "value")
        legend = " ".join(f"<span style='color:{R.TIE_COLOURS[s]};font-weight:bold'>&#9644; {s}</span>"
                          for s in R.TIE_STATUS)
        self.net_text = pn.pane.HTML("", width=470, margin=(0, 10))
        self.net_legend = pn.pane.HTML(f"<div style='font-size:12px'>Ties since the year before: {legend}. "
                                       f"Line width: tie strength.</div>", width=470, margin=(0, 10))

        self.status = pn.pane.HTML(self._status_html(), sizing_mode="stretch_width", margin=(5, 10))
        self.progress = pn.indicators.Progress(value=0, max=100, width=300, visible=False, bar_color="primary")
        self.error = pn.pane.HTML("", visible=False, margin=(0, 10), sizing_mode="stretch_width")
        self.figs = {"diff": diff, "cost": cost, "ms": ms_figs, "sys": sys_figs, "net": net}
        self._start = start

    def draw(self, res) -> None:
        """Redraw every chart from one result."""
        t = [time.perf_counter()]
        base, scen = res.baseline, res.scenario
        bands = R.milestone_bands(base.milestones, scen.milestones)
        extra = R.extra_children(base.milestones, scen.milestones)
        system = R.system_bands(base.timeseries, scen.timeseries)
        cost = R.cost_view(scen.timeseries, extra)
        self._orgs = scen.organisations
        self._history = R.NetworkHistory(scen.network, res.seeds[0], len(scen.organisations))
        t.append(time.perf_counter())
        for m in R.MILESTONES:
            self.src[f"ms-{m}"].data = bands[m]
            self.src[f"extra-{m}"].data = extra[m]
        for col in R.SYSTEM:
            self.src[f"sys-{col}"].data = system[col]
        self.src["cost"].data = cost.curve
        t.append(time.perf_counter())
        self.cost_table.object = self._cost_html(cost, res)
        t.append(time.perf_counter())
        self.last_result = res
        self._draw_network()
        t.append(time.perf_counter())
        if DEBUG:
            print("[app] draw: summaries %.3f s, sources %.3f s, table %.3f s, network %.3f s"
                  % tuple(b - a for a, b in zip(t, t[1:])), flush=True)

    def _cost_html(self, cost: R.CostView, res) -> str:
        end = res.start_year + res.months // 12
        rows = "".join(
            f"<tr><td>{r['label']}</td><td style='text-align:right'>{r['extra']:+.1f}</td>"
            f"<td style='text-align:right;color:#666'>[{r['low']:+.1f}, {r['high']:+.1f}]</td>"
            f"<td style='text-align:right'>{_fmt_money(r['cost_per_child'])}</td></tr>" for r in cost.rows)
        return (f"<div style='font-size:12px'><b>Total cost {res.start_year}-{end}: {_fmt_money(cost.total)}</b>"
                f"<table style='border-collapse:collapse;margin-top:4px'>"
                f"<tr style='color:#444'><th style='text-align:left'>milestone</th><th>extra children</th>"
                f"<th>90% interval</th><th>cost per extra child</th></tr>{rows}</table></div>")

    def _draw_network(self) -> None:
        history = getattr(self, "_history", None)
        if history is None or not len(history.months):
            return
        month = history.nearest(12 * int(self.net_year.value))
        ch = history.changes(month)
        self.src["net-edges"].data = R.network_edges(ch, self._orgs)
        self.src["net-nodes"].data = R.node_columns(self._orgs, ch)
        counts = R.network_counts(ch)
        year = self._start + month / 12
        parts = ", ".join(f"{counts[s]} {s}" for s in R.TIE_STATUS)
        alive = sum(v for k, v in counts.items() if k != "lost")
        self.figs["net"].title.text = f"Organisation network in {year:.0f} (first replicate): {alive} ties"
        self.net_text.object = f"<div style='font-size:12px'>Since the year before: {parts}.</div>"

    # -- save and open ---------------------------------------------------------------
    def on_save(self, _event=None) -> None:
        c = clamp(self.choices(), self.years)
        try:
            path = save_scenario(c, self.years, self.save_name.value, self.save_desc.value, self.scenario_dir)
        except SaveError as exc:
            self.save_msg.object = f"<div class='ps-save-msg' style='color:#D55E00'>{html.escape(str(exc))}</div>"
            return
        name = path.stem
        self.save_msg.object = (
            f"<div class='ps-save-msg' style='font-size:12px'>Saved <code>{html.escape(str(path))}</code>. "
            f"Run it: <code>placesim run place={c.place} scenario={name}</code>; compare: "
            f"<code>placesim compare place={c.place} 'scenarios=[baseline,{name}]'</code></div>")

    def _download(self):
        import io

        c = clamp(self.choices(), self.years)
        name = self.save_name.value if self.save_name.value else "my_scenario"
        self.download.filename = f"{name}.yaml"
        return io.StringIO(scenario_yaml(c, self.years, name, self.save_desc.value))

    def _build_saved_tab(self) -> None:
        pn = self.pn
        self.run_folders = pn.widgets.Select(name="Compare folders found", options=self._find_folders(),
                                             width=520)
        self.run_path = pn.widgets.TextInput(name="Or a folder written by `placesim compare`",
                                             placeholder="outputs/compare/2026-11-01_12-00-00", width=520)
        self.open_button = pn.widgets.Button(name="Open a run folder", button_type="primary", width=200,
                                             css_classes=["ps-open"])
        self.open_button.on_click(self.on_open)
        self.open_msg = pn.pane.HTML("", sizing_mode="stretch_width")
        self.saved_table = pn.pane.HTML("", sizing_mode="stretch_width")
        self.saved_plots = pn.Column()

    def _find_folders(self) -> list[str]:
        root = Path(self.runs_dir)
        if not root.exists():
            return []
        found = sorted((p.parent for p in root.glob("**/compare.json")), key=lambda p: p.stat().st_mtime, reverse=True)
        return [str(p) for p in found[:50]]

    def on_open(self, _event=None) -> None:
        folder = (self.run_path.value or "").strip() or (self.run_folders.value or "")
        if not folder:
            self.open_msg.object = "<span style='color:#D55E00'>no folder chosen: run `placesim compare` first, or type a path</span>"
            return
        self.open_msg.object = f"opening {html.escape(folder)}..."
        self._open_future = self._io.submit(open_compare_folder, Path(folder))

    def _poll_saved(self) -> None:
        fut = self._open_future
        if fut is None or not fut.done():
            return
        self._open_future = None
        try:
            table, images, title = fut.result()
        except Exception as exc:  # noqa: BLE001
            self.open_msg.object = f"<span class='ps-open-msg' style='color:#D55E00'>{html.escape(str(exc).splitlines()[0])}</span>"
            return
        self.open_msg.object = f"<span class='ps-open-msg'>{html.escape(title)}</span>"
        self.saved_table.object = table
        self.saved_plots.objects = [self.pn.pane.PNG(img, width=900) for img in images]
        self.run_folders.options = self._find_folders()

    # -- layout ----------------------------------------------------------------------
    def _layout(self):
        pn = self.pn
        T = CHOICE_TEXT

        def sl(key):
            return self._tip(key, KNOBS[key].tooltip(self.years))

        def h(text):
            return pn.pane.HTML(f"<div style='font-weight:600;margin-top:6px;border-top:1px solid #ddd;"
                                f"padding-top:4px'>{text}</div>", margin=(0, 10), sizing_mode="stretch_width")

        sidebar = pn.Column(
            pn.pane.HTML("<div style='font-size:20px;font-weight:600'>placesim</div>"
                         "<div style='font-size:12px;color:#555'>Strategy session: what if...? "
                         "Hover <b>?</b> for each control's unit, range and source.</div>", margin=(5, 10)),
            self._tip("place", T["place"]), self.place_text,
            h("Core team"), self._tip("team", T["team"]), sl("staff"), sl("hours"),
            self._tip("strategy", T["strategy"]), sl("arrival"), self._tip("leaves", T["leaves"]), sl("exit"),
            h("Pilots, data and voice"), self._tip("pilots", T["pilots"]),
            self._tip("data_sharing", T["data_sharing"]), sl("data"), self._tip("voice", T["voice"]),
            h("Governance"), self._tip("zone", T["zone"]), sl("teeth"),
            h("Shock"), self._tip("shock", T["shock"]), sl("shock_year"), sl("shock_size"),
            h("Save"), self.save_name, self.save_desc, self.save_button, self.download, self.save_msg,
            width=SIDEBAR, styles={"background": "#f7f7f7"}, margin=0,
        )
        f = self.figs
        pn_b = pn.pane.Bokeh
        live = pn.Column(
            pn.Row(self.status, self.progress, sizing_mode="stretch_width"),
            self.error,
            pn.Row(pn_b(f["diff"]), pn.Column(pn_b(f["cost"]), self.cost_table)),
            pn.Row(*[pn_b(x) for x in f["ms"]]),
            pn.Row(pn.Column(pn.pane.HTML("<b>System outcomes: seed 003's six areas</b> "
                                          "<span style='color:#666;font-size:12px'>(blue: scenario, grey dashed: "
                                          "baseline; bands 10-90% of replicates)</span>", margin=(0, 10)),
                             pn.GridBox(*[pn_b(x) for x in f["sys"]], ncols=3)),
                   pn.Column(pn_b(f["net"]), self.net_year, self.net_text, self.net_legend)),
        )
        saved = pn.Column(
            pn.pane.HTML("<b>A saved comparison</b>: a folder written by <code>placesim compare</code> "
                         "(compare.json, summary.csv, one run folder per scenario).", margin=(5, 10)),
            self.run_folders, self.run_path, self.open_button, self.open_msg, self.saved_table, self.saved_plots,
        )
        tabs = pn.Tabs(("Live: scenario vs baseline", live), ("Saved comparison", saved), dynamic=False)
        return pn.Row(sidebar, tabs, margin=0)

    def prime(self) -> None:
        """Once the browser has the page: redraw the current result, so that Bokeh's
        one-time bookkeeping of the document is done now and not at the first change."""
        if self.last_result is not None and self.job is None:
            with self.pn.io.hold():
                self.draw(self.last_result)

    def close(self) -> None:
        self._closed = True
        if self.job is not None:
            self.job.cancel()
        self.engine.release_slot(self.slot)
        self._io.shutdown(wait=False, cancel_futures=True)


def open_compare_folder(folder: Path) -> tuple[str, list[bytes], str]:
    """A compare folder -> (headline table HTML, PNG images, title). Raises with one line."""
    import io
    import json

    from analysis.compare import CompareError, load, summarise, yearly_milestone_differences

    folder = Path(folder)
    if not folder.is_dir():
        raise CompareError(f"{folder}: no such folder")
    results = load(folder)
    manifest = json.loads((folder / "compare.json").read_text())
    summary = summarise(results)
    s = summary[(summary["group"] == "all") & summary["outcome"].isin(list(R.MILESTONES))]
    rows = []
    for r in s.itertuples():
        rows.append(f"<tr><td>{html.escape(r.scenario)}</td><td>{html.escape(R.MILESTONE_SHORT.get(r.outcome, r.outcome))}</td>"
                    f"<td style='text-align:right'>{r.median * 100:.1f}%</td>"
                    f"<td style='text-align:right'>{r.extra_children:+.1f} [{r.extra_low:+.1f}, {r.extra_high:+.1f}]</td>"
                    f"<td style='text-align:right'>{_fmt_money(r.total_cost)}</td>"
                    f"<td style='text-align:right'>{_fmt_money(r.cost_per_extra_child)}</td></tr>")
    table = ("<table class='ps-saved-table' style='font-size:12px;border-collapse:collapse'>"
             "<tr><th>scenario</th><th>milestone</th><th>share reaching it</th>"
             "<th>extra children [90% interval]</th><th>total cost</th><th>cost per extra child</th></tr>"
             + "".join(rows) + "</table>")
    images = []
    plots = folder / "plots"
    names = ("milestones_by_scenario.png", "difference_to_baseline.png", "cost_effect.png", "system_by_scenario.png")
    if all((plots / n).exists() for n in names):
        images = [(plots / n).read_bytes() for n in names]
    else:
        from analysis.plots import cost_effect, difference_over_time, scenario_milestones

        import matplotlib.pyplot as plt

        for fig in (scenario_milestones(results), difference_over_time(yearly_milestone_differences(results)),
                    cost_effect(summary)):
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=90)
            plt.close(fig)
            images.append(buf.getvalue())
    title = (f"{folder}: place {manifest.get('place')}, scenarios {', '.join(manifest.get('done', []))}, "
             f"{len(manifest.get('seeds', []))} replicates x {manifest.get('months', 0) // 12} years")
    return table, images, title


def free_port(address: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def ignore_closed_sockets(loop, context) -> None:
    """A browser tab closed while the server was sending it an update: tornado reports an
    unretrieved WebSocketClosedError from its write task. Nothing is wrong; say nothing.
    Anything else goes to asyncio's default handler."""
    from tornado.iostream import StreamClosedError
    from tornado.websocket import WebSocketClosedError

    if isinstance(context.get("exception"), (WebSocketClosedError, StreamClosedError)):
        return
    loop.default_exception_handler(context)


def serve(engine, args, say=print) -> int:
    """Serve the page until Ctrl+C (or SIGTERM)."""
    import signal

    import panel as pn

    pn.extension(notifications=False)
    port = args.port or free_port(args.address)
    origins = [f"{args.address}:{port}", f"[{args.address}]:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]

    def app():
        page = StrategyPage(engine, args.years, args.place, args.scenario_dir, args.runs_dir)
        cb = pn.state.add_periodic_callback(page.poll, period=50)
        pn.state.onload(page.prime)
        pn.state.on_session_destroyed(lambda ctx: (cb.stop(), page.close()))
        return page.layout

    server = pn.serve({"/": app}, port=port, address=args.address, websocket_origin=origins, show=False,
                      start=False, title="placesim: strategy session", verbose=False)
    host = f"[{args.address}]" if ":" in args.address else args.address
    url = f"http://{host}:{port}/"
    say(f"placesim app: serving {url} (Ctrl+C to stop)")
    if not args.no_show:
        import webbrowser

        threading.Timer(0.5, lambda: webbrowser.open(url)).start()
    loop = server.io_loop
    signal.signal(signal.SIGTERM, lambda *a: loop.add_callback_from_signal(loop.stop))
    loop.asyncio_loop.set_exception_handler(ignore_closed_sockets)
    server.start()
    try:
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        say("placesim app: stopped")
    return 0
