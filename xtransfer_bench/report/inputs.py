"""What the report reads: lm-eval runs (results files with their per-sample
logs, through the leaderboard's and compare's readers) gathered per model and
adapter, and align-eval output folders matched to those models.

A model and adapter is named as the leaderboard names it, "model/adapter":
the base model's folder or hub name, and the adapter's name (`peft=` folder
name, or the `active` adapter of an xtransfer-hf / xtransfer-vllm run; "base"
without adapter). An align-eval folder records the model it measured
(summary.json "model", a path or hub id) and the adapter (its path; its
results are stored under the folder's name, beside "base"), so it is matched
by the same two names. `NAME=DIR` matches a folder whose adapter was saved
under another name to the run adapter NAME (or "model/adapter").
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from xtransfer_bench.compare.runs import Run, load_run
from xtransfer_bench.errors import XtransferError
from xtransfer_bench.results_files import read_results

BASE = "base"
ENGLISH = "en"
# summary.json fields that must agree before two models' retrieval accuracies
# may be subtracted: the same sentences measured the same way.
ALIGNMENT_SETTINGS = ("data", "split", "sentences", "method", "k", "skip_first_token", "max_length")


class ReportError(XtransferError):
    """Inputs the report cannot use; the message names the input and the fix."""


@dataclass
class Model:
    """One model and adapter: its runs merged (a run per benchmark is common)."""

    label: str  # "model/adapter"
    pretrained: str  # the base model as lm-eval was given it (path or hub id)
    adapter_path: str | None  # the adapter folder or hub id; None for the base model
    run: Run

    @property
    def model(self) -> str:
        return self.run.model

    @property
    def adapter(self) -> str:
        return self.run.adapter


def _model_args(results_file: str | Path) -> dict:
    config = json.loads(Path(results_file).read_text(encoding="utf-8")).get("config") or {}
    args = config.get("model_args") or {}
    if isinstance(args, str):  # lm-eval's "pretrained=...,peft=..." form
        args = dict(part.split("=", 1) for part in args.split(",") if "=" in part)
    return args


def adapter_source(args: dict) -> str | None:
    """Where a run's adapter came from: `peft=`, or the `active` entry of `adapters=name:path;...`."""
    if args.get("peft"):
        return str(args["peft"])
    active = str(args.get("active") or BASE)
    for entry in str(args.get("adapters") or "").split(";"):
        name, _, path = entry.partition(":")
        if name.strip() == active and active != BASE:
            return path.strip()
    return None


def read_runs(paths: list[str], notes: list[str]) -> dict[str, Model]:
    """Every results file under `paths`, gathered per model and adapter. A task
    run twice for one model and adapter keeps the newest run (noted)."""
    scores = read_results(paths)
    by_file = defaultdict(list)
    for score in scores:
        by_file[score.results_file].append(score)
    models: dict[str, Model] = {}
    dates: dict[tuple[str, str], float] = {}
    for path, found in sorted(by_file.items()):
        run = load_run(path, found)
        args = _model_args(path)
        model = models.get(run.label)
        if model is None:
            model = models[run.label] = Model(run.label, str(args.get("pretrained", run.model)), adapter_source(args),
                                              Run(run.path, run.model, run.adapter, {}))
        date = max(score.date for score in found)
        for task, log in run.tasks.items():
            if task in model.run.tasks:
                older = dates[(run.label, task)] > date
                notes.append(f"{run.label}: {task} is in several runs; the newest is used "
                             f"({model.run.tasks[task].samples_file if older else path}).")
                if older:
                    continue
            model.run.tasks[task] = log
            dates[(run.label, task)] = date
    if not models:
        raise ReportError(f"No xtransfer task scores in {', '.join(paths)}.")
    return models


def pick_baseline(models: dict[str, Model], given: str | None) -> Model:
    known = ", ".join(sorted(models))
    if given:
        if given not in models:
            raise ReportError(f"--baseline {given!r} matches no run; runs are: {known}.")
        return models[given]
    bases = [model for model in models.values() if model.adapter == BASE]
    if len(bases) != 1:
        raise ReportError(f"Name the baseline with --baseline MODEL/ADAPTER; runs are: {known}.")
    return bases[0]


