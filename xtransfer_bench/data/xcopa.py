"""XCOPA (Ponti et al., 2020) causal commonsense reasoning, and English COPA.

XCOPA translates COPA (Roemmele et al., 2011): its test split (500) is COPA's
test questions 501-1000 and its validation split (100) COPA's 401-500 (SuperGLUE's
COPA validation), both in COPA order, so `idx` is parallel across languages.
English is not part of XCOPA; English COPA stands in for it, with a train
split (COPA 1-400) as the English training pool.

Hub (default):
- `cambridgeltl/xcopa`, config = language, splits validation and test. The
  repository carries a loading script (xcopa.py), which datasets >= 4 refuses;
  the hub's own Parquet conversion (`refs/convert/parquet`) holds the same
  rows per config and is the default, as for MASSIVE.
- English train and validation: `aps/super_glue`, config `copa` (the copy
  lm-eval's copa task reads), at `refs/convert/parquet` as well. SuperGLUE's
  COPA test labels are hidden (-1), so English test is
  `pkavumba/balanced-copa` split test: COPA's 500 original test questions with
  their labels (CSV; sorted by id, COPA's order, which is XCOPA's; labels
  1/2 as COPA writes them, shifted to 0/1 here; `mirrored` rows, if any,
  are Balanced COPA's additions and are dropped).
Local (`$XTRANSFER_DATA_DIR/xcopa/`): the release layout of ../shared/data/xcopa,
`data/<lang>/{val,test}.<lang>.jsonl`, one JSON object per line: premise,
choice1, choice2, question ("cause" | "effect"), label (0 | 1), idx, changed.
English in the same layout and schema, with a train file:
`data/en/{train,val,test}.en.jsonl`.

Every row: the fields above (label an int) plus id ("<lang>-<split>-<idx>"),
lang, split, target ("1" | "2"), parallel_id ("<split>-<idx>": the same
question in every language) and data_source (paths.describe_source:
"xcopa:<lang>:<split>" with the hub id or the file read; English COPA too).
"""

from __future__ import annotations

from pathlib import Path

import datasets

from xtransfer_bench import languages, prompts
from xtransfer_bench.data.paths import DataNotFoundError, describe_source, load_from_hub, local_benchmark_dir, read_jsonl

HUB_ID = "cambridgeltl/xcopa"
HUB_REVISION = "refs/convert/parquet"
EN_HUB_ID = "aps/super_glue"
EN_HUB_REVISION = "refs/convert/parquet"
EN_TEST_HUB_ID = "pkavumba/balanced-copa"
# Our split names -> release file names.
FILE_SPLITS = {"train": "train", "validation": "val", "test": "test"}
LANGUAGES = ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")


def prepare_example(row: dict, lang: str, split: str) -> dict:
    idx = int(row["idx"])
    return {
        "id": f"{lang}-{split}-{idx}",
        "lang": lang,
        "split": split,
        "idx": idx,
        "premise": row["premise"],
        "choice1": row["choice1"],
        "choice2": row["choice2"],
        "question": row["question"],
        "label": int(row["label"]),
        "target": prompts.copa_target(row["label"]),
        "parallel_id": f"{split}-{idx}",
    }


def _local_file(folder: Path, lang: str, split: str) -> Path:
    path = folder / "data" / lang / f"{FILE_SPLITS[split]}.{lang}.jsonl"
    if not path.is_file():
        raise DataNotFoundError(
            f"XCOPA file {path} is missing. Put the release files there (layout in "
            "xtransfer_bench/data/xcopa.py), or unset XTRANSFER_DATA_DIR to use the hub."
        )
    return path


def _hub(dataset_id: str, **kwargs) -> datasets.Dataset:
    return load_from_hub("xcopa", dataset_id, **kwargs)


def _english_test_from_hub() -> list[dict]:
    rows = [row for row in _hub(EN_TEST_HUB_ID, split="test") if not row.get("mirrored", False)]
    # COPA order (ids 501-1000) is XCOPA's test order: idx = position by id.
    rows.sort(key=lambda row: int(row["id"]))
    # COPA writes labels 1/2; shift them unless the copy is already 0-based.
    shift = 1 if rows and min(int(row["label"]) for row in rows) == 1 else 0
    return [dict(row, idx=position, label=int(row["label"]) - shift) for position, row in enumerate(rows)]


def load(lang: str, split: str = "test") -> datasets.Dataset:
    """XCOPA questions of one language and split (English: COPA)."""
    language = languages.get(lang)
    if language.iso != "en" and language.iso not in LANGUAGES:
        raise ValueError(f"XCOPA has no {language.name} ({language.iso}); it has {', '.join(LANGUAGES)} (and English COPA).")
    if split not in FILE_SPLITS or (split == "train" and language.iso != "en"):
        known = list(FILE_SPLITS) if language.iso == "en" else ["validation", "test"]
        raise ValueError(f"Unknown XCOPA split {split!r} for {language.iso}; use one of {known}.")
    folder = local_benchmark_dir("xcopa")
    if folder is not None:
        path = _local_file(folder, language.iso, split)
        rows, where = read_jsonl(path), {"files": [path]}
    elif language.iso != "en":
        rows = list(_hub(HUB_ID, name=language.iso, split=split, revision=HUB_REVISION))
        where = {"hub": f"{HUB_ID}@{HUB_REVISION}:{language.iso}"}
    elif split == "test":
        rows, where = _english_test_from_hub(), {"hub": f"{EN_TEST_HUB_ID}@main"}
    else:
        rows = list(_hub(EN_HUB_ID, name="copa", split=split, revision=EN_HUB_REVISION))
        where = {"hub": f"{EN_HUB_ID}@{EN_HUB_REVISION}:copa"}
    source = describe_source(f"xcopa:{language.iso}:{split}", **where)
    return datasets.Dataset.from_list(
        [dict(prepare_example(row, language.iso, split), data_source=source) for row in rows]
    )
