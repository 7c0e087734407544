"""XQuAD, XCOPA and XNLI: loaders on real data, metrics, answer parsing, CL-ICP
demonstrations, and the tasks through the real lm_eval CLI (offline, tiny model).

Real XQuAD and XCOPA come from ../shared/data; XNLI, English COPA and SQuAD
train from our fixtures (no offline copy exists)."""

import json
import os
import statistics
import string
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from conftest import shared_path
from xtransfer_bench import demonstrations, languages, prompts, task_files
from xtransfer_bench.data import DataNotFoundError, xcopa, xnli, xquad
from xtransfer_bench.fixtures import link_clicp_data
from xtransfer_bench.metrics import choice, qa

BIN = Path(sys.executable).parent
SETS = {name: languages.benchmark(name) for name in ("xquad", "xcopa", "xnli")}


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """An offline data root: links to the real XQuAD and XCOPA files, plus our
    fixtures for XNLI, English COPA and SQuAD train."""
    shared_path("data", "xquad"), shared_path("data", "xcopa", "data")
    return link_clicp_data(tmp_path_factory.mktemp("data-root"), shared_path("data"))


@pytest.fixture
def real_data(data_root, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(data_root))
    return data_root


# --- QA metric ------------------------------------------------------------------


def test_squad_normalisation():
    assert qa.normalize("The  Eiffel Tower!") == "eiffel tower"
    assert qa.normalize("an apple, a pear; the end.") == "apple pear end"
    assert qa.normalize("«Ελλάδα»") == "ελλάδα"  # Unicode punctuation goes too
    assert qa.normalize("「北京」。") == "北京"
    assert qa.normalize("theory") == "theory"  # articles only as whole words
    assert qa.exact_match("the Eiffel Tower.", ["Eiffel tower"]) == 100.0
    assert qa.exact_match("Eiffel", ["Eiffel tower"]) == 0.0


def test_score_is_the_max_over_all_gold_answers():
    assert qa.exact_match("Paris", ["France", "paris"]) == 100.0
    # pred [in, paris, france]; gold 1 [paris]: P 1/3, R 1 -> 50; gold 2 [paris, france]: P 2/3, R 1 -> 80.
    assert qa.f1("in Paris France", ["Paris", "Paris, France"]) == pytest.approx(80.0)
    assert qa.f1("in Paris France", ["Paris"]) == pytest.approx(50.0)


def test_chinese_f1_is_over_characters():
    # 黑 豹 队 vs 黑 豹: P 2/3, R 1 -> F1 0.8.
    assert qa.f1("黑豹队", ["黑豹"], per_character=True) == pytest.approx(80.0)
    assert qa.f1("黑豹队", ["黑豹"]) == 0.0  # whitespace tokens would see two different words
    # Digits stay one token: [136] vs [136, 次]: P 1, R 1/2 -> 2/3.
    assert qa.f1("136", ["136 次"], per_character=True) == pytest.approx(200 / 3)
    assert qa.exact_match("136次", ["136 次"], per_character=True) == 100.0
    assert qa.exact_match("黑豹队。", ["黑豹队"], per_character=True) == 100.0


def test_empty_and_labelled_answers():
    assert qa.f1("", ["Paris"]) == 0.0 and qa.exact_match("", ["Paris"]) == 0.0
    assert qa.extract_answer("Answer: Paris\nBecause it is the capital.") == "Paris"
    assert qa.extract_answer("\n\n  Paris  ") == "Paris"
    assert qa.extract_answer(None) == ""


def _hand_tokens(text: str, per_character: bool) -> list[str]:
    """SQuAD's rules written out again, independently of xtransfer_bench."""
    kept = "".join(c for c in text.lower() if c not in string.punctuation and not unicodedata.category(c).startswith("P"))
    words = [w for w in kept.split() if w not in ("a", "an", "the")]
    if not per_character:
        return words
    out = []
    for word in words:
        run = ""
        for char in word:
            if "\u4e00" <= char <= "\u9fff":
                out += [run] if run else []
                out.append(char)
                run = ""
            else:
                run += char
        out += [run] if run else []
    return out


