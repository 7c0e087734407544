"""XQuAD (Artetxe et al., 2020) extractive QA, and SQuAD v1.1 train as its English training pool.

Splits here: "test" is XQuAD itself (its only split: 1190 questions per
language, parallel across languages by SQuAD question id). English "train" is
SQuAD v1.1 train, the training set XQuAD was built to be evaluated against.
XQuAD has no target-language training set, so trainers that need one (FT, TL,
MTL, CL-ICP of the CL-ICP paper) split XQuAD by article: "train" outside
English is the training fold (every other article in title order, 24 of 48),
"heldout" the other 24 articles, on which such models are evaluated (the
tasks' `articles: heldout` option). Folds are whole articles, so no test
question shares a paragraph with a training question. demonstrations.py
draws target-language demonstrations from XQuAD itself, outside the test
question's article.

Hub (default): `google/xquad`, config `xquad.<lang>`, split `validation`
(Parquet on the hub, loads with datasets >= 4). Its rows are flat (id, context,
question, answers{text, answer_start}) and lack the article titles, so titles
are looked up by question id in `rajpurkar/squad` validation (SQuAD v1.1 dev,
which XQuAD's 240 paragraphs were taken from, ids unchanged). SQuAD train is
`rajpurkar/squad`, config `plain_text`, split `train`.
Local (`$XTRANSFER_DATA_DIR`): `xquad/xquad.<lang>.json`, the XQuAD release
files as in ../shared/data/xquad, and `squad/train-v1.1.json`, the SQuAD v1.1
release file; both SQuAD v1.1 JSON ({"data": [{"title", "paragraphs": [{"context",
"qas": [{"id", "question", "answers": [{"text", "answer_start"}]}]}]}]}).

Every row: id, lang, article (title), context, question, answers (all gold
texts), target (the first gold answer, what a model is trained to produce),
parallel_id (the question id: the same question in every language), and
data_source (paths.describe_source: "xquad:<lang>:<split>" or, for SQuAD
train, "squad-v1.1:en:train", with the hub id or the file read).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import datasets

from xtransfer_bench import languages
from xtransfer_bench.data.paths import DataNotFoundError, describe_source, load_from_hub, local_benchmark_dir

HUB_ID = "google/xquad"
SQUAD_HUB_ID = "rajpurkar/squad"
SQUAD_CONFIG = "plain_text"
SQUAD_TRAIN_FILE = "train-v1.1.json"
SPLITS = ("test", "train", "heldout")


def _row(lang: str, article: str, context: str, qa_id: str, question: str, answers: list[str]) -> dict:
    return {
        "id": qa_id,
        "lang": lang,
        "article": article,
        "context": context,
        "question": question,
        "answers": answers,
        "target": answers[0],
        "parallel_id": qa_id,
    }


def read_squad_json(path: Path, lang: str) -> list[dict]:
    """Rows of a SQuAD v1.1 JSON file, in file order."""
    if not path.is_file():
        raise DataNotFoundError(
            f"{path} is missing: put the release file there (SQuAD v1.1 JSON; layout in "
            "xtransfer_bench/data/xquad.py), or unset XTRANSFER_DATA_DIR to use the hub."
        )
    try:
        articles = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (json.JSONDecodeError, KeyError) as error:
        raise ValueError(f"{path} is not SQuAD v1.1 JSON ({error}).") from None
    return [
        _row(lang, article["title"], paragraph["context"], qa["id"], qa["question"], [a["text"] for a in qa["answers"]])
        for article in articles
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    ]


def _hub(dataset_id: str, **kwargs) -> datasets.Dataset:
    return load_from_hub("xquad", dataset_id, **kwargs)


@functools.lru_cache(maxsize=1)
def _squad_dev_titles() -> dict[str, str]:
    dev = _hub(SQUAD_HUB_ID, name=SQUAD_CONFIG, split="validation")
    return dict(zip(dev["id"], dev["title"]))


def _from_hub_rows(rows: datasets.Dataset, lang: str, titles: dict[str, str] | None) -> list[dict]:
    return [
        _row(lang, titles[row["id"]] if titles is not None else row["title"], row["context"], row["id"],
             row["question"], list(row["answers"]["text"]))
        for row in rows
    ]


def training_fold(titles) -> set[str]:
    """The article titles of the target-language training fold: every other
    title in sorted order (the same articles in every language: titles are
    SQuAD's English titles in all XQuAD files)."""
    return set(sorted(set(titles))[::2])


def _squad_train() -> tuple[list[dict], str]:
    """SQuAD v1.1 train (the English training pool) and where it came from."""
    name = "squad-v1.1:en:train"
    folder = local_benchmark_dir("squad")
    if folder is not None:
        path = folder / SQUAD_TRAIN_FILE
        return read_squad_json(path, "en"), describe_source(name, files=[path])
    rows = _from_hub_rows(_hub(SQUAD_HUB_ID, name=SQUAD_CONFIG, split="train"), "en", None)
    return rows, describe_source(name, hub=f"{SQUAD_HUB_ID}@main:{SQUAD_CONFIG}")


def _xquad(lang: str) -> tuple[list[dict], dict]:
    """All XQuAD questions of one language, and describe_source's arguments for them."""
    folder = local_benchmark_dir("xquad")
    if folder is not None:
        path = folder / f"xquad.{lang}.json"
        return read_squad_json(path, lang), {"files": [path]}
    hub = _hub(HUB_ID, name=f"xquad.{lang}", split="validation")
    return _from_hub_rows(hub, lang, _squad_dev_titles()), {"hub": f"{HUB_ID}@main:xquad.{lang}"}


def load(lang: str, split: str = "test") -> datasets.Dataset:
    """XQuAD questions of one language: all ("test"), the training fold
    ("train"; SQuAD v1.1 train for English) or the held-out fold ("heldout")."""
    language = languages.get(lang)
    if split not in SPLITS:
        raise ValueError(f"Unknown XQuAD split {split!r}; use one of {list(SPLITS)}.")
    if split == "train" and language.iso == "en":
        rows, source = _squad_train()
    else:
        rows, where = _xquad(language.iso)
        if split != "test":
            fold = training_fold(row["article"] for row in rows)
            rows = [row for row in rows if (row["article"] in fold) == (split == "train")]
        source = describe_source(f"xquad:{language.iso}:{split}", **where)
    return datasets.Dataset.from_list([dict(row, data_source=source) for row in rows])
