"""`xtransfer-bench score`: score outputs produced elsewhere with a task's own metrics.

The task is loaded through lm-eval exactly as an evaluation would load it, and
each prediction goes through the task's `process_results` and aggregations, so
any generation task of the benchmark is scored the way an lm-eval run scores
it, with nothing re-implemented here.

Predictions come as plain text (one segment per line, in the task's test order)
or as lm-eval's `--log_samples` JSONL (matched by `doc_id`, so a `--limit` run
scores its own subset).
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from pathlib import Path

from xtransfer_bench.errors import XtransferError


class PredictionsError(XtransferError, ValueError):
    """The predictions file cannot be scored; the message says why."""


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise PredictionsError(f"Predictions file {path} does not exist.")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PredictionsError(f"{path} is not UTF-8 (invalid byte at line {line}); convert it with iconv -t UTF-8.") from None
    if not text.strip():
        raise PredictionsError(f"{path} is empty.")
    return text.removeprefix("\ufeff")


def _sample_response(row: dict):
    response = row.get("filtered_resps", row.get("resps"))
    while isinstance(response, list):  # lm-eval nests: [[text]] or [text]
        response = response[0] if response else ""
    return "" if response is None else str(response)


def read_predictions(path: Path) -> list[str] | dict[int, str]:
    """A list of lines, or {doc_id: response} for an lm-eval samples file."""
    text = _read_text(path)
    first = text.lstrip().split("\n", 1)[0]
    if first.startswith("{"):
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as error:
            raise PredictionsError(f"{path} looks like JSONL but line {error.lineno} is not valid JSON: {error.msg}.") from None
        if not all(isinstance(row, dict) and "doc_id" in row for row in rows):
            raise PredictionsError(f"{path} is JSONL without doc_id fields; pass lm-eval's --log_samples file or plain text.")
        return {int(row["doc_id"]): _sample_response(row) for row in rows}
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


@functools.lru_cache(maxsize=8)
def _task_manager(metadata_json: str):
    # Only our task folder is indexed: score takes our tasks alone (checked
    # first), and lm-eval's own ~15k task YAMLs take ~9 s to index against
    # 0.05 s for ours. Scoring many files in one process reuses the index.
    from lm_eval.tasks import TaskManager

    from xtransfer_bench import task_files

    return TaskManager(include_path=str(task_files.TASKS_DIR), include_defaults=False, metadata=json.loads(metadata_json))


def load_task(task_name: str, metadata: dict):
    manager = _task_manager(json.dumps(metadata, sort_keys=True))
    tasks = list(manager.load([task_name])["tasks"].values())
    if len(tasks) != 1:
        raise PredictionsError(f"{task_name} is a group of {len(tasks)} tasks; score one task at a time.")
    task = tasks[0]
    if task.OUTPUT_TYPE != "generate_until":
        raise PredictionsError(f"{task_name} is scored by log-likelihood, not from generated text.")
    return task


def score(task_name: str, predictions_file: str | Path, metadata: dict | None = None, metrics: list[str] | None = None) -> dict:
    """{metric: value} for the predictions, computed by the task's own metric code."""
    from xtransfer_bench.task_files import check_task_names

    check_task_names([task_name], exact=True)
    predictions = read_predictions(Path(predictions_file))
    task = load_task(task_name, dict(metadata or {}))
    docs = task.test_docs()
    # A datasets.Dataset converts in one Arrow call (0.01 s for 2k rows against
    # 0.2 s row by row); a task may also return a plain list.
    docs = docs.to_list() if hasattr(docs, "to_list") else list(docs)
    if isinstance(predictions, list):
        if len(predictions) != len(docs):
            raise PredictionsError(
                f"{predictions_file} has {len(predictions)} lines but {task_name} has {len(docs)} test segments; "
                "give one line per segment, in test order (or lm-eval's samples JSONL)."
            )
        pairs = list(zip(docs, predictions))
    else:
        unknown = sorted(set(predictions) - set(range(len(docs))))
        if unknown:
            raise PredictionsError(f"{predictions_file} has doc_id {unknown[0]}, but {task_name} has only {len(docs)} test segments.")
        pairs = [(docs[doc_id], text) for doc_id, text in sorted(predictions.items())]
    aggregations = task.aggregation()
    chosen = list(aggregations) if not metrics else metrics
    missing = [m for m in chosen if m not in aggregations]
    if missing:
        raise PredictionsError(f"{task_name} has no metric {missing[0]!r}; its metrics: {', '.join(aggregations)}.")
    items: dict[str, list] = {name: [] for name in chosen}
    for doc, text in pairs:
        result = task.process_results(doc, [text])
        for name in chosen:
            items[name].append(result[name])
    return {name: aggregations[name](items[name]) for name in chosen}


def write_json_atomically(path: str | Path, data: dict) -> None:
    """Write to a temporary file in the same folder, then rename: an error or
    interruption never leaves a half-written results file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False, default=str)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def format_scores(scores: dict) -> str:
    width = max(len(name) for name in scores)
    lines = []
    for name, value in scores.items():
        shown = f"{value:.2f}" if isinstance(value, float) and not math.isnan(value) else str(value)
        lines.append(f"{name:<{width}}  {shown}")
    return "\n".join(lines)
