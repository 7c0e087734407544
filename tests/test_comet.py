"""COMET-22 scoring (xtransfer_bench.metrics.comet) on a tiny offline checkpoint."""

import math

import pytest

from xtransfer_bench.metrics.comet import comet_score, import_comet

# Importing comet directly sets up INFO logging for the whole process
# (logging.basicConfig in comet/__init__): import it through our loader, which
# undoes that, so the skip check below leaves the session's logging alone.
import_comet()
pytest.importorskip("comet")

SOURCES = ["The cat sits on the mat.", "Set an alarm for seven am tomorrow.", "What is the weather like in Berlin today?"]
HYPOTHESES = ["Le chat est assis sur le tapis.", "Réglez une alarme pour sept heures.", "Wie ist das Wetter in Berlin?"]
REFERENCES = ["Le chat est assis sur le tapis.", "Réglez une alarme pour sept heures demain.", "Wie ist das Wetter heute in Berlin?"]


@pytest.fixture(scope="module")
def tiny_comet(tmp_path_factory):
    from tiny_comet import build_tiny_comet

    return build_tiny_comet(tmp_path_factory.mktemp("tiny-comet"))


def test_tiny_checkpoint_scores(tiny_comet):
    result = comet_score(SOURCES, HYPOTHESES, REFERENCES, model=str(tiny_comet), batch_size=2)
    assert result.skipped is None
    assert result.model == str(tiny_comet)
    assert len(result.segments) == len(HYPOTHESES)
    assert all(math.isfinite(score) for score in result.segments)
    # COMET's system score is the mean of its segment scores.
    assert result.system == pytest.approx(sum(result.segments) / len(result.segments), abs=1e-6)


def test_scores_are_deterministic_and_accept_a_ckpt_file(tiny_comet):
    sources, hypotheses = SOURCES[:2], HYPOTHESES[:2]
    # Hypotheses identical to their references, scored twice by the cached
    # model, then once more through the checkpoint file (a fresh load).
    first = comet_score(sources, hypotheses, hypotheses, model=str(tiny_comet))
    second = comet_score(sources, hypotheses, hypotheses, model=str(tiny_comet))
    from_file = comet_score(sources, hypotheses, hypotheses, model=str(tiny_comet / "checkpoints" / "model.ckpt"))
    assert first.skipped is None and from_file.skipped is None
    assert first.segments == second.segments == from_file.segments
    assert first.system == second.system == from_file.system


def test_unreachable_model_is_skipped_not_raised(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads the variable once, at import.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    result = comet_score(SOURCES, HYPOTHESES, REFERENCES, model="xtransfer-tests/no-such-comet-model")
    assert math.isnan(result.system)
    assert result.segments == []
    assert "not reachable" in result.skipped and "comet_model" in result.skipped


def test_missing_local_checkpoint_is_skipped(tmp_path):
    result = comet_score(SOURCES, HYPOTHESES, REFERENCES, model=str(tmp_path))
    assert math.isnan(result.system)
    assert "checkpoints/model.ckpt" in result.skipped


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match="one source and one reference per hypothesis"):
        comet_score(SOURCES, HYPOTHESES[:2], REFERENCES)
    with pytest.raises(ValueError):
        comet_score(SOURCES, HYPOTHESES, REFERENCES[:1])


def test_unreachable_encoder_of_a_local_model_is_skipped(tiny_comet, tmp_path, monkeypatch):
    # A downloaded wmt22-comet-da folder still loads its encoder's tokenizer
    # and config (xlm-roberta-large) from the hub: offline and not cached, the
    # load fails, and that is a skip too.
    import shutil

    import huggingface_hub.constants
    import torch

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    folder = tmp_path / "model"
    shutil.copytree(tiny_comet, folder)
    checkpoint = torch.load(folder / "checkpoints" / "model.ckpt", weights_only=False)
    checkpoint["hyper_parameters"]["pretrained_model"] = "xtransfer-tests/no-such-encoder"
    torch.save(checkpoint, folder / "checkpoints" / "model.ckpt")
    result = comet_score(SOURCES, HYPOTHESES, REFERENCES, model=str(folder))
    assert math.isnan(result.system)
    assert result.skipped.startswith(f"COMET model {folder} could not be loaded")


def test_comet_not_installed_is_skipped(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "comet", None)  # makes `import comet` fail
    result = comet_score(SOURCES, HYPOTHESES, REFERENCES, model="xtransfer-tests/not-installed-probe")
    assert math.isnan(result.system)
    assert result.skipped.startswith("unbabel-comet is not installed")
    assert "xtransfer-bench install-comet" in result.skipped  # a command a wheel user has
