"""CL-ICP's representation shift, CL-ICP (S) (CL-ICP paper, section 5.2):
after layer L_to every token of the target sample x_t moves by
sentpool(H_d) - sentpool(H_t), bringing it towards the demonstrations x_d;
after layer L_back it moves by sentpool(H_t) - sentpool(H_d), computed there,
back towards its own language. sentpool is the mean over the span's tokens.

Forward hooks on the decoder layers do it, in training and at inference.
Which tokens are demonstrations and which are the target is told per batch
(`spans`). Only the prompt's x_t tokens move: generated tokens (and the
answer y_t under teacher forcing) are not part of x_t. Virtual tokens of a
soft prompt come first, so masks are left-padded to the hidden length. vLLM
has no such hooks: shifted models run through the HF engines only.
"""

from __future__ import annotations

import contextlib

import torch

from xtransfer_bench import prompts
from xtransfer_bench.model_layers import decoder_layers


def token_mask(offsets, spans) -> list[bool]:
    """Per token (character offsets from a fast tokenizer): does it overlap
    one of the character spans? Special tokens (empty offsets) never do."""
    return [end > start and any(start < span_end and end > span_start for span_start, span_end in spans)
            for start, end in offsets]


def shift_masks(text: str, offsets) -> tuple[list[bool], list[bool]] | None:
    """(demonstration mask, target mask) of a tokenised in-context prompt, or
    None when it has no demonstrations to shift towards."""
    spans = prompts.in_context_spans(text)
    if spans is None or not spans[0]:
        return None
    demos, _, target = spans
    return token_mask(offsets, demos), token_mask(offsets, [target])


def span_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per row: the mean of the hidden states where mask is true."""
    weights = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class RepresentationShift:
    def __init__(self, model, layer_to: int, layer_back: int):
        count = len(decoder_layers(model))
        if not 1 <= layer_to < layer_back <= count:
            raise ValueError(f"Shift layers need 1 <= L_to < L_back <= {count}; got L_to={layer_to}, L_back={layer_back}.")
        self.model, self.layer_to, self.layer_back = model, layer_to, layer_back
        self.demo_mask: torch.Tensor | None = None
        self.target_mask: torch.Tensor | None = None
        self.last_deltas: dict[int, torch.Tensor] = {}

    @contextlib.contextmanager
    def spans(self, demo_mask: torch.Tensor, target_mask: torch.Tensor):
        """Demonstration and target token masks ([batch, tokens] of the input ids)
        for the forward passes inside this block."""
        if demo_mask.shape != target_mask.shape:
            raise ValueError(f"demo and target masks differ in shape: {tuple(demo_mask.shape)} vs {tuple(target_mask.shape)}")
        if bool((demo_mask.bool() & target_mask.bool()).any()):
            raise ValueError("A token cannot be both demonstration and target.")
        self.demo_mask, self.target_mask = demo_mask.bool(), target_mask.bool()
        try:
            yield self
        finally:
            self.demo_mask = self.target_mask = None

    @contextlib.contextmanager
    def attached(self):
        layers = decoder_layers(self.model)
        handles = [
            layers[self.layer_to - 1].register_forward_hook(self._hook(self.layer_to, towards_demo=True)),
            layers[self.layer_back - 1].register_forward_hook(self._hook(self.layer_back, towards_demo=False)),
        ]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()

    def _hook(self, layer: int, towards_demo: bool):
        def shift(_module, _inputs, output):
            hidden = output[0] if isinstance(output, tuple) else output
            if self.target_mask is None or hidden.shape[1] < self.target_mask.shape[1]:
                return output  # no spans given, or a decoding step after the prompt
            pad = hidden.shape[1] - self.target_mask.shape[1]  # virtual tokens first
            demo = torch.nn.functional.pad(self.demo_mask, (pad, 0)).to(hidden.device)
            target = torch.nn.functional.pad(self.target_mask, (pad, 0)).to(hidden.device)
            delta = span_mean(hidden, demo) - span_mean(hidden, target)
            # Rows without demonstrations or without a target (padding rows) stay as they are.
            delta = delta * (demo.any(1) & target.any(1)).unsqueeze(-1).to(delta.dtype)
            if not towards_demo:
                delta = -delta
            self.last_deltas[layer] = delta.detach()
            shifted = hidden + target.unsqueeze(-1).to(hidden.dtype) * delta.unsqueeze(1)
            return (shifted, *output[1:]) if isinstance(output, tuple) else shifted

        return shift
