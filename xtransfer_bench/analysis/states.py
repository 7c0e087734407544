"""Hidden states of every layer for plain sentences (no chat template, the
tokenizer's own special tokens), one forward pass per batch.

`pooled` keeps the masked mean over each sentence's tokens at every layer
(hidden_states[0] is the input embedding layer), stored as float16 on the
CPU: [layers + 1, sentences, hidden]. `token_states` yields per-token states
of a batch for measures that need tokens (cosine deviation).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import torch

from xtransfer_bench.analysis import AnalysisError


@dataclass
class Encoder:
    model: object
    tokenizer: object
    device: torch.device
    batch_size: int = 16
    max_length: int = 256
    skip_first_token: bool = False  # leave out token 0 (a BOS, or an attention-sink first token)

    @torch.no_grad()
    def batch_states(self, sentences: list[str]) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        """(hidden_states: layers + 1 tensors [B, T, H], real-token mask [B, T])."""
        encoded = self.tokenizer(sentences, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        encoded = {key: value.to(self.device) for key, value in encoded.items()}
        # logits_to_keep=1: the vocabulary projection of every token would cost
        # a fifth of the forward on small models, and only hidden states are used.
        output = self.model(**encoded, output_hidden_states=True, use_cache=False, logits_to_keep=1)
        mask = encoded["attention_mask"].bool()
        if self.skip_first_token:
            first = mask.long().argmax(-1)  # the first real token, under either padding side
            mask = mask.clone()
            mask[torch.arange(mask.shape[0], device=mask.device), first] = False
        hidden = output.hidden_states
        extra = hidden[0].shape[1] - mask.shape[1]  # soft prompt: virtual tokens first, never pooled
        if extra:
            mask = torch.nn.functional.pad(mask, (extra, 0), value=False)
        return hidden, mask

    def pooled(self, sentences: list[str], progress=None) -> torch.Tensor:
        chunks = []
        for start in range(0, len(sentences), self.batch_size):
            hidden, mask = self.batch_states(sentences[start:start + self.batch_size])
            weights = mask.unsqueeze(-1).float()
            stacked = torch.stack([layer.float() for layer in hidden])  # [layers + 1, B, T, H]
            means = (stacked * weights).sum(2) / weights.sum(1).clamp(min=1.0)
            chunks.append(means.to("cpu", torch.float16))
            if progress is not None:
                progress.update(1)
        return torch.cat(chunks, dim=1)


def adapter_names(adapters: list[str] | str | None) -> dict[str, str]:
    """name -> folder or hub id, from "PATH" (named by its folder) or "NAME=PATH" entries."""
    if not adapters:
        return {}
    named: dict[str, str] = {}
    for entry in [adapters] if isinstance(adapters, str) else adapters:
        name, sep, path = entry.partition("=")
        if not sep:
            name, path = Path(entry.rstrip("/")).name or "adapter", entry
        if name in named or name == "base":
            raise AnalysisError(f"Adapter name {name!r} is given twice or is 'base'; name them with NAME=PATH.")
        named[name] = path
    return named


def load_model(model_name: str, adapters: dict[str, str] | None = None, device: str | None = None, dtype: str = "auto"):
    """(model, tokenizer, device): the base model, or base + PEFT adapters
    (LoRAs, any number, switched with set_adapter; or one soft prompt), each
    checked against the base first."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from xtransfer_bench.adapters import check_adapter
    from xtransfer_bench.backends.adapter_set import LORA, Adapter, check_compatible, resolve

    target = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch_dtype = {"auto": torch.bfloat16 if target.type == "cuda" else torch.float32,
                   "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
    tokenizer = AutoTokenizer.from_pretrained(model_name)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    # Right padding: a plain forward numbers positions from 0 including left
    # pads, and PEFT soft prompts ignore position ids altogether.
    tokenizer.padding_side = "right"
    model = AutoModelForCausalLM.from_pretrained(model_name, dtype=torch_dtype)
    folders = []
    for name, path in (adapters or {}).items():
        check_adapter(path)
        folders.append(Adapter(name, resolve(path)))
    check_compatible(folders, model_name, engine="xtransfer-hf")
    if len(folders) > 1 and any(folder.kind != LORA for folder in folders):
        raise AnalysisError("Several adapters are measured side by side only when all are LoRA; "
                            "run align-eval once per soft prompt.")
    if folders:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, folders[0].path, adapter_name=folders[0].name)
        for folder in folders[1:]:
            model.load_adapter(folder.path, adapter_name=folder.name)
    return model.to(target).eval(), tokenizer, target


@contextlib.contextmanager
def active(model, name: str):
    """The base model (name "base": every adapter off) or one adapter, for the block."""
    if name == "base":
        if hasattr(model, "disable_adapter"):
            with model.disable_adapter():
                yield
        else:
            yield
        return
    model.set_adapter(name)
    yield
