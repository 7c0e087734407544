"""What the page and the Markdown show, in order, independent of the format:
the figures' file names, and each table as a header and rows of text cells."""

from __future__ import annotations

import re

from xtransfer_bench.report.analysis import GapPanel, Panel, Report
from xtransfer_bench.report.statistics import Correlation


def slug(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", part).strip("-") for part in parts if part)


def scatter_name(panel: Panel) -> str:
    return slug("scatter", panel.benchmark, panel.family, panel.adapter) + ".png"


def bars_name(benchmark: str, family: str) -> str:
    return slug("gains", benchmark, family) + ".png"


def gap_name(gap: GapPanel) -> str:
    return slug("gap", gap.benchmark) + ".png"


CURVES = "alignment_by_layer.png"


def sections(report: Report) -> list[tuple[str, str, list[Panel]]]:
    """(benchmark, family, panels) in the report's order."""
    found: dict[tuple[str, str], list[Panel]] = {}
    for panel in report.panels:
        found.setdefault((panel.benchmark, panel.family), []).append(panel)
    return [(benchmark, family, panels) for (benchmark, family), panels in found.items()]


def _number(value: float | None, signed: bool = False, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def rho_cells(correlation: Correlation) -> list[str]:
    """ρ, its interval, permutation p (or the refusal in the first cell)."""
    if correlation.refused:
        return [correlation.refused, "", ""]
    interval = "–" if correlation.low is None else f"[{correlation.low:+.2f}, {correlation.high:+.2f}]"
    p = f"{correlation.permutation_p:.3f}" + ("" if correlation.exact else " (sampled)")
    return [f"{correlation.rho:+.2f}", interval, p]


SUMMARY_HEAD = ["benchmark", "metric", "what is correlated", "languages", "Spearman ρ", "95% interval (over languages)",
                "permutation p"]


def summary_rows(report: Report) -> list[list[str]]:
    name = report.name
    rows = [[panel.title, panel.metric, f"{name(panel.adapter)} minus {name(panel.baseline)}: gain vs alignment change",
             str(panel.correlation.n), *rho_cells(panel.correlation)] for panel in report.panels]
    for gap in report.gaps:
        rows.append([gap.benchmark, gap.metric, f"{name(gap.baseline)}: transfer gap vs alignment",
                     str(gap.correlation.n), *rho_cells(gap.correlation)])
        if gap.cosine_correlation is not None:
            rows.append([gap.benchmark, gap.metric, f"{name(gap.baseline)}: transfer gap vs cosine deviation",
                         str(gap.cosine_correlation.n), *rho_cells(gap.cosine_correlation)])
    return rows


def summary_lines(report: Report) -> list[str]:
    """The correlations table as text lines, for the terminal."""
    lines = []
    for benchmark, metric, what, n, rho, interval, p in summary_rows(report):
        value = rho if not interval else f"Spearman {rho} {interval} over {n} languages, permutation p {p}"
        lines.append(f"{benchmark} {metric}, {what}: {value}")
    return lines


PANEL_HEAD = ["language", "group", "baseline", "adapter", "gain", "95% interval", "p", "n", "alignment baseline",
              "alignment adapter", "change"]


def p_text(p: float | None, resamples: int) -> str:
    """p = 0 from a bootstrap means no resample crossed 0: p < 1/R."""
    if p is None:
        return "–"
    return f"<{1 / resamples:.2g}" if p == 0 else f"{p:.3f}"


def panel_rows(panel: Panel, resamples: int) -> list[list[str]]:
    rows = []
    for row in panel.rows:
        interval = "–" if row.low is None else f"[{row.low:+.1f}, {row.high:+.1f}]"
        p = p_text(row.p_value, resamples)
        rows.append([row.column, row.group, _number(row.baseline_score), _number(row.score),
                     _number(row.gain, signed=True), interval, p, "–" if row.n is None else str(row.n),
                     _number(row.alignment_baseline), _number(row.alignment), _number(row.change, signed=True)])
    return rows


GAP_HEAD = ["language", "group", "English", "score", "gap", "alignment with English", "cosine deviation"]


def gap_rows(gap: GapPanel) -> list[list[str]]:
    return [[row.column, row.group, _number(row.english), _number(row.score), _number(row.gap, signed=True),
             _number(row.alignment), _number(row.cosine_deviation, digits=4)] for row in gap.rows]


def settings_line(report: Report) -> str:
    layer = f"layer {report.layer} of {report.layers}" if report.layer else "no alignment"
    group = "all non-English languages" if report.group == "all" else f"{report.group} languages only"
    return (f"Baseline {report.baseline}; alignment = translation retrieval accuracy to and from English at {layer}; "
            f"correlations over {group}; {report.resamples} bootstrap resamples, seed {report.seed}.")
