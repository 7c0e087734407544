"""XQuAD's metrics: exact_match / f1 are SQuAD v1.1's official `evaluate`
rules in every language; exact_match_mlqa / f1_mlqa follow MLQA's script.

Expected values come from hand derivations (comments) or from a transcription
of SQuAD v1.1's rules written below, independent of xtransfer_bench; scores
go through the task's own process_results (tasks/xquad/utils.py), the
function lm-eval calls. Real XQuAD comes from ../shared/data (skips without it).
"""

import importlib.util
import json
import re
import statistics
import string
from collections import Counter
from pathlib import Path

import pytest

from conftest import shared_path
from xtransfer_bench import languages
from xtransfer_bench.data import xquad
from xtransfer_bench.metrics import protocols, qa
from xtransfer_bench.task_files import TASKS_DIR

LANGS = languages.benchmark("xquad").all  # en zh es tr el


def _task_utils():
    spec = importlib.util.spec_from_file_location("xquad_task_utils", TASKS_DIR / "xquad" / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TASK = _task_utils()


# --- SQuAD v1.1's evaluate, transcribed from its rules (not from qa.py) --------------


def squad_normalize(text: str) -> str:
    lowered = text.lower()
    no_punctuation = "".join(c for c in lowered if c not in set(string.punctuation))  # ASCII only
    no_articles = re.sub(r"\b(a|an|the)\b", " ", no_punctuation)
    return " ".join(no_articles.split())


def squad_em(prediction: str, golds: list[str]) -> float:
    return 100.0 * max(float(squad_normalize(prediction) == squad_normalize(g)) for g in golds)


def squad_f1(prediction: str, golds: list[str]) -> float:
    def one(gold: str) -> float:
        p, g = squad_normalize(prediction).split(), squad_normalize(gold).split()
        same = sum((Counter(p) & Counter(g)).values())
        if same == 0:
            return 0.0
        precision, recall = same / len(p), same / len(g)
        return 2 * precision * recall / (precision + recall)

    return 100.0 * max(one(g) for g in golds)


# --- Rules, one case each -------------------------------------------------------------


def test_squad_normalisation_is_ascii_and_english():
    assert qa.normalize("The  Eiffel Tower!") == "eiffel tower"  # "the" and "!" go
    assert qa.normalize("an apple, a pear; the end.") == "apple pear end"
    assert qa.normalize("«Ελλάδα»") == "«ελλάδα»"  # « » are not ASCII punctuation: kept
    assert qa.normalize("「北京」。") == "「北京」。"  # nor are Chinese brackets and full stops
    assert qa.normalize("theory") == "theory"  # articles only as whole words
    assert qa.normalize("the北京") == "the北京"  # Python 3 \b: 北 is a word character, no boundary


@pytest.mark.parametrize(
    ("prediction", "gold", "lang", "squad", "mlqa"),
    [
        # (EM, F1) under each protocol, derived by hand from the two scripts' rules.
        # 。 is not ASCII: SQuAD keeps it, one token "诺曼底。" != "诺曼底"; MLQA drops it.
        ("诺曼底。", "诺曼底", "zh", (0, 0), (100, 100)),
        # SQuAD: one token each, different -> 0. MLQA: 黑 豹 队 vs 黑 豹: P 2/3, R 1 -> F1 80.
        ("黑豹队", "黑豹", "zh", (0, 0), (0, 80)),
        # SQuAD: [136次] vs [136, 次], no common token. MLQA: both 136 / 次.
        ("136次", "136 次", "zh", (0, 0), (100, 100)),
        # MLQA's Chinese range ends at U+9FA5; digits and Latin runs stay whole:
        # [136] vs [136, 次]: P 1, R 1/2 -> 2/3. SQuAD: same tokens, same F1.
        ("136", "136 次", "zh", (0, 200 / 3), (0, 200 / 3)),
        # Spanish articles: MLQA drops "la", SQuAD only English ones: [la, sorbona] vs [sorbona] -> P 1/2, R 1.
        ("la Sorbona", "Sorbona", "es", (0, 200 / 3), (100, 100)),
        # SQuAD drops "the" in every language; MLQA removes no article in Chinese:
        # [the, 黑, 豹] vs [黑, 豹]: P 2/3, R 1 -> 80.
        ("the 黑豹", "黑豹", "zh", (100, 100), (0, 80)),
        # Turkish is not in MLQA: whitespace tokens, no articles (ours): [the, beatles] vs [beatles].
        ("the Beatles", "Beatles", "tr", (100, 100), (0, 200 / 3)),
        # Greek is not in MLQA either; « » are Unicode punctuation (MLQA drops them).
        ("«Ελλάδα»", "Ελλάδα", "el", (0, 0), (100, 100)),
        # ASCII punctuation and English articles: both protocols agree.
        ("The Eiffel Tower.", "Eiffel tower", "en", (100, 100), (100, 100)),
    ],
)
def test_each_difference_between_the_protocols(prediction, gold, lang, squad, mlqa):
    assert (qa.exact_match(prediction, [gold]), qa.f1(prediction, [gold])) == pytest.approx(squad)
    assert (qa.exact_match_mlqa(prediction, [gold], lang), qa.f1_mlqa(prediction, [gold], lang)) == pytest.approx(mlqa)


def test_max_over_all_gold_answers():
    # pred [in, paris, france]; gold 1 [paris]: P 1/3, R 1 -> 50; gold 2 [paris, france]: P 2/3, R 1 -> 80.
    assert qa.f1("in Paris France", ["Paris", "Paris, France"]) == pytest.approx(80.0)
    assert qa.f1_mlqa("in Paris France", ["Paris", "Paris, France"], "en") == pytest.approx(80.0)
    assert qa.exact_match("Paris", ["France", "paris"]) == 100.0  # the second gold matches


def test_bad_input_scores_zero():
    assert qa.f1("", ["Paris"]) == 0.0 and qa.exact_match("", ["Paris"]) == 0.0
    assert qa.f1(None, ["Paris"]) == 0.0 and qa.f1_mlqa(None, ["Paris"], "zh") == 0.0
    assert qa.f1("Paris", []) == 0.0  # no gold answers: nothing to match
    assert qa.extract_answer("Answer: Paris\nBecause it is the capital.") == "Paris"
    assert qa.extract_answer(None) == ""


def test_process_results_reports_both_protocols_and_signatures():
    doc = {"lang": "zh", "answers": ["黑豹"], "data_source": "xquad:zh:test|local:/x"}
    result = TASK.process_results(doc, ["Answer: 黑豹队\nmore text"])
    # The first line without "Answer:" is 黑豹队: SQuAD (0, 0), MLQA (0, 80) as above.
    assert result["exact_match"] == 0.0 and result["f1"] == 0.0
    assert result["exact_match_mlqa"] == 0.0 and result["f1_mlqa"] == pytest.approx(80.0)
    assert result["f1_signature"] == protocols.signature("xquad", "f1") == "squad_v1.1|f1|refs:all|v1"
    assert result["exact_match_signature"] == "squad_v1.1|em|refs:all|v1"
    assert result["f1_mlqa_signature"] == "mlqa|f1|refs:all|v1"
    assert result["exact_match_mlqa_signature"] == "mlqa|em|refs:all|v1"
    assert result["data_source"] == doc["data_source"]


# --- Acceptance on real XQuAD ---------------------------------------------------------

# A sentence end per language (ASCII in en/es/tr; 。 and the Greek ano teleia · are not).
TRAILING = {"en": ".", "es": ".", "tr": ".", "zh": "。", "el": "·"}
EXTRA = {"en": " of the city", "es": " y los demás", "tr": " ve diğerleri", "zh": " 之后", "el": " και άλλα"}


@pytest.fixture(scope="module")
def xquad_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("xquad-root")
    (root / "xquad").symlink_to(shared_path("data", "xquad"))
    return root


def _planted(docs) -> dict[str, list[str]]:
    """Per question: the gold, gold + a sentence end, gold + extra words, and
    a wrong answer (the next question's gold: often shares words, so F1 varies)."""
    lang = docs[0]["lang"]
    golds = [doc["answers"][0] for doc in docs]
    return {
        "gold": golds,
        "trailing": [g + TRAILING[lang] for g in golds],
        "extra": [g + EXTRA[lang] for g in golds],
        "wrong": golds[1:] + golds[:1],
    }


@pytest.mark.parametrize("lang", LANGS)
def test_real_xquad_equals_squad_v11_transcription(xquad_root, monkeypatch, lang):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(xquad_root))
    docs = list(xquad.load(lang, "test"))
    assert len(docs) == 1190
    # No gold answer normalises to "" (which SQuAD's EM would match with an empty prediction).
    assert all(squad_normalize(g) for doc in docs for g in doc["answers"])
    means = {}
    for kind, predictions in _planted(docs).items():
        got = [TASK.process_results(doc, [p]) for doc, p in zip(docs, predictions)]
        assert [r["exact_match"] for r in got] == [squad_em(p, d["answers"]) for d, p in zip(docs, predictions)]
        assert [r["f1"] for r in got] == pytest.approx([squad_f1(p, d["answers"]) for d, p in zip(docs, predictions)])
        means[kind] = {m: statistics.mean(r[m] for r in got) for m in ("exact_match", "f1", "exact_match_mlqa", "f1_mlqa")}
    assert means["gold"] == {"exact_match": 100.0, "f1": 100.0, "exact_match_mlqa": 100.0, "f1_mlqa": 100.0}
    if TRAILING[lang] in string.punctuation:
        # "." is ASCII: SQuAD removes it, so EM stays 100.
        assert means["trailing"]["exact_match"] == 100.0
    else:
        # 。 / · stay glued to the last token: EM 0 everywhere; MLQA removes them: EM 100.
        assert means["trailing"]["exact_match"] == 0.0 and means["trailing"]["exact_match_mlqa"] == 100.0
    assert means["extra"]["exact_match"] == 0.0 and 0.0 < means["extra"]["f1"] < 100.0
    assert 0.0 < means["wrong"]["f1"] < 50.0
    if lang == "zh":
        # Chinese: MLQA's per-character F1 is higher on every inexact kind: a
        # near-miss shares characters, while SQuAD's whitespace tokens are whole
        # phrases that share nothing unless they match exactly.
        for kind in ("trailing", "extra", "wrong"):
            assert means[kind]["f1_mlqa"] > means[kind]["f1"], kind


