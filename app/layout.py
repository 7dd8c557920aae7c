"""The strategy-session page's layout: Panel widgets on the left, Bokeh charts on the
right, and the CSS classes the browser test finds them by.

One `StrategyPage` per browser tab. It turns widget events into the tab's
`PageController` (app/controller.py: the choices, the runs, what is drawn), and every
50 ms (a periodic callback on the page's own event loop, so the page never freezes) lets
it collect finished waves, redraws every chart from the newest result, and shows the
progress bar, the status line and any failure. Panel serves all of its JavaScript and
CSS itself, so the page needs no network (docs/app.md).
"""
from __future__ import annotations

import dataclasses
import html
import time

from analysis.report.formatting import cost_or_uncertainty_text
from analysis.style import OKABE_ITO
from app import chart_data as R
from app.controller import DEBUG, PageController, Status
from app.controls import CHOICE_TEXT, KNOBS, RUNGS, SHOCKS, STRATEGIES, ZONES, Choices, SaveError
from app.places import PLACE_TEXT, PLACES
from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES, SYSTEM_AREAS

BLUE, GREY = OKABE_ITO[0], "#7F7F7F"
SIDEBAR = 340


class StrategyPage:
    """The page of one browser tab."""

    def __init__(self, engine, years: int, place: str, scenario_dir: str | None = None,
                 runs_dir: str = "outputs"):
        import panel as pn

        self.pn = pn
        self.years = years
        self.ctl = PageController(engine, years, place, scenario_dir, runs_dir)
        self._syncing = False
        self._shown_error: str | None = None
        self._build_controls()
        self._build_charts(engine.start_year)
        self._build_saved_tab()
        self.layout = self._layout()
        self.ctl.submit()
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

    def _build_controls(self) -> None:
        pn = self.pn
        c = self.ctl.choices
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

    def _show_choices(self, c: Choices) -> None:
        """Put mended choices into the widgets without triggering runs."""
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

    def _enable(self) -> None:
        W, c = self.w, self.ctl.choices
        for k in ("staff", "hours", "strategy", "arrival", "leaves"):
            W[k].disabled = not c.team
        W["exit"].disabled = not (c.team and c.leaves)
        W["data"].disabled = not c.data_sharing
        W["teeth"].disabled = c.zone != "english_zone"
        W["shock_year"].disabled = W["shock_size"].disabled = c.shock == "none"

    def on_change(self, *events) -> None:
        """Controls moved: the choices as the events deliver them (a slider's settled
        value_throttled, not its `value`, which may lag behind within one message)."""
        if self._syncing or self.ctl.closed:
            return
        values = {}
        for ev in events:
            key = self._key_of.get(id(ev.obj))
            if key is not None:
                values[key] = tuple(ev.new or ()) if key == "pilots" else ev.new
        c, mended = self.ctl.choose(values)
        if mended:
            self._show_choices(c)
        self._enable()
        self.place_text.object = self._place_html(c.place)
        self._show_state()

    # -- running ---------------------------------------------------------------------
    def poll(self) -> None:
        """Every 50 ms: a saved comparison read; the waves that are done drawn; progress."""
        if self.ctl.closed:
            return
        self._poll_saved()
        self.ctl.poll(self._draw_held)
        self._show_state()

    def _draw_held(self, res) -> None:
        with self.pn.io.hold():            # one message to the browser for the whole redraw
            self.draw(res)

    def _show_state(self) -> None:
        """The progress bar, the status line and the failure, as the controller has them."""
        ctl = self.ctl
        self.progress.visible = ctl.running
        if ctl.running:
            self.progress.value = int(100 * ctl.progress)
        self.status.object = self._status_html(ctl.status())
        if ctl.error != self._shown_error:
            self._shown_error = ctl.error
            if ctl.error is not None:
                self.error.object = (
                    f"<div class='ps-error-text' style='background:#fbe3d6;color:#8a2c00;padding:6px 10px;"
                    f"border-radius:4px;border:1px solid #D55E00'>{html.escape(ctl.error)}"
                    f" <span style='color:#555'>(the charts show the last run that worked)</span></div>")
            self.error.visible = ctl.error is not None

    def _status_html(self, s: Status) -> str:
        return (f"<span class='ps-status' data-drawn='{s.drawn}' data-wanted='{s.wanted}' "
                f"data-run='{s.runs}' data-latency='{s.latency:.3f}' "
                f"data-complete='{s.complete:.3f}' data-cancelled='{s.cancelled}' "
                f"data-failed='{s.failed}' data-running='{int(s.running)}' data-replicates='{s.replicates}' "
                f"data-place='{s.place}'>"
                f"<b>{html.escape(s.place)}</b>: {s.replicates} paired replicates x {self.years} years, scenario vs "
                f"baseline (same seeds). Update {s.runs}: {s.what}. Stale runs cancelled: {s.cancelled}.</span>")

    # -- charts ----------------------------------------------------------------------
    def _fig(self, title: str, width: int, height: int, y_label: str = "", x_label: str = ""):
        from bokeh.plotting import figure

        f = figure(width=width, height=height, title=title, toolbar_location=None, tools="hover",
                   x_axis_label=x_label, y_axis_label=y_label)
        f.title.text_font_size = "11px"
        f.xaxis.axis_label_text_font_size = f.yaxis.axis_label_text_font_size = "10px"
        return f

    def _build_charts(self, start: int) -> None:
        from bokeh.models import ColumnDataSource, Span

        pn = self.pn
        S = self.src = {}
        empty_band = {k: [] for k in ("year", "base_lo", "base_mid", "base_hi", "scen_lo", "scen_mid", "scen_hi")}

        # Difference to baseline: additional children, cumulative.
        diff = self._fig("Additional children reaching each milestone, cumulative (paired; median and 90% interval)",
                         620, 300, "children", "year")
        diff.add_layout(Span(location=0, dimension="width", line_color="#333", line_width=1))
        for i, m in enumerate(EDUCATION_MILESTONES):
            S[f"extra-{m}"] = src = ColumnDataSource({"year": [], "lo": [], "mid": [], "hi": []}, name=f"extra-{m}")
            colour = OKABE_ITO[i]
            diff.varea(x="year", y1="lo", y2="hi", source=src, fill_color=colour, fill_alpha=0.15)
            diff.line(x="year", y="mid", source=src, line_color=colour, line_width=2.5,
                      line_dash=["solid", "dashed", "dotdash", "dotted"][i], legend_label=R.age_label(m))
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
        for i, m in enumerate(EDUCATION_MILESTONES):
            f = self._fig(OUTCOMES[m].short_label, 300, 230, "% of children assessed" if i == 0 else "", "year")
            f.title.text_font_size = "10px"             # the table's short labels run to 45 characters
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
        for i, col in enumerate(SYSTEM_AREAS):
            f = self._fig(OUTCOMES[col].short_label, 245, 180, "0-1 index" if i % 3 == 0 else "")
            f.title.text_font_size = "10px"
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

        self.status = pn.pane.HTML(self._status_html(self.ctl.status()), sizing_mode="stretch_width", margin=(5, 10))
        self.progress = pn.indicators.Progress(value=0, max=100, width=300, visible=False, bar_color="primary")
        self.error = pn.pane.HTML("", visible=False, margin=(0, 10), sizing_mode="stretch_width")
        self.tip = pn.pane.HTML("", visible=False, margin=(0, 10), sizing_mode="stretch_width")
        self.figs = {"diff": diff, "cost": cost, "ms": ms_figs, "sys": sys_figs, "net": net}
        self._start = start

    def draw(self, res) -> None:
        """Redraw every chart from one result."""
        t = [time.perf_counter()]
        base, scen = res.baseline, res.scenario
        bands = R.milestone_bands(base.milestones, scen.milestones)
        extra = R.extra_children(base.milestones, scen.milestones)
        system = R.system_bands(base.timeseries, scen.timeseries)
        cost = R.cost_view(scen.timeseries, extra, len(res.seeds))
        self._orgs = scen.organisations
        self._history = R.NetworkHistory(scen.network, res.seeds[0], len(scen.organisations))
        t.append(time.perf_counter())
        for m in EDUCATION_MILESTONES:
            self.src[f"ms-{m}"].data = bands[m]
            self.src[f"extra-{m}"].data = extra[m]
        for col in SYSTEM_AREAS:
            self.src[f"sys-{col}"].data = system[col]
        self.src["cost"].data = cost.curve
        t.append(time.perf_counter())
        self.cost_table.object = self._cost_html(cost, res)
        tip = R.tip_line(base.timeseries, scen.timeseries, res.interventions, res.start_year, len(res.seeds),
                         self.ctl.engine.replicates)
        self.tip.visible = tip is not None
        self.tip.object = self._tip_html(tip) if tip is not None else ""
        t.append(time.perf_counter())
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
            f"<td style='text-align:right'>{cost_or_uncertainty_text(r)}</td></tr>" for r in cost.rows)
        return (f"<div style='font-size:12px'><b>Total cost {res.start_year}-{end}: {R.gbp(cost.total)}</b>"
                f"<table style='border-collapse:collapse;margin-top:4px'>"
                f"<tr style='color:#444'><th style='text-align:left'>milestone</th><th>extra children</th>"
                f"<th>90% interval</th><th>cost per extra child (over the interval)</th></tr>{rows}</table></div>")

    @staticmethod
    def _tip_html(text: str) -> str:
        """The "Does it tip?" line (only when the team and its support leave within the run)."""
        return (f"<div class='ps-does-it-tip' style='font-size:13px;background:#eef5fb;padding:6px 10px;"
                f"border-radius:4px;border:1px solid #0072B2'><b>Does it tip?</b> {html.escape(text)}</div>")

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
        c = self.ctl.choices
        try:
            path = self.ctl.save(self.save_name.value, self.save_desc.value)
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

        name = self.save_name.value if self.save_name.value else "my_scenario"
        self.download.filename = f"{name}.yaml"
        return io.StringIO(self.ctl.scenario_text(name, self.save_desc.value))

    def _build_saved_tab(self) -> None:
        pn = self.pn
        self.run_folders = pn.widgets.Select(name="Compare folders found", options=self.ctl.compare_folders(),
                                             width=520)
        self.run_path = pn.widgets.TextInput(name="Or a folder written by `placesim compare`",
                                             placeholder="outputs/compare/2026-11-01_12-00-00", width=520)
        self.open_button = pn.widgets.Button(name="Open a run folder", button_type="primary", width=200,
                                             css_classes=["ps-open"])
        self.open_button.on_click(self.on_open)
        self.open_msg = pn.pane.HTML("", sizing_mode="stretch_width")
        self.saved_table = pn.pane.HTML("", sizing_mode="stretch_width")
        self.saved_plots = pn.Column()

    def on_open(self, _event=None) -> None:
        folder = (self.run_path.value or "").strip() or (self.run_folders.value or "")
        if not folder:
            self.open_msg.object = "<span style='color:#D55E00'>no folder chosen: run `placesim compare` first, or type a path</span>"
            return
        self.open_msg.object = f"opening {html.escape(folder)}..."
        self.ctl.open_folder(folder)

    def _poll_saved(self) -> None:
        try:
            saved = self.ctl.opened()
        except Exception as exc:  # noqa: BLE001
            self.open_msg.object = f"<span class='ps-open-msg' style='color:#D55E00'>{html.escape(str(exc).splitlines()[0])}</span>"
            return
        if saved is None:
            return
        table, images, title = saved
        self.open_msg.object = f"<span class='ps-open-msg'>{html.escape(title)}</span>"
        self.saved_table.object = table
        self.saved_plots.objects = [self.pn.pane.PNG(img, width=900) for img in images]
        self.run_folders.options = self.ctl.compare_folders()

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
            self.tip,
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
                         "(manifest.json, summary, one run folder per scenario).", margin=(5, 10)),
            self.run_folders, self.run_path, self.open_button, self.open_msg, self.saved_table, self.saved_plots,
        )
        tabs = pn.Tabs(("Live: scenario vs baseline", live), ("Saved comparison", saved), dynamic=False)
        return pn.Row(sidebar, tabs, margin=0)

    def prime(self) -> None:
        """Once the browser has the page: redraw the current result, so that Bokeh's
        one-time bookkeeping of the document is done now and not at the first change."""
        if self.ctl.drawn is not None and self.ctl.job is None:
            self._draw_held(self.ctl.drawn)

    def close(self) -> None:
        self.ctl.close()
