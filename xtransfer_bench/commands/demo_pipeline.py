"""`xtransfer-bench demo` (and `make demo`): the whole pipeline on the
default model, offline, with the time of every stage.

1. train an SFT adapter and a middle-layer-aligned adapter on synthetic
   MASSIVE-schema rows in en/de/es (their translations are the alignment pairs);
2. merge them (task weight 0.9);
3. evaluate base, SFT, aligned and merged in one engine process on the
   bundled MASSIVE rows (xtransfer-hf on CPU, measured the faster engine
   there; xtransfer-vllm on a GPU);
4. measure translation retrieval by layer for all four models in one
   align-eval run (one model in memory, each adapter switched on in turn);
5. write the leaderboard with paired-bootstrap intervals against the base;
6. end with the report: per-language gains beside alignment changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from xtransfer_bench import languages, task_files
from xtransfer_bench.data import DATA_DIR_ENV
from xtransfer_bench.fixtures import FIXTURES_DIR

DEMO_LANGS = {"en": "en-US", "de": "de-DE", "es": "es-ES"}
# Languages whose alignment stage 4 measures and the report correlates: nine
# of the twenty evaluated (the training languages, the aligned set's cy/ja/sw,
# others) and English; enough for a correlation, few enough for the time.
ALIGN_LANGS = ["en", "de", "es", "fr", "ru", "zh", "ja", "sw", "cy", "tr"]
DEMO_MAX_NEW_TOKENS = 40


def write_massive_multiway(folder: Path) -> Path:
    """The bundled MASSIVE rows of every locale (the same commands in every
    language, translations of each other) in the SIB-200 TSV layout, for
    align-eval: each evaluated language's alignment with English."""
    for path in sorted((FIXTURES_DIR / "massive").glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        target = folder / languages.get(path.stem).flores
        target.mkdir(parents=True, exist_ok=True)
        lines = ["index_id\tcategory\ttext"] + [f"{row['id']}\tdemo\t{row['utt']}" for row in rows]
        (target / "dev.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


class Stages:
    """Prints each stage's heading and keeps its wall time."""

    def __init__(self):
        self.times: list[tuple[str, float]] = []
        self._name, self._started = None, 0.0

    def start(self, name: str) -> None:
        self._close()
        self._name, self._started = name, time.time()
        print(f"\n=== {len(self.times) + 1}. {name} ===", flush=True)

    def _close(self) -> None:
        if self._name is not None:
            self.times.append((self._name, time.time() - self._started))
            self._name = None

    def summary(self) -> str:
        self._close()
        width = max(len(name) for name, _ in self.times)
        lines = [f"  {i}. {name:<{width}}  {seconds:6.0f} s" for i, (name, seconds) in enumerate(self.times, 1)]
        return "\n".join(["Time per stage:", *lines, f"     {'total':<{width}}  {sum(s for _, s in self.times):6.0f} s"])


def run_pipeline(output_path: str = "demo-results", steps: int = 20, limit: int | None = 3) -> Path:
    from xtransfer_bench.analysis.align_eval import run as align_eval
    from xtransfer_bench.commands.eval import pick_engine
    from xtransfer_bench.default_model import default_model_path
    from xtransfer_bench.fixtures import synthetic_massive
    from xtransfer_bench.leaderboard.build import build
    from xtransfer_bench.leaderboard.write import title
    from xtransfer_bench.report.build import build as build_report
    from xtransfer_bench.report.layout import summary_lines
    from xtransfer_bench.trainers.config import load_config
    from xtransfer_bench.trainers.merge import merge_adapters
    from xtransfer_bench.trainers.trainer import train

    stages = Stages()
    out = Path(output_path).resolve()
    root = synthetic_massive.write(out / "data")
    synthetic_massive.write_alma(root)
    multiway = write_massive_multiway(out / "data" / "flores_massive")
    os.environ[DATA_DIR_ENV] = str(root)
    model = str(default_model_path())
    print(f"Model: {model}\nData: {root} (synthetic training rows in en/de/es, the bundled MASSIVE test rows)")

    # SmolLM2's first token is an attention sink: pooled with it, all sentences
    # look alike (cosine 0.999) and the alignment loss has no gradient.
    common = dict(model=model, task="massive", train_langs=list(DEMO_LANGS), align_source="task",
                  align_langs=["de", "es"], align_layer="middle", effective_batch=4, micro_batch=4,
                  contrastive_batch=4, align_dev_pairs=4, align_skip_first_token=True, limit_dev_examples=8,
                  learning_rate=1e-3, eval_steps=max(steps // 2, 1), max_length=256)
    adapters = {}
    # midalign alternates task and alignment steps: twice the steps give it as many task steps as SFT.
    for name, mode, total in (("sft", "sft", steps), ("aligned", "midalign", 2 * steps)):
        folder = out / "adapters" / name
        if not (folder / "adapter_model.safetensors").is_file():
            stages.start(f"training {name} ({mode}, {total} steps)")
            train(load_config(None, [], mode=mode, output_dir=str(folder), max_steps=total, **common))
        adapters[name] = folder
    stages.start("merging sft and aligned (task weight 0.9)")
    adapters["merged"] = merge_adapters(str(adapters["sft"]), str(adapters["aligned"]), out / "adapters" / "merged",
                                        task_weight=0.9, mode="exact")

    engine = pick_engine()
    stages.start(f"evaluating base, sft, aligned, merged in one {engine} process")
    spec = ";".join(f"{name}:{path}" for name, path in adapters.items())
    command = [sys.executable, "-m", "xtransfer_bench.cli", "eval", "--model", engine,
               "--model_args", f"pretrained={model},adapters={spec}", "--tasks", task_files.group_name("massive"),
               "--apply_chat_template", "--batch_size", "64", "--log_samples", "--output_path", str(out / "results"),
               # The longest gold answer of the bundled rows is 37 tokens; an untrained model
               # rambles to the limit, which costs most of the stage at the task's 128.
               "--gen_kwargs", f"max_gen_toks={DEMO_MAX_NEW_TOKENS}"]
    subprocess.run(command + (["--limit", str(limit)] if limit else []), check=True)

    stages.start(f"retrieval by layer, base and the three adapters ({len(ALIGN_LANGS)} languages)")
    retrieval = align_eval(model, ALIGN_LANGS, str(multiway), "dev", out / "retrieval",
                           adapter=[f"{name}={path}" for name, path in adapters.items()], skip_first_token=True)
    for name, result in retrieval["results"].items():
        print(f"retrieval {name}: {result['summary_even_layers']:.1f}% (mean over pairs at even layers)")

    stages.start("leaderboard")
    baseline = f"{Path(model).name}/base"
    board = build([str(out / "results")], out / "leaderboard", baseline=baseline, reference=None)
    for warning in board["warnings"]:
        print(f"warning: {warning}")
    # The first table holding the demo's rows (fixture runs sit apart from published rows).
    table = next(t for t in board["tables"] if any(row.source == "run" for row in t.rows))
    markdown = (out / "leaderboard" / "leaderboard.md").read_text(encoding="utf-8")
    print("\n### " + next(part for part in markdown.split("\n### ") if part.startswith(title(table)))[:3000])

    stages.start("report: does alignment predict transfer?")
    built = build_report([str(out / "results")], out / "report", baseline=baseline,
                         align_eval=[str(out / "retrieval")])
    print("\n".join(summary_lines(built["report"])))
    print(f"\n{stages.summary()}")
    print(f"\nLeaderboard: {out / 'leaderboard' / 'index.html'}; retrieval figures: {out / 'retrieval'}; "
          f"report: {out / 'report' / 'report.html'}.")
    return out
