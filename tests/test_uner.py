"""UNER as JSON generation: IOB2 reading, the paper prompt, the tolerant
parser, corpus F1 on the real test sets, and the tasks through lm-eval."""

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import shared_path
from xtransfer_bench import languages, prompts, task_files
from xtransfer_bench.data import DataNotFoundError, uner
from xtransfer_bench.metrics.uner_f1 import corpus_f1, counts, parse_entities

LANGS = languages.benchmark("uner").all
BIN = Path(sys.executable).parent


@pytest.fixture
def local_uner(monkeypatch):
    """Point the loader at the real UNER files in ../shared/data."""
    root = shared_path("data")
    shared_path("data", "uner")
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(root))
    return root


def _sentences(lang: str, split: str = "test") -> list[uner.Sentence]:
    return uner.read_iob2(uner.local_file(shared_path("data", "uner"), lang, split))


def _by_id(lang: str, sent_id: str) -> uner.Sentence:
    return next(s for s in _sentences(lang) if s.id == sent_id)


# --- prompt -----------------------------------------------------------------


def test_prompt_and_answer_are_the_paper_template_with_braces_restored():
    sentence = (
        "Widely considered to be one of the most spectacular waterfalls in the world, the Iguazu Falls "
        "on the border of Argentina and Brazil, are a certainly must see attraction in the area."
    )
    answer = prompts.uner_target([("LOC", "Iguazu Falls", 81, 93), ("LOC", "Argentina", 111, 120), ("LOC", "Brazil", 125, 131)])
    # The paper's text extraction dropped the braces and split the prompt at
    # a page break: compare without braces and whitespace, in two pieces.
    paper = re.sub(r"\s+", "", shared_path("papers", "middle-layer-alignment.txt").read_text(encoding="utf-8"))
    squeeze = lambda text: re.sub(r"[\s{}]+", "", text)  # noqa: E731
    head, _, tail = squeeze(prompts.uner_prompt(sentence)).partition('"LOC","Text":"Iguazu"')
    assert head in paper and '"LOC","Text":"Iguazu"' + tail in paper
    assert squeeze(answer) in paper
    # Offsets are character positions in the sentence, end exclusive.
    for entity_type, text, start, end in prompts.UNER_EXAMPLE_ENTITIES:
        assert prompts.UNER_EXAMPLE_SENTENCE[start:end] == text
    assert sentence[81:93] == "Iguazu Falls" and sentence[125:131] == "Brazil"


def test_target_format_and_messages():
    assert prompts.uner_target([]) == '"Results": []'
    assert prompts.uner_target([("PER", 'Bob "B" Ø', 0, 9)]) == (
        '"Results": [{"TypeName": "PER", "Text": "Bob \\"B\\" Ø", "Start": 0, "End": 9}]'
    )
    messages = prompts.uner_messages("Hi Bob", answer='"Results": []')
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"].endswith("what is the output result? Hi Bob")


# --- IOB2 reading -------------------------------------------------------------


def test_hand_checked_sentences():
    assert _by_id("en", "answers-20080426140040AA4YiX5_ans-0001").spans == [("LOC", "Miramar", 13, 20)]
    assert _by_id("en", "answers-20110101171252AA43jJo_ans-0001").spans == [("PER", "Hank Green", 3, 13)]
    # Chinese: tokens without spaces between them.
    zh = _by_id("zh", "batch-0000-0003")
    assert zh.text == "杜鵑花為溫帶植物，台北雖然在亞熱帶，但冬季的東北季風卻使得杜鵑花在臺大宜然自得。"
    assert zh.spans == [("LOC", "溫帶", 4, 6), ("LOC", "台北", 9, 11), ("LOC", "亞熱帶", 14, 17), ("ORG", "臺大", 33, 35)]
    # Danish: "Jonathan" is tagged I-PER after an O; it opens its own entity.
    assert _by_id("da", "test-285").spans == [
        ("PER", "Tvebak", 18, 24), ("PER", "Jonathan", 28, 36), ("PER", "Astrid Lindgrens", 58, 74),
    ]


def test_oth_is_outside_in_croatian_and_serbian():
    # hr: "Srba" is B-OTH.
    assert _by_id("hr", "set.hr-s300").spans == [("LOC", "Beogradu", 13, 21), ("LOC", "Prištinom", 62, 71), ("LOC", "Kosova", 229, 235)]
    # sr: "Ustava Srbije" and "Rezolucije 1244 Saveta bezbednosti UN" are OTH;
    # the LOC "Srbije" is the later occurrence, found by searching left to right.
    sr = _by_id("sr", "set-s310")
    assert sr.spans == [
        ("LOC", "Kosovo", 45, 51), ("LOC", "Srbije", 175, 181), ("ORG", "SETimes", 196, 203),
        ("PER", "Slobodan Samardžić", 204, 222), ("ORG", "Demokratske stranke Srbije", 249, 275),
    ]
    for lang in ("hr", "sr"):
        assert all(t in prompts.UNER_TYPES for s in _sentences(lang) for t, *_ in s.spans)


