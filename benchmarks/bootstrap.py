"""Paired bootstrap from summed per-item statistics (xtransfer_bench.compare)
against the straightforward way: call the metric itself (seqeval slot F1,
sacrebleu corpus BLEU) on every resampled list of items.

    python benchmarks/bootstrap.py                     # MASSIVE-sized: 2974 items, 1000 resamples
    python benchmarks/bootstrap.py --items 1000 --naive-resamples 20

Both use the same resample indices and must give the same scores, which the
script checks on the resamples the straightforward way runs before it reports
the ratio (per resample, extrapolated to --resamples).
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from xtransfer_bench.compare.bootstrap import Part, paired_bootstrap, resample_indices
from xtransfer_bench.compare.statistics import SacrebleuCorpus, SlotF1
from xtransfer_bench.metrics.slot_f1 import slot_f1
from xtransfer_bench.metrics.translation import corpus_bleu

SLOTS = ["date", "time", "place_name", "person", "event_name"]
WORDS = "the a cat dog sat on mat house red blue big small runs fast slowly near far old new".split()


def slot_items(n: int, rng: random.Random) -> list:
    items = []
    for _ in range(n):
        gold = ["O"] * rng.randint(4, 12)
        for _ in range(rng.randint(0, 2)):
            start = rng.randrange(len(gold))
            gold[start] = f"B-{rng.choice(SLOTS)}"
        pred = [tag if rng.random() < 0.8 else rng.choice(["O", f"B-{rng.choice(SLOTS)}"]) for tag in gold]
        items.append((gold, pred))
    return items


def translation_items(n: int, rng: random.Random) -> list:
    items = []
    for _ in range(n):
        ref = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25)))
        hyp = " ".join(w if rng.random() < 0.7 else rng.choice(WORDS) for w in ref.split())
        items.append({"hypothesis": hyp, "references": [ref], "tgt_lang": "en", "bleu_scheme": "paper"})
    return items


def measure(name, stat, items, naive_score, resamples: int, naive_resamples: int, seed: int = 0) -> None:
    started = time.perf_counter()
    stats = stat.stats(items)
    result = paired_bootstrap([Part(stat, stats, stats)], resamples, seed)
    ours = time.perf_counter() - started
    indices = resample_indices(len(items), resamples, np.random.default_rng(seed))[:naive_resamples]
    started = time.perf_counter()
    naive = [naive_score([items[i] for i in idx]) for idx in indices]
    per_resample = (time.perf_counter() - started) / naive_resamples
    np.testing.assert_allclose(result.samples_a[:naive_resamples], naive, atol=1e-6)
    extrapolated = per_resample * resamples
    print(f"{name}: {len(items)} items, {resamples} resamples (both runs): summed statistics {ours:.2f} s; "
          f"metric per resample {extrapolated:.1f} s for one run (from {naive_resamples}); "
          f"ratio {2 * extrapolated / ours:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2974, help="items per run (MASSIVE test: 2974)")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--naive-resamples", type=int, default=30, help="resamples the metric is actually called on")
    args = parser.parse_args()
    rng = random.Random(0)
    measure("slot F1 (seqeval)", SlotF1(), slot_items(args.items, rng), slot_f1, args.resamples, args.naive_resamples)
    bleu_items = translation_items(min(args.items, 2037), rng)  # WMT22 de-en: 1984-2037 segments

    def naive_bleu(items):
        return corpus_bleu([i["hypothesis"] for i in items], [i["references"] for i in items], "en").score

    measure("BLEU (sacrebleu)", SacrebleuCorpus("bleu"), bleu_items, naive_bleu, args.resamples, args.naive_resamples)


if __name__ == "__main__":
    main()
