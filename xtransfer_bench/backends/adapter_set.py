"""The `adapters=` model argument shared by the multi-adapter backends.

`adapters=sft:/ckpt/sft;aligned:/ckpt/aligned;hub:user/repo` names each
adapter. lm-eval splits `--model_args` on commas and on the first "=", so
the list uses ";" between adapters and ":" between name and path (a path may
contain ":" after the first one). The base model without adapter is `base`.

Two adapter kinds are served: LoRA (a merged task + alignment adapter is an
ordinary LoRA folder, see xtransfer_bench.trainers.merge) and PEFT prompt tuning
(soft prompts). Everything that can be checked without loading the model is
checked here, so a bad adapter fails in a second, not after the engine start.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from xtransfer_bench.adapters import SHIFT_FILE, AdapterError, check_adapter, read_shift

BASE = "base"
LORA = "LORA"
PROMPT_TUNING = "PROMPT_TUNING"
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
# Modules served as full copies or vocabulary-sized LoRA: PEFT can train
# them, vLLM's LoRA layers cannot serve them.
_VLLM_UNSERVABLE_TARGETS = {"embed_tokens", "lm_head", "wte", "word_embeddings"}


@dataclass(frozen=True)
class Adapter:
    name: str
    path: str

    def config(self) -> dict:
        file = Path(self.path) / "adapter_config.json"
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}

    @property
    def kind(self) -> str:
        return str(self.config().get("peft_type", LORA))

    @property
    def shift_layers(self) -> tuple[int, int] | None:
        """(L_to, L_back) when trained with CL-ICP's representation shift."""
        return read_shift(self.path)

    @property
    def rank(self) -> int:
        config = self.config()
        return max([int(config.get("r") or 0), *map(int, (config.get("rank_pattern") or {}).values())])

    def fingerprint(self) -> str:
        """sha256 over the adapter's config, weights and shift files (hub ids: the id)."""
        folder = Path(self.path)
        if not folder.is_dir():
            return f"hub:{self.path}"
        digest = hashlib.sha256()
        for file in sorted(p for p in folder.iterdir() if p.name.startswith("adapter_") or p.name == SHIFT_FILE):
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
        return digest.hexdigest()[:16]


def resolve(path: str) -> str:
    """A local folder for `path`: itself, or the hub snapshot of a hub id
    (from the local cache when offline)."""
    if Path(path).expanduser().is_dir():
        return str(Path(path).expanduser())
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(path, allow_patterns=["adapter_*", "*.json"])
    except Exception as error:  # noqa: BLE001 - hub errors come in many classes
        raise AdapterError(f"Adapter {path!r} is neither a local folder nor a reachable hub id ({error}).") from None


def parse_adapters(spec: str | None) -> list[Adapter]:
    if not spec:
        return []
    adapters = []
    for part in str(spec).split(";"):
        if not part.strip():
            continue
        name, sep, path = part.partition(":")
        name, path = name.strip(), path.strip()
        if not sep or not name or not path:
            raise AdapterError(f"Adapter entry {part!r} is not name:path. Write adapters=name1:/path/one;name2:/path/two.")
        if not _NAME.match(name) or name == BASE:
            raise AdapterError(f"Adapter name {name!r}: use letters, digits, '_', '-', '.', and not {BASE!r} (the base model).")
        if name in {a.name for a in adapters}:
            raise AdapterError(f"Adapter name {name!r} is given twice.")
        check_adapter(path)
        adapters.append(Adapter(name, resolve(path)))
    return adapters


SHIFT_MODES = ("auto", "off")


def check_shift_mode(shift: str) -> str:
    if shift not in SHIFT_MODES:
        raise ValueError(f"shift={shift!r}: use auto (apply the representation shift of adapters trained with it) or off.")
    return shift


def check_compatible(
    adapters: list[Adapter], base_model: str, engine: str = "xtransfer-hf", max_lora_rank: int | None = None,
    shift: str = "auto",
) -> None:
    """Refuse, before the engine loads, adapters that cannot serve this base model."""
    for adapter in adapters:
        if engine == "xtransfer-vllm" and check_shift_mode(shift) == "auto" and adapter.shift_layers:
            raise AdapterError(
                f"Adapter {adapter.name!r} was trained with CL-ICP's representation shift (layers "
                f"{adapter.shift_layers}), which needs forward hooks that vLLM does not run. Evaluate it with "
                "--model xtransfer-hf, or pass shift=off to run the soft prompt without the shift."
            )
        config = adapter.config()
        trained_on = config.get("base_model_name_or_path")
        if trained_on and Path(str(trained_on)).name != Path(base_model).name and trained_on != base_model:
            raise AdapterError(
                f"Adapter {adapter.name!r} was trained on {trained_on!r}, not on {base_model!r}. "
                "Evaluate it on its own base model, or pass the matching pretrained=."
            )
        if adapter.kind not in (LORA, PROMPT_TUNING):
            raise AdapterError(
                f"Adapter {adapter.name!r} is {adapter.kind}; {engine} serves LoRA and prompt-tuning adapters. "
                "Evaluate other adapter types through lm_eval --model hf --model_args peft=..."
            )
        if engine == "xtransfer-vllm" and adapter.kind == LORA:
            _check_vllm_lora(adapter, config, max_lora_rank)


def _check_vllm_lora(adapter: Adapter, config: dict, max_lora_rank: int | None) -> None:
    problems = []
    targets = config.get("target_modules") or []
    targets = [targets] if isinstance(targets, str) else targets
    if unservable := sorted(_VLLM_UNSERVABLE_TARGETS & set(targets)):
        problems.append(f"it adapts {', '.join(unservable)}, which vLLM's LoRA layers cannot serve")
    if [m for m in config.get("modules_to_save") or [] if m not in ("classifier", "score")]:
        problems.append(f"it saves full copies of {config['modules_to_save']} (modules_to_save)")
    if config.get("use_dora"):
        problems.append("it is a DoRA adapter")
    if config.get("bias", "none") != "none" or config.get("lora_bias"):
        problems.append("it trains biases")
    if max_lora_rank is not None and adapter.rank > int(max_lora_rank):
        problems.append(f"its rank {adapter.rank} is above max_lora_rank={max_lora_rank}")
    if problems:
        raise AdapterError(
            f"Adapter {adapter.name!r} cannot be served by xtransfer-vllm: {'; '.join(problems)}. "
            "Evaluate it with --model xtransfer-hf (PEFT serves every LoRA variant)."
        )
