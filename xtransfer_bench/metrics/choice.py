"""Reading the choice out of a generated answer (XCOPA, XNLI): accuracy and the unparsed share.

Models are asked for "1"/"2" (XCOPA) or one label word (XNLI) but answer in
many shapes. The parsers never raise and never guess: an answer from which
no single choice can be read is unparsed (None), which counts as wrong in
`acc` and as 100 in `unparsed` (so its mean is the share of format failures,
apart from wrong answers). Examples use the options "1. It was fragile.",
"2. It was small.".

1. A mention names a choice. XCOPA: its number, a digit standing alone ("2",
   "Choice 2.", "**2**", "I would pick 2 here"); its letter, in parentheses,
   opening the answer or after choice/option/alternative ("(b)", "B.", "b",
   "Option B"; a plain word "a" is not a letter: "A bird sang." names none);
   or its text, case and punctuation aside ("it was SMALL", "I think it was
   small, since it fit"). Digits and letters inside a mentioned option's
   text are part of that text, not mentions. XNLI: a word starting with a
   label's stem ("Entailment.", "The answer is: contradiction", "It
   entails it", "contradicts"), and "neither", which names neutral since the
   prompt offers "entails ..., contradicts it, or neither" ("Neither." is
   neutral).
2. The same choice named twice is one choice: "Answer: (a) It was fragile." is 1.
3. Two different choices named: unparsed. "1 or 2", "Both 1 and 2",
   "Entailment or contradiction", "Neutral, not a contradiction", "Neither
   entailment nor contradiction" (names all three labels).
4. A negated mention: unparsed. A mention is negated when one of not, no,
   never, cannot, non, nor (n't counts as not) is among the three words
   before it in its clause (, . ; : ! ? and a line break end a clause):
   "It does not entail the hypothesis", "not a contradiction",
   "non-entailment", "Not 2". "No, it is a contradiction" is contradiction
   (the comma closes the clause "No"). Negations are English words only.
5. Nothing named: unparsed. "", "3" (there is no option 3), "A bird sang.", "yes".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_TOKEN = re.compile(r"\w+|\n|[^\w\s]")
_WORD = re.compile(r"\w")
_CONTRACTED_NOT = re.compile(r"n['’]t\b")
_CLAUSE_ENDS = frozenset(",.;:!?\n，。；：！？、")
_NEGATIONS = frozenset({"not", "no", "never", "cannot", "non", "nor"})
_NEGATION_WINDOW = 3  # words
_CHOICE_KEYWORDS = frozenset({"choice", "option", "alternative"})
_LETTER_MARKS = frozenset("#:(")  # may stand between a keyword and its letter: "Option: (b)"

# Word stems of XNLI's labels (prompts.NLI_LABELS order), so that "entails"
# and "contradicts" are read as well as the label words themselves; and whole
# words that name a label: the prompt offers "neither" for neutral.
NLI_STEMS = ("entail", "neutral", "contradict")
NLI_WORDS = {"neither": 1}


def _tokens(response: str | None) -> list[str]:
    """Lower-case words and single punctuation marks (line breaks kept, as clause ends)."""
    return _TOKEN.findall(_CONTRACTED_NOT.sub(" not", (response or "").lower()))


def _is_word(token: str) -> bool:
    return bool(_WORD.match(token))


def _negated(tokens: list[str], start: int) -> bool:
    """A negation among the few words before tokens[start], in the same clause."""
    words = 0
    for token in reversed(tokens[:start]):
        if token in _CLAUSE_ENDS or words == _NEGATION_WINDOW:
            break
        if _is_word(token):
            words += 1
            if token in _NEGATIONS:
                return True
    return False


def _single_choice(mentions: list[tuple[int, int]], tokens: list[str]) -> int | None:
    """The choice if every (token index, choice) mention names the same one, none negated."""
    named = {choice for _, choice in mentions}
    if len(named) != 1 or any(_negated(tokens, start) for start, _ in mentions):
        return None
    return named.pop()


def _option_mentions(tokens: list[str], options: Sequence[str]) -> tuple[list[tuple[int, int]], set[int]]:
    """(token index, option) for each occurrence of an option's text among
    the words, and the token indices those occurrences cover. An occurrence
    inside a longer option's occurrence is part of that one."""
    word_at = [i for i, token in enumerate(tokens) if _is_word(token)]
    joined = " ".join(tokens[i] for i in word_at)
    spans = []  # (first word, last word, option)
    for option_index, option in enumerate(options):
        needle = " ".join(token for token in _tokens(option) if _is_word(token))
        start = joined.find(needle) if needle else -1
        while start >= 0:
            end = start + len(needle)
            spans.append((joined.count(" ", 0, start), joined.count(" ", 0, end), option_index))
            start = joined.find(needle, start + 1)
    kept = [
        span for span in spans
        if not any(other != span and other[0] <= span[0] and span[1] <= other[1]
                   and other[1] - other[0] > span[1] - span[0] for other in spans)
    ]
    covered = {word_at[w] for first, last, _ in kept for w in range(first, last + 1)}
    return [(word_at[first], option) for first, _, option in kept], covered


def _letter(tokens: list[str], i: int) -> bool:
    """tokens[i], a single letter, is marked as a choice letter."""
    before, after = tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else ""
    if before == "(" and after == ")":
        return True
    if i == 0 and after in ("", ")", ".", ":"):
        return True
    j = i - 1
    while j >= 0 and tokens[j] in _LETTER_MARKS:
        j -= 1
    return j >= 0 and tokens[j] in _CHOICE_KEYWORDS


def parse_numbered_choice(response: str | None, options: Sequence[str]) -> int | None:
    """0-based index of the option a response picks, for options shown as
    "1. ...", "2. ...", or None when it names none, several, or negates it
    (rules in the module docstring)."""
    tokens = _tokens(response)
    mentions, covered = _option_mentions(tokens, options)
    numbers = {str(n + 1): n for n in range(len(options))}
    for i, token in enumerate(tokens):
        if i in covered:
            continue
        if token in numbers:
            mentions.append((i, numbers[token]))
        elif len(token) == 1 and "a" <= token <= "z" and ord(token) - ord("a") < len(options) and _letter(tokens, i):
            mentions.append((i, ord(token) - ord("a")))
    return _single_choice(mentions, tokens)


def parse_label(response: str | None, stems: Sequence[str] = NLI_STEMS,
                words: Mapping[str, int] = NLI_WORDS) -> int | None:
    """0-based index of the label a response names by a word starting with
    one of `stems` (or by one of `words`), or None when it names none,
    several, or negates it (rules in the module docstring)."""
    tokens = _tokens(response)
    mentions = []
    for i, token in enumerate(tokens):
        label = words.get(token)
        if label is None:
            label = next((k for k, stem in enumerate(stems) if token.startswith(stem.lower())), None)
        if label is not None:
            mentions.append((i, label))
    return _single_choice(mentions, tokens)


def accuracy_item(predicted: int | None, gold: int) -> float:
    """One question's score, 0 or 100, so that the mean over questions is accuracy 0-100."""
    return 100.0 if predicted == gold else 0.0


def unparsed_item(predicted: int | None) -> float:
    """100 when no single choice could be read, so that the mean is the unparsed share in %."""
    return 100.0 if predicted is None else 0.0
