"""MASSIVE `f1_paper` (mid-align's protocol) against hand-computed values.

Every expected value below is derived by hand from the rules transcribed in
metrics/slot_f1_paper.py's docstring (from alexa/massive create_hf_dataset.py,
convert_to_bio, eval_preds and dannigt/mid-align scripts/eval_massive.py),
with the strict `f1` beside it where the two protocols part. An entity is
(type, first token, last token); F1 = 2 TP / (2 TP + FP + FN).
"""

import importlib.util

import numpy as np
import pytest

from xtransfer_bench import task_files
from xtransfer_bench.compare.statistics import SlotF1, full_score, statistic
from xtransfer_bench.data.massive import parse_annotation
from xtransfer_bench.metrics import protocols, slot_f1, slot_f1_paper


def f1(tp, fp, fn):
    return 100.0 * 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def paper(examples, char_split=False):
    """examples: [(utt, annot_utt, answer)] -> corpus f1_paper."""
    return slot_f1_paper.slot_f1([slot_f1_paper.align_example(u, a, ans, char_split) for u, a, ans in examples])


def strict(examples, char_split=False):
    items = []
    for _, annot, answer in examples:
        tokens, tags, _ = parse_annotation(annot, char_split)
        items.append(slot_f1.align_example(tokens, tags, answer, char_split))
    return slot_f1.slot_f1(items)


WEATHER = ("what is the weather in paris", "what is the weather in [place_name : paris]")
ALARM = ("wake me up at five am this week", "wake me up at [time : five am] [date : this week]")
TWO_DATES = ("wake me up today tomorrow", "wake me up [date : today] [date : tomorrow]")


# --- gold conversion ---------------------------------------------------------------


def test_official_gold_of_a_spaced_language():
    tokens, labels = slot_f1_paper.gold_word_labels(*ALARM, char_split=False)
    assert tokens == ["wake", "me", "up", "at", "five", "am", "this", "week"]
    assert labels == ["Other"] * 4 + ["time", "time", "date", "date"]
    assert slot_f1_paper.convert_to_bio(labels) == ["O"] * 4 + ["B-time", "I-time", "B-date", "I-date"]


def test_adjacent_brackets_of_one_type_are_one_gold_entity():
    # Labels date, date: the second token repeats the previous label -> I-date.
    _, labels = slot_f1_paper.gold_word_labels(*TWO_DATES, char_split=False)
    assert slot_f1_paper.convert_to_bio(labels) == ["O", "O", "O", "B-date", "I-date"]


def test_bracket_glued_to_text_keeps_its_label_running():
    # "john]'s" does not end with "]": it takes the label and does not reset it,
    # so "number" is person too; tokens are utt.split(), "john's" one token.
    tokens, labels = slot_f1_paper.gold_word_labels("what's john's number", "what's [person : john]'s number", False)
    assert tokens == ["what's", "john's", "number"]
    assert labels == ["Other", "person", "person"]


def test_ja_zh_gold_keeps_ascii_chunks_whole_and_they_do_not_close_the_bracket():
    # 在: Other. "spotify]" is all ASCII: one token "spotify", label app_name,
    # label not reset; 上播放 are still app_name; "阿黛尔]": the "]" resets.
    tokens, labels = slot_f1_paper.gold_word_labels(
        "在spotify上播放阿黛尔", "在 [app_name : spotify] 上播放 [artist_name : 阿黛尔]", True
    )
    assert tokens == ["在", "spotify", "上", "播", "放", "阿", "黛", "尔"]
    assert labels == ["Other"] + ["app_name"] * 4 + ["artist_name"] * 3
    # A non-ASCII chunk is split per character even when it holds Latin letters.
    tokens, labels = slot_f1_paper.gold_word_labels("用iPhone打", "用iPhone打", True)
    assert tokens == ["用", "i", "P", "h", "o", "n", "e", "打"] and labels == ["Other"] * 8


