"""Entity F1 for UNER answers generated as Aya-style JSON: the strict variant (`f1`).

A model answers with `"Results": [{"TypeName": "LOC", "Text": "Iguazu",
"Start": 22, "End": 28}, ...]`. The middle-layer paper scores this task by
parsing the output back to named-entity tuples and computing F1 (section 4.2).
Its parser is public (mid-align `scripts/utils.py`) and reproduced in
metrics/uner_f1_paper.py (`f1_paper`, the published protocol); its F1 code is
not. This variant reads answers more tolerantly and counts every predicted
type; its choices:

- An entity is the tuple (type, text). Start/End are not scored: models are
  poor at counting characters, an offset slip does not change which entity
  was found, and the text already pins the mention down within one sentence.
  Types are compared upper-cased, texts with surrounding whitespace removed
  and inner whitespace runs collapsed; otherwise exactly (case-sensitive).
- Per sentence, gold and predicted entities are multisets: an entity that
  occurs twice must be predicted twice, and predicting it three times gives
  one false positive.
- Micro F1 over the corpus: true positives, false positives and false
  negatives are summed over all sentences, then F1 = 2TP / (2TP + FP + FN),
  times 100. This is how span-level NER F1 is conventionally reported
  (CoNLL, seqeval). Averaging per-sentence F1 instead would weight a sentence
  with one entity like one with ten, and leave sentences without entities
  undefined.
- Parsing never raises: output that cannot be read is an empty prediction,
  so its gold entities all count as false negatives.

Differences from `f1_paper`, one example each (gold LOC "Paris"; answer: f1 vs f1_paper):
- Every predicted type counts: MISC, OTH, ... are false positives.
  `"Results": [{"TypeName": "LOC", "Text": "Paris"}, {"TypeName": "MISC", "Text": "French"}]`: 66.7 vs 100
- Type names are compared upper-cased.
  `"Results": [{"TypeName": "loc", "Text": "Paris"}]`: 100 vs 0
- Objects are read as JSON or Python literals, keys in any order, any spacing.
  `"Results": [{"Text": "Paris", "TypeName": "LOC"}]`: 100 vs 0
- No `"Results": [` needed: a bare list, or objects in prose, are read.
  `[{"TypeName": "LOC", "Text": "Paris"}]`: 100 vs 0
- Every object counts, not just the first `"Results": [` block.
  the gold answer written twice: 66.7 vs 100
- JSON escapes are decoded; f1_paper cuts a text at its first double quote.
  gold PER 'Bob "B"', answer `"Results": [{"TypeName": "PER", "Text": "Bob \\"C\\""}]`: 0 vs 100
- An object cut off before its closing brace is dropped.
  `"Results": [{"TypeName": "LOC", "Text": "Paris", "St`: 0 vs 100
- Gold is the loader's entity list; f1_paper reads the gold answer string
  with its own rules.
"""

from __future__ import annotations

from collections import Counter

from xtransfer_bench.data.uner_json import Entity, normalize, parse_entities

__all__ = ["Entity", "corpus_f1", "counts", "normalize", "parse_entities"]


def counts(gold: list[Entity], predicted: list[Entity]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one sentence,
    comparing the two lists as multisets."""
    gold_counts = Counter(normalize(*e) for e in gold)
    pred_counts = Counter(normalize(*e) for e in predicted)
    tp = sum((gold_counts & pred_counts).values())
    return tp, sum(pred_counts.values()) - tp, sum(gold_counts.values()) - tp


def corpus_f1(pairs: list[tuple[list[Entity], list[Entity]]]) -> float:
    """Micro F1 (0-100) over (gold entities, predicted entities) per sentence.
    A corpus with no gold and no predicted entities scores 0."""
    tp = fp = fn = 0
    for gold, predicted in pairs:
        a, b, c = counts(gold, predicted)
        tp, fp, fn = tp + a, fp + b, fn + c
    return 100.0 * 2 * tp / (2 * tp + fp + fn) if tp else 0.0
