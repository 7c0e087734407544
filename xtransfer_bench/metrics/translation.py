"""Corpus BLEU and chrF through sacrebleu, with a named tokenisation scheme.

Schemes (the BLEU tokenizer per target language; chrF has none):
- `paper`: the middle-layer paper's footnote 9: 13a, `ja-mecab` for Japanese
  and `zh` for Chinese targets (the default).
- `wmt`: the official WMT23 scoring: `char` for Japanese, `zh` for Chinese,
  13a otherwise.
Every score carries sacrebleu's signature so a number is never read without
knowing how it was computed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sacrebleu.metrics import BLEU, CHRF

from xtransfer_bench.errors import TaskOptionError

SCHEMES: dict[str, dict[str, str]] = {
    "paper": {"ja": "ja-mecab", "zh": "zh"},
    "wmt": {"ja": "char", "zh": "zh"},
}
DEFAULT_SCHEME = "paper"
DEFAULT_TOKENIZER = "13a"


@dataclass(frozen=True)
class CorpusScore:
    score: float
    signature: str


def bleu_tokenizer(target_lang: str, scheme: str = DEFAULT_SCHEME) -> str:
    try:
        return SCHEMES[scheme].get(target_lang, DEFAULT_TOKENIZER)
    except KeyError:
        raise TaskOptionError(f"Unknown BLEU scheme {scheme!r}; use one of {sorted(SCHEMES)}.") from None


def reference_streams(hypotheses: list[str], references: list[list[str]]) -> list[list[str]]:
    """sacrebleu wants one stream per reference set: transpose per-segment lists.
    Segments with fewer references than others get None (sacrebleu skips it)."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} reference lists.")
    if any(not refs for refs in references):
        raise ValueError("Every segment needs at least one reference.")
    width = max(len(refs) for refs in references) if references else 1
    return [[refs[k] if k < len(refs) else None for refs in references] for k in range(width)]


def bleu_metric(target_lang: str, scheme: str = DEFAULT_SCHEME) -> BLEU:
    """The sacrebleu BLEU object every BLEU here is computed with."""
    return BLEU(tokenize=bleu_tokenizer(target_lang, scheme))


def corpus_bleu(hypotheses: list[str], references: list[list[str]], target_lang: str, scheme: str = DEFAULT_SCHEME) -> CorpusScore:
    """references: per segment, the list of its references."""
    streams = reference_streams(hypotheses, references)
    metric = bleu_metric(target_lang, scheme)
    return CorpusScore(metric.corpus_score(hypotheses, streams).score, str(metric.get_signature()))


def corpus_chrf(hypotheses: list[str], references: list[list[str]]) -> CorpusScore:
    streams = reference_streams(hypotheses, references)
    metric = CHRF()
    return CorpusScore(metric.corpus_score(hypotheses, streams).score, str(metric.get_signature()))
