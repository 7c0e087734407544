"""Which rules every metric value follows, as a signature string.

Every numeric metric a task reports comes with `<metric>_signature` in
lm-eval's results (sacrebleu's idea, applied to every metric): the scorer
whose rules it follows, the variant, and a version of our implementation,
e.g. `massive_slot_f1|protocol:mid-align|tok:massive-official|v1`. Values are
averaged, compared, differenced or tested only when their signatures are
`comparable`: equal after dropping software versions (`version:2.4.2` in a
sacrebleu signature says which release printed it, not how it scored).

One metric per benchmark follows the protocol of the published numbers
(`published=True`); the others are stricter or better-founded variants, kept
under their own names. The README's "Protocols" table is checked against
PROTOCOLS by a test.

Translation signatures are sacrebleu's and COMET's own, built when scoring
(they carry nrefs and the tokenizer of each target language); they are not
constants here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SIGNATURE_SUFFIX = "_signature"


@dataclass(frozen=True)
class Protocol:
    benchmark: str
    metric: str
    signature: str | None  # None: built by the scorer (sacrebleu, COMET)
    published: bool  # the protocol behind the papers' published numbers
    rules: str  # one line for the README table


PROTOCOLS: tuple[Protocol, ...] = (
    Protocol("massive", "f1_paper", "massive_slot_f1|protocol:mid-align|tok:massive-official|v1", True,
             "MASSIVE's official BIO conversion and seqeval F1; answers mapped onto the utterance as mid-align "
             "does (values not in the utterance dropped, every occurrence tagged)"),
    Protocol("massive", "f1", "massive_slot_f1|protocol:strict|tok:massive-official|v1", False,
             "gold = the annotated brackets over MASSIVE's tokens (ja/zh: ASCII chunks whole); every predicted "
             "value that cannot be placed in the utterance is a false positive"),
    Protocol("wmt", "bleu", None, True,
             "sacrebleu BLEU, first reference only (nrefs:1), 13a / ja-mecab / zh (`bleu_scheme=wmt`: char for ja)"),
    Protocol("wmt", "chrf", None, True, "sacrebleu chrF2, first reference only (nrefs:1)"),
    Protocol("wmt", "comet", None, True, "COMET-22 (Unbabel/wmt22-comet-da), first reference, x100"),
    Protocol("uner", "f1_paper", "uner_entity_f1|protocol:mid-align|types:LOC,ORG,PER|v1", True,
             "mid-align's parser (the Aya layout after `\"Results\": [`, exact types LOC/PER/ORG) on gold and "
             "answer; micro F1 over (type, text) pairs"),
    Protocol("uner", "f1", "uner_entity_f1|protocol:strict|types:all|v1", False,
             "micro F1 over (type, text) pairs; any other predicted type is a false positive"),
    Protocol("xquad", "exact_match", "squad_v1.1|em|refs:all|v1", True,
             "SQuAD v1.1 `evaluate`: lower-case, ASCII punctuation and English articles removed, max over golds"),
    Protocol("xquad", "f1", "squad_v1.1|f1|refs:all|v1", True,
             "SQuAD v1.1 bag-of-whitespace-tokens F1, every language (zh included), max over golds"),
    Protocol("xquad", "exact_match_mlqa", "mlqa|em|refs:all|v1", False,
             "MLQA normalisation: Unicode punctuation removed, CJK split per character"),
    Protocol("xquad", "f1_mlqa", "mlqa|f1|refs:all|v1", False,
             "MLQA F1: Unicode punctuation removed, CJK per character"),
    Protocol("xcopa", "acc", "choice_acc|parser:strict|v1", True,
             "accuracy; an answer naming both choices, or none, is wrong (the paper does not publish its parser)"),
    Protocol("xcopa", "unparsed", "choice_unparsed|parser:strict|v1", False,
             "share of answers from which no single choice could be read"),
    Protocol("xnli", "acc", "choice_acc|parser:strict|v1", True,
             "accuracy; an answer naming two labels, or negating the one it names, is wrong"),
    Protocol("xnli", "unparsed", "choice_unparsed|parser:strict|v1", False,
             "share of answers from which no single label could be read"),
)


def protocol(benchmark: str, metric: str) -> Protocol:
    for entry in PROTOCOLS:
        if (entry.benchmark, entry.metric) == (benchmark, metric):
            return entry
    raise KeyError(f"No protocol for {benchmark} {metric}; known: "
                   + ", ".join(f"{p.benchmark} {p.metric}" for p in PROTOCOLS))


def signature(benchmark: str, metric: str) -> str:
    """The constant signature of a metric (not for translation metrics)."""
    found = protocol(benchmark, metric).signature
    if found is None:
        raise KeyError(f"{benchmark} {metric}: the signature is built by its scorer when scoring.")
    return found


def published_metrics(benchmark: str) -> list[str]:
    return [p.metric for p in PROTOCOLS if p.benchmark == benchmark and p.published]


def comparison_key(sig: str | None) -> str:
    """A signature without software versions: what must be equal to compare."""
    fields = [field for field in (sig or "").split("|") if not field.startswith("version:")]
    return "|".join(fields)


def comparable(a: str | None, b: str | None) -> bool:
    return comparison_key(a) == comparison_key(b)


def aggregate_signature(items: Iterable[str]) -> str:
    """lm-eval aggregation of a `*_signature` or `data_source` metric: every
    item carries the same string; several different ones are all reported,
    so a mixed run is visible rather than hidden behind the first."""
    found = sorted({str(item) for item in items})
    return found[0] if len(found) == 1 else "mixed: " + " ; ".join(found)


def markdown_table() -> str:
    """The README's protocol table (a test checks that the README holds it):
    `python -m xtransfer_bench.metrics.protocols` prints it."""
    lines = ["| benchmark | metric | published protocol | signature | rules |", "|---|---|---|---|---|"]
    for entry in PROTOCOLS:
        signature = f"`{entry.signature.replace('|', chr(92) + '|')}`" if entry.signature else "sacrebleu's / COMET's own"
        lines.append(f"| {entry.benchmark} | `{entry.metric}` | {'**yes**' if entry.published else 'no'} | "
                     f"{signature} | {entry.rules} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
