"""The report's numbers as files: report.csv (one row per language and
analysis), correlations.csv (one row per correlation) and report.json (all
of it, with the settings and notes)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from xtransfer_bench.report.analysis import Report
from xtransfer_bench.report.statistics import Correlation
from xtransfer_bench.report.text import READING

ROW_COLUMNS = ["analysis", "benchmark", "metric", "family", "model", "baseline", "column", "language", "group",
               "baseline_score", "score", "gain", "gain_low", "gain_high", "p_value", "n", "alignment_baseline",
               "alignment", "alignment_change", "english_score", "gap", "cosine_deviation", "note"]
CORRELATION_COLUMNS = ["analysis", "benchmark", "metric", "family", "model", "baseline", "layer", "n", "languages",
                       "rho", "low", "high", "permutation_p", "exact", "resamples", "undefined_resamples", "slope",
                       "intercept", "refused"]
GAIN, GAP = "gain_vs_alignment_change", "gap_vs_alignment"
GAP_DEVIATION = "gap_vs_cosine_deviation"


def _round(value):
    return "" if value is None else round(value, 4) if isinstance(value, float) else value


def language_rows(report: Report) -> list[dict]:
    rows = []
    for panel in report.panels:
        for row in panel.rows:
            rows.append({"analysis": "gain", "benchmark": panel.benchmark, "metric": panel.metric,
                         "family": panel.family, "model": panel.adapter, "baseline": panel.baseline,
                         "column": row.column, "language": row.language, "group": row.group,
                         "baseline_score": row.baseline_score, "score": row.score, "gain": row.gain,
                         "gain_low": row.low, "gain_high": row.high, "p_value": row.p_value, "n": row.n,
                         "alignment_baseline": row.alignment_baseline, "alignment": row.alignment,
                         "alignment_change": row.change, "note": row.note})
    for gap in report.gaps:
        for row in gap.rows:
            rows.append({"analysis": "gap", "benchmark": gap.benchmark, "metric": gap.metric, "family": "",
                         "model": gap.baseline, "baseline": gap.baseline, "column": row.column,
                         "language": row.language, "group": row.group, "score": row.score,
                         "alignment": row.alignment, "english_score": row.english, "gap": row.gap,
                         "cosine_deviation": row.cosine_deviation})
    return rows


def correlation_rows(report: Report) -> list[dict]:
    def row(analysis: str, benchmark: str, metric: str, family: str, model: str, correlation: Correlation) -> dict:
        fit = correlation.fit or (None, None)
        return {"analysis": analysis, "benchmark": benchmark, "metric": metric, "family": family, "model": model,
                "baseline": report.baseline, "layer": report.layer, "n": correlation.n,
                "languages": " ".join(correlation.languages), "rho": correlation.rho, "low": correlation.low,
                "high": correlation.high, "permutation_p": correlation.permutation_p, "exact": correlation.exact,
                "resamples": correlation.resamples, "undefined_resamples": correlation.undefined_resamples,
                "slope": fit[0], "intercept": fit[1], "refused": correlation.refused or ""}

    found = [row(GAIN, p.benchmark, p.metric, p.family, p.adapter, p.correlation) for p in report.panels]
    for gap in report.gaps:
        found.append(row(GAP, gap.benchmark, gap.metric, "", gap.baseline, gap.correlation))
        if gap.cosine_correlation is not None:
            found.append(row(GAP_DEVIATION, gap.benchmark, gap.metric, "", gap.baseline, gap.cosine_correlation))
    return found


def _write_csv(rows: list[dict], columns: list[str], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows({key: _round(row.get(key)) for key in columns} for row in rows)
    return path


def as_json(report: Report) -> dict:
    return {
        "baseline": report.baseline, "layer": report.layer, "layers": report.layers, "group": report.group,
        "resamples": report.resamples, "seed": report.seed,
        "panels": [{"benchmark": p.benchmark, "metric": p.metric, "family": p.family, "model": p.adapter,
                    "baseline": p.baseline, "intervals": p.intervals, "alignment_source": p.alignment_source,
                    "languages": [row.as_dict() for row in p.rows], "correlation": p.correlation.as_dict()}
                   for p in report.panels],
        "gaps": [{"benchmark": g.benchmark, "metric": g.metric, "model": g.baseline,
                  "languages": [row.as_dict() for row in g.rows], "correlation": g.correlation.as_dict(),
                  "cosine_correlation": None if g.cosine_correlation is None else g.cosine_correlation.as_dict()}
                 for g in report.gaps],
        "alignment_by_layer": {label: {"languages": report.curve_languages[label], "accuracy": values}
                               for label, values in report.curves.items()},
        "notes": report.notes, "reading": READING,
    }


def write_numbers(report: Report, out: Path) -> list[Path]:
    files = [_write_csv(language_rows(report), ROW_COLUMNS, out / "report.csv"),
             _write_csv(correlation_rows(report), CORRELATION_COLUMNS, out / "correlations.csv")]
    (out / "report.json").write_text(json.dumps(as_json(report), indent=2, ensure_ascii=False, default=float) + "\n",
                                     encoding="utf-8")
    return files + [out / "report.json"]
