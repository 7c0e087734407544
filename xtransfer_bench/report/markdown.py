"""report.md: the page's tables and text, the figures as PNG files beside it
(figures/<name>.png)."""

from __future__ import annotations

from pathlib import Path

from xtransfer_bench.report import layout
from xtransfer_bench.report.analysis import Report
from xtransfer_bench.report.text import READING, SHORT_READING


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _image(figures: dict[str, bytes], name: str, alt: str) -> str:
    return f"![{alt}](figures/{name})" if name in figures else ""


def markdown(report: Report, figures: dict[str, bytes]) -> str:
    parts = ["# Does alignment predict transfer?", layout.settings_line(report), "## Correlations",
             _table(layout.SUMMARY_HEAD, layout.summary_rows(report)), SHORT_READING + " See *How to read this* below."]
    for benchmark, family, panels in layout.sections(report):
        parts.append(f"## {f'{benchmark} {family}'.strip()}: {panels[0].metric}")
        for panel in panels:
            parts.append(f"### {panel.adapter} against {panel.baseline}")
            if panel.intervals:
                parts.append(panel.intervals + ".")
            parts.append(_image(figures, layout.scatter_name(panel), f"{panel.title} scatter"))
            parts.append(_table(layout.PANEL_HEAD, layout.panel_rows(panel, report.resamples)))
        parts.append(_image(figures, layout.bars_name(benchmark, family), f"{benchmark} gains"))
    if report.gaps:
        parts.append("## The baseline's transfer gap and its alignment (CL-ICP figure 2c, across languages)")
        for gap in report.gaps:
            parts += [f"### {gap.benchmark}: {gap.metric}", _image(figures, layout.gap_name(gap), f"{gap.benchmark} gap"),
                      _table(layout.GAP_HEAD, layout.gap_rows(gap))]
    if report.curves:
        parts += ["## Alignment by layer", _image(figures, layout.CURVES, "alignment by layer")]
    parts += ["## How to read this", *READING]
    if report.notes:
        parts += ["## Notes", "\n".join(f"- {note}" for note in dict.fromkeys(report.notes))]
    return "\n\n".join(part for part in parts if part) + "\n"


def write_markdown(report: Report, figures: dict[str, bytes], out: Path) -> list[Path]:
    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, data in figures.items():
        (folder / name).write_bytes(data)
        files.append(folder / name)
    (out / "report.md").write_text(markdown(report, figures), encoding="utf-8")
    return [out / "report.md", *files]
