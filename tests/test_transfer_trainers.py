"""The CL-ICP paper's trainers (FT, TL, MTL, CL-ICP, CL-ICP (S)) on a tiny
model and XCOPA: losses fall, phases and shares of target data are as
configured, demonstrations are seeded, CL-ICP examples carry their labels
and shift spans where the prompt puts them, and the bundled configs carry
table B.2. On SmolLM2: test_shift_on_smollm2.py, test_clicp_on_smollm2.py."""

import json
from pathlib import Path

import pytest
import torch

from xtransfer_bench import prompts
from xtransfer_bench.adapters import SHIFT_FILE
from xtransfer_bench.data import xcopa, xquad
from xtransfer_bench.trainers import steps
from xtransfer_bench.trainers.config import ConfigError, load_config
from xtransfer_bench.trainers.task_data import IGNORE, encode_in_context
from xtransfer_bench.trainers.trainer import prepare, train
from xtransfer_bench.trainers.transfer import transfer_phases

SMALL = dict(task="xcopa", target_langs=["tr"], effective_batch=8, micro_batch=4, max_length=512, eval_steps=5)



@pytest.fixture
def data_env(clicp_data_root, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(clicp_data_root))
    return clicp_data_root


def config(mode: str, tiny_model, out: Path, *overrides: str, **values):
    return load_config(None, list(overrides), mode=mode, model=str(tiny_model), output_dir=str(out), **{**SMALL, **values})


def task_losses(output: Path) -> list[float]:
    history = json.loads((output / "run_record.json").read_text())["log_history"]
    return [row["task_loss"] for row in history if "task_loss" in row]


@pytest.mark.parametrize(
    "mode, overrides",
    [
        ("ft", ["learning_rate=5e-3"]),
        ("tl", ["learning_rate=5e-3"]),
        ("mtl", ["learning_rate=5e-3"]),
        ("mtl", ["tuning=full", "learning_rate=1e-3"]),
        ("clicp", ["learning_rate=0.1"]),
        ("clicp", ["learning_rate=0.1", "shift=true", "shift_layers=[1,2]"]),
    ],
    ids=["ft", "tl", "mtl", "mtl-full", "clicp", "clicp-shift"],
)
def test_each_transfer_trainer_lowers_its_loss(mode, overrides, tiny_model, data_env, tmp_path):
    output = train(config(mode, tiny_model, tmp_path / mode, *overrides, max_steps=10))
    losses = task_losses(output)
    assert len(losses) == 10
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.02, losses
    files = {p.name for p in output.iterdir()}
    if "tuning=full" in overrides:
        assert "model.safetensors" in files and "adapter_config.json" not in files
    elif mode == "clicp":
        adapter = json.loads((output / "adapter_config.json").read_text())
        assert adapter["peft_type"] == "PROMPT_TUNING" and adapter["num_virtual_tokens"] == 10
        shifted = "shift=true" in overrides
        assert (SHIFT_FILE in files) == shifted
        if shifted:
            assert json.loads((output / SHIFT_FILE).read_text()) == {"layer_to": 1, "layer_back": 2}
    else:
        assert json.loads((output / "adapter_config.json").read_text())["peft_type"] == "LORA"


