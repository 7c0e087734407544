"""MASSIVE (FitzGerald et al., 2023) slot filling: loading and annotation conversion.

Hub: `AmazonScience/massive` is a loading-script repository, which `datasets`
>= 4 refuses to run. The hub's own Parquet conversion of it, the
`refs/convert/parquet` revision, holds the same rows per locale config and loads
without the script; that is the default here.
Offline: `$XTRANSFER_DATA_DIR/massive/<locale>.jsonl`, the MASSIVE 1.1 release
files (one JSON object per line, split given by the `partition` field).

Tokens are MASSIVE's own (alexa/massive `scripts/create_hf_dataset.py`):
whitespace words, and for ja and zh every character of a chunk that holds a
non-ASCII character while all-ASCII chunks stay whole ("在 spotify 上" ->
在, spotify, 上). Brackets of `annot_utt` are token boundaries here, so the
tags are exactly the annotated slots; metrics/slot_f1_paper.py rebuilds the
official word labels, whose quirks it needs, from `utt` and `annot_utt`.
Every row carries `data_source` (paths.describe_source): the hub revision or
the file read.
"""

from __future__ import annotations

import re
from pathlib import Path

import datasets

from xtransfer_bench import languages, prompts
from xtransfer_bench.data.paths import (
    SOURCE_FIELD, DataNotFoundError, describe_source, load_from_hub, local_benchmark_dir, read_jsonl,
)

HUB_ID = "AmazonScience/massive"
HUB_REVISION = "refs/convert/parquet"
# Our split names -> MASSIVE 1.1 `partition` values (the hub copy uses "validation").
SPLITS = {"train": "train", "validation": "dev", "test": "test"}

OUTSIDE = "O"
_ANNOTATION = re.compile(r"\[([^\[\]]*)\]")


def split_words(text: str, per_character: bool) -> list[str]:
    """Tokens as MASSIVE's evaluation sees them: whitespace words; for ja and
    zh (`per_character`) a whitespace chunk is split into its characters
    unless it is all ASCII, which MASSIVE keeps whole ("keep latin chars
    together in cases of code switching")."""
    if not per_character:
        return text.split()
    return [token for chunk in text.split() for token in ([chunk] if chunk.isascii() else list(chunk))]


def parse_annotation(annot_utt: str, per_character: bool = False) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """`"wake me up at [time : five am]"` -> tokens, BIO tags, [(slot, value)].

    Text outside brackets is tagged O; a bracket `[type : value]` tags its value
    tokens B-type, I-type, .... A malformed bracket (no " : ") is kept as
    plain text so a stray "[" in an utterance cannot lose tokens.
    """
    tokens: list[str] = []
    tags: list[str] = []
    slots: list[tuple[str, str]] = []
    position = 0
    for match in _ANNOTATION.finditer(annot_utt):
        outside = split_words(annot_utt[position : match.start()], per_character)
        tokens += outside
        tags += [OUTSIDE] * len(outside)
        slot, sep, value = match.group(1).partition(":")
        slot, value = slot.strip(), value.strip()
        value_tokens = split_words(value, per_character)
        if not sep or not slot or not value_tokens:
            plain = split_words(match.group(0), per_character)
            tokens += plain
            tags += [OUTSIDE] * len(plain)
        else:
            tokens += value_tokens
            tags += [f"B-{slot}"] + [f"I-{slot}"] * (len(value_tokens) - 1)
            slots.append((slot, value))
        position = match.end()
    rest = split_words(annot_utt[position:], per_character)
    tokens += rest
    tags += [OUTSIDE] * len(rest)
    return tokens, tags, slots


def prepare_example(row: dict, lang: str, data_source: str) -> dict:
    """Add the fields tasks and trainers use: tokens, BIO tags, the answer
    string, and where the row came from."""
    per_character = languages.get(lang).splits_into_characters
    tokens, tags, slots = parse_annotation(row["annot_utt"], per_character)
    return {
        "id": str(row["id"]),
        "lang": lang,
        "utt": row["utt"],
        "annot_utt": row["annot_utt"],
        "tokens": tokens,
        "tags": tags,
        "target": prompts.slot_filling_target(slots),
        SOURCE_FIELD: data_source,
    }


def dataset_name(locale: str, split: str) -> str:
    """The test set's identity in results files: massive-1.1:de-DE:test."""
    return f"massive-1.1:{locale}:{split}"


def _read_local(folder: Path, locale: str, split: str) -> tuple[list[dict], str]:
    path = folder / f"{locale}.jsonl"
    if not path.is_file():
        raise DataNotFoundError(
            f"MASSIVE file {path} is missing. Put the MASSIVE 1.1 release file {locale}.jsonl there "
            f"(from amazon-massive-dataset-1.1), or unset XTRANSFER_DATA_DIR to use the hub."
        )
    partition = SPLITS[split]
    rows = [row for row in read_jsonl(path) if row.get("partition") == partition]
    if not rows:
        raise DataNotFoundError(f"{path} has no rows with partition {partition!r}.")
    return rows, describe_source(dataset_name(locale, split), files=[path])


def load(lang: str, split: str = "test") -> datasets.Dataset:
    """MASSIVE examples of one language and split, prepared for slot filling."""
    language = languages.get(lang)
    if language.massive is None:
        raise ValueError(f"MASSIVE has no {language.name} ({language.iso}).")
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; use one of {sorted(SPLITS)}.")
    folder = local_benchmark_dir("massive")
    if folder is not None:
        rows, source = _read_local(folder, language.massive, split)
    else:
        rows = list(load_from_hub("massive", HUB_ID, name=language.massive, split=split, revision=HUB_REVISION))
        source = describe_source(dataset_name(language.massive, split), hub=f"{HUB_ID}@{HUB_REVISION}:{language.massive}")
    return datasets.Dataset.from_list([prepare_example(row, language.iso, source) for row in rows])
