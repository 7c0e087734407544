"""lm-eval output written by hand in its own schema: results_<date>.json and
samples_<task>_<date>.jsonl (doc, doc_hash, per-sample metric values), for
tests of what reads runs (compare, leaderboard intervals).

Results carry what our tasks report beside every score (task version 2.0 on):
`<metric>_signature` (the protocol's constant signature, or one given) and
`data_source` (a local copy of the real test set unless given), and lm-eval's
n-samples (original defaults to the items logged)."""

import json
import random
from pathlib import Path

import numpy as np

from xtransfer_bench import languages
from xtransfer_bench.metrics import protocols
from xtransfer_bench.results_files import split_task

DATE = "2026-11-29T10-00-00.000001"


def doc_hash(doc: dict) -> str:
    from lm_eval.utils import hash_string

    return hash_string(json.dumps(doc, indent=2, ensure_ascii=False))


def data_source(task: str) -> str:
    """A local copy of the task's real test set, in describe_source's format."""
    benchmark, language = split_task(task)
    if benchmark == "massive":
        return f"massive-1.1:{languages.get(language).massive}:test|local:/data/massive/{language}.jsonl"
    if benchmark == "wmt":
        return f"wmt22:{language}:test|local:/data/wmt/wmt22"
    return f"{benchmark}:{language}:test|local:/data/{benchmark}/{language}"


def signatures_of(task: str, metrics) -> dict:
    benchmark, _ = split_task(task)
    found = {}
    for metric in metrics:
        try:
            found[metric] = protocols.signature(benchmark, metric)
        except KeyError:  # translation metrics: their scorer builds the signature
            pass
    return found


def write_run(folder: Path, adapter: str, tasks: dict, version: str = "1.0", limit=None, date: str = DATE,
              original: int | None = None, settings: dict | None = None) -> Path:
    """tasks: task -> (docs, {metric: per-sample values}, {metric: reported score}[, {metric: signature}
    [, data_source]]). `original`: the task's full item count when the run was limited."""
    folder.mkdir(parents=True, exist_ok=True)
    results, configs, versions, n = {}, {}, {}, {}
    for task, (docs, values, scores, *provenance) in tasks.items():
        signatures = provenance[0] if provenance else signatures_of(task, scores)
        source = provenance[1] if len(provenance) > 1 else data_source(task)
        results[task] = {"alias": task, **{f"{m},none": v for m, v in scores.items()},
                         **{f"{m}_signature,none": sig for m, sig in signatures.items()}, "data_source,none": source}
        configs[task] = {"task": task, "metadata": {"version": float(version), **(settings or {})}}
        versions[task] = float(version)
        n[task] = {"original": original or len(docs), "effective": len(docs)}
        with (folder / f"samples_{task}_{date}.jsonl").open("w", encoding="utf-8") as handle:
            for doc_id, doc in enumerate(docs):
                record = {"doc_id": doc_id, "doc": doc, "filter": "none", "doc_hash": doc_hash(doc),
                          **{m: v[doc_id] for m, v in values.items()}}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    path = folder / f"results_{date}.json"
    path.write_text(json.dumps({
        "results": results, "configs": configs, "versions": versions, "n-samples": n, "date": 1.0,
        "config": {"model": "hf", "model_args": f"pretrained=/models/tiny,active={adapter}", "limit": limit},
    }), encoding="utf-8")
    return path


def choice_task(lang: str, right: list[bool]) -> tuple:
    docs = [{"id": f"{lang}-test-{i}", "parallel_id": f"test-{i}", "lang": lang, "premise": f"p{i}"}
            for i in range(len(right))]
    values = [100.0 if r else 0.0 for r in right]
    return docs, {"acc": values}, {"acc": float(np.mean(values))}


def planted(n: int = 400, flips: int = 80, seed: int = 0) -> tuple[list[bool], list[bool]]:
    """A right on about half the items; B also right on `flips` items A got wrong."""
    rng = random.Random(seed)
    a = [rng.random() < 0.5 for _ in range(n)]
    wrong = [i for i, r in enumerate(a) if not r]
    b = list(a)
    for i in rng.sample(wrong, flips):
        b[i] = True
    return a, b
