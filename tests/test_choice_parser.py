"""Choice parsing for XCOPA and XNLI: one case per rule of
xtransfer_bench/metrics/choice.py, each expectation derived by hand from the
rule (comments), and a planted corpus scored through the tasks' own
process_results (tasks/xcopa/utils.py, tasks/xnli/utils.py) whose accuracy
and unparsed share are counted by hand."""

import importlib.util
import statistics

import pytest

from xtransfer_bench import prompts
from xtransfer_bench.metrics import choice
from xtransfer_bench.task_files import TASKS_DIR

OPTIONS = ["It was fragile.", "It was small."]


def _task_utils(benchmark: str):
    spec = importlib.util.spec_from_file_location(f"{benchmark}_task_utils", TASKS_DIR / benchmark / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- XCOPA ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        # Rule 1, numbers: a digit 1..n standing alone, wherever it stands.
        ("2", 1), ("1.", 0), ("Choice 1.", 0), ("The answer is 2.", 1), ("**2**", 1), ("I would pick 2 here", 1),
        # Rule 1, letters: in parentheses, opening the answer, or after choice/option/alternative.
        ("(b)", 1), ("B.", 1), ("b", 1), ("Option A", 0), ("Option: (b)", 1),
        # Rule 1, option text, case and punctuation aside, alone or inside prose.
        ("it was FRAGILE", 0), ("I think it was small, since it fit in the box.", 1),
        # Rule 2: (a) and the text of option 1 name the same choice.
        ("Answer: (a) It was fragile.", 0),
        # Rule 3: two different choices named -> unparsed, not the first one.
        ("1 or 2", None), ("Both 1 and 2 are plausible.", None), ("1/2", None), ("It was fragile or it was small", None),
        # Rule 4: a negated mention -> unparsed (not read as the other choice either).
        ("Not 2", None), ("The answer is not 1.", None), ("It wasn't (a)", None),
        # ...but a clause end separates: "No." is its own clause, 2 is named plainly.
        ("No. 2", 1),
        # Rule 5: nothing named. 3 is no option; "A" opening a sentence is the article.
        ("", None), ("   ", None), (None, None), ("3", None), ("A bird sang.", None), ("It was not small", None),
    ],
)
def test_numbered_choice_rules(response, expected):
    assert choice.parse_numbered_choice(response, OPTIONS) == expected


def test_digits_and_letters_inside_an_option_text_are_part_of_it():
    options = ["He had 2 dogs.", "He had a cat."]
    # "1." names option 1 and its text names option 1 again; the 2 inside the text is not a mention.
    assert choice.parse_numbered_choice("1. He had 2 dogs.", options) == 0
    # The "a" of "a cat" is inside option 2's text, not the letter (a).
    assert choice.parse_numbered_choice("He had a cat", options) == 1
    # Outside the text, the 2 names option 2 next to option 1's text: two choices.
    assert choice.parse_numbered_choice("2, he had 2 dogs", options) is None


def test_an_option_inside_a_longer_option_is_not_named_twice():
    options = ["It was small.", "It was small and red."]
    # Option 1's text occurs inside option 2's; the longer occurrence is the mention.
    assert choice.parse_numbered_choice("It was small and red.", options) == 1
    assert choice.parse_numbered_choice("It was small.", options) == 0


def test_chinese_option_text_inside_prose():
    options = ["它很脆弱。", "它很小。"]
    # No spaces in Chinese: the option's text is found inside the answer's characters.
    assert choice.parse_numbered_choice("我认为它很小。", options) == 1
    assert choice.parse_numbered_choice("它很脆弱或它很小", options) is None  # both named


