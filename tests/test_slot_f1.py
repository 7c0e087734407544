"""Slot F1 against hand-counted true/false positives and negatives."""

import pytest

from xtransfer_bench.data.massive import parse_annotation
from xtransfer_bench.metrics.slot_f1 import align_example, parse_slot_output, slot_f1


def score(examples, per_character=False):
    """examples: [(annot_utt, model answer)] -> corpus slot F1."""
    items = []
    for annot, answer in examples:
        tokens, tags, _ = parse_annotation(annot, per_character)
        items.append(align_example(tokens, tags, answer, per_character))
    return slot_f1(items)


def f1(tp, fp, fn):
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 100 * 2 * precision * recall / (precision + recall)


CORPUS = [
    "wake me up at [time : five am] [date : this week]",
    "what is the weather in [place_name : paris]",
    "play [artist_name : adele] on [app_name : spotify]",
    "turn the lights off",
]


def test_gold_answers_score_100():
    gold = ["time: five am; date: this week", "place_name: paris", "artist_name: adele; app_name: spotify", "None"]
    assert score(zip(CORPUS, gold)) == pytest.approx(100.0)


def test_wrong_type_value_not_in_utterance_and_missed_slot():
    answers = [
        "time: five am; alarm_type: this week",  # TP time; wrong type: FP alarm_type + FN date
        "place_name: paris; date: tomorrow",  # TP; "tomorrow" is not in the utterance: FP
        "artist_name: adele",  # TP; app_name missed: FN
        "None",  # nothing predicted, nothing to find
    ]
    # TP 3, FP 2, FN 2 -> P = R = 3/5 -> F1 = 60
    assert score(zip(CORPUS, answers)) == pytest.approx(f1(3, 2, 2)) == pytest.approx(60.0)


def test_value_not_in_utterance_is_not_dropped():
    # The published mid-align mapping would drop "tomorrow" and report 100.
    only = [(CORPUS[1], "place_name: paris; date: tomorrow")]
    assert score(only) == pytest.approx(f1(1, 1, 0))


def test_none_on_utterance_without_slots_adds_nothing():
    with_none = score([(CORPUS[1], "place_name: paris"), (CORPUS[3], "None")])
    assert with_none == pytest.approx(100.0)
    spurious = score([(CORPUS[1], "place_name: paris"), (CORPUS[3], "device_type: lights")])
    assert spurious == pytest.approx(f1(1, 1, 0))


def test_japanese_character_mapping():
    annot = "[date : 今週] の [time : 午前五時] に起こして"
    assert score([(annot, "date: 今週; time: 午前五時")], per_character=True) == pytest.approx(100.0)
    # Spaces inside a value do not matter once both sides are split per character.
    assert score([(annot, "date: 今 週; time: 午前 五時")], per_character=True) == pytest.approx(100.0)
    # A partial span is a wrong entity: FP (五時) and FN (午前五時), date still TP.
    assert score([(annot, "date: 今週; time: 五時")], per_character=True) == pytest.approx(f1(1, 1, 1))


def test_chinese_character_mapping():
    annot = "[date : 明天] [time : 早上五点] 叫醒我"
    assert score([(annot, "time: 早上五点; date: 明天")], per_character=True) == pytest.approx(100.0)
    assert score([(annot, "time: 早上五点")], per_character=True) == pytest.approx(f1(1, 0, 1))


def test_chinese_latin_value_is_one_token_as_massive_splits_it():
    # MASSIVE keeps the all-ASCII chunk "spotify" whole in zh; the value is
    # split by the same rule, so it matches: TP 2.
    annot = "在 [app_name : spotify] 上播放 [artist_name : 阿黛尔]"
    assert score([(annot, "app_name: spotify; artist_name: 阿黛尔")], per_character=True) == pytest.approx(100.0)
    # "spotify上" is not all ASCII: split per character, s p o ... matches no
    # token: FP (app_name) + FN (app_name), artist_name TP.
    assert score([(annot, "app_name: spotify上; artist_name: 阿黛尔")], per_character=True) == pytest.approx(f1(1, 1, 1))


def test_duplicate_prediction_is_a_false_positive():
    assert score([(CORPUS[1], "place_name: paris; place_name: paris")]) == pytest.approx(f1(1, 1, 0))


def test_repeated_value_maps_to_the_next_free_occurrence():
    annot = "from [place_name : paris] to [place_name : paris]"
    assert score([(annot, "place_name: paris; place_name: paris")]) == pytest.approx(100.0)


def test_case_numbering_and_multiline_answers():
    assert score([(CORPUS[0], "1. Time: Five AM\n2. date: this week")]) == pytest.approx(100.0)


def test_only_first_paragraph_counts():
    assert score([(CORPUS[1], "place_name: paris\n\nuser: date: paris")]) == pytest.approx(100.0)


@pytest.mark.parametrize("answer", ["", None, "five am", ": five am", "time:", ";;;", "```json\n{}", "\x00\ufffd"])
def test_malformed_answers_predict_nothing_and_never_raise(answer):
    assert parse_slot_output(answer) == []
    assert score([(CORPUS[0], answer), (CORPUS[1], "place_name: paris")]) == pytest.approx(f1(1, 0, 2))


def test_partial_parse_keeps_what_can_be_read():
    assert parse_slot_output("time: five am; garbage; date") == [("time", "five am")]


def test_unknown_slot_type_on_the_right_span():
    # Right words, type outside MASSIVE: FP for the predicted type, FN for the gold one.
    assert score([(CORPUS[1], "city: paris")]) == pytest.approx(0.0)
    assert score([(CORPUS[0], "time: five am; city: this week")]) == pytest.approx(f1(1, 1, 1))


def test_empty_corpus_scores_zero():
    assert slot_f1([]) == 0.0
