"""Few-shot examples from a dev split that a data root may lack.

lm-eval reads a task's `fewshot_split` when it builds the task, whether or
not --num_fewshot asks for examples, so a data root with only the test
partition (all MASSIVE needs for zero-shot scoring) would fail with a
KeyError deep inside lm-eval. The tasks therefore always return a dev split,
empty when the data has none, and sample few-shot examples through the
sampler made here, which refuses an empty pool with one line that names the
split and the file it should come from.
"""

from __future__ import annotations

from collections.abc import Callable

import datasets
from lm_eval.api.samplers import ContextSampler

from xtransfer_bench.data.paths import DataNotFoundError
from xtransfer_bench.errors import DataError

# Why the dev split of the task being built is empty. lm-eval builds one task
# at a time: its data (load_docs, which sets this) and then its sampler (which
# keeps it), so the reason reaches the sampler of its own task.
_missing: str | None = None


def dev_split(load: Callable[[], datasets.Dataset], test_docs: datasets.Dataset) -> datasets.Dataset:
    """The dev split, or an empty one with the test split's columns when the data has none."""
    global _missing
    try:
        docs = load()
    except DataNotFoundError as error:
        _missing = str(error)
        return test_docs.select([])
    _missing = None
    return docs


def dev_split_sampler(benchmark: str, where: str) -> type[ContextSampler]:
    """A ContextSampler class for one benchmark; `where` says which files hold its dev split."""

    class DevSplitSampler(ContextSampler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.missing = _missing

        def sample(self, n: int, eval_doc=None, df=None, **kwargs):
            if n > 0 and not (df if df is not None else self.df):
                raise DataError(f"--num_fewshot {n} needs the {benchmark} dev split ({where}), which this data lacks: "
                                f"{self.missing or 'it is empty'} Add it, or run zero-shot (--num_fewshot 0).")
            return super().sample(n, eval_doc=eval_doc, df=df, **kwargs)

    DevSplitSampler.__name__ = DevSplitSampler.__qualname__ = f"{benchmark}DevSplitSampler"
    return DevSplitSampler
