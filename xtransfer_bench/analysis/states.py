"""Hidden states of every layer for plain sentences (no chat template, the
tokenizer's own special tokens), one forward pass per batch.

`pooled` keeps the masked mean over each sentence's tokens at every layer
(hidden_states[0] is the input embedding layer), stored as float16 on the
CPU: [layers + 1, sentences, hidden]. `token_states` yields per-token states
of a batch for measures that need tokens (cosine deviation).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


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


def load_model(model_name: str, adapter: str | None = None, device: str | None = None, dtype: str = "auto"):
    """(model, tokenizer, device): the base model, or base + one PEFT adapter
    (LoRA or soft prompt) checked against it first."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from xtransfer_bench.adapters import check_adapter
    from xtransfer_bench.backends.adapter_set import Adapter, check_compatible, resolve

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
    if adapter:
        from peft import PeftModel

        check_adapter(adapter)
        folder = Adapter("adapter", resolve(adapter))
        check_compatible([folder], model_name, engine="xtransfer-hf")
        model = PeftModel.from_pretrained(model, folder.path)
    return model.to(target).eval(), tokenizer, target
