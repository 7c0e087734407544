"""Train an SFT and a middle-layer-aligned adapter on SmolLM2-135M for a few
dozen steps, then evaluate the base model and both adapters through the
benchmark in one process. Offline: MASSIVE rows are the bundled fixtures plus
the synthetic training rows; Tatoeba comes from --tatoeba (LASER layout) or
the hub.

    python -m xtransfer_bench.trainers.end_to_end --out e2e-run --tatoeba ../shared/data/tatoeba

It is a smoke run of the whole pipeline (a 135M model, 20 training rows per
language), not a reproduction: expect low F1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

TASK_LANGS = ["en", "de", "es"]
ALIGN_LANGS = ["cy", "sw"]  # transfer languages with Tatoeba pairs
EVAL_LANGS = ["en", "de", "es", "cy", "sw", "ja"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="e2e-run", help="working folder: data root, adapters, results")
    parser.add_argument("--tatoeba", default=None, help="folder with tatoeba.<xxx>-eng.* files (default: the hub)")
    parser.add_argument("--steps", type=int, default=24, help="optimizer steps per adapter")
    parser.add_argument("--limit", type=int, default=None, help="test examples per language")
    args = parser.parse_args(argv)

    from xtransfer_bench.default_model import default_model_path
    from xtransfer_bench.fixtures import synthetic_massive
    from xtransfer_bench.trainers.config import load_config
    from xtransfer_bench.trainers.trainer import train

    out = Path(args.out).resolve()
    root = synthetic_massive.write(out / "data")
    if args.tatoeba:
        link = root / "tatoeba"
        if not link.exists():
            link.symlink_to(Path(args.tatoeba).resolve())
    os.environ["XTRANSFER_DATA_DIR"] = str(root)
    model = str(default_model_path())
    common = dict(model=model, task="massive", train_langs=TASK_LANGS, align_langs=ALIGN_LANGS, align_layer=8,
                  effective_batch=8, micro_batch=4, contrastive_batch=8, align_dev_pairs=32, limit_dev_examples=8,
                  learning_rate=1e-3, max_steps=args.steps, eval_steps=max(args.steps // 3, 1), max_length=256)
    adapters = {}
    for name, mode in (("sft", "sft"), ("aligned", "midalign")):
        folder = out / "adapters" / name
        if not (folder / "adapter_model.safetensors").is_file():
            print(f"\n=== training {name} ({mode}, {args.steps} steps) ===", flush=True)
            train(load_config(None, [], mode=mode, output_dir=str(folder), **common))
        adapters[name] = folder

    tasks = ",".join(f"xtransfer_massive_{lang}" for lang in EVAL_LANGS)
    spec = ";".join(f"{name}:{path}" for name, path in adapters.items())
    command = [sys.executable, "-m", "xtransfer_bench.cli", "eval", "--model", "auto",
               "--model_args", f"pretrained={model},adapters={spec}", "--tasks", tasks, "--apply_chat_template",
               "--batch_size", "8", "--output_path", str(out / "results")]
    if args.limit:
        command += ["--limit", str(args.limit)]
    print("\n=== evaluating base, sft, aligned ===", flush=True)
    subprocess.run(command, check=True)
    print_table(out / "results", ["base", *adapters])


def print_table(results: Path, names: list[str]) -> None:
    scores = {}
    for name in names:
        found = sorted((results / name).rglob("results_*.json"))
        data = json.loads(found[-1].read_text())["results"] if found else {}
        scores[name] = {task.removeprefix("xtransfer_massive_"): values.get("f1,none") for task, values in data.items()}
    print("\nslot F1 per language")
    print("model     " + " ".join(f"{lang:>6}" for lang in EVAL_LANGS))
    for name in names:
        cells = [scores[name].get(lang) for lang in EVAL_LANGS]
        print(f"{name:<9} " + " ".join(f"{c:6.1f}" if isinstance(c, (int, float)) else f"{'-':>6}" for c in cells))


if __name__ == "__main__":
    main()
