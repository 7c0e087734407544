"""lm-eval glue for MASSIVE: everything real lives in xtransfer_bench."""

from datasets import DatasetDict

from xtransfer_bench import languages, prompts
from xtransfer_bench.data import massive
from xtransfer_bench.data.paths import SOURCE_FIELD
from xtransfer_bench.metrics import protocols, slot_f1_paper
from xtransfer_bench.metrics.slot_f1 import align_example, slot_f1


def load_docs(lang: str, prompt_style: str = "finetuned", **_metadata) -> DatasetDict:
    """custom_dataset hook: lm-eval passes dataset_kwargs plus task metadata."""
    system = prompts.slot_filling_messages("", style=prompt_style)[0]["content"]
    splits = {}
    for split in ("test", "validation"):
        try:
            docs = massive.load(lang, split)
        except massive.DataNotFoundError:
            if split == "test":
                raise
            continue  # a dev split is only needed for --num_fewshot
        splits[split] = docs.map(lambda _: {"system": system})
    return DatasetDict(splits)


def process_results(doc: dict, results: list[str]) -> dict:
    """Per item: (gold tags, predicted tags) for each protocol, the
    protocols' signatures and the data source."""
    per_character = languages.get(doc["lang"]).splits_into_characters
    char_split = slot_f1_paper.splits_per_character(doc["lang"])
    return {
        "f1_paper": slot_f1_paper.align_example(doc["utt"], doc["annot_utt"], results[0], char_split),
        "f1": align_example(doc["tokens"], doc["tags"], results[0], per_character),
        "f1_paper_signature": protocols.signature("massive", "f1_paper"),
        "f1_signature": protocols.signature("massive", "f1"),
        SOURCE_FIELD: doc[SOURCE_FIELD],
    }


def aggregate_f1_paper(items) -> float:
    return slot_f1_paper.slot_f1(items)


def aggregate_f1(items) -> float:
    return slot_f1(items)


signature = protocols.aggregate_signature
