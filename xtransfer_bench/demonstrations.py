"""CL-ICP demonstrations: k solved training examples shown before a test question.

CL-ICP (paper section 5.2) puts k demonstrations {x_d, y_d} before the target
sample x_t, in training and at test time, drawn from the training set
(section 6.1: k = 1 for XQuAD, 3 for XCOPA and XNLI). Modes:

    none    no demonstrations (the default)
    en      from the English (dominant language) pool
    target  from the test language's own pool
    mixed   each demonstration from the English or the target pool, a fair
            coin per demonstration (the paper draws "from both D_s and D_t";
            a coin per slot keeps both languages present although the English
            pools are far larger)

Pools, never the test split:
    xquad  en: SQuAD v1.1 train. target: XQuAD itself in the test language,
           minus every question of the test question's article (XQuAD has a
           single split; its other articles stand in for target-language
           training data, and whole articles are held out so that no
           demonstration shares a paragraph or topic with the question).
    xcopa  en: COPA train (questions 1-400). target: XCOPA validation in the
           test language (COPA validation for English).
    xnli   en: XNLI English train (MultiNLI). target: XNLI train in the test
           language (machine-translated MultiNLI).
For English test items "target" is English data too (XNLI: the same pool).

Never the test item: a candidate with the test item's parallel_id (the item
itself, or its translation into any language) is skipped, and for XQuAD any
candidate from the same article. Nor twice the same example: in mixed mode
over parallel pools, a demonstration's translation is skipped too.

Deterministic: a test item's demonstrations come from a random generator
seeded by (seed, parallel_id) alone, so they do not depend on evaluation order
or on which other items are evaluated, and where pools are parallel (XQuAD,
XCOPA validation, XNLI train) a question gets the same demonstrations,
translated, in every language.
"""

from __future__ import annotations

import functools
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass

import datasets

from xtransfer_bench import prompts
from xtransfer_bench.data import xcopa, xnli, xquad
from xtransfer_bench.data.paths import DATA_DIR_ENV
from xtransfer_bench.errors import TaskOptionError

MODES = ("none", "en", "target", "mixed")
DEFAULT_K = {"xquad": 1, "xcopa": 3, "xnli": 3}
# benchmark -> (loader, English pool split, target pool split, exclusion field)
_POOLS = {
    "xquad": (xquad, "train", "test", "article"),
    "xcopa": (xcopa, "train", "validation", "parallel_id"),
    "xnli": (xnli, "train", "train", "parallel_id"),
}


@dataclass(frozen=True)
class Pools:
    """Candidate demonstrations (rows of the benchmark's loader). `key` names
    the field whose value a demonstration must not share with the test item,
    besides parallel_id."""

    en: Sequence[dict]
    target: Sequence[dict]
    key: str = "parallel_id"


@functools.lru_cache(maxsize=16)
def _cached_load(benchmark: str, lang: str, split: str, data_dir: str | None):
    # data_dir only keys the cache: loaders read XTRANSFER_DATA_DIR themselves.
    return _POOLS[benchmark][0].load(lang, split)


def _load(benchmark: str, lang: str, split: str):
    return _cached_load(benchmark, lang, split, os.environ.get(DATA_DIR_ENV))


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise TaskOptionError(f"Unknown demonstrations mode {mode!r}; use one of {', '.join(MODES)}.")
    return mode


def exclusion_key(benchmark: str) -> str:
    """The field a demonstration must not share with its test item (besides parallel_id)."""
    return _POOLS[benchmark][3]


def pools(benchmark: str, lang: str, mode: str = "mixed") -> Pools:
    """The benchmark's pools for test language `lang`; only those `mode` uses are loaded."""
    if benchmark not in _POOLS:
        raise ValueError(f"No demonstrations for {benchmark!r}; known: {', '.join(_POOLS)}.")
    _, en_split, target_split, key = _POOLS[benchmark]
    en = _load(benchmark, "en", en_split) if check_mode(mode) in ("en", "mixed") else []
    target = _load(benchmark, lang, target_split) if mode in ("target", "mixed") else []
    return Pools(en, target, key)


def _draw(rng: random.Random, pool: Sequence[dict], n: int, excluded, taken: set) -> list[dict]:
    """n pool rows, in draw order, that are not excluded and whose parallel_id
    is not in `taken` (which the picks join)."""
    if n and not len(pool):
        raise ValueError("The demonstration pool is empty.")

    def eligible(row: dict) -> bool:
        return row["parallel_id"] not in taken and not excluded(row)

    picked: list[dict] = []
    seen: set[int] = set()
    # Rejection sampling: excluded rows are few, and pools can be large (XNLI train).
    for _ in range(20 * n + 100):
        if len(picked) == n:
            break
        i = rng.randrange(len(pool))
        if i not in seen:
            seen.add(i)
            if eligible(pool[i]):
                picked.append(pool[i])
                taken.add(pool[i]["parallel_id"])
    if len(picked) < n:  # a small pool, mostly excluded: draw from the full list of eligible rows
        rest = [i for i in range(len(pool)) if i not in seen and eligible(pool[i])]
        if len(picked) + len(rest) < n:
            raise TaskOptionError(f"The pool has {len(picked) + len(rest)} eligible demonstrations, fewer than the {n} asked for.")
        picked += [pool[i] for i in rng.sample(rest, n - len(picked))]
        taken.update(row["parallel_id"] for row in picked)
    return picked


def select(doc: dict, pools: Pools, mode: str, k: int, seed: int = 0) -> list[dict]:
    """The k demonstrations for one test item (rows from the pools), in prompt order."""
    if check_mode(mode) == "none" or k == 0:
        return []
    if k < 0:
        raise TaskOptionError(f"num_demonstrations must be >= 0, not {k}.")
    rng = random.Random(f"{seed}-{doc['parallel_id']}")  # str seeds are stable across runs
    if mode == "mixed" and pools.en is not pools.target:
        sources = ["en" if rng.random() < 0.5 else "target" for _ in range(k)]
    else:
        sources = ["target" if mode == "target" else "en"] * k

    def excluded(candidate: dict) -> bool:
        return candidate[pools.key] == doc[pools.key]

    taken = {doc["parallel_id"]}
    drawn = {
        source: iter(_draw(rng, getattr(pools, source), sources.count(source), excluded, taken))
        for source in ("en", "target")
    }
    return [next(drawn[source]) for source in sources]


def attach_prompts(
    benchmark: str, docs: datasets.Dataset, lang: str, mode: str = "none", k: int | None = None, seed: int = 0
) -> datasets.Dataset:
    """The test docs plus `system` and `prompt` (the system and user turns from
    xtransfer_bench.prompts, demonstrations included) and `demonstration_ids`."""
    k = DEFAULT_K[benchmark] if k is None else int(k)
    chosen = pools(benchmark, lang, mode) if check_mode(mode) != "none" and k > 0 else None
    messages_of = prompts.DEMONSTRATION_MESSAGES[benchmark]
    rows = []
    for doc in docs:
        demos = select(doc, chosen, mode, k, int(seed)) if chosen else []
        system, user = messages_of(doc, demos)
        rows.append(dict(doc, system=system["content"], prompt=user["content"], demonstration_ids=[d["id"] for d in demos]))
    return datasets.Dataset.from_list(rows)
