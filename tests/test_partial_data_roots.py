"""Data roots that lack optional parts (no dev partition, no dev file, other
languages missing) serve everything that does not need them; --num_fewshot
without a dev split fails in one line naming the split and the file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import shared_path
from xtransfer_bench import task_files
from xtransfer_bench.fixtures import FIXTURES_DIR

BIN = Path(sys.executable).parent


def run(*command, root: Path, timeout=900):
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, XTRANSFER_DATA_DIR=str(root), HF_HUB_OFFLINE="1"))


@pytest.fixture(scope="module")
def test_only_massive(tmp_path_factory) -> Path:
    """MASSIVE's German file with its test partition only, and no other language."""
    root = tmp_path_factory.mktemp("test-only")
    (root / "massive").mkdir()
    rows = [json.loads(line) for line in (FIXTURES_DIR / "massive" / "de-DE.jsonl").read_text().splitlines()]
    test = [row for row in rows if row["partition"] == "test"]
    assert len(test) < len(rows)  # the fixture has train/dev rows that are now gone
    (root / "massive" / "de-DE.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in test) + "\n")
    return root


def test_score_on_a_test_only_root(test_only_massive, tmp_path):
    # Half the answers are the gold annotation, written in the answer format by hand from
    # annot_utt; the rest "None". Expected F1 = 2 tp / (predicted + gold), entities counted
    # from the brackets (no two brackets of one type are adjacent in these rows, checked below).
    rows = [json.loads(line) for line in (test_only_massive / "massive" / "de-DE.jsonl").read_text().splitlines()]
    answers, tp, gold = [], 0, 0
    for i, row in enumerate(rows):
        pairs = [part.strip("[]").split(" : ") for part in row["annot_utt"].split("[")[1:]]
        pairs = [(slot, value.split("]")[0]) for slot, value in pairs]
        gold += len(pairs)
        if i % 2 == 0:
            answers.append("; ".join(f"{slot}: {value}" for slot, value in pairs) or "None")
            tp += len(pairs)
        else:
            answers.append("None")
        assert "] [" not in row["annot_utt"]
    expected = 100 * 2 * tp / (tp + gold)
    assert 0 < expected < 100
    predictions = tmp_path / "answers.txt"
    predictions.write_text("\n".join(answers) + "\n", encoding="utf-8")
    done = run(BIN / "xtransfer-bench", "score", "--task", "xtransfer_massive_de", "--predictions", predictions,
               "--metrics", "f1_paper,f1", root=test_only_massive)
    assert done.returncode == 0, done.stderr[-2000:]
    scores = dict(line.split() for line in done.stdout.strip().splitlines())
    assert float(scores["f1_paper"]) == pytest.approx(expected, abs=0.01)
    assert float(scores["f1"]) == pytest.approx(expected, abs=0.01)


def test_lm_eval_zero_shot_on_a_test_only_root_and_fewshot_refused(test_only_massive, tiny_model, tmp_path):
    common = ["--model_args", f"pretrained={tiny_model}", "--device", "cpu", "--tasks", "xtransfer_massive_de",
              "--limit", "2", "--gen_kwargs", "max_gen_toks=4"]
    done = run(BIN / "lm_eval", "--model", "hf", "--include_path", task_files.TASKS_DIR, *common,
               "--output_path", tmp_path, root=test_only_massive)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(next(tmp_path.rglob("results_*.json")).read_text())["results"]["xtransfer_massive_de"]
    done = run(BIN / "xtransfer-bench", "eval", *common, "--num_fewshot", "1", root=test_only_massive)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("xtransfer-bench: error: --num_fewshot 1 needs the MASSIVE dev split")
    assert "de-DE.jsonl has no rows with partition 'dev'" in last and "Traceback" not in done.stderr


def test_uner_without_dev_files_scores(tmp_path):
    uner = shared_path("data", "uner", "UNER_Danish-DDT")
    folder = tmp_path / "uner" / uner.name
    folder.mkdir(parents=True)
    test_file = next(uner.glob("*-test.iob2"))
    (folder / test_file.name).symlink_to(test_file)
    # Gold answers from the task's own targets are right by construction: F1 100 under both protocols.
    os.environ["XTRANSFER_DATA_DIR"] = str(tmp_path)
    try:
        from xtransfer_bench.data import uner as loader

        targets = loader.load("da", "test")["target"]
    finally:
        os.environ.pop("XTRANSFER_DATA_DIR")
    predictions = tmp_path / "answers.txt"
    predictions.write_text("\n".join(t.replace("\n", " ") for t in targets) + "\n", encoding="utf-8")
    done = run(BIN / "xtransfer-bench", "score", "--task", "xtransfer_uner_da", "--predictions", predictions,
               "--metrics", "f1", root=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.split()[-1]) == pytest.approx(100.0)
