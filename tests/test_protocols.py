"""The protocol table: README, code and task files say the same thing."""

import re

import pytest

from conftest import REPO
from xtransfer_bench import task_files
from xtransfer_bench.metrics import protocols


def readme_protocol_rows() -> list[list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Protocols"):]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| benchmark") or line.startswith("|---"):
            continue
        # Cells are separated by unescaped pipes; signatures escape theirs as \|.
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append(cells)
    return rows


def test_readme_table_matches_the_code():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert protocols.markdown_table() in readme, "regenerate it: python -m xtransfer_bench.metrics.protocols"
    rows = readme_protocol_rows()
    assert len(rows) == len(protocols.PROTOCOLS)
    for cells, entry in zip(rows, protocols.PROTOCOLS):
        benchmark, metric, published, signature, rules = cells
        assert (benchmark, metric.strip("`")) == (entry.benchmark, entry.metric)
        assert (published == "**yes**") == entry.published, entry
        if entry.signature is None:
            assert "sacrebleu" in signature
        else:
            assert signature.strip("`") == entry.signature
        assert rules == entry.rules


def test_each_benchmark_has_exactly_one_published_protocol_per_reported_quantity():
    # One published metric per benchmark, two for XQuAD (EM and F1) and three for WMT.
    expected = {"massive": 1, "uner": 1, "xquad": 2, "xcopa": 1, "xnli": 1, "wmt": 3}
    for benchmark, count in expected.items():
        assert len(protocols.published_metrics(benchmark)) == count, benchmark


@pytest.mark.parametrize("benchmark", task_files.READY)
def test_every_metric_of_a_task_carries_its_signature_and_the_data_source(benchmark):
    template = (task_files.TASKS_DIR / benchmark / task_files.TEMPLATE).read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s*- metric: (\S+)", template, flags=re.MULTILINE))
    numeric = {p.metric for p in protocols.PROTOCOLS if p.benchmark == benchmark}
    assert numeric <= listed, f"{benchmark}: metrics missing from the template"
    assert {m + protocols.SIGNATURE_SUFFIX for m in numeric} <= listed, f"{benchmark}: signatures missing"
    assert "data_source" in listed
    # Nothing numeric outside the protocol table: every reported number has a protocol.
    others = {m for m in listed if not m.endswith(protocols.SIGNATURE_SUFFIX) and m != "data_source"}
    assert others == numeric


def test_comparable_ignores_only_software_versions():
    paper = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.2"
    ours = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
    assert protocols.comparable(paper, ours)
    assert not protocols.comparable(paper, ours.replace("nrefs:1", "nrefs:2"))
    assert not protocols.comparable(paper, ours.replace("tok:13a", "tok:intl"))
    assert not protocols.comparable(protocols.signature("massive", "f1"), protocols.signature("massive", "f1_paper"))


def test_aggregate_signature_reports_mixed_items():
    assert protocols.aggregate_signature(["a|v1", "a|v1"]) == "a|v1"
    assert protocols.aggregate_signature(["a|v1", "b|v1"]) == "mixed: a|v1 ; b|v1"
