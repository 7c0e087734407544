"""Exact match and F1 for extractive QA (XQuAD), 0-100, under two protocols.

`exact_match`, `f1` (the default, = the published numbers): SQuAD v1.1's
official `evaluate` script, which XQuAD's authors, XTREME and lm-eval's xquad
all use, unchanged for every language, Chinese included. Both sides are
normalised: lower-cased; characters of ASCII `string.punctuation` removed;
the English articles a/an/the removed as whole words (Python 3 `\\b`, so
"the" glued to a Chinese character stays); whitespace collapsed. EM compares
the normalised strings; F1 is the bag-of-tokens F1 over whitespace tokens
(0 when no token is shared); each question takes the MAXIMUM over all its
gold answers (lm-eval's xquad scores the first gold answer only).

`exact_match_mlqa`, `f1_mlqa` (a variant): MLQA's evaluation script
(facebookresearch/MLQA, mlqa_evaluation_v1.py), which was written for
languages SQuAD's rules misjudge. Same steps, same order, same max over
golds; the differences, with one example each (prediction vs gold):

1. Punctuation: every Unicode punctuation character (category P*) as well as
   ASCII `string.punctuation`.
   `诺曼底。` vs `诺曼底`: EM 0 under SQuAD v1.1 ("。" is not ASCII), 100 under MLQA.
   `«Ελλάδα»` vs `Ελλάδα`: EM 0 under SQuAD v1.1, 100 under MLQA.
2. Chinese tokens: MLQA's mixed segmentation, every CJK ideograph in
   U+4E00-U+9FA5 one token, runs of other characters split on whitespace.
   `黑豹队` vs `黑豹`: F1 0 under SQuAD v1.1 (two different tokens), 80 under MLQA
   (P 2/3, R 1).
   `136次` vs `136 次`: EM 0 under SQuAD v1.1, 100 under MLQA (both are 136 / 次).
3. Articles per language, as MLQA lists them: en a/an/the; es el/la/los/las/
   un/una/unos/unas; de der/die/das/den/dem/des/ein/eine/einen/einem/eines/einer;
   vi của/là/cái/chiếc/những; ar every "ال" (MLQA's regex removes the
   substring wherever it occurs); hi and zh none. SQuAD v1.1 removes the
   English ones in every language.
   `la Sorbona` vs `Sorbona` (es): EM 0 under SQuAD v1.1, 100 under MLQA.
   `the 黑豹` vs `黑豹` (zh): EM 100 under SQuAD v1.1, 0 under MLQA.
4. Languages MLQA does not cover (its script raises for them): we use its
   rule for article-less whitespace languages (hi): whitespace tokens, no
   articles removed; for Japanese, its Chinese mixed segmentation with
   kana (U+3040-U+30FF) split per character as well. So for tr and el
   (and ru, th, ...) the variant differs from SQuAD v1.1 only in
   punctuation (1) and in keeping English articles:
   `the Beatles` vs `Beatles` (tr): EM 100 under SQuAD v1.1, 0 under MLQA.

Both: an empty prediction gets EM 100 only against a gold answer that
normalises to the empty string too (none in XQuAD en, zh, es, tr, el:
tests/test_squad_protocol.py checks), and F1 0.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

from xtransfer_bench import languages

_ANSWER_LABEL = re.compile(r"^\s*answer\s*:\s*", re.IGNORECASE)

# --- SQuAD v1.1 -------------------------------------------------------------------

_ASCII_PUNCTUATION = frozenset(string.punctuation)
_ENGLISH_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    """SQuAD v1.1's normalisation: lower, ASCII punctuation out, a/an/the out, whitespace collapsed."""
    text = "".join(ch for ch in (text or "").lower() if ch not in _ASCII_PUNCTUATION)
    return " ".join(_ENGLISH_ARTICLES.sub(" ", text).split())


def _token_f1(prediction: list[str], gold: list[str]) -> float:
    common = sum((Counter(prediction) & Counter(gold)).values())
    if common == 0:  # also when both are empty, as both official scripts
        return 0.0
    precision, recall = common / len(prediction), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def _best(score: Callable[[str], float], golds: Sequence[str]) -> float:
    """100 x the best score over the gold answers (0 when there are none)."""
    return 100.0 * max((score(gold) for gold in golds), default=0.0)


def exact_match(prediction: str | None, golds: Sequence[str]) -> float:
    """SQuAD v1.1 EM: 100 if the normalised prediction equals any normalised gold answer."""
    predicted = normalize(prediction or "")
    return _best(lambda gold: float(predicted == normalize(gold)), golds)


def f1(prediction: str | None, golds: Sequence[str]) -> float:
    """SQuAD v1.1 F1 over whitespace tokens, against the best-matching gold answer."""
    predicted = normalize(prediction or "").split()
    return _best(lambda gold: _token_f1(predicted, normalize(gold).split()), golds)


# --- MLQA ---------------------------------------------------------------------------


def _is_unicode_punctuation(char: str) -> bool:
    """MLQA's PUNCT set: every Unicode category P* character, plus ASCII punctuation."""
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


# MLQA's article patterns, per language (applied after punctuation removal).
_MLQA_ARTICLES = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "ar": re.compile(r"\sال^|ال"),
}
# One token per character: MLQA's Chinese range; kana added for Japanese (not in MLQA).
_MLQA_SEGMENTED = {"zh": re.compile(r"([\u4e00-\u9fa5])"), "ja": re.compile(r"([\u3040-\u30ff\u4e00-\u9fa5])")}


def mlqa_tokens(text: str | None, lang: str) -> list[str]:
    """MLQA's normalised tokens of `text` in language `lang` (see the module docstring)."""
    iso = languages.get(lang).iso
    text = "".join(ch for ch in (text or "").lower() if not _is_unicode_punctuation(ch))
    if iso in _MLQA_ARTICLES:
        text = _MLQA_ARTICLES[iso].sub(" ", text)
    if iso in _MLQA_SEGMENTED:
        text = _MLQA_SEGMENTED[iso].sub(r" \1 ", text)
    return text.split()


def exact_match_mlqa(prediction: str | None, golds: Sequence[str], lang: str) -> float:
    """MLQA EM: 100 if the prediction's tokens equal any gold answer's."""
    predicted = mlqa_tokens(prediction, lang)
    return _best(lambda gold: float(predicted == mlqa_tokens(gold, lang)), golds)


def f1_mlqa(prediction: str | None, golds: Sequence[str], lang: str) -> float:
    """MLQA F1 (per CJK character in Chinese) against the best-matching gold answer."""
    predicted = mlqa_tokens(prediction, lang)
    return _best(lambda gold: _token_f1(predicted, mlqa_tokens(gold, lang)), golds)


# --- Model output ---------------------------------------------------------------------


def extract_answer(response: str | None) -> str:
    """The answer span in a generated response: its first non-empty line,
    without a leading "Answer:" (the prompt's cue, which models sometimes repeat)."""
    for line in (response or "").splitlines():
        if line.strip():
            return _ANSWER_LABEL.sub("", line).strip()
    return ""
