"""FLORES-200 as a multi-way parallel corpus: the same sentences in N languages,
for the layer-wise retrieval diagnostic (xtransfer_bench/analysis).

Sources (`source` argument):
- "hub" (default): `openlanguagedata/flores_plus`, the maintained FLORES-200
  (FLORES+), config = FLORES code (e.g. "deu_Latn"), splits "dev" (997
  sentences, what the middle-layer paper uses) and "devtest" (1012), column
  `text`, sentences in the same order in every language (row number = id).
  The dataset is GATED: accept its conditions on its hub page while logged
  in, then `huggingface-cli login` (or HF_TOKEN). `facebook/flores` is the
  older copy (gated too; column `sentence`). UNVERIFIED from this machine (no
  hub access): config names and column names are those of the dataset card.
- a folder in the multi-way TSV layout of ../shared/data/flores_sib200:
  `<folder>/<code>/<split>.tsv` with columns index_id, category, text
  (SIB-200's 1004-sentence FLORES subset; splits train, dev, test).
- a folder of plain FLORES-200 release files, one sentence per line:
  `<folder>/<split>/<code>.<split>` (the release's flores200_dataset layout)
  or `<folder>/<code>.<split>`.

Sentences must be aligned across languages: the same ids (TSV) or the same
number of lines (plain files, hub). Anything else is an error that names the
languages, never a silent intersection.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from xtransfer_bench import languages
from xtransfer_bench.data.parallel import ParallelDataError
from xtransfer_bench.data.paths import DataNotFoundError, load_from_hub

HUB_ID = "openlanguagedata/flores_plus"
HUB_SPLITS = ("dev", "devtest")


@dataclass(frozen=True)
class MultiWay:
    """ids[i] is sentence i; sentences[lang][i] is its text in `lang` (ISO code)."""

    ids: list[str]
    sentences: dict[str, list[str]]


def _read_tsv(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows and "index_id" not in rows[0]:
        raise ParallelDataError(f"{path} has no index_id column; expected the TSV layout index_id, category, text.")
    return {row["index_id"]: (row.get("text") or "").strip() for row in rows}


def _plain_file(folder: Path, code: str, split: str) -> Path | None:
    for path in (folder / split / f"{code}.{split}", folder / f"{code}.{split}"):
        if path.is_file():
            return path
    return None


def _from_folder(folder: Path, codes: dict[str, str], split: str) -> MultiWay:
    texts: dict[str, dict[str, str]] = {}
    for lang, code in codes.items():
        tsv = folder / code / f"{split}.tsv"
        plain = _plain_file(folder, code, split)
        if tsv.is_file():
            texts[lang] = _read_tsv(tsv)
        elif plain is not None:
            lines = plain.read_text(encoding="utf-8").splitlines()
            texts[lang] = {str(i): line.strip() for i, line in enumerate(lines)}
        else:
            raise DataNotFoundError(
                f"No FLORES {split} file for {lang} ({code}) under {folder}: expected {tsv}, "
                f"{folder / split / f'{code}.{split}'} or {folder / f'{code}.{split}'}."
            )
    return _aligned(texts, str(folder))


def _aligned(texts: dict[str, dict[str, str]], where: str) -> MultiWay:
    langs = list(texts)
    first = langs[0]
    for lang in langs[1:]:
        if set(texts[lang]) != set(texts[first]):
            only_first = len(set(texts[first]) - set(texts[lang]))
            only_other = len(set(texts[lang]) - set(texts[first]))
            raise ParallelDataError(
                f"FLORES sentences in {where} are not aligned: {first} has {len(texts[first])} sentences and "
                f"{lang} {len(texts[lang])}; {only_first} ids only in {first}, {only_other} only in {lang}. "
                "Every language needs the same sentence ids (or line counts)."
            )
    ids = sorted(texts[first], key=lambda i: (len(i), i))
    empty = [(lang, i) for lang in langs for i in ids if not texts[lang][i]]
    if empty:
        raise ParallelDataError(f"FLORES sentence {empty[0][1]} is empty in {empty[0][0]} ({len(empty)} empty in all).")
    return MultiWay(ids, {lang: [texts[lang][i] for i in ids] for lang in langs})


def _from_hub(codes: dict[str, str], split: str) -> MultiWay:
    if split not in HUB_SPLITS:
        raise ParallelDataError(f"FLORES+ on the hub has splits {HUB_SPLITS}, not {split!r}.")
    texts = {}
    for lang, code in codes.items():
        rows = load_from_hub("flores", HUB_ID, name=code, split=split)
        texts[lang] = {str(i): text.strip() for i, text in enumerate(rows["text"])}
    return _aligned(texts, HUB_ID)


def load(langs: list[str], source: str = "hub", split: str = "dev") -> MultiWay:
    """The sentences of `split` in every language of `langs` (any code
    languages.py knows: "de", "deu_Latn", ...), aligned. Several splits,
    comma-separated ("train,dev,test": all 1004 SIB-200 sentences), are
    joined in that order."""
    if "," in split:
        parts = [load(langs, source, part.strip()) for part in split.split(",")]
        names = [part.strip() for part in split.split(",")]
        return MultiWay(
            [f"{name}:{i}" for name, part in zip(names, parts) for i in part.ids],
            {lang: [text for part in parts for text in part.sentences[lang]] for lang in parts[0].sentences},
        )
    if len(langs) < 2:
        raise ParallelDataError(f"Retrieval needs at least two languages, got {langs}.")
    resolved = [languages.get(lang) for lang in langs]
    codes = {language.iso: language.flores for language in resolved}
    if len(codes) != len(langs):
        raise ParallelDataError(f"Languages {langs} name the same language twice.")
    if source == "hub":
        return _from_hub(codes, split)
    folder = Path(source).expanduser()
    if not folder.is_dir():
        raise DataNotFoundError(f"--data {source!r} is neither 'hub' nor a folder of FLORES files.")
    return _from_folder(folder, codes, split)
