"""A WMT task through the real lm_eval CLI with a tiny model and a tiny COMET checkpoint."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xtransfer_bench import task_files
from xtransfer_bench.fixtures import FIXTURES_DIR

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def wmt_run(tiny_model, tmp_path_factory):
    pytest.importorskip("xtransfer_bench.metrics.comet").import_comet()
    pytest.importorskip("comet")
    from tiny_comet import build_tiny_comet

    comet_dir = build_tiny_comet(tmp_path_factory.mktemp("tiny-comet"))
    out = tmp_path_factory.mktemp("lm-eval-wmt")
    metadata = json.dumps({"comet_model": str(comet_dir), "comet_batch_size": 2})
    command = [
        str(BIN / "lm_eval"), "--model", "hf", "--model_args", f"pretrained={tiny_model}", "--device", "cpu",
        "--include_path", str(task_files.TASKS_DIR), "--tasks", "xtransfer_wmt_de_en,xtransfer_wmt_en_ja",
        "--limit", "3", "--apply_chat_template", "--metadata", metadata,
        "--gen_kwargs", "max_gen_toks=24", "--output_path", str(out), "--log_samples",
    ]
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(FIXTURES_DIR), HF_HUB_OFFLINE="1")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return comet_dir, out, json.loads(next(out.rglob("results_*.json")).read_text())


def test_results_hold_bleu_chrf_comet_and_signatures(wmt_run):
    _, _, results = wmt_run
    de_en = results["results"]["xtransfer_wmt_de_en"]
    for metric in ("bleu", "chrf", "comet"):
        assert isinstance(de_en[f"{metric},none"], float) and de_en[f"{metric},none"] == de_en[f"{metric},none"]  # not NaN
    # The fixture has two references; the default protocol scores the first.
    assert de_en["bleu_signature,none"].startswith("nrefs:1|") and "tok:13a" in de_en["bleu_signature,none"]
    assert de_en["data_source,none"].startswith("fixtures:wmt22:de-en:test|local:")
    assert "nc:6" in de_en["chrf_signature,none"]
    assert de_en["comet_signature,none"].startswith("model:")
    assert "tok:ja-mecab" in results["results"]["xtransfer_wmt_en_ja"]["bleu_signature,none"]


def test_metrics_recompute_from_logged_samples(wmt_run):
    """Independent recomputation: sacrebleu and COMET on the logged hypotheses."""
    from sacrebleu.metrics import BLEU

    from xtransfer_bench.metrics.comet import comet_score

    comet_dir, out, results = wmt_run
    rows = [json.loads(line) for line in next(out.rglob("samples_xtransfer_wmt_de_en_*.jsonl")).read_text().splitlines()]
    rows.sort(key=lambda row: row["doc_id"])
    hyps = [row["bleu"]["hypothesis"] for row in rows]
    # References read from the release-layout file itself: the first one (ref.A).
    ref_a = (FIXTURES_DIR / "wmt" / "wmt22" / "generaltest2022.de-en.ref.A.en").read_text(encoding="utf-8").splitlines()
    refs = [[ref_a[row["doc_id"]]] for row in rows]
    # The hypothesis is the first non-empty line of the generated text.
    for row, hyp in zip(rows, hyps):
        lines = [line.strip() for line in row["resps"][0][0].strip().splitlines() if line.strip()]
        assert hyp == (lines[0] if lines else "")
    expected_bleu = BLEU(tokenize="13a").corpus_score(hyps, [list(r) for r in zip(*refs)]).score
    assert results["results"]["xtransfer_wmt_de_en"]["bleu,none"] == pytest.approx(expected_bleu)
    comet = comet_score([row["doc"]["source"] for row in rows], hyps, [r[0] for r in refs], model=str(comet_dir), batch_size=2)
    assert results["results"]["xtransfer_wmt_de_en"]["comet,none"] == pytest.approx(comet.system, abs=1e-4)


def test_score_command_skips_comet_clearly_without_the_model(tmp_path):
    hyp = tmp_path / "hyp.en"
    hyp.write_text((FIXTURES_DIR / "wmt" / "wmt22" / "generaltest2022.de-en.ref.A.en").read_text())
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(FIXTURES_DIR), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [str(BIN / "xtransfer-bench"), "score", "--task", "xtransfer_wmt_de_en", "--predictions", str(hyp),
         "--comet-model", str(tmp_path / "no-such-checkpoint")],
        capture_output=True, text=True, env=env,
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.strip().splitlines())
    assert float(lines["bleu"]) == pytest.approx(100.0) and float(lines["chrf"]) == pytest.approx(100.0)
    assert lines["comet"] == "nan" and lines["comet_signature"].startswith("skipped:")
