"""MASSIVE slot F1 as the middle-layer alignment paper computed it (`f1_paper`).

The published MASSIVE numbers come from dannigt/mid-align
`scripts/eval_massive.py`: MASSIVE's official gold conversion and scorer
(alexa/massive `scripts/create_hf_dataset.py`, `convert_to_bio` and
`eval_preds` in `src/massive/utils/training_utils.py`) with the generated
answer mapped back onto the utterance. Its rules, reimplemented here one by one:

Gold
- Spaced languages: tokens are `utt.split()`. Labels walk `annot_utt.split()`:
  a chunk starting with "[" sets the label to the chunk without "[" and skips
  the chunk after it (the ":"); a chunk ending in "]" takes the label and
  resets it to `Other`; any other chunk takes the current label.
- ja-JP, zh-CN, zh-TW: tokens and labels both come from `annot_utt.split()`:
  "[type" sets the label and the next ":" chunk is skipped; an all-ASCII chunk
  is one token (a trailing "]" stripped) and takes the label WITHOUT resetting
  it; any other chunk gives one token per character, a "]" character
  resetting the label to `Other`.
- `convert_to_bio`: `Other` -> O; a label equal to the previous token's label
  -> I-label, otherwise B-label.

Prediction
1. One prediction per line of a file (here: the answer's first line).
2. The line stripped; if its lower-case text is "none", nothing is predicted.
3. Otherwise split on "; "; a piece is used only when `piece.split(": ")`
   gives exactly two parts and the value is non-empty (otherwise dropped).
   The slot type is used as written (no case folding, no stripping).
4. Value tokens: `value.split()`, or for ja/zh `list(value)` (characters,
   spaces included), compared with the gold token list case-insensitively
   (`str.lower`); every occurrence is tagged with the slot type, later pieces
   overwriting earlier tags.
5. The tag list starts as `Other` times the number of gold labels; tags past
   the gold length are cut (eval_preds pads with `Other` or cuts).
6. Both sides through `convert_to_bio`; seqeval `f1_score` (default mode,
   micro) over the corpus, times 100.

Deviations from the source, where per-item scoring or robustness forces them:
- The source reads a file of lines, so a multi-line answer shifts every later
  prediction onto the wrong utterance (and crashes at the end); here each
  answer is scored alone and only its first line counts, which is what that
  file holds when every answer is one line.
- A whitespace-only value ("time:  ; date: x") makes the source raise
  IndexError on spaced languages; here that piece predicts nothing.

Differences from `f1` (metrics/slot_f1.py, the strict variant), one example each
(utterance, answer: f1_paper vs f1):
- A value not in the utterance is dropped, not a false positive.
  "what is the weather in [place_name : paris]", "place_name: paris; date: tomorrow": 100 vs 66.7
- Every occurrence of a value is tagged, not the first free one.
  "set [timer_name : pasta] timer for pasta", "timer_name: pasta": 66.7 vs 100
- Separators are exactly "; " and ": "; f1 splits at ";" and the first ":".
  "... [place_name : paris]", "place_name:paris": 0 vs 100
- The slot type is taken as written; f1 strips it, lower-cases it and drops list numbering.
  "... [place_name : paris]", "Place_name: paris": 0 vs 100
- Only the first line counts; f1 reads every line of the first paragraph.
  "wake me up at [time : five am] [date : this week]", "time: five am\\ndate: this week": 66.7 vs 100
- Adjacent tokens with one label are one entity, in gold and prediction;
  f1 keeps every bracket and every answered pair its own entity.
  "wake me up [date : today] [date : tomorrow]", "date: today tomorrow": 100 vs 0
- A later pair overwrites the tags of an earlier one; f1 never reuses a
  claimed token and counts the later pair as a false positive.
  "wake me up at [time : five am] [date : this week]", "time: five am; date: five am": 0 vs 50
- ja/zh values are matched character by character, so a Latin word (an
  ASCII-chunk token) or a value written with a space never matches; f1
  splits values as MASSIVE splits utterances.
  zh "打开 [app_name : spotify]", "app_name: spotify": 0 vs 100
- Gold labels are the official word labels, whose label runs on after a
  bracket glued to text or closed by an ASCII chunk in ja/zh; f1's gold is
  the annotated brackets exactly, brackets being token boundaries.
  "what's [person : john]'s number" gold: person = "john's number" vs "john";
  zh "在 [app_name : spotify] 上播放" gold: app_name = "spotify上播放" vs "spotify"
"""

from __future__ import annotations

import re

from seqeval.metrics import f1_score

from xtransfer_bench import languages

