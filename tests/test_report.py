"""`placesim report`, tested as a reader would use it: the HTML opened in headless
Chromium and screenshotted, the PDF turned into PNG pages (pdftoppm) and text
(pdftotext), the headline numbers of the compare's summary found in both, and bad folders
answered with one line and no files left behind.

Needs Debian's chromium and poppler-utils: `bash scripts/install_system_deps.sh`.
"""
from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import placesim

COMPARE = ["compare", "place.population=800", "place.homes=350", "run.years=4", "run.replicates=4",
           "scenarios=[baseline,core_team,core_team_exit]"]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfimages"))
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed "
                                    "(run `bash scripts/install_system_deps.sh`)")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext, pdfimages) is not "
                                   "installed (run `bash scripts/install_system_deps.sh`)")


@pytest.fixture(scope="session")
def compare_dir(once_across_workers) -> Path:
    """A small compare (800 people, 4 years, 4 replicates, a team that stays and one that
    leaves after 3 years) and its report, made once per session for every xdist worker."""

    def go(folder: Path):
        target = folder / "compare"
        made = placesim(*COMPARE, f"hydra.run.dir={target}", cwd=folder)
        report = placesim("report", f"path={target}", cwd=folder)
        return {"dir": str(target), "compare_rc": made.returncode, "compare_err": made.stderr[-2000:],
                "rc": report.returncode, "stdout": report.stdout, "stderr": report.stderr}

    info = once_across_workers("report-compare", go)
    assert info["compare_rc"] == 0, info["compare_err"]
    assert info["rc"] == 0, info["stderr"]
    folder = Path(info["dir"])
    assert f"Report written to {folder / 'report.html'} and {folder / 'report.pdf'}" in info["stdout"]
    return folder


@pytest.fixture(scope="session")
def summary(compare_dir) -> pd.DataFrame:
    from analysis.results import read_compare

    return read_compare(compare_dir).summary


def _sweep(folder: Path, **fields):
    """A sweep folder's manifest as `placesim sweep` writes it (its tasks are not needed)."""
    from analysis.results import SweepFolder, write_manifest

    fields = {"name": "test_sweep", "design": "sobol", "config_hash": "0", **fields}
    return SweepFolder(folder, write_manifest(folder, "sweep", ["design.parquet"], **fields))


# -- what a reader sees ----------------------------------------------------------------------------

