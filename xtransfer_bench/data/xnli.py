"""XNLI (Conneau et al., 2018) natural language inference.

Splits: train (392,702 pairs: MultiNLI train, machine-translated outside
English), validation (2,490) and test (5,010), both human-translated. Within a
split, row i is the same pair in every language.

Hub (default): `facebook/xnli`, config = language (Parquet on the hub, loads
with datasets >= 4), rows {premise, hypothesis, label} with label a ClassLabel
(0 entailment, 1 neutral, 2 contradiction).
Local (`$XTRANSFER_DATA_DIR/xnli/`): `<lang>/<split>.jsonl` with split one of
train, validation, test; one hub row per line, label as its integer id:
{"premise": ..., "hypothesis": ..., "label": 0}. No offline copy of XNLI
exists; xtransfer_bench/fixtures/xnli holds a few pairs of our own in this layout.

Every row: premise, hypothesis, label plus id ("<lang>-<split>-<idx>"), lang,
split, idx (row number), target ("entailment" | "neutral" | "contradiction"),
parallel_id ("<split>-<idx>": the same pair in every language) and
data_source (paths.describe_source: "xnli:<lang>:<split>" with the hub id or
the file read; rows from the bundled fixtures are marked as such).
"""

from __future__ import annotations

from pathlib import Path

import datasets

from xtransfer_bench import languages, prompts
from xtransfer_bench.data.paths import DataNotFoundError, describe_source, load_from_hub, local_benchmark_dir, read_jsonl

HUB_ID = "facebook/xnli"
SPLITS = ("train", "validation", "test")
LANGUAGES = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")


def prepare_example(row: dict, lang: str, split: str, idx: int) -> dict:
    return {
        "id": f"{lang}-{split}-{idx}",
        "lang": lang,
        "split": split,
        "idx": idx,
        "premise": row["premise"],
        "hypothesis": row["hypothesis"],
        "label": int(row["label"]),
        "target": prompts.nli_target(row["label"]),
        "parallel_id": f"{split}-{idx}",
    }


def _local_file(folder: Path, lang: str, split: str) -> Path:
    path = folder / lang / f"{split}.jsonl"
    if not path.is_file():
        raise DataNotFoundError(
            f"XNLI file {path} is missing. Put {split}.jsonl there (layout in xtransfer_bench/data/xnli.py), "
            "or unset XTRANSFER_DATA_DIR to use the hub."
        )
    return path


def load(lang: str, split: str = "test") -> datasets.Dataset:
    """XNLI pairs of one language and split."""
    language = languages.get(lang)
    if language.iso not in LANGUAGES:
        raise ValueError(f"XNLI has no {language.name} ({language.iso}); it has {', '.join(LANGUAGES)}.")
    if split not in SPLITS:
        raise ValueError(f"Unknown XNLI split {split!r}; use one of {list(SPLITS)}.")
    folder = local_benchmark_dir("xnli")
    if folder is not None:
        path = _local_file(folder, language.iso, split)
        rows = datasets.Dataset.from_list(read_jsonl(path))
        where = {"files": [path]}
    else:
        rows = load_from_hub("xnli", HUB_ID, name=language.iso, split=split)
        where = {"hub": f"{HUB_ID}@main:{language.iso}"}
    source = describe_source(f"xnli:{language.iso}:{split}", **where)
    # A map, not a Python list: train has 392,702 rows per language.
    return rows.map(
        lambda row, idx: dict(prepare_example(row, language.iso, split, idx), data_source=source),
        with_indices=True,
        remove_columns=rows.column_names,
    )