@pytest.mark.parametrize("lang", SETS["xquad"].all)
def test_xquad_gold_scores_100_and_an_extra_word_scores_by_hand(real_data, lang):
    docs = xquad.load(lang, "test")
    assert len(docs) == 1190
    per_character = languages.get(lang).splits_into_characters
    gold_em, gold_f1, em, f1, expected = [], [], [], [], []
    for doc in docs:
        gold_em += [qa.exact_match(gold, doc["answers"], per_character) for gold in doc["answers"]]
        gold_f1 += [qa.f1(gold, doc["answers"], per_character) for gold in doc["answers"]]
        predicted = doc["answers"][0] + " extra"
        em.append(qa.exact_match(predicted, doc["answers"], per_character))
        f1.append(qa.f1(predicted, doc["answers"], per_character))
        # Every gold token is predicted, plus one: P = n/(n+1), R = 1, F1 = 2n/(2n+1).
        n = len(_hand_tokens(doc["answers"][0], per_character))
        expected.append(100 * 2 * n / (2 * n + 1) if n else 0.0)
    assert set(gold_em) == {100.0} and set(gold_f1) == {100.0}
    assert set(em) == {0.0}
    assert f1 == pytest.approx(expected)
    assert statistics.mean(f1) == pytest.approx(statistics.mean(expected))


def test_xquad_is_parallel_and_keeps_its_articles(real_data):
    en, zh = xquad.load("en"), xquad.load("zh")
    assert en["parallel_id"] == zh["parallel_id"] and en["article"] == zh["article"]
    assert len(set(en["article"])) == 48
    train = xquad.load("en", "train")
    assert train[0]["context"][train[0]["context"].index(train[0]["target"]):].startswith(train[0]["target"])
    # Outside English, "train" is XQuAD's training fold (test_transfer_trainers checks the folds).
    assert set(xquad.load("zh", "train")["article"]) < set(zh["article"])


# --- Choice parsing and accuracy ---------------------------------------------------

OPTIONS = ["It was fragile.", "It was small."]


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("2", 1), ("1.", 0), ("Choice 1.", 0), ("(b)", 1), ("B.", 1), ("b", 1), ("Option A", 0),
        ("The answer is 2.", 1), ("**2**", 1), ("Answer: (a) It was fragile.", 0),
        ("it was FRAGILE", 0), ("I think it was small, since it fit in the box.", 1),
        ("I would pick 2 here", 1),
        ("", None), ("   ", None), (None, None), ("3", None), ("A bird sang.", None),
    ],
)
def test_numbered_choice_parsing(response, expected):
    assert choice.parse_numbered_choice(response, OPTIONS) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Entailment.", 0), ("  NEUTRAL", 1), ("The answer is: contradiction", 2),
        ("The premise entails the hypothesis.", 0), ("It contradicts it.", 2),
        ("Neutral, not a contradiction.", 1), ("", None), (None, None), ("yes", None),
    ],
)
def test_label_parsing(response, expected):
    assert choice.parse_label(response) == expected


def _copa_answer(doc: dict, label: int, form: int) -> str:
    """The answer `label` (0/1) in one of four surface forms."""
    return [str(label + 1), f"Choice {label + 1}.", f"({'ab'[label]})", doc[f"choice{label + 1}"]][form % 4]


@pytest.mark.parametrize("lang", SETS["xcopa"].all)
def test_xcopa_gold_scores_100_and_flipping_every_third_label_counts(real_data, lang):
    docs = xcopa.load(lang, "test")
    assert len(docs) == (4 if lang == "en" else 500)  # English: our fixture

    def accuracy(flip_every: int | None) -> float:
        scores = []
        for i, doc in enumerate(docs):
            label = 1 - doc["label"] if flip_every and i % flip_every == flip_every - 1 else doc["label"]
            predicted = choice.parse_numbered_choice(_copa_answer(doc, label, i), [doc["choice1"], doc["choice2"]])
            scores.append(choice.accuracy_item(predicted, doc["label"]))
        return statistics.mean(scores)

    assert accuracy(None) == 100.0
    kept = sum(1 for i in range(len(docs)) if i % 3 != 2)
    assert accuracy(3) == pytest.approx(100 * kept / len(docs))


