"""Engine arguments derived without loading a model: vLLM's LoRA rank limit
from the adapters, and what --model auto picks."""

import json

import pytest

from xtransfer_bench.backends.adapter_set import Adapter
from xtransfer_bench.backends.vllm import lora_rank_limit


def adapter(tmp_path, name, config) -> Adapter:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps(config))
    return Adapter(name, str(folder))


@pytest.mark.parametrize(
    "ranks, limit",
    [([8], 8), ([8, 12], 16), ([4, 33], 64), ([300], 320), ([1], 1)],
)
def test_rank_limit_is_the_smallest_vllm_value_that_serves_all(tmp_path, ranks, limit):
    adapters = [adapter(tmp_path, f"a{i}", {"peft_type": "LORA", "r": r}) for i, r in enumerate(ranks)]
    assert lora_rank_limit(adapters) == limit


def test_rank_limit_counts_rank_pattern_and_ignores_soft_prompts(tmp_path):
    adapters = [
        adapter(tmp_path, "lora", {"peft_type": "LORA", "r": 8, "rank_pattern": {"down_proj": 24}}),
        adapter(tmp_path, "soft", {"peft_type": "PROMPT_TUNING", "num_virtual_tokens": 100}),
    ]
    assert lora_rank_limit(adapters) == 32


def test_rank_above_vllm_maximum(tmp_path):
    with pytest.raises(ValueError, match="above vLLM's largest"):
        lora_rank_limit([adapter(tmp_path, "huge", {"peft_type": "LORA", "r": 1024})])


def test_auto_picks_hf_without_a_gpu():
    import torch

    from xtransfer_bench.commands.eval import pick_engine

    assert not torch.cuda.is_available()  # this suite runs on CPU machines
    assert pick_engine() == "xtransfer-hf"
