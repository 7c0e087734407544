"""`xtransfer-bench align-eval`: layer-wise translation retrieval (and
optionally cosine deviation) for a base model, or a base model and an
adapter side by side, written as CSV, JSON and PNG figures.

Outputs in --out:
    retrieval.csv        model, layer, source, target, accuracy (tidy; layer 0 = input embeddings)
    summary.json         settings, per-model mean accuracy per layer, the paper's one-number
                         summary (mean over pairs at even layers, embeddings excluded),
                         per-language means, cosine deviation if asked for
    retrieval_by_layer.png   mean accuracy per layer, one line per model
    retrieval_heatmap.png    language x layer accuracy, one panel per model
    cosine_deviation.csv     model, layer, source, target, translation, random, deviation (if asked for)
"""

from __future__ import annotations

import csv
import functools
import json
import math
from pathlib import Path

import torch
from tqdm.auto import tqdm

from xtransfer_bench.analysis import AnalysisError, cosine_deviation, figures, retrieval
from xtransfer_bench.analysis.states import Encoder, active, adapter_names, load_model
from xtransfer_bench.data import flores


def paper_summary(per_layer: list[float]) -> float:
    """Mean over even-numbered layers 2, 4, ..., L (per_layer[i] is layer i; 0 = embeddings)."""
    even = [per_layer[i] for i in range(2, len(per_layer), 2)]
    return sum(even) / len(even) if even else float("nan")


def summarise(accuracies: dict[tuple[str, str], torch.Tensor], langs: list[str]) -> dict:
    stacked = torch.stack(list(accuracies.values()))  # [pairs, layers + 1]
    per_layer = stacked.mean(0).tolist()
    per_language = {
        lang: torch.stack([acc for (s, t), acc in accuracies.items() if lang in (s, t)]).mean(0).tolist() for lang in langs
    }
    return {"mean_by_layer": per_layer, "summary_even_layers": paper_summary(per_layer),
            "best_layer": int(torch.tensor(per_layer[1:]).argmax()) + 1, "by_language": per_language}


def run(model: str, langs: list[str], data: str = "hub", split: str = "dev", out: str | Path = "align-eval",
        adapter: str | list[str] | None = None, method: str = "margin", k: int = 4, batch_size: int = 16, max_length: int = 256,
        limit: int | None = None, device: str | None = None, dtype: str = "auto", skip_first_token: bool = False,
        deviation_pair: tuple[str, str] | None = None, seed: int = 0) -> dict:
    from xtransfer_bench import languages

    if method not in retrieval.METHODS:
        raise AnalysisError(f"--method {method!r}: use one of {retrieval.METHODS}.")
    corpus = flores.load(langs, data, split)
    codes = list(corpus.sentences)
    if deviation_pair:
        deviation_pair = tuple(languages.get(lang).iso for lang in deviation_pair)
        missing = [lang for lang in deviation_pair if lang not in codes]
        if missing:
            raise AnalysisError(f"Cosine deviation pair {deviation_pair}: {missing} not among --langs {codes}.")
    sentences = {lang: texts[:limit] if limit else texts for lang, texts in corpus.sentences.items()}
    count = len(next(iter(sentences.values())))
    # One model in memory, the base measured once, then each adapter switched on
    # in turn (adapter: a path, "NAME=PATH", or a list of them).
    adapters = adapter_names(adapter)
    loaded, tokenizer, target = load_model(model, adapters, device, dtype)
    encoder = Encoder(loaded, tokenizer, target, batch_size, max_length, skip_first_token)
    variants = {name: functools.partial(active, loaded, name) for name in ["base", *adapters]}

    output = Path(out)
    output.mkdir(parents=True, exist_ok=True)
    results, deviations, rows = {}, {}, []
    batches = math.ceil(count / batch_size)
    for name, switch in variants.items():
        with switch():
            with tqdm(total=batches * len(codes), desc=f"{name}: hidden states", unit="batch") as bar:
                pooled = {lang: encoder.pooled(sentences[lang], bar) for lang in codes}
            with tqdm(total=len(codes) * (len(codes) - 1) // 2, desc=f"{name}: retrieval", unit="pair") as bar:
                accuracies = retrieval.pair_accuracies(pooled, method, k, target, bar)
            if deviation_pair:
                deviations[name] = _cosine_deviation(encoder, sentences, deviation_pair, seed)
        results[name] = summarise(accuracies, codes)
        rows += [(name, layer, s, t, round(float(acc[layer]), 4)) for (s, t), acc in accuracies.items()
                 for layer in range(acc.shape[0])]

    with (output / "retrieval.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["model", "layer", "source", "target", "accuracy"])
        writer.writerows(rows)
    title = f"{Path(model).name}, {len(codes)} languages, {method}"
    figures.accuracy_by_layer({name: r["mean_by_layer"][1:] for name, r in results.items()},
                              output / "retrieval_by_layer.png", title)
    figures.language_heatmap({name: (codes, [r["by_language"][lang][1:] for lang in codes]) for name, r in results.items()},
                             output / "retrieval_heatmap.png", "retrieval")
    if deviations:
        _write_deviations(output / "cosine_deviation.csv", deviations, deviation_pair)
    summary = {
        "model": model, "adapter": adapter, "adapters": adapters, "languages": codes, "data": data, "split": split, "sentences": count,
        "method": method, "k": k, "skip_first_token": skip_first_token, "max_length": max_length,
        "pairs": len(codes) * (len(codes) - 1), "results": results,
        "cosine_deviation": {"pair": deviation_pair, **deviations} if deviations else None,
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def _cosine_deviation(encoder: Encoder, sentences: dict[str, list[str]], pair: tuple[str, str], seed: int) -> dict:
    source, target = (sentences[lang] for lang in pair)
    partner = cosine_deviation.derangement(len(source), seed)
    measure = cosine_deviation.CosineDeviation()
    for start in tqdm(range(0, len(source), encoder.batch_size), desc="cosine deviation", unit="batch"):
        rows = range(start, min(start + encoder.batch_size, len(source)))
        src, src_mask = encoder.batch_states([source[i] for i in rows])
        tgt, tgt_mask = encoder.batch_states([target[i] for i in rows])
        rnd, rnd_mask = encoder.batch_states([source[partner[i]] for i in rows])
        measure.add(src, src_mask, tgt, tgt_mask, rnd, rnd_mask)
    result = measure.result()
    result["mean_over_layers"] = sum(result["deviation"]) / len(result["deviation"])
    return result


def _write_deviations(path: Path, deviations: dict, pair: tuple[str, str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["model", "layer", "source", "target", "translation", "random", "deviation"])
        for name, values in deviations.items():
            for layer, (t, r, d) in enumerate(zip(values["translation"], values["random"], values["deviation"]), 1):
                writer.writerow([name, layer, pair[0], pair[1], round(t, 6), round(r, 6), round(d, 6)])
