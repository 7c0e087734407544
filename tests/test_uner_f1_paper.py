"""UNER `f1_paper` (mid-align's parser, LOC/PER/ORG only) against hand-derived values.

The rules are those of mid-align `scripts/utils.py` parse_3standard_ner_from_json,
transcribed in metrics/uner_f1_paper.py's docstring: the text after the first
`"Results": [`, "]" stripped from its ends; for LOC, PER, ORG every
`"TypeName": "<T>",<whitespace>"Text": "<no double quote>"`. F1 = 2 TP / (2 TP + FP + FN)
over (type, text) multisets, summed over sentences.
"""

import importlib.util

import pytest

from conftest import shared_path
from xtransfer_bench import languages, prompts, task_files
from xtransfer_bench.compare.statistics import EntityF1, full_score, statistic
from xtransfer_bench.data import uner
from xtransfer_bench.metrics import protocols, uner_f1_paper
from xtransfer_bench.metrics.uner_f1 import corpus_f1, parse_entities


def f1(tp, fp, fn):
    return 100.0 * 2 * tp / (2 * tp + fp + fn) if tp else 0.0


PARIS = prompts.uner_target([("LOC", "Paris", 0, 5)])  # the gold answer string
PARIS_ENTITIES = [("LOC", "Paris")]


def paper(target, answer):
    return uner_f1_paper.entity_f1([uner_f1_paper.align_example(target, answer)])


def strict(gold, answer):
    return corpus_f1([(gold, parse_entities(answer))])


def test_gold_answer_reads_as_its_entities():
    assert uner_f1_paper.parse_entities(PARIS) == PARIS_ENTITIES
    assert paper(PARIS, PARIS) == pytest.approx(100.0)


def test_other_types_are_ignored_not_false_positives():
    answer = '"Results": [{"TypeName": "LOC", "Text": "Paris"}, {"TypeName": "MISC", "Text": "French"}]'
    # Paper reads LOC Paris only: TP 1 -> 100. Strict: MISC French is FP 1 -> 66.7.
    assert paper(PARIS, answer) == pytest.approx(100.0)
    assert strict(PARIS_ENTITIES, answer) == pytest.approx(f1(1, 1, 0))


def test_other_types_in_the_gold_answer_are_ignored_too():
    # A hub target with an OTH entity (hr/sr carry OTH): both sides keep PER only.
    target = ('"Results": [{"TypeName": "PER", "Text": "Hank Green", "Start": 3, "End": 13}, '
              '{"TypeName": "OTH", "Text": "Awesome", "Start": 14, "End": 21}]')
    assert uner_f1_paper.parse_entities(target) == [("PER", "Hank Green")]
    # The answer repeats the target: paper TP 1 -> 100. Strict gold (the
    # loader's entities, OTH dropped) against PER + OTH predicted: FP 1 -> 66.7.
    assert paper(target, target) == pytest.approx(100.0)
    assert strict([("PER", "Hank Green")], target) == pytest.approx(f1(1, 1, 0))


def test_type_names_must_be_upper_case():
    answer = '"Results": [{"TypeName": "loc", "Text": "Paris"}]'
    # Paper: no "LOC" -> nothing, FN 1 -> 0. Strict upper-cases: 100.
    assert paper(PARIS, answer) == 0.0
    assert strict(PARIS_ENTITIES, answer) == pytest.approx(100.0)


@pytest.mark.parametrize("answer", [
    '"Results": [{"Text": "Paris", "TypeName": "LOC"}]',  # keys in the other order
    '"Results": [{"TypeName":"LOC", "Text":"Paris"}]',  # no space after the colons
    '"Results": [{"TypeName": "LOC", "Start": 0, "Text": "Paris"}]',  # a key between TypeName and Text
    "\"Results\": [{'TypeName': 'LOC', 'Text': 'Paris'}]",  # single quotes
])
def test_only_ayas_layout_is_read(answer):
    # The pattern does not match: FN 1 -> 0. Strict reads each of them: 100.
    assert paper(PARIS, answer) == 0.0
    assert strict(PARIS_ENTITIES, answer) == pytest.approx(100.0)


@pytest.mark.parametrize("answer", [
    '[{"TypeName": "LOC", "Text": "Paris"}]',  # no "Results" key
    '"Results":[{"TypeName": "LOC", "Text": "Paris"}]',  # no space before "["
    '{"results": [{"TypeName": "LOC", "Text": "Paris"}]}',  # other case
])
def test_results_marker_is_required(answer):
    # No `"Results": [` (the source raises IndexError): nothing, FN 1 -> 0. Strict: 100.
    assert uner_f1_paper.parse_entities(answer) == []
    assert paper(PARIS, answer) == 0.0
    assert strict(PARIS_ENTITIES, answer) == pytest.approx(100.0)


def test_prose_around_the_results_and_missing_offsets_are_fine():
    answer = 'Sure!\n"Results": [{"TypeName": "LOC",\n  "Text": "Paris"}]\nAnything else?'
    # Whitespace (a newline) between the two keys is allowed: TP 1 -> 100 in both.
    assert paper(PARIS, answer) == pytest.approx(100.0)
    assert strict(PARIS_ENTITIES, answer) == pytest.approx(100.0)


def test_only_the_first_results_block_counts():
    # The answer written twice: the text between the first and second marker
    # holds one LOC Paris: TP 1 -> 100. Strict reads two: TP 1, FP 1 -> 66.7.
    assert paper(PARIS, PARIS + " " + PARIS) == pytest.approx(100.0)
    assert strict(PARIS_ENTITIES, PARIS + " " + PARIS) == pytest.approx(f1(1, 1, 0))


