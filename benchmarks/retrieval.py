"""Batched margin retrieval (xtransfer_bench.analysis.retrieval) against a
straightforward implementation on the same pooled states: one directed
language pair and one layer at a time, in NumPy, normalising and computing
the cosine matrix for each direction anew.

    python benchmarks/retrieval.py                       # 10 languages x 997 sentences x 31 layers x 576
    python benchmarks/retrieval.py --langs 5 --sentences 200

Random float16 states of SmolLM2's shape stand in for real ones (the cost
does not depend on the values); both implementations must agree exactly on
every accuracy (the same count of right answers), which the script checks
before it reports the ratio.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch

from xtransfer_bench.analysis import retrieval


def straightforward(states: dict[str, np.ndarray], k: int = 4) -> dict[tuple[str, str], list[float]]:
    results = {}
    for source, target in itertools.permutations(states, 2):
        per_layer = []
        for layer in range(states[source].shape[0]):
            x = states[source][layer].astype(np.float32)
            y = states[target][layer].astype(np.float32)
            x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
            y = y / np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-12)
            cosine = x @ y.T
            forward = np.sort(cosine, axis=1)[:, ::-1][:, :k].mean(1)
            backward = np.sort(cosine, axis=0)[::-1, :][:k, :].mean(0)
            margin = cosine / ((forward[:, None] + backward[None, :]) / 2)
            per_layer.append(float((margin.argmax(1) == np.arange(len(x))).mean() * 100))
        results[(source, target)] = per_layer
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langs", type=int, default=10)
    parser.add_argument("--sentences", type=int, default=997)
    parser.add_argument("--layers", type=int, default=31)
    parser.add_argument("--hidden", type=int, default=576)
    args = parser.parse_args()

    generator = torch.Generator().manual_seed(0)
    shared = torch.randn(args.layers, args.sentences, args.hidden, generator=generator)
    # Translations share a component, so accuracies are neither 0 nor 100.
    states = {f"l{i}": (shared + 3.0 * torch.randn(shared.shape, generator=generator)).half() for i in range(args.langs)}

    start = time.perf_counter()
    batched = retrieval.pair_accuracies(states, "margin", 4)
    batched_seconds = time.perf_counter() - start
    start = time.perf_counter()
    plain = straightforward({lang: value.numpy() for lang, value in states.items()}, 4)
    plain_seconds = time.perf_counter() - start

    worst = max(abs(a - b) for pair in plain for a, b in zip(plain[pair], batched[pair].tolist()))
    # One sentence is 100/N points; anything far below that is float rounding of the same count.
    assert worst < 1e-3, f"implementations disagree by {worst} points"
    pairs = args.langs * (args.langs - 1)
    mean = sum(sum(v) for v in plain.values()) / (pairs * args.layers)
    print(f"{args.langs} languages ({pairs} directed pairs) x {args.sentences} sentences x {args.layers} layers x "
          f"{args.hidden} dims, threads {torch.get_num_threads()}; mean accuracy {mean:.1f}% in both")
    print(f"straightforward (per pair and layer, NumPy): {plain_seconds:.2f} s")
    print(f"batched (per unordered pair, all layers, torch): {batched_seconds:.2f} s")
    print(f"speed-up: {plain_seconds / batched_seconds:.2f}x")


if __name__ == "__main__":
    main()
