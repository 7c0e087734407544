"""UNER entity F1 as the middle-layer alignment paper computed it (`f1_paper`).

dannigt/mid-align reads a generated (or gold) answer with
`parse_3standard_ner_from_json` (scripts/utils.py); its rules, reimplemented:
1. The answer, stripped, is split at `"Results": [` (exactly that spacing);
   the text between the first and any second such marker is kept, with "]"
   characters stripped from both ends. Nothing left: no entities.
2. For each of LOC, PER, ORG, every match of `"TypeName": "<TYPE>",`,
   whitespace, `"Text": "<text>"` gives (TYPE, text); the text is the
   characters up to the next double quote. Type names are exact (upper
   case), the keys in this order with one space after each colon. Other
   types are never read: pairs of LOC, PER and ORG only, on both sides.
3. The tuples are joined as "TYPE: text; ..." and scored by F1; that scoring
   code is not public. Here: gold and predicted tuples per sentence as
   multisets, micro F1 over the corpus (uner_f1.corpus_f1, which compares
   types upper-cased and texts with whitespace runs collapsed).

Deviation from the source: an answer without `"Results": [` makes the source
raise IndexError; here it predicts nothing.

Differences from `f1` (metrics/uner_f1.py, the strict variant), one example each
(gold LOC "Paris"; answer: f1_paper vs f1):
- Types other than LOC, PER, ORG are ignored, not false positives.
  `"Results": [{"TypeName": "LOC", "Text": "Paris"}, {"TypeName": "MISC", "Text": "French"}]`: 100 vs 66.7
- Type names must be upper-case.
  `"Results": [{"TypeName": "loc", "Text": "Paris"}]`: 0 vs 100
- Only Aya's layout is read (TypeName before Text, `": "` after each key);
  f1 reads JSON or Python-literal objects with the keys in any order.
  `"Results": [{"Text": "Paris", "TypeName": "LOC"}]`: 0 vs 100
- `"Results": [` must be there; f1 also reads a bare list or objects in prose.
  `[{"TypeName": "LOC", "Text": "Paris"}]`: 0 vs 100
- Only the first `"Results": [` block counts; f1 reads every object.
  the gold answer written twice: 100 vs 66.7
- A text ends at the first double quote, escaped or not; f1 decodes JSON escapes.
  gold PER 'Bob "B"', answer `"Results": [{"TypeName": "PER", "Text": "Bob \\"C\\""}]`: 100 vs 0
  (both sides read as (PER, 'Bob \\'))
- An object cut off after its Text still counts; f1 drops an object without
  its closing brace.
  `"Results": [{"TypeName": "LOC", "Text": "Paris", "St`: 100 vs 0
- Gold is the target answer read by the same rules; f1's gold is the
  loader's entity list (the same tuples except for texts with quotes).
"""

from __future__ import annotations

import re

from xtransfer_bench.metrics.uner_f1 import Entity, corpus_f1

RESULTS_MARKER = '"Results": ['
PAPER_TYPES = ("LOC", "PER", "ORG")  # the source's order; order does not matter to F1
_ENTITY = {t: re.compile(rf'"TypeName": "{t}",\s*"Text": "([^"]+)"') for t in PAPER_TYPES}


def parse_entities(answer: str | None) -> list[Entity]:
    """(type, text) pairs of LOC, PER and ORG as mid-align reads them; never raises."""
    blocks = (answer or "").strip().split(RESULTS_MARKER)
    if len(blocks) < 2:
        return []  # the source raises IndexError here
    results = blocks[1].strip("]")
    return [(entity_type, text) for entity_type in PAPER_TYPES for text in _ENTITY[entity_type].findall(results)]


def align_example(target: str, answer: str | None) -> tuple[list[Entity], list[Entity]]:
    """(gold, predicted) tuples of one sentence, both read from answer strings."""
    return parse_entities(target), parse_entities(answer)


def entity_f1(pairs: list[tuple[list[Entity], list[Entity]]]) -> float:
    """Micro F1 (0-100) over the sentences' (gold, predicted) tuples."""
    return corpus_f1(pairs)