def test_locales_split_per_character_are_massives():
    assert [lang for lang in ("en", "de", "ja", "zh", "th") if slot_f1_paper.splits_per_character(lang)] == ["ja", "zh"]


# --- cases that separate the protocols: (f1_paper, f1) ---------------------------


def test_value_not_in_the_utterance_is_dropped():
    # "tomorrow" is no token: mid-align drops it. paper TP 1 -> 100;
    # strict counts it: TP 1, FP 1 -> 66.7.
    case = [(*WEATHER, "place_name: paris; date: tomorrow")]
    assert paper(case) == pytest.approx(100.0)
    assert strict(case) == pytest.approx(f1(1, 1, 0))


def test_value_occurring_twice_is_tagged_twice():
    # Gold: one timer_name (token 1). paper tags both "pasta" tokens (1 and 4):
    # TP 1, FP 1 -> 66.7. strict takes the first free one: TP 1 -> 100.
    case = [("set pasta timer for pasta", "set [timer_name : pasta] timer for pasta", "timer_name: pasta")]
    assert paper(case) == pytest.approx(f1(1, 1, 0))
    assert strict(case) == pytest.approx(100.0)
    # Two gold entities, one answered pair: paper tags both -> TP 2 -> 100;
    # strict places one: TP 1, FN 1 -> 66.7.
    case = [("from paris to paris", "from [place_name : paris] to [place_name : paris]", "place_name: paris")]
    assert paper(case) == pytest.approx(100.0)
    assert strict(case) == pytest.approx(f1(1, 0, 1))


def test_slot_value_without_space_is_dropped():
    # "place_name:paris".split(": ") has one part: dropped. paper FN 1 -> 0; strict 100.
    case = [(*WEATHER, "place_name:paris")]
    assert paper(case) == 0.0
    assert strict(case) == pytest.approx(100.0)


def test_capitalised_type_is_another_type_but_values_match_in_any_case():
    # "Place_name" is kept as written: B-Place_name vs B-place_name, FP 1 + FN 1 -> 0.
    assert paper([(*WEATHER, "Place_name: paris")]) == 0.0
    assert strict([(*WEATHER, "Place_name: paris")]) == pytest.approx(100.0)
    # Values compare lower-cased on both sides: "PARIS" matches "paris" -> 100 in both.
    assert paper([(*WEATHER, "place_name: PARIS")]) == pytest.approx(100.0)
    assert strict([(*WEATHER, "place_name: PARIS")]) == pytest.approx(100.0)


def test_adjacent_same_type_slots_merge_in_gold_and_prediction():
    # Gold (paper): date over tokens 3-4, one entity. Strict gold: (3,3), (4,4).
    # Two pairs -> labels date, date -> one entity (3,4): paper 100; strict 2 TP -> 100.
    assert paper([(*TWO_DATES, "date: today; date: tomorrow")]) == pytest.approx(100.0)
    assert strict([(*TWO_DATES, "date: today; date: tomorrow")]) == pytest.approx(100.0)
    # One pair over both tokens: paper the same entity -> 100; strict one entity
    # (3,4) matching neither gold -> TP 0 -> 0.
    assert paper([(*TWO_DATES, "date: today tomorrow")]) == pytest.approx(100.0)
    assert strict([(*TWO_DATES, "date: today tomorrow")]) == 0.0
    # Only "today": paper (3,3) vs gold (3,4): FP 1, FN 1 -> 0; strict TP 1, FN 1 -> 66.7.
    assert paper([(*TWO_DATES, "date: today")]) == 0.0
    assert strict([(*TWO_DATES, "date: today")]) == pytest.approx(f1(1, 0, 1))


def test_adjacent_pairs_of_one_predicted_type_merge():
    # Both values tagged time -> tokens 4-7 all time -> one entity time(4,7);
    # gold time(4,5), date(6,7): paper TP 0 -> 0.
    # Strict: time(4,5) TP, time(6,7) FP, date FN -> 50.
    case = [(*ALARM, "time: five am; time: this week")]
    assert paper(case) == 0.0
    assert strict(case) == pytest.approx(f1(1, 1, 1))


