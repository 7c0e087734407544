"""`xtransfer-bench score` starts in seconds: lm-eval's task index holds our
tasks alone (its own ~15k YAMLs take ~9 s to index), and scoring BLEU/chrF
imports no model library (issue 20)."""

import json
import os
import subprocess
import sys

from xtransfer_bench.fixtures import FIXTURES_DIR
from xtransfer_bench.score import _task_manager

# Libraries a score without COMET has no use for; each costs seconds to import.
MODEL_LIBRARIES = ("torch", "transformers", "peft", "accelerate", "vllm", "comet")


def test_score_indexes_our_tasks_only():
    manager = _task_manager(json.dumps({"comet_model": "none"}))
    # hellaswag and mmlu are lm-eval's own tasks: in the index only if its
    # default task folder was walked.
    assert "xtransfer_wmt_en_ja" in manager.all_tasks and "xtransfer_massive" in manager.all_groups
    assert "hellaswag" not in manager.all_tasks and "mmlu" not in manager.all_tasks
    assert all(name.startswith("xtransfer") for name in manager.all_tasks)


def test_bleu_chrf_score_imports_no_model_library(tmp_path):
    # The fixture's own reference as the hypothesis: BLEU and chrF are 100,
    # so the run really scored (a crash or empty score would fail first).
    hyp = FIXTURES_DIR / "wmt" / "wmt23" / "generaltest2023.en-ja.ref.refA.ja"
    program = (
        "import json, sys\n"
        "from xtransfer_bench.cli import main\n"
        f"code = main(['score', '--task', 'xtransfer_wmt_en_ja', '--predictions', {str(hyp)!r}, '--metrics', 'bleu,chrf'])\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({MODEL_LIBRARIES!r}))\n"
        "print(json.dumps({'code': code, 'loaded': loaded}))\n"
    )
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(FIXTURES_DIR), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1])
    assert report == {"code": 0, "loaded": []}
    scores = dict(line.split() for line in lines[:-1])
    assert float(scores["bleu"]) == 100.0 and float(scores["chrf"]) == 100.0
