"""Spearman's rank correlation across languages, with a bootstrap interval
over languages and a permutation p-value, or a refusal when there are too
few languages to say anything.

- rho: Pearson's correlation of the two variables' ranks, ties given their
  average rank (as scipy.stats.spearmanr and R's cor(method="spearman")).
- Interval: languages are resampled with replacement (numpy default_rng(seed),
  `choice(n, (resamples, n))`, as compare draws items), rho is recomputed on
  each resample, and the 95% interval is the percentile interval of those
  values by compare.bootstrap.interval (the same rule as the gains' intervals).
  A resample in which one variable does not vary (e.g. one language drawn n
  times) has no rho; such resamples are left out and counted.
- Permutation p (two-sided): how often pairing the values at random gives
  |rho| at least as large: exactly over all n! pairings for n <= 8,
  otherwise from 10,000 random pairings, (count + 1) / (R + 1).
- Fewer than MIN_LANGUAGES languages: no number. With 3 languages rho can
  only be -1, -0.5, 0.5 or 1 and a random pairing gives rho = 1 one time in 6.

Differences from scipy.stats.spearmanr (rankdata "average", then
np.corrcoef of the ranks; the same rho):
- a constant variable: scipy returns nan with a warning; here no number and
  a sentence saying which variable is constant (e.g. every gain 0);
- p-value: scipy's is Student's t with n - 2 degrees of freedom, an
  approximation poor at n = 5-20 (rho = 1 with 4 languages: t infinite,
  p = 0); here a permutation p (rho = 1 with 4 languages: p = 2/24);
- scipy gives no interval; here the bootstrap over languages above;
- NaN inputs: scipy propagates them; here a language without both values
  is left out of the correlation before it is computed (and named).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from xtransfer_bench.compare.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, interval

MIN_LANGUAGES = 4
EXACT_UP_TO = 8  # 8! = 40,320 pairings: enumerated; beyond, sampled
PERMUTATIONS = 10_000
_TIE = 1e-12


@dataclass
class Correlation:
    languages: list[str]
    rho: float | None = None
    low: float | None = None  # 95% bootstrap interval over languages
    high: float | None = None
    permutation_p: float | None = None
    exact: bool = False  # permutation p over all pairings
    resamples: int = 0
    undefined_resamples: int = 0  # resamples without a rho (a variable constant), left out
    refused: str | None = None  # why there is no number
    fit: tuple[float, float] | None = field(default=None)  # least-squares (slope, intercept) of y on x, for the figure

    @property
    def n(self) -> int:
        return len(self.languages)

    def as_dict(self) -> dict:
        found = asdict(self)
        found["n"] = self.n
        found["fit"] = None if self.fit is None else {"slope": self.fit[0], "intercept": self.fit[1]}
        return found


def ranks(values) -> np.ndarray:
    """1-based ranks, tied values sharing their average rank."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ranked = np.empty(len(values))
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and values[order[end + 1]] == values[order[start]]:
            end += 1
        ranked[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranked


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    dx, dy = x - x.mean(), y - y.mean()
    scale = math.sqrt(float((dx * dx).sum()) * float((dy * dy).sum()))
    return None if scale <= _TIE else float((dx * dy).sum() / scale)


def spearman(x, y) -> float | None:
    """Spearman's rho; None when either variable takes a single value."""
    if len(x) != len(y):
        raise ValueError(f"Spearman needs paired values: {len(x)} vs {len(y)}.")
    return _pearson(ranks(x), ranks(y))


def bootstrap_rhos(x, y, resamples: int, seed: int) -> tuple[np.ndarray, int]:
    """rho of each resample of the languages (defined ones) and how many had none."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    indices = np.random.default_rng(seed).choice(len(x), size=(resamples, len(x)), replace=True)
    found = [spearman(x[row], y[row]) for row in indices]
    defined = np.asarray([rho for rho in found if rho is not None])
    return defined, resamples - len(defined)


def permutation_p(x, y, seed: int) -> tuple[float, bool]:
    """(two-sided p of |rho| under random pairing, whether exact)."""
    rx, ry = ranks(x), ranks(y)
    observed = abs(_pearson(rx, ry))
    n = len(rx)
    if n <= EXACT_UP_TO:
        orders = np.asarray(list(itertools.permutations(range(n))))
        exact = True
    else:
        rng = np.random.default_rng(seed)
        orders = np.stack([rng.permutation(n) for _ in range(PERMUTATIONS)])
        exact = False
    dx = rx - rx.mean()
    shuffled = ry[orders] - ry.mean()
    rhos = (shuffled @ dx) / math.sqrt(float((dx * dx).sum()) * float(((ry - ry.mean()) ** 2).sum()))
    count = int((np.abs(rhos) >= observed - 1e-9).sum())
    return (count / len(orders), True) if exact else ((count + 1) / (len(orders) + 1), False)


def correlate(x, y, languages: list[str], names: tuple[str, str], resamples: int = DEFAULT_RESAMPLES,
              seed: int = DEFAULT_SEED) -> Correlation:
    """Spearman between x and y over `languages` (one value each); `names`
    names x and y in a refusal ("alignment change", "score gain")."""
    languages = list(languages)
    if len(languages) < MIN_LANGUAGES:
        listed = ", ".join(languages) or "none"
        return Correlation(languages, refused=(
            f"not computed: {len(languages)} language(s) with both {names[0]} and {names[1]} ({listed}); "
            f"a rank correlation needs at least {MIN_LANGUAGES}. With 3 languages the only possible values are "
            "-1, -0.5, 0.5 and 1, and a random pairing gives 1 one time in 6."))
    rho = spearman(x, y)
    if rho is None:
        constant = names[0] if len(set(map(float, x))) == 1 else names[1]
        return Correlation(languages, refused=f"not computed: the {constant} is the same in all {len(languages)} "
                                              "languages, so there is no ranking to correlate.")
    rhos, undefined = bootstrap_rhos(x, y, resamples, seed)
    low, high = interval(rhos) if len(rhos) else (None, None)
    p, exact = permutation_p(x, y, seed)
    slope, intercept = np.polyfit(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), 1)
    return Correlation(languages, rho, low, high, p, exact, resamples, undefined,
                       fit=(float(slope), float(intercept)))