def _hand_trailing_f1(gold: str) -> float:
    """gold + "。" under SQuAD, gold with n whitespace tokens after normalising:
    the last token now carries 。 and differs, so n - 1 are shared and
    P = R = (n - 1) / n. Unless the gold ends in an English article ("... wir
    heben an" in one zh answer): the article goes on both sides (。 is not a
    word character, so "an。" still has a word boundary) and 。 is a token of
    its own: n shared, P = n / (n + 1), R = 1, F1 = 2n / (2n + 1)."""
    n = len(squad_normalize(gold).split())
    if gold.lower().split()[-1] in ("a", "an", "the"):
        return 100.0 * 2 * n / (2 * n + 1)
    return 100.0 * (n - 1) / n


def test_zh_trailing_full_stop_by_hand(xquad_root, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(xquad_root))
    docs = list(xquad.load("zh", "test"))
    got = [TASK.process_results(doc, [doc["answers"][0] + "。"]) for doc in docs]
    assert [r["f1"] for r in got] == pytest.approx([_hand_trailing_f1(doc["answers"][0]) for doc in docs])
    assert {r["f1_mlqa"] for r in got} == {100.0}  # MLQA drops 。


def test_zh_gold_plus_two_context_characters(xquad_root, monkeypatch):
    """The issue's measurement: every zh prediction = gold + the next two
    characters of the context (answer_start from the release file itself).
    SQuAD v1.1 F1 about 51.1 (whitespace tokens: the extension usually glues
    onto the answer's last token), MLQA-style about 88.7 (two extra characters
    on a gold of m characters: P = m / (m + 2), R = 1)."""
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(xquad_root))
    release = json.loads((xquad_root / "xquad" / "xquad.zh.json").read_text(encoding="utf-8"))
    extended = {}
    for article in release["data"]:
        for paragraph in article["paragraphs"]:
            for question in paragraph["qas"]:
                answer = question["answers"][0]
                start = answer["answer_start"]
                extended[question["id"]] = paragraph["context"][start:start + len(answer["text"]) + 2]
    docs = list(xquad.load("zh", "test"))
    assert len(docs) == len(extended) == 1190
    got = [TASK.process_results(doc, [extended[doc["id"]]]) for doc in docs]
    squad = statistics.mean(r["f1"] for r in got)
    mlqa = statistics.mean(r["f1_mlqa"] for r in got)
    assert squad == pytest.approx(statistics.mean(squad_f1(extended[d["id"]], d["answers"]) for d in docs))
    assert squad == pytest.approx(51.1, abs=0.05)
    assert mlqa == pytest.approx(88.7, abs=0.05)


def test_every_row_says_where_it_came_from(xquad_root, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(xquad_root))
    for split in ("test", "heldout"):
        sources = set(xquad.load("tr", split)["data_source"])
        assert sources == {f"xquad:tr:{split}|local:{xquad_root / 'xquad' / 'xquad.tr.json'}"}