def test_later_pieces_overwrite_earlier_tags():
    # "five am" tagged time, then overwritten by date: date(4,5) only;
    # gold time(4,5), date(6,7): TP 0 -> 0. Strict: time TP, the second
    # "five am" finds no free tokens -> FP, date FN -> 50.
    case = [(*ALARM, "time: five am; date: five am")]
    assert paper(case) == 0.0
    assert strict(case) == pytest.approx(f1(1, 1, 1))


def test_zh_latin_value_never_matches_an_ascii_chunk():
    # Tokens 打, 开, spotify. list("spotify") = s, p, ...: no token "s" -> dropped:
    # paper FN 1 -> 0. Strict splits the value as MASSIVE does: "spotify" -> 100.
    case = [("打开spotify", "打开 [app_name : spotify]", "app_name: spotify")]
    assert paper(case, char_split=True) == 0.0
    assert strict(case, char_split=True) == pytest.approx(100.0)


def test_zh_official_gold_runs_on_after_an_ascii_chunk():
    # Paper gold app_name = spotify上播放 (tokens 1-4), artist_name 阿黛尔 (5-7).
    # The answer's spotify cannot match (characters); 阿黛尔 matches 5-7:
    # TP 1, FN 1 -> 66.7. Strict gold app_name = spotify (token 1): TP 2 -> 100.
    case = [("在spotify上播放阿黛尔", "在 [app_name : spotify] 上播放 [artist_name : 阿黛尔]", "app_name: spotify; artist_name: 阿黛尔")]
    assert paper(case, char_split=True) == pytest.approx(f1(1, 0, 1))
    assert strict(case, char_split=True) == pytest.approx(100.0)


def test_ja_value_with_a_space_is_dropped():
    # list("午前 五時") holds " ", which no token equals: time dropped.
    # date 今週 matches: TP 1, FN 1 -> 66.7. Strict ignores spaces in ja values: 100.
    case = [("今週の午前五時に起こして", "[date : 今週] の [time : 午前五時] に起こして", "date: 今週; time: 午前 五時")]
    assert paper(case, char_split=True) == pytest.approx(f1(1, 0, 1))
    assert strict(case, char_split=True) == pytest.approx(100.0)


def test_glued_bracket_in_a_spaced_language():
    # Paper gold person = "john's number" (tokens 1-2). "john" is no token ->
    # dropped, FN 1 -> 0; "john's number" matches tokens 1-2 -> 100.
    # Strict gold person = "john" (tokens what's, john, 's, number).
    annot = "what's [person : john]'s number"
    assert paper([("what's john's number", annot, "person: john")]) == 0.0
    assert strict([("what's john's number", annot, "person: john")]) == pytest.approx(100.0)
    assert paper([("what's john's number", annot, "person: john's number")]) == pytest.approx(100.0)
    # Strict: "john's number" is not a token run of its gold -> FP 1, FN 1 -> 0.
    assert strict([("what's john's number", annot, "person: john's number")]) == 0.0


def test_none():
    # " NONE " stripped and lower-cased is "none": nothing predicted. With a
    # right answer on a slotted utterance beside it: TP 1 -> 100 in both.
    lights = ("turn the lights off", "turn the lights off")
    case = [(*WEATHER, "place_name: paris"), (*lights, " NONE ")]
    assert paper(case) == pytest.approx(100.0) and strict(case) == pytest.approx(100.0)
    # "None" where there is a slot: FN 1 -> 0 in both.
    assert paper([(*WEATHER, "None")]) == 0.0 and strict([(*WEATHER, "None")]) == 0.0
    # "none; place_name: paris" is not "none": the piece "none" is dropped
    # (one part), "place_name: paris" is used -> 100 in both.
    assert paper([(*WEATHER, "none; place_name: paris")]) == pytest.approx(100.0)
    assert strict([(*WEATHER, "none; place_name: paris")]) == pytest.approx(100.0)


