"""Parallel sentences for alignment training and retrieval analysis.

- Tatoeba, X-English (the middle-layer paper's alignment data): hub
  `mteb/tatoeba-bitext-mining` (config `<xxx>-eng`, split `test`, columns
  sentence1 = X, sentence2 = English; the LASER v1 test pairs), or offline
  `$XTRANSFER_DATA_DIR/tatoeba/tatoeba.<xxx>-eng.{<xxx>,eng}`, line aligned
  (LASER's own layout, as in ../shared/data/tatoeba).
- FLORES-200, multi-way: offline `$XTRANSFER_DATA_DIR/flores_sib200/<code>/<split>.tsv`
  (index_id, category, text; SIB-200's FLORES subset) joined on index_id.

UNVERIFIED from this machine (no hub access): the Tatoeba hub id's column
names. Pairs with an empty side are dropped, as the paper filters them.
"""

from __future__ import annotations

import csv
from pathlib import Path

from xtransfer_bench import languages
from xtransfer_bench.data.paths import DataNotFoundError, load_from_hub, local_benchmark_dir
from xtransfer_bench.errors import XtransferError

TATOEBA_HUB_ID = "mteb/tatoeba-bitext-mining"


class ParallelDataError(XtransferError, ValueError):
    """Parallel data that cannot be aligned line by line or is empty."""


def read_aligned_lines(source: Path, target: Path) -> list[tuple[str, str]]:
    """Line-aligned files -> (source, target) pairs; different line counts are an error."""
    src = source.read_text(encoding="utf-8").splitlines()
    tgt = target.read_text(encoding="utf-8").splitlines()
    if len(src) != len(tgt):
        raise ParallelDataError(f"{source} has {len(src)} lines but {target} has {len(tgt)}; parallel files must align line by line.")
    return [(s.strip(), t.strip()) for s, t in zip(src, tgt) if s.strip() and t.strip()]


def tatoeba_pairs(lang: str) -> list[tuple[str, str]]:
    """(X sentence, English sentence) pairs of one language."""
    language = languages.get(lang)
    if not language.tatoeba or language.iso == "en":
        raise ParallelDataError(f"Tatoeba has no {language.name}-English pairs in this benchmark's table.")
    code = language.tatoeba
    folder = local_benchmark_dir("tatoeba")
    if folder is not None:
        source, target = folder / f"tatoeba.{code}-eng.{code}", folder / f"tatoeba.{code}-eng.eng"
        if not source.is_file() or not target.is_file():
            raise DataNotFoundError(f"No Tatoeba {language.name} files: expected {source} and {target}.")
        pairs = read_aligned_lines(source, target)
    else:
        rows = load_from_hub("tatoeba", TATOEBA_HUB_ID, name=f"{code}-eng", split="test")
        pairs = [(r["sentence1"].strip(), r["sentence2"].strip()) for r in rows if r["sentence1"].strip() and r["sentence2"].strip()]
    if not pairs:
        raise ParallelDataError(f"Tatoeba {language.name}-English has no non-empty pairs.")
    return pairs


def flores_sentences(lang: str, split: str = "dev") -> dict[str, str]:
    """index_id -> sentence of one language (SIB-200's FLORES subset)."""
    language = languages.get(lang)
    folder = local_benchmark_dir("flores_sib200")
    if folder is None:
        raise DataNotFoundError(
            "FLORES parallel sentences are read from $XTRANSFER_DATA_DIR/flores_sib200/<code>/<split>.tsv; "
            "set XTRANSFER_DATA_DIR to a data root holding that folder."
        )
    path = folder / language.flores / f"{split}.tsv"
    if not path.is_file():
        raise DataNotFoundError(f"No FLORES {language.name} file: expected {path}.")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    sentences = {row["index_id"]: row["text"].strip() for row in rows if (row.get("text") or "").strip()}
    if not sentences:
        raise ParallelDataError(f"{path} has no sentences.")
    return sentences


def flores_pairs(lang: str, pivot: str = "en", split: str = "dev") -> list[tuple[str, str]]:
    """(X sentence, pivot sentence) pairs joined on FLORES index ids."""
    source, target = flores_sentences(lang, split), flores_sentences(pivot, split)
    shared = sorted(set(source) & set(target), key=int)
    if not shared:
        raise ParallelDataError(f"FLORES {lang} and {pivot} ({split}) share no sentence ids.")
    return [(source[i], target[i]) for i in shared]