@dataclass
class Alignment:
    """One model's retrieval accuracies from an align-eval folder."""

    label: str  # "model/adapter" it was matched to
    folder: Path
    settings: dict
    accuracy: dict[tuple[str, str], list[float]] = field(repr=False)  # (source, target) -> layers 0..L
    cosine_deviation: dict[tuple[str, str], float] = field(default_factory=dict)  # pair -> mean over layers

    @property
    def layers(self) -> int:
        return len(next(iter(self.accuracy.values()))) - 1

    @property
    def languages(self) -> list[str]:
        return list(self.settings.get("languages") or sorted({lang for pair in self.accuracy for lang in pair}))

    def comparable(self, other: Alignment) -> str | None:
        """Why this and `other` may not be subtracted (None: they may)."""
        differing = [key for key in ALIGNMENT_SETTINGS if self.settings.get(key) != other.settings.get(key)]
        if differing:
            shown = "; ".join(f"{key} {self.settings.get(key)!r} vs {other.settings.get(key)!r}" for key in differing)
            return f"align-eval settings differ ({shown}) between {self.folder} and {other.folder}"
        if self.layers != other.layers:
            return f"{self.folder} has {self.layers} layers but {other.folder} has {other.layers}"
        return None


def _split_spec(spec: str) -> tuple[str | None, Path]:
    if Path(spec).is_dir() or "=" not in spec:
        return None, Path(spec)
    name, _, folder = spec.partition("=")
    return name.strip(), Path(folder)


def read_align_eval(spec: str) -> list[Alignment]:
    """The models of one align-eval folder ("DIR" or "NAME=DIR"), labelled."""
    name, folder = _split_spec(spec)
    summary_file, table = folder / "summary.json", folder / "retrieval.csv"
    if not summary_file.is_file() or not table.is_file():
        raise ReportError(f"--align-eval {spec}: {folder} holds no align-eval output (summary.json and "
                          "retrieval.csv); run `xtransfer-bench align-eval --out DIR` first.")
    try:
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        model = Path(str(summary["model"]).rstrip("/")).name
        variants = list(summary["results"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ReportError(f"{summary_file} is not an align-eval summary ({type(error).__name__}: {error}).") from None
    if name and "/" in name:
        model, name = name.split("/", 1)
    accuracy: dict[str, dict[tuple[str, str], list[float]]] = defaultdict(dict)
    with table.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            pair = (row["source"], row["target"])
            layers = accuracy[row["model"]].setdefault(pair, [])
            layer = int(row["layer"])
            layers.extend([float("nan")] * (layer + 1 - len(layers)))
            layers[layer] = float(row["accuracy"])
    settings = {key: summary.get(key) for key in (*ALIGNMENT_SETTINGS, "languages")}
    deviation = summary.get("cosine_deviation") or {}
    found = []
    for variant in variants:
        if variant not in accuracy:
            raise ReportError(f"{table} has no rows of {variant!r}, which {summary_file} lists; rerun align-eval.")
        adapter = variant if variant == BASE else (name or variant)
        pair = deviation.get("pair")
        deviations = {tuple(pair): float(deviation[variant]["mean_over_layers"])} \
            if pair and variant in deviation else {}
        found.append(Alignment(f"{model}/{adapter}", folder, settings, accuracy[variant], deviations))
    return found


def match_alignments(alignments: list[Alignment], models: dict[str, Model], notes: list[str]) -> dict[str, list[Alignment]]:
    """label -> its alignments (a base model is measured in every folder)."""
    matched: dict[str, list[Alignment]] = defaultdict(list)
    for alignment in alignments:
        if alignment.label in models:
            matched[alignment.label].append(alignment)
        else:
            notes.append(f"align-eval {alignment.folder}: {alignment.label} matches no run (runs: "
                         f"{', '.join(sorted(models))}); give it as NAME=DIR to match it by hand.")
    return dict(matched)
