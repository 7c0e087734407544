"""`xtransfer-bench demo --base-only`: the default model on MASSIVE slot filling, end to end.

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


METRICS = ("f1_paper", "f1")  # the published protocol, then the strict variant


def _cell(scores: dict, task: str, metric: str) -> str:
    value = scores.get(task, {}).get(f"{metric},none")
    return f"{value:>10.1f}" if isinstance(value, (int, float)) else f"{'-':>10}"


def f1_table(results: dict) -> str:
    """Per-language and per-group slot F1 (both protocols) in the papers' order."""
    scores = results["results"]
    sets = languages.benchmark("massive")
    lines = [f"{'':<12}" + "".join(f"{metric:>10}" for metric in METRICS)]
    for lang in sets.all:
        task = task_files.task_name("massive", lang)
        lines.append(f"{lang:<12}" + "".join(_cell(scores, task, metric) for metric in METRICS))
    lines.append("")
    for subset in (None, *sets.groups()):
        name = task_files.group_name("massive", subset)
        lines.append(f"{subset or 'all':<12}" + "".join(_cell(scores, name, metric) for metric in METRICS))
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
