"""Intervals and significance marks for the leaderboard's deltas: every run
row against its baseline row, per language and per group mean, by the paired
bootstrap of `xtransfer-bench compare`, from the runs' per-sample logs.

Rows without logs (runs made without --log_samples, published numbers) get
no interval; pairs whose items, data or metric signatures differ get none
either, with a warning. A row and its baseline share a table, so they share
the placement rules of tables.py. Below MIN_ITEMS (30) items per language a
delta gets its interval but no p-value and no mark; the `note` column says so.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from xtransfer_bench.compare.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, paired_bootstrap
from xtransfer_bench.compare.report import StatsCache, paired_parts
from xtransfer_bench.compare.runs import Run, RunError, load_run
from xtransfer_bench.leaderboard.results import Score
from xtransfer_bench.leaderboard.tables import GROUP_PREFIX, Row, Table

COLUMNS = ["benchmark", "metric", "model", "adapter", "setting", "baseline", "language", "value", "baseline_value",
           "delta", "low", "high", "p_value", "significant", "n", "resamples", "seed", "note"]


def _runs(scores: list[Score]) -> dict[str, Run]:
    """Runs by results file, for the scores that came from one."""
    by_file = defaultdict(list)
    for score in scores:
        if score.source == "run" and score.results_file:
            by_file[score.results_file].append(score)
    return {path: load_run(path, found) for path, found in by_file.items()}


def _run_of(row: Row, runs: dict[str, Run]) -> Run | None:
    """The row's tasks, gathered from the results files its cells came from
    (a row may join several runs of one model and adapter)."""
    tasks = {}
    for score in row.cells.values():
        run = runs.get(score.results_file)
        if run is None or score.task not in run.tasks:
            return None
        tasks[score.task] = run.tasks[score.task]
    first = runs[next(iter(row.cells.values())).results_file]
    return Run(first.path, row.model, row.adapter, tasks)


def attach(tables: list[Table], scores: list[Score], warnings: list[str], resamples: int = DEFAULT_RESAMPLES,
           seed: int = DEFAULT_SEED) -> list[dict]:
    """Fill row.significance (column or "group:<name>" -> Difference) of every
    run row with a baseline; return the rows of significance.csv."""
    runs = _runs(scores)
    cache = StatsCache()
    found = []
    for table in tables:
        by_label = {row.label: row for row in table.rows}
        for row in table.rows:
            base = by_label.get(row.baseline) if row.baseline else None
            if base is None or base is row or row.source != "run":
                continue
            mine, theirs = _run_of(row, runs), _run_of(base, runs)
            if mine is None or theirs is None:
                continue
            if not all(log.samples_file for log in [*mine.tasks.values(), *theirs.tasks.values()]):
                continue  # runs without per-sample logs get no intervals (the page says so)
            notes: list[str] = []
            try:
                parts = paired_parts(theirs, mine, table.benchmark, table.metric, table.columns, cache, notes)
            except RunError as error:
                warnings.append(f"No interval for {row.label} against {base.label}: {error}")
                continue
            warnings += notes
            for column, part in parts.items():
                row.significance[column] = paired_bootstrap([part], resamples, seed)
            for group, members in table.group_members.items():
                if all(member in parts for member in members):
                    row.significance[GROUP_PREFIX + group] = paired_bootstrap([parts[m] for m in members], resamples, seed)
            for key, result in row.significance.items():
                found.append({
                    "benchmark": table.benchmark, "metric": table.metric, "model": row.model, "adapter": row.adapter,
                    "setting": row.setting, "baseline": base.label, "language": key, "value": round(result.b, 4),
                    "baseline_value": round(result.a, 4), "delta": round(result.difference, 4),
                    "low": round(result.low, 4), "high": round(result.high, 4),
                    "p_value": "" if result.p_value is None else round(result.p_value, 4),
                    "significant": result.significant, "n": result.n, "resamples": resamples, "seed": seed,
                    "note": result.note,
                })
    return found


def write_csv(rows: list[dict], path: Path) -> Path:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return Path(path)
