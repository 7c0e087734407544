"""Slot F1 for generated `slot: value; slot: value` answers: the strict variant (`f1`).

Gold: the annotated slots of `annot_utt` as BIO tags over MASSIVE's tokens
(data/massive.py: whitespace words; ja and zh per character, all-ASCII chunks
whole, as alexa/massive `scripts/create_hf_dataset.py` splits them), scored
like MASSIVE's `eval_preds`: seqeval micro F1 over the corpus. A generative
model emits (slot, value) pairs instead of tags, so each pair is mapped back
onto the utterance: its value's tokens are looked up, left to right, among the
tokens not yet claimed by an earlier pair, and tagged B-slot, I-slot, ....

The published numbers (metrics/slot_f1_paper.py, `f1_paper`) drop pairs whose
value is not in the utterance; that hides errors. Here every pair that cannot
be placed (value not in the utterance, or already claimed by an earlier pair)
is still a predicted entity: it is tagged on extra positions appended after
the utterance, where the gold tags are O, so seqeval counts it as a false
positive. Slot types outside MASSIVE's inventory never match a gold type and
so are false positives too.

Differences from `f1_paper`, one example each (utterance, answer: f1 vs f1_paper):
- A value not in the utterance is a false positive, not dropped.
  "what is the weather in [place_name : paris]", "place_name: paris; date: tomorrow": 66.7 vs 100
- A value is placed at its first free occurrence only, not at every one.
  "set [timer_name : pasta] timer for pasta", "timer_name: pasta": 100 vs 66.7
- Pairs split at ";" and at the first ":", spaces optional; f1_paper needs "; " and ": ".
  "... [place_name : paris]", "place_name:paris": 100 vs 0
- Slot types are stripped and lower-cased, list numbering ("1. ") dropped.
  "... [place_name : paris]", "Place_name: paris": 100 vs 0
- Every line of the first paragraph counts; f1_paper reads the first line.
  "wake me up at [time : five am] [date : this week]", "time: five am\ndate: this week": 100 vs 66.7
- Every bracket and every answered pair is its own entity; f1_paper merges
  adjacent tokens of one label.
  "wake me up [date : today] [date : tomorrow]", "date: today tomorrow": 0 vs 100
- A claimed token is never retagged: a later pair on it is a false positive
  (f1_paper overwrites).
  "wake me up at [time : five am] [date : this week]", "time: five am; date: five am": 50 vs 0
- ja/zh values are split as MASSIVE splits utterances, so Latin words and
  values written with spaces match; f1_paper compares characters.
  zh "打开 [app_name : spotify]", "app_name: spotify": 100 vs 0
- Gold is the brackets exactly, brackets being token boundaries; f1_paper's
  official word labels run on after a bracket glued to text or closed by an
  ASCII chunk in ja/zh.
  "what's [person : john]'s number" gold: person = "john" vs "john's number"
"""

from __future__ import annotations

import re

from seqeval.metrics import f1_score

from xtransfer_bench.data.massive import OUTSIDE, split_words

_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")


def parse_slot_output(text: str | None) -> list[tuple[str, str]]:
    """(slot, value) pairs from a model answer; never raises.

    Only the first paragraph counts (chat models sometimes run on after a blank
    line). Pairs are separated by ";" or newlines and split at the first ":".
    List numbering ("1. ") is dropped, "None" means no slots, and a piece
    without a type or a value is skipped (there is nothing to score in it).
    """
    pairs = []
    first_paragraph = (text or "").strip().split("\n\n")[0]
    for line in first_paragraph.splitlines():
        line = _NUMBERING.sub("", line)
        for piece in line.split(";"):
            slot, sep, value = piece.partition(":")
            slot, value = slot.strip().lower(), value.strip()
            if sep and slot and value:
                pairs.append((slot, value))
    return pairs


def _find_free_span(tokens: list[str], taken: list[bool], value_tokens: list[str]) -> int | None:
    width = len(value_tokens)
    for start in range(len(tokens) - width + 1):
        if not any(taken[start : start + width]) and tokens[start : start + width] == value_tokens:
            return start
    return None


def predicted_tags(tokens: list[str], pairs: list[tuple[str, str]], per_character: bool) -> list[str]:
    """BIO tags of the predicted pairs over `tokens`, plus one appended run of
    tags per pair that could not be placed (gold is O there)."""
    folded = [token.casefold() for token in tokens]
    taken = [False] * len(tokens)
    tags = [OUTSIDE] * len(tokens)
    unplaced: list[str] = []
    for slot, value in pairs:
        value_tokens = [token.casefold() for token in split_words(value, per_character)]
        start = _find_free_span(folded, taken, value_tokens)
        span = [f"B-{slot}"] + [f"I-{slot}"] * (len(value_tokens) - 1)
        if start is None:
            # An O between runs keeps two adjacent unplaced entities apart.
            unplaced += span + [OUTSIDE]
            continue
        tags[start : start + len(span)] = span
        taken[start : start + len(span)] = [True] * len(span)
    return tags + unplaced


def align_example(tokens: list[str], gold_tags: list[str], answer: str | None, per_character: bool) -> tuple[list[str], list[str]]:
    """Gold and predicted tag sequences of equal length for one example."""
    pred = predicted_tags(tokens, parse_slot_output(answer), per_character)
    gold = list(gold_tags) + [OUTSIDE] * (len(pred) - len(gold_tags))
    return gold, pred


def slot_f1(pairs_of_sequences: list[tuple[list[str], list[str]]]) -> float:
    """Corpus micro F1 (0-100) over (gold tags, predicted tags) pairs."""
    if not pairs_of_sequences:
        return 0.0
    gold = [list(g) for g, _ in pairs_of_sequences]
    pred = [list(p) for _, p in pairs_of_sequences]
    # zero_division=0: a corpus with no gold and no predicted slots scores 0
    # rather than raising a warning-laden 1.
    return 100.0 * f1_score(gold, pred, zero_division=0)