def test_every_span_is_its_sentence_text():
    for lang in LANGS:
        for sentence in _sentences(lang):
            for _, text, start, end in sentence.spans:
                assert sentence.text[start:end] == text


def test_unlocatable_token_names_file_and_line(tmp_path):
    path = tmp_path / "xx_test-ud-test.iob2"
    path.write_text("# sent_id = s1\n# text = Hello Oslo\n1\tHello\tO\t-\t-\n2\tBergen\tB-LOC\t-\t-\n\n", encoding="utf-8")
    with pytest.raises(uner.IOB2Error, match=r"xx_test-ud-test.iob2:4: token 'Bergen'"):
        uner.read_iob2(path)


# --- loader -----------------------------------------------------------------


def test_load_local_builds_prompt_target_and_entities(local_uner):
    docs = uner.load("da")
    assert len(docs) == 565
    assert set(docs.column_names) == {"id", "lang", "text", "prompt", "target", "entities", "data_source"}
    # Where the rows came from: the release file read, its treebank and split.
    test_file = local_uner / "uner" / "UNER_Danish-DDT" / "da_ddt-ud-test.iob2"
    assert set(docs["data_source"]) == {f"uner-v1:da_ddt:test|local:{test_file}"}
    doc = next(d for d in docs if d["id"] == "test-285")
    assert doc["prompt"] == prompts.uner_prompt(doc["text"])
    assert doc["entities"] == [["PER", "Tvebak"], ["PER", "Jonathan"], ["PER", "Astrid Lindgrens"]]
    assert parse_entities(doc["target"]) == [tuple(e) for e in doc["entities"]]
    assert json.loads(doc["target"].removeprefix('"Results": '))[2]["Start"] == 58
    assert all("\n" not in d["target"] for d in docs)  # one answer per line in score files
    assert len(uner.load("sv", "train")) == 4303 and len(uner.load("en", "validation")) == 2001


def test_load_errors_say_what_to_do(local_uner, tmp_path, monkeypatch):
    with pytest.raises(DataNotFoundError, match="no English training split"):
        uner.load("en", "train")
    with pytest.raises(ValueError, match="UNER has no German"):
        uner.load("de")
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="has no 'uner/' folder"):
        uner.load("da")
    (tmp_path / "uner").mkdir()
    with pytest.raises(DataNotFoundError, match=r"uner/\*/da_\*-test.iob2"):
        uner.load("da")
    monkeypatch.delenv("XTRANSFER_DATA_DIR")
    # datasets reads HF_HUB_OFFLINE when first imported, which happens before
    # conftest's session fixture sets it: without this, the hub call waits
    # for network timeouts (~20 s) before failing.
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    with pytest.raises(DataNotFoundError, match="aya_collection.*XTRANSFER_DATA_DIR"):
        uner.load("da")


def test_hub_rows_map_to_the_same_fields():
    sentence = "Is Hank Green Awesome?"
    row = {
        "id": 7,
        "inputs": prompts.uner_prompt(sentence),
        "targets": '"Results": [{"TypeName": "PER", "Text": "Hank Green", "Start": 3, "End": 13}, '
        '{"TypeName": "OTH", "Text": "Awesome", "Start": 14, "End": 21}]',
        "language": "eng",
    }
    doc = uner.example_from_hub(row, "en")
    assert doc == {
        "id": "7", "lang": "en", "text": sentence, "prompt": row["inputs"], "target": row["targets"],
        "entities": [["PER", "Hank Green"]],  # OTH is not one of the three asked-for types
    }


def test_hub_rows_name_the_hub_config(monkeypatch):
    import datasets

    monkeypatch.delenv("XTRANSFER_DATA_DIR", raising=False)
    rows = [{"id": 1, "inputs": prompts.uner_prompt("Hej Oslo"), "language": "dan",
             "targets": '"Results": [{"TypeName": "LOC", "Text": "Oslo", "Start": 4, "End": 8}]'},
            {"id": 2, "inputs": "x", "language": "swe", "targets": '"Results": []'}]
    monkeypatch.setattr(uner, "load_from_hub", lambda *args, **kwargs: datasets.Dataset.from_list(rows))
    docs = uner.load("da")
    assert len(docs) == 1 and docs[0]["entities"] == [["LOC", "Oslo"]]
    # The Aya copy (its per-language prompts), not the UNER v1 release files: another test set identity.
    assert docs[0]["data_source"] == "uner-aya:da:test|hub:CohereForAI/aya_collection@main:templated_uner_llm:dan"


