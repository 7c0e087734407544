"""Scores as tidy rows: one per (run, task, metric), from lm-eval results
files (xtransfer_bench.results_files, shared with `compare`) or from the
published reference tables."""

from __future__ import annotations

import csv
from pathlib import Path

from xtransfer_bench.results_files import (  # noqa: F401  (the leaderboard's reading API)
    GROUP_PREFIX,
    ResultsError,
    Score,
    read_results,
    read_results_file,
    split_task,
)

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
REFERENCE_COLUMNS = ["paper", "table", "model", "setup", "benchmark", "language", "metric", "value",
                     "signature", "data", "n"]


def read_reference(names: list[str] | None = None) -> list[Score]:
    """Published numbers from reference/<name>.csv (default: all files), each
    with the signature of the protocol that produced it, the test set it was
    computed on (`data`: " + " between the members of a group value) and that
    test set's size where known (`n`)."""
    files = sorted(REFERENCE_DIR.glob("*.csv"))
    if names is not None:
        known = {file.stem for file in files}
        unknown = sorted(set(names) - known)
        if unknown:
            raise ResultsError(f"No reference table {unknown}; known: {', '.join(sorted(known))}.")
        files = [file for file in files if file.stem in names]
    scores = []
    for file in files:
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = set(REFERENCE_COLUMNS) - set(reader.fieldnames or [])
            if missing:
                raise ResultsError(f"{file} lacks the columns {sorted(missing)}.")
            for row in reader:
                scores.append(Score(
                    source="published", model=row["model"], adapter=row["setup"], benchmark=row["benchmark"],
                    language=row["language"], metric=row["metric"], value=float(row["value"]),
                    n=int(row["n"]) if row["n"] else None, task_version="published", signature=row["signature"],
                    data_source=row["data"], run_id=f"{row['paper']} table {row['table']}",
                ))
    return scores