OTHER = "Other"
# create_hf_dataset.py's default `char_split_locales`, also eval_massive.py's list.
CHAR_SPLIT_LOCALES = ("ja-JP", "zh-CN", "zh-TW")
# Python's text files end a line at \n, \r\n or \r (universal newlines).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def splits_per_character(lang: str) -> bool:
    return languages.get(lang).massive in CHAR_SPLIT_LOCALES


def _spaced_labels(annot_utt: str) -> list[str]:
    labels, label = [], OTHER
    chunks = annot_utt.split()
    position = 0
    while position < len(chunks):
        chunk = chunks[position]
        if chunk.startswith("["):
            label = chunk.lstrip("[")
            position += 2  # "[type" and the ":" after it
            continue
        labels.append(label)
        if chunk.endswith("]"):
            label = OTHER
        position += 1
    return labels


def _char_split_gold(utt: str, annot_utt: str) -> tuple[list[str], list[str]]:
    tokens: list[str] = []
    labels: list[str] = []
    if not annot_utt:  # the source's fallback: tokens only, no labels
        for chunk in utt.split():
            tokens += [chunk] if chunk.isascii() else list(chunk)
        return tokens, labels
    label, colon_pending = OTHER, False
    for chunk in annot_utt.split():
        if chunk.startswith("["):
            label, colon_pending = chunk.lstrip("["), True
        elif chunk == ":" and colon_pending:
            colon_pending = False
        elif chunk.isascii():
            # Kept whole; the label is not reset even when the chunk closes a bracket.
            tokens.append(chunk.rstrip("]"))
            labels.append(label)
        else:
            for char in chunk:
                if char == "]":
                    label = OTHER
                else:
                    tokens.append(char)
                    labels.append(label)
    return tokens, labels


def gold_word_labels(utt: str, annot_utt: str, char_split: bool) -> tuple[list[str], list[str]]:
    """MASSIVE's official (tokens, word labels) of one utterance; the two
    lists can differ in length on spaced languages (tokens come from `utt`)."""
    if char_split:
        return _char_split_gold(utt, annot_utt)
    return utt.split(), _spaced_labels(annot_utt)


def convert_to_bio(labels: list[str]) -> list[str]:
    """MASSIVE's convert_to_bio with outside label `Other` and no merge labels."""
    tags, previous = [], None
    for label in labels:
        if label == OTHER:
            tags.append("O")
        elif label != previous:
            tags.append(f"B-{label}")
        else:
            tags.append(f"I-{label}")
        previous = label
    return tags


def answer_line(answer: str | None) -> str:
    """What a predictions file with one answer per line holds for this answer."""
    return _LINE_BREAK.split(answer or "", maxsplit=1)[0]


def parse_answer(answer: str | None) -> list[tuple[str, str]]:
    """(slot type, value) pieces that mid-align uses, in answer order."""
    line = answer_line(answer).strip()
    if line.lower() == "none":
        return []
    pairs = []
    for piece in line.split("; "):
        parts = piece.split(": ")
        if len(parts) == 2 and parts[1]:
            pairs.append((parts[0], parts[1]))
    return pairs


def predicted_word_labels(tokens: list[str], length: int, pairs: list[tuple[str, str]], char_split: bool) -> list[str]:
    """Word labels of the answer's pairs over the gold tokens, `length` long."""
    labels = [OTHER] * length
    folded = [token.lower() for token in tokens]
    for slot, value in pairs:
        pattern = [part.lower() for part in (list(value) if char_split else value.split())]
        if not pattern:
            continue  # a whitespace-only value (the source raises IndexError here)
        width = len(pattern)
        for start in range(len(folded) - width + 1):
            if folded[start : start + width] == pattern:
                for position in range(start, min(start + width, length)):
                    labels[position] = slot
    return labels


def align_example(utt: str, annot_utt: str, answer: str | None, char_split: bool) -> tuple[list[str], list[str]]:
    """(gold BIO tags, predicted BIO tags) of one utterance, equal in length."""
    tokens, gold = gold_word_labels(utt, annot_utt, char_split)
    predicted = predicted_word_labels(tokens, len(gold), parse_answer(answer), char_split)
    return convert_to_bio(gold), convert_to_bio(predicted)


def slot_f1(pairs_of_sequences: list[tuple[list[str], list[str]]]) -> float:
    """seqeval micro F1 (default mode), 0-100, over (gold, predicted) BIO tags.
    zero_division=0 gives the value the source's default ("warn") gives, silently."""
    if not pairs_of_sequences:
        return 0.0
    gold = [list(g) for g, _ in pairs_of_sequences]
    predicted = [list(p) for _, p in pairs_of_sequences]
    return 100.0 * f1_score(gold, predicted, zero_division=0)