class _Page(html.parser.HTMLParser):
    """Every tag with its attributes, and the visible text (not style or script)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def headline_strings(summary: pd.DataFrame) -> list[str]:
    """The headline numbers of the summary as the report rounds them: additional children
    with their 90% interval, total cost, and the cost per additional child as a range or
    the words that say it cannot be told from no change, per scenario and milestone (all
    children)."""
    from analysis.report.formatting import cost_or_uncertainty_text, extra_text, money
    from sim.outcomes import EDUCATION_MILESTONES

    rows = summary[(summary["group"] == "all") & summary["outcome"].isin(EDUCATION_MILESTONES)
                   & (summary["scenario"] != "baseline")]
    assert len(rows) >= 8
    out = []
    for _, r in rows.iterrows():
        out.append(extra_text(r))
        out.append(money(r["total_cost"]))
        out.append(cost_or_uncertainty_text(r))
    return sorted(set(out))


def non_blank(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as im:
        grey = im.convert("L")
        lo, hi = grey.getextrema()
        colours = im.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert hi - lo > 100, f"{png.name} is blank (grey levels {lo}..{hi})"
        assert len(colours) > 20, f"{png.name} has only {len(colours)} colours"
        assert im.width > 300 and im.height > 300


def chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={user_data}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


# -- the rounding the report promises -------------------------------------------------------------

def test_numbers_are_rounded_to_what_the_interval_supports():
    from analysis.report.formatting import MINUS, interval_text, money, rounded

    assert rounded(1.7, -0.2, 4.8) == ("+2", "0", "+5")
    assert rounded(0.5, 0.0, 1.0) == ("+0.5", "0.0", "+1.0")
    assert rounded(0.1234, 0.117, 0.13) == ("+0.123", "+0.117", "+0.130")
    assert rounded(-12.3, -40.0, 10.0) == (f"{MINUS}12", f"{MINUS}40", "+10")   # never coarser than units
    assert interval_text(-0.04, -0.3, 0.2) == "0.0 (\u22120.3 to +0.2)"
    assert interval_text(float("nan"), 0, 1) == "n/a"
    assert money(1_228_800) == "£1.23 million"
    assert money(460_800) == "£461,000"
    assert money(723_102, 2) == "£720,000"
    assert money(9_860_010, 2) == "£9.9 million"


# -- the HTML --------------------------------------------------------------------------------------

def test_html_is_one_self_contained_file(compare_dir):
    text = (compare_dir / "report.html").read_text()
    page = parse(text)
    imgs = [a for t, a in page.tags if t == "img"]
    assert len(imgs) >= 4, "expected the headline, milestone, difference and system charts"
    for a in imgs:
        assert a.get("src", "").startswith("data:image/png;base64,"), a.get("src", "")[:60]
        assert len(a.get("alt", "").strip()) > 40, "every chart needs alt text that says what it shows"
    for tag, a in page.tags:
        for key in ("src", "href", "srcset", "data", "poster", "action"):
            value = a.get(key) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {key}={value[:60]}> points to the network"
        assert tag not in ("script", "link", "iframe"), f"<{tag}> in a self-contained report"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), "CSS fetches from the network"
    assert "@import" not in text
    assert len([a for t, a in page.tags if t == "table"]) >= 4


def test_html_reads_like_a_brief(compare_dir, summary):
    text = normalise(" ".join(parse((compare_dir / "report.html").read_text()).text))
    headings = ("The question", "In brief", "The place", "What each scenario buys", "Cost-effectiveness",
                "The system before, during and after support", "How to read this report",
                "Appendix: the assumptions, grouped")
    for heading in headings:
        assert heading in text
    assert [text.index(h) for h in headings] == sorted(text.index(h) for h in headings)   # the appendix last
    assert "What is left: 1 year after the support ends" in text          # core_team_exit leaves after 3 of 4 years
    assert "Shared purpose" in text and "Coordination" in text             # seed 003's six areas
    assert "guess" in text and "evidence" in text
    assert "No sensitivity analysis was found" in text
    for s in headline_strings(summary):
        assert s in text, f"headline number {s!r} from the summary is not in report.html"


@needs_chromium
def test_html_opens_in_headless_chromium(compare_dir, summary, tmp_path):
    shot = tmp_path / "report.png"
    run = chromium(f"--screenshot={shot}", "--window-size=1100,1600", (compare_dir / "report.html").as_uri(),
                   user_data=tmp_path / "profile-shot")
    assert shot.exists(), run.stderr[-2000:]
    non_blank(shot)

    # The same page with a probe that counts images the browser could not decode.
    probe = ("<script>window.addEventListener('load', () => {const imgs = [...document.images];"
             "document.body.dataset.images = imgs.length;"
             "document.body.dataset.broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;});"
             "</script></body>")
    copy = tmp_path / "probe.html"
    copy.write_text((compare_dir / "report.html").read_text().replace("</body>", probe))
    run = chromium("--dump-dom", "--virtual-time-budget=10000", copy.as_uri(), user_data=tmp_path / "profile-dom")
    dom = run.stdout
    m = re.search(r'<body[^>]*data-images="(\d+)"[^>]*data-broken="(\d+)"', dom)
    assert m, f"the page did not load in Chromium: {run.stderr[-1000:]}"
    assert int(m.group(1)) >= 4 and int(m.group(2)) == 0, f"{m.group(2)} of {m.group(1)} images broken"
    text = normalise(" ".join(parse(dom).text))
    for s in headline_strings(summary):
        assert s in text, f"headline number {s!r} not in the page Chromium rendered"


# -- the PDF ---------------------------------------------------------------------------------------

@needs_poppler
def test_pdf_pages_render_and_carry_the_headline(compare_dir, summary, tmp_path):
    pdf = compare_dir / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    run = subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    for page in pages[:3]:
        non_blank(page)

    imgs = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, timeout=60).stdout
    images = [line for line in imgs.splitlines()[2:] if line.split()[2:3] == ["image"]]
    n_html = len([a for t, a in parse((compare_dir / "report.html").read_text()).tags if t == "img"])
    assert len(images) == n_html, f"{len(images)} images in the PDF, {n_html} in the HTML"

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          timeout=60).stdout
    text = normalise(text)
    assert "What each scenario buys" in text
    for s in headline_strings(summary):
        assert s in text, f"headline number {s!r} from the summary is not in report.pdf"


@needs_poppler
def test_page_one_answers_in_brief(compare_dir):
    """A funder reads the answer on page 1: one sentence per scenario, by the
    honest-headline rule (the same sentences the report's text builder makes)."""
    from analysis.report.data import context_of
    from analysis.report.inputs import read_inputs
    from analysis.report.text import brief_sentences

    brief = brief_sentences(context_of(read_inputs(compare_dir)))
    assert len(brief) == 2 and brief[0].startswith("Core team (£")
    for sentence in brief:
        assert ("not distinguishable from no change with 4 replicates" in sentence
                or "per additional child" in sentence or "fewer children" in sentence), sentence
    page1 = normalise(subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1",
                                      str(compare_dir / "report.pdf"), "-"],
                                     capture_output=True, text=True, timeout=60).stdout)
    assert "In brief" in page1
    for sentence in brief:
        assert normalise(sentence) in page1, sentence


