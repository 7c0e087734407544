"""WMT test sets of the middle-layer paper's translation experiments.

Supervised directions use ALMA's test sets: WMT22 for cs, de, ru, zh <-> en and
WMT21 for is <-> en; transfer directions use WMT23 for he, ja, uk <-> en.

Hub (default): ALMA's copies. `haoranxu/WMT22-Test` holds the WMT22 pairs and
ALMA's WMT21 is<->en pairs (1000 segments), one config per direction
("cs-en", ...) whose single column, named like the config, is a
{src: ..., tgt: ...} struct; cs-en and en-de were added in later commits
(revision ad2e550 lacks them), so the default revision is main.
`haoranxu/WMT23-Test` is laid out the same way and holds he, ja, uk <-> en.
The hub copies carry one reference per segment.

Local (`$XTRANSFER_DATA_DIR/wmt/`): the WMT release text folders, as in
../shared/data/wmt: `wmt23/generaltest2023.<src>-<tgt>.src.<src>` and
`.ref.<name>.<tgt>`, `wmt22/generaltest2022.*`, `wmt21/newstest2021.*`. Every
reference present is loaded, in name order (refA before refB; B before C for
WMT22 cs-en); the tasks score the first one unless asked for all
(metrics/translation_task.py says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import datasets

from xtransfer_bench import languages
from xtransfer_bench.data.paths import DataNotFoundError, describe_source, load_from_hub, local_benchmark_dir
from xtransfer_bench.errors import DataError


@dataclass(frozen=True)
class TestSet:
    name: str  # folder under $XTRANSFER_DATA_DIR/wmt
    hub_id: str
    file_prefix: str  # WMT release file names


WMT21 = TestSet("wmt21", "haoranxu/WMT22-Test", "newstest2021")
WMT22 = TestSet("wmt22", "haoranxu/WMT22-Test", "generaltest2022")
WMT23 = TestSet("wmt23", "haoranxu/WMT23-Test", "generaltest2023")


def directions() -> list[tuple[str, str]]:
    """Every (source, target) pair of the benchmark: X->en first, then en->X."""
    langs = languages.benchmark("wmt").all
    return [(lang, "en") for lang in langs] + [("en", lang) for lang in langs]


def test_set(src: str, tgt: str) -> TestSet:
    if (src, tgt) not in directions():
        raise ValueError(
            f"Unknown translation direction {src}-{tgt}; directions are "
            + ", ".join(f"{s}-{t}" for s, t in directions())
        )
    other = src if tgt == "en" else tgt
    if other == "is":
        return WMT21
    return WMT22 if other in languages.benchmark("wmt").supervised else WMT23


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"{path} is not UTF-8 ({error.reason} at byte {error.start}).") from None
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


def _read_local(folder: Path, ts: TestSet, src: str, tgt: str) -> tuple[list[str], list[list[str]], str]:
    stem = f"{ts.file_prefix}.{src}-{tgt}"
    source_file = folder / ts.name / f"{stem}.src.{src}"
    if not source_file.is_file():
        raise DataNotFoundError(
            f"{source_file} is missing: put the {ts.name.upper()} release text files there "
            "(layout in xtransfer_bench/data/wmt.py), or unset XTRANSFER_DATA_DIR to use the hub."
        )
    ref_files = sorted((folder / ts.name).glob(f"{stem}.ref.*.{tgt}"))
    if not ref_files:
        raise DataNotFoundError(f"No reference file {stem}.ref.<name>.{tgt} next to {source_file}.")
    sources = _read_lines(source_file)
    reference_sets = [_read_lines(path) for path in ref_files]
    for path, refs in zip(ref_files, reference_sets):
        if len(refs) != len(sources):
            raise DataError(f"{path} has {len(refs)} lines but {source_file} has {len(sources)}.")
    source = describe_source(dataset_name(ts, src, tgt), files=[source_file, *ref_files])
    return sources, [list(refs) for refs in zip(*reference_sets)], source


def _read_hub(ts: TestSet, src: str, tgt: str) -> tuple[list[str], list[list[str]], str]:
    config = f"{src}-{tgt}"
    rows = load_from_hub("wmt", ts.hub_id, name=config, split="test")
    pairs = rows[config]
    source = describe_source(dataset_name(ts, src, tgt), hub=f"{ts.hub_id}@main:{config}")
    return [pair[src] for pair in pairs], [[pair[tgt]] for pair in pairs], source


def dataset_name(ts: TestSet, src: str, tgt: str) -> str:
    """The test set's identity in results files: wmt22:de-en:test."""
    return f"{ts.name}:{src}-{tgt}:test"


def load(src: str, tgt: str) -> datasets.Dataset:
    """Test segments of one direction: source, references (list, every one
    the copy has), target (= first reference), data_source."""
    ts = test_set(src, tgt)
    folder = local_benchmark_dir("wmt")
    sources, references, data_source = _read_local(folder, ts, src, tgt) if folder else _read_hub(ts, src, tgt)
    return datasets.Dataset.from_list(
        [
            {
                "id": index,
                "test_set": ts.name,
                "src_lang": src,
                "tgt_lang": tgt,
                "source": source,
                "references": refs,
                "target": refs[0],
                "data_source": data_source,
            }
            for index, (source, refs) in enumerate(zip(sources, references))
        ]
    )
