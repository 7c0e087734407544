"""Where a benchmark's data comes from: the hub, or the offline data root."""

from __future__ import annotations

import json
import os
from pathlib import Path

from xtransfer_bench.errors import DataError, XtransferError

DATA_DIR_ENV = "XTRANSFER_DATA_DIR"


class DataNotFoundError(XtransferError, FileNotFoundError):
    """Data could not be reached; the message says how to point at a local copy."""


# What each benchmark's folder under the offline data root holds (the
# release layouts; README "Data, online and offline" shows the same).
LAYOUT = {
    "massive": "massive/<locale>.jsonl (MASSIVE 1.1 release files; the split is the `partition` field)",
    "wmt": "wmt/wmt23/generaltest2023.<src>-<tgt>.src.<src> and .ref.<name>.<tgt>, wmt/wmt22/generaltest2022.*, "
           "wmt/wmt21/newstest2021.* (WMT release text)",
    "uner": "uner/UNER_<Language>-<Treebank>/<code>_<treebank>-ud-{train,dev,test}.iob2 (UNER v1 release)",
    "xquad": "xquad/xquad.<lang>.json (XQuAD release)",
    "squad": "squad/train-v1.1.json (SQuAD v1.1 train, for English demonstrations)",
    "xcopa": "xcopa/data/<lang>/{test,val}.<lang>.jsonl (XCOPA release; data/en/{train,val,test}.en.jsonl for COPA)",
    "xnli": "xnli/<lang>/{train,validation,test}.jsonl (premise, hypothesis, label)",
}
FIXTURES_HINT = "`xtransfer-bench fixtures-path` prints a bundled data root with a few rows in every layout."


def layout_hint(benchmark: str) -> str:
    return f"Expected {LAYOUT[benchmark]}." if benchmark in LAYOUT else ""


def local_benchmark_dir(benchmark: str) -> Path | None:
    """`$XTRANSFER_DATA_DIR/<benchmark>` when the variable is set, else None
    (meaning: load from the hub)."""
    root = os.environ.get(DATA_DIR_ENV)
    if not root:
        return None
    folder = Path(root).expanduser() / benchmark
    if not folder.is_dir():
        raise DataNotFoundError(
            f"{DATA_DIR_ENV}={root} has no '{benchmark}/' folder. {layout_hint(benchmark)} "
            f"Or unset {DATA_DIR_ENV} to load from the Hugging Face hub. {FIXTURES_HINT}"
        )
    return folder


def hub_unreachable_error(benchmark: str, dataset_id: str, cause: Exception) -> DataNotFoundError:
    return DataNotFoundError(
        f"Could not load {benchmark} from the hub ({dataset_id}): {type(cause).__name__}: {cause}. "
        f"Offline? Set {DATA_DIR_ENV} to a data root holding a '{benchmark}/' folder. {layout_hint(benchmark)} "
        f"{FIXTURES_HINT}"
    )


def load_from_hub(benchmark: str, dataset_id: str, **kwargs):
    """`datasets.load_dataset`, with any failure (network, offline mode, a
    missing config) turned into one DataNotFoundError that names the offline fix."""
    import datasets

    try:
        return datasets.load_dataset(dataset_id, **kwargs)
    except Exception as error:  # every cause means the same to the user: not reachable
        where = dataset_id + "".join(f" {k}={v}" for k, v in kwargs.items() if k in ("name", "revision"))
        raise hub_unreachable_error(benchmark, where, error) from error


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON-lines file; a broken line is named by file and line number."""
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise DataError(f"{path}:{line_number} is not valid JSON ({error.msg}).") from None
    return rows


# Results files record where a task's items came from, so that a score on the
# bundled fixtures or on a local copy is never mistaken for one on the
# published test set (the leaderboard compares the part before "|").
SOURCE_FIELD = "data_source"
FIXTURES_MARK = "fixtures"
# The package's own sample files (xtransfer_bench/fixtures), defined here so the
# data layer does not import the fixtures package (which builds on it).
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"


# A data root made from the bundled fixtures (copied, or with synthetic rows
# added) holds this file, so its rows are marked as fixtures too.
FIXTURES_MARKER = ".xtransfer-fixtures"


def mark_as_fixtures(root: Path) -> None:
    Path(root, FIXTURES_MARKER).write_text("Rows here come from xtransfer_bench/fixtures: not a real test set.\n",
                                           encoding="utf-8")


def _is_fixture(path: Path) -> bool:
    resolved = Path(path).resolve()
    if resolved == FIXTURES_DIR or FIXTURES_DIR in resolved.parents:
        return True
    return any((folder / FIXTURES_MARKER).is_file() for folder in Path(path).absolute().parents)


def describe_source(dataset: str, hub: str | None = None, files=()) -> str:
    """`<dataset>|hub:<id>` for hub data; `<dataset>|local:<path>` for files
    under XTRANSFER_DATA_DIR; `fixtures:<dataset>|local:<path>` when any of
    `files` is one of the package's own sample files (which are never the
    real test set). `dataset` names the test set and split, e.g.
    "massive-1.1:en-US:test" or "wmt23:generaltest2023.en-he"."""
    files = [Path(f) for f in files]
    if not files:
        return f"{dataset}|hub:{hub}"
    where = files[0] if len(files) == 1 else files[0].parent
    if any(_is_fixture(path) for path in files):
        return f"{FIXTURES_MARK}:{dataset}|local:{where}"
    return f"{dataset}|local:{where}"


def source_identity(source: str) -> str:
    """The test-set part of a data source (what must match to compare)."""
    return (source or "").split("|", 1)[0]


def is_fixture_source(source: str) -> bool:
    return source_identity(source).startswith(FIXTURES_MARK + ":")