def test_phases_and_target_shares(tiny_model, data_env, tmp_path):
    english = [row["id"] for row in xcopa.load("en", "train")]
    turkish = [row["id"] for row in xcopa.load("tr", "validation")]
    assert len(turkish) == 100

    def ids(mode, **values):
        return [[doc["id"] for doc in phase] for phase in transfer_phases(config(mode, tiny_model, tmp_path, **values))]

    assert ids("ft") == [turkish]
    assert ids("mtl") == [english + turkish]
    assert ids("tl") == [english, turkish]
    tenth, quarter = ids("ft", target_ratio=0.1)[0], ids("ft", target_ratio=0.25)[0]
    assert len(tenth) == 10 and len(quarter) == 25 and set(tenth) < set(quarter)
    assert ids("ft", target_ratio=0.1) == [tenth]  # seeded: the same sample again
    assert ids("ft", target_ratio=0.1, seed=7)[0] != tenth
    assert ids("mtl", target_ratio=0.1) == [english + tenth]  # the dominant language keeps all its data

    # TL's plan: every step of the first phase trains on English, then only Turkish.
    tokenizer_dir = tiny_model
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    _, examples, plan, _, _ = prepare(config("tl", tiny_model, tmp_path, max_epochs=2), tokenizer, 2)
    languages = [{"en" if i < len(english) else "tr" for micro in step[0].micro_batches for i in micro} for step in plan]
    english_steps = 2 * -(-len(english) // SMALL["effective_batch"])
    assert all(langs == {"en"} for langs in languages[:english_steps])
    assert all(langs == {"tr"} for langs in languages[english_steps:])
    assert len(plan) == english_steps + 2 * -(-len(turkish) // SMALL["effective_batch"])


def test_clicp_demonstrations_are_seeded_and_never_the_item(tiny_model, data_env, tmp_path):
    def drawn(**values):
        (phase,) = transfer_phases(config("clicp", tiny_model, tmp_path, **values))
        return phase

    first, again, other_seed = drawn(), drawn(), drawn(seed=1)
    demo_ids = [[d["id"] for d in doc["demonstrations"]] for doc in first]
    assert demo_ids == [[d["id"] for d in doc["demonstrations"]] for doc in again]
    assert demo_ids != [[d["id"] for d in doc["demonstrations"]] for doc in other_seed]
    assert all(len(ids) == 3 for ids in demo_ids)
    for doc in first:
        parallel = [d["parallel_id"] for d in doc["demonstrations"]]
        assert doc["parallel_id"] not in parallel and len(set(parallel)) == 3
    languages = {d["lang"] for doc in first for d in doc["demonstrations"]}
    assert languages == {"en", "tr"}  # mixed: both pools
    target_only = drawn(demonstrations="target", num_demonstrations=2)
    assert {d["lang"] for doc in target_only for d in doc["demonstrations"]} == {"tr"}
    # With 10% of the Turkish data, Turkish demonstrations come from that 10% only.
    share = drawn(target_ratio=0.1, demonstrations="target", num_demonstrations=2)
    pool = {doc["id"] for doc in share}
    assert len(pool) == 10 and all(d["id"] in pool for doc in share for d in doc["demonstrations"])


def test_clicp_example_labels_and_spans(data_env):
    from transformers import AutoTokenizer

    from xtransfer_bench.default_model import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    doc, demo_a, demo_b = xcopa.load("tr", "validation")[0], xcopa.load("en", "train")[1], xcopa.load("tr", "validation")[5]
    example = encode_in_context(tokenizer, "xcopa", doc, [demo_a, demo_b], 1024)
    ids = example["input_ids"]

    def text(mask):
        return tokenizer.decode([i for i, keep in zip(ids, mask) if keep])

    assert text(example["demo_mask"]) == prompts.xcopa_text(demo_a) + prompts.xcopa_text(demo_b)
    assert text(example["target_mask"]) == prompts.xcopa_text(doc)
    labelled = tokenizer.decode([label for label in example["labels"] if label != IGNORE])
    # The last demonstration's answer, then the target's answer and end of turn.
    assert labelled == f" {demo_b['target']}{doc['target']}<|im_end|>\n"
    without = encode_in_context(tokenizer, "xcopa", doc, [demo_a, demo_b], 1024, demo_loss=False)
    assert tokenizer.decode([label for label in without["labels"] if label != IGNORE]) == f"{doc['target']}<|im_end|>\n"
    assert without["input_ids"] == ids
    # Padding keeps the masks with their tokens.
    batch = steps.pad_task([example, without, {**example, **{k: v[:40] for k, v in example.items()}}], 0)
    assert batch["demo_mask"].dtype == torch.bool and batch["demo_mask"][2, 40:].sum() == 0
    assert batch["target_mask"][0].sum() == sum(example["target_mask"])


def test_in_context_spans_parse_the_prompt_layout():
    doc = {"premise": "P0", "question": "effect", "choice1": "a", "choice2": "b", "target": "1"}
    demos = [dict(doc, premise="P1", target="2"), dict(doc, premise="P2", target="1")]
    messages = prompts.xcopa_messages(doc, demos)
    rendered = f"<|im_start|>system\n{messages[0]['content']}<|im_end|>\n<|im_start|>user\n{messages[1]['content']}<|im_end|>\n"
    demo_spans, answer_spans, target = prompts.in_context_spans(rendered)
    assert [rendered[a:b] for a, b in demo_spans] == [prompts.xcopa_text(d) for d in demos]
    assert [rendered[a:b] for a, b in answer_spans] == [" 2", " 1"]
    assert rendered[target[0]:target[1]] == prompts.xcopa_text(doc)
    assert prompts.in_context_spans("no question here") is None
    zero_shot = prompts.in_context_spans(prompts.xquad_messages({"context": "C", "question": "Q"})[1]["content"])
    assert zero_shot[0] == [] and zero_shot[2] == (0, len("Context: C\nQuestion: Q\nAnswer:"))


def test_bundled_configs_carry_table_b2():
    want = {  # appendix B.2: lr, epochs; CL-ICP: epochs, prompt length, demonstrations
        "xquad": {"tl": 1, "mtl": 2, "clicp": (5, 1, 1)},
        "xcopa": {"tl": 3, "mtl": 3, "clicp": (20, 10, 3)},
        "xnli": {"tl": 3, "mtl": 3, "clicp": (20, 10, 3)},
    }
    for task, modes in want.items():
        for mode in ("tl", "mtl"):
            c = load_config(task, [], mode=mode)
            assert (c.task, c.tuning, c.learning_rate, c.max_epochs, c.micro_batch) == (task, "full", 2e-6, modes[mode], 4)
        c = load_config(task, [], mode="clicp")
        assert (c.tuning, c.learning_rate, c.micro_batch) == ("prompt", 1e-3, 4)
        assert (c.max_epochs, c.num_virtual_tokens, c.num_demonstrations) == modes["clicp"]
        assert c.demonstrations == "mixed" and c.demo_loss and not c.shift
        assert load_config(task, ["shift=true"], mode="clicp").shift
    assert load_config("xnli", [], mode="mtl").limit_train_examples == 1000  # "we randomly sample 1000"


def test_bad_transfer_configs_are_refused():
    with pytest.raises(ConfigError, match="target_langs"):
        load_config(None, [], mode="mtl", task="xcopa")
    with pytest.raises(ConfigError, match="target_ratio"):
        load_config(None, ["target_ratio=25"], mode="ft", task="xcopa", target_langs=["tr"])
    with pytest.raises(ConfigError, match="needs mode clicp"):
        load_config(None, ["shift=true"], mode="mtl", task="xcopa", target_langs=["tr"])
    with pytest.raises(ConfigError, match="tuning"):
        load_config(None, ["tuning=qlora"], mode="mtl", task="xcopa", target_langs=["tr"])
    assert load_config(None, [], mode="clicp", task="xcopa", target_langs=["tr"]).tuning == "prompt"
    assert load_config(None, [], mode="mtl", task="xcopa", target_langs=["tr"]).tuning == "lora"


def test_xquad_training_fold_and_heldout_fold(data_env):
    for lang in ("es", "zh"):
        everything, train_fold, heldout = (xquad.load(lang, split) for split in ("test", "train", "heldout"))
        train_articles, heldout_articles = set(train_fold["article"]), set(heldout["article"])
        assert len(train_articles) == len(heldout_articles) == 24 and not train_articles & heldout_articles
        assert len(train_fold) + len(heldout) == len(everything) == 1190
        assert train_articles == set(sorted(set(everything["article"]))[::2])
    assert set(xquad.load("es", "train")["id"]) == set(xquad.load("zh", "train")["id"])  # the same questions
