"""Assembling the report and rendering it: Jinja2 templates and a CSS file (templates/),
and **WeasyPrint** (PyPI) for the PDF.

WeasyPrint was chosen after checking this machine: Debian 12 ships the Pango (1.50),
HarfBuzz and fontconfig libraries WeasyPrint 70 needs, so it renders HTML + CSS to PDF
in-process with no browser; Chromium's print-to-PDF was the fallback and is not needed
(Chromium is only used by the tests, to look at the HTML as a reader would). WeasyPrint
is given a URL fetcher that allows only `data:` URLs, so nothing is fetched at render time.
"""
from __future__ import annotations

import datetime as _dt
import os
import tempfile
from pathlib import Path

from analysis.report.data import context_of
from analysis.report.figures import difference_figure, headline_figure, milestones_figure, sensitivity_figure, \
    system_figure
from analysis.report.formatting import label, place_title
from analysis.report.inputs import CompareInputs, ReportError, SweepInputs, read_inputs, sweep_config
from analysis.report.tables import assumptions_section, cost_effectiveness_table, headline_counts_section, \
    system_table
from analysis.report.text import baseline_sentence, brief_sentences, compare_question, interaction_sentences, \
    place_sentences, scenario_headline, shock_sentences, sweep_question
from sim.outcomes import PAIRED_INTERVAL, REPLICATE_BAND

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def _common() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("placesim")
    except PackageNotFoundError:
        v = "unknown"
    return {"version": v, "generated": _dt.date.today().strftime("%d %B %Y").lstrip("0"),
            "css": (TEMPLATES / "report.css").read_text()}


def bands_of(inputs: CompareInputs) -> str:
    """What the bands include (analysis.calibration.band_sources), from the runs' config."""
    from analysis.calibration import band_sources

    cal = (next(iter(inputs.configs.values()), None) or {}).get("calibrated") or {}
    return band_sources(str(cal.get("name", "none")), len(cal.get("sets") or []))


def compare_content(inputs: CompareInputs) -> dict:
    """Everything the template shows for a compare folder."""
    ctx = context_of(inputs)
    title, question = compare_question(ctx)
    figures = []
    for fid, fn, caption in (
            ("headline", headline_figure, "Additional children reaching each milestone over the run, compared with "
             "the baseline on the same simulated children: dot = median, bar = 90% interval across replicates."),
            ("milestones", milestones_figure, "The share of children reaching each milestone, year by year. "
             f"Lines are medians, shaded bands the {REPLICATE_BAND.wording}."),
            ("difference", difference_figure, "The same, as the difference to the baseline in percentage points "
             f"(paired by seed; shaded bands: {PAIRED_INTERVAL.wording})."),
            ("system", system_figure, "Seed 003's six system areas by year (0\u20131 indices; shaded bands: "
             f"{REPLICATE_BAND.wording}); dotted vertical lines mark where support ends.")):
        src, alt = fn(ctx)
        figures.append({"id": fid, "src": src, "alt": alt, "caption": caption})
    few = ctx.replicates < 20
    return {
        **_common(),
        "kind": "compare",
        "title": title,
        "meta": [ctx.place_name, ctx.period, f"{ctx.replicates} replicates per scenario",
                 f"{len(ctx.names)} scenarios", "bands: " + bands_of(inputs)],
        "question": question,
        "place_sentences": place_sentences(ctx),
        "brief": brief_sentences(ctx),
        "baseline_sentence": baseline_sentence(ctx),
        "headlines": [scenario_headline(ctx, n) for n in ctx.others],
        "interaction_sentences": interaction_sentences(ctx),
        "shock_sentences": shock_sentences(ctx),
        "figures": {f["id"]: f for f in figures},
        "ce_table": cost_effectiveness_table(ctx),
        "system_tables": [{"label": label(n), "html": system_table(ctx, n)} for n in ctx.others],
        "headline_counts": headline_counts_section(ctx.place, inputs),
        "assumptions": assumptions_section(inputs.configs, inputs.sensitivity),
        "replicates": ctx.replicates,
        "few_replicates": few,
        "failed": sorted((inputs.manifest.get("failed") or {})),
        "folder": str(inputs.folder),
        "period": ctx.period,
    }


def sweep_content(inputs: SweepInputs) -> dict:
    """A sweep folder: which guesses move the outcomes, from `placesim analyse`'s tables."""
    m = inputs.manifest
    s = inputs.sensitivity
    place = place_title(str(m.get("place") or "the place"))
    scenario = label(str(m.get("scenario") or "baseline"))
    years = m.get("years")
    title, question = sweep_question(place, scenario, list(dict.fromkeys(s["outcome"])), years)
    src, alt = sensitivity_figure(s)
    bounds = {k: v for k, v in (m.get("bounds") or {}).items() if isinstance(v, (list, tuple)) and len(v) == 2}
    meta = [place, f"scenario {scenario}", f"{str(m.get('design', 'sampled')).replace('_', ' ')} design"]
    if m.get("points") and m.get("replicates"):
        meta.append(f"{m['points']} points \u00d7 {m['replicates']} replicates")
    if years:
        meta.append(f"{years} years")
    return {
        **_common(),
        "kind": "sweep",
        "title": title,
        "meta": meta,
        "question": question,
        "figures": {"sensitivity": {"id": "sensitivity", "src": src, "alt": alt,
                                    "caption": "Sensitivity of each outcome to the parameters the sweep varied "
                                               "(placesim analyse); the most influential at the top."}},
        "assumptions": assumptions_section({"baseline": sweep_config(inputs)}, s, bounds),
        "folder": str(inputs.folder),
    }


def render_html(content: dict) -> str:
    return _env().get_template("report.html.j2").render(**content)


def render_pdf(html: str) -> bytes:
    """The same HTML as a PDF (WeasyPrint; only data: URLs may be fetched)."""
    import logging

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols=["data"])
    return HTML(string=html, url_fetcher=fetcher, media_type="print").write_pdf(pdf_tags=True)


def build(folder: Path | str, sensitivity: Path | str | None = None) -> tuple[str, bytes]:
    """(HTML text, PDF bytes) for a folder; ReportError with one line if it cannot be read."""
    inputs = read_inputs(folder, sensitivity)
    content = compare_content(inputs) if isinstance(inputs, CompareInputs) else sweep_content(inputs)
    html = render_html(content)
    return html, render_pdf(html)


def write_report(folder: Path | str, out: Path | str | None = None,
                 sensitivity: Path | str | None = None) -> tuple[Path, Path]:
    """Write report.html and report.pdf into `out` (default: the folder itself).

    Both are written to temporary names in `out` and renamed into place only when both
    are complete, so a failure leaves neither a half-written report nor a temporary file.
    """
    html, pdf = build(folder, sensitivity)
    out = Path(out) if out is not None else Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    targets = {"report.html": html.encode("utf-8"), "report.pdf": pdf}
    temps: dict[str, Path] = {}
    try:
        for name, data in targets.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            temps[name] = Path(tmp)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
        for name, tmp in temps.items():
            os.replace(tmp, out / name)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return out / "report.html", out / "report.pdf"
