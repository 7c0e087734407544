"""report.html: one static file, figures inline as base64 PNG, the
leaderboard page's style, no scripts."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from xtransfer_bench.page_style import STYLE
from xtransfer_bench.report import layout
from xtransfer_bench.report.analysis import Report
from xtransfer_bench.report.figures import GROUP_COLOURS
from xtransfer_bench.report.text import READING, SHORT_READING

EXTRA_STYLE = """
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
.refused { color: #8a5a00; text-align: left; }
.reading { max-width: 60em; line-height: 1.45; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
table.summary td:nth-child(-n+3), table.languages td:nth-child(-n+2) { text-align: left; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.3em 0 0.8em; vertical-align: -0.1em; }
"""


def _table(head: list[str], rows: list[list[str]], css: str = "") -> str:
    header = "".join(f"<th>{html.escape(cell)}</th>" for cell in head)
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            refused = index == 4 and cell.startswith("not computed") and css == "summary"
            span = f' colspan="{len(head) - index}" class="refused"' if refused else ""
            cells.append(f"<td{span}>{html.escape(cell)}</td>")
            if refused:
                break
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="{css}"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _image(figures: dict[str, bytes], name: str, alt: str) -> str:
    if name not in figures:
        return ""
    data = base64.b64encode(figures[name]).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def page(report: Report, figures: dict[str, bytes]) -> str:
    legend = "".join(f'<span class="swatch" style="background:{colour}"></span>{group}'
                     for group, colour in GROUP_COLOURS.items())
    parts = ["<h1>Does alignment predict transfer?</h1>",
             f"<p>{html.escape(layout.settings_line(report))} Language groups:{legend}</p>",
             "<h2>Correlations</h2>", _table(layout.SUMMARY_HEAD, layout.summary_rows(report), "summary"),
             f"<p>{html.escape(SHORT_READING)} <a href=\"#reading\">How to read this</a>.</p>"]
    for benchmark, family, panels in layout.sections(report):
        parts.append(f"<h2>{html.escape(f'{benchmark} {family}'.strip())}: {html.escape(panels[0].metric)}</h2>")
        for panel in panels:
            parts.append(f"<h3>{html.escape(panel.adapter)} against {html.escape(panel.baseline)}</h3>")
            if panel.intervals:
                parts.append(f"<p>{html.escape(panel.intervals)}.</p>")
            if panel.alignment_source:
                parts.append(f"<p>Alignment from {html.escape(panel.alignment_source)}.</p>")
            parts.append('<div class="figures">' + _image(figures, layout.scatter_name(panel), f"{panel.title} scatter")
                         + _table(layout.PANEL_HEAD, layout.panel_rows(panel, report.resamples), "languages") + "</div>")
        parts.append(_image(figures, layout.bars_name(benchmark, family), f"{benchmark} gains"))
    if report.gaps:
        parts.append("<h2>The baseline's transfer gap and its alignment (CL-ICP figure 2c, across languages)</h2>")
        for gap in report.gaps:
            parts.append(f"<h3>{html.escape(gap.benchmark)}: {html.escape(gap.metric)}</h3>")
            parts.append('<div class="figures">' + _image(figures, layout.gap_name(gap), f"{gap.benchmark} gap")
                         + _table(layout.GAP_HEAD, layout.gap_rows(gap), "languages") + "</div>")
    if report.curves:
        parts.append("<h2>Alignment by layer</h2>")
        langs = {report.name(label): ", ".join(found) for label, found in report.curve_languages.items()}
        parts.append("<p>" + html.escape("; ".join(f"{label}: mean over {found}" for label, found in langs.items()))
                     + "</p>")
        parts.append(_image(figures, layout.CURVES, "alignment by layer"))
    parts.append('<div class="reading" id="reading"><h2>How to read this</h2>'
                 + "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in READING) + "</div>")
    if report.notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in dict.fromkeys(report.notes))
        parts.append(f'<div class="warnings"><b>Notes</b><ul>{items}</ul></div>')
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>xtransfer-bench report</title>'
            f"<style>{STYLE}{EXTRA_STYLE}</style></head><body>{''.join(parts)}</body></html>")


def write_page(report: Report, figures: dict[str, bytes], path: Path) -> Path:
    Path(path).write_text(page(report, figures), encoding="utf-8")
    return Path(path)