def test_xcopa_is_parallel_by_idx(real_data):
    zh, sw = xcopa.load("zh", "validation"), xcopa.load("sw", "validation")
    assert len(zh) == 100 and zh["parallel_id"] == sw["parallel_id"] and zh["label"] == sw["label"]
    assert zh[0]["target"] == str(zh[0]["label"] + 1)
    with pytest.raises(ValueError, match="split"):
        xcopa.load("zh", "train")


@pytest.mark.parametrize("lang", SETS["xnli"].all)
def test_xnli_fixture_gold_and_shifted_labels(fixture_data, lang):
    docs = xnli.load(lang, "test")
    assert [doc["target"] for doc in docs] == list(prompts.NLI_LABELS)
    gold = [choice.accuracy_item(choice.parse_label(f"{doc['target'].title()}."), doc["label"]) for doc in docs]
    assert statistics.mean(gold) == 100.0
    shifted = [prompts.NLI_LABELS[(d["label"] + 1) % 3] if i % 3 == 2 else d["target"] for i, d in enumerate(docs)]
    scores = [choice.accuracy_item(choice.parse_label(text), doc["label"]) for text, doc in zip(shifted, docs)]
    assert statistics.mean(scores) == pytest.approx(100 * 2 / 3)


def test_missing_data_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    for loader in (xquad, xcopa, xnli):
        with pytest.raises(DataNotFoundError, match="XTRANSFER_DATA_DIR"):
            loader.load("zh", "test")


