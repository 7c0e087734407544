"""Universal NER (Mayhew et al., 2024) as JSON generation, as in the middle-layer paper.

Hub: the paper takes UNER from the Aya collection, `CohereForAI/aya_collection`
config `templated_uner_llm` (the repository now also answers as
`CohereLabs/aya_collection`). Its dataset card documents the columns `id`,
`inputs` (the prompt), `targets` (the answer), `dataset_name`,
`sub_dataset_name`, `task_type`, `template_id`, `language` (ISO 639-3 codes
since the card's "update to 3 letter iso codes"; a redistributed copy names
the column `language_code`), `script` and `split`, and train / validation /
test Parquet files. Not checked (the hub is unreachable here): the exact
`language` values of this config, whether its prompts are the English
template of paper D.2 or per-language translations of it (the UNER authors'
`universalner/uner_llm_instructions` holds one template per language), and
whether Chinese rows mix GSD (traditional) and GSDSIMP (simplified). So rows
are matched on either language column against the ISO 639-3 code or the
English name, a language that matches nothing fails naming the values found,
and hub prompts and targets are used verbatim. The prompts are most likely
per-language: mid-align's own UNER code (`scripts/utils.py`,
`uner_input_delimiter`) splits hub inputs at a translated question per
language (da "I betragtning af sætningen nedenfor, hvad er resultatet?", zh
in traditional characters), so `text` of a non-English hub row is the whole
prompt here, and local files (English prompt, below) are not the paper's
prompts outside English.

Offline: `$XTRANSFER_DATA_DIR/uner/UNER_*/<code>_*-{train,dev,test}.iob2`, the
UNER v1 release files (tab separated: index, token, tag, -, annotator; a
`# text = ` comment holds the sentence). Prompt and target are built with
`prompts.uner_prompt` / `prompts.uner_target`, entity offsets located on the
sentence text. Tags outside PER/ORG/LOC (hr and sr carry OTH) count as O,
since the prompt asks for those three types only.

Every row carries `data_source` (paths.describe_source). Hub rows are
"uner-aya:<lang>:<split>": the Aya collection's prompts, translated per
language, as the middle-layer paper used them. Local release files are
"uner-v1:<treebank>:<split>": the same sentences, but with our English
prompt, so their scores are not set beside the published ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import datasets

from xtransfer_bench import languages, prompts
from xtransfer_bench.data.paths import SOURCE_FIELD, DataNotFoundError, describe_source, load_from_hub, local_benchmark_dir
from xtransfer_bench.data.uner_json import parse_entities
from xtransfer_bench.errors import XtransferError

HUB_ID = "CohereForAI/aya_collection"
HUB_CONFIG = "templated_uner_llm"
# Our ISO codes -> the Aya collection's ISO 639-3 codes.
AYA_CODES = {"en": "eng", "pt": "por", "zh": "zho", "da": "dan", "sv": "swe", "hr": "hrv", "sk": "slk", "sr": "srp"}
# Our split names -> UNER file suffixes.
SPLITS = {"train": "train", "validation": "dev", "test": "test"}
# The UNER v1 treebank of each language (file prefix of the release), named in
# data_source; local files name their own.
TREEBANKS = {"en": "en_ewt", "pt": "pt_bosque", "zh": "zh_gsd", "da": "da_ddt", "sv": "sv_talbanken",
             "hr": "hr_set", "sk": "sk_snk", "sr": "sr_set"}


@dataclass
class Sentence:
    id: str
    text: str
    # (type, text, start, end), character offsets into `text`, end exclusive.
    spans: list[tuple[str, str, int, int]] = field(default_factory=list)


class IOB2Error(XtransferError, ValueError):
    """A UNER file does not read as IOB2 with `# text =` sentences."""


def _spans(text: str, tokens: list[tuple[str, str, int]], where: str) -> list[tuple[str, str, int, int]]:
    """Entity spans from (token, tag, line) triples: each token is located in
    `text` left to right, a B- tag (or an I- tag that does not continue an
    entity of its type) opens an entity, I- extends it, anything else closes it."""
    spans: list[tuple[str, str, int, int]] = []
    open_type, position = None, 0
    for token, tag, line in tokens:
        start = text.find(token, position)
        if start < 0:
            raise IOB2Error(f"{where}:{line}: token {token!r} is not in the '# text =' sentence after offset {position}.")
        position = start + len(token)
        prefix, _, entity_type = tag.partition("-")
        if entity_type not in prompts.UNER_TYPES or prefix not in ("B", "I"):
            open_type = None  # O, and OTH in hr/sr
        elif prefix == "I" and open_type == entity_type:
            t, _, s, _ = spans[-1]
            spans[-1] = (t, text[s:position], s, position)
        else:
            spans.append((entity_type, token, start, position))
            open_type = entity_type
    return spans


def _sentence(block: list[tuple[int, str]], path: Path) -> Sentence | None:
    """One blank-line separated block: comments, then token lines."""
    sent_id, text, tokens = None, None, []
    for number, line in block:
        if line.startswith("# sent_id = "):
            sent_id = line.removeprefix("# sent_id = ").strip()
        elif line.startswith("# text = "):
            text = line.removeprefix("# text = ")
        elif not line.startswith("#"):
            columns = line.split("\t")
            if len(columns) < 3:
                raise IOB2Error(f"{path}:{number}: expected tab-separated index, token, tag; got {line!r}.")
            tokens.append((columns[1], columns[2], number))
    if not tokens:
        return None
    if text is None:
        raise IOB2Error(f"{path}:{block[0][0]}: sentence without a '# text =' line.")
    return Sentence(sent_id or f"{path.stem}:{block[0][0]}", text, _spans(text, tokens, str(path)))


def read_iob2(path: Path) -> list[Sentence]:
    """Sentences of one UNER file, with their PER/ORG/LOC entity spans."""
    sentences, block = [], []
    # split("\n"), not splitlines(): sentence texts may hold other Unicode line breaks.
    lines = [line.rstrip("\r") for line in path.read_text(encoding="utf-8").split("\n")]
    for number, line in enumerate([*lines, ""], 1):
        if line.strip():
            block.append((number, line))
        elif block:
            sentence = _sentence(block, path)
            if sentence is not None:
                sentences.append(sentence)
            block = []
    return sentences


def local_file(folder: Path, lang: str, split: str) -> Path:
    suffix = SPLITS[split]
    found = sorted(folder.glob(f"*/{lang}_*-{suffix}.iob2"))
    if not found:
        hint = " (UNER has no English training split)" if lang == "en" and split == "train" else ""
        raise DataNotFoundError(
            f"No UNER file {folder}/*/{lang}_*-{suffix}.iob2{hint}. Put the UNER v1 release folders "
            f"(e.g. UNER_Danish-DDT/) under {folder}, or unset XTRANSFER_DATA_DIR to use the hub."
        )
    if len(found) > 1:
        raise DataNotFoundError(f"Several UNER files match {lang} {split}: {', '.join(map(str, found))}; keep one.")
    return found[0]


def dataset_name(treebank: str, split: str) -> str:
    """The test set's identity in results files: uner-v1:da_ddt:test."""
    return f"uner-v1:{treebank}:{split}"


