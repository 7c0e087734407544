"""A CL-ICP soft prompt trained on SmolLM2 answers alike through lm-eval's
hf model, xtransfer-hf and xtransfer-vllm, and the SmolLM2 script
(trainers/transfer_end_to_end.py) trains MTL and CL-ICP and evaluates both.
Its own file so that a second test worker can run it beside the other
SmolLM2 files (each takes minutes on 2 cores)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import shared_path

from xtransfer_bench.trainers.config import load_config
from xtransfer_bench.trainers.trainer import train

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent



@pytest.fixture(scope="module")
def clicp_adapter(clicp_data_root, tmp_path_factory):
    """A CL-ICP soft prompt trained on SmolLM2 for a few steps (no shift)."""
    import os

    from xtransfer_bench.default_model import default_model_path

    previous = os.environ.get("XTRANSFER_DATA_DIR")
    os.environ["XTRANSFER_DATA_DIR"] = str(clicp_data_root)
    try:
        return train(load_config(
            None, ["learning_rate=1e-2", "target_ratio=0.2"], mode="clicp", model=str(default_model_path()),
            output_dir=str(tmp_path_factory.mktemp("clicp") / "clicp"), task="xcopa", target_langs=["tr"],
            effective_batch=4, micro_batch=2, max_steps=3, max_length=768,
        ))
    finally:
        if previous is None:
            os.environ.pop("XTRANSFER_DATA_DIR")
        else:
            os.environ["XTRANSFER_DATA_DIR"] = previous


def in_context_run(clicp_data_root, out: Path, model: str, model_args: str, *extra: str) -> dict:
    import os

    env = dict(os.environ, XTRANSFER_DATA_DIR=str(clicp_data_root), HF_HUB_OFFLINE="1")
    command = [str(BIN / "xtransfer-bench"), "eval", "--model", model, "--model_args", model_args,
               "--device", "cpu", "--tasks", "xtransfer_xcopa_tr", "--limit", "4", "--apply_chat_template",
               "--log_samples", "--gen_kwargs", "max_gen_toks=12", "--output_path", str(out),
               "--metadata", json.dumps({"demonstrations": "mixed", "num_demonstrations": 3}), *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    found = {}
    for path in out.rglob("samples_*.jsonl"):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            found[(path.relative_to(out).parts[0], row["doc_id"])] = row["resps"][0][0]
    return found


def test_a_clicp_adapter_answers_alike_in_lm_eval_hf_xtransfer_hf_and_xtransfer_vllm(clicp_adapter, clicp_data_root, tmp_path):
    import importlib.util

    from xtransfer_bench.default_model import default_model_path

    model = default_model_path()
    # lm-eval's own hf model, one row at a time (PEFT's soft prompts shift positions under padding).
    want = {doc: text for (_, doc), text in in_context_run(
        clicp_data_root, tmp_path / "hf", "hf", f"pretrained={model},peft={clicp_adapter}", "--batch_size", "1").items()}
    base = {doc: text for (name, doc), text in in_context_run(
        clicp_data_root, tmp_path / "base", "hf", f"pretrained={model}", "--batch_size", "1").items()}
    assert len(want) == 4 and want != base  # the trained soft prompt changes answers
    ours = in_context_run(clicp_data_root, tmp_path / "xhf", "xtransfer-hf",
                          f"pretrained={model},adapters=clicp:{clicp_adapter},include_base=false", "--batch_size", "4")
    assert {doc: text for (_, doc), text in ours.items()} == want
    if importlib.util.find_spec("vllm") is None:
        pytest.skip("vLLM is not installed (make install-vllm); lm-eval hf and xtransfer-hf agree")
    served = in_context_run(clicp_data_root, tmp_path / "vllm", "xtransfer-vllm",
                            f"pretrained={model},adapters=clicp:{clicp_adapter},include_base=false,dtype=float32")
    assert {doc: text for (_, doc), text in served.items()} == want


def test_the_smollm2_script_trains_mtl_and_clicp_and_evaluates_both(tmp_path):
    """trainers/transfer_end_to_end.py at its smallest: two steps each, two questions per language."""
    data = shared_path("data")
    done = subprocess.run(
        [sys.executable, "-m", "xtransfer_bench.trainers.transfer_end_to_end", "--data", str(data),
         "--out", str(tmp_path), "--steps", "2", "--limit", "2"],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / "adapters" / "mtl" / "adapter_config.json").read_text())["peft_type"] == "LORA"
    clicp = json.loads((tmp_path / "adapters" / "clicp" / "adapter_config.json").read_text())
    assert clicp["peft_type"] == "PROMPT_TUNING" and clicp["num_virtual_tokens"] == 10
    for run in ("mtl", "clicp"):
        for name in ("base", run):
            (results,) = (tmp_path / "results" / run / name).rglob("results_*.json")
            scores = json.loads(results.read_text())["results"]
            assert set(scores) == {"xtransfer_xcopa_en", "xtransfer_xcopa_tr"}
            assert all(0 <= s["acc,none"] <= 100 for s in scores.values())
    # The CL-ICP run evaluated the in-context variant: three demonstrations before each question.
    (samples,) = (tmp_path / "results" / "clicp" / "clicp").rglob("samples_xtransfer_xcopa_tr_*.jsonl")
    row = json.loads(samples.read_text().splitlines()[0])
    assert len(row["doc"]["demonstration_ids"]) == 3
    assert "XCOPA accuracy per language" in done.stdout
