"""`xtransfer-bench report`: runs and alignment in, report files out."""

from __future__ import annotations

from pathlib import Path

from xtransfer_bench.compare.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from xtransfer_bench.report import figures as draw
from xtransfer_bench.report import layout
from xtransfer_bench.report.analysis import Report, analyse
from xtransfer_bench.report.compute import AlignmentOptions, compute_alignment
from xtransfer_bench.report.html_page import write_page
from xtransfer_bench.report.inputs import match_alignments, pick_baseline, read_align_eval, read_runs
from xtransfer_bench.report.markdown import write_markdown
from xtransfer_bench.report.numbers import write_numbers


def figures_of(report: Report) -> dict[str, bytes]:
    found = {}
    for benchmark, family, panels in layout.sections(report):
        for panel in panels:
            if any(row.change is not None for row in panel.rows):
                found[layout.scatter_name(panel)] = draw.gain_scatter(panel, report)
        if any(panel.rows for panel in panels):
            found[layout.bars_name(benchmark, family)] = draw.gain_bars([p for p in panels if p.rows], report)
    for gap in report.gaps:
        if any(row.alignment is not None for row in gap.rows):
            found[layout.gap_name(gap)] = draw.gap_scatter(gap, report)
    if report.curves:
        found[layout.CURVES] = draw.layer_curves(report)
    return found


def build(results: list[str], out: str | Path, baseline: str | None = None, align_eval: list[str] | None = None,
          compute: AlignmentOptions | None = None, layer: str | int = "middle", metrics: dict[str, str] | None = None,
          group: str = "all", resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> dict:
    """Write report.html, report.md (+ figures/), report.csv, correlations.csv
    and report.json to `out`; return the files, the report and its notes."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    models = read_runs(results, notes)
    base = pick_baseline(models, baseline)
    alignments = [found for spec in align_eval or [] for found in read_align_eval(spec)]
    if compute is not None:
        alignments += compute_alignment(models, base, folder, compute, notes)
    matched = match_alignments(alignments, models, notes)
    report = analyse(models, base, matched, layer, metrics, group, resamples, seed, notes)
    pictures = figures_of(report)
    files = [write_page(report, pictures, folder / "report.html"), *write_markdown(report, pictures, folder),
             *write_numbers(report, folder)]
    return {"files": files, "report": report, "notes": list(dict.fromkeys(report.notes))}
