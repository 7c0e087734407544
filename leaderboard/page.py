"""A static HTML leaderboard: one sortable table per benchmark and metric,
and a bar chart per table of per-language gains over the baseline row (or
of the scores themselves without a baseline). One file, no server, no
external scripts: inline CSS, a few lines of JavaScript for sorting, SVG
charts drawn here in Python."""

from __future__ import annotations

import html
from pathlib import Path

from xtransfer_bench.compare.bootstrap import MIN_ITEMS
from xtransfer_bench.page_style import COLOURS, STYLE
from xtransfer_bench.leaderboard.tables import GROUP_PREFIX, Row, Table, comparable_cells
from xtransfer_bench.leaderboard.write import PUBLISHED_MARK, SIGNIFICANT_MARK, title

SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach((th, col) => th.addEventListener("click", () => {
  const body = th.closest("table").tBodies[0];
  const down = th.dataset.order !== "desc"; th.dataset.order = down ? "desc" : "asc";
  const key = r => { const t = r.cells[col].textContent.trim(); const n = parseFloat(t); return isNaN(n) ? t : n; };
  [...body.rows].sort((a, b) => { const x = key(a), y = key(b);
    const c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
    return down ? -c : c; }).forEach(r => body.appendChild(r));
}));
"""


def _cell(value: float | None, signed: bool = False) -> str:
    return "" if value is None else (f"{value:+.1f}" if signed else f"{value:.1f}")


def _tested(row: Row, key: str, text: str) -> str:
    """A cell's text with its significance mark, and the delta's interval as a tooltip."""
    result = row.significance.get(key)
    if result is None:
        return f"<td>{text}</td>"
    p = f"p {result.p_value:.3f}" if result.p_value is not None else result.note
    title = f"vs {row.baseline}: {result.difference:+.2f} [{result.low:+.2f}, {result.high:+.2f}], {p}, n {result.n}"
    sign = f'<sup class="sig">{SIGNIFICANT_MARK}</sup>' if result.significant else ""
    return f'<td title="{html.escape(title)}">{text}{sign}</td>'


def _table_html(table: Table, index: int) -> str:
    groups = list(table.group_members)
    head = ["model / adapter", *table.columns, *groups, *([f"Δ {g}" for g in groups] if table.baseline else [])]
    rows = []
    for row in table.rows:
        label = html.escape(row.label) + (f" {PUBLISHED_MARK}" if row.source == "published" else "")
        cells = [f"<td>{label}</td>"] + [_tested(row, c, _cell(row.cells[c].value)) if c in row.cells else "<td></td>"
                                         for c in table.columns]
        cells += [f'<td class="group">{_cell(row.groups.get(g))}</td>' for g in groups]
        if table.baseline:
            cells += [_tested(row, GROUP_PREFIX + g, _cell(row.deltas.get(g), signed=True)) for g in groups]
        rows.append(f'<tr class="{row.source}">' + "".join(cells) + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (f'<table class="sortable" id="table-{index}"><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _bars(table: Table, width: int = 900, height: int = 260) -> str:
    """Grouped bars per language: gain over the baseline row (or the score), one colour per run row."""
    base = next((r for r in table.rows if table.baseline in (r.label, f"{r.model}/{r.adapter}")), None) if table.baseline else None
    shown = [r for r in table.rows if r.source == "run" and r is not base][:len(COLOURS)]
    columns = [c for c in table.columns if any(c in r.cells for r in shown)]
    if not shown or not columns:
        return ""

    def value(row: Row, column: str) -> float | None:
        if column not in row.cells:
            return None
        if base is None:
            return row.cells[column].value
        # A gain only over a baseline cell of the same protocol, data and item count.
        return row.cells[column].value - base.cells[column].value if comparable_cells(row, base, column) else None

    def interval(row: Row, column: str):
        result = row.significance.get(column) if base is not None else None
        return None if result is None else (result.low, result.high)

    values = [v for r in shown for c in columns if (v := value(r, c)) is not None]
    values += [end for r in shown for c in columns for end in (interval(r, c) or ())]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    left, top, bottom = 40, 20, 40
    plot_h = height - top - bottom
    zero = top + plot_h * high / span
    slot = (width - left) / len(columns)
    bar = slot * 0.8 / len(shown)
    parts = [f'<svg class="chart" width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{zero:.1f}" x2="{width}" y2="{zero:.1f}" stroke="#333"/>']
    for i, column in enumerate(columns):
        x0 = left + i * slot + slot * 0.1
        parts.append(f'<text x="{x0 + slot * 0.4:.1f}" y="{height - 22}" font-size="11" text-anchor="middle">{html.escape(column)}</text>')
        for j, row in enumerate(shown):
            v = value(row, column)
            if v is None:
                continue
            y, h = (zero - plot_h * v / span, plot_h * v / span) if v >= 0 else (zero, plot_h * -v / span)
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{max(h, 0.5):.1f}" '
                         f'fill="{COLOURS[j]}"><title>{html.escape(row.label)} {html.escape(column)}: {v:+.1f}</title></rect>')
            if (ends := interval(row, column)) is not None:  # the 95% interval of the gain as a whisker
                centre = x0 + j * bar + bar / 2
                y_low, y_high = (zero - plot_h * end / span for end in ends)
                parts.append(f'<line class="interval" x1="{centre:.1f}" y1="{y_low:.1f}" x2="{centre:.1f}" '
                             f'y2="{y_high:.1f}" stroke="#222" stroke-width="1"/>')
    # Legend: the adapter alone when every row is of one model; each entry as wide as its text.
    one_model = len({row.model for row in shown}) == 1
    x = left
    for j, row in enumerate(shown):
        name = (row.adapter + (f" {{{row.setting}}}" if row.setting else "") if one_model else row.label)[:40]
        parts.append(f'<rect x="{x}" y="{height - 12}" width="10" height="10" fill="{COLOURS[j]}"/>'
                     f'<text x="{x + 14}" y="{height - 3}" font-size="11">{html.escape(name)}</text>')
        x += 14 + int(6.5 * len(name)) + 16
    parts.append(f'<text x="4" y="{top - 6}" font-size="11">{"gain over " + html.escape(base.label) if base else table.metric}</text>')
    for tick in sorted({low, 0.0, high}):  # the axis: its ends and zero
        y = zero - plot_h * tick / span
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick:+.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def write_page(tables: list[Table], warnings: list[str], path: Path) -> Path:
    sections = []
    for index, table in enumerate(tables):
        sections.append(f'<h2 id="{html.escape(table.name)}">{html.escape(title(table))}</h2>')
        sections.append(f'<p class="protocol">Protocol: <code>{html.escape(table.protocol)}</code></p>')
        if table.note:
            sections.append(f'<p class="apart">{html.escape(table.note)}</p>')
        sections.append(_bars(table))
        sections.append(_table_html(table, index))
    warning_html = ""
    if warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
        warning_html = f'<div class="warnings"><b>Warnings</b><ul>{items}</ul></div>'
    body = "".join(sections)
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>xtransfer-bench leaderboard</title>"
            f"<style>{STYLE}</style></head><body><h1>xtransfer-bench leaderboard</h1>"
            f"<p>{PUBLISHED_MARK} and italics: published numbers. A run sits beside them only when its metric "
            f"signature, test set and item count match theirs; other runs are in tables of their own, with the "
            f"reason. {SIGNIFICANT_MARK}: differs from the baseline row (paired bootstrap, p &lt; 0.05, exactly "
            f"when the 95% interval leaves 0 out; no test below {MIN_ITEMS} items per language; hover a cell for "
            f"the interval, whiskers on the bars). Click a column to sort.</p>{warning_html}{body}"
            f"<script>{SORT_SCRIPT}</script></body></html>")
    Path(path).write_text(page, encoding="utf-8")
    return Path(path)
