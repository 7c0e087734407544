"""Planted inputs of `xtransfer-bench report`: MASSIVE runs in lm-eval's
schema (tests/lm_eval_logs.write_run) whose slot F1 per language is set by
how many items are right, and align-eval folders (retrieval.csv and
summary.json in align-eval's own layout) with chosen accuracies."""

import csv
import json
from pathlib import Path

from lm_eval_logs import write_run

ITEMS = 40
LAYERS = 4  # "middle" = layer 2 (round(0.5 * 4))
MIDDLE = 2


def slot_f1(right: int, items: int = ITEMS) -> float:
    """Each item has one gold slot; a right item predicts it, a wrong one predicts
    nothing: tp = right, predicted = right, gold = items, F1 = 2 tp / (predicted + gold)."""
    return 100.0 * 2 * right / (right + items)


def slot_task(lang: str, right: int, items: int = ITEMS) -> tuple:
    docs = [{"id": str(i), "locale": lang, "utt": f"{lang} utterance {i}"} for i in range(items)]
    values = [(["B-date"], ["B-date"] if i < right else ["O"]) for i in range(items)]
    # Both protocols' values, as the task logs them (planted equal here).
    return docs, {"f1_paper": values, "f1": values}, {"f1_paper": slot_f1(right, items), "f1": slot_f1(right, items)}


def massive_run(folder: Path, adapter: str, right: dict[str, int], items: int = ITEMS) -> Path:
    return write_run(folder, adapter, {f"xtransfer_massive_{lang}": slot_task(lang, r, items) for lang, r in right.items()})


def write_align_eval(folder: Path, adapter_path: str | None, middle: dict[str, dict[str, float]],
                     model: str = "/models/tiny", cosine: dict | None = None) -> Path:
    """middle: variant ("base" or the adapter folder's name) -> language -> its
    alignment with English at the middle layer. X -> en is planted 2 points
    above it and en -> X 2 below, so only their mean is the planted value.
    Every other layer holds 100 - value (the reverse order), so reading
    another layer gives another correlation."""
    folder.mkdir(parents=True, exist_ok=True)
    langs = ["en", *next(iter(middle.values()))]
    rows = []
    for variant, values in middle.items():
        for lang, value in values.items():
            for layer in range(LAYERS + 1):
                base = value if layer == MIDDLE else 100.0 - value
                rows.append([variant, layer, lang, "en", base + 2])
                rows.append([variant, layer, "en", lang, base - 2])
    with (folder / "retrieval.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["model", "layer", "source", "target", "accuracy"])
        writer.writerows(rows)
    summary = {"model": model, "adapter": adapter_path, "languages": langs, "data": "planted", "split": "dev",
               "sentences": 50, "method": "margin", "k": 4, "skip_first_token": False, "max_length": 256,
               "pairs": len(langs) * (len(langs) - 1), "results": {variant: {} for variant in middle},
               "cosine_deviation": cosine}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder
