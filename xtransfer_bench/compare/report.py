"""`xtransfer-bench compare RUN_A RUN_B`: paired significance per benchmark,
metric and language (and group mean), and cross-lingual consistency of each run.

A language is tested only when both runs scored it under comparable metric
signatures on the same data (and, as runs.check_same_items refuses
otherwise, the same items); below bootstrap.MIN_ITEMS items there is an
interval but no p-value and no mark, and the printout says why.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from xtransfer_bench.compare.bootstrap import (
    ALPHA,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    MIN_ITEMS,
    Difference,
    Part,
    paired_bootstrap,
)
from xtransfer_bench.compare.consistency import PARALLEL_KEY, SOURCE, Consistency, consistency, group_score
from xtransfer_bench.compare.runs import Run, RunError, TaskLog, check_same_items
from xtransfer_bench.compare.statistics import full_score, statistic
from xtransfer_bench.data.paths import source_identity
from xtransfer_bench.metrics.protocols import comparable
from xtransfer_bench.results_files import GROUP_PREFIX, layout

# Recomputed scores must equal the results file's to this precision, or the
# per-sample values are not what the score was computed from.
_TOLERANCE = 1e-6


@dataclass
class Line:
    benchmark: str
    metric: str
    language: str  # a language / direction, or "group:<name>"
    result: Difference

    def as_dict(self) -> dict:
        return {"benchmark": self.benchmark, "metric": self.metric, "language": self.language, **self.result.as_dict()}


@dataclass
class Comparison:
    a: Run
    b: Run
    resamples: int
    seed: int
    lines: list[Line] = field(default_factory=list)
    consistency: dict[str, dict[str, list[Consistency]]] = field(default_factory=dict)  # run label -> benchmark -> rows
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "a": str(self.a.path), "b": str(self.b.path), "a_label": self.a.label, "b_label": self.b.label,
            "resamples": self.resamples, "seed": self.seed,
            "differences": [line.as_dict() for line in self.lines],
            "consistency": {run: {bench: {"languages": [row.as_dict() for row in rows],
                                          "groups": consistency_groups(bench, rows)}
                                  for bench, rows in benches.items()}
                            for run, benches in self.consistency.items()},
            "notes": self.notes,
        }


class StatsCache:
    """Per-item statistics of a (task log, metric), computed once."""

    def __init__(self, comet: bool = False):
        self.comet = comet
        self._cache: dict[tuple[int, str], tuple] = {}

    def get(self, log: TaskLog, metric: str):
        key = (id(log), metric)
        if key not in self._cache:
            stat = statistic(log.benchmark, metric, self.comet)
            self._cache[key] = (stat, None if stat is None else stat.stats(log.values(metric)))
        return self._cache[key]


def metrics_of(log: TaskLog) -> list[str]:
    return sorted(log.scores)  # numeric metrics only: signatures and data_source are not scores


def protocol_difference(a: TaskLog, b: TaskLog, metric: str) -> str | None:
    """Why two logs' values of a metric may not be compared (None: they may)."""
    mine, theirs = a.signatures.get(metric, ""), b.signatures.get(metric, "")
    if not comparable(mine, theirs):
        return f"metric signatures differ ({mine or 'none'} vs {theirs or 'none'})"
    if source_identity(a.data_source) != source_identity(b.data_source):
        return f"data differ ({source_identity(a.data_source) or 'not recorded'} vs " \
               f"{source_identity(b.data_source) or 'not recorded'})"
    return None


def _check_recomputed(log: TaskLog, metric: str, stat, stats, notes: list[str]) -> None:
    reported, recomputed = log.scores.get(metric), full_score(stat, stats)
    if reported is not None and not math.isnan(recomputed) and abs(reported - recomputed) > _TOLERANCE * max(1, abs(reported)):
        notes.append(f"{log.task} {metric}: the per-sample log gives {recomputed:.4f} but the results file says "
                     f"{reported:.4f}; the log and the results file are from different code versions.")


def paired_parts(a: Run, b: Run, benchmark: str, metric: str, languages: list[str], cache: StatsCache,
                 notes: list[str]) -> dict[str, Part]:
    """Per language: the paired statistics of both runs (items checked to match)."""
    by_language_a = {log.language: log for log in a.tasks.values() if log.benchmark == benchmark}
    by_language_b = {log.language: log for log in b.tasks.values() if log.benchmark == benchmark}
    parts = {}
    for language in languages:
        log_a, log_b = by_language_a.get(language), by_language_b.get(language)
        if log_a is None or log_b is None or metric not in log_a.scores or metric not in log_b.scores:
            continue
        check_same_items(log_a, log_b, a.label, b.label)
        differing = protocol_difference(log_a, log_b, metric)
        if differing:
            notes.append(f"{log_a.task} {metric}: not compared, {differing}.")
            continue
        stat, stats_a = cache.get(log_a, metric)
        if stat is None:
            continue
        _, stats_b = cache.get(log_b, metric)
        _check_recomputed(log_a, metric, stat, stats_a, notes)
        _check_recomputed(log_b, metric, stat, stats_b, notes)
        parts[language] = Part(stat, stats_a, stats_b)
    return parts