def test_milestone_chart_titles_are_whole(compare_dir, monkeypatch):
    """Every panel title of the report's milestone charts lies inside the figure and
    clear of its neighbour's (they were cut off in the HTML and the PDF)."""
    from analysis.report import figures
    from analysis.report.data import context_of
    from analysis.report.inputs import read_inputs

    drawn = []
    monkeypatch.setattr(figures, "figure_uri", lambda fig: drawn.append(fig) or "data:")
    ctx = context_of(read_inputs(compare_dir))
    figures.milestones_figure(ctx)
    figures.difference_figure(ctx)
    assert len(drawn) == 2
    for fig in drawn:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        width = fig.bbox.width
        titles = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
        assert len(titles) == 4
        for box in titles:
            assert box.x0 >= 0 and box.x1 <= width, (box, width)
        for a in titles:
            for b in titles:
                if a is not b and abs(a.y0 - b.y0) < 1:              # the same row
                    assert a.x1 <= b.x0 or b.x1 <= a.x0, "two titles overlap"


# -- sensitivity, another output folder, and a sweep -----------------------------------------------

def test_sensitivity_marks_the_guesses_that_move_the_headline(compare_dir, tmp_path):
    from analysis.report.inputs import read_inputs
    from analysis.report.render import compare_content, render_html

    from analysis.results import write_analysis

    # What `placesim analyse` writes for a Sobol sweep: <sweep>/analysis/<outcome>_indices.csv
    sweep = tmp_path / "sweep"
    write_analysis(_sweep(sweep), "ks4", pd.DataFrame(
        {"parameter": ["model.ties.decay", "model.norms.threshold_mean", "place.population"],
         "S1": [0.2, 0.05, 0.0], "S1_conf": [0.05] * 3, "ST": [0.31, 0.08, 0.01], "ST_conf": [0.05] * 3}))
    text = normalise(" ".join(parse(render_html(compare_content(read_inputs(compare_dir, sweep)))).text))
    moving = text.split("What moves the headline")[1].split("Guesses and evidence")[0]
    moving = moving.split("The scenarios' own settings")[0]
    assert "2 of the numbers move the headline outcomes" in moving
    assert "model.ties.decay" in moving and "ST 0.31 for ks4" in moving
    assert "model.norms.threshold_mean" in moving and "ST 0.08 for ks4" in moving
    assert "place.population" not in moving
    assert "yes (ST 0.31 for ks4)" in text                     # the assumptions table marks it too


