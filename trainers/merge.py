"""Merge a task adapter and an alignment adapter into one LoRA adapter.

The middle-layer paper combines the task module and the alignment module
with weights (task 0.9 in its experiments; 0.5/0.7/0.9 searched). Both modes
are PEFT's `add_weighted_adapter`; the output is an ordinary PEFT LoRA folder
that every engine serves like any other LoRA.

- exact (PEFT "cat"): the merged update is w_task*s_task*B_task@A_task +
  w_align*s_align*B_align@A_align, exactly; its rank is the sum of the ranks.
- linear (PEFT "linear", what the published code used): A and B are averaged
  separately (each scaled by sqrt(w*s)), so the update (sum sqrt(w_i s_i) B_i)
  @ (sum sqrt(w_i s_i) A_i) carries cross terms B_task@A_align; same rank as
  the inputs, which must be equal.
"""

from __future__ import annotations

import json
from pathlib import Path

from xtransfer_bench.adapters import AdapterError, check_adapter

MODES = {"exact": "cat", "linear": "linear"}


def merge_adapters(
    task_adapter: str,
    align_adapter: str,
    output: str | Path,
    task_weight: float = 0.9,
    align_weight: float | None = None,
    mode: str = "exact",
    base_model: str | None = None,
) -> Path:
    """Write the weighted combination of two LoRA adapters to `output`.
    `align_weight` defaults to 1 - task_weight; the base model defaults to the
    one the task adapter names."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    if mode not in MODES:
        raise ValueError(f"Merge mode {mode!r}: choose one of {', '.join(MODES)}.")
    configs = []
    for adapter in (task_adapter, align_adapter):
        check_adapter(adapter)
        config_file = Path(adapter) / "adapter_config.json"
        config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
        if config and config.get("peft_type", "LORA") != "LORA":
            raise AdapterError(f"{adapter} is a {config['peft_type']} adapter; only LoRA adapters can be merged.")
        configs.append(config)
    bases = {c.get("base_model_name_or_path") for c in configs if c.get("base_model_name_or_path")}
    if len(bases) > 1 and len({Path(b).name for b in bases}) > 1:
        raise AdapterError(f"The adapters were trained on different base models ({', '.join(sorted(bases))}).")
    if mode == "linear" and len({c.get("r") for c in configs}) > 1:
        raise AdapterError(f"linear merging needs equal ranks (got {[c.get('r') for c in configs]}); use mode=exact.")
    base_model = base_model or next(iter(bases), None)
    if not base_model:
        raise AdapterError("The adapters do not name their base model; pass base_model=.")
    weights = [float(task_weight), float(1.0 - task_weight if align_weight is None else align_weight)]

    model = AutoModelForCausalLM.from_pretrained(base_model, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, task_adapter, adapter_name="task")
    model.load_adapter(align_adapter, adapter_name="align")
    model.add_weighted_adapter(["task", "align"], weights, adapter_name="merged", combination_type=MODES[mode])
    model.set_adapter("merged")
    model.delete_adapter("task")
    model.delete_adapter("align")
    output = Path(output)
    model.save_pretrained(output, selected_adapters=["merged"])
    # PEFT saves a non-default adapter in a subfolder named after it.
    nested = output / "merged"
    if nested.is_dir():
        for file in nested.iterdir():
            file.replace(output / file.name)
        nested.rmdir()
    (output / "merge.json").write_text(
        json.dumps({"task": str(task_adapter), "align": str(align_adapter), "weights": weights, "mode": mode}, indent=2) + "\n",
        encoding="utf-8",
    )
    return output
