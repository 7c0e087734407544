"""Task training examples: the same loaders and prompts as the lm-eval tasks,
rendered with the model's chat template, loss on the answer tokens only.

The prompt part is tokenised exactly as lm-eval's hf model tokenises a
context under --apply_chat_template (the rendered text, the tokenizer's
default special tokens), so training and evaluation see identical prompt ids.
"""

from __future__ import annotations

from typing import Callable

from xtransfer_bench import languages, prompts
from xtransfer_bench.data import alma
from xtransfer_bench.trainers.config import ConfigError
from xtransfer_bench.shift import token_mask

IGNORE = -100


def massive_messages(doc: dict) -> list[dict]:
    return prompts.slot_filling_messages(doc["utt"], answer=doc["target"])


def uner_messages(doc: dict) -> list[dict]:
    # The doc's prompt is what the task shows (Aya's template on the hub).
    return [{"role": "user", "content": doc["prompt"]}, {"role": "assistant", "content": doc["target"]}]


def wmt_messages(doc: dict) -> list[dict]:
    return prompts.translation_messages(
        doc["source"], languages.get(doc["src_lang"]).name, languages.get(doc["tgt_lang"]).name, answer=doc["target"]
    )


def _load_docs(module: str):
    def load(lang: str, split: str):
        import importlib

        return importlib.import_module(module).load(lang, split)  # a datasets.Dataset: rows load on demand

    return load


def _translation_docs(lang: str, split: str) -> list[dict]:
    """Both directions of ALMA's X-English pairs (the middle-layer paper's MT training)."""
    docs = []
    for source, english in alma.pairs(lang, split):
        docs.append({"src_lang": lang, "tgt_lang": "en", "source": source, "target": english})
        docs.append({"src_lang": "en", "tgt_lang": lang, "source": english, "target": source})
    return docs


def _zero_shot_messages(task: str):
    def messages(doc: dict) -> list[dict]:
        return prompts.DEMONSTRATION_MESSAGES[task](doc, (), answer=doc["target"])

    return messages


TASKS: dict[str, tuple[Callable[[str, str], list[dict]], Callable[[dict], list[dict]]]] = {
    "massive": (_load_docs("xtransfer_bench.data.massive"), massive_messages),
    "uner": (_load_docs("xtransfer_bench.data.uner"), uner_messages),
    "wmt": (_translation_docs, wmt_messages),
    "xquad": (_load_docs("xtransfer_bench.data.xquad"), _zero_shot_messages("xquad")),
    "xcopa": (_load_docs("xtransfer_bench.data.xcopa"), _zero_shot_messages("xcopa")),
    "xnli": (_load_docs("xtransfer_bench.data.xnli"), _zero_shot_messages("xnli")),
}
DEV_SPLIT = "validation"
# Where "train" and "validation" differ from the loaders' split names. XQuAD's
# "train" is SQuAD train in English and XQuAD's training fold elsewhere
# (data/xquad.py). XCOPA outside English has validation and test only; the
# validation split is its training data (as for CL-ICP's demonstrations).
# No dev split where every candidate is training data or the source of a
# test set (SQuAD dev is XQuAD; COPA validation is XCOPA validation): those
# runs train for fixed epochs, as the CL-ICP paper does.
_SPLITS = {
    ("xcopa", "train"): lambda lang: "train" if lang == "en" else "validation",
    ("xquad", DEV_SPLIT): lambda lang: None,
    ("xcopa", DEV_SPLIT): lambda lang: None,
}


def split_name(task: str, split: str, lang: str) -> str | None:
    """The loader's split for our "train" or "validation" of `task` in `lang` (None: there is none)."""
    return _SPLITS.get((task, split), lambda _: split)(lang)


