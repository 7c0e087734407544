"""lm-eval results files read as tidy scores, one per (run, task, metric),
and how our tasks name their cells: task -> (benchmark, language), and each
benchmark's columns and groups in the papers' order.

Both `compare` (paired significance) and the leaderboard read runs through
this module, so neither imports the other's internals to do it.

Every score carries its provenance from the results file: the metric's
signature (`<metric>_signature` beside `<metric>`, for every metric), where
the items came from (`data_source`), how many items were scored out of how
many (`n-samples`: effective / original) and the `--limit`.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from xtransfer_bench import languages
from xtransfer_bench.data.paths import SOURCE_FIELD
from xtransfer_bench.errors import XtransferError
from xtransfer_bench.metrics.protocols import SIGNATURE_SUFFIX

PREFIX = "xtransfer_"
GROUP_PREFIX = "group:"
# lm-eval group tasks of ours: the leaderboard computes group means itself.
GROUP_SUFFIXES = {"supervised", "transfer", "aligned", "x_en", "en_x"}
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
    n: int | None = None  # items scored (lm-eval's effective n; published: the test set's size where known)
    n_original: int | None = None  # items the task has (lm-eval's original n)
    limit: float | None = None  # --limit of the run
    task: str = ""
    task_version: str = ""
    signature: str = ""  # how the value was computed (metrics/protocols.py)
    data_source: str = ""  # where the items came from (data/paths.py describe_source); published: the test set
    run_id: str = ""
    date: float = 0.0
    # How the task was run, beyond its version: --metadata options (in-context
    # demonstrations, references=all...) and --limit. Scores of different
    # settings are different rows.
    setting: str = ""
    results_file: str = ""  # the lm-eval results file (runs), where its per-sample logs lie beside it

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def as_row(self) -> dict:
        return asdict(self)


class ResultsError(XtransferError, ValueError):
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


def layout(benchmark: str) -> tuple[list[str], dict[str, list[str]]]:
    """(columns in the papers' order, group name -> member columns)."""
    sets = languages.benchmark(benchmark)
    if benchmark == "wmt":
        supervised = [f"{lang}-en" for lang in sets.supervised] + [f"en-{lang}" for lang in sets.supervised]
        x_en, en_x = [f"{lang}-en" for lang in sets.transfer], [f"en-{lang}" for lang in sets.transfer]
        return supervised + x_en + en_x, {"supervised": supervised, "transfer_x_en": x_en, "transfer_en_x": en_x}
    return list(sets.all), {name: list(langs) for name, langs in sets.groups().items()}


def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(float(value)):
        return float(value)
    return None


def _count(value) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


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
    limit = _number(config.get("limit"))
    scores = []
    for task, values in results.items():
        parsed = split_task(task)
        if parsed is None:
            continue
        benchmark, language = parsed
        counts = (data.get("n-samples") or {}).get(task) or {}
        metadata = ((data.get("configs") or {}).get(task) or {}).get("metadata") or {}
        # lm-eval copies the model arguments into every task's metadata: not task settings.
        options = {k: v for k, v in sorted(metadata.items()) if k not in NOT_SETTINGS and k not in _model_args(config)}
        if config.get("limit"):
            options["limit"] = config["limit"]
        setting = ",".join(f"{k}={v}" for k, v in options.items())
        for key, raw in values.items():
            metric, _, filter_name = key.partition(",")
            if not filter_name or metric.endswith("_stderr") or metric.endswith(SIGNATURE_SUFFIX):
                continue
            value = _number(raw)
            if value is None:  # data_source, signatures, skipped metrics (NaN)
                continue
            scores.append(Score(
                source="run", model=model, adapter=adapter, benchmark=benchmark, language=language, metric=metric,
                value=value, stderr=_number(values.get(f"{metric}_stderr,{filter_name}")),
                n=_count(counts.get("effective")), n_original=_count(counts.get("original")), limit=limit,
                task=task, task_version=str((data.get("versions") or {}).get(task, "")),
                signature=str(values.get(f"{metric}{SIGNATURE_SUFFIX},{filter_name}") or ""),
                data_source=str(values.get(f"{SOURCE_FIELD},{filter_name}") or ""),
                run_id=run_id, date=float(data.get("date") or 0.0), setting=setting,
                results_file=str(Path(path).resolve()),
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
