"""lm-eval glue for XQuAD: everything real lives in xtransfer_bench."""

from datasets import DatasetDict

from xtransfer_bench.data import xquad
from xtransfer_bench.demonstrations import attach_prompts
from xtransfer_bench.metrics import protocols, qa


ARTICLES = {"all": "test", "heldout": "heldout"}
METRICS = ("exact_match", "f1", "exact_match_mlqa", "f1_mlqa")


def load_docs(lang: str, demonstrations: str = "none", num_demonstrations: int | None = None,
              demo_seed: int = 0, articles: str = "all", **_metadata) -> DatasetDict:
    """custom_dataset hook: lm-eval passes dataset_kwargs plus --metadata."""
    if articles not in ARTICLES:
        raise ValueError(f"articles={articles!r}: use all (every XQuAD question) or heldout "
                         "(the articles outside the training fold that FT/TL/MTL/CL-ICP train on).")
    split = ARTICLES[articles]
    docs = attach_prompts("xquad", xquad.load(lang, split), lang, demonstrations, num_demonstrations, demo_seed)
    return DatasetDict({"test": docs})


def process_results(doc: dict, results: list[str]) -> dict:
    answer = qa.extract_answer(results[0])
    golds, lang = doc["answers"], doc["lang"]
    scores = {
        "exact_match": qa.exact_match(answer, golds),
        "f1": qa.f1(answer, golds),
        "exact_match_mlqa": qa.exact_match_mlqa(answer, golds, lang),
        "f1_mlqa": qa.f1_mlqa(answer, golds, lang),
    }
    signatures = {f"{metric}{protocols.SIGNATURE_SUFFIX}": protocols.signature("xquad", metric) for metric in METRICS}
    return {**scores, **signatures, "data_source": doc["data_source"]}


signature = protocols.aggregate_signature
