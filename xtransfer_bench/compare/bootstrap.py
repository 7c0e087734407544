"""Paired bootstrap resampling (Koehn, 2004) of the difference B - A.

Both runs are scored on the same resampled items. A group mean (supervised,
transfer, ...) resamples within each language and averages the languages'
scores, so every language keeps its weight, as in the papers' tables.

Resample indices are drawn exactly as sacrebleu's paired bootstrap draws them
(`numpy.random.default_rng(seed).choice(n, (resamples, n))`), so for one
language and the same seed both see the same resamples.

The interval is the 2.5th-97.5th percentile of the resampled differences.
The p-value is two-sided, for "no difference": the resampled differences,
shifted to mean 0, stand in for the null distribution, and p is the share of
them at least as far from 0 as the observed difference, (count + 1) / (R + 1).
Identical runs give differences of exactly 0 and so p = 1. (sacrebleu's test
compares absolute differences with a strict inequality, which gives identical
systems p = 1/(R+1); the statistic here is signed, so it has a direction.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xtransfer_bench.compare.statistics import Statistic, full_score

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 12345  # sacrebleu's default SACREBLEU_SEED
ALPHA = 0.05
_CHUNK = 100  # resamples summed at a time: bounds memory at 100 x n x k


@dataclass
class Part:
    """One language of a comparison: its statistic and both runs' per-item statistics."""

    stat: Statistic
    a: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        if len(self.a) != len(self.b):
            raise ValueError(f"Paired statistics need the same items: {len(self.a)} vs {len(self.b)}.")


@dataclass
class Difference:
    a: float  # score of run A on all items (group: mean over languages)
    b: float
    low: float  # 95% interval of b - a
    high: float
    p_value: float
    n: int  # items (group: summed over languages)
    resamples: int
    samples_a: np.ndarray = field(repr=False, default=None)  # resampled scores, for inspection and tests
    samples_b: np.ndarray = field(repr=False, default=None)

    @property
    def difference(self) -> float:
        return self.b - self.a

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "difference": self.difference, "low": self.low, "high": self.high,
                "p_value": self.p_value, "significant": self.significant, "n": self.n, "resamples": self.resamples}


def resample_indices(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(n, size=(resamples, n), replace=True)


def _resampled_scores(stat: Statistic, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
    n = indices.shape[1]
    sums = np.concatenate([stats[indices[i:i + _CHUNK]].sum(axis=1) for i in range(0, len(indices), _CHUNK)])
    return stat.score(sums, n)


def p_value(differences: np.ndarray, observed: float) -> float:
    centred = differences - differences.mean()
    # A tolerance keeps float noise in the centring from deciding ties (identical runs).
    extreme = np.abs(centred) >= abs(observed) - 1e-9
    return float((extreme.sum() + 1) / (len(differences) + 1))


def paired_bootstrap(parts: list[Part], resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> Difference:
    """B - A over one language (one part) or the mean of several languages."""
    if not parts:
        raise ValueError("Nothing to compare: no languages.")
    if any(len(part.a) == 0 for part in parts):
        raise ValueError("A language with no items cannot be resampled.")
    rng = np.random.default_rng(seed)
    scores_a = np.zeros(resamples)
    scores_b = np.zeros(resamples)
    for part in parts:  # languages in the given order draw from one seeded stream
        indices = resample_indices(len(part.a), resamples, rng)
        scores_a += _resampled_scores(part.stat, part.a, indices)
        scores_b += _resampled_scores(part.stat, part.b, indices)
    scores_a /= len(parts)
    scores_b /= len(parts)
    a = sum(full_score(part.stat, part.a) for part in parts) / len(parts)
    b = sum(full_score(part.stat, part.b) for part in parts) / len(parts)
    differences = scores_b - scores_a
    low, high = np.percentile(differences, [100 * ALPHA / 2, 100 * (1 - ALPHA / 2)])
    return Difference(a, b, float(low), float(high), p_value(differences, b - a),
                      sum(len(part.a) for part in parts), resamples, scores_a, scores_b)
