"""Training data of the cross-lingual transfer trainers (CL-ICP paper, section 6).

English (the dominant language s) has plenty of task data; a target language
t has little. The modes differ only in what they train on, and in what order:

    ft     t's data alone                      (target-language fine-tuning)
    tl     s's data, then t's data             (transfer learning: two phases
                                                of max_epochs each, one run)
    mtl    s's and t's data, shuffled together (multi-task learning)
    clicp  t's samples x_t, each after k demonstrations drawn from s's and/or
           t's data as the tasks' in-context variants draw them (CL-ICP)

`target_ratio` keeps a seeded share of t's data (a fixed permutation's prefix,
so the 10% sample is inside the 25% sample) for the low-resource runs; the
demonstration pool of t shrinks with it. Demonstrations come from
xtransfer_bench.demonstrations.select over the training pools, seeded by
(seed, item), so a training item sees the same demonstrations in every epoch
and every run with that seed.
"""

from __future__ import annotations

import math

from xtransfer_bench import demonstrations
from xtransfer_bench.trainers.config import ConfigError, TrainConfig
from xtransfer_bench.trainers.task_data import DEV_SPLIT, load_task_docs, seeded_order


def target_share(docs: list[dict], ratio: float, seed: int, lang: str) -> list[dict]:
    """ceil(ratio * n) docs (at least one), a seeded sample in original order."""
    if ratio >= 1:
        return docs
    count = max(1, math.ceil(ratio * len(docs)))
    return [docs[i] for i in sorted(seeded_order(len(docs), f"{seed}-ratio-{lang}")[:count])]


def _docs(config: TrainConfig, langs: list[str], split: str, ratio: float = 1.0) -> dict[str, list[dict]]:
    limit = config.limit_train_examples if split == "train" else config.limit_dev_examples
    return {
        lang: target_share(load_task_docs(config.task, [lang], split, limit, config.seed), ratio, config.seed, lang)
        for lang in langs
    }


def with_demonstrations(docs: list[dict], en_pool: list[dict], target_pool: list[dict], config: TrainConfig) -> list[dict]:
    """Each doc plus its `demonstrations` (drawn from the two pools, never itself
    nor its translation)."""
    if config.task not in demonstrations.DEFAULT_K:
        raise ConfigError(f"CL-ICP needs a task with in-context variants: {', '.join(demonstrations.DEFAULT_K)}; not {config.task}.")
    pools = demonstrations.Pools(en_pool, target_pool, demonstrations.exclusion_key(config.task))
    try:
        return [dict(doc, demonstrations=demonstrations.select(doc, pools, config.demonstrations,
                                                               config.num_demonstrations, config.seed))
                for doc in docs]
    except ValueError as error:
        raise ConfigError(f"CL-ICP demonstrations ({config.demonstrations}, k={config.num_demonstrations}): {error}") from None


def transfer_phases(config: TrainConfig, split: str = "train") -> list[list[dict]]:
    """The docs of each training phase (tl: two phases; others: one), or of
    the dev set (split="validation": one phase, empty when the task has none)."""
    ratio = config.target_ratio if split == "train" else 1.0
    targets = _docs(config, config.target_langs, split, ratio)
    target_docs = [doc for lang in config.target_langs for doc in targets[lang]]
    if config.mode == "ft":
        return [target_docs]
    dominant = _docs(config, [config.dominant_lang], split)[config.dominant_lang]
    if config.mode == "mtl" or (config.mode == "tl" and split == DEV_SPLIT):
        return [dominant + target_docs]
    if config.mode == "tl":
        return [dominant, target_docs]
    if config.mode == "clicp":
        # Demonstrations come from the training pools, for dev items too (as at test time).
        pools = targets if split == "train" else _docs(config, config.target_langs, "train", config.target_ratio)
        en_pool = dominant if split == "train" else _docs(config, [config.dominant_lang], "train")[config.dominant_lang]
        return [[
            doc
            for lang in config.target_langs
            for doc in with_demonstrations(targets[lang], en_pool, pools[lang], config)
        ]]
    raise ConfigError(f"{config.mode} is not a transfer mode.")
