"""Scores as tidy rows: one per (run, task, metric), from lm-eval results
files or from the published reference tables."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
PREFIX = "xtransfer_"
# lm-eval group tasks of ours: the leaderboard computes group means itself.
GROUP_SUFFIXES = {"supervised", "transfer", "aligned", "x_en", "en_x"}
SIGNATURE_OF = {"bleu": "bleu_signature", "chrf": "chrf_signature", "comet": "comet_signature"}
# Task metadata that names the run, not how the task behaves.
NOT_SETTINGS = {"version", "pretrained", "config_source"}


@dataclass
class Score:
    source: str  # "run" (a results file) or "published"
    model: str
    adapter: str  # adapter name, "base", or the paper's setup for published rows
    benchmark: str
    language: str  # ISO code, "de-en" for translation, or "group:<name>" for a published group value
    metric: str
    value: float
    stderr: float | None = None
    n: int | None = None
    task: str = ""
    task_version: str = ""
    signature: str = ""
    run_id: str = ""
    date: float = 0.0
    limit: float | None = None
    # How the task was run, beyond its version: --metadata options (in-context
    # demonstrations, XQuAD's article fold...) and --limit. Scores of different
    # settings are different rows.
    setting: str = ""
    results_file: str = ""  # the lm-eval results file (runs), where its per-sample logs lie beside it

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def as_row(self) -> dict:
        return asdict(self)


class ResultsError(ValueError):
    """A results file that cannot be read; the message names the file."""


def split_task(task: str) -> tuple[str, str] | None:
    """xtransfer_massive_de -> (massive, de); xtransfer_wmt_de_en -> (wmt, de-en);
    None for group tasks and tasks that are not ours."""
    if not task.startswith(PREFIX):
        return None
    benchmark, _, rest = task[len(PREFIX):].partition("_")
    if not rest or rest in GROUP_SUFFIXES:
        return None
    return benchmark, rest.replace("_", "-")


def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(float(value)):
        return float(value)
    return None


def _model_args(config: dict) -> dict:
    args = config.get("model_args") or {}
    if isinstance(args, str):  # older lm-eval: "pretrained=...,peft=..."
        args = dict(part.split("=", 1) for part in args.split(",") if "=" in part)
    return args


def _model_and_adapter(config: dict) -> tuple[str, str]:
    args = _model_args(config)
    model = Path(str(args.get("pretrained", config.get("model", "?")))).name
    if args.get("peft"):
        adapter = Path(str(args["peft"]).rstrip("/")).name
    else:
        adapter = str(args.get("active") or "base")
    return model, adapter


def read_results_file(path: Path, root: Path | None = None) -> list[Score]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        results, config = data["results"], data.get("config") or {}
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ResultsError(f"{path} is not an lm-eval results file ({type(error).__name__}: {error}).") from None
    model, adapter = _model_and_adapter(config)
    run_id = str(Path(path).relative_to(root)) if root else Path(path).name
    scores = []
    for task, values in results.items():
        parsed = split_task(task)
        if parsed is None:
            continue
        benchmark, language = parsed
        n = (data.get("n-samples") or {}).get(task, {}).get("effective")
        metadata = ((data.get("configs") or {}).get(task) or {}).get("metadata") or {}
        # lm-eval copies the model arguments into every task's metadata: not task settings.
        options = {k: v for k, v in sorted(metadata.items()) if k not in NOT_SETTINGS and k not in _model_args(config)}
        if config.get("limit"):
            options["limit"] = config["limit"]
        setting = ",".join(f"{k}={v}" for k, v in options.items())
        for key, raw in values.items():
            metric, _, filter_name = key.partition(",")
            if not filter_name or metric.endswith("_stderr") or metric.endswith("_signature"):
                continue
            value = _number(raw)
            if value is None:
                continue
            signature = values.get(f"{SIGNATURE_OF[metric]},{filter_name}", "") if metric in SIGNATURE_OF else ""
            scores.append(Score(
                source="run", model=model, adapter=adapter, benchmark=benchmark, language=language, metric=metric,
                value=value, stderr=_number(values.get(f"{metric}_stderr,{filter_name}")), n=n, task=task,
                task_version=str((data.get("versions") or {}).get(task, "")), signature=str(signature),
                run_id=run_id, date=float(data.get("date") or 0.0), limit=_number(config.get("limit")),
                setting=setting, results_file=str(Path(path).resolve()),
            ))
    return scores


def read_results(paths: list[str | Path]) -> list[Score]:
    """Every results_*.json under the given folders (or the files themselves)."""
    scores = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            scores += read_results_file(path)
        elif path.is_dir():
            files = sorted(path.rglob("results_*.json"))
            if not files:
                raise ResultsError(f"{path} holds no lm-eval results files (results_*.json).")
            scores += [score for file in files for score in read_results_file(file, path)]
        else:
            raise ResultsError(f"--results {path}: no such file or folder.")
    return scores


def read_reference(names: list[str] | None = None) -> list[Score]:
    """Published numbers from reference/<name>.csv (default: all files)."""
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
            for row in csv.DictReader(handle):
                scores.append(Score(
                    source="published", model=row["model"], adapter=row["setup"], benchmark=row["benchmark"],
                    language=row["language"], metric=row["metric"], value=float(row["value"]),
                    task_version="published", run_id=f"{row['paper']} table {row['table']}",
                ))
    return scores
