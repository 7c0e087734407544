"""The middle-layer alignment objective (paper section 3, eq. 1).

Parallel sentences are encoded separately; their hidden states after layer i
are mean-pooled over real tokens; the loss is InfoNCE with in-batch
negatives over cosine similarity / tau. The forward pass stops after layer i:
a hook on that layer raises with its output, so the upper layers never run.
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F

from xtransfer_bench.data import parallel
from xtransfer_bench import model_layers
from xtransfer_bench.model_layers import decoder_layers
from xtransfer_bench.trainers.config import ConfigError

POSITIONS = model_layers.POSITIONS


class _Stop(Exception):
    def __init__(self, hidden: torch.Tensor):
        self.hidden = hidden


def resolve_layer(layer: str | int, num_layers: int) -> int:
    """A hidden_states index 1..num_layers for align_layer (model_layers.resolve_layer)."""
    try:
        return model_layers.resolve_layer(layer, num_layers, "align_layer")
    except model_layers.LayerError as error:
        raise ConfigError(str(error)) from None


def pooled_states(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, layer: int, stop_early: bool = True,
                  skip_first_token: bool = False) -> torch.Tensor:
    """Masked mean of the hidden states after decoder layer `layer` (1-based),
    optionally without each row's first real token (either padding side)."""
    if stop_early:
        def stop(_module, _inputs, output):
            raise _Stop(output[0] if isinstance(output, tuple) else output)

        handle = decoder_layers(model)[layer - 1].register_forward_hook(stop)
        try:
            model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
            raise RuntimeError("the forward pass did not reach the alignment layer")
        except _Stop as stopped:
            hidden = stopped.hidden
        finally:
            handle.remove()
    else:
        hidden = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True, use_cache=False).hidden_states[layer]
    mask = attention_mask.clone()
    if skip_first_token:
        first = attention_mask.int().argmax(dim=1)  # the first 1 of each row
        mask[torch.arange(len(mask), device=mask.device), first] = 0
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def info_nce(source: torch.Tensor, target: torch.Tensor, temperature: float) -> torch.Tensor:
    """Eq. 1: -log softmax over the batch's targets of cos(h_s, h_t) / tau."""
    logits = F.normalize(source.float(), dim=-1) @ F.normalize(target.float(), dim=-1).T / temperature
    return F.cross_entropy(logits, torch.arange(len(source), device=logits.device))


def load_pairs(source: str, langs: list[str], pivot: str = "en") -> dict[str, list[tuple[str, str]]]:
    """Parallel (X, pivot) pairs per language, from Tatoeba or FLORES."""
    if not langs:
        raise ConfigError("Alignment needs at least one language in align_langs.")
    pairs = {}
    for lang in langs:
        if source == "tatoeba":
            if pivot != "en":
                raise ConfigError("Tatoeba pairs are X-English; set align_pivot=en or use align_source=flores.")
            pairs[lang] = parallel.tatoeba_pairs(lang)
        elif source == "flores":
            pairs[lang] = parallel.flores_pairs(lang, pivot)
        elif source == "task":
            # Machine translation aligns on its own training pairs (paper table 1).
            from xtransfer_bench.data import alma

            pairs[lang] = alma.pairs(lang, "train")
        else:
            raise ConfigError(f"align_source {source!r}: use tatoeba, flores, or task (the MT training pairs).")
    return pairs


def split_dev(pairs: dict[str, list], dev_per_language: int, seed: int) -> tuple[dict, dict]:
    rng = random.Random(seed)
    train, dev = {}, {}
    for lang, items in pairs.items():
        items = list(items)
        rng.shuffle(items)
        if len(items) <= dev_per_language:
            raise parallel.ParallelDataError(f"{lang} has {len(items)} parallel pairs; at least {dev_per_language + 1} are needed (dev {dev_per_language}).")
        dev[lang], train[lang] = items[:dev_per_language], items[dev_per_language:]
    return train, dev


def uniform_stream(pairs: dict[str, list], seed: int):
    """Endless pairs with languages drawn uniformly (paper: alignment data are
    re-sampled to an approximately uniform language distribution); each
    language's pairs are reshuffled whenever they run out."""
    rng = random.Random(seed)
    langs = sorted(pairs)
    queues = {lang: [] for lang in langs}
    while True:
        lang = rng.choice(langs)
        if not queues[lang]:
            queues[lang] = list(pairs[lang])
            rng.shuffle(queues[lang])
        yield queues[lang].pop()