def test_unreachable_hub_names_the_variable(monkeypatch):
    monkeypatch.delenv("XTRANSFER_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match="facebook/xnli.*XTRANSFER_DATA_DIR"):
        xnli.load("sw", "test")


# --- Demonstrations ------------------------------------------------------------------


def _ids(demos: list[dict]) -> list[str]:
    return [demo["id"] for demo in demos]


def test_same_seed_same_demonstrations_in_any_order(real_data):
    docs = list(xcopa.load("zh", "test").select(range(20)))
    pools = demonstrations.pools("xcopa", "zh", "mixed")
    forward = [_ids(demonstrations.select(doc, pools, "mixed", 3, seed=0)) for doc in docs]
    backward = [_ids(demonstrations.select(doc, pools, "mixed", 3, seed=0)) for doc in reversed(docs)]
    assert forward == backward[::-1]
    # Through the task hook, on another subset in another order: the same per item.
    subset = demonstrations.attach_prompts("xcopa", xcopa.load("zh", "test").select([7, 3]), "zh", "mixed", 3, 0)
    assert subset["demonstration_ids"] == [forward[7], forward[3]]


def test_different_seed_different_demonstrations(real_data):
    docs = list(xcopa.load("tr", "test").select(range(20)))
    pools = demonstrations.pools("xcopa", "tr", "target")
    first = [_ids(demonstrations.select(doc, pools, "target", 3, seed=0)) for doc in docs]
    second = [_ids(demonstrations.select(doc, pools, "target", 3, seed=1)) for doc in docs]
    assert all(a != b for a, b in zip(first, second))


def test_requested_languages_and_k(real_data):
    docs = list(xcopa.load("sw", "test").select(range(40)))
    by_mode = {}
    for mode in ("en", "target", "mixed"):
        pools = demonstrations.pools("xcopa", "sw", mode)
        demos = [demonstrations.select(doc, pools, mode, 3) for doc in docs]
        assert all(len(row) == 3 for row in demos)
        by_mode[mode] = {demo["lang"] for row in demos for demo in row}
    assert by_mode == {"en": {"en"}, "target": {"sw"}, "mixed": {"en", "sw"}}
    pools = demonstrations.pools("xcopa", "sw", "target")
    for k in (0, 1, 5):
        assert len(demonstrations.select(docs[0], pools, "target", k)) == k
    assert demonstrations.select(docs[0], pools, "none", 3) == []
    with pytest.raises(ValueError, match="none, en, target, mixed"):
        demonstrations.select(docs[0], pools, "english", 3)


def test_xquad_demonstrations_avoid_the_whole_article(real_data):
    docs = xquad.load("el")
    for mode in ("target", "mixed"):
        pools = demonstrations.pools("xquad", "el", mode)
        for doc in docs:
            (demo,) = demonstrations.select(doc, pools, mode, 1)
            assert demo["article"] != doc["article"] and demo["parallel_id"] != doc["parallel_id"]
            assert demo["lang"] in {"en", "el"}


def test_neither_the_item_nor_its_translations_are_demonstrated(real_data):
    """Pools that hold the test split itself, in two languages: still never the item."""
    zh_test = xcopa.load("zh", "test")
    pools = demonstrations.Pools(en=xcopa.load("tr", "test"), target=zh_test)
    for doc in zh_test.select(range(100)):
        demos = demonstrations.select(doc, pools, "mixed", 10, seed=3)
        parallel = [demo["parallel_id"] for demo in demos]
        assert doc["parallel_id"] not in parallel
        assert len(set(parallel)) == 10  # no demonstration and its translation either
    # A pool of four holding the item: k=3 can only be the other three.
    small = demonstrations.Pools(en=[], target=list(zh_test.select(range(4))))
    for seed in range(10):
        demos = demonstrations.select(zh_test[0], small, "target", 3, seed)
        assert sorted(_ids(demos)) == ["zh-test-1", "zh-test-2", "zh-test-3"]


def test_prompts_hold_demonstrations_before_the_question(real_data):
    docs = xcopa.load("qu", "test").select(range(3))
    with_demos = demonstrations.attach_prompts("xcopa", docs, "qu", "target")  # default k = 3
    plain = demonstrations.attach_prompts("xcopa", docs, "qu")
    for doc, plain_doc in zip(with_demos, plain):
        pools = demonstrations.pools("xcopa", "qu", "target")
        demos = demonstrations.select(doc, pools, "target", 3)
        solved = [f"{prompts.xcopa_text(demo)} {demo['target']}" for demo in demos]
        assert doc["prompt"] == "\n\n".join([*solved, prompts.xcopa_text(doc)])
        assert plain_doc["prompt"] == prompts.xcopa_text(doc) and plain_doc["demonstration_ids"] == []
        assert doc["system"] == plain_doc["system"] == prompts.COPA_SYSTEM
    xquad_docs = demonstrations.attach_prompts("xquad", xquad.load("es").select(range(2)), "es", "mixed")
    assert all(len(ids) == 1 for ids in xquad_docs["demonstration_ids"])  # the paper's k for XQuAD


def test_mixed_xnli_demonstrations_on_fixtures(fixture_data):
    docs = xnli.load("sw", "test")
    pools = demonstrations.pools("xnli", "sw", "mixed")
    for doc in docs:
        demos = demonstrations.select(doc, pools, "mixed", 3)
        assert {demo["lang"] for demo in demos} <= {"en", "sw"}
        assert len({demo["parallel_id"] for demo in demos}) == 3


# --- lm_eval CLI -----------------------------------------------------------------------

GROUPS = {"xquad": ["exact_match", "f1"], "xcopa": ["acc"], "xnli": ["acc"]}


def run_lm_eval(model: Path, data: Path, tasks: str, out: Path, *extra: str) -> dict:
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(data), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    command = [
        str(BIN / "lm_eval"), "--model", "hf", "--model_args", f"pretrained={model}",
        "--include_path", str(task_files.TASKS_DIR), "--tasks", tasks, "--limit", "2",
        "--gen_kwargs", "max_gen_toks=16", "--apply_chat_template", "--device", "cpu",
        "--output_path", str(out), "--log_samples", *extra,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(next(out.rglob("results_*.json")).read_text())


def samples(out: Path, task: str) -> list[dict]:
    path = next(out.rglob(f"samples_{task}_*.jsonl"))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _prompt(row: dict) -> str:
    return row["arguments"]["gen_args_0"]["arg_0"]


@pytest.fixture(scope="module")
def cli_run(tiny_model, data_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("lm-eval-xquad-xcopa-xnli")
    return out, run_lm_eval(tiny_model, data_root, "xtransfer_xquad,xtransfer_xcopa,xtransfer_xnli", out)


def test_results_per_language_and_for_the_groups(cli_run):
    _, results = cli_run
    scores = results["results"]
    for benchmark, metrics in GROUPS.items():
        sets = SETS[benchmark]
        for metric in metrics:
            for lang in sets.all:
                assert 0.0 <= scores[f"xtransfer_{benchmark}_{lang}"][f"{metric},none"] <= 100.0
            for subset, members in [(None, sets.all), *sets.groups().items()]:
                group = scores[task_files.group_name(benchmark, subset)][f"{metric},none"]
                expected = statistics.mean(scores[f"xtransfer_{benchmark}_{lang}"][f"{metric},none"] for lang in members)
                assert group == pytest.approx(expected)


def test_scores_recompute_from_logged_samples(cli_run):
    out, results = cli_run
    for task, metric in [("xtransfer_xquad_zh", "f1"), ("xtransfer_xcopa_qu", "acc"), ("xtransfer_xnli_el", "acc")]:
        logged = samples(out, task)
        assert len(logged) == 2
        assert results["results"][task][f"{metric},none"] == pytest.approx(statistics.mean(row[metric] for row in logged))
    for row in samples(out, "xtransfer_xcopa_qu"):  # the metric reads the logged response
        parsed = choice.parse_numbered_choice(row["resps"][0][0], [row["doc"]["choice1"], row["doc"]["choice2"]])
        assert row["acc"] == choice.accuracy_item(parsed, row["doc"]["label"])


def test_prompt_without_demonstrations(cli_run):
    out, _ = cli_run
    for row in samples(out, "xtransfer_xquad_tr"):
        prompt = _prompt(row)
        assert prompt.startswith(f"<|im_start|>system\n{prompts.QA_SYSTEM}<|im_end|>")
        assert prompt.endswith(f"<|im_start|>user\n{prompts.xquad_text(row['doc'])}<|im_end|>\n<|im_start|>assistant\n")
        assert row["doc"]["demonstration_ids"] == []


def test_mixed_demonstrations_through_metadata(tiny_model, data_root, tmp_path, monkeypatch):
    metadata = json.dumps({"demonstrations": "mixed"})
    run_lm_eval(tiny_model, data_root, "xtransfer_xcopa_sw", tmp_path, "--metadata", metadata)
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(data_root))
    pools = demonstrations.pools("xcopa", "sw", "mixed")
    for row in samples(tmp_path, "xtransfer_xcopa_sw"):
        doc, prompt = row["doc"], _prompt(row)
        demos = demonstrations.select(doc, pools, "mixed", 3, seed=0)
        assert doc["demonstration_ids"] == _ids(demos)
        user = "\n\n".join([*(f"{prompts.xcopa_text(d)} {d['target']}" for d in demos), prompts.xcopa_text(doc)])
        assert prompt.endswith(f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")
        assert prompt.count(prompts.ANSWER_CUE) == 4


def test_a_mostly_excluded_pool_still_gives_k_demonstrations():
    """300 candidates share the question's article, 3 do not: rejection sampling
    gives up and the draw falls back to the eligible list."""
    rows = [{"id": str(i), "parallel_id": str(i), "article": "same" if i < 300 else "other"} for i in range(303)]
    pools = demonstrations.Pools(en=[], target=rows, key="article")
    question = {"id": "q", "parallel_id": "q", "article": "same"}
    for seed in range(5):
        assert sorted(_ids(demonstrations.select(question, pools, "target", 3, seed))) == ["300", "301", "302"]
    with pytest.raises(ValueError, match="fewer than the 4"):
        demonstrations.select(question, pools, "target", 4)


def test_training_messages_end_with_the_answer(fixture_data):
    doc, demo = xnli.load("tr", "test")[0], xnli.load("tr", "train")[0]
    messages = prompts.xnli_messages(doc, [demo], answer=doc["target"])
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[1]["content"] == f"{prompts.xnli_text(demo)} {demo['target']}\n\n{prompts.xnli_text(doc)}"
    assert messages[2]["content"] == "entailment"


def test_hub_ids_configs_and_schemas(monkeypatch):
    """The hub path, offline: load_dataset answers with rows in each hub copy's schema."""
    import datasets

    squad_row = {"id": "q1", "title": "Paris", "context": "Paris is in France.", "question": "Where is Paris?",
                 "answers": {"text": ["France", "in France"], "answer_start": [12, 9]}}
    copa_row = {"premise": "P.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": 1, "idx": 0}
    nli = datasets.Features({"premise": datasets.Value("string"), "hypothesis": datasets.Value("string"),
                             "label": datasets.ClassLabel(names=list(prompts.NLI_LABELS))})
    hub = {
        "google/xquad": [{key: squad_row[key] for key in ("id", "context", "question", "answers")}],
        "rajpurkar/squad": [squad_row],
        "cambridgeltl/xcopa": [copa_row],
        "aps/super_glue": [copa_row],
        "pkavumba/balanced-copa": [  # COPA ids and 1-based labels, one mirrored row
            dict(copa_row, id=502, label=2, mirrored=False), dict(copa_row, id=501, label=1, mirrored=False),
            dict(copa_row, id=1501, label=1, mirrored=True),
        ],
    }
    calls = []

    def load_dataset(path, name=None, split=None, revision=None):
        calls.append((path, name, split, revision))
        if path == "facebook/xnli":
            return datasets.Dataset.from_list([{"premise": "P", "hypothesis": "H", "label": 2}], features=nli)
        return datasets.Dataset.from_list(hub[path])

    monkeypatch.delenv("XTRANSFER_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    xquad._squad_dev_titles.cache_clear()
    try:
        doc = xquad.load("zh")[0]
        assert (doc["article"], doc["answers"], doc["target"]) == ("Paris", ["France", "in France"], "France")
        assert xquad.load("en", "train")[0]["article"] == "Paris"
    finally:
        xquad._squad_dev_titles.cache_clear()
    assert xcopa.load("sw", "validation")[0]["target"] == "2"
    assert xcopa.load("en", "train")[0]["label"] == 1
    english = xcopa.load("en", "test")
    assert english["idx"] == [0, 1] and english["label"] == [0, 1]  # sorted by COPA id, 0-based
    assert xnli.load("el", "validation")[0]["target"] == "contradiction"
    assert calls == [
        ("google/xquad", "xquad.zh", "validation", None),
        ("rajpurkar/squad", "plain_text", "validation", None),
        ("rajpurkar/squad", "plain_text", "train", None),
        ("cambridgeltl/xcopa", "sw", "validation", "refs/convert/parquet"),
        ("aps/super_glue", "copa", "train", "refs/convert/parquet"),
        ("pkavumba/balanced-copa", None, "test", None),
        ("facebook/xnli", "el", "validation", None),
    ]


# --- xtransfer-bench score serves these tasks too ---------------------------------


def test_score_command_on_gold_answers(real_data, tmp_path):
    from xtransfer_bench.score import score

    squad = tmp_path / "xquad_zh.txt"
    squad.write_text("\n".join(xquad.load("zh")["target"]) + "\n", encoding="utf-8")
    assert score("xtransfer_xquad_zh", squad) == {"exact_match": pytest.approx(100.0), "f1": pytest.approx(100.0)}
    copa = xcopa.load("sw")
    answers = tmp_path / "xcopa_sw.txt"
    # Every third answer wrong: accuracy counted here, not by the metric code.
    lines = [str(label + 1) if i % 3 else str(2 - label) for i, label in enumerate(copa["label"])]
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = 100 * sum(1 for i in range(len(lines)) if i % 3) / len(lines)
    assert score("xtransfer_xcopa_sw", answers)["acc"] == pytest.approx(expected)
