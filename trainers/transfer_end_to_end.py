"""Train an MTL adapter and a CL-ICP soft prompt on SmolLM2-135M for XCOPA
with Turkish as the target language, then evaluate each with the base model:
MTL on the plain task, CL-ICP on the task's in-context variant with the
demonstrations it was trained with (mixed English/Turkish, k=3). Offline:
XCOPA comes from --data (../shared/data: the XCOPA release files), English
COPA from our fixtures.

    python -m xtransfer_bench.trainers.transfer_end_to_end --data ../shared/data --out clicp-run

A smoke run of the pipeline (a 135M model, 4 English and 100 Turkish
training questions, a few dozen steps), not a reproduction: accuracies sit
near chance. Settings are LoRA for MTL (B.2's full fine-tuning at lr 2e-6
would not move in so few steps) and B.2's CL-ICP (10 virtual tokens, k=3,
demonstration loss) at a higher learning rate.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

TARGET = "tr"
EVAL_LANGS = ["en", "tr"]
IN_CONTEXT = {"demonstrations": "mixed", "num_demonstrations": 3}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder holding xquad/ and xcopa/ release files (../shared/data)")
    parser.add_argument("--out", default="clicp-run", help="working folder: data root, adapters, results")
    parser.add_argument("--steps", type=int, default=24, help="optimizer steps per model")
    parser.add_argument("--limit", type=int, default=40, help="test questions per language")
    args = parser.parse_args(argv)

    from xtransfer_bench.default_model import default_model_path
    from xtransfer_bench.fixtures import link_clicp_data
    from xtransfer_bench.trainers.config import load_config
    from xtransfer_bench.trainers.trainer import train

    out = Path(args.out).resolve()
    root = link_clicp_data(out / "data", Path(args.data).resolve())
    os.environ["XTRANSFER_DATA_DIR"] = str(root)
    model = str(default_model_path())
    common = dict(model=model, task="xcopa", target_langs=[TARGET], effective_batch=8, micro_batch=4,
                  max_steps=args.steps, max_length=768, patience=0, bf16=False)
    runs = {
        "mtl": load_config("xcopa", ["tuning=lora", "learning_rate=1e-3"], mode="mtl",
                           output_dir=str(out / "adapters" / "mtl"), **common),
        "clicp": load_config("xcopa", ["learning_rate=1e-2"], mode="clicp",
                             output_dir=str(out / "adapters" / "clicp"), **common),
    }
    for name, config in runs.items():
        if not (Path(config.output_dir) / "adapter_config.json").is_file():
            print(f"\n=== training {name} ({config.tuning}, {args.steps} steps) ===", flush=True)
            train(config)

    tasks = ",".join(f"xtransfer_xcopa_{lang}" for lang in EVAL_LANGS)
    for name, metadata in (("mtl", None), ("clicp", IN_CONTEXT)):
        print(f"\n=== evaluating base and {name} ({'in-context' if metadata else 'zero-shot'}) ===", flush=True)
        command = [sys.executable, "-m", "xtransfer_bench.cli", "eval", "--model", "auto",
                   "--model_args", f"pretrained={model},adapters={name}:{runs[name].output_dir}",
                   "--tasks", tasks, "--apply_chat_template", "--batch_size", "8", "--limit", str(args.limit), "--log_samples",
                   "--output_path", str(out / "results" / name)]
        if metadata:
            command += ["--metadata", json.dumps(metadata)]
        subprocess.run(command, check=True)
    print_table(out / "results")


def print_table(results: Path) -> None:
    print("\nXCOPA accuracy per language")
    print("model                 " + " ".join(f"{lang:>6}" for lang in EVAL_LANGS))
    for run, label in (("mtl", "zero-shot"), ("clicp", "in-context")):
        for name in ("base", run):
            found = sorted((results / run / name).rglob("results_*.json"))
            data = json.loads(found[-1].read_text())["results"] if found else {}
            cells = [data.get(f"xtransfer_xcopa_{lang}", {}).get("acc,none") for lang in EVAL_LANGS]
            title = f"{name} ({label})"
            print(f"{title:<21} " + " ".join(f"{c:6.1f}" if isinstance(c, (int, float)) else f"{'-':>6}" for c in cells))


if __name__ == "__main__":
    main()