def test_malformed_pieces():
    # No space after ";": one piece "time: five am;date: this week", three
    # parts on ": " -> dropped: FN 2 -> 0. Strict splits on ";": 100.
    assert paper([(*ALARM, "time: five am;date: this week")]) == 0.0
    assert strict([(*ALARM, "time: five am;date: this week")]) == pytest.approx(100.0)
    # Trailing "; ": the line is stripped to "place_name: paris;", value
    # "paris;" is no token: FN 1 -> 0. Strict: 100.
    assert paper([(*WEATHER, "place_name: paris; ")]) == 0.0
    assert strict([(*WEATHER, "place_name: paris; ")]) == pytest.approx(100.0)
    # Two spaces after ";": the type is " date", another type: time TP,
    # " date" FP, date FN -> 50. Strict strips it: 100.
    assert paper([(*ALARM, "time: five am;  date: this week")]) == pytest.approx(f1(1, 1, 1))
    assert strict([(*ALARM, "time: five am;  date: this week")]) == pytest.approx(100.0)
    # List numbering stays in the type "1. place_name": FP 1, FN 1 -> 0. Strict drops it: 100.
    assert paper([(*WEATHER, "1. place_name: paris")]) == 0.0
    assert strict([(*WEATHER, "1. place_name: paris")]) == pytest.approx(100.0)


def test_only_the_first_line_counts():
    # Line 1 "time: five am" TP; date never read: FN 1 -> 66.7. Strict reads both lines: 100.
    assert paper([(*ALARM, "time: five am\ndate: this week")]) == pytest.approx(f1(1, 0, 1))
    assert strict([(*ALARM, "time: five am\ndate: this week")]) == pytest.approx(100.0)
    # A leading line break leaves an empty first line: nothing predicted -> 0.
    assert paper([(*WEATHER, "\nplace_name: paris")]) == 0.0
    assert paper([(*WEATHER, "place_name: paris\r\ndate: paris")]) == pytest.approx(100.0)


@pytest.mark.parametrize("answer", [None, "", "   ", "place_name:  ; date: x", ": paris", "\x00\ufffd", "; ; ;"])
def test_bad_answers_predict_nothing_and_never_raise(answer):
    # A whitespace-only value ("place_name:  ") made the source raise; here,
    # like every unusable piece, it predicts nothing. ": paris" is a piece
    # with an empty type and value "paris": it tags paris with type "" -> FP 1,
    # FN 1 -> 0 like the others, which predict nothing (FN 1 -> 0).
    assert paper([(*WEATHER, answer)]) == 0.0
    # Beside a right answer: TP 1, FN 1 -> 66.7 (plus FP 1 for ": paris" -> 50).
    expected = f1(1, 1, 1) if answer == ": paris" else f1(1, 0, 1)
    assert paper([(*WEATHER, "place_name: paris"), (*WEATHER, answer)]) == pytest.approx(expected)


def test_prediction_past_the_gold_length_is_cut():
    # utt has 4 tokens, annot_utt gives 3 labels (play, jazz, now). "please"
    # is token 3, past the labels: its tag is cut, nothing predicted -> FN 1 -> 0.
    assert paper([("play jazz now please", "play [genre : jazz] now", "genre: please")]) == 0.0
    assert paper([("play jazz now please", "play [genre : jazz] now", "genre: jazz")]) == pytest.approx(100.0)


# --- the hand-made corpus of issue 16 ----------------------------------------------

CITIES = ["paris", "london", "berlin", "madrid", "rome", "vienna", "prague", "oslo", "lisbon", "dublin",
          "athens", "warsaw", "sofia", "riga"]


def twenty_answers():
    """20 utterances with one slot each: 14 right, 3 of the wrong type, 3 values not verbatim."""
    items = [(f"what is the weather in {c}", f"what is the weather in [place_name : {c}]", f"place_name: {c}") for c in CITIES]
    for artist in ("adele", "queen", "abba"):
        items.append((f"play {artist}", f"play [artist_name : {artist}]", f"song_name: {artist}"))
    for hour, digit in (("five", 5), ("six", 6), ("seven", 7)):
        items.append((f"wake me up at {hour} am", f"wake me up at [time : {hour} am]", f"time: {digit} am"))
    return items


