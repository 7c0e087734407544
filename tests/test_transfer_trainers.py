"""The CL-ICP paper's trainers (FT, TL, MTL, CL-ICP, CL-ICP (S)) on a tiny
model and XCOPA: losses fall, phases and shares of target data are as
configured, demonstrations are seeded, CL-ICP examples carry their labels
and shift spans where the prompt puts them, the bundled configs carry table
B.2, and xtransfer-hf applies a trained shift exactly as a hand-written
greedy loop does."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import shared_path

from xtransfer_bench import prompts
from xtransfer_bench.adapters import SHIFT_FILE, AdapterError
from xtransfer_bench.backends.adapter_set import Adapter, check_compatible
from xtransfer_bench.data import xcopa, xquad
from xtransfer_bench.fixtures import link_clicp_data
from xtransfer_bench.trainers import steps
from xtransfer_bench.trainers.config import ConfigError, load_config
from xtransfer_bench.trainers.task_data import IGNORE, encode_in_context
from xtransfer_bench.trainers.trainer import prepare, train
from xtransfer_bench.trainers.transfer import transfer_phases

BIN = Path(sys.executable).parent
SMALL = dict(task="xcopa", target_langs=["tr"], effective_batch=8, micro_batch=4, max_length=512, eval_steps=5)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return link_clicp_data(tmp_path_factory.mktemp("clicp-data"), shared_path("data"))


@pytest.fixture
def data_env(data_root, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(data_root))
    return data_root


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


# --- Evaluation with the representation shift ------------------------------------


SHIFT_LAYERS = (4, 20)  # of SmolLM2's 30


@pytest.fixture(scope="module")
def shift_family(tmp_path_factory):
    """SmolLM2 (a random tiny model answers every prompt alike: its output
    hangs on the last tokens, never on the question the shift moves), a
    random soft prompt at the scale of its embeddings, and the same soft
    prompt marked as trained with the shift."""
    from tiny_models import build_soft_prompt

    from xtransfer_bench.default_model import default_model_path

    root = tmp_path_factory.mktemp("shift")
    model = default_model_path()
    plain = build_soft_prompt(model, root / "plain", std=0.05)
    shifted = Path(shutil.copytree(plain, root / "shifted"))
    (shifted / SHIFT_FILE).write_text(json.dumps({"layer_to": SHIFT_LAYERS[0], "layer_back": SHIFT_LAYERS[1]}))
    return {"model": model, "plain": plain, "shifted": shifted}


def greedy_by_hand(model_dir: Path, adapter: Path, context: str, until: list[str], new_tokens: int, shift: bool) -> str:
    """Greedy decoding without a KV cache: every step re-runs the whole
    sequence, shifting the question's prompt tokens (never generated ones)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from xtransfer_bench.shift import RepresentationShift, shift_masks

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32), adapter).eval()
    encoded = tokenizer(context, return_offsets_mapping=True)
    demo, target = shift_masks(context, encoded["offset_mapping"])
    assert any(demo) and any(target)
    ids = list(encoded["input_ids"])
    representation_shift = RepresentationShift(model, *SHIFT_LAYERS)
    for _ in range(new_tokens):
        extra = [False] * (len(ids) - len(demo))
        with torch.no_grad(), representation_shift.attached():
            if shift:
                with representation_shift.spans(torch.tensor([demo + extra]), torch.tensor([target + extra])):
                    logits = model(input_ids=torch.tensor([ids])).logits
            else:
                logits = model(input_ids=torch.tensor([ids])).logits
        ids.append(int(logits[0, -1].argmax()))
    text = tokenizer.decode(ids[len(encoded["input_ids"]):])
    for stop in until:
        text = text.split(stop)[0]
    return text


