"""XQuAD, XCOPA and XNLI: loaders on real data, metrics, answer parsing, CL-ICP
demonstrations, and the tasks through the real lm_eval CLI (offline, tiny model).

Real XQuAD and XCOPA come from ../shared/data; XNLI, English COPA and SQuAD
train from our fixtures (no offline copy exists)."""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import shared_path
from xtransfer_bench import demonstrations, languages, prompts, task_files
from xtransfer_bench.data import DataNotFoundError, xcopa, xnli, xquad
from xtransfer_bench.fixtures import link_clicp_data
from xtransfer_bench.metrics import choice, protocols

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
# The metric rules, protocol by protocol, and the acceptance test on real XQuAD
# (all five languages) are in test_squad_protocol.py.


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
        # Names two labels (one negated): unparsed since issue 16, no longer neutral
        # (rules and cases in test_choice_parser.py).
        ("Neutral, not a contradiction.", None), ("", None), (None, None), ("yes", None),
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


def test_rows_say_which_files_they_came_from(real_data):
    """data_source names the file read; our own fixtures (English COPA, XNLI,
    SQuAD train) are marked, the real release files linked from ../shared are not."""
    tr = real_data / "xcopa" / "data" / "tr" / "val.tr.jsonl"
    assert set(xcopa.load("tr", "validation")["data_source"]) == {f"xcopa:tr:validation|local:{tr}"}
    en = real_data / "xcopa" / "data" / "en" / "test.en.jsonl"
    assert set(xcopa.load("en", "test")["data_source"]) == {f"fixtures:xcopa:en:test|local:{en}"}
    sw = real_data / "xnli" / "sw" / "test.jsonl"
    assert set(xnli.load("sw", "test")["data_source"]) == {f"fixtures:xnli:sw:test|local:{sw}"}
    squad = real_data / "squad" / "train-v1.1.json"
    assert set(xquad.load("en", "train")["data_source"]) == {f"fixtures:squad-v1.1:en:train|local:{squad}"}
    # XQuAD's folds come from the same file, under their own split names.
    zh = real_data / "xquad" / "xquad.zh.json"
    assert set(xquad.load("zh", "train")["data_source"]) == {f"xquad:zh:train|local:{zh}"}


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

GROUPS = {"xquad": ["exact_match", "f1", "exact_match_mlqa", "f1_mlqa"], "xcopa": ["acc", "unparsed"],
          "xnli": ["acc", "unparsed"]}


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


def test_results_carry_signatures_and_data_sources(cli_run, data_root):
    _, results = cli_run
    scores = results["results"]
    for benchmark, metrics in GROUPS.items():
        for lang in SETS[benchmark].all:
            task = scores[f"xtransfer_{benchmark}_{lang}"]
            for metric in metrics:
                assert task[f"{metric}_signature,none"] == protocols.signature(benchmark, metric)
            assert results["configs"][f"xtransfer_{benchmark}_{lang}"]["metadata"]["version"] == 2.0
    # Real files read through the data root; XNLI and English COPA from our fixtures, marked as such.
    assert scores["xtransfer_xquad_zh"]["data_source,none"] == f"xquad:zh:test|local:{data_root / 'xquad' / 'xquad.zh.json'}"
    copa_tr = data_root / "xcopa" / "data" / "tr" / "test.tr.jsonl"
    assert scores["xtransfer_xcopa_tr"]["data_source,none"] == f"xcopa:tr:test|local:{copa_tr}"
    assert scores["xtransfer_xcopa_en"]["data_source,none"].startswith("fixtures:xcopa:en:test|local:")
    assert scores["xtransfer_xnli_sw"]["data_source,none"].startswith("fixtures:xnli:sw:test|local:")


def test_scores_recompute_from_logged_samples(cli_run):
    out, results = cli_run
    for task, metric in [("xtransfer_xquad_zh", "f1"), ("xtransfer_xcopa_qu", "acc"), ("xtransfer_xnli_el", "acc")]:
        logged = samples(out, task)
        assert len(logged) == 2
        assert results["results"][task][f"{metric},none"] == pytest.approx(statistics.mean(row[metric] for row in logged))
    for row in samples(out, "xtransfer_xcopa_qu"):  # the metric reads the logged response
        parsed = choice.parse_numbered_choice(row["resps"][0][0], [row["doc"]["choice1"], row["doc"]["choice2"]])
        assert row["acc"] == choice.accuracy_item(parsed, row["doc"]["label"])
        assert row["unparsed"] == (100.0 if parsed is None else 0.0)


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
        assert doc["data_source"] == "xquad:zh:test|hub:google/xquad@main:xquad.zh"
        train = xquad.load("en", "train")[0]
        assert train["article"] == "Paris"
        assert train["data_source"] == "squad-v1.1:en:train|hub:rajpurkar/squad@main:plain_text"
    finally:
        xquad._squad_dev_titles.cache_clear()
    sw = xcopa.load("sw", "validation")[0]
    assert sw["target"] == "2"
    assert sw["data_source"] == "xcopa:sw:validation|hub:cambridgeltl/xcopa@refs/convert/parquet:sw"
    en_train = xcopa.load("en", "train")[0]
    assert en_train["label"] == 1
    assert en_train["data_source"] == "xcopa:en:train|hub:aps/super_glue@refs/convert/parquet:copa"
    english = xcopa.load("en", "test")
    assert english["idx"] == [0, 1] and english["label"] == [0, 1]  # sorted by COPA id, 0-based
    assert english["data_source"] == ["xcopa:en:test|hub:pkavumba/balanced-copa@main"] * 2
    el = xnli.load("el", "validation")[0]
    assert el["target"] == "contradiction"
    assert el["data_source"] == "xnli:el:validation|hub:facebook/xnli@main:el"
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
    # Gold answers score 100 under both protocols, whatever their punctuation.
    scores = score("xtransfer_xquad_zh", squad)
    assert {m: scores[m] for m in GROUPS["xquad"]} == {m: pytest.approx(100.0) for m in GROUPS["xquad"]}
    assert scores["f1_signature"] == "squad_v1.1|f1|refs:all|v1"
    copa = xcopa.load("sw")
    answers = tmp_path / "xcopa_sw.txt"
    # Every third answer wrong: accuracy counted here, not by the metric code.
    lines = [str(label + 1) if i % 3 else str(2 - label) for i, label in enumerate(copa["label"])]
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = 100 * sum(1 for i in range(len(lines)) if i % 3) / len(lines)
    scores = score("xtransfer_xcopa_sw", answers)
    assert scores["acc"] == pytest.approx(expected) and scores["unparsed"] == 0.0  # every line is a digit
