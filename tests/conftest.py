import json
import os
from pathlib import Path

# Tests never touch the network: the hub is unreachable in CI anyway, and an
# accidental download would make results depend on it. Set before anything
# imports `datasets` or `huggingface_hub`, which read these once at import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import pytest  # noqa: E402

from xtransfer_bench.fixtures import FIXTURES_DIR  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a skip when this checkout has none."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (real data lives in ../shared, outside the repository)")
    return path


@pytest.fixture
def fixture_data(monkeypatch):
    """Point every loader at the bundled MASSIVE-schema fixtures."""
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(FIXTURES_DIR))
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def fixture_texts() -> list[str]:
    """Tokenizer training text for tiny models: the MASSIVE fixture utterances."""
    texts = [
        json.loads(line)["utt"]
        for path in sorted((FIXTURES_DIR / "massive").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    return texts * 20


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, fixture_texts) -> Path:
    from tiny_models import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), fixture_texts)


@pytest.fixture(scope="session")
def tiny_lora(tiny_model, tmp_path_factory) -> Path:
    from tiny_models import build_lora

    return build_lora(tiny_model, tmp_path_factory.mktemp("tiny-lora"))