# --- parser -------------------------------------------------------------------


@pytest.mark.parametrize(
    "output, expected",
    [
        (None, []),
        ("", []),
        ('"Results": []', []),
        ("I could not find any entities, sorry.", []),
        ("asdf {{ ]] :: 'x \" }", []),
        # The gold format, and plain JSON with or without the outer key.
        ('"Results": [{"TypeName": "LOC", "Text": "Miramar", "Start": 13, "End": 20}]', [("LOC", "Miramar")]),
        ('{"Results": [{"TypeName": "PER", "Text": "Hank Green", "Start": 3, "End": 13}]}', [("PER", "Hank Green")]),
        ('[{"TypeName": "ORG", "Text": "Folha"}, {"TypeName": "per", "Text": " Giovane "}]', [("ORG", "Folha"), ("PER", "Giovane")]),
        # Truncated: the complete object before the cut is kept.
        (
            '"Results": [{"TypeName": "LOC", "Text": "Argentina", "Start": 111, "End": 120}, {"TypeName": "LOC", "Text": "Bra',
            [("LOC", "Argentina")],
        ),
        ('"Results": [{"TypeName": "LOC", "Text": "Argentina", "Start": 111, "En', []),
        # Prose around the JSON.
        (
            'Sure! Here are the entities:\n"Results": [{"TypeName": "PER", "Text": "Jonathan", "Start": 28, "End": 36}]\n'
            "Let me know if you need anything else.",
            [("PER", "Jonathan")],
        ),
        # Single quotes, trailing commas, missing Start/End.
        ("'Results': [{'TypeName': 'ORG', 'Text': 'SETimes', 'Start': 196, 'End': 203}]", [("ORG", "SETimes")]),
        ('"Results": [{"TypeName": "LOC", "Text": "Kosovo", "Start": 45, "End": 51,},]', [("LOC", "Kosovo")]),
        ('"Results": [{"TypeName": "LOC", "Text": "Kosovo"}]', [("LOC", "Kosovo")]),
        # Braces and quotes inside texts; an object without a type or text is skipped.
        ('[{"TypeName": "ORG", "Text": "Brødrene {Løvehjerte}"}, {"Text": "no type"}, {"TypeName": "LOC"}]', [("ORG", "Brødrene {Løvehjerte}")]),
        ('[{"TypeName": "PER", "Text": "Bob \\"B\\" \\u00d8"}]', [("PER", 'Bob "B" Ø')]),
        # Unescaped inner quotes: neither JSON nor Python, read pair by pair.
        ('[{"TypeName": "ORG", "Text": "Folha", "Note": "a "quoted" word"}]', [("ORG", "Folha")]),
    ],
)
def test_parser_is_tolerant_and_never_raises(output, expected):
    assert parse_entities(output) == expected


def test_multisets_and_corpus_micro_f1():
    a = ("PER", "A")
    assert counts([a, a], [a, a, a]) == (2, 1, 0)
    assert counts([a, ("LOC", "B")], [("ORG", "B")]) == (0, 1, 2)
    # Micro F1 sums counts over sentences: TP 1, FP 0, FN 3 -> 40, where a
    # mean of per-sentence F1 would give (100 + 0) / 2 = 50.
    assert corpus_f1([([a], [a]), ([("PER", "B")] * 3, [])]) == pytest.approx(40.0)
    assert corpus_f1([]) == 0.0 and corpus_f1([([], [])]) == 0.0


# --- F1 on the real test sets ------------------------------------------------------


def _f1(tp: int, fp: int, fn: int) -> float:
    return 100.0 * 2 * tp / (2 * tp + fp + fn)


def _score(sentences, predicted_spans) -> float:
    """Through the whole path: answer string -> parser -> corpus F1."""
    pairs = []
    for sentence, spans in zip(sentences, predicted_spans):
        gold = [(t, x) for t, x, _, _ in sentence.spans]
        pairs.append((gold, parse_entities(prompts.uner_target(spans))))
    return corpus_f1(pairs)


