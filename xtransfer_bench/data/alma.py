"""ALMA's human-written parallel data: the machine-translation training and
validation sets of the middle-layer paper (cs, de, is, ru, zh paired with
English; both directions are trained).

Hub: `haoranxu/ALMA-Human-Parallel`, config `<xx>-en`, splits train and
validation, rows {"translation": {"<xx>": ..., "en": ...}}. Offline:
`$XTRANSFER_DATA_DIR/alma/<xx>-en/{train,valid}.<xx>-en.json`, JSON lines in
the same row schema (the layout of ALMA's `human_written_data/`).
UNVERIFIED from this machine (no hub access): the hub id's config names.
"""

from __future__ import annotations

from xtransfer_bench import languages
from xtransfer_bench.data.paths import DataNotFoundError, load_from_hub, local_benchmark_dir, read_jsonl

HUB_ID = "haoranxu/ALMA-Human-Parallel"
SPLITS = {"train": "train", "validation": "valid"}


def pairs(lang: str, split: str = "train") -> list[tuple[str, str]]:
    """(X sentence, English sentence) pairs of one language."""
    language = languages.get(lang)
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; use one of {sorted(SPLITS)}.")
    pair = f"{language.iso}-en"
    folder = local_benchmark_dir("alma")
    if folder is not None:
        path = folder / pair / f"{SPLITS[split]}.{pair}.json"
        if not path.is_file():
            raise DataNotFoundError(f"No ALMA {pair} {split} file: expected {path}.")
        rows = read_jsonl(path)
    else:
        rows = load_from_hub("alma", HUB_ID, name=pair, split=split)
    out = []
    for row in rows:
        translation = row["translation"]
        source, english = (translation.get(language.iso) or "").strip(), (translation.get("en") or "").strip()
        if source and english:
            out.append((source, english))
    if not out:
        raise DataNotFoundError(f"ALMA {pair} {split} has no non-empty pairs.")
    return out
