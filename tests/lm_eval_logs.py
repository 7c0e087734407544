"""lm-eval output written by hand in its own schema: results_<date>.json and
samples_<task>_<date>.jsonl (doc, doc_hash, per-sample metric values), for
tests of what reads runs (compare, leaderboard intervals)."""

import json
import random
from pathlib import Path

import numpy as np

DATE = "2026-11-29T10-00-00.000001"


def doc_hash(doc: dict) -> str:
    from lm_eval.utils import hash_string

    return hash_string(json.dumps(doc, indent=2, ensure_ascii=False))


def write_run(folder: Path, adapter: str, tasks: dict, version: str = "1.0", limit=None, date: str = DATE) -> Path:
    """tasks: task -> (docs, {metric: per-sample values}, {metric: reported score})."""
    folder.mkdir(parents=True, exist_ok=True)
    results, configs, versions, n = {}, {}, {}, {}
    for task, (docs, values, scores) in tasks.items():
        results[task] = {"alias": task, **{f"{m},none": v for m, v in scores.items()}}
        configs[task] = {"task": task, "metadata": {"version": float(version)}}
        versions[task] = float(version)
        n[task] = {"original": len(docs), "effective": len(docs)}
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