def test_hand_made_corpus_paper_757_strict_700():
    corpus = twenty_answers()
    assert len(corpus) == 20
    # Paper: 14 TP; each wrong type is placed -> FP 1 + FN 1 (3 + 3); each
    # non-verbatim value ("5 am" is not in "five am") is dropped -> FN 1 (3).
    # TP 14, FP 3, FN 6 -> 28 / 37 = 75.68.
    assert paper(corpus) == pytest.approx(f1(14, 3, 6)) == pytest.approx(2800 / 37)
    assert round(paper(corpus), 1) == 75.7
    # Strict: the non-verbatim values are false positives too: TP 14, FP 6,
    # FN 6 -> 28 / 40 = 70.0.
    assert strict(corpus) == pytest.approx(f1(14, 6, 6)) == pytest.approx(70.0)


# --- the task: process_results, signatures, data source, resampling -----------------


def _task_utils():
    spec = importlib.util.spec_from_file_location("massive_task_utils", task_files.TASKS_DIR / "massive" / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _doc(utt, annot, lang="en"):
    from xtransfer_bench.data.massive import prepare_example

    return prepare_example({"id": "1", "utt": utt, "annot_utt": annot}, lang, "massive-1.1:planted:test|local:x")


def test_process_results_logs_both_protocols_with_signatures_and_source():
    utils = _task_utils()
    logged = utils.process_results(_doc(*WEATHER), ["place_name: paris; date: tomorrow"])
    assert logged["f1_paper_signature"] == protocols.signature("massive", "f1_paper")
    assert logged["f1_signature"] == protocols.signature("massive", "f1")
    assert logged["data_source"] == "massive-1.1:planted:test|local:x"
    # f1_paper: "tomorrow" dropped, tags over the 6 tokens; f1: one extra run of tags.
    assert logged["f1_paper"] == (["O"] * 5 + ["B-place_name"], ["O"] * 5 + ["B-place_name"])
    assert logged["f1"][1] == ["O"] * 5 + ["B-place_name", "B-date", "O"]
    assert utils.signature([logged["f1_signature"]] * 3) == protocols.signature("massive", "f1")


def test_statistics_of_both_protocols_sum_to_the_aggregation():
    """`compare` resamples per-item statistics; on the full sample they must
    give the aggregation's value, which is the hand-computed one."""
    utils = _task_utils()
    corpus = twenty_answers() + [("在spotify上播放阿黛尔", "在 [app_name : spotify] 上播放 [artist_name : 阿黛尔]",
                                  "app_name: spotify; artist_name: 阿黛尔")]
    docs = [_doc(utt, annot) for utt, annot, _ in corpus[:-1]] + [_doc(*corpus[-1][:2], lang="zh")]
    logged = [utils.process_results(doc, [answer]) for doc, (_, _, answer) in zip(docs, corpus)]
    # The zh item adds, in the paper protocol, TP 1 (阿黛尔) and FN 1
    # (spotify上播放): TP 15, FP 3, FN 7; strict TP 16 (both), FP 6, FN 6.
    expected = {"f1_paper": f1(15, 3, 7), "f1": f1(16, 6, 6)}
    aggregate = {"f1_paper": utils.aggregate_f1_paper, "f1": utils.aggregate_f1}
    for metric, value in expected.items():
        items = [row[metric] for row in logged]
        stat = statistic("massive", metric)
        assert isinstance(stat, SlotF1)
        stats = stat.stats(items)
        assert full_score(stat, stats) == pytest.approx(aggregate[metric](items)) == pytest.approx(value)
        # Per-item counts add up to the hand counts.
        tp, predicted, gold = stats.sum(0)
        assert (tp, predicted, gold) == ((15, 18, 22) if metric == "f1_paper" else (16, 22, 22))
        assert np.all(stats >= 0)
