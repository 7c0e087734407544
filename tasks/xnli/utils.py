"""lm-eval glue for XNLI: everything real lives in xtransfer_bench."""

from datasets import DatasetDict

from xtransfer_bench.data import xnli
from xtransfer_bench.demonstrations import attach_prompts
from xtransfer_bench.metrics import choice, protocols


def load_docs(lang: str, demonstrations: str = "none", num_demonstrations: int | None = None,
              demo_seed: int = 0, **_metadata) -> DatasetDict:
    """custom_dataset hook: lm-eval passes dataset_kwargs plus --metadata."""
    docs = attach_prompts("xnli", xnli.load(lang, "test"), lang, demonstrations, num_demonstrations, demo_seed)
    return DatasetDict({"test": docs})


def process_results(doc: dict, results: list[str]) -> dict:
    predicted = choice.parse_label(results[0])
    return {
        "acc": choice.accuracy_item(predicted, doc["label"]),
        "unparsed": choice.unparsed_item(predicted),
        "acc_signature": protocols.signature("xnli", "acc"),
        "unparsed_signature": protocols.signature("xnli", "unparsed"),
        "data_source": doc["data_source"],
    }


signature = protocols.aggregate_signature
