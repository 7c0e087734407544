import json
import os
from pathlib import Path

# Tests never touch the network: the hub is unreachable in CI anyway, and an
# accidental download would make results depend on it. Set before anything
# imports `datasets` or `huggingface_hub`, which read these once at import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# `make test` runs two pytest-xdist workers on 2 cores. Two torch processes
# of two threads each thrash (measured: a SmolLM2 training test 179 s alone,
# 710 s beside another); one thread each (inherited by the tests'
# subprocesses) costs a test ~1.25x and runs two at once.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest  # noqa: E402

from xtransfer_bench.fixtures import FIXTURES_DIR, link_clicp_data  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout; XTRANSFER_SHARED_DIR for a copy elsewhere (benchmarks/mutation_check.py).
SHARED = Path(os.environ.get("XTRANSFER_SHARED_DIR") or REPO.parent / "shared")


SHARED_MISSING = "../shared is absent (real data lives there, outside the repository)"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a skip when this checkout has none; under
    CI=true a failure, since CI is promised ../shared and a skip would hide
    every real-data check."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{SHARED_MISSING}: {path}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    return path


def pytest_collection_modifyitems(items):
    """Files with slow (SmolLM2) tests first, each file's own order kept: the
    workers take whole files in this order, and a minutes-long file started
    last would leave one worker idle until it ends."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: order within a file kept


def pytest_terminal_summary(terminalreporter):
    """One visible line: how many tests were skipped, and why (grouped)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        key = SHARED_MISSING if reason.startswith(SHARED_MISSING) else reason
        reasons[key] = reasons.get(key, 0) + 1
    listed = "; ".join(f"{count} x {reason}" for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]))
    terminalreporter.write_line(f"SKIPPED {len(skipped)} tests: {listed}", yellow=True, bold=True)


@pytest.fixture
def fixture_data(monkeypatch):
    """Point every loader at the bundled MASSIVE-schema fixtures."""
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(FIXTURES_DIR))
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def clicp_data_root(tmp_path_factory) -> Path:
    """XQuAD/XCOPA/XNLI data root: the real release files in ../shared/data
    linked beside our fixtures (the CL-ICP trainers' and tests' data)."""
    return link_clicp_data(tmp_path_factory.mktemp("clicp-data"), shared_path("data"))


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
