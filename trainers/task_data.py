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
    def load(lang: str, split: str) -> list[dict]:
        import importlib

        return list(importlib.import_module(module).load(lang, split))

    return load


def _translation_docs(lang: str, split: str) -> list[dict]:
    """Both directions of ALMA's X-English pairs (the middle-layer paper's MT training)."""
    docs = []
    for source, english in alma.pairs(lang, split):
        docs.append({"src_lang": lang, "tgt_lang": "en", "source": source, "target": english})
        docs.append({"src_lang": "en", "tgt_lang": lang, "source": english, "target": source})
    return docs


TASKS: dict[str, tuple[Callable[[str, str], list[dict]], Callable[[dict], list[dict]]]] = {
    "massive": (_load_docs("xtransfer_bench.data.massive"), massive_messages),
    "uner": (_load_docs("xtransfer_bench.data.uner"), uner_messages),
    "wmt": (_translation_docs, wmt_messages),
}
DEV_SPLIT = "validation"


def load_task_docs(task: str, langs: list[str], split: str, limit: int | None = None) -> list[dict]:
    if task not in TASKS:
        raise ConfigError(f"Unknown training task {task!r}; trainable tasks: {', '.join(TASKS)}.")
    docs = []
    for lang in langs:
        rows = TASKS[task][0](lang, split)
        if not rows:
            raise ConfigError(f"{task} {split} has no examples for {lang}.")
        docs.extend(rows[:limit] if limit else rows)
    return docs


def encode_example(tokenizer, messages: list[dict], max_length: int) -> dict:
    """input_ids and labels (-100 on the prompt) for one chat example."""
    prompt_text = prompts.render(tokenizer, messages[:-1], add_generation_prompt=True)
    full_text = prompts.render(tokenizer, messages, add_generation_prompt=False)
    if not full_text.startswith(prompt_text):
        raise ValueError("The chat template renders the prompt differently with and without the answer; cannot mask the prompt.")
    prompt_ids = tokenizer(prompt_text)["input_ids"]
    answer_ids = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in answer_ids:
        answer_ids = answer_ids + [tokenizer.eos_token_id]  # templates without an end-of-turn token
    input_ids = (prompt_ids + answer_ids)[-max_length:]
    labels = ([IGNORE] * len(prompt_ids) + answer_ids)[-max_length:]
    return {"input_ids": input_ids, "labels": labels}


def encode_docs(tokenizer, task: str, docs: list[dict], max_length: int) -> list[dict]:
    to_messages = TASKS[task][1]
    return [encode_example(tokenizer, to_messages(doc), max_length) for doc in docs]
