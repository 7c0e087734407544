"""Translation retrieval over sentence embeddings, every layer at once.

Given the same N sentences in two languages, a query sentence in the source
language retrieves the target-language sentence it is most similar to; it
is right when that is its translation. Similarity is LASER's ratio margin
(Artetxe and Schwenk, 2019, as in xSIM): the cosine divided by the mean of
the average cosine of the query to its k nearest targets and of the
candidate to its k nearest sources. A "hub" (a sentence close to
everything) thereby loses its pull. `method="cosine"` ranks by plain cosine.

Written by hand because no library does margin retrieval on torch tensors
batched over layers (LASER's xsim works on one FAISS index at a time). One
batched matrix product per unordered language pair serves every layer and
both directions: cosine and margin scores of t->s are the transpose of s->t.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

METHODS = ("margin", "cosine")


def normalise(states: torch.Tensor) -> torch.Tensor:
    """Unit-length rows in float32 (pooled states are stored in float16)."""
    return F.normalize(states.float(), dim=-1)


def scores(source: torch.Tensor, target: torch.Tensor, method: str = "margin", k: int = 4) -> torch.Tensor:
    """[..., N, H] x [..., M, H] unit rows -> [..., N, M] similarity of source i to target j."""
    cosine = source @ target.transpose(-1, -2)
    if method == "cosine":
        return cosine
    if method != "margin":
        raise ValueError(f"Unknown similarity {method!r}; use one of {METHODS}.")
    return _margin(cosine, k)


def _margin(cosine: torch.Tensor, k: int) -> torch.Tensor:
    forward = cosine.topk(min(k, cosine.shape[-1]), dim=-1).values.mean(-1)  # query -> its k nearest targets
    backward = cosine.topk(min(k, cosine.shape[-2]), dim=-2).values.mean(-2)  # candidate -> its k nearest sources
    return cosine / ((forward.unsqueeze(-1) + backward.unsqueeze(-2)) / 2)


def accuracy(similarity: torch.Tensor) -> torch.Tensor:
    """[..., N, N] -> [...] percentage of queries whose best candidate is their translation (row i -> column i)."""
    gold = torch.arange(similarity.shape[-1], device=similarity.device)
    return (similarity.argmax(-1) == gold).float().mean(-1) * 100


def pair_accuracies(
    states: dict[str, torch.Tensor], method: str = "margin", k: int = 4, device: str | torch.device = "cpu",
    progress=None,
) -> dict[tuple[str, str], torch.Tensor]:
    """states[lang]: [layers, N, H] pooled states of the same N sentences.
    Returns {(source, target): [layers] accuracy} for all N(N-1) directed pairs."""
    if method not in METHODS:
        raise ValueError(f"Unknown similarity {method!r}; use one of {METHODS}.")
    langs = list(states)
    counts = {lang: tuple(states[lang].shape[:2]) for lang in langs}
    if len(set(counts.values())) != 1:
        raise ValueError(f"Pooled states differ in layers or sentence count across languages: {counts}.")
    unit = {lang: normalise(states[lang].to(device)) for lang in langs}
    results = {}
    for a, b in itertools.combinations(langs, 2):
        similarity = unit[a] @ unit[b].transpose(-1, -2)  # [layers, N, N]: rows a, columns b
        if method == "margin":
            # The margin is symmetric: score(b_j -> a_i) = score(a_i -> b_j). One
            # matrix serves both directions, with each side's k-NN means computed once.
            similarity = _margin(similarity, k)
        results[(a, b)] = accuracy(similarity).cpu()
        results[(b, a)] = accuracy(similarity.transpose(-1, -2)).cpu()
        if progress is not None:
            progress.update(1)
    return results