# --- XNLI -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        # Rule 1: label stems and the label words.
        ("Entailment.", 0), ("  NEUTRAL", 1), ("The answer is: contradiction", 2),
        ("The premise entails the hypothesis.", 0), ("It contradicts it.", 2),
        # Rule 1: "neither" names neutral (the prompt: "entails ..., contradicts it, or neither").
        ("Neither.", 1), ("neither", 1),
        # Rule 2: the same label twice is one label.
        ("Contradiction: the premise contradicts the hypothesis.", 2),
        # Rule 3: two labels -> unparsed. The old parser read the earliest label:
        # "Entailment or contradiction" as entailment, "Neutral, not a contradiction." as neutral.
        ("Entailment or contradiction", None), ("Neutral, not a contradiction.", None),
        ("Neither entailment nor contradiction", None),  # names all three
        # Rule 4: a negated label -> unparsed (the old parser read the first as entailment).
        ("It does not entail the hypothesis", None), ("not a contradiction", None), ("non-entailment", None),
        ("It doesn't entail it.", None), ("It can’t be entailed", None),
        # ...within three words and the same clause only.
        ("No, it is a contradiction", 2),
        # Rule 5: nothing named.
        ("", None), (None, None), ("yes", None), ("I am not sure", None),
    ],
)
def test_label_rules(response, expected):
    assert choice.parse_label(response) == expected


def test_the_label_words_are_the_prompts():
    # The parser reads the words the prompt asks for, in label id order.
    assert [choice.parse_label(label) for label in prompts.NLI_LABELS] == [0, 1, 2]
    assert "neither" in prompts.NLI_SYSTEM and "neither" in choice.NLI_WORDS


# --- Planted corpora through the tasks' process_results --------------------------------

COPA_CORPUS = [  # (answer, gold label): outcome
    ("2", 1),                        # right
    ("Choice 1.", 0),                # right
    ("(b)", 0),                      # parsed as 1: wrong
    ("1 or 2", 0),                   # unparsed
    ("It was small.", 1),            # right
    ("Not 2", 0),                    # unparsed (not read as 1)
    ("I think it was fragile, since it broke.", 0),  # right
    ("3", 1),                        # unparsed
    ("**1**", 1),                    # parsed as 0: wrong
    ("Both 1 and 2 are plausible", 1),  # unparsed
    ("B.", 1),                       # right
]
# Right: 5 of 11 -> acc 500/11 = 45.45; unparsed: 4 of 11 -> 400/11 = 36.36; 2 parsed but wrong.

NLI_CORPUS = [
    ("Entailment.", 0),                          # right
    ("Neither.", 1),                             # right
    ("It does not entail the hypothesis", 2),    # unparsed
    ("Entailment or contradiction", 2),          # unparsed
    ("The answer is: contradiction", 2),         # right
    ("neutral", 0),                              # parsed as 1: wrong
    ("No, it is a contradiction", 2),            # right
    ("yes", 0),                                  # unparsed
    ("not a contradiction", 1),                  # unparsed
    ("The premise entails the hypothesis.", 0),  # right
]
# Right: 5 of 10 -> acc 50; unparsed: 4 of 10 -> 40; 1 parsed but wrong.


def test_planted_xcopa_corpus():
    utils = _task_utils("xcopa")
    results = [
        utils.process_results({"choice1": OPTIONS[0], "choice2": OPTIONS[1], "label": gold,
                               "data_source": "xcopa:tr:test|local:x"}, [answer])
        for answer, gold in COPA_CORPUS
    ]
    assert statistics.mean(r["acc"] for r in results) == pytest.approx(500 / 11)
    assert statistics.mean(r["unparsed"] for r in results) == pytest.approx(400 / 11)
    assert utils.signature([r["acc_signature"] for r in results]) == "choice_acc|parser:strict|v1"
    assert utils.signature([r["unparsed_signature"] for r in results]) == "choice_unparsed|parser:strict|v1"
    assert utils.signature([r["data_source"] for r in results]) == "xcopa:tr:test|local:x"


def test_planted_xnli_corpus():
    utils = _task_utils("xnli")
    results = [
        utils.process_results({"label": gold, "data_source": "xnli:sw:test|hub:facebook/xnli@main:sw"}, [answer])
        for answer, gold in NLI_CORPUS
    ]
    assert statistics.mean(r["acc"] for r in results) == pytest.approx(50.0)
    assert statistics.mean(r["unparsed"] for r in results) == pytest.approx(40.0)
    assert {r["acc_signature"] for r in results} == {"choice_acc|parser:strict|v1"}
    assert {r["unparsed_signature"] for r in results} == {"choice_unparsed|parser:strict|v1"}
