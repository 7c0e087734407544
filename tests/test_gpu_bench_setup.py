"""benchmarks/gpu/multi_adapter.py: its options and the data root it writes
(the benchmark itself is not a test; it runs by hand, on CPU with --tiny)."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu" / "multi_adapter.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("multi_adapter", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_mode_only_shrinks_what_is_not_given(bench, monkeypatch):
    monkeypatch.delenv("OUT", raising=False)
    tiny = bench.parse_args(["--device", "cpu", "--tiny"])
    assert (tiny.device, tiny.ks, tiny.prompts, tiny.new_tokens, tiny.batch_size) == ("cpu", [1, 2], 16, 8, 8)
    assert tiny.out == "/tmp/xtransfer-gpu-bench/report"
    # The GPU run: the sizes issue 20 asks for.
    full = bench.parse_args([])
    assert (full.device, full.ks, full.prompts, full.new_tokens, full.batch_size) == ("cuda", [1, 4, 16], 256, 64, 64)
    assert bench.parse_args(["--tiny", "--ks", "3", "--prompts", "5"]).ks == [3]
    monkeypatch.setenv("OUT", "/somewhere")
    assert bench.parse_args(["--tiny"]).out == "/somewhere"


def test_data_root_repeats_fixture_rows_as_distinct_prompts(bench, tmp_path):
    # 18 prompts over en, de, ja, sw: 18 // 4 = 4 each, the remainder 2 to
    # the first two languages -> 5, 5, 4, 4.
    tasks = bench.write_data_root(tmp_path, 18)
    assert tasks == ["xtransfer_massive_en", "xtransfer_massive_de", "xtransfer_massive_ja", "xtransfer_massive_sw"]
    counts = {}
    for locale, expected in (("en-US", 5), ("de-DE", 5), ("ja-JP", 4), ("sw-KE", 4)):
        rows = [json.loads(line) for line in (tmp_path / "massive" / f"{locale}.jsonl").read_text(encoding="utf-8").splitlines()]
        tests = [row for row in rows if row["partition"] == "test"]
        counts[locale] = len(tests)
        # Distinct prompts: an engine cannot answer a repeat from a cache.
        assert len({row["utt"] for row in tests}) == len(tests) == expected
        # The task's few-shot split must exist for lm-eval to build the task.
        assert any(row["partition"] == "dev" for row in rows)
    en = [json.loads(line) for line in (tmp_path / "massive" / "en-US.jsonl").read_text(encoding="utf-8").splitlines()
          if json.loads(line)["partition"] == "test"]
    # The fixture has 4 English test rows: the 5th prompt is the 1st again, copy 1.
    assert en[4]["utt"] == en[0]["utt"] + " (1)" and en[4]["annot_utt"] == en[0]["annot_utt"] + " (1)"
    assert en[4]["id"] == f"{en[0]['id']}-1"


def test_progress_of_a_cut_run_scales_the_generation_time(bench):
    # Two bars (one per generation pass): 64/64 after 20 s, then 16/64 after
    # 5 s when the run was cut at 40 s. 80 of 256 generated; 25 s were spent in
    # the bars, 15 s outside them; 25 s * 256 / 80 = 80 s of generation in
    # all, so the whole run would take 15 + 80 = 95 s.
    log = (
        "loading\n"
        "Running generate_until requests:   0%|  | 0/64 [00:00<?, ?it/s]\r"
        "Running generate_until requests:  50%|  | 32/64 [00:10<00:10, 3.2it/s]\r"
        "Running generate_until requests: 100%|  | 64/64 [00:20<00:00, 3.2it/s]\n"
        "Running generate_until requests:   0%|  | 0/64 [00:00<?, ?it/s]\r"
        "Running generate_until requests:  25%|  | 16/64 [00:05<00:15, 3.2it/s]\n"
    )
    assert bench.progress(log, 256, 40.0) == {"generated": 80, "estimated_s": 95.0}
    assert bench.progress("loading the model\n", 256, 40.0) == {"generated": 0}
