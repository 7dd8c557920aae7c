"""The page's "Saved comparison" tab: a folder written by `placesim compare`, read back
into a headline table and the comparison's plots."""
from __future__ import annotations

import html
import io
from pathlib import Path
from typing import NamedTuple

from analysis.report.formatting import cost_or_uncertainty_text
from analysis.results import MANIFEST, folder_kind, read_compare
from app.chart_data import gbp
from sim.outcomes import EDUCATION_MILESTONES, OUTCOMES


class SavedComparison(NamedTuple):
    table: str                 # the headline table, HTML
    images: list[bytes]        # the comparison's plots, PNG
    title: str


def find_compare_folders(root: Path, most: int = 50) -> list[str]:
    """Compare folders under `root`, the newest first."""
    if not root.exists():
        return []
    found = [p.parent for p in root.glob(f"**/{MANIFEST}") if folder_kind(p.parent) == "compare"]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(p) for p in found[:most]]


def open_compare_folder(folder: Path) -> SavedComparison:
    """A compare folder read back (ResultsError with one line if it cannot be)."""
    from analysis.compare import summarise, yearly_milestone_differences

    compare = read_compare(Path(folder))
    folder, results, manifest = compare.folder, compare.results, compare.manifest
    summary = compare.summary if compare.summary is not None else summarise(results)
    s = summary[(summary["group"] == "all") & summary["outcome"].isin(EDUCATION_MILESTONES)]
    rows = []
    for _, row in s.iterrows():
        r = row
        rows.append(f"<tr><td>{html.escape(r['scenario'])}</td><td>{html.escape(OUTCOMES[r['outcome']].short_label)}</td>"
                    f"<td style='text-align:right'>{r['median'] * 100:.1f}%</td>"
                    f"<td style='text-align:right'>{r['extra_children']:+.1f} [{r['extra_low']:+.1f}, {r['extra_high']:+.1f}]</td>"
                    f"<td style='text-align:right'>{gbp(r['total_cost'])}</td>"
                    f"<td style='text-align:right'>{html.escape(cost_or_uncertainty_text(r))}</td></tr>")
    table = ("<table class='ps-saved-table' style='font-size:12px;border-collapse:collapse'>"
             "<tr><th>scenario</th><th>milestone</th><th>share reaching it</th>"
             "<th>extra children [90% interval]</th><th>total cost</th><th>cost per extra child (over the interval)</th></tr>"
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
    return SavedComparison(table, images, title)
