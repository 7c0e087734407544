"""Leaderboard files: tidy CSV, wide CSV and Markdown per benchmark and metric."""

from __future__ import annotations

import csv
from pathlib import Path

from xtransfer_bench.compare.bootstrap import MIN_ITEMS
from xtransfer_bench.leaderboard.results import Score
from xtransfer_bench.leaderboard.tables import GROUP_PREFIX, Row, Table

PUBLISHED_MARK = "†"  # a published number, not a run of ours
SIGNIFICANT_MARK = "*"  # differs from the baseline row, paired bootstrap p < 0.05


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return ""
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def write_tidy(scores: list[Score], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=Score.columns())
        writer.writeheader()
        for score in scores:
            writer.writerow(score.as_row())
    return path


def mark(row: Row, key: str) -> str:
    """The significance mark of a cell or group delta ("" when not significant or not tested)."""
    result = row.significance.get(key)
    return SIGNIFICANT_MARK if result is not None and result.significant else ""


def _rounded(value: float | None):
    return "" if value is None else round(value, 4)


def _interval(row: Row, key: str) -> list:
    result = row.significance.get(key)
    if result is None:
        return ["", "", ""]
    return [round(result.low, 4), round(result.high, 4), "" if result.p_value is None else round(result.p_value, 4)]


def title(table: Table) -> str:
    return f"{table.benchmark} ({table.metric})" + (f", apart {table.part}" if table.part else "")


def wide_header(table: Table) -> list[str]:
    groups = list(table.group_members)
    deltas = [f"{kind}_{group}" for group in groups for kind in ("delta", "delta_low", "delta_high", "p")] \
        if table.baseline else []
    return ["source", "model", "adapter", "setting", "variant", *table.columns, *[f"mean_{g}" for g in groups], *deltas,
            "protocol", "note"]


def write_wide(table: Table, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(wide_header(table))
        for row in table.rows:
            cells = [round(row.cells[c].value, 4) if c in row.cells else "" for c in table.columns]
            means = [round(v, 4) if (v := row.groups.get(g)) is not None else "" for g in table.group_members]
            deltas = [value for g in table.group_members for value in [_rounded(row.deltas.get(g)),
                                                                       *_interval(row, GROUP_PREFIX + g)]] \
                if table.baseline else []
            writer.writerow([row.source, row.model, row.adapter, row.setting, row.variant, *cells, *means, *deltas,
                             table.protocol, table.note])
    return path


def markdown(table: Table) -> str:
    groups = list(table.group_members)
    head = ["model / adapter", *table.columns, *groups] + ([f"Δ {g}" for g in groups] if table.baseline else [])
    lines = [f"### {title(table)}", "", f"Protocol: `{table.protocol}`", ""]
    if table.note:
        lines += [f"**{table.note}**", ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for row in table.rows:
        label = row.label + (f" {PUBLISHED_MARK}" if row.source == "published" else "")
        cells = [_fmt(row.cells[c].value) + mark(row, c) if c in row.cells else "" for c in table.columns]
        cells += [_fmt(row.groups.get(g)) for g in groups]
        if table.baseline:
            cells += [_fmt(row.deltas.get(g), signed=True) + mark(row, GROUP_PREFIX + g) for g in groups]
        lines.append("| " + " | ".join([label, *cells]) + " |")
    note = f"{PUBLISHED_MARK} published in the paper named in the tidy CSV's run_id." if table.has_published else ""
    if table.baseline:
        note += (f"{' ' if note else ''}Δ: group mean minus that of {table.baseline}. {SIGNIFICANT_MARK}: differs "
                 "from that row, paired bootstrap p < 0.05, its 95% interval excluding 0 (runs with per-sample logs; "
                 "intervals in "
                 f"significance.csv; no test below {MIN_ITEMS} items per language).")
    return "\n".join(lines + ["", note, ""])
