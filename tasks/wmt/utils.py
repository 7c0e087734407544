"""lm-eval glue for WMT: everything real lives in xtransfer_bench."""

from datasets import DatasetDict

from xtransfer_bench.data import wmt
from xtransfer_bench.metrics import translation_task as scoring


def load_docs(src: str, tgt: str, bleu_scheme: str = "paper", comet_model: str = scoring.DEFAULT_COMET,
              comet_batch_size: int = 16, references: str = "first", **_metadata) -> DatasetDict:
    """custom_dataset hook: lm-eval passes dataset_kwargs plus --metadata."""
    docs = wmt.load(src, tgt)
    options = scoring.ScoringOptions(bleu_scheme, comet_model, int(comet_batch_size), references)
    return DatasetDict({"test": docs.map(lambda doc: scoring.doc_fields(doc, options))})


def process_results(doc: dict, results: list[str]) -> dict:
    item = scoring.item(doc, results[0])
    return {name: item for name in scoring.METRICS}


aggregate_bleu = scoring.aggregate_bleu
aggregate_chrf = scoring.aggregate_chrf
aggregate_comet = scoring.aggregate_comet
aggregate_bleu_signature = scoring.aggregate_bleu_signature
aggregate_chrf_signature = scoring.aggregate_chrf_signature
aggregate_comet_signature = scoring.aggregate_comet_signature
aggregate_data_source = scoring.aggregate_data_source
