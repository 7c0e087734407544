"""xtransfer-hf: K LoRA adapters in one process, mixed batches, outputs equal
to lm-eval's own hf backend with peft=, request by request."""

import json
import re
from pathlib import Path

import pytest
from lm_eval_runs import engine_run, references, responses

from xtransfer_bench.adapters import AdapterError
from xtransfer_bench.backends.adapter_set import check_compatible, parse_adapters


@pytest.fixture(scope="module")
def second_lora(tiny_model, tmp_path_factory):
    from tiny_models import build_lora

    return build_lora(tiny_model, tmp_path_factory.mktemp("lora-b"), seed=7)


@pytest.fixture(scope="module", params=["true", "false"], ids=["mixed-batches", "per-adapter-batches"])
def multi_run(request, tiny_model, tiny_lora, second_lora, tmp_path_factory):
    out = tmp_path_factory.mktemp("multi")
    model_args = f"pretrained={tiny_model},adapters=a:{tiny_lora};b:{second_lora},mix_adapters={request.param}"
    return out, engine_run("xtransfer-hf", model_args, out, "--batch_size", "4")


@pytest.fixture(scope="module")
def expected(tiny_model, tiny_lora, second_lora, tmp_path_factory):
    """lm-eval's own hf backend, one run per adapter."""
    out = tmp_path_factory.mktemp("reference")
    return references({
        "base": f"pretrained={tiny_model}",
        "a": f"pretrained={tiny_model},peft={tiny_lora}",
        "b": f"pretrained={tiny_model},peft={second_lora}",
    }, out)


def test_every_output_equals_lm_eval_hf_with_peft(multi_run, expected):
    out, _ = multi_run
    assert expected["a"] != expected["base"] and expected["a"] != expected["b"]  # the adapters matter
    for name, want in expected.items():
        got = responses(out / name)
        assert len(want) == 9 and got == want, name


def test_one_results_file_per_adapter_with_name_and_hash(multi_run):
    out, log = multi_run
    from xtransfer_bench.backends.adapter_set import Adapter

    for name in ("base", "a", "b"):
        results = json.loads(next((out / name).rglob("results_*.json")).read_text())
        model_args = results["config"]["model_args"]
        assert model_args["active"] == name
        assert set(results["results"]) >= {"xtransfer_massive_en", "xtransfer_wmt_de_en"}
    adapters = dict(a.split(":", 1) for a in model_args["adapters"].split(";"))
    a_results = json.loads(next((out / "a").rglob("results_*.json")).read_text())
    assert a_results["config"]["model_args"]["adapter_sha"] == Adapter("a", adapters["a"]).fingerprint()
    # All generation happened in the first run (9 requests x 3 models, mixed in
    # one pass or one pass per model), then nothing was left to generate.
    totals = set(re.findall(r"Running generate_until requests: 100%\|\S*\| (\d+)/", log))
    assert totals == ({"27"} if "mix_adapters=true" in model_args_of(out).lower() else {"9"})


def model_args_of(out: Path) -> str:
    results = json.loads(next((out / "base").rglob("results_*.json")).read_text())
    return ",".join(f"{k}={v}" for k, v in results["config"]["model_args"].items())


def test_without_the_base_model_the_first_adapter_answers(tiny_model, tiny_lora):
    from xtransfer_bench.backends.hf import MultiAdapterHFLM

    lm = MultiAdapterHFLM(pretrained=str(tiny_model), adapters=f"a:{tiny_lora}", include_base="false", device="cpu")
    assert lm.names == ["a"] and lm.active == "a"
    with pytest.raises(ValueError, match="serves a"):
        lm.active = "base"


def test_adapter_spec_errors(tiny_lora, tmp_path):
    with pytest.raises(AdapterError, match="name:path"):
        parse_adapters(f"{tiny_lora}")
    with pytest.raises(AdapterError, match="given twice"):
        parse_adapters(f"a:{tiny_lora};a:{tiny_lora}")
    with pytest.raises(AdapterError, match="not 'base'"):
        parse_adapters(f"base:{tiny_lora}")
    with pytest.raises(AdapterError, match="no adapter_config.json"):
        parse_adapters(f"a:{tmp_path}")


def test_adapter_trained_on_another_base_is_refused(tiny_lora, tmp_path):
    adapters = parse_adapters(f"a:{tiny_lora}")
    with pytest.raises(AdapterError, match="trained on"):
        check_compatible(adapters, "meta-llama/Meta-Llama-3-8B")


def test_adapter_types_neither_engine_serves_are_refused(tmp_path):
    (tmp_path / "adapter_config.json").write_text(json.dumps({"peft_type": "IA3"}))
    save_any_tensor(tmp_path)
    with pytest.raises(AdapterError, match="peft="):
        check_compatible(parse_adapters(f"ia3:{tmp_path}"), "any")


def save_any_tensor(folder: Path) -> None:
    import torch
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(1)}, str(folder / "adapter_model.safetensors"))


@pytest.mark.parametrize(
    "config, problem",
    [
        ({"r": 16}, "rank 16 is above max_lora_rank=8"),
        ({"r": 8, "rank_pattern": {"q_proj": 64}}, "rank 64 is above"),
        ({"r": 8, "use_dora": True}, "DoRA"),
        ({"r": 8, "target_modules": ["q_proj", "embed_tokens"]}, "embed_tokens"),
        ({"r": 8, "modules_to_save": ["lm_head"]}, "modules_to_save"),
        ({"r": 8, "bias": "all"}, "biases"),
    ],
)
def test_loras_vllm_cannot_serve_are_refused_before_loading(tmp_path, config, problem):
    (tmp_path / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", **config}))
    save_any_tensor(tmp_path)
    adapters = parse_adapters(f"x:{tmp_path}")
    check_compatible(adapters, "any", engine="xtransfer-hf", max_lora_rank=8)  # PEFT serves them all
    with pytest.raises(AdapterError, match=re.escape(problem)):
        check_compatible(adapters, "any", engine="xtransfer-vllm", max_lora_rank=8)


def test_corrupt_adapter_weights_are_refused(tiny_lora, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_lora, broken)
    (broken / "adapter_model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header")
    with pytest.raises(AdapterError, match="corrupt"):
        parse_adapters(f"a:{broken}")


def test_compare_reads_the_real_logs_of_two_adapters(multi_run):
    """Paired bootstrap on lm-eval's own per-sample logs: the scores recomputed
    from the logged values equal the results files' (no note), and an adapter
    compared with itself differs by exactly 0 with p = 1."""
    from xtransfer_bench.compare.report import compare
    from xtransfer_bench.compare.runs import load_run

    out, _ = multi_run
    base, a = load_run(out / "base"), load_run(out / "a")
    result = compare(base, a, resamples=50)
    assert {(line.language, line.metric) for line in result.lines} >= {("en", "f1"), ("ja", "f1"), ("de-en", "bleu"),
                                                                       ("de-en", "chrf")}
    assert not result.notes, result.notes
    for line in result.lines:
        assert line.result.a == pytest.approx(base.tasks[f"xtransfer_{line.benchmark}_{line.language.replace('-', '_')}"]
                                              .scores[line.metric])
    same = compare(a, load_run(out / "a"), resamples=50)
    # Identical runs: no difference; 3 items per language are too few for a p-value (compare.bootstrap.MIN_ITEMS).
    assert all(line.result.difference == 0 and line.result.p_value is None for line in same.lines)
