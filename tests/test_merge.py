"""Merged adapters: the update each mode writes, recomputed from the two
input adapters' own A/B matrices and scalings (PEFT's LoRA rule
delta = scaling * B @ A, scaling = alpha / r)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from xtransfer_bench.adapters import AdapterError
from xtransfer_bench.trainers.merge import merge_adapters


def deltas(folder: Path) -> dict[str, torch.Tensor]:
    """Per adapted module: the weight update scaling * B @ A."""
    config = json.loads((folder / "adapter_config.json").read_text())
    scaling = config["lora_alpha"] / config["r"]
    weights = load_file(str(folder / "adapter_model.safetensors"))
    return {
        key.removesuffix(".lora_A.weight"): scaling * weights[key.replace("lora_A", "lora_B")] @ weights[key]
        for key in weights
        if key.endswith("lora_A.weight")
    }


@pytest.fixture(scope="module")
def two_loras(tiny_model, tmp_path_factory):
    from tiny_models import build_lora

    root = tmp_path_factory.mktemp("merge")
    return build_lora(tiny_model, root / "task", seed=21), build_lora(tiny_model, root / "align", seed=22)


def test_exact_merge_is_the_weighted_sum_of_updates(two_loras, tmp_path):
    task, align = two_loras
    merged = merge_adapters(str(task), str(align), tmp_path / "m", task_weight=0.9, mode="exact")
    want_task, want_align, got = deltas(task), deltas(align), deltas(merged)
    assert set(got) == set(want_task) and len(got) == 14  # 7 module kinds x 2 layers
    for module in got:
        torch.testing.assert_close(got[module], 0.9 * want_task[module] + 0.1 * want_align[module], rtol=1e-5, atol=1e-6)
    assert json.loads((merged / "merge.json").read_text())["weights"] == [0.9, pytest.approx(0.1)]


def test_linear_merge_averages_a_and_b_separately(two_loras, tmp_path):
    task, align = two_loras
    merged = merge_adapters(str(task), str(align), tmp_path / "m", task_weight=0.7, mode="linear")
    config = json.loads((task / "adapter_config.json").read_text())
    scaling = config["lora_alpha"] / config["r"]  # both inputs: r=8, alpha=16
    one, two, got = load_file(str(task / "adapter_model.safetensors")), load_file(str(align / "adapter_model.safetensors")), deltas(merged)
    exact = deltas(merge_adapters(str(task), str(align), tmp_path / "e", task_weight=0.7, mode="exact"))
    for module in got:
        a_key, b_key = f"{module}.lora_A.weight", f"{module}.lora_B.weight"
        w1, w2 = math.sqrt(0.7 * scaling), math.sqrt(0.3 * scaling)
        want = (w1 * one[b_key] + w2 * two[b_key]) @ (w1 * one[a_key] + w2 * two[a_key])
        torch.testing.assert_close(got[module], want, rtol=1e-5, atol=1e-6)
        assert not torch.allclose(got[module], exact[module])  # the cross terms


def test_merge_refuses_soft_prompts_and_mismatched_ranks(two_loras, tmp_path):
    task, _ = two_loras
    soft = tmp_path / "soft"
    soft.mkdir()
    (soft / "adapter_config.json").write_text(json.dumps({"peft_type": "PROMPT_TUNING"}))
    torch_file = soft / "adapter_model.safetensors"
    from safetensors.torch import save_file

    save_file({"prompt_embeddings": torch.zeros(2, 64)}, str(torch_file))
    with pytest.raises(AdapterError, match="only LoRA"):
        merge_adapters(str(task), str(soft), tmp_path / "x")
    wide = tmp_path / "wide"
    wide.mkdir()
    (wide / "adapter_config.json").write_text(json.dumps({**json.loads((task / "adapter_config.json").read_text()), "r": 16}))
    (wide / "adapter_model.safetensors").write_bytes((task / "adapter_model.safetensors").read_bytes())
    with pytest.raises(AdapterError, match="equal ranks"):
        merge_adapters(str(task), str(wide), tmp_path / "y", mode="linear")


def test_merge_command(two_loras, tmp_path):
    task, align = two_loras
    cli = Path(sys.executable).parent / "xtransfer-bench"
    done = subprocess.run([str(cli), "merge", "--task", str(task), "--align", str(align), "--out", str(tmp_path / "m")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "m" / "adapter_config.json").is_file()
    assert json.loads((tmp_path / "m" / "adapter_config.json").read_text())["r"] == 16  # 8 + 8, exact mode
