"""What the report's numbers can and cannot say, written once for the page,
the Markdown and the README."""

from __future__ import annotations

from xtransfer_bench.report.statistics import EXACT_UP_TO, MIN_LANGUAGES

SHORT_READING = ("Read each ρ with its interval: over a handful of languages the interval, not the value, says how "
                 "much the languages support a relation, and a correlation across languages shows no cause.")

READING = [
    "Each point is one language: how much the adapter's score moved against the baseline (vertical, with the "
    "gain's 95% paired-bootstrap interval over the test items as a whisker) and how much its sentences moved "
    "toward their English translations at the chosen layer (horizontal: translation retrieval accuracy to and "
    "from English, adapter minus baseline). Spearman's ρ asks only whether the languages that gained more "
    "alignment are also those that gained more score, by rank.",
    "Over 5 to 20 languages the single value of ρ says little; its interval is the point. The interval comes "
    "from resampling the languages themselves, so it shows how much ρ hangs on which languages happen to be in "
    "the set: with 5 languages it usually spans most of [-1, 1], and only an interval that stays clear of 0 is "
    "evidence of a relation among these languages. The permutation p is how often a random pairing of the "
    f"same values gives a |ρ| at least as large (exact up to {EXACT_UP_TO} languages; with 4 languages even "
    "ρ = 1 has p = 1/12). Below "
    f"{MIN_LANGUAGES} languages no value is given at all.",
    "What a correlation here cannot say: the languages are not a random sample of the world's languages, and "
    "their properties (script, resource level, closeness to the training languages) move alignment and transfer "
    "together, so even a clear ρ shows neither that alignment causes the gains nor that it predicts them for "
    "languages outside the set. A ρ near 0 or a wide interval does not show that there is no relation either: "
    "there may be too few languages, or gains smaller than their own noise (gains whose whiskers cross 0 mostly "
    "shuffle the ranks; the ρ interval does not include that item-level noise). Supervised languages gain from "
    "being trained on, not from transfer; a relation carried by them says little about transfer "
    "(--group transfer leaves them out).",
    "The baseline's own transfer gap (a language's score minus its English score) against its alignment with "
    "English is the CL-ICP paper's figure 2c turned around: the paper correlates XQuAD F1 in Chinese with "
    "the cosine deviation between English-English and English-Chinese token representations across models; "
    "here one model is read across languages, with the same caveats.",
]


def reading_markdown() -> str:
    return "\n\n".join(READING)
