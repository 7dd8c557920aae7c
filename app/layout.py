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
from app.controller import DEBUG, PageController, Status, fingerprint
from app.controls import CHOICE_SOURCE, CHOICE_TEXT, KNOBS, RUNGS, SHOCKS, STRATEGIES, ZONES, Choices, SaveError
from app.places import PLACE_TEXT, PLACES
from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES, PAIRED_INTERVAL, REPLICATE_BAND, SYSTEM_AREAS

BLUE, GREY = OKABE_ITO[0], "#7F7F7F"
SIDEBAR = 300
# The charts are fixed-size cards in a wrapping row, so the page fits any screen from
# 1280 px wide (tests/test_app.py checks 1280x720 and 1920x1080): at most 900 px each.
CARD = {"diff": 560, "cost": 330, "ms": 290, "sys": 620, "net": 540}
SETTLED = 0.25     # ranges "settled": the last runs moved neither end by more than this share of the width


def _whole(x: float) -> str:
    """A count of children as the page shows it: whole, signed, never "-0"."""
    return f"{int(round(x)):+d}" if x == x else "n/a"


def _same_columns(old: dict, new: dict) -> bool:
    """Whether a chart's columns would not change (then they are not sent again)."""
    import numpy as np

    return old.keys() == new.keys() and all(
        len(old[k]) == len(new[k]) and np.array_equal(np.asarray(old[k]), np.asarray(new[k])) for k in new)


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
    def _tip(self, key: str, text: str, source: str, widget=None):
        """A control with a (?) beside it: what it means, its unit and range in plain words;
        where it comes from when "details" is ticked."""
        pn = self.pn
        widget = self.w[key] if widget is None else widget
        labelled = not isinstance(widget, (pn.widgets.Checkbox, pn.widgets.RadioButtonGroup))
        icon = pn.widgets.TooltipIcon(value=self._tip_text(text, source),
                                      margin=(18, 0, 0, 0) if labelled else (8, 0, 0, 0),
                                      css_classes=[f"ps-tip-{key}"])
        self._tips.append((icon, text, source))
        return pn.Row(widget, icon, margin=0, sizing_mode="stretch_width")

    def _tip_text(self, text: str, source: str) -> str:
        return f"{text}\n\n{source}" if self.details.value else text

    def on_details(self, _event=None) -> None:
        for icon, text, source in self._tips:
            icon.value = self._tip_text(text, source)

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
        self._tips = []
        self.details = pn.widgets.Checkbox(name="Show where each number comes from (details)", value=False,
                                           css_classes=["ps-details"], width=SIDEBAR - 30)
        self.details.param.watch(self.on_details, "value")
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
        if self.progress.visible != ctl.running:
            self.progress.visible = ctl.running
        if ctl.running:
            # In steps of a tenth: each change is a message the browser restyles the page
            # for, and at every 50 ms poll they cost Chromium more than the charts did.
            self.progress.value = 10 * int(10 * ctl.progress)
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
        """One line in words; the numbers the browser test reads are in data attributes."""
        total = self.ctl.engine.replicates
        return (f"<span class='ps-status' data-drawn='{s.drawn}' data-wanted='{s.wanted}' "
                f"data-run='{s.runs}' data-latency='{s.latency:.3f}' "
                f"data-complete='{s.complete:.3f}' data-cancelled='{s.cancelled}' "
                f"data-failed='{s.failed}' data-running='{int(s.running)}' data-replicates='{s.replicates}' "
                f"data-place='{s.place}'>"
                f"<b>{html.escape(s.place)}</b> over {self.years} years: the scenario against the same place "
                f"without it, {total} runs each with the same chance events. {html.escape(s.what)}.</span>")

    # -- charts ----------------------------------------------------------------------
    def _fig(self, name: str, width: int, height: int, y_label: str = "", x_label: str = ""):
        """A chart without a Bokeh title (the card's HTML title wraps instead of being cut)."""
        from bokeh.plotting import figure

        f = figure(width=width, height=height, toolbar_location=None, tools="", name=f"chart-{name}",
                   x_axis_label=x_label, y_axis_label=y_label)
        f.xaxis.axis_label_text_font_size = f.yaxis.axis_label_text_font_size = "10px"
        return f

    @staticmethod
    def _legend(fig, name: str, items: list, place: str = "below", columns: int = 0):
        """A legend outside the plot area, named so the browser test can find it."""
        from bokeh.models import Legend

        legend = Legend(items=items, name=f"legend-{name}", orientation="horizontal" if place == "below" else "vertical",
                        label_text_font_size="10px", glyph_width=18, spacing=6, padding=2, margin=2,
                        location="top_left", border_line_alpha=0)
        if columns:
            legend.ncols = columns
        fig.add_layout(legend, place)
        return legend

    def _card(self, key: str, title: str, *body, width: int):
        """A chart's card: its title in words (wrapping, never cut), the chart, notes."""
        pn = self.pn
        head = pn.pane.HTML(f"<div class='ps-chart-title' style='font-size:13px;font-weight:600;"
                            f"white-space:normal;line-height:1.25'>{html.escape(title)}</div>",
                            width=width - 10, margin=(2, 5), css_classes=[f"ps-title-{key}"])
        self.titles[key] = head
        return pn.Column(head, *body, width=width, margin=(4, 6), css_classes=["ps-card", f"ps-card-{key}"],
                         styles={"border": "1px solid #e2e2e2", "border-radius": "4px"})

    def _band_glyphs(self, f, src, width: float = 2.0, labels=("without", "with the scenario")):
        """Baseline (grey, dashed) and scenario (blue) as a median line over a shaded range."""
        from bokeh.models import LegendItem

        bb = f.varea(x="year", y1="base_lo", y2="base_hi", source=src, fill_color=GREY, fill_alpha=0.2)
        bl = f.line(x="year", y="base_mid", source=src, line_color=GREY, line_width=width, line_dash="dashed")
        sb = f.varea(x="year", y1="scen_lo", y2="scen_hi", source=src, fill_color=BLUE, fill_alpha=0.2)
        sl = f.line(x="year", y="scen_mid", source=src, line_color=BLUE, line_width=width + 0.5)
        return sl, [LegendItem(label=labels[0], renderers=[bl, bb]), LegendItem(label=labels[1], renderers=[sl, sb])]

    def _build_charts(self, start: int) -> None:
        from bokeh.models import ColumnDataSource, HoverTool, LegendItem, Range1d, Span

        pn = self.pn
        S = self.src = {}
        self.titles, self.notes = {}, {}
        empty_band = {k: [] for k in ("year", "base_lo", "base_mid", "base_hi", "scen_lo", "scen_mid", "scen_hi")}
        band_words = f"line: middle run; shaded: {REPLICATE_BAND.wording.replace('replicates', 'runs')}"
        cards = []

        # Difference to baseline: additional children, cumulative.
        diff = self._fig("diff", CARD["diff"] - 10, 290, "extra children (cumulative)", "year")
        diff.add_layout(Span(location=0, dimension="width", line_color="#333", line_width=1))
        items = []
        for i, m in enumerate(EDUCATION_MILESTONES):
            S[f"extra-{m}"] = src = ColumnDataSource({"year": [], "lo": [], "mid": [], "hi": []}, name=f"extra-{m}")
            colour = OKABE_ITO[i]
            band = diff.varea(x="year", y1="lo", y2="hi", source=src, fill_color=colour, fill_alpha=0.12)
            line = diff.line(x="year", y="mid", source=src, line_color=colour, line_width=2.5,
                             line_dash=["solid", "dashed", "dotdash", "dotted"][i])
            diff.add_tools(HoverTool(renderers=[line], mode="vline", tooltips=[
                ("", OUTCOMES[m].short_label), ("year", "@year{0}"),
                ("extra children", "@mid{+0} (range @lo{+0} to @hi{+0})")]))
            items.append(LegendItem(label=R.age_label(m), renderers=[line, band]))
        self._legend(diff, "diff", items)
        cards.append(self._card("diff", "Extra children reaching each milestone with the scenario, added up year "
                                        f"by year (line: middle run; shaded: {PAIRED_INTERVAL.wording})",
                                pn.pane.Bokeh(diff), width=CARD["diff"]))

        # Cost.
        cost = self._fig("cost", CARD["cost"] - 10, 200, "£ thousands", "year")
        S["cost"] = ColumnDataSource({"year": [], "cumulative": []}, name="cost")
        area = cost.varea(x="year", y1=0, y2="cumulative", source=S["cost"], fill_color="#CC79A7", fill_alpha=0.25)
        line = cost.line(x="year", y="cumulative", source=S["cost"], line_color="#CC79A7", line_width=2.5)
        cost.add_tools(HoverTool(renderers=[line], mode="vline",
                                 tooltips=[("year", "@year{0}"), ("spent so far", "£@cumulative{0,0} thousand")]))
        self._legend(cost, "cost", [LegendItem(label="spent so far", renderers=[line, area])])
        self.cost_table = pn.pane.HTML("", width=CARD["cost"] - 10, margin=(0, 5), css_classes=["ps-cost-table"])
        cards.append(self._card("cost", "What the scenario costs, and per extra child", pn.pane.Bokeh(cost),
                                self.cost_table, width=CARD["cost"]))

        # Milestone trajectories with bands.
        ms_figs = []
        for i, m in enumerate(EDUCATION_MILESTONES):
            f = self._fig(f"ms-{m}", CARD["ms"] - 10, 250, "% of children assessed", "year")
            S[f"ms-{m}"] = src = ColumnDataSource(dict(empty_band), name=f"ms-{m}")
            line, items = self._band_glyphs(f, src)
            f.add_tools(HoverTool(renderers=[line], mode="vline", tooltips=[
                ("year", "@year{0}"), ("with the scenario", "@scen_mid{0}% (@scen_lo{0} to @scen_hi{0})"),
                ("without", "@base_mid{0}% (@base_lo{0} to @base_hi{0})")]))
            self._legend(f, f"ms-{m}", items)
            ms_figs.append(f)
            cards.append(self._card(f"ms-{m}", f"{OUTCOMES[m].short_label}: share of children ({band_words})",
                                    pn.pane.Bokeh(f), width=CARD["ms"]))

        # System indicators (seed 003's six areas).
        sys_figs, sys_cells = [], []
        small = (CARD["sys"] - 20) // 3
        for i, col in enumerate(SYSTEM_AREAS):
            f = self._fig(f"sys-{col}", small, 190, "0-1 index" if i % 3 == 0 else "")
            f.y_range.start = 0
            S[f"sys-{col}"] = src = ColumnDataSource(dict(empty_band), name=f"sys-{col}")
            f.xaxis.ticker.desired_num_ticks = 3
            line, items = self._band_glyphs(f, src, width=1.5, labels=("without", "with"))
            f.add_tools(HoverTool(renderers=[line], mode="vline", tooltips=[
                ("year", "@year{0.0}"), ("with", "@scen_mid{0.00}"), ("without", "@base_mid{0.00}")]))
            self._legend(f, f"sys-{col}", items)
            self.notes[col] = note = pn.pane.HTML("", visible=False, width=small, margin=(0, 2),
                                                  css_classes=[f"ps-note-sys-{col}"])
            sys_figs.append(f)
            sys_cells.append(pn.Column(
                pn.pane.HTML(f"<div class='ps-chart-title' style='font-size:12px;font-weight:600;white-space:normal'>"
                             f"{html.escape(OUTCOMES[col].short_label)}</div>", width=small, margin=(0, 2)),
                pn.pane.Bokeh(f), note, width=small, margin=0))
        cards.append(self._card("sys", f"How the local system works: seed 003's six areas ({band_words})",
                                pn.GridBox(*sys_cells, ncols=3, width=CARD["sys"] - 10), width=CARD["sys"]))

        # The organisation network.
        net = self._fig("net", CARD["net"] - 10, 400)
        net.x_range, net.y_range = Range1d(-1.3, 1.3), Range1d(-1.3, 1.3)
        net.axis.visible = False
        net.grid.visible = False
        S["net-edges"] = ColumnDataSource({k: [] for k in ("xs", "ys", "width", "alpha", "colour", "status",
                                                           "strength", "pair")}, name="net-edges")
        S["net-nodes"] = ColumnDataSource({k: [] for k in ("x", "y", "size", "kind", "kind_label", "label",
                                                           "colour", "ties")}, name="net-nodes")
        edges = net.multi_line(xs="xs", ys="ys", source=S["net-edges"], line_width="width", line_color="colour",
                               line_alpha="alpha")
        nodes = net.scatter(x="x", y="y", size="size", source=S["net-nodes"], fill_color="colour",
                            line_color="white", line_width=1.5)
        net.add_tools(HoverTool(renderers=[nodes], tooltips=[("", "@label"), ("ties, added up", "@ties")]),
                      HoverTool(renderers=[edges], tooltips=[("", "@pair"), ("since the year before", "@status"),
                                                             ("strength (0-1)", "@strength")], line_policy="interp"))
        self._legend(net, "net", [LegendItem(label={"field": "status"}, renderers=[edges]),
                                  LegendItem(label={"field": "kind_label"}, renderers=[nodes])], place="right")
        self.net_year = pn.widgets.Player(name=f"Year of the network (years since {start})", start=0, end=self.years,
                                          value=self.years, interval=800, loop_policy="once", width=CARD["net"] - 40,
                                          show_value=True, value_align="start", show_loop_controls=False,
                                          visible_buttons=["first", "previous", "play", "pause", "next", "last"])
        self.net_year.param.watch(lambda e: self._draw_network(), "value")
        self.net_text = pn.pane.HTML("", width=CARD["net"] - 10, margin=(0, 5), css_classes=["ps-net-text"])
        cards.append(self._card("net", "Which organisations work together (first run)", pn.pane.Bokeh(net),
                                self.net_year, self.net_text, width=CARD["net"]))

        self.status = pn.pane.HTML(self._status_html(self.ctl.status()), sizing_mode="stretch_width", margin=(5, 10))
        self.certainty = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10), css_classes=["ps-certainty"])
        self.progress = pn.indicators.Progress(value=0, max=100, width=200, visible=False, bar_color="primary")
        self.error = pn.pane.HTML("", visible=False, margin=(0, 10), sizing_mode="stretch_width")
        self.tip = pn.pane.HTML("", visible=False, margin=(0, 10), sizing_mode="stretch_width")
        self.figs = {"diff": diff, "cost": cost, "ms": ms_figs, "sys": sys_figs, "net": net}
        self.cards = cards
        self._start = start
        self._ranges: tuple | None = None        # (what, ranges) of the picture drawn before, for "settled"

    def draw(self, res) -> None:
        """Redraw every chart from one result (its columns replaced; the figures stay)."""
        t = [time.perf_counter()]
        base, scen = res.baseline, res.scenario
        bands = R.milestone_bands(base.milestones, scen.milestones)
        extra = R.extra_children(base.milestones, scen.milestones)
        system = R.system_bands(base.timeseries, scen.timeseries)
        cost = R.cost_view(scen.timeseries, extra, len(res.seeds))
        # The network is the first run's, which every later wave of the same update
        # shares: it is redrawn only for a new update (the network is the costliest
        # chart for the browser to draw).
        network_key = (fingerprint(res.place, res.interventions), res.seeds[0])
        new_network = network_key != getattr(self, "_network_key", None)
        if new_network:
            self._network_key = network_key
            self._orgs = scen.organisations
            self._history = R.NetworkHistory(scen.network, res.seeds[0], len(scen.organisations))
        t.append(time.perf_counter())
        for m in EDUCATION_MILESTONES:
            self.src[f"ms-{m}"].data = bands[m]
            self.src[f"extra-{m}"].data = extra[m]
        for col in SYSTEM_AREAS:
            self.src[f"sys-{col}"].data = system[col]
            self._empty_note(col, system[col])
        if not _same_columns(self.src["cost"].data, cost.curve):      # the same in every run of an update
            self.src["cost"].data = cost.curve
        t.append(time.perf_counter())
        self.cost_table.object = self._cost_html(cost, res)
        self.certainty.object = self._certainty_html(res, cost)
        tip = R.tip_line(base.timeseries, scen.timeseries, res.interventions, res.start_year, len(res.seeds),
                         self.ctl.engine.replicates)
        self.tip.visible = tip is not None
        self.tip.object = self._tip_html(tip) if tip is not None else ""
        t.append(time.perf_counter())
        if new_network:
            self._draw_network()
        t.append(time.perf_counter())
        if DEBUG:
            print("[app] draw: summaries %.3f s, sources %.3f s, table %.3f s, network %.3f s"
                  % tuple(b - a for a, b in zip(t, t[1:])), flush=True)

    def _empty_note(self, col: str, band: dict) -> None:
        """A panel whose outcome is 0 in every run says why instead of showing a flat line."""
        import numpy as np

        flat = all(len(band[k]) and not np.any(band[k]) for k in ("base_hi", "scen_hi"))
        note = self.notes[col]
        note.visible = flat
        if flat:
            why = OUTCOMES[col].when_zero or "nothing in this scenario moves it"
            note.object = (f"<div class='ps-empty-why ps-empty-{col}' style='font-size:11px;color:#555;"
                           f"white-space:normal'>Zero in every run, "
                           f"with and without the scenario: {html.escape(why)}.</div>")

    def _certainty_html(self, res, cost: R.CostView) -> str:
        """Whether the ranges have settled: "still uncertain" while runs come in, and after
        that while the last runs still moved a range by more than SETTLED of its width."""
        n, total = len(res.seeds), self.ctl.engine.replicates
        what = fingerprint(res.place, res.interventions)
        ranges = {r["milestone"]: (r["low"], r["high"]) for r in cost.rows}
        before = self._ranges[1] if self._ranges and self._ranges[0] == what else None
        self._ranges = (what, ranges)
        if n < total or not res.complete:
            text = (f"<b>Still uncertain</b>: drawn from {n} of {total} runs; more are coming in and the ranges "
                    f"will narrow.")
        elif before is not None and not R.settled(before, ranges, SETTLED):
            text = (f"<b>Still uncertain</b>: all {total} runs are in, but the last ones still moved the ranges. "
                    f"Read them as rough; <code>placesim compare</code> with more replicates settles them.")
        else:
            told = sum(bool(r["distinguishable"]) for r in cost.rows)
            text = (f"All {total} runs are in. {told} of {len(cost.rows)} milestones show an effect that can be "
                    f"told apart from no change.")
        text += f" The ranges include {self.ctl.engine.bands_include(res.place)}."
        return f"<div class='ps-certainty-text' style='font-size:13px'>{text}</div>"

    def _cost_html(self, cost: R.CostView, res) -> str:
        end = res.start_year + res.months // 12
        rows = "".join(
            f"<tr><td>{r['label']}</td><td style='text-align:right'>{_whole(r['extra'])}</td>"
            f"<td style='text-align:right;color:#666'>{_whole(r['low'])} to {_whole(r['high'])}</td>"
            f"<td style='padding-left:6px'>{html.escape(cost_or_uncertainty_text(r))}</td></tr>" for r in cost.rows)
        # A fixed layout: the sentences in the last column wrap inside the card instead of
        # widening the table past it (the card's width is fixed; issue 22, a room's screen).
        return (f"<div style='font-size:12px;white-space:normal;max-width:{CARD['cost'] - 20}px'>"
                f"<b>Total cost {res.start_year}-{end}: {R.gbp(cost.total)}</b>"
                f"<table style='border-collapse:collapse;margin-top:4px;width:100%;table-layout:fixed;"
                f"overflow-wrap:anywhere'>"
                f"<colgroup><col style='width:26%'><col style='width:13%'><col style='width:17%'>"
                f"<col style='width:44%'></colgroup>"
                f"<tr style='color:#444'><th style='text-align:left'>milestone</th><th>extra children</th>"
                f"<th>range*</th><th style='text-align:left'>cost per extra child</th></tr>{rows}</table>"
                f"<div style='color:#666'>* {PAIRED_INTERVAL.wording}, over {len(res.seeds)} runs</div></div>")

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
        self.net_text.object = (f"<div style='font-size:12px;white-space:normal'><b>{year:.0f}</b>: {alive} "
                                f"partnerships; since the year before: {parts}. Line width: how strong a "
                                f"partnership is; circle size: all of an organisation's partnerships added up."
                                f"</div>")

    # -- save and open ---------------------------------------------------------------
    def on_save(self, _event=None) -> None:
        c = self.ctl.choices
        try:
            path = self.ctl.save(self.save_name.value, self.save_desc.value)
        except SaveError as exc:
            self.save_msg.object = f"<div class='ps-save-msg' style='color:#D55E00;overflow-wrap:anywhere'>{html.escape(str(exc))}</div>"
            return
        name = path.stem
        self.save_msg.object = (
            f"<div class='ps-save-msg' style='font-size:12px;overflow-wrap:anywhere'>Saved <code>{html.escape(str(path))}</code>. "
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
                                             width=520, css_classes=["ps-run-folders"])
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
        self.saved_plots.objects = [self.pn.pane.PNG(img, sizing_mode="scale_width", max_width=900)
                                   for img in images]
        self.run_folders.options = self.ctl.compare_folders()

    # -- layout ----------------------------------------------------------------------
    def _layout(self):
        pn = self.pn
        T, SRC = CHOICE_TEXT, CHOICE_SOURCE

        def sl(key):
            return self._tip(key, KNOBS[key].tooltip(self.years), KNOBS[key].source(self.years))

        def ch(key):
            return self._tip(key, T[key], SRC[key])

        def h(text):
            return pn.pane.HTML(f"<div style='font-weight:600;margin-top:6px;border-top:1px solid #ddd;"
                                f"padding-top:4px'>{text}</div>", margin=(0, 10), sizing_mode="stretch_width")

        sidebar = pn.Column(
            pn.pane.HTML("<div style='font-size:20px;font-weight:600'>placesim</div>"
                         "<div style='font-size:12px;color:#555;white-space:normal'>What if...? Change a control "
                         "and the charts show the place with and without your choices. Hover <b>?</b> to see "
                         "what a control means.</div>", width=SIDEBAR - 20, margin=(5, 10)),
            self.details,
            ch("place"), self.place_text,
            h("Core team"), ch("team"), sl("staff"), sl("hours"), ch("strategy"), sl("arrival"), ch("leaves"),
            sl("exit"),
            h("Pilots, data and voice"), ch("pilots"), ch("data_sharing"), sl("data"), ch("voice"),
            h("Governance"), ch("zone"), sl("teeth"),
            h("Shock"), ch("shock"), sl("shock_year"), sl("shock_size"),
            h("Save"), self.save_name, self.save_desc, self.save_button, self.download, self.save_msg,
            width=SIDEBAR, styles={"background": "#f7f7f7"}, margin=0,
        )
        live = pn.Column(
            pn.Row(self.status, self.progress, sizing_mode="stretch_width"),
            self.certainty,
            self.error,
            self.tip,
            pn.FlexBox(*self.cards, flex_wrap="wrap", align_content="flex-start", sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        saved = pn.Column(
            pn.pane.HTML("<b>A saved comparison</b>: a folder written by <code>placesim compare</code> "
                         "(manifest.json, summary, one run folder per scenario).", margin=(5, 10),
                         sizing_mode="stretch_width"),
            self.run_folders, self.run_path, self.open_button, self.open_msg, self.saved_table, self.saved_plots,
            sizing_mode="stretch_width",
        )
        tabs = pn.Tabs(("With and without the scenario", live), ("Saved comparison", saved), dynamic=False,
                       sizing_mode="stretch_width")
        return pn.Row(sidebar, tabs, margin=0, sizing_mode="stretch_width")

    def prime(self) -> None:
        """Once the browser has the page: redraw the current result, so that Bokeh's
        one-time bookkeeping of the document is done now and not at the first change."""
        if self.ctl.drawn is not None and self.ctl.job is None:
            self._draw_held(self.ctl.drawn)

    def close(self) -> None:
        self.ctl.close()
