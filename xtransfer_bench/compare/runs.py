"""A run as `compare` sees it: one lm-eval results file and the per-sample
logs written beside it (`--log_samples`), per task of ours.

lm-eval writes `results_<date>.json` and `samples_<task>_<date>.jsonl` into the
same folder; each sample carries its doc, the filtered answer, a hash of the
doc and the value `process_results` returned for every metric. Those values are
what the scores were aggregated from, so resampling them reproduces the scores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from xtransfer_bench.errors import XtransferError
from xtransfer_bench.results_files import Score, read_results_file, split_task


class RunError(XtransferError, ValueError):
    """Runs that cannot be read or compared; the message says why and what to do."""


@dataclass
class TaskLog:
    task: str
    benchmark: str
    language: str
    version: str
    setting: str  # task options and limit, as the leaderboard records them
    scores: dict[str, float]  # metric -> value in the results file
    samples_file: Path | None
    signatures: dict[str, str] = field(default_factory=dict)  # metric -> its signature in the results file
    data_source: str = ""  # where the items came from (results file's data_source)
    _samples: list[dict] | None = field(default=None, repr=False)

    @property
    def samples(self) -> list[dict]:
        """Per-sample records in doc_id order (read on first use)."""
        if self._samples is None:
            if self.samples_file is None:
                raise RunError(f"{self.task} has no per-sample log (samples_{self.task}_*.jsonl): rerun it with "
                               "--log_samples, which paired significance and consistency need.")
            records = []
            with self.samples_file.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as error:
                        raise RunError(f"{self.samples_file}:{number} is not JSON ({error}); the log is "
                                       "truncated or corrupt: rerun the task with --log_samples.") from None
            records.sort(key=lambda record: record["doc_id"])
            self._samples = records
        return self._samples

    def values(self, metric: str) -> list:
        """The per-sample values of a metric, in doc_id order."""
        try:
            return [record[metric] for record in self.samples]
        except KeyError:
            raise RunError(f"{self.samples_file} has no per-sample {metric!r}; it was written by another "
                           "task version: rerun the task.") from None


@dataclass
class Run:
    path: Path  # the results file
    model: str
    adapter: str
    tasks: dict[str, TaskLog]

    @property
    def label(self) -> str:
        return f"{self.model}/{self.adapter}"


def results_file(given: str | Path) -> Path:
    """A results file, or the one results file in a folder."""
    path = Path(given)
    if path.is_file():
        return path
    if not path.is_dir():
        raise RunError(f"{path}: no such file or folder; give an lm-eval results_*.json or its folder.")
    found = sorted(path.rglob("results_*.json"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise RunError(f"{path} holds no lm-eval results file (results_*.json).")
    listed = "\n  ".join(str(file) for file in found)
    raise RunError(f"{path} holds {len(found)} runs; name one results file:\n  {listed}")


def load_run(given: str | Path, scores: list[Score] | None = None) -> Run:
    """The run of one results file; `scores` when already read (the leaderboard)."""
    path = results_file(given)
    scores = scores if scores is not None else read_results_file(path)
    if not scores:
        raise RunError(f"{path} has no scores of xtransfer tasks.")
    date_id = path.stem.removeprefix("results_")
    tasks: dict[str, TaskLog] = {}
    for score in scores:
        benchmark, language = split_task(score.task) or (score.benchmark, score.language)
        log = tasks.get(score.task)
        if log is None:
            samples = path.parent / f"samples_{score.task}_{date_id}.jsonl"
            log = tasks[score.task] = TaskLog(score.task, benchmark, language, score.task_version, score.setting,
                                              {}, samples if samples.is_file() else None, data_source=score.data_source)
        log.scores[score.metric] = score.value
        log.signatures[score.metric] = score.signature
    return Run(path, scores[0].model, scores[0].adapter, tasks)


def check_same_items(a: TaskLog, b: TaskLog, label_a: str, label_b: str) -> None:
    """Refuse to pair two logs of a task unless they hold the same items:
    same task version, same settings (options, limit), same docs in the same order."""
    what = f"{a.task}: {label_a} vs {label_b}"
    if a.version != b.version:
        raise RunError(f"{what}: task versions differ ({a.version} vs {b.version}); scores of different task "
                       "versions are not comparable: rerun both with the same version.")
    if a.setting != b.setting:
        raise RunError(f"{what}: settings differ ({a.setting or 'defaults'} vs {b.setting or 'defaults'}); "
                       "rerun both with the same --limit and --metadata.")
    ids_a = [(r["doc_id"], r.get("doc_hash")) for r in a.samples]
    ids_b = [(r["doc_id"], r.get("doc_hash")) for r in b.samples]
    if len(ids_a) != len(ids_b):
        raise RunError(f"{what}: {len(ids_a)} vs {len(ids_b)} logged items (different --limit?); "
                       "paired comparison needs the same items.")
    for (id_a, hash_a), (id_b, hash_b) in zip(ids_a, ids_b):
        if id_a != id_b or hash_a != hash_b:
            raise RunError(f"{what}: item {id_a} (doc hash {str(hash_a)[:12]}) does not match item {id_b} "
                           f"(doc hash {str(hash_b)[:12]}); the runs saw different test data.")
