"""`--compute-alignment`: run align-eval for the runs' base model and their
adapters, with align-eval's own options: one output folder, <out>/alignment/,
for the base and every LoRA (one model in memory), and one per soft prompt
(<out>/alignment-<name>/, each with the base measured beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xtransfer_bench.languages import BENCHMARKS
from xtransfer_bench.report.inputs import ENGLISH, Alignment, Model, ReportError, read_align_eval
from xtransfer_bench.results_files import layout


@dataclass
class AlignmentOptions:
    """align-eval's options (see `xtransfer-bench align-eval --help`)."""

    langs: list[str] | None = None  # default: every language of the runs, and English
    data: str = "hub"
    split: str = "dev"
    limit: int | None = None
    method: str = "margin"
    k: int = 4
    batch_size: int = 16
    max_length: int = 256
    device: str | None = None
    dtype: str = "auto"
    skip_first_token: bool = False


def run_languages(models: dict[str, Model]) -> list[str]:
    """English first, then every language of the runs in the benchmarks' order."""
    present = {(log.benchmark, log.language) for model in models.values() for log in model.run.tasks.values()}
    found = [ENGLISH]
    for benchmark in BENCHMARKS:
        found += [lang for column in layout(benchmark)[0] if (benchmark, column) in present for lang in column.split("-")]
    return list(dict.fromkeys(found))


def compute_alignment(models: dict[str, Model], baseline: Model, out: Path, options: AlignmentOptions,
                      notes: list[str]) -> list[Alignment]:
    from xtransfer_bench.analysis.align_eval import run as align_eval

    langs = options.langs or run_languages(models)
    pretrained = {model.pretrained for model in models.values()}
    if len(pretrained) != 1:
        raise ReportError(f"--compute-alignment measures one base model; the runs use {sorted(pretrained)}. "
                          "Run align-eval for each and pass the folders with --align-eval.")
    base_model = pretrained.pop()
    adapters = [model for model in models.values() if model.adapter_path]
    for model in models.values():
        if model.adapter_path is None and model.adapter != "base":
            notes.append(f"{model.label}: the run does not say where its adapter is; no alignment computed.")
    # One align-eval run for the base and every LoRA (the model loaded once, the
    # base measured once, each LoRA switched on in turn, named as its run names
    # it); a soft prompt cannot share a model with LoRAs: one run each.
    from xtransfer_bench.backends.adapter_set import LORA, Adapter, resolve

    loras = [m for m in adapters if Adapter(m.adapter, resolve(m.adapter_path)).kind == LORA]
    groups = [("alignment", loras)] + [(f"alignment-{m.adapter}", [m]) for m in adapters if m not in loras]
    found = []
    for name, members in groups:
        if not members and name != "alignment":
            continue
        folder = out / name
        print(f"align-eval: {baseline.label} and {', '.join(m.adapter for m in members) or 'no adapter'} ({folder})",
              flush=True)
        align_eval(base_model, langs, options.data, options.split, folder,
                   [f"{model.adapter}={model.adapter_path}" for model in members], options.method,
                   options.k, options.batch_size, options.max_length, options.limit, options.device, options.dtype,
                   options.skip_first_token)
        found += read_align_eval(str(folder))
    return found