def test_xtransfer_hf_applies_the_trained_shift_as_by_hand(shift_family, data_root, tmp_path):
    import os

    family = shift_family
    out = tmp_path / "run"
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(data_root), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [str(BIN / "xtransfer-bench"), "eval", "--model", "xtransfer-hf", "--model_args",
         f"pretrained={family['model']},adapters=plain:{family['plain']};shifted:{family['shifted']},include_base=false",
         "--device", "cpu", "--tasks", "xtransfer_xcopa_tr", "--limit", "4", "--batch_size", "4",
         "--apply_chat_template", "--log_samples", "--gen_kwargs", "max_gen_toks=12",
         "--metadata", json.dumps({"demonstrations": "mixed", "num_demonstrations": 3}), "--output_path", str(out)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = {}
    for path in out.rglob("samples_*.jsonl"):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        runs[path.relative_to(out).parts[0]] = rows
    assert set(runs) == {"plain", "shifted"} and all(len(rows) == 4 for rows in runs.values())
    differ = 0
    for name, rows in runs.items():
        for row in rows:
            context, gen_kwargs = row["arguments"]["gen_args_0"]["arg_0"], row["arguments"]["gen_args_0"]["arg_1"]
            want = greedy_by_hand(family["model"], family[name], context, gen_kwargs["until"], 12, shift=name == "shifted")
            assert row["resps"][0][0] == want, (name, row["doc_id"])
    for plain_row, shifted_row in zip(runs["plain"], runs["shifted"]):
        differ += plain_row["resps"][0][0] != shifted_row["resps"][0][0]
    assert differ, "the shift changed no output: the comparison would prove nothing"


def test_vllm_refuses_a_shifted_adapter_unless_shift_is_off(shift_family):
    shifted = Adapter("s", str(shift_family["shifted"]))
    with pytest.raises(AdapterError, match="representation shift.*xtransfer-hf.*shift=off"):
        check_compatible([shifted], str(shift_family["model"]), engine="xtransfer-vllm")
    check_compatible([shifted], str(shift_family["model"]), engine="xtransfer-vllm", shift="off")
    check_compatible([shifted], str(shift_family["model"]), engine="xtransfer-hf")
    assert Adapter("p", str(shift_family["plain"])).fingerprint() != shifted.fingerprint()


# --- A trained CL-ICP soft prompt: the same answers from every engine ----------


@pytest.fixture(scope="module")
def clicp_adapter(data_root, tmp_path_factory):
    """A CL-ICP soft prompt trained on SmolLM2 for a few steps (no shift)."""
    import os

    from xtransfer_bench.default_model import default_model_path

    previous = os.environ.get("XTRANSFER_DATA_DIR")
    os.environ["XTRANSFER_DATA_DIR"] = str(data_root)
    try:
        return train(load_config(
            None, ["learning_rate=1e-2", "target_ratio=0.2"], mode="clicp", model=str(default_model_path()),
            output_dir=str(tmp_path_factory.mktemp("clicp") / "clicp"), task="xcopa", target_langs=["tr"],
            effective_batch=4, micro_batch=2, max_steps=3, max_length=768,
        ))
    finally:
        if previous is None:
            os.environ.pop("XTRANSFER_DATA_DIR")
        else:
            os.environ["XTRANSFER_DATA_DIR"] = previous


def in_context_run(data_root, out: Path, model: str, model_args: str, *extra: str) -> dict:
    import os

    env = dict(os.environ, XTRANSFER_DATA_DIR=str(data_root), HF_HUB_OFFLINE="1")
    command = [str(BIN / "xtransfer-bench"), "eval", "--model", model, "--model_args", model_args,
               "--device", "cpu", "--tasks", "xtransfer_xcopa_tr", "--limit", "4", "--apply_chat_template",
               "--log_samples", "--gen_kwargs", "max_gen_toks=12", "--output_path", str(out),
               "--metadata", json.dumps({"demonstrations": "mixed", "num_demonstrations": 3}), *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    found = {}
    for path in out.rglob("samples_*.jsonl"):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            found[(path.relative_to(out).parts[0], row["doc_id"])] = row["resps"][0][0]
    return found


def test_a_clicp_adapter_answers_alike_in_lm_eval_hf_xtransfer_hf_and_xtransfer_vllm(clicp_adapter, data_root, tmp_path):
    import importlib.util

    from xtransfer_bench.default_model import default_model_path

    model = default_model_path()
    # lm-eval's own hf model, one row at a time (PEFT's soft prompts shift positions under padding).
    want = {doc: text for (_, doc), text in in_context_run(
        data_root, tmp_path / "hf", "hf", f"pretrained={model},peft={clicp_adapter}", "--batch_size", "1").items()}
    base = {doc: text for (name, doc), text in in_context_run(
        data_root, tmp_path / "base", "hf", f"pretrained={model}", "--batch_size", "1").items()}
    assert len(want) == 4 and want != base  # the trained soft prompt changes answers
    ours = in_context_run(data_root, tmp_path / "xhf", "xtransfer-hf",
                          f"pretrained={model},adapters=clicp:{clicp_adapter},include_base=false", "--batch_size", "4")
    assert {doc: text for (_, doc), text in ours.items()} == want
    if importlib.util.find_spec("vllm") is None:
        pytest.skip("vLLM is not installed (make install-vllm); lm-eval hf and xtransfer-hf agree")
    served = in_context_run(data_root, tmp_path / "vllm", "xtransfer-vllm",
                            f"pretrained={model},adapters=clicp:{clicp_adapter},include_base=false,dtype=float32")
    assert {doc: text for (_, doc), text in served.items()} == want


def test_the_smollm2_script_trains_mtl_and_clicp_and_evaluates_both(tmp_path):
    """trainers/transfer_end_to_end.py at its smallest: two steps each, two questions per language."""
    data = shared_path("data")
    done = subprocess.run(
        [sys.executable, "-m", "xtransfer_bench.trainers.transfer_end_to_end", "--data", str(data),
         "--out", str(tmp_path), "--steps", "2", "--limit", "2"],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / "adapters" / "mtl" / "adapter_config.json").read_text())["peft_type"] == "LORA"
    clicp = json.loads((tmp_path / "adapters" / "clicp" / "adapter_config.json").read_text())
    assert clicp["peft_type"] == "PROMPT_TUNING" and clicp["num_virtual_tokens"] == 10
    for run in ("mtl", "clicp"):
        for name in ("base", run):
            (results,) = (tmp_path / "results" / run / name).rglob("results_*.json")
            scores = json.loads(results.read_text())["results"]
            assert set(scores) == {"xtransfer_xcopa_en", "xtransfer_xcopa_tr"}
            assert all(0 <= s["acc,none"] <= 100 for s in scores.values())
    # The CL-ICP run evaluated the in-context variant: three demonstrations before each question.
    (samples,) = (tmp_path / "results" / "clicp" / "clicp").rglob("samples_xtransfer_xcopa_tr_*.jsonl")
    row = json.loads(samples.read_text().splitlines()[0])
    assert len(row["doc"]["demonstration_ids"]) == 3
    assert "XCOPA accuracy per language" in done.stdout