def local_source(path: Path, split: str) -> str:
    """data_source of a release file such as da_ddt-ud-test.iob2."""
    return describe_source(dataset_name(path.name.split("-", 1)[0], split), files=[path])


def example_from_sentence(sentence: Sentence, lang: str) -> dict:
    return {
        "id": sentence.id,
        "lang": lang,
        "text": sentence.text,
        "prompt": prompts.uner_prompt(sentence.text),
        "target": prompts.uner_target(sentence.spans),
        "entities": [[t, text] for t, text, _, _ in sentence.spans],
    }


def example_from_hub(row: dict, lang: str) -> dict:
    inputs = row["inputs"]
    # The sentence follows the question in the English template; other
    # templates keep the whole prompt as `text` (it is informational only).
    _, marker, sentence = inputs.rpartition(prompts.UNER_QUESTION)
    entities = [[t, text] for t, text in parse_entities(row["targets"]) if t in prompts.UNER_TYPES]
    return {
        "id": str(row["id"]),
        "lang": lang,
        "text": sentence.strip() if marker else inputs,
        "prompt": inputs,
        "target": row["targets"],
        "entities": entities,
    }


def _hub_rows(lang: str, split: str) -> list[dict]:
    hub = load_from_hub("uner", HUB_ID, name=HUB_CONFIG, split=split)
    column = next((c for c in ("language", "language_code") if c in hub.column_names), None)
    if column is None:
        raise DataNotFoundError(f"{HUB_ID}:{HUB_CONFIG} has no language column (columns: {hub.column_names}).")
    wanted = {AYA_CODES[lang], languages.get(lang).name.lower()}
    rows = [row for row in hub if str(row[column]).strip().lower() in wanted]
    if not rows:
        found = sorted({str(value) for value in hub[column]})
        raise DataNotFoundError(
            f"{HUB_ID}:{HUB_CONFIG} {split} has no rows with {column} in {sorted(wanted)}; values found: {found}. "
            "Fix AYA_CODES in xtransfer_bench/data/uner.py, or set XTRANSFER_DATA_DIR to local UNER files."
        )
    return rows


def load(lang: str, split: str = "test") -> datasets.Dataset:
    """UNER sentences of one language and split, prepared for JSON generation:
    id, lang, text (the sentence), prompt (user turn), target (answer string),
    entities ([type, text] pairs, the gold for scoring), data_source."""
    language = languages.get(lang)
    if language.iso not in AYA_CODES:
        raise ValueError(f"UNER has no {language.name} ({language.iso}); languages: {', '.join(AYA_CODES)}.")
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; use one of {sorted(SPLITS)}.")
    folder = local_benchmark_dir("uner")
    if folder is not None:
        path = local_file(folder, language.iso, split)
        examples = [example_from_sentence(s, language.iso) for s in read_iob2(path)]
        source = local_source(path, split)
    else:
        examples = [example_from_hub(row, language.iso) for row in _hub_rows(language.iso, split)]
        source = describe_source(f"uner-aya:{language.iso}:{split}",
                                 hub=f"{HUB_ID}@main:{HUB_CONFIG}:{AYA_CODES[language.iso]}")
    features = datasets.Features(
        {name: datasets.Value("string") for name in ("id", "lang", "text", "prompt", "target", SOURCE_FIELD)}
        | {"entities": datasets.Sequence(datasets.Sequence(datasets.Value("string")))}
    )
    return datasets.Dataset.from_list([{**example, SOURCE_FIELD: source} for example in examples], features=features)