def compare(a: Run, b: Run, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
            comet: bool = False, progress=None) -> Comparison:
    result = Comparison(a, b, resamples, seed)
    shared = sorted(set(a.tasks) & set(b.tasks))
    for only, run in ((set(a.tasks) - set(b.tasks), a), (set(b.tasks) - set(a.tasks), b)):
        if only:
            result.notes.append(f"only in {run.label}: {', '.join(sorted(only))} (not compared)")
    if not shared:
        raise RunError(f"{a.path} and {b.path} have no task in common; nothing to compare.")
    cache = StatsCache(comet)
    benchmarks = sorted({a.tasks[task].benchmark for task in shared})
    for benchmark in benchmarks:
        logs = [a.tasks[task] for task in shared if a.tasks[task].benchmark == benchmark]
        columns, groups = layout(benchmark)
        languages = [c for c in columns if any(log.language == c for log in logs)]
        metrics = sorted({m for log in logs for m in metrics_of(log)})
        for metric in metrics:
            if statistic(benchmark, metric, comet) is None:
                result.notes.append(f"{benchmark} {metric}: not resampled (the logs hold no segment scores; "
                                    "--comet recomputes them with the COMET model)")
                continue
            parts = paired_parts(a, b, benchmark, metric, languages, cache, result.notes)
            for language, part in parts.items():
                result.lines.append(Line(benchmark, metric, language, paired_bootstrap([part], resamples, seed)))
                if progress is not None:
                    progress.update(1)
            for group, members in groups.items():
                if all(m in parts for m in members):
                    combined = paired_bootstrap([parts[m] for m in members], resamples, seed)
                    result.lines.append(Line(benchmark, metric, GROUP_PREFIX + group, combined))
    for run in (a, b):
        found = consistency_of(run)
        if found:
            result.consistency[run.label] = found
    return result


def consistency_of(run: Run) -> dict[str, list[Consistency]]:
    """Per parallel benchmark with an English log: one row per other language."""
    found = {}
    for benchmark in PARALLEL_KEY:
        logs = {log.language: log for log in run.tasks.values() if log.benchmark == benchmark and log.samples_file}
        if SOURCE not in logs or len(logs) < 2:
            continue
        columns, _ = layout(benchmark)
        found[benchmark] = [consistency(logs[SOURCE], logs[lang]) for lang in columns if lang in logs and lang != SOURCE]
    return found


def consistency_groups(benchmark: str, rows: list[Consistency]) -> dict[str, float]:
    """Mean consistency score per group whose non-English languages are all present."""
    _, groups = layout(benchmark)
    by_language = {row.language: row for row in rows}
    found = {}
    for group, members in groups.items():
        members = [m for m in members if m != SOURCE]
        if members and all(m in by_language for m in members):
            found[group] = group_score([by_language[m] for m in members])
    return found


def _signed(value: float) -> str:
    return f"{value:+.2f}"


def format_comparison(result: Comparison) -> str:
    out = [f"A = {result.a.label}  ({result.a.path})", f"B = {result.b.label}  ({result.b.path})",
           f"paired bootstrap, {result.resamples} resamples, seed {result.seed}; * = p < {ALPHA:g}, exactly when "
           f"the 95% interval leaves 0 out; no p-value below {MIN_ITEMS} items per language", ""]
    keys = sorted({(line.benchmark, line.metric) for line in result.lines}, key=lambda k: (k[0], k[1]))
    for benchmark, metric in keys:
        out.append(f"{benchmark} {metric}")
        out.append(f"  {'language':<22}{'A':>8}{'B':>8}{'B-A':>8}   {'95% interval':<18}{'p':>7}   {'n':>6}")
        for line in (found for found in result.lines if (found.benchmark, found.metric) == (benchmark, metric)):
            r = line.result
            interval = f"[{_signed(r.low)}, {_signed(r.high)}]"
            # p = 0: no resample crossed 0, i.e. p < 1/R.
            p = "-" if r.p_value is None else f"<{1 / r.resamples:.3f}" if r.p_value == 0 else f"{r.p_value:.3f}"
            p = f"{p:>7}"
            out.append(f"  {line.language:<22}{r.a:8.2f}{r.b:8.2f}{_signed(r.difference):>8}   {interval:<18}"
                       f"{p}{' *' if r.significant else '  '} {r.n:>6}" + (f"   ({r.note})" if r.note else ""))
        out.append("")
    for label, benches in result.consistency.items():
        out.append(f"consistency with English, {label}: right in both / only English / only target / neither; "
                   "score = both / (right in at least one)")
        for benchmark, rows in benches.items():
            for row in rows:
                out.append(f"  {benchmark:<8} {row.language:<6} {row.both:>5} / {row.only_source:>5} / "
                           f"{row.only_target:>5} / {row.neither:>5}   {row.score:6.1f}   (n {row.n})")
            for group, score in consistency_groups(benchmark, rows).items():
                out.append(f"  {benchmark:<8} {GROUP_PREFIX + group:<20} mean score {score:6.1f}")
        out.append("")
    out += [f"note: {note}" for note in result.notes]
    return "\n".join(out).rstrip() + "\n"


def write_json(result: Comparison, path: str | Path) -> None:
    Path(path).write_text(json.dumps(result.as_dict(), indent=2, default=float) + "\n", encoding="utf-8")
