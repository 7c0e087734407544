"""Each metric as per-item sufficient statistics and a score of their sum.

A bootstrap resample is a multiset of items; every metric here, corpus-level
ones included, is a function of the summed per-item statistics:
- means (accuracy, exact match, QA F1): the item's value;
- slot F1 (seqeval micro F1) and UNER entity F1, strict (`f1`) and as
  published (`f1_paper`): (true positives, predicted, gold) entity counts,
  since micro F1 = 2 tp / (predicted + gold). Both protocols log the same
  shapes (gold and predicted BIO tags; gold and predicted entity tuples), so
  one class serves both;
- BLEU and chrF: sacrebleu's own sentence statistics (n-gram matches and
  totals, lengths), scored by sacrebleu from their sum, as its paired
  bootstrap does;
- COMET-22: the segment scores (the system score is their mean); the logs do
  not hold them, so they are recomputed with the COMET model, only on request.

Summing a resample's statistics is one matrix operation, so 1000 resamples of
a few thousand items cost milliseconds instead of 1000 metric calls.
"""

from __future__ import annotations

import math
import numpy as np

from xtransfer_bench.compare.runs import RunError


class Statistic:
    """Per-item statistics (n, k) and a vectorised score of summed rows (r, k) -> (r,)."""

    name = "mean"

    def stats(self, values: list) -> np.ndarray:
        return np.asarray([[float(v)] for v in values], dtype=np.float64).reshape(len(values), 1)

    def score(self, sums: np.ndarray, n: int) -> np.ndarray:
        return sums[:, 0] / n


def _micro_f1(sums: np.ndarray) -> np.ndarray:
    tp, predicted, gold = sums[:, 0], sums[:, 1], sums[:, 2]
    denominator = predicted + gold
    # No entities on either side scores 0, as slot_f1 (zero_division=0) and corpus_f1 do.
    return np.where(tp > 0, 100.0 * 2 * tp / np.maximum(denominator, 1), 0.0)


class SlotF1(Statistic):
    """MASSIVE slot F1 (f1 and f1_paper): the logged value is (gold tags, predicted tags)."""

    name = "slot_f1"

    def stats(self, values: list) -> np.ndarray:
        from seqeval.metrics.sequence_labeling import get_entities

        rows = []
        for gold_tags, predicted_tags in values:
            # seqeval's corpus F1 joins sentences with an O between them, so a
            # sentence's entities are the same whether counted alone or in the corpus.
            gold, predicted = set(get_entities(list(gold_tags))), set(get_entities(list(predicted_tags)))
            rows.append((len(gold & predicted), len(predicted), len(gold)))
        return np.asarray(rows, dtype=np.float64).reshape(len(values), 3)

    def score(self, sums: np.ndarray, n: int) -> np.ndarray:
        return _micro_f1(sums)


class EntityF1(Statistic):
    """UNER entity F1 (f1 and f1_paper): the logged value is (gold entities,
    predicted entities), counted by uner_f1.counts as both aggregations do."""

    name = "entity_f1"

    def stats(self, values: list) -> np.ndarray:
        from xtransfer_bench.metrics.uner_f1 import counts

        rows = []
        for gold, predicted in values:
            tp, fp, fn = counts([tuple(e) for e in gold], [tuple(e) for e in predicted])
            rows.append((tp, tp + fp, tp + fn))
        return np.asarray(rows, dtype=np.float64).reshape(len(values), 3)

    def score(self, sums: np.ndarray, n: int) -> np.ndarray:
        return _micro_f1(sums)


class SacrebleuCorpus(Statistic):
    """BLEU or chrF from sacrebleu's sentence statistics. The logged value is
    translation_task.item(): hypothesis, references, target language, scheme."""

    def __init__(self, name: str):
        self.name = name
        self.metric = None

    def _metric(self, first: dict):
        from sacrebleu.metrics import CHRF

        from xtransfer_bench.metrics.translation import bleu_metric

        return bleu_metric(first["tgt_lang"], first["bleu_scheme"]) if self.name == "bleu" else CHRF()

    def stats(self, values: list) -> np.ndarray:
        from xtransfer_bench.metrics.translation import reference_streams

        if not values:
            return np.zeros((0, 1))
        self.metric = self._metric(values[0])
        hypotheses = [v["hypothesis"] for v in values]
        streams = reference_streams(hypotheses, [v["references"] for v in values])
        # sacrebleu has no public per-sentence statistics call; its own paired
        # bootstrap (sacrebleu.significance) uses these two methods the same way.
        return np.asarray(self.metric._extract_corpus_statistics(hypotheses, streams), dtype=np.float64)

    def score(self, sums: np.ndarray, n: int) -> np.ndarray:
        return np.asarray([self.metric._compute_score_from_stats(list(row)).score for row in sums])


class CometSegments(Statistic):
    """COMET-22 system score = mean of segment scores, recomputed with the model."""

    name = "comet"

    def stats(self, values: list) -> np.ndarray:
        from xtransfer_bench.metrics.comet import comet_score

        if not values:
            return np.zeros((0, 1))
        result = comet_score([v["source"] for v in values], [v["hypothesis"] for v in values],
                             [v["references"][0] for v in values], model=values[0]["comet_model"],
                             batch_size=int(values[0]["comet_batch_size"]))
        if result.skipped:
            raise RunError(f"COMET could not score the segments: {result.skipped}")
        return np.asarray(result.segments, dtype=np.float64).reshape(len(values), 1)


def statistic(benchmark: str, metric: str, comet: bool = False) -> Statistic | None:
    """The statistic of a benchmark's metric; None when it cannot be resampled
    here (COMET unless asked for: it needs the COMET model)."""
    if benchmark == "massive" and metric in ("f1", "f1_paper"):
        return SlotF1()
    if benchmark == "uner" and metric in ("f1", "f1_paper"):
        return EntityF1()
    if benchmark == "wmt":
        if metric in ("bleu", "chrf"):
            return SacrebleuCorpus(metric)
        if metric == "comet":
            return CometSegments() if comet else None
    return Statistic()


def full_score(stat: Statistic, stats: np.ndarray) -> float:
    """The metric over all items (what the results file should say)."""
    if len(stats) == 0:
        return math.nan
    return float(stat.score(stats.sum(0, keepdims=True), len(stats))[0])

