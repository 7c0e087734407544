"""Paired bootstrap resampling (Koehn, 2004) of the difference B - A.

Both runs are scored on the same resampled items. A group mean (supervised,
transfer, ...) resamples within each language and averages the languages'
scores, so every language keeps its weight, as in the papers' tables.

Resample indices are drawn exactly as sacrebleu's paired bootstrap draws them
(`numpy.random.default_rng(seed).choice(n, (resamples, n))`), so for one
language and the same seed both see the same resamples.

The interval and the p-value come from the same R resampled differences d
and cannot disagree:
- the 95% interval is the percentile interval [d(k), d(R+1-k)] of the
  sorted differences, k = ceil(0.025 R) (R = 1000: the 25th smallest and the
  25th largest);
- the p-value inverts that interval: p = 2 min(#{d <= 0}, #{d >= 0}) / R
  (at most 1); the percentile interval of level 1 - alpha leaves 0 out
  exactly when alpha > p.
So p < 0.05 exactly when fewer than 0.025 R differences lie on the far side of
0 (or on it), which is exactly when the interval leaves 0 out; a delta whose
interval contains or touches 0 has p >= 0.05 and no mark. Differences within
1e-9 of 0 count as 0, so identical runs give d = 0 everywhere, the interval
[0, 0] and p = 1. p = 0 means no resample crossed 0 (p < 1/R).

Below MIN_ITEMS items in a language (30) there is no p-value and no mark:
the resampled differences of a handful of items are a few discrete values,
and their interval says nothing reliable. The interval is still given; the
Difference's note says why there is no test.

How this differs from sacrebleu's paired bootstrap test (sacrebleu
--paired-bs), which draws the same resamples: sacrebleu takes the resampled
absolute differences |d|, shifts them to mean 0 as a null distribution and
sets p = (c + 1) / (R + 1), c = how many exceed the observed |difference|
(identical systems get p = 1/(R+1)); its 95% interval is per system (half
the spread of that system's resampled scores), not of the difference. A
null-shift p-value and a percentile interval are different quantities and
can disagree: this module's earlier centred test starred a 3-item BLEU
delta at p = 0.001 while its interval was [-2.28, 0.00] (issue 16). Here
both are read off the same signed differences, so they agree by
construction; the per-system means and intervals still equal sacrebleu's
(tests/test_compare.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from xtransfer_bench.compare.statistics import Statistic, full_score

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 12345  # sacrebleu's default SACREBLEU_SEED
ALPHA = 0.05
ALPHA_FRACTION = Fraction(ALPHA).limit_denominator(1000)  # 1/20 exactly: the interval's rank without float rounding
MIN_ITEMS = 30  # per language: fewer items get no p-value and no mark
_TIE = 1e-9  # differences this close to 0 are 0 (float noise in identical runs)
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
    p_value: float | None  # None: too few items for a test (see note)
    n: int  # items (group: summed over languages)
    resamples: int
    note: str = ""  # why there is no p-value
    samples_a: np.ndarray = field(repr=False, default=None)  # resampled scores, for inspection and tests
    samples_b: np.ndarray = field(repr=False, default=None)

    @property
    def difference(self) -> float:
        return self.b - self.a

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "difference": self.difference, "low": self.low, "high": self.high,
                "p_value": self.p_value, "significant": self.significant, "n": self.n, "resamples": self.resamples,
                "note": self.note}


def resample_indices(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(n, size=(resamples, n), replace=True)


def _resampled_scores(stat: Statistic, stats: np.ndarray, indices: np.ndarray) -> np.ndarray:
    n = indices.shape[1]
    sums = np.concatenate([stats[indices[i:i + _CHUNK]].sum(axis=1) for i in range(0, len(indices), _CHUNK)])
    return stat.score(sums, n)


def _tail(resamples: int) -> int:
    """k = ceil(ALPHA / 2 * R) in exact arithmetic: the rank of the interval's ends."""
    return math.ceil(ALPHA_FRACTION * resamples / 2)


def interval(differences: np.ndarray) -> tuple[float, float]:
    """The percentile interval: the k-th smallest and k-th largest difference."""
    ordered = np.sort(differences)
    k = _tail(len(ordered))
    return float(ordered[k - 1]), float(ordered[len(ordered) - k])


def p_value(differences: np.ndarray) -> float:
    """Two-sided p of "no difference", the inversion of `interval`: twice the
    share of resampled differences on the far side of 0 (0 included)."""
    at_or_below, at_or_above = int((differences <= 0).sum()), int((differences >= 0).sum())
    return min(1.0, 2 * min(at_or_below, at_or_above) / len(differences))


def paired_bootstrap(parts: list[Part], resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                     min_items: int = MIN_ITEMS) -> Difference:
    """B - A over one language (one part) or the mean of several languages
    (no p-value when any language has fewer than `min_items` items)."""
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
    differences[np.abs(differences) <= _TIE] = 0.0
    low, high = interval(differences)
    fewest = min(len(part.a) for part in parts)
    p, note = p_value(differences), ""
    if fewest < min_items:
        p, note = None, f"{fewest} items < {min_items} per language: too few for a test (no p-value, no mark)"
    return Difference(a, b, low, high, p, sum(len(part.a) for part in parts), resamples, note=note,
                      samples_a=scores_a, samples_b=scores_b)
