"""The representation shift of CL-ICP (S) at evaluation, on SmolLM2:
xtransfer-hf applies a trained shift exactly as a hand-written greedy loop
does, and xtransfer-vllm (which runs no layer hooks) refuses it unless told
shift=off. Its own file so that a second test worker can run it beside the
other SmolLM2 files (each takes minutes on 2 cores)."""

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from xtransfer_bench.adapters import SHIFT_FILE, AdapterError
from xtransfer_bench.backends.adapter_set import Adapter, check_compatible

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent



SHIFT_LAYERS = (4, 20)  # of SmolLM2's 30


@pytest.fixture(scope="module")
def shift_family(tmp_path_factory):
    """SmolLM2 (a random tiny model answers every prompt alike: its output
    hangs on the last tokens, never on the question the shift moves), a
    random soft prompt at the scale of its embeddings, and the same soft
    prompt marked as trained with the shift."""
    from tiny_models import build_soft_prompt

    from xtransfer_bench.default_model import default_model_path

    root = tmp_path_factory.mktemp("shift")
    model = default_model_path()
    plain = build_soft_prompt(model, root / "plain", std=0.05)
    shifted = Path(shutil.copytree(plain, root / "shifted"))
    (shifted / SHIFT_FILE).write_text(json.dumps({"layer_to": SHIFT_LAYERS[0], "layer_back": SHIFT_LAYERS[1]}))
    return {"model": model, "plain": plain, "shifted": shifted}


@functools.lru_cache(maxsize=2)
def peft_model(model_dir: Path, adapter: Path):
    """Tokenizer and PEFT model, loaded once per adapter for all the rows."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    return AutoTokenizer.from_pretrained(model_dir), PeftModel.from_pretrained(model, adapter).eval()


def greedy_by_hand(model_dir: Path, adapter: Path, context: str, until: list[str], new_tokens: int, shift: bool) -> str:
    """Greedy decoding without a KV cache: every step re-runs the whole
    sequence, shifting the question's prompt tokens (never generated ones)."""
    from xtransfer_bench.shift import RepresentationShift, shift_masks

    tokenizer, model = peft_model(model_dir, adapter)
    encoded = tokenizer(context, return_offsets_mapping=True)
    demo, target = shift_masks(context, encoded["offset_mapping"])
    assert any(demo) and any(target)
    ids = list(encoded["input_ids"])
    representation_shift = RepresentationShift(model, *SHIFT_LAYERS)
    for _ in range(new_tokens):
        extra = [False] * (len(ids) - len(demo))
        with torch.no_grad(), representation_shift.attached():
            if shift:
                with representation_shift.spans(torch.tensor([demo + extra]), torch.tensor([target + extra])):
                    logits = model(input_ids=torch.tensor([ids])).logits
            else:
                logits = model(input_ids=torch.tensor([ids])).logits
        ids.append(int(logits[0, -1].argmax()))
    text = tokenizer.decode(ids[len(encoded["input_ids"]):])
    for stop in until:
        text = text.split(stop)[0]
    return text


def test_xtransfer_hf_applies_the_trained_shift_as_by_hand(shift_family, clicp_data_root, tmp_path):
    import os

    family = shift_family
    out = tmp_path / "run"
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(clicp_data_root), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [str(BIN / "xtransfer-bench"), "eval", "--model", "xtransfer-hf", "--model_args",
         f"pretrained={family['model']},adapters=plain:{family['plain']};shifted:{family['shifted']},include_base=false",
         "--device", "cpu", "--tasks", "xtransfer_xcopa_tr", "--limit", "4", "--batch_size", "4",
         "--apply_chat_template", "--log_samples", "--gen_kwargs", "max_gen_toks=12",
         "--metadata", json.dumps({"demonstrations": "mixed", "num_demonstrations": 3}), "--output_path", str(out)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = {}
    for path in out.rglob("samples_*.jsonl"):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        runs[path.relative_to(out).parts[0]] = rows
    assert set(runs) == {"plain", "shifted"} and all(len(rows) == 4 for rows in runs.values())
    differ = 0
    for name, rows in runs.items():
        for row in rows:
            context, gen_kwargs = row["arguments"]["gen_args_0"]["arg_0"], row["arguments"]["gen_args_0"]["arg_1"]
            want = greedy_by_hand(family["model"], family[name], context, gen_kwargs["until"], 12, shift=name == "shifted")
            assert row["resps"][0][0] == want, (name, row["doc_id"])
    peft_model.cache_clear()
    for plain_row, shifted_row in zip(runs["plain"], runs["shifted"]):
        differ += plain_row["resps"][0][0] != shifted_row["resps"][0][0]
    assert differ, "the shift changed no output: the comparison would prove nothing"


def test_vllm_refuses_a_shifted_adapter_unless_shift_is_off(shift_family):
    shifted = Adapter("s", str(shift_family["shifted"]))
    with pytest.raises(AdapterError, match="representation shift.*xtransfer-hf.*shift=off"):
        check_compatible([shifted], str(shift_family["model"]), engine="xtransfer-vllm")
    check_compatible([shifted], str(shift_family["model"]), engine="xtransfer-vllm", shift="off")
    check_compatible([shifted], str(shift_family["model"]), engine="xtransfer-hf")
    assert Adapter("p", str(shift_family["plain"])).fingerprint() != shifted.fingerprint()