def test_text_ends_at_the_first_double_quote_on_both_sides():
    target = prompts.uner_target([("PER", 'Bob "B"', 0, 7)])  # json escapes: "Bob \"B\""
    answer = '"Results": [{"TypeName": "PER", "Text": "Bob \\"C\\""}]'
    # Both read as (PER, 'Bob \\'): TP 1 -> 100. Strict decodes: 'Bob "C"' vs
    # 'Bob "B"': FP 1, FN 1 -> 0.
    assert uner_f1_paper.parse_entities(target) == uner_f1_paper.parse_entities(answer) == [("PER", "Bob \\")]
    assert paper(target, answer) == pytest.approx(100.0)
    assert strict([("PER", 'Bob "B"')], answer) == 0.0


def test_an_object_cut_off_after_its_text_counts():
    answer = '"Results": [{"TypeName": "LOC", "Text": "Paris", "St'
    # The pattern needs nothing after Text: TP 1 -> 100. Strict drops the
    # unfinished object: FN 1 -> 0.
    assert paper(PARIS, answer) == pytest.approx(100.0)
    assert strict(PARIS_ENTITIES, answer) == 0.0


@pytest.mark.parametrize("answer", [None, "", '"Results": []', '"Results": [', "None", "\x00{]["])
def test_empty_or_unreadable_answers_predict_nothing(answer):
    # Nothing predicted: FN 1 -> 0, and no exception.
    assert uner_f1_paper.parse_entities(answer) == []
    assert paper(PARIS, answer) == 0.0


def test_inner_whitespace_and_multisets_as_f1_scores_them():
    # The paper's F1 code is not public: tuples are compared as f1 compares
    # them (whitespace runs collapsed), as multisets. "Hank  Green" = "Hank Green";
    # Paris predicted twice against once: TP 2, FP 1 -> 80.
    target = prompts.uner_target([("PER", "Hank Green", 0, 10), ("LOC", "Paris", 14, 19)])
    answer = ('"Results": [{"TypeName": "PER", "Text": "Hank  Green"}, {"TypeName": "LOC", "Text": "Paris"}, '
              '{"TypeName": "LOC", "Text": "Paris"}]')
    assert paper(target, answer) == pytest.approx(f1(2, 1, 0))


# --- the task: process_results, resampling, real data ------------------------------


def _task_utils():
    spec = importlib.util.spec_from_file_location("uner_task_utils", task_files.TASKS_DIR / "uner" / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _doc(spans):
    return {"target": prompts.uner_target(spans), "entities": [[t, x] for t, x, _, _ in spans],
            "data_source": "uner-v1:planted:test|local:x"}


def test_planted_corpus_through_process_results_and_statistics():
    utils = _task_utils()
    london, ana, acme = ("LOC", "London", 0, 6), ("PER", "Ana", 10, 13), ("ORG", "Acme", 20, 24)
    corpus = [
        # right, plus a MISC: paper TP 2; strict TP 2, FP 1.
        (_doc([london, ana]), '"Results": [{"TypeName": "LOC", "Text": "London"}, {"TypeName": "PER", "Text": "Ana"}, '
                              '{"TypeName": "MISC", "Text": "British"}]'),
        # lower-case type: paper FN 1; strict TP 1.
        (_doc([acme]), '"Results": [{"TypeName": "org", "Text": "Acme"}]'),
        # wrong type: FP 1 + FN 1 in both.
        (_doc([ana]), '"Results": [{"TypeName": "ORG", "Text": "Ana"}]'),
        # bare list: paper FN 1; strict TP 1.
        (_doc([london]), '[{"TypeName": "LOC", "Text": "London"}]'),
        # no entities, none predicted: nothing in either.
        (_doc([]), '"Results": []'),
    ]
    logged = [utils.process_results(doc, [answer]) for doc, answer in corpus]
    assert all(row["f1_paper_signature"] == protocols.signature("uner", "f1_paper") for row in logged)
    assert all(row["f1_signature"] == protocols.signature("uner", "f1") for row in logged)
    assert {row["data_source"] for row in logged} == {"uner-v1:planted:test|local:x"}
    # Paper: TP 2, FP 1, FN 1 + 1 + 1 = 3 -> 4 / 8 = 50.
    # Strict: TP 2 + 1 + 1 = 4, FP 1 + 1 = 2, FN 1 -> 8 / 11 = 72.7.
    expected = {"f1_paper": (f1(2, 1, 3), utils.aggregate_f1_paper, (2, 3, 5)),
                "f1": (f1(4, 2, 1), utils.aggregate_f1, (4, 6, 5))}
    for metric, (value, aggregate, sums) in expected.items():
        items = [row[metric] for row in logged]
        stat = statistic("uner", metric)
        assert isinstance(stat, EntityF1)
        stats = stat.stats(items)
        assert tuple(stats.sum(0)) == sums  # (TP, predicted, gold)
        assert full_score(stat, stats) == pytest.approx(aggregate(items)) == pytest.approx(value)


@pytest.mark.parametrize("lang", languages.benchmark("uner").all)
def test_paper_gold_equals_loader_gold_on_real_data_except_quoted_texts(lang, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(shared_path("data", "uner").parent))
    docs = uner.load(lang)
    differing = 0
    for doc in docs:
        loader = [tuple(e) for e in doc["entities"]]
        read = uner_f1_paper.parse_entities(doc["target"])
        if any('"' in text for _, text in loader):
            differing += 1  # the pattern cuts such texts at the quote
            continue
        # Same multiset (the paper lists LOC, then PER, then ORG).
        assert sorted(read) == sorted(loader), doc["id"]
    assert differing <= len(docs) // 100
    # Gold answers score 100 under the paper protocol.
    assert uner_f1_paper.entity_f1([uner_f1_paper.align_example(d["target"], d["target"]) for d in docs]) == pytest.approx(100.0)
