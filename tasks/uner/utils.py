"""lm-eval glue for UNER: everything real lives in xtransfer_bench."""

from datasets import DatasetDict

from xtransfer_bench import fewshot
from xtransfer_bench.data import uner
from xtransfer_bench.data.paths import SOURCE_FIELD
from xtransfer_bench.metrics import protocols, uner_f1_paper
from xtransfer_bench.metrics.uner_f1 import corpus_f1, parse_entities


def load_docs(lang: str, **_metadata) -> DatasetDict:
    """custom_dataset hook: lm-eval passes dataset_kwargs plus task metadata."""
    test = uner.load(lang, "test")
    # Only --num_fewshot needs a dev split; DevSplitSampler refuses an empty one clearly.
    return DatasetDict({"test": test, "validation": fewshot.dev_split(lambda: uner.load(lang, "validation"), test)})


DevSplitSampler = fewshot.dev_split_sampler("UNER", "the <code>_<treebank>-ud-dev.iob2 file under $XTRANSFER_DATA_DIR/uner/UNER_*/")


def process_results(doc: dict, results: list[str]) -> dict:
    """Per item: (gold entities, predicted entities) for each protocol, the
    protocols' signatures and the data source."""
    gold = [tuple(entity) for entity in doc["entities"]]
    return {
        "f1_paper": uner_f1_paper.align_example(doc["target"], results[0]),
        "f1": (gold, parse_entities(results[0])),
        "f1_paper_signature": protocols.signature("uner", "f1_paper"),
        "f1_signature": protocols.signature("uner", "f1"),
        SOURCE_FIELD: doc[SOURCE_FIELD],
    }


def aggregate_f1_paper(items) -> float:
    return uner_f1_paper.entity_f1(items)


def aggregate_f1(items) -> float:
    return corpus_f1(items)


signature = protocols.aggregate_signature