def test_a_sweep_folder_is_reported_through_its_sensitivity(tmp_path):
    from analysis.report.inputs import ReportError
    from analysis.report.render import write_report
    from analysis.results import write_analysis

    sweep = tmp_path / "sweep"
    folder = _sweep(sweep, name="morris_screen", design="morris",
                    parameters=["model.ties.decay", "model.trust.spread"], points=30, replicates=2,
                    place="pembury", scenario="core_team", years=10,
                    bounds={"model.ties.decay": [0.01, 0.05], "model.trust.spread": [0.01, 0.1]})
    with pytest.raises(ReportError, match="no sensitivity results"):
        write_report(sweep)
    assert sorted(p.name for p in sweep.iterdir()) == ["manifest.json"]
    write_analysis(folder, "ks4", pd.DataFrame({"parameter": ["model.ties.decay", "model.trust.spread"],
                                                "mu_star": [0.04, 0.002], "mu_star_conf": [0.01, 0.001],
                                                "sigma": [0.02, 0.001]}))
    out = tmp_path / "reports"                       # out=: another folder, made if missing
    html_path, pdf_path = write_report(sweep, out)
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"]
    page = parse(html_path.read_text())
    text = normalise(" ".join(page.text))
    assert "Which guesses matter" in text and "morris design" in text and "Key Stage 4 at 16" in text
    assert "yes (mu_star 0.04 for ks4)" in text and "0.01 to 0.05" in text
    assert all(a["src"].startswith("data:image/png") and a["alt"] for t, a in page.tags if t == "img")
    assert pdf_path.read_bytes()[:5] == b"%PDF-"


# -- bad input: one line, nothing left behind ------------------------------------------------------

def _copy_compare(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("report.*", "plots", "*.png", "network.parquet"))
    return dst


def _one_line_and_nothing_written(capsys, rc: int, folder: Path, *expect: str) -> None:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc != 0
    assert len(lines) == 1, err
    assert lines[0].startswith("placesim report: error: ") and str(folder) in lines[0], lines[0]
    for e in expect:
        assert e in lines[0], lines[0]
    if folder.is_dir():
        left = [p.name for p in folder.iterdir() if p.name.startswith(("report.", ".report."))]
        assert not left, f"left behind: {left}"


def test_a_folder_with_no_results(tmp_path, capsys):
    from experiments.report import main

    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_and_nothing_written(capsys, main([f"path={empty}"]), empty, "not a compare or sweep folder")
    missing = tmp_path / "nowhere"
    _one_line_and_nothing_written(capsys, main([f"path={missing}"]), missing, "no such folder")
    assert not missing.exists()


def test_a_compare_without_a_baseline(compare_dir, tmp_path, capsys):
    from experiments.report import main

    folder = _copy_compare(compare_dir, tmp_path / "nobase")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["done"].remove("baseline")
    manifest["failed"] = {"baseline": "RuntimeError: out of memory"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    shutil.rmtree(folder / "baseline")
    _one_line_and_nothing_written(capsys, main([f"path={folder}"]), folder, "without a finished baseline")


def test_results_of_an_older_version(compare_dir, tmp_path, capsys):
    from experiments.report import main

    unknown = _copy_compare(compare_dir, tmp_path / "unknown_format")
    manifest = json.loads((unknown / "manifest.json").read_text())
    manifest["format"] = 0
    (unknown / "manifest.json").write_text(json.dumps(manifest))
    _one_line_and_nothing_written(capsys, main([f"path={unknown}"]), unknown, "results format 0",
                                  "run `placesim compare`")

    old = _copy_compare(compare_dir, tmp_path / "old_layout")            # format 1 had compare.json
    (old / "manifest.json").rename(old / "compare.json")
    _one_line_and_nothing_written(capsys, main([f"path={old}"]), old, "results format 1 (compare.json)")

    old_summary = _copy_compare(compare_dir, tmp_path / "old_summary")
    s = pd.read_parquet(old_summary / "summary.parquet").drop(columns=["extra_low", "extra_high"])
    s.to_parquet(old_summary / "summary.parquet", index=False)
    _one_line_and_nothing_written(capsys, main([f"path={old_summary}"]), old_summary,
                                  "summary.parquet lacks extra_low")


def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    """Both files go to temporary names first; if renaming fails, the temporaries go too."""
    import analysis.report.render as report

    monkeypatch.setattr(report, "build", lambda folder, sensitivity=None: ("<html></html>", b"%PDF-1.7"))

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report.os, "replace", full)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        report.write_report(tmp_path, out)
    assert list(out.iterdir()) == []


def test_the_verb_from_the_command_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = placesim("report", f"path={empty}")
    assert bad.returncode == 1
    assert bad.stderr.strip() == (f"placesim report: error: {empty}: no manifest.json; not a compare or sweep "
                                  "folder (run `placesim compare` or `placesim sweep`)")
    usage = placesim("report", "colour=blue")
    assert usage.returncode == 2 and len(usage.stderr.strip().splitlines()) == 1
    assert placesim("report", "--help").returncode == 0
