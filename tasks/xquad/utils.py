"""lm-eval glue for XQuAD: everything real lives in xtransfer_bench."""

from datasets import DatasetDict

from xtransfer_bench import languages
from xtransfer_bench.data import xquad
from xtransfer_bench.demonstrations import attach_prompts
from xtransfer_bench.metrics import qa


ARTICLES = {"all": "test", "heldout": "heldout"}


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
    per_character = languages.get(doc["lang"]).splits_into_characters
    return {
        "exact_match": qa.exact_match(answer, doc["answers"], per_character),
        "f1": qa.f1(answer, doc["answers"], per_character),
    }
