"""Running lm-eval (our engines and its own hf model) in subprocesses and
reading back what each request generated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from xtransfer_bench import task_files
from xtransfer_bench.fixtures import FIXTURES_DIR

BIN = Path(sys.executable).parent
TASKS = "xtransfer_massive_en,xtransfer_massive_ja,xtransfer_wmt_de_en"
COMMON = ["--device", "cpu", "--tasks", TASKS, "--limit", "3", "--apply_chat_template", "--log_samples",
          "--gen_kwargs", "max_gen_toks=24", "--metadata", '{"comet_model": "none"}']
ENV = dict(os.environ, XTRANSFER_DATA_DIR=str(FIXTURES_DIR), HF_HUB_OFFLINE="1")


def responses(out: Path) -> dict:
    """(task, doc_id) -> generated text, from lm-eval's samples files under out."""
    found = {}
    for path in Path(out).rglob("samples_*.jsonl"):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            found[(path.name.split("_20")[0], row["doc_id"])] = row["resps"][0][0]
    return found


def reference(model_args: str, out: Path) -> dict:
    """lm-eval's own hf model (one adapter through peft=, or none)."""
    return references({"hf": model_args}, out)["hf"]


def references(runs: dict[str, str], out: Path) -> dict[str, dict]:
    """lm-eval's own hf model for several model_args, one lm-eval CLI run each,
    in one process (lm_eval_cli_batch.py): name -> (task, doc_id) -> generated text."""
    argv = [["--model", "hf", "--model_args", model_args, "--batch_size", "2",
             "--include_path", str(task_files.TASKS_DIR), "--output_path", str(out / name), *COMMON]
            for name, model_args in runs.items()]
    spec = Path(out) / "runs.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps(argv))
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("lm_eval_cli_batch.py")), str(spec)],
                          env=ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return {name: responses(out / name) for name in runs}


def engine_run(engine: str, model_args: str, out: Path, *extra: str) -> str:
    """`xtransfer-bench eval` with a multi-adapter engine; returns its log."""
    done = subprocess.run(
        [str(BIN / "xtransfer-bench"), "eval", "--model", engine, "--model_args", model_args,
         "--output_path", str(out), *extra, *COMMON],
        env=ENV, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr + done.stdout
