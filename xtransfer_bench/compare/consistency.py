"""Cross-lingual consistency on parallel test sets: is the same item answered
correctly in English and in the target language?

Per language, the items present in both logs (matched by their parallel id)
fall into four cells: right in both, right only in English, right only in the
target, right in neither. The consistency score is the share of items right in
both among those right in at least one: 100 * both / (both + only English +
only target). It is 100 when a model's successes are the same items in both
languages and falls as its knowledge stops carrying across; it is undefined
(NaN) when no item is right in either language.

"Right" is all-or-nothing per item: MASSIVE every slot exactly (the predicted
tags equal the gold tags, "None" included), XQuAD exact match, XCOPA and
XNLI accuracy. UNER and WMT have no parallel test sets across languages.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from xtransfer_bench.compare.runs import RunError, TaskLog

# The doc field that names the same item in every language (see the loaders'
# docstrings in xtransfer_bench/data).
PARALLEL_KEY = {"massive": "id", "xquad": "parallel_id", "xcopa": "parallel_id", "xnli": "parallel_id"}
SOURCE = "en"


def _right_massive(record: dict) -> bool:
    gold, predicted = record["f1"]
    return list(gold) == list(predicted)


def _full_marks(metric: str):
    return lambda record: float(record[metric]) >= 100.0 - 1e-9


RIGHT = {"massive": _right_massive, "xquad": _full_marks("exact_match"), "xcopa": _full_marks("acc"),
         "xnli": _full_marks("acc")}


@dataclass
class Consistency:
    language: str
    n: int  # items present in both languages' logs
    both: int
    only_source: int
    only_target: int
    neither: int
    unmatched: int = 0  # target items without an English counterpart in the log

    @property
    def score(self) -> float:
        right_somewhere = self.both + self.only_source + self.only_target
        return 100.0 * self.both / right_somewhere if right_somewhere else math.nan

    def as_dict(self) -> dict:
        return {**asdict(self), "score": self.score}


def correct_by_id(log: TaskLog) -> dict[str, bool]:
    key, right = PARALLEL_KEY[log.benchmark], RIGHT[log.benchmark]
    found = {}
    for record in log.samples:
        doc = record.get("doc") or {}
        if key not in doc:
            raise RunError(f"{log.samples_file}: doc {record.get('doc_id')} has no {key!r}; the log was written "
                           "by another task version: rerun it.")
        found[str(doc[key])] = right(record)
    return found


def consistency(source: TaskLog, target: TaskLog) -> Consistency:
    """English (source) against one target language of the same benchmark."""
    if source.benchmark != target.benchmark or source.benchmark not in PARALLEL_KEY:
        raise RunError(f"Consistency needs two languages of one parallel benchmark "
                       f"({', '.join(PARALLEL_KEY)}); got {source.task} and {target.task}.")
    english, other = correct_by_id(source), correct_by_id(target)
    shared = [item for item in other if item in english]
    cells = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for item in shared:
        cells[(english[item], other[item])] += 1
    return Consistency(target.language, len(shared), cells[(True, True)], cells[(True, False)],
                       cells[(False, True)], cells[(False, False)], len(other) - len(shared))


def group_score(results: list[Consistency]) -> float:
    """Mean of the languages' scores (NaN when a language has none)."""
    scores = [result.score for result in results]
    return sum(scores) / len(scores) if scores and not any(math.isnan(s) for s in scores) else math.nan