def load_task_docs(task: str, langs: list[str], split: str, limit: int | None = None, seed: int | None = None) -> list[dict]:
    """Docs of `split` ("train" or "validation") in every language, in order;
    `limit` per language: the first rows, or with `seed` a seeded random sample
    (the CL-ICP paper samples 1000 XNLI pairs). Languages without such a split
    add nothing."""
    if task not in TASKS:
        raise ConfigError(f"Unknown training task {task!r}; trainable tasks: {', '.join(TASKS)}.")
    docs = []
    for lang in langs:
        loader_split = split_name(task, split, lang)
        if loader_split is None:
            continue
        rows = TASKS[task][0](lang, loader_split)
        if not len(rows):
            raise ConfigError(f"{task} {loader_split} has no examples for {lang}.")
        if limit:  # pick first, then materialise: XNLI train has 392,702 rows per language
            picked = sorted(seeded_order(len(rows), f"{seed}-limit-{lang}")[:limit]) if seed is not None else range(min(limit, len(rows)))
            rows = rows.select(picked) if hasattr(rows, "select") else [rows[i] for i in picked]
        docs.extend(list(rows))
    return docs


def seeded_order(count: int, seed: str) -> list[int]:
    """A permutation of range(count) fixed by `seed`; prefixes of it nest
    (a 10% sample is inside the 25% sample)."""
    import random

    order = list(range(count))
    random.Random(seed).shuffle(order)
    return order


def _prompt_and_answer(tokenizer, messages: list[dict]):
    """The rendered prompt, its tokenisation (with character offsets) and the answer ids."""
    prompt_text = prompts.render(tokenizer, messages[:-1], add_generation_prompt=True)
    full_text = prompts.render(tokenizer, messages, add_generation_prompt=False)
    if not full_text.startswith(prompt_text):
        raise ValueError("The chat template renders the prompt differently with and without the answer; cannot mask the prompt.")
    prompt = tokenizer(prompt_text, return_offsets_mapping=True)
    answer_ids = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in answer_ids:
        answer_ids = answer_ids + [tokenizer.eos_token_id]  # templates without an end-of-turn token
    return prompt_text, prompt, answer_ids


def encode_example(tokenizer, messages: list[dict], max_length: int) -> dict:
    """input_ids and labels (-100 on the prompt) for one chat example."""
    _, prompt, answer_ids = _prompt_and_answer(tokenizer, messages)
    prompt_ids = prompt["input_ids"]
    input_ids = (prompt_ids + answer_ids)[-max_length:]
    labels = ([IGNORE] * len(prompt_ids) + answer_ids)[-max_length:]
    return {"input_ids": input_ids, "labels": labels}


def encode_in_context(tokenizer, task: str, doc: dict, demonstrations: list[dict], max_length: int,
                      demo_loss: bool = True) -> dict:
    """A CL-ICP example: [demonstrations (x_d, y_d)..., x_t] -> y_t, the prompt
    exactly as the task's in-context variant shows it. Labels on y_t and, with
    demo_loss, on the last demonstration's answer y_dk (paper section 5.2:
    p(y_t | p, x_d, y_d, x_t) + p(y_dk | p, x_d1, y_d1, ..., x_dk)). demo_mask
    and target_mask mark the x_d and x_t tokens for the representation shift."""
    messages = prompts.DEMONSTRATION_MESSAGES[task](doc, demonstrations, answer=doc["target"])
    prompt_text, prompt, answer_ids = _prompt_and_answer(tokenizer, messages)
    prompt_ids, offsets = prompt["input_ids"], prompt["offset_mapping"]
    demo_spans, answer_spans, target_span = prompts.in_context_spans(prompt_text)
    labels = [IGNORE] * len(prompt_ids)
    if demo_loss and answer_spans:
        for i, inside in enumerate(token_mask(offsets, answer_spans[-1:])):
            if inside:
                labels[i] = prompt_ids[i]
    answer_zeros = [False] * len(answer_ids)
    return {
        "input_ids": (prompt_ids + answer_ids)[-max_length:],
        "labels": (labels + answer_ids)[-max_length:],
        "demo_mask": (token_mask(offsets, demo_spans) + answer_zeros)[-max_length:],
        "target_mask": (token_mask(offsets, [target_span]) + answer_zeros)[-max_length:],
    }


def encode_docs(tokenizer, task: str, docs: list[dict], max_length: int, demo_loss: bool = True) -> list[dict]:
    """Docs with a `demonstrations` list become CL-ICP examples, others plain chat examples."""
    to_messages = TASKS[task][1]
    return [
        encode_in_context(tokenizer, task, doc, doc["demonstrations"], max_length, demo_loss)
        if "demonstrations" in doc else encode_example(tokenizer, to_messages(doc), max_length)
        for doc in docs
    ]
