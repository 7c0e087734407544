"""lm-eval glue for MASSIVE: everything real lives in xtransfer_bench."""

from datasets import DatasetDict

from xtransfer_bench import fewshot, languages, prompts
from xtransfer_bench.data import massive
from xtransfer_bench.data.paths import SOURCE_FIELD
from xtransfer_bench.metrics import protocols, slot_f1_paper
from xtransfer_bench.metrics.slot_f1 import align_example, slot_f1


def load_docs(lang: str, prompt_style: str = "finetuned", **_metadata) -> DatasetDict:
    """custom_dataset hook: lm-eval passes dataset_kwargs plus task metadata."""
    system = prompts.slot_filling_messages("", style=prompt_style)[0]["content"]
    test = massive.load(lang, "test")
    # Only --num_fewshot needs a dev split; DevSplitSampler refuses an empty one clearly.
    dev = fewshot.dev_split(lambda: massive.load(lang, "validation"), test)
    return DatasetDict({split: docs.map(lambda _: {"system": system}) for split, docs in
                        (("test", test), ("validation", dev))})


DevSplitSampler = fewshot.dev_split_sampler("MASSIVE", "rows with partition 'dev' in $XTRANSFER_DATA_DIR/massive/<locale>.jsonl")


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