@pytest.mark.parametrize("lang", LANGS)
def test_gold_and_perturbed_predictions_on_real_data(lang):
    sentences = _sentences(lang)
    gold_total = sum(len(s.spans) for s in sentences)
    with_entities = sum(1 for s in sentences if s.spans)
    assert gold_total > 0

    assert _score(sentences, [s.spans for s in sentences]) == pytest.approx(100.0)

    # Drop the last entity of every sentence that has one.
    expected = _f1(tp=gold_total - with_entities, fp=0, fn=with_entities)
    assert _score(sentences, [s.spans[:-1] for s in sentences]) == pytest.approx(expected)

    # Append one entity that is in no gold list to every sentence.
    spurious = ("PER", "Zzyzx Nobody", 0, 12)
    expected = _f1(tp=gold_total, fp=len(sentences), fn=0)
    assert _score(sentences, [s.spans + [spurious] for s in sentences]) == pytest.approx(expected)

    # Relabel every LOC as ORG: count matches per sentence by hand.
    relabelled = [[("ORG" if t == "LOC" else t, x, a, b) for t, x, a, b in s.spans] for s in sentences]
    tp = fp = fn = 0
    for sentence, predicted in zip(sentences, relabelled):
        gold = Counter((t, x) for t, x, _, _ in sentence.spans)
        pred = Counter((t, x) for t, x, _, _ in predicted)
        hits = sum(min(n, pred[key]) for key, n in gold.items())
        tp, fp, fn = tp + hits, fp + len(predicted) - hits, fn + len(sentence.spans) - hits
    assert fp > 0  # every language has LOC entities
    assert _score(sentences, relabelled) == pytest.approx(_f1(tp, fp, fn))


# --- lm-eval and score ---------------------------------------------------------------


def test_score_gold_targets_give_100(local_uner, tmp_path):
    from xtransfer_bench.score import score

    targets = [s["target"] for s in uner.load("da")]
    predictions = tmp_path / "gold.txt"
    predictions.write_text("\n".join(targets) + "\n", encoding="utf-8")
    assert score("xtransfer_uner_da", predictions) == {
        "f1_paper": pytest.approx(100.0),
        "f1": pytest.approx(100.0),
        "f1_paper_signature": "uner_entity_f1|protocol:mid-align|types:LOC,ORG,PER|v1",
        "f1_signature": "uner_entity_f1|protocol:strict|types:all|v1",
        "data_source": f"uner-v1:da_ddt:test|local:{local_uner / 'uner' / 'UNER_Danish-DDT' / 'da_ddt-ud-test.iob2'}",
    }


def test_lm_eval_run_reports_every_language_and_group(tiny_model, tmp_path):
    data = shared_path("data", "uner").parent
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(data), HF_HUB_OFFLINE="1")
    command = [
        str(BIN / "lm_eval"), "--model", "hf", "--model_args", f"pretrained={tiny_model}",
        "--include_path", str(task_files.TASKS_DIR), "--tasks", "xtransfer_uner", "--limit", "2",
        "--apply_chat_template", "--gen_kwargs", "max_gen_toks=16", "--device", "cpu",
        "--output_path", str(tmp_path), "--log_samples",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    scores = json.loads(next(tmp_path.rglob("results_*.json")).read_text())["results"]
    for lang in LANGS:
        for metric in ("f1_paper", "f1"):
            assert 0.0 <= scores[f"xtransfer_uner_{lang}"][f"{metric},none"] <= 100.0
        assert scores[f"xtransfer_uner_{lang}"]["f1_paper_signature,none"] == "uner_entity_f1|protocol:mid-align|types:LOC,ORG,PER|v1"
        assert scores[f"xtransfer_uner_{lang}"]["data_source,none"].startswith("uner-v1:")
    for group in ("xtransfer_uner", "xtransfer_uner_supervised", "xtransfer_uner_transfer", "xtransfer_uner_aligned"):
        assert 0.0 <= scores[group]["f1,none"] <= 100.0
        assert 0.0 <= scores[group]["f1_paper,none"] <= 100.0

    logged = [json.loads(line) for line in next(tmp_path.rglob("samples_xtransfer_uner_da_*.jsonl")).read_text().splitlines()]
    assert len(logged) == 2
    first = logged[0]
    prompt = first["arguments"]["gen_args_0"]["arg_0"]
    assert prompt == f"<|im_start|>user\n{prompts.uner_prompt(first['doc']['text'])}<|im_end|>\n<|im_start|>assistant\n"
    # The reported F1 is the corpus F1 of the logged (gold, predicted) pairs.
    pairs = [([tuple(e) for e in row["f1"][0]], [tuple(e) for e in row["f1"][1]]) for row in logged]
    assert scores["xtransfer_uner_da"]["f1,none"] == pytest.approx(corpus_f1(pairs))


def test_inner_whitespace_of_entity_texts_is_collapsed_on_both_sides():
    """Strict f1 compares texts with whitespace runs collapsed: a model that writes
    "New  York" (two spaces) or breaks a line inside a name found the entity."""
    gold = [("LOC", "New York"), ("PER", "Ada Lovelace")]
    answer = '"Results": [{"TypeName": "LOC", "Text": "New  York"}, {"TypeName": "PER", "Text": "Ada\\nLovelace"}]'
    assert parse_entities(answer) == [("LOC", "New York"), ("PER", "Ada Lovelace")]
    assert counts(gold, parse_entities(answer)) == (2, 0, 0)
    assert counts([("LOC", "New  York ")], [("LOC", " New York")]) == (1, 0, 0)
