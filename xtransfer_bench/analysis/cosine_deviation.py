"""Cosine deviation (CL-ICP paper, appendix B.1): how much closer a token is
to tokens of a random sentence in its own language than to tokens of its
translation, per layer.

For a sentence s with translation t and a random other sentence r of s's
language, at layer L: for each token h of s, top10(h, X) is the mean of its
10 highest cosines with the tokens of X (all of them when X is shorter);
deviation = mean over s's tokens of top10(h, r) - top10(h, t), averaged
over sentences. Smaller is better aligned, as the paper reads its figure:
a model whose states cluster by language finds a random same-language
sentence closer than the translation. (The printed formula lost which term
is which; this order gives the paper's reading. Both terms are reported.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

TOP = 10


def top_mean(query: torch.Tensor, query_mask: torch.Tensor, keys: torch.Tensor, key_mask: torch.Tensor,
             top: int = TOP) -> torch.Tensor:
    """[B, Tq, H], [B, Tq], [B, Tk, H], [B, Tk] -> [B]: per sentence, the mean
    over its real query tokens of the mean of their `top` highest cosines
    with the real key tokens."""
    cosine = F.normalize(query.float(), dim=-1) @ F.normalize(keys.float(), dim=-1).transpose(-1, -2)
    cosine = cosine.masked_fill(~key_mask.unsqueeze(1), float("-inf"))
    count = min(top, cosine.shape[-1])
    best = cosine.topk(count, dim=-1).values  # [B, Tq, count], -inf past a short key's length
    per_row = key_mask.sum(-1).clamp(max=top).clamp(min=1).to(best.dtype)  # keys actually averaged
    per_token = best.masked_fill(best == float("-inf"), 0.0).sum(-1) / per_row.unsqueeze(-1)
    weights = query_mask.to(per_token.dtype)
    return (per_token * weights).sum(-1) / weights.sum(-1).clamp(min=1.0)


def derangement(count: int, seed: int = 0) -> list[int]:
    """A seeded permutation with no fixed point: sentence i's random partner."""
    if count < 2:
        raise ValueError("Cosine deviation needs at least two sentences.")
    generator = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(count, generator=generator)
        if not bool((order == torch.arange(count)).any()):
            return order.tolist()


class CosineDeviation:
    """Accumulates per-layer sums over batches of (source, translation, random partner)."""

    def __init__(self):
        self.translation: torch.Tensor | None = None
        self.random: torch.Tensor | None = None
        self.count = 0

    def add(self, source, source_mask, translation, translation_mask, partner, partner_mask) -> None:
        """Each of source/translation/partner: hidden states, a sequence of layers + 1 tensors [B, T, H]."""
        layers = range(1, len(source))  # the input embedding layer is left out, as in the retrieval summary
        to_translation = torch.stack([top_mean(source[i], source_mask, translation[i], translation_mask) for i in layers])
        to_random = torch.stack([top_mean(source[i], source_mask, partner[i], partner_mask) for i in layers])
        if self.translation is None:
            self.translation, self.random = to_translation.sum(-1).cpu(), to_random.sum(-1).cpu()
        else:
            self.translation += to_translation.sum(-1).cpu()
            self.random += to_random.sum(-1).cpu()
        self.count += to_translation.shape[-1]

    def result(self) -> dict[str, list[float]]:
        """Per layer 1..L: translation similarity, random same-language similarity, deviation (random - translation)."""
        translation, random = self.translation / self.count, self.random / self.count
        return {"translation": translation.tolist(), "random": random.tolist(), "deviation": (random - translation).tolist()}
