"""Translation metrics as lm-eval sees them: one item per segment, corpus-level
aggregations (BLEU, chrF, COMET-22) and their signatures.

Per-task options (BLEU scheme, references, COMET model and batch size) travel
inside each doc, because lm-eval hands aggregation functions nothing but the items.

References: the first one by default (`references=first`), the protocol of
every published number we sit beside: the middle-layer paper's sacrebleu
signature says nrefs:1, ALMA's hub test sets carry one reference, and the
official WMT23 scores of en-he/he-en use refA only. `references=all` scores
every reference the data has (WMT23 he: refA + refB; WMT22 cs-en: B + C),
which raises he BLEU by 12-16 points; its signature says nrefs:2, so it is
never set beside a one-reference number. COMET-22 takes the first reference
either way.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from xtransfer_bench import languages, prompts
from xtransfer_bench.data.paths import SOURCE_FIELD
from xtransfer_bench.errors import TaskOptionError
from xtransfer_bench.metrics.protocols import aggregate_signature
from xtransfer_bench.metrics.translation import DEFAULT_SCHEME, bleu_tokenizer, corpus_bleu, corpus_chrf

log = logging.getLogger(__name__)

DEFAULT_COMET = "Unbabel/wmt22-comet-da"
NO_COMET = "none"
METRICS = ("bleu", "chrf", "comet", "bleu_signature", "chrf_signature", "comet_signature", SOURCE_FIELD)
REFERENCES = ("first", "all")


@dataclass(frozen=True)
class ScoringOptions:
    bleu_scheme: str = DEFAULT_SCHEME
    comet_model: str = DEFAULT_COMET
    comet_batch_size: int = 16
    references: str = "first"

    def __post_init__(self):
        if self.references not in REFERENCES:
            raise TaskOptionError(f"references={self.references!r}: use first (default, as the published scores) "
                             "or all (every reference the data has).")


def doc_fields(doc: dict, options: ScoringOptions) -> dict:
    """Fields added to each WMT doc: the system prompt, the references scored
    and the scoring options."""
    bleu_tokenizer(doc["tgt_lang"], options.bleu_scheme)  # fail at load time on an unknown scheme
    return {
        "references": list(doc["references"]) if options.references == "all" else list(doc["references"][:1]),
        "system": prompts.translation_system_prompt(
            languages.get(doc["src_lang"]).name, languages.get(doc["tgt_lang"]).name
        ),
        "bleu_scheme": options.bleu_scheme,
        "comet_model": options.comet_model,
        "comet_batch_size": options.comet_batch_size,
    }


def hypothesis(generated: str | None) -> str:
    """The translation in a generated answer: its first non-empty line.
    Segments are single lines, and chat models sometimes add a note after it."""
    for line in (generated or "").strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def item(doc: dict, generated: str | None) -> dict:
    return {
        "hypothesis": hypothesis(generated),
        "references": list(doc["references"]),
        "source": doc["source"],
        "tgt_lang": doc["tgt_lang"],
        "bleu_scheme": doc["bleu_scheme"],
        "comet_model": doc["comet_model"],
        "comet_batch_size": doc["comet_batch_size"],
        SOURCE_FIELD: doc[SOURCE_FIELD],
    }


def _bleu(items: list[dict]):
    return corpus_bleu(
        [i["hypothesis"] for i in items], [i["references"] for i in items], items[0]["tgt_lang"], items[0]["bleu_scheme"]
    )


def _chrf(items: list[dict]):
    return corpus_chrf([i["hypothesis"] for i in items], [i["references"] for i in items])


def aggregate_bleu(items: list[dict]) -> float:
    return _bleu(items).score


def aggregate_chrf(items: list[dict]) -> float:
    return _chrf(items).score


def aggregate_data_source(items: list[dict]) -> str:
    return aggregate_signature(i[SOURCE_FIELD] for i in items)


def aggregate_bleu_signature(items: list[dict]) -> str:
    return _bleu(items).signature


def aggregate_chrf_signature(items: list[dict]) -> str:
    return _chrf(items).signature


# COMET is scored once per task; both aggregations of a task read this cache
# (keyed by the exact inputs) instead of running the model twice.
_comet_cache: dict[tuple, object] = {}


def _comet(items: list[dict]):
    model = items[0]["comet_model"]
    key = (model, tuple((i["source"], i["hypothesis"], i["references"][0]) for i in items))
    if key not in _comet_cache:
        if model == NO_COMET:
            result = None
        else:
            from xtransfer_bench.metrics.comet import comet_score

            result = comet_score(
                [i["source"] for i in items],
                [i["hypothesis"] for i in items],
                # COMET-22 takes one reference: the first one.
                [i["references"][0] for i in items],
                model=model,
                batch_size=int(items[0]["comet_batch_size"]),
            )
            if result.skipped:
                log.warning("COMET skipped: %s", result.skipped)
        _comet_cache[key] = result
    return _comet_cache[key]


def aggregate_comet(items: list[dict]) -> float:
    result = _comet(items)
    return math.nan if result is None or result.skipped else result.system


def aggregate_comet_signature(items: list[dict]) -> str:
    result = _comet(items)
    if result is None:
        return "skipped: comet_model=none"
    if result.skipped:
        return f"skipped: {result.skipped}"
    return f"model:{result.model}|refs:first|scale:0-100"
